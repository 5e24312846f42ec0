//! The command line (the docs and tests use exactly this):
//!
//! ```text
//! schoolgate-hub serve [--listen 127.0.0.1:8787] [--data DIR] [--database URL]
//! schoolgate-hub signing-key add --label NAME | list | revoke --label NAME
//! schoolgate-hub migrate
//! schoolgate-hub backup --to FILE
//! schoolgate-hub restore --from FILE
//! schoolgate-hub audit verify
//! schoolgate-hub retention run [--now RFC3339] [--retention-report-years N]
//! schoolgate-hub reports export --json
//! schoolgate-hub digest send --week 2026-W49 | --month 2026-11   [e-mail options as for serve]
//! schoolgate-hub policy import FILE --reason TEXT [--by NAME]
//! schoolgate-hub policy-key
//! ```
//!
//! Every command takes `--data DIR` (default `./hub-data`) and `--database URL` (or
//! `DATABASE_URL`; default: SQLite in the data directory), and opens and migrates the database
//! first, so a new data directory needs no separate step.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{DatabaseLocation, DEFAULT_DATA_DIR, DEFAULT_LISTEN};
use crate::signing_keys::{self, SigningKey};
use crate::store::{AnyStore, DigestStore, Store, StoreError};

/// Schoolgate Hub: where pupils' safeguarding reports reach the Designated Safeguarding Lead.
#[derive(Parser, Debug)]
#[command(name = "schoolgate-hub", version, about)]
pub struct Cli {
    /// The data directory (the SQLite database lives here).
    #[arg(long, global = true, default_value = DEFAULT_DATA_DIR, value_name = "DIR")]
    pub data: PathBuf,
    /// A database URL instead of the SQLite file: postgres://user:password@host/db, or sqlite://PATH.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
// Parsed once per run: `serve`'s many settings make it the largest, which costs nothing here.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Receive reports over HTTP until stopped (SIGTERM or Ctrl-C).
    Serve {
        /// The address to listen on (port 0: any free port; the address is printed).
        #[arg(long, default_value = DEFAULT_LISTEN)]
        listen: SocketAddr,
        /// How long records are kept (the daily retention job).
        #[command(flatten)]
        retention: crate::retention::RetentionPolicy,
        /// The hub's address (`--public-url`) and e-mail to the DSL when a report arrives.
        #[command(flatten)]
        mail: crate::notify::MailArgs,
        /// When the weekly digest and the monthly report are e-mailed.
        #[command(flatten)]
        schedule: crate::digest_mail::Schedule,
        /// The end of the school day (HH:MM, Europe/London): no teacher's approval of a pupil's
        /// request lasts past it (docs/requests.md).
        #[arg(long, default_value = crate::requests::DEFAULT_SCHOOL_DAY_END, value_name = "HH:MM", value_parser = parse_day_end)]
        school_day_end: u32,
        /// Seconds an active device may send nothing before it is flagged as gone silent and the
        /// IT lead told (10 to 86400; a device sends a heartbeat every 5 minutes).
        #[arg(long, value_name = "SECONDS", default_value_t = 600,
              value_parser = clap::value_parser!(u64).range(crate::monitor::SILENT_AFTER_RANGE))]
        silent_after: u64,
    },
    /// The keys the extension signs reports with (`reportSigningKey` in the Admin console).
    #[command(subcommand)]
    SigningKey(KeyCommand),
    /// Bring the database's schema up to date (every command does this first anyway).
    Migrate,
    /// Write a consistent copy of the database to a new SQLite file, while the hub serves.
    Backup {
        /// The new file (it must not exist).
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Restore a backup (`backup --to`, from either back end) into a new, empty database.
    Restore {
        /// The backup file (it is not changed).
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
    },
    // hubinbox
    /// The audit log (who read or changed what).
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Delete what is due under the retention policy (`serve` does this daily).
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// The reports the hub holds.
    #[command(subcommand)]
    Reports(ReportsCommand),
    /// The weekly digest and the monthly report by e-mail (`serve` sends them on schedule).
    #[command(subcommand)]
    Digest(DigestCommand),
    /// The school's policy under change control.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Print the public key policy bundles are signed with (`hubPolicyKey` in the Admin
    /// console), making the key pair on first use.
    PolicyKey,
}

/// `digest` subcommands.
#[derive(Subcommand, Debug)]
pub enum DigestCommand {
    /// E-mail one week's digest to the DSL (`--notify-email`), or one month's usage report to
    /// the online-safety lead (`--online-safety-email`), now, even if it was sent already.
    Send {
        /// The week, as ISO writes it: 2026-W49.
        #[arg(
            long,
            value_name = "YYYY-Www",
            conflicts_with = "month",
            required_unless_present = "month"
        )]
        week: Option<String>,
        /// The month: 2026-11.
        #[arg(long, value_name = "YYYY-MM")]
        month: Option<String>,
        /// The mail server and addresses, as for `serve`.
        #[command(flatten)]
        mail: crate::notify::MailArgs,
    },
}

/// `policy` subcommands.
#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Propose a policy file (the school's current managed TOML, to start with): it is checked
    /// as `schoolgate check-policy` checks it, then waits for approval in the hub like any change.
    Import {
        /// The policy file (TOML).
        file: PathBuf,
        /// Why (kept in the history).
        #[arg(long)]
        reason: String,
        /// Who proposes it (an account name, for the history; the approvals come from the hub's pages).
        #[arg(long, default_value = "command line")]
        by: String,
    },
}

/// `retention` subcommands.
#[derive(Subcommand, Debug)]
pub enum RetentionCommand {
    /// Delete what is due now, or at `--now`, and say how many of each type.
    Run {
        /// The time to judge "due" by, RFC 3339 (default: now).
        #[arg(long, value_name = "RFC3339")]
        now: Option<chrono::DateTime<chrono::Utc>>,
        /// How long records are kept.
        #[command(flatten)]
        policy: crate::retention::RetentionPolicy,
    },
}

/// `audit` subcommands.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the hash chain: exit 0 if intact, non-zero (and where) if any entry was changed,
    /// removed or inserted.
    Verify,
}

/// `reports` subcommands.
#[derive(Subcommand, Debug)]
pub enum ReportsCommand {
    /// Write every report and every revision received, as JSON, to standard output (pupil data: keep it safe).
    Export {
        /// JSON (the only format for now; the flag keeps the command line stable when others come).
        #[arg(long, required = true)]
        json: bool,
    },
}

/// `signing-key` subcommands.
#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Make a new key and print it, once: paste it as `reportSigningKey`.
    Add {
        /// A name for the key (which devices use it), unique on this hub.
        #[arg(long)]
        label: String,
    },
    /// List the keys (label, fingerprint, added, revoked), never the secrets.
    List,
    /// Stop accepting reports signed with a key, at once and for good.
    Revoke {
        /// The key's label.
        #[arg(long)]
        label: String,
    },
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A bad setting.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bad key label, or no such key.
    #[error(transparent)]
    Key(#[from] signing_keys::KeyError),
    /// No active key with that label.
    #[error("no active signing key labelled {0:?} (see `signing-key list`)")]
    NoSuchKey(String),
    /// The audit chain is broken.
    #[error(transparent)]
    AuditBroken(#[from] crate::audit::AuditError),
    /// E-mail options the hub cannot use.
    #[error(transparent)]
    Mail(#[from] crate::notify::MailConfigError),
    /// The mail server's settings could not be turned into a connection (TLS).
    #[error("e-mail: {0}")]
    MailTransport(#[from] lettre::transport::smtp::Error),
    /// A scheduled e-mail could not be sent.
    #[error(transparent)]
    DigestMail(#[from] crate::digest_mail::DigestMailError),
    /// `digest send` without a mail server.
    #[error(
        "digest send needs the mail server: --smtp-host (and the other e-mail options of serve)"
    )]
    NoMail,
    /// The network or the terminal failed.
    #[error("{0}: {1}")]
    Io(&'static str, #[source] std::io::Error),
    /// A policy file that cannot be read or proposed (policyhub).
    #[error("{0}")]
    Policy(String),
}

/// Runs the command line; the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = if matches!(cli.command, Command::Serve { .. }) {
        "info"
    } else {
        "warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, never into a log file or the journal.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("schoolgate-hub: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("schoolgate-hub: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let location = DatabaseLocation::resolve(&cli.data, cli.database.as_deref())?;
    let store = AnyStore::open(&location).await?;
    let mut out = std::io::stdout().lock();
    let io = |e| CliError::Io("cannot write to standard output", e);
    match cli.command {
        Command::Serve {
            listen,
            retention,
            mail,
            schedule,
            school_day_end,
            silent_after,
        } => {
            drop(out);
            // One `--public-url` (in `mail`): the links in e-mails, and whether cookies are
            // `Secure` and pages send HSTS.
            let public_scheme = match mail.public_url.as_deref() {
                Some(url) => crate::config::PublicScheme::of_url(url)?,
                None => crate::config::PublicScheme::Unstated,
            };
            tokio::spawn(crate::retention::daily(store.clone(), retention));
            let limits = crate::config::Limits {
                public_scheme,
                school_day_end_minute: school_day_end,
                device_silent_after: std::time::Duration::from_secs(silent_after),
                ..crate::config::Limits::default()
            };
            serve(store, &location, listen, limits, &mail, schedule).await?;
        }
        Command::SigningKey(KeyCommand::Add { label }) => {
            signing_keys::check_label(&label)?;
            let key = SigningKey {
                label,
                secret: signing_keys::generate_secret(),
                created_at: crate::now(),
                revoked_at: None,
            };
            store.add_signing_key(&key).await?;
            writeln!(out, "{}", key.secret).map_err(io)?;
            eprintln!(
                "Added signing key {:?}. Paste the line above as reportSigningKey in the Admin console; it is not shown again.",
                key.label
            );
        }
        Command::SigningKey(KeyCommand::List) => {
            for key in store.signing_keys().await? {
                let state = key
                    .revoked_at
                    .as_deref()
                    .map_or("active".to_owned(), |at| format!("revoked {at}"));
                writeln!(
                    out,
                    "{}\t{}\tadded {}\t{}",
                    key.label,
                    key.fingerprint(),
                    key.created_at,
                    state
                )
                .map_err(io)?;
            }
        }
        Command::SigningKey(KeyCommand::Revoke { label }) => {
            if !store.revoke_signing_key(&label, &crate::now()).await? {
                return Err(CliError::NoSuchKey(label));
            }
            writeln!(out, "revoked {label}").map_err(io)?;
        }
        Command::Migrate => {
            let applied = store.applied_migrations().await?;
            let list = applied
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            writeln!(
                out,
                "{}: schema up to date (migrations {list})",
                location.describe()
            )
            .map_err(io)?;
        }
        Command::Backup { to } => {
            store.backup(&to).await?;
            writeln!(out, "backed up {} to {}", location.describe(), to.display()).map_err(io)?;
        }
        Command::Restore { from } => {
            let rows = store.restore_from(&from).await?;
            writeln!(
                out,
                "restored {} into {}: {rows} rows",
                from.display(),
                location.describe()
            )
            .map_err(io)?;
        }
        Command::Audit(AuditCommand::Verify) => {
            let log = store.audit_log().await?;
            crate::audit::verify(&log)?;
            writeln!(out, "audit log intact: {} entries", log.len()).map_err(io)?;
        }
        Command::Retention(RetentionCommand::Run { now, policy }) => {
            let clock = crate::retention::FixedClock(now.unwrap_or_else(chrono::Utc::now));
            let summary = crate::retention::run(&store, &policy, &clock).await?;
            writeln!(out, "retention: deleted {summary}").map_err(io)?;
        }
        Command::Digest(DigestCommand::Send { week, month, mail }) => {
            use crate::digest_mail::{self, DigestMailError};
            let settings = mail.settings()?.ok_or(CliError::NoMail)?;
            let at = crate::now();
            if let Some(text) = month {
                let month = crate::usage::Month::parse(&text)
                    .ok_or(DigestMailError::BadPeriod(text, "month (YYYY-MM)"))?;
                digest_mail::send_monthly(&store, &settings, month).await?;
                store
                    .claim_mail(&digest_mail::monthly_period(month), "command", &at)
                    .await?;
                writeln!(out, "sent the monthly report for {}", month.id()).map_err(io)?;
            } else if let Some(text) = week {
                let monday = digest_mail::parse_week(&text)
                    .ok_or(DigestMailError::BadPeriod(text, "week (YYYY-Www)"))?;
                let counts = digest_mail::send_weekly(&store, &settings, monday).await?;
                store
                    .claim_mail(&digest_mail::weekly_period(monday), "command", &at)
                    .await?;
                writeln!(
                    out,
                    "sent the weekly digest for {} (week of Monday {monday}): {}, {}",
                    digest_mail::week_id(monday),
                    crate::count(counts.prevent, "Prevent alert", "Prevent alerts"),
                    crate::count(counts.other_alerts, "other alert", "other alerts")
                )
                .map_err(io)?;
            }
        }
        Command::Reports(ReportsCommand::Export { json: _ }) => {
            // Read-only, like `backup`: whoever runs it already holds the data directory. (An audit
            // entry here made the command a second writer beside a busy hub: the extension's
            // burst test, which polls it, then saw ingest refused.)
            let document = crate::export::received_json(&store).await?;
            writeln!(out, "{document}").map_err(io)?;
        }
        Command::Policy(PolicyCommand::Import { file, reason, by }) => {
            use crate::store::PolicyStore;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CliError::Policy(format!("{}: {e}", file.display())))?;
            let proposal = crate::policy_change::propose(&text, &reason, &by, &crate::now(), None)
                .map_err(|e| CliError::Policy(format!("{}: {e}", file.display())))?;
            let id = store.add_policy_proposal(&proposal).await?;
            writeln!(
                out,
                "proposed {} as proposal {id}: approve it at /policy/proposals/{id}",
                file.display()
            )
            .map_err(io)?;
        }
        Command::PolicyKey => {
            use crate::store::PolicyStore;
            let key = store.policy_bundle_key().await?;
            writeln!(out, "{}", key.public_key()).map_err(io)?;
        }
    }
    Ok(())
}

async fn serve(
    store: AnyStore,
    location: &DatabaseLocation,
    listen: SocketAddr,
    limits: crate::config::Limits,
    mail: &crate::notify::MailArgs,
    schedule: crate::digest_mail::Schedule,
) -> Result<(), CliError> {
    // Checked before listening: a hub told to e-mail the DSL must not start silent.
    let notifier = match mail.settings()? {
        Some(settings) => {
            tracing::info!(mail = ?settings, "e-mailing the DSL when a report arrives");
            // digest: the weekly digest and the monthly report, on schedule, once per period.
            tokio::spawn(crate::digest_mail::scheduled(
                store.clone(),
                settings.clone(),
                schedule,
            ));
            crate::notify::Notifier::start(settings)?
        }
        None => {
            tracing::info!("e-mail to the DSL is off (no --smtp-host)");
            crate::notify::Notifier::default()
        }
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| CliError::Io("cannot listen", e))?;
    let address = listener
        .local_addr()
        .map_err(|e| CliError::Io("cannot listen", e))?;
    if store.active_signing_keys().await?.is_empty() {
        tracing::warn!("no active signing key: every report will be refused until `schoolgate-hub signing-key add --label NAME`");
    }
    tracing::info!(database = %location.describe(), %address, "schoolgate-hub serving");
    // Scripts and tests read this line to find the address (with --listen …:0, the port chosen).
    // Written with errors ignored: a closed standard output must not stop the server.
    let say = |line: String| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}").and_then(|()| out.flush());
    };
    say(format!("schoolgate-hub listening on http://{address}"));
    if !store.has_accounts().await? {
        // No default password, ever: while there is no account, each start prints a new
        // one-time link (the previous one stops working); only its hash is stored.
        let token = crate::accounts::new_token();
        store
            .replace_setup_token(&crate::accounts::token_hash(&token), &crate::now())
            .await?;
        say(format!(
            "first-run link (works once; creates the Designated Safeguarding Lead's account): http://{address}/setup/{token}"
        ));
    }
    crate::serve_notifying(store, listener, limits, notifier, shutdown_signal())
        .await
        .map_err(|e| CliError::Io("server failed", e))
}

fn parse_day_end(text: &str) -> Result<u32, String> {
    crate::requests::parse_day_end(text)
        .ok_or_else(|| format!("{text:?} is not a time of day as HH:MM (24-hour), e.g. 15:30"))
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("stopping: finishing the requests in flight");
}
