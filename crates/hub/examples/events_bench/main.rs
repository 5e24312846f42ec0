//! Monitoring events at a trust's scale (issue 17; BENCHMARKS.md, "The hub: monitoring events at
//! a trust's scale"), on the real `schoolgate-hub` binary:
//!
//! 1. **Ingest**: signed `schoolgate-events/1` batches of up to 500 events (a device catching up
//!    after a day offline) through the real `POST /api/v1/events`, `--concurrency` devices at
//!    once, each on a kept-alive connection, every answer checked to be 201: events per second
//!    and each batch's latency (p50, p99). The devices' whole terms, from `term.rs`.
//! 2. **The rest of the term**, bulk-inserted into the hub's own tables (multi-row `INSERT`s in
//!    large transactions: the HTTP path at 5,000 events/s would take most of an hour), as the
//!    retention job leaves them at the term's end: every event of the 13 weeks, heartbeats of
//!    the last 30 days only.
//! 3. **The DSL's pages over the full term**: the weekly digest of a week in the middle of the
//!    term and the governors' summary of the term (against the term before), each the median of
//!    `--repeat` loads, as the DSL signed in.
//! 4. **Storage per million events**: SQLite's file, or PostgreSQL's `pg_total_relation_size` of
//!    the events tables.
//!
//! ```text
//! cargo build --release -p schoolgate-hub --bins --examples
//! target/release/examples/events_bench [--database postgres://…] [--devices 10000] [--weeks 13]
//!     [--concurrency 16] [--ingest-devices 200] [--repeat 5] [--seed 2026]
//! ```
//! `bench/hub/events.sh` runs it on SQLite and on a throwaway PostgreSQL, side by side.

#[path = "../support/http.rs"]
mod http;
mod term;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use http::{arg, connect, percentile, request, sign_in, signature, time_page, Error, Hub};
use term::{account, device_id, group, rfc3339, Event, Term};

const BATCH_EVENTS: usize = 500;
const BATCH_BYTES: usize = 256 * 1024;
/// Heartbeats older than this at the term's end are gone (the retention job: 30 days).
const HEARTBEAT_DAYS: i64 = 30;

/// A device's events, cut as the extension cuts them: at most 500 and 256 KiB a batch.
fn batches(device: u32, events: &[Event], sent_at: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = events;
    while !rest.is_empty() {
        let mut take = 0;
        let mut bytes = 400;
        for e in rest.iter().take(BATCH_EVENTS) {
            let size = e.body.to_string().len() + 1;
            if take > 0 && bytes + size > BATCH_BYTES {
                break;
            }
            bytes += size;
            take += 1;
        }
        let (now, later) = rest.split_at(take);
        let batch = format!("b-bench-{}-{:04}", device + 1, out.len());
        let body = serde_json::json!({
            "schema": "schoolgate-events/1", "batch": batch, "device": device_id(device),
            "user": account(device), "group": group(device), "extensionVersion": "0.4.0",
            "sentAt": sent_at, "events": now.iter().map(|e| &e.body).collect::<Vec<_>>(),
        })
        .to_string();
        out.push((batch, body));
        rest = later;
    }
    out
}

/// Sends every batch, `concurrency` at once; each batch's latency and the events sent.
async fn ingest(
    addr: &str,
    key: &str,
    batches: Arc<Vec<(String, String, usize)>>,
    concurrency: usize,
) -> Result<Vec<Duration>, Error> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (next, addr, key, batches) = (
            next.clone(),
            addr.to_owned(),
            key.to_owned(),
            batches.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut stream = connect(&addr).await?;
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some((batch, body, _)) = batches.get(n) else {
                    return Ok::<_, Error>(latencies);
                };
                let head = format!(
                    "POST /api/v1/events HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Schoolgate-Signature: {}\r\nX-Schoolgate-Batch-Id: {batch}\r\n\r\n",
                    body.len(),
                    signature(&key, body.as_bytes()),
                );
                let start = Instant::now();
                let (status, answer) = request(&mut stream, &head, body.as_bytes()).await?;
                latencies.push(start.elapsed());
                if status != 201 {
                    return Err(format!("batch {batch}: {status} {}", String::from_utf8_lossy(&answer)).into());
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

/// One row of `events` as the hub stores it (the columns `read_event` copies out).
struct Row {
    device: String,
    event_id: String,
    batch: String,
    at: String,
    kind: &'static str,
    user: String,
    group: &'static str,
    category: Option<String>,
    alert: Option<String>,
    host: Option<String>,
    body: String,
    received_at: String,
}

fn row(event: &Event, batch: &str) -> Row {
    let text = |f: &str| event.field(f).map(str::to_owned);
    Row {
        device: device_id(event.device),
        event_id: event.id.clone(),
        batch: batch.to_owned(),
        at: event.at_text(),
        kind: event.kind,
        user: account(event.device),
        group: group(event.device),
        category: match event.kind {
            "blocked" | "circumvention" => text("category"),
            _ => None,
        },
        alert: text("alert"),
        host: match event.kind {
            "blocked" | "circumvention" | "visit" => text("host"),
            _ => None,
        },
        body: event.body.to_string(),
        received_at: rfc3339(event.at + chrono::Duration::seconds(2)),
    }
}

macro_rules! insert_rows {
    ($db:ty, $tx:expr, $rows:expr) => {{
        for chunk in $rows.chunks(1000) {
            let mut query = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO events (device, event_id, batch, at, kind, username, group_name, category, alert, host, report_id, body, received_at) ",
            );
            query.push_values(chunk, |mut b, r: &Row| {
                b.push_bind(r.device.clone())
                    .push_bind(r.event_id.clone())
                    .push_bind(r.batch.clone())
                    .push_bind(r.at.clone())
                    .push_bind(r.kind)
                    .push_bind(r.user.clone())
                    .push_bind(r.group)
                    .push_bind(r.category.clone())
                    .push_bind(r.alert.clone())
                    .push_bind(r.host.clone())
                    .push_bind(None::<String>)
                    .push_bind(r.body.clone())
                    .push_bind(r.received_at.clone());
            });
            query.build().execute(&mut *$tx).await?;
        }
    }};
}

macro_rules! insert_batches {
    ($db:ty, $tx:expr, $batches:expr) => {{
        for chunk in $batches.chunks(2000) {
            let mut query = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO event_batches (batch, device, signing_key, sent_at, received_at, events) ",
            );
            query.push_values(chunk, |mut b, (batch, device, at, n): &(String, String, String, i64)| {
                b.push_bind(batch.clone())
                    .push_bind(device.clone())
                    .push_bind("bench")
                    .push_bind(at.clone())
                    .push_bind(at.clone())
                    .push_bind(*n);
            });
            query.build().execute(&mut *$tx).await?;
        }
    }};
}

/// What was made, by kind, for the whole term (heartbeats trimmed or not).
#[derive(Default)]
struct Volume {
    made: BTreeMap<&'static str, u64>,
    stored: u64,
}

enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Inserts every event of devices `from..term.devices` (heartbeats of the last 30 days only),
/// one transaction per 100 devices.
async fn bulk_load(db: &Db, term: &Term, from: u32, volume: &mut Volume) -> Result<(), Error> {
    let days = term.days();
    let end = *days.last().ok_or("no days")? + chrono::Duration::days(1);
    let heartbeats_from: NaiveDateTime = (end - chrono::Duration::days(HEARTBEAT_DAYS))
        .and_hms_opt(0, 0, 0)
        .ok_or("time")?;
    let started = Instant::now();
    let mut device = from;
    while device < term.devices {
        let upto = (device + 100).min(term.devices);
        let mut rows = Vec::new();
        let mut batch_rows = Vec::new();
        for d in device..upto {
            for day in 0..days.len() as u32 {
                let events = term.device_day(d, day);
                let batch = format!("b-load-{}-{day:03}", d + 1);
                let mut kept = 0;
                for event in &events {
                    *volume.made.entry(event.kind).or_default() += 1;
                    if event.kind == "heartbeat" && event.at < heartbeats_from {
                        continue;
                    }
                    rows.push(row(event, &batch));
                    kept += 1;
                }
                if kept > 0 {
                    let at = rfc3339(events.last().map_or(heartbeats_from, |e| e.at));
                    batch_rows.push((batch, device_id(d), at, kept));
                }
            }
        }
        volume.stored += rows.len() as u64;
        match db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                insert_batches!(sqlx::Sqlite, tx, batch_rows);
                insert_rows!(sqlx::Sqlite, tx, rows);
                tx.commit().await?;
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                insert_batches!(sqlx::Postgres, tx, batch_rows);
                insert_rows!(sqlx::Postgres, tx, rows);
                tx.commit().await?;
            }
        }
        device = upto;
        if device % 1000 == 0 {
            eprintln!(
                "  loaded devices up to {device}: {} events stored, {:.0} s",
                volume.stored,
                started.elapsed().as_secs_f64()
            );
        }
    }
    // Each device's latest state, as ingest leaves it (its last heartbeat said active).
    let last_day = days.len() as u32 - 1;
    let devices: Vec<(String, String)> = (from..term.devices)
        .map(|d| {
            let at = term
                .device_day(d, last_day)
                .last()
                .map_or_else(|| rfc3339(heartbeats_from), Event::at_text);
            (device_id(d), at)
        })
        .collect();
    let sql = "INSERT INTO devices (device, username, group_name, extension_version, first_seen_at, last_seen_at, last_event_at, heartbeat_state, heartbeat_at) VALUES (?, ?, ?, '0.4.0', ?, ?, ?, 'active', ?) ON CONFLICT (device) DO NOTHING";
    for (n, (device, at)) in devices.iter().enumerate() {
        let d = from + n as u32;
        let first = format!("{}T08:30:00.000Z", term.first_monday);
        match db {
            Db::Sqlite(pool) => {
                sqlx::query(sql)
                    .bind(device)
                    .bind(account(d))
                    .bind(group(d))
                    .bind(&first)
                    .bind(at)
                    .bind(at)
                    .bind(at)
                    .execute(pool)
                    .await?;
            }
            Db::Postgres(pool) => {
                let sql = sql.replacen(
                    "?, ?, ?, '0.4.0', ?, ?, ?, 'active', ?",
                    "$1, $2, $3, '0.4.0', $4, $5, $6, 'active', $7",
                    1,
                );
                sqlx::query(&sql)
                    .bind(device)
                    .bind(account(d))
                    .bind(group(d))
                    .bind(&first)
                    .bind(at)
                    .bind(at)
                    .bind(at)
                    .execute(pool)
                    .await?;
            }
        }
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let parse = |name: &str, default: u64| arg(name).map_or(Ok(default), |v| v.parse::<u64>());
    let term = Term {
        seed: parse("--seed", 2026)?,
        devices: parse("--devices", 10_000)? as u32,
        weeks: parse("--weeks", 13)? as u32,
        ..Term::default()
    };
    let concurrency = parse("--concurrency", 16)? as usize;
    let ingest_devices = (parse("--ingest-devices", 200)? as u32).min(term.devices);
    let repeat = parse("--repeat", 5)? as usize;
    let database = arg("--database");
    let backend = if database.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let hub = Hub::start(database.as_deref())?;
    let addr = hub.addr.clone();
    println!(
        "{backend}: a term of {} devices × {} weeks (seed {}), hub pid {} on {addr}",
        term.devices,
        term.weeks,
        term.seed,
        hub.child.id()
    );

    // 1. Ingest through HTTP: the first devices' whole terms, as signed batches.
    let days = term.days().len() as u32;
    let sent_at = rfc3339(chrono::Utc::now().naive_utc());
    let mut all = Vec::new();
    for d in 0..ingest_devices {
        let events: Vec<Event> = (0..days).flat_map(|day| term.device_day(d, day)).collect();
        for (batch, body) in batches(d, &events, &sent_at) {
            let n = serde_json::from_str::<serde_json::Value>(&body)?["events"]
                .as_array()
                .map_or(0, Vec::len);
            all.push((batch, body, n));
        }
    }
    // Devices take turns, so concurrent batches come from different devices.
    all.sort_by_key(|(batch, _, _)| batch.rsplit('-').next().map(str::to_owned));
    let sent_events: usize = all.iter().map(|(_, _, n)| n).sum();
    let sent_batches = all.len();
    let bytes: usize = all.iter().map(|(_, b, _)| b.len()).sum();
    let start = Instant::now();
    let mut latencies = ingest(&addr, &hub.key, Arc::new(all), concurrency).await?;
    let elapsed = start.elapsed();
    latencies.sort();
    println!(
        "{backend}: ingest {sent_events} events in {sent_batches} signed batches ({:.0} events and {:.0} KB a batch), {concurrency} devices at once: {:.0} events/s, batch p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        sent_events as f64 / sent_batches as f64,
        bytes as f64 / sent_batches as f64 / 1e3,
        sent_events as f64 / elapsed.as_secs_f64(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
    );

    // 2. The rest of the term, straight into the hub's tables.
    let db = match &database {
        Some(url) => Db::Postgres(
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(2)
                .connect(url)
                .await?,
        ),
        None => {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(hub.dir.path().join("hub.sqlite3"))
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(60));
            Db::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await?,
            )
        }
    };
    let mut volume = Volume::default();
    let start = Instant::now();
    bulk_load(&db, &term, ingest_devices, &mut volume).await?;
    if let Db::Postgres(pool) = &db {
        // What autovacuum does to a table that has grown this much (statistics, visibility map).
        sqlx::query("VACUUM ANALYZE events").execute(pool).await?;
    }
    let made: u64 = volume.made.values().sum();
    let stored: i64 = match &db {
        Db::Sqlite(pool) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM events")
                .fetch_one(pool)
                .await?
        }
        Db::Postgres(pool) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM events")
                .fetch_one(pool)
                .await?
        }
    };
    println!(
        "{backend}: the term's other {} devices made {made} events ({}); loaded {} (heartbeats of the last {HEARTBEAT_DAYS} days only) in {:.0} s; the hub holds {stored}",
        term.devices - ingest_devices,
        volume.made.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", "),
        volume.stored,
        start.elapsed().as_secs_f64(),
    );

    // 3. The DSL's pages over the full term.
    let cookie = sign_in(&addr, &hub.first_run).await?;
    let middle = term.first_monday + chrono::Duration::weeks(i64::from(term.weeks / 2));
    let (median, best, page) =
        time_page(&addr, &cookie, &format!("/digest?week={middle}"), repeat).await?;
    let runs = page
        .split("Repeated attempts to reach a blocked site: ")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap_or("?");
    let capped = page.contains("more events than the digest reads");
    println!(
        "{backend}: weekly digest (week of {middle}): median {:.0} ms, best {:.0} ms of {repeat} ({} KB; {runs} runs of repeated attempts{})",
        ms(median),
        ms(best),
        page.len() / 1000,
        if capped { "; the page says it read only part of the week" } else { "" },
    );
    let (median, best, page) =
        time_page(&addr, &cookie, "/figures/term?term=2026-autumn", repeat).await?;
    let blocked = page
        .split("Blocked pages</th><td>")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap_or("?");
    println!(
        "{backend}: governors' term summary (2026-autumn against 2026-summer): median {:.0} ms, best {:.0} ms of {repeat} (blocked pages shown: {blocked})",
        ms(median),
        ms(best),
    );

    // 4. Storage.
    let size = match &db {
        Db::Sqlite(pool) => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
            let dir = hub.dir.path();
            ["hub.sqlite3", "hub.sqlite3-wal"]
                .iter()
                .map(|f| std::fs::metadata(dir.join(f)).map_or(0, |m| m.len()))
                .sum::<u64>() as i64
        }
        Db::Postgres(pool) => {
            sqlx::query_scalar("SELECT (pg_total_relation_size('events') + pg_total_relation_size('event_batches') + pg_total_relation_size('devices'))::BIGINT")
                .fetch_one(pool)
                .await?
        }
    };
    let what = if database.is_some() {
        "pg_total_relation_size of events, event_batches and devices"
    } else {
        "the database file"
    };
    println!(
        "{backend}: storage {:.2} GB for {stored} events: {:.0} MB per million events ({what})",
        size as f64 / 1e9,
        size as f64 / 1e6 / (stored as f64 / 1e6),
    );
    let mut child = hub.child;
    child.kill()?;
    child.wait()?;
    Ok(())
}
