//! One throwaway PostgreSQL server for the whole test binary: Debian's `postgresql` package,
//! `initdb` in a temp directory, listening on 127.0.0.1 on a free port, as the `postgres` user
//! when the tests run as root (initdb refuses root). Each test gets its own database on it.
//!
//! Teardown: the server is started by a small shell that waits on a pipe from this process; when
//! the test binary exits (however it exits) the pipe closes, and the shell stops the server and
//! removes the directory. Without PostgreSQL the PostgreSQL tests print `skipped`, except under
//! CI=true, where they fail: CI must run every test on both back ends.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use sqlx::{Connection, Executor};

/// The running server.
pub struct PgServer {
    port: u16,
    // Held, never used: dropping them at exit closes the pipe that stops the server.
    _stdin: Mutex<ChildStdin>,
    _shell: Mutex<Child>,
}

static SERVER: OnceLock<Option<PgServer>> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The directory with `initdb` and `pg_ctl`: `$PG_BIN`, or the newest `/usr/lib/postgresql/*/bin`.
fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PG_BIN").map(PathBuf::from) {
        return dir.join("initdb").exists().then_some(dir);
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

fn start() -> Option<PgServer> {
    let Some(bin) = bin_dir() else {
        assert!(
            !in_ci(),
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb) and CI=true: run scripts/setup.sh"
        );
        eprintln!("skipped: PostgreSQL is not installed (scripts/setup.sh installs it); the PostgreSQL tests did not run");
        return None;
    };
    let dir = tempfile::Builder::new()
        .prefix("sg-hub-pg-")
        .tempdir()
        .expect("temp dir")
        .keep();
    let data = dir.join("data");
    let as_user = if running_as_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:"])
            .arg(&dir)
            .status()
            .expect("chown");
        assert!(status.success(), "chown {} to postgres", dir.display());
        "runuser -u postgres -- "
    } else {
        ""
    };
    let initdb = format!(
        "{as_user}{} -D {} -U postgres --auth=trust --encoding=UTF8 --no-sync >{}/initdb.log 2>&1",
        shell_quote(&bin.join("initdb")),
        shell_quote(&data),
        shell_quote(&dir)
    );
    let status = Command::new("sh")
        .arg("-c")
        .arg(&initdb)
        .status()
        .expect("sh");
    assert!(
        status.success(),
        "initdb failed: {}",
        std::fs::read_to_string(dir.join("initdb.log")).unwrap_or_default()
    );

    let port = free_port();
    let pg_ctl = format!("{as_user}{}", shell_quote(&bin.join("pg_ctl")));
    let (data_q, dir_q) = (shell_quote(&data), shell_quote(&dir));
    // fsync=off: these tests kill hubs, not PostgreSQL, and a throwaway cluster need not survive
    // a power cut. The hub relies on the production default (synchronous_commit=on).
    let script = format!(
        "trap '' INT; \
         {pg_ctl} -D {data_q} -w -s -l {dir_q}/server.log \
           -o \"-p {port} -k {dir_q} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300\" start \
           || {{ cat {dir_q}/server.log >&2; exit 1; }}; \
         echo ready; read _closed; \
         {pg_ctl} -D {data_q} -s -m immediate stop; rm -rf {dir_q}"
    );
    let mut shell = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sh");
    let mut line = String::new();
    BufReader::new(shell.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    assert_eq!(line.trim(), "ready", "PostgreSQL did not start");
    let stdin = shell.stdin.take().expect("stdin");
    Some(PgServer {
        port,
        _stdin: Mutex::new(stdin),
        _shell: Mutex::new(shell),
    })
}

/// The shared server (started on first use), or `None` when PostgreSQL is not installed
/// outside CI.
pub fn server() -> Option<&'static PgServer> {
    SERVER.get_or_init(start).as_ref()
}

impl PgServer {
    /// A new, empty database on the server; its URL.
    pub async fn new_database(&self) -> String {
        let name = format!(
            "hub_test_{}_{}",
            std::process::id(),
            DATABASES.fetch_add(1, Ordering::SeqCst)
        );
        let admin = format!("postgres://postgres@127.0.0.1:{}/postgres", self.port);
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .expect("connect to the test server");
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create database");
        conn.close().await.ok();
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}
