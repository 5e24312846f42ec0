//! What every hub test shares: a database on either back end, a hub in this process or as a
//! real `schoolgate-hub` process, reports shaped like the extension's, signed like sign.js signs.

pub mod forms;
pub mod http;
pub mod mail;
pub mod pg;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use schoolgate_hub::config::{DatabaseLocation, Limits};
use schoolgate_hub::signing_keys::{self, SigningKey};
use schoolgate_hub::store::{AnyStore, Store};
use tempfile::TempDir;

pub use http::Reply;

/// Runs each named `async fn name(db: TestDb)` twice: on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::support::TestDb::sqlite()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = $crate::support::TestDb::postgres().await {
                    super::$name(db).await
                }
            }
        }
    )*};
}

/// A fresh, empty database and a data directory.
pub struct TestDb {
    /// The data directory (`--data`).
    pub dir: TempDir,
    /// `--database`, for PostgreSQL.
    pub database_url: Option<String>,
}

impl TestDb {
    /// SQLite in a new data directory.
    pub fn sqlite() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            database_url: None,
        }
    }

    /// A new database on the shared PostgreSQL server (`None`: not installed, outside CI).
    pub async fn postgres() -> Option<Self> {
        let server = tokio::task::spawn_blocking(pg::server)
            .await
            .expect("start PostgreSQL")?;
        Some(Self {
            dir: tempfile::tempdir().expect("temp dir"),
            database_url: Some(server.new_database().await),
        })
    }

    /// Which back end.
    pub fn backend(&self) -> &'static str {
        if self.database_url.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    /// Where the hub's database is.
    pub fn location(&self) -> DatabaseLocation {
        DatabaseLocation::resolve(self.dir.path(), self.database_url.as_deref()).expect("location")
    }

    /// `--data DIR [--database URL]`, for the command line.
    pub fn args(&self) -> Vec<String> {
        let mut args = vec!["--data".to_owned(), self.dir.path().display().to_string()];
        if let Some(url) = &self.database_url {
            args.extend(["--database".to_owned(), url.clone()]);
        }
        args
    }

    /// Opens the database, as the hub does.
    pub async fn open(&self) -> AnyStore {
        AnyStore::open(&self.location())
            .await
            .expect("open the store")
    }
}

/// A report body shaped like the extension's (`newReport` in shared-ui/report/model.js), as
/// compact JSON: what `JSON.stringify(report)` sends.
pub fn report_body(id: &str, revision: u64) -> String {
    serde_json::json!({
        "schema": "schoolgate-report/1",
        "id": id,
        "revision": revision,
        "createdAt": "2026-11-25T12:30:00.000Z",
        "source": "toolbar",
        "school": { "name": "Oak Hill Primary", "policySource": "managed" },
        "pupil": { "group": "ks2", "groupLabel": "Years 3 to 6", "email": null, "deviceAssetId": null },
        "page": { "url": "https://example.org/", "title": "Example", "navigations": [] },
        "filter": { "action": "allow", "category": null, "locked": false, "reason": "test", "rule": null, "engineVersion": "test" },
        "blockedOnDevice": true,
        "adult": null,
        "timeline": (0..revision).map(|n| serde_json::json!({ "at": "2026-11-25T12:30:00.000Z", "event": format!("event-{n}"), "detail": "test" })).collect::<Vec<_>>(),
    })
    .to_string()
}

/// A report id the extension could have made.
pub fn report_id(n: usize) -> String {
    format!("r-test{n:04}-{:08x}", n.wrapping_mul(2_654_435_761) as u32)
}

/// Posts `body` signed with `key`, with the id and revision headers the extension sends.
pub async fn post_signed(
    addr: SocketAddr,
    key: &str,
    id: &str,
    revision: u64,
    body: &str,
) -> Reply {
    let signature = signing_keys::sign(key, body.as_bytes());
    let revision = revision.to_string();
    http::post(
        addr,
        &[
            ("X-Schoolgate-Signature", &signature),
            ("X-Schoolgate-Report-Id", id),
            ("X-Schoolgate-Revision", &revision),
        ],
        body.as_bytes(),
    )
    .await
}

/// Posts a freshly made report `id` at `revision`.
pub async fn post_report(addr: SocketAddr, key: &str, id: &str, revision: u64) -> Reply {
    post_signed(addr, key, id, revision, &report_body(id, revision)).await
}

/// Adds a signing key with a known secret (what `signing-key add` does, with a chosen value).
pub async fn add_key(store: &AnyStore, label: &str, secret: &str) {
    let key = SigningKey {
        label: label.into(),
        secret: secret.into(),
        created_at: schoolgate_hub::now(),
        revoked_at: None,
    };
    store.add_signing_key(&key).await.expect("add key");
}

/// The test key every `InProcessHub` accepts.
pub const TEST_KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A hub served from this process (the same router and store as `serve`), on a free port.
pub struct InProcessHub {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its store.
    pub store: AnyStore,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl InProcessHub {
    /// Starts a hub on `db`, adding `TEST_KEY` (labelled `test`) unless it is there already.
    pub async fn start(db: &TestDb) -> Self {
        Self::start_with(db, Limits::default()).await
    }

    /// The same, held to `limits`.
    pub async fn start_with(db: &TestDb, limits: Limits) -> Self {
        let store = db.open().await;
        if !store
            .signing_keys()
            .await
            .expect("keys")
            .iter()
            .any(|k| k.label == "test")
        {
            add_key(&store, "test", TEST_KEY).await;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let served = store.clone();
        let task = tokio::spawn(async move {
            schoolgate_hub::serve(served, listener, limits, async {
                stopped.await.ok();
            })
            .await
            .expect("serve");
        });
        Self {
            addr,
            store,
            stop: Some(stop),
            task,
        }
    }

    /// Stops it and waits until it has.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        (&mut self.task).await.ok();
    }
}

/// The built `schoolgate-hub` binary.
pub fn hub_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_schoolgate-hub"))
}

/// Runs `schoolgate-hub <args…> <db args>` to the end.
pub fn hub_command(db: &TestDb, args: &[&str]) -> Output {
    Command::new(hub_binary())
        .args(args)
        .args(db.args())
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run schoolgate-hub")
}

/// A `schoolgate-hub serve` process.
pub struct HubProcess {
    /// Where it listens.
    pub addr: SocketAddr,
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl HubProcess {
    /// Starts `serve --listen 127.0.0.1:0` on `db` and waits for its address.
    pub fn start(db: &TestDb) -> Self {
        let mut child = Command::new(hub_binary())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(db.args())
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start schoolgate-hub serve");
        // Standard output is read to the end in the background, so the hub never writes into a
        // closed pipe, and later lines (the first-run link) can be read.
        let (send, lines) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut hub = Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            child,
            lines,
        };
        let line = hub.next_line().expect("serve printed nothing");
        hub.addr = line
            .strip_prefix("schoolgate-hub listening on http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from serve: {line:?}"));
        hub
    }

    /// The next line it prints, if one comes within 30 s.
    pub fn next_line(&self) -> Option<String> {
        self.next_line_within(std::time::Duration::from_secs(30))
    }

    /// The next line it prints, if one comes within `wait`.
    pub fn next_line_within(&self, wait: std::time::Duration) -> Option<String> {
        self.lines.recv_timeout(wait).ok()
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill9(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().ok();
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// The text of a command's standard output.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The repository's root.
pub fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}
