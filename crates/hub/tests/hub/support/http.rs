//! A minimal HTTP/1.1 client over a raw socket: it sends exactly the bytes a test gives (a lying
//! Content-Length, a body cut short, chunks), which no ordinary client library would.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A reply: its status and body text.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The headers, names in lower case, in order.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: String,
}

impl Reply {
    /// The first header called `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (panics if it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("reply is not JSON ({e}): {}", self.body))
    }
}

/// Sends `head` (request line and headers, without the blank line) and then `body`, and reads the
/// reply to the end (the request says `Connection: close`).
pub async fn raw(addr: SocketAddr, head: &str, body: &[u8]) -> std::io::Result<Reply> {
    let stream = TcpStream::connect(addr).await?;
    let (mut reader, mut writer) = stream.into_split();
    let request = format!("{head}\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    writer.write_all(request.as_bytes()).await?;
    // The body is written while the reply is read: a server may answer (413) and close before
    // the body is all sent, which is not an error here.
    let body = body.to_vec();
    let sending = tokio::spawn(async move {
        let _ = writer.write_all(&body).await;
        writer
    });
    let mut reply = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    let read = async {
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) => return Ok(()),
                Ok(n) => reply.extend_from_slice(&buffer[..n]),
                // A reset after a whole reply (the server closed with our body unread) ends it.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset && !reply.is_empty() => {
                    return Ok(())
                }
                Err(e) => return Err(e),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .map_err(|_| std::io::Error::other("no reply within 60 s"))??;
    sending.abort();
    parse(&reply)
}

fn parse(reply: &[u8]) -> std::io::Result<Reply> {
    let text = String::from_utf8_lossy(reply);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP reply: {head:?}")))?;
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let headers: Vec<(String, String)> = headers;
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        // A body sent as it is made (the exports): decoded, and an error if it was broken off.
        let start = reply
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(reply.len(), |at| at + 4);
        String::from_utf8_lossy(&dechunk(&reply[start..])?).into_owned()
    } else {
        body.to_owned()
    };
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// A chunked body's bytes; an error unless it ends with its last (empty) chunk.
fn dechunk(mut rest: &[u8]) -> std::io::Result<Vec<u8>> {
    let broken = || std::io::Error::other("a chunked reply broken off before its last chunk");
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(broken)?;
        let size = std::str::from_utf8(&rest[..line_end])
            .ok()
            .and_then(|line| usize::from_str_radix(line.split(';').next()?.trim(), 16).ok())
            .ok_or_else(broken)?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size + 2 {
            return Err(broken());
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// A POST to `/api/v1/reports` with `headers` and `body` (Content-Length set to its length).
pub async fn post(addr: SocketAddr, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut head = format!(
        "POST /api/v1/reports HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("\r\n{name}: {value}"));
    }
    raw(addr, &head, body).await.expect("HTTP exchange")
}

/// A GET.
pub async fn get(addr: SocketAddr, path: &str) -> Reply {
    raw(addr, &format!("GET {path} HTTP/1.1"), b"")
        .await
        .expect("HTTP exchange")
}

/// A GET with extra header lines (`Name: value`).
pub async fn get_with(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut head = format!("GET {path} HTTP/1.1");
    for (name, value) in headers {
        head.push_str(&format!("\r\n{name}: {value}"));
    }
    raw(addr, &head, b"").await.expect("HTTP exchange")
}

/// A form POST (`application/x-www-form-urlencoded`) with extra header lines.
pub async fn post_form(
    addr: SocketAddr,
    path: &str,
    fields: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Reply {
    let encode = |text: &str| {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("\r\n{name}: {value}"));
    }
    raw(addr, &head, body.as_bytes())
        .await
        .expect("HTTP exchange")
}
