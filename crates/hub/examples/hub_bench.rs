//! Measures the real `schoolgate-hub` binary over HTTP (BENCHMARKS.md, "The hub"): signed reports
//! ingested per second with many clients at once (p50/p99 latency), the inbox's first page with
//! `--reports` stored reports (time to the whole answer, on loopback), the next 20 pages by their
//! "older" links, the CSV and JSON exports of everything, and the hub's memory (RSS) with them. Speed is measured here, never asserted in a test.
//!
//! ```text
//! cargo build --release -p schoolgate-hub --bins --examples
//! target/release/examples/hub_bench [--database postgres://…] [--reports 100000] [--concurrency 32] [--measure 10000]
//! ```
//! `bench/hub/run.sh` runs it on SQLite and on a throwaway PostgreSQL, side by side.

#[path = "support/http.rs"]
mod http;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use http::{arg, connect, percentile, request, rss_kib, sign_in, Error};
use tokio::net::TcpStream;

/// A report shaped like the extension's, about 1.3 KB.
fn report(n: usize) -> (String, String) {
    let id = format!(
        "r-bench{n:07}-{:08x}",
        (n as u32).wrapping_mul(2_654_435_761)
    );
    let body = serde_json::json!({
        "schema": "schoolgate-report/1", "id": id, "revision": 1, "createdAt": "2026-12-07T04:30:00.000Z",
        "source": "page-button", "school": { "name": "Oak Hill Primary", "policySource": "managed" },
        "pupil": { "group": "ks2", "groupLabel": "Years 3 to 6", "email": format!("pupil{n}@oakhill.example"), "deviceAssetId": format!("CB-{n:05}") },
        "page": { "url": format!("https://example-{n}.org/some/page?q=test"), "title": null, "navigations": [], "details": "held" },
        "filter": { "action": "allow", "category": null, "locked": false, "reason": "The page is not on any list the school blocks.", "rule": null, "matches": [], "engineVersion": "bench" },
        "blockedOnDevice": true, "adult": null,
        "timeline": [
            { "at": "2026-12-07T04:30:00.000Z", "event": "pressed", "detail": "The pupil pressed \"tell an adult\" (page-button); the screen was covered." },
            { "at": "2026-12-07T04:30:00.000Z", "event": "blocked-on-device", "detail": "The page was blocked on this device until the DSL has reviewed it." }
        ],
    })
    .to_string();
    (id, body)
}

/// Sends reports `from..to` with `concurrency` connections; each request's latency.
async fn ingest(
    addr: &str,
    key: &str,
    from: usize,
    to: usize,
    concurrency: usize,
) -> Result<Vec<Duration>, Error> {
    let next = Arc::new(AtomicUsize::new(from));
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (next, addr, key) = (next.clone(), addr.to_owned(), key.to_owned());
        workers.push(tokio::spawn(async move {
            let mut stream = connect(&addr).await?;
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= to {
                    return Ok::<_, Error>(latencies);
                }
                let (id, body) = report(n);
                let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())?;
                mac.update(body.as_bytes());
                let signature = hex::encode(mac.finalize().into_bytes());
                let head = format!(
                    "POST /api/v1/reports HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Schoolgate-Signature: sha256={signature}\r\nX-Schoolgate-Report-Id: {id}\r\nX-Schoolgate-Revision: 1\r\n\r\n",
                    body.len()
                );
                let start = Instant::now();
                let (status, answer) = request(&mut stream, &head, body.as_bytes()).await?;
                latencies.push(start.elapsed());
                if status != 201 {
                    return Err(format!(
                        "report {n}: {status} {}",
                        String::from_utf8_lossy(&answer)
                    )
                    .into());
                }
            }
        }));
    }
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await??);
    }
    Ok(all)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let total: usize = arg("--reports").map_or(Ok(100_000), |v| v.parse())?;
    let concurrency: usize = arg("--concurrency").map_or(Ok(32), |v| v.parse())?;
    let measure: usize = arg("--measure").map_or(Ok(10_000), |v| v.parse())?;
    let database = arg("--database");
    let mut started = http::Hub::start(database.as_deref())?;
    let (addr, key, link) = (
        started.addr.clone(),
        started.key.clone(),
        started.first_run.clone(),
    );
    let hub = &mut started.child;
    let backend = if database.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let pid = hub.id();
    println!(
        "{backend}: hub pid {pid} on {addr}; RSS at start {} KiB",
        rss_kib(pid, "VmRSS")
    );

    // 1. Ingest: `measure` reports, `concurrency` clients at once, each on a kept-alive connection.
    let start = Instant::now();
    let mut latencies = ingest(&addr, &key, 0, measure, concurrency).await?;
    let elapsed = start.elapsed();
    latencies.sort();
    println!(
        "{backend}: ingest {measure} signed reports, {concurrency} at once: {:.0} reports/s, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        measure as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );

    // 2. Fill to `total` (not timed), then the inbox's first page and memory.
    if total > measure {
        ingest(&addr, &key, measure, total, concurrency).await?;
    }
    println!(
        "{backend}: {total} reports stored; RSS {} KiB (peak {} KiB)",
        rss_kib(pid, "VmRSS"),
        rss_kib(pid, "VmHWM")
    );
    let cookie = sign_in(&addr, &link).await?;
    let mut stream = connect(&addr).await?;
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..5 {
        let start = Instant::now();
        let (status, page) = request(
            &mut stream,
            &format!("GET /inbox HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n"),
            b"",
        )
        .await?;
        times.push(start.elapsed());
        if status != 200 {
            return Err(format!("inbox: {status}").into());
        }
        bytes = page.len();
    }
    times.sort();
    println!(
        "{backend}: inbox first page with {total} reports: median {:.1} ms, best {:.1} ms of 5 ({bytes} bytes); RSS after {} KiB (peak {} KiB)",
        times[2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        rss_kib(pid, "VmRSS"),
        rss_kib(pid, "VmHWM")
    );
    // 3. Twenty "older" pages in a row, each from the link on the page before.
    let mut path = "/inbox".to_owned();
    let mut older_times = Vec::new();
    for _ in 0..21 {
        let start = Instant::now();
        let (status, page) = request(
            &mut stream,
            &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n"),
            b"",
        )
        .await?;
        if path != "/inbox" {
            older_times.push(start.elapsed());
        }
        if status != 200 {
            return Err(format!("{path}: {status}").into());
        }
        let page = String::from_utf8_lossy(&page);
        let Some(link) = page
            .split(" rel=\"next\"")
            .next()
            .and_then(|before| before.rsplit("href=\"").next())
            .map(|link| link.trim_end_matches('"'))
            .filter(|link| link.starts_with("/inbox?"))
        else {
            break;
        };
        path = link.replace("&amp;", "&");
    }
    older_times.sort();
    if let Some(median) = older_times.get(older_times.len() / 2) {
        println!(
            "{backend}: {} older pages in a row by their links: median {:.1} ms, worst {:.1} ms; RSS after {} KiB",
            older_times.len(),
            median.as_secs_f64() * 1e3,
            older_times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
            rss_kib(pid, "VmRSS")
        );
    }
    // 4. The whole-hub exports, sent as they are read: time, size and the hub's memory.
    for path in ["/exports/reports.csv", "/exports/reports.json"] {
        let start = Instant::now();
        let mut stream = TcpStream::connect(&addr).await?;
        stream
            .write_all(
                format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await?;
        let mut received = 0usize;
        let mut buffer = vec![0u8; 64 * 1024];
        let mut head = Vec::new();
        loop {
            let n = stream.read(&mut buffer).await?;
            if n == 0 {
                break;
            }
            if head.len() < 16 {
                head.extend_from_slice(&buffer[..n.min(16)]);
            }
            received += n;
        }
        if !head.starts_with(b"HTTP/1.1 200") {
            return Err(format!("{path}: {}", String::from_utf8_lossy(&head)).into());
        }
        println!(
            "{backend}: {path} with {total} reports: {:.1} s, {:.1} MB; RSS after {} KiB (peak {} KiB)",
            start.elapsed().as_secs_f64(),
            received as f64 / 1e6,
            rss_kib(pid, "VmRSS"),
            rss_kib(pid, "VmHWM")
        );
    }
    hub.kill()?;
    hub.wait()?;
    std::io::stdout().flush()?;
    Ok(())
}
