//! Where the hub keeps its data and which address it serves: one home for every default.

use std::path::{Path, PathBuf};

/// The data directory when none is given: `./hub-data`, beside where the hub was started.
pub const DEFAULT_DATA_DIR: &str = "hub-data";
/// The address `serve` listens on when none is given: loopback only, behind a TLS proxy.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
/// The SQLite database's file name inside the data directory.
pub const SQLITE_FILE: &str = "hub.sqlite3";
/// The largest report body the hub reads (bytes). A report the extension writes is at most a few
/// hundred kilobytes (every field is cut to a limit: `shared-ui/report/model.js`); anything
/// larger is refused with 413 before it is read.
pub const MAX_REPORT_BYTES: usize = 1_000_000;
/// How many requests the hub works on at once; more wait for a turn. With the body limit this
/// bounds the memory that request bodies can take (64 × 1 MB), whatever clients send.
pub const MAX_CONCURRENT_REQUESTS: usize = 64;
/// How long one request may take, body included, before it is answered 408 and dropped: a
/// client trickling a body byte by byte cannot hold a place for ever.
pub const REQUEST_TIMEOUT_SECS: u64 = 30;

/// Which database the hub uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// A SQLite file (the embedded default).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://…`).
    Postgres(String),
}

/// A database setting the hub cannot use.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A `--database` URL of an unknown kind.
    #[error("unknown database URL {0:?}: use postgres://… (PostgreSQL) or sqlite://PATH")]
    UnknownDatabase(String),
    /// A `--public-url` that is not an http(s) address.
    #[error("--public-url {0:?} is not an https://… (or http://…) address")]
    BadPublicUrl(String),
}

impl DatabaseLocation {
    /// The database for `--data DIR` and `--database URL` (the URL wins; without it, the SQLite
    /// file in the data directory).
    pub fn resolve(data_dir: &Path, database: Option<&str>) -> Result<Self, ConfigError> {
        match database.map(str::trim).filter(|url| !url.is_empty()) {
            None => Ok(Self::Sqlite(data_dir.join(SQLITE_FILE))),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Self::Postgres(url.to_owned()))
            }
            Some(url) => match url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
            {
                Some(path) if !path.is_empty() => Ok(Self::Sqlite(PathBuf::from(path))),
                _ => Err(ConfigError::UnknownDatabase(redact(url))),
            },
        }
    }

    /// A name for logs that never shows a password.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("SQLite {}", path.display()),
            Self::Postgres(url) => format!("PostgreSQL {}", redact(url)),
        }
    }
}

/// `url` with any password replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info
                .split_once(':')
                .map_or(user_info, |(user, _)| user);
            format!("{scheme}://{user}:***@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

/// The limits every request is held to (`Limits::default()` is what `serve` uses; tests shorten
/// the timeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest body read, in bytes.
    pub max_body_bytes: usize,
    /// Requests worked on at once.
    pub max_concurrent_requests: usize,
    /// How long one request may take, body included.
    pub request_timeout: std::time::Duration,
    /// How people reach the web pages (`--public-url`): decides `Secure` cookies and HSTS.
    pub public_scheme: PublicScheme,
    /// The end of the school day, in minutes after midnight, Europe/London (`--school-day-end`):
    /// no teacher's approval of a pupil's request lasts past it (`requests::approval_window`).
    pub school_day_end_minute: u32,
    /// How long an active device may send nothing before it is flagged (`serve --silent-after`;
    /// `monitor::SILENT_AFTER` unless set).
    pub device_silent_after: std::time::Duration,
}

/// How people reach the hub's web pages, from `serve --public-url`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PublicScheme {
    /// Not said: cookies are `Secure` (the hub is meant to sit behind HTTPS; browsers keep a
    /// `Secure` cookie from `http://localhost` too), and HSTS is sent only when the proxy says
    /// the request came over HTTPS (`X-Forwarded-Proto: https`).
    #[default]
    Unstated,
    /// `--public-url https://…`: `Secure` cookies and HSTS on every page.
    Https,
    /// `--public-url http://…` (a test network without TLS): cookies without `Secure`, unless a
    /// request arrives through a proxy that says it came over HTTPS.
    Http,
}

impl PublicScheme {
    /// The scheme of a `--public-url`.
    pub fn of_url(url: &str) -> Result<Self, ConfigError> {
        let lower = url.trim().to_ascii_lowercase();
        if lower.starts_with("https://") {
            Ok(Self::Https)
        } else if lower.starts_with("http://") {
            Ok(Self::Http)
        } else {
            Err(ConfigError::BadPublicUrl(url.to_owned()))
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: MAX_REPORT_BYTES,
            max_concurrent_requests: MAX_CONCURRENT_REQUESTS,
            request_timeout: std::time::Duration::from_secs(REQUEST_TIMEOUT_SECS),
            public_scheme: PublicScheme::Unstated,
            school_day_end_minute: 15 * 60 + 30,
            device_silent_after: crate::monitor::SILENT_AFTER
                .to_std()
                .unwrap_or(std::time::Duration::from_secs(600)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_url_says_https_or_http() {
        assert_eq!(
            PublicScheme::of_url("https://hub.oakhill.example").ok(),
            Some(PublicScheme::Https)
        );
        assert_eq!(
            PublicScheme::of_url("HTTP://10.0.0.5:8787").ok(),
            Some(PublicScheme::Http)
        );
        assert!(PublicScheme::of_url("hub.oakhill.example").is_err());
    }

    #[test]
    fn resolves_the_embedded_default_and_urls() {
        let dir = Path::new("/srv/hub");
        assert_eq!(
            DatabaseLocation::resolve(dir, None).ok(),
            Some(DatabaseLocation::Sqlite(dir.join(SQLITE_FILE)))
        );
        assert_eq!(
            DatabaseLocation::resolve(dir, Some("postgres://u:p@db/hub")).ok(),
            Some(DatabaseLocation::Postgres("postgres://u:p@db/hub".into()))
        );
        assert_eq!(
            DatabaseLocation::resolve(dir, Some("sqlite:///tmp/x.db")).ok(),
            Some(DatabaseLocation::Sqlite("/tmp/x.db".into()))
        );
        assert!(
            DatabaseLocation::resolve(dir, Some("mysql://u:secret@db/hub"))
                .is_err_and(|e| !e.to_string().contains("secret"))
        );
    }

    #[test]
    fn never_logs_a_password() {
        let described =
            DatabaseLocation::Postgres("postgres://hub:s3cret@db:5432/hub".into()).describe();
        assert_eq!(described, "PostgreSQL postgres://hub:***@db:5432/hub");
    }
}
