//! What the hub's benchmarks share (`hub_bench`, `events_bench`): the hub binary beside them,
//! HTTP/1.1 on kept-alive connections without a client library, the DSL's first run and sign-in,
//! percentiles and memory.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader as AsyncBufReader};
use tokio::net::TcpStream;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

pub fn hub_binary() -> PathBuf {
    std::env::var_os("HUB_BIN").map_or_else(
        || {
            let exe = std::env::current_exe().unwrap_or_default();
            // target/release/examples/hub_bench → target/release/schoolgate-hub
            exe.parent()
                .and_then(|p| p.parent())
                .map(|p| p.join("schoolgate-hub"))
                .unwrap_or_default()
        },
        PathBuf::from,
    )
}

/// One HTTP/1.1 request on a kept-alive connection; the status and body.
pub async fn request(
    stream: &mut AsyncBufReader<TcpStream>,
    head: &str,
    body: &[u8],
) -> Result<(u16, Vec<u8>), Error> {
    let inner = stream.get_mut();
    inner.write_all(head.as_bytes()).await?;
    inner.write_all(body).await?;
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .ok_or("no status line")?
        .parse()?;
    let mut length = 0usize;
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse()?;
            }
        }
    }
    let mut answer = vec![0; length];
    stream.read_exact(&mut answer).await?;
    Ok((status, answer))
}

pub async fn connect(addr: &str) -> Result<AsyncBufReader<TcpStream>, Error> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(AsyncBufReader::new(stream))
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Makes the first account through the first-run page and signs in; the session cookie.
pub async fn sign_in(addr: &str, link: &str) -> Result<String, Error> {
    let path = link
        .split_once(addr)
        .map(|(_, p)| p)
        .ok_or("first-run link")?;
    let mut stream = connect(addr).await?;
    let (_, page) = request(
        &mut stream,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n"),
        b"",
    )
    .await?;
    let page = String::from_utf8_lossy(&page);
    let secret = page
        .split("name=\"totp_secret\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("no TOTP key on the first-run page")?
        .to_owned();
    // The pre-sign-in CSRF token is double-submit: the form's field repeats the `sg_csrf` cookie.
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("no CSRF token on the first-run page")?
        .to_owned();
    let bytes = totp_rs::Secret::Encoded(secret.clone()).to_bytes()?;
    let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes)?;
    let step = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs()
        / 30;
    let form = |fields: &[(&str, &str)]| {
        fields
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
            .collect::<Vec<_>>()
            .join("&")
    };
    let password = "benchmark password 123";
    let setup = form(&[
        ("username", "dsl"),
        ("password", password),
        ("password_again", password),
        ("totp_secret", &secret),
        ("code", &totp.generate((step - 1) * 30)),
        ("csrf", &csrf),
    ]);
    let post = |path: &str, body: &str| {
        format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: sg_csrf={csrf}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n", body.len())
    };
    let (status, _) = request(&mut stream, &post(path, &setup), setup.as_bytes()).await?;
    if status != 303 {
        return Err(format!("first run: {status}").into());
    }
    let login = form(&[
        ("username", "dsl"),
        ("password", password),
        ("code", &totp.generate(step * 30)),
        ("csrf", &csrf),
    ]);
    // The cookie is in the headers, which `request` skips: read this one by hand.
    let inner = stream.get_mut();
    inner.write_all(post("/login", &login).as_bytes()).await?;
    inner.write_all(login.as_bytes()).await?;
    let mut line = String::new();
    let mut cookie = None;
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("set-cookie: ") {
            let pair = value.split(';').next().unwrap_or("");
            if pair.starts_with("sg_session=") {
                cookie = Some(pair.to_owned());
            }
        }
    }
    cookie.ok_or_else(|| "no session cookie".into())
}

/// The real hub, serving on 127.0.0.1 from a temporary data directory (and `database`, when
/// given), with one signing key made by its own CLI.
pub struct Hub {
    pub child: std::process::Child,
    pub addr: String,
    pub first_run: String,
    pub key: String,
    pub dir: tempfile::TempDir,
}

impl Hub {
    pub fn start(database: Option<&str>) -> Result<Self, Error> {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let dir = tempfile::tempdir()?;
        let binary = hub_binary();
        let mut base = vec!["--data".to_owned(), dir.path().display().to_string()];
        if let Some(url) = database {
            base.extend(["--database".to_owned(), url.to_owned()]);
        }
        let key_out = Command::new(&binary)
            .args(&base)
            .args(["signing-key", "add", "--label", "bench"])
            .output()?;
        let key = String::from_utf8(key_out.stdout)?.trim().to_owned();
        if key.len() != 64 {
            return Err(format!(
                "signing-key add failed ({}): {}",
                binary.display(),
                String::from_utf8_lossy(&key_out.stderr)
            )
            .into());
        }
        let mut child = Command::new(&binary)
            .args(&base)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().ok_or("stdout")?).lines();
        let listening = lines.next().ok_or("no address")??;
        let addr = listening
            .rsplit("http://")
            .next()
            .ok_or("address")?
            .to_owned();
        let link = lines.next().ok_or("no first-run link")??;
        let first_run = link.rsplit(": ").next().ok_or("link")?.to_owned();
        Ok(Self {
            child,
            addr,
            first_run,
            key,
            dir,
        })
    }
}

/// `sha256=<hex HMAC-SHA256>` of `body` under `key`, as the extension signs.
pub fn signature(key: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// GET `path` with the session cookie `times` times: the median and best time, the last page.
pub async fn time_page(
    addr: &str,
    cookie: &str,
    path: &str,
    times: usize,
) -> Result<(Duration, Duration, String), Error> {
    let mut stream = connect(addr).await?;
    let mut took = Vec::new();
    let mut last = String::new();
    for _ in 0..times {
        let start = std::time::Instant::now();
        let (status, page) = request(
            &mut stream,
            &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n"),
            b"",
        )
        .await?;
        took.push(start.elapsed());
        last = String::from_utf8_lossy(&page).into_owned();
        if status != 200 {
            return Err(format!("{path}: {status} {last}").into());
        }
    }
    took.sort();
    Ok((took[took.len() / 2], took[0], last))
}
