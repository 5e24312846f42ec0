//! Telling the Designated Safeguarding Lead by e-mail, at once, that a report has arrived.
//!
//! The e-mail carries no pupil data at all: no name, e-mail address, page, title or words from
//! the report, only a link to the report in the hub (`--public-url`), where reading it needs a
//! sign-in and is written to the audit log. An e-mail travels through servers the school does not
//! control and sits in mailboxes on phones; a link does not say anything to whoever reads it.
//!
//! Sending never delays or fails receiving: the route answers 201 once the report is committed,
//! then hands its id to `Notifier::report_stored`, which only puts it in a queue (never waits).
//! A background task sends. A send that fails is logged and tried again (after 1, 2, 4 … up to
//! 300 seconds) with everything gathered meanwhile; the report itself is already in the database,
//! so nothing the hub received is lost when mail is down. What is waiting in the queue does not
//! survive a restart of the hub; the inbox shows every report whatever happened to the e-mail.
//!
//! **The cap.** The first report after a quiet spell is mailed at once; after each e-mail the
//! hub waits at least `--notify-interval` seconds (default 60) before the next, and every report
//! that arrives in between goes into that next e-mail, which links each (at most `MAX_LINKS`,
//! then the inbox). A burst of a thousand reports is two e-mails, not a thousand.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// The most reports linked one by one in an e-mail; past that it links the inbox.
pub const MAX_LINKS: usize = 20;
/// The default least time between two e-mails (seconds): the cap on a burst.
pub const DEFAULT_INTERVAL_SECS: u64 = 60;
/// The longest wait between two tries of a failed send (seconds).
pub const MAX_RETRY_SECS: u64 = 300;
/// Reports waiting to be mailed, at most; more are still in the inbox, and the e-mail says so.
const QUEUE_LENGTH: usize = 10_000;
/// How long one SMTP conversation may take before it counts as failed (and is retried).
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// How the hub talks to the mail server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TlsMode {
    /// Plain SMTP, then STARTTLS, required (port 587 by default).
    Starttls,
    /// TLS from the first byte, "SMTPS" (port 465 by default).
    Tls,
    /// No encryption at all: only for a relay on the same machine or 127.0.0.1 (port 25).
    None,
}

/// The `serve` options for e-mail (`docs/hub.md`, "E-mail to the DSL").
#[derive(clap::Args, Clone, Default)]
pub struct MailArgs {
    /// The hub's address as people open it (https://hub.your-school.example): the links in
    /// e-mails; with https, cookies are `Secure` and pages send HSTS (`web::security`).
    #[arg(long, value_name = "URL", env = "SCHOOLGATE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The mail server (e-mail is off without it).
    #[arg(long, value_name = "HOST", env = "SCHOOLGATE_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// The mail server's port (default: 587 for starttls, 465 for tls, 25 for none).
    #[arg(long, value_name = "PORT", env = "SCHOOLGATE_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// starttls (default), tls or none.
    #[arg(long, value_enum, value_name = "MODE", env = "SCHOOLGATE_SMTP_TLS")]
    pub smtp_tls: Option<TlsMode>,
    /// The SMTP user name, when the server wants one.
    #[arg(long, value_name = "USER", env = "SCHOOLGATE_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// The SMTP password: give it in the environment (SCHOOLGATE_SMTP_PASSWORD), not on the command line.
    #[arg(
        long,
        value_name = "PASSWORD",
        env = "SCHOOLGATE_SMTP_PASSWORD",
        hide_env_values = true
    )]
    pub smtp_password: Option<String>,
    /// The sender, as the DSL's mail program shows it ("Schoolgate Hub <hub@your-school.example>").
    #[arg(long, value_name = "ADDRESS", env = "SCHOOLGATE_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Who is told (the DSL and deputies); repeat for each address, or separate them with commas.
    #[arg(
        long = "notify-email",
        value_name = "ADDRESS",
        env = "SCHOOLGATE_NOTIFY_EMAIL",
        value_delimiter = ','
    )]
    pub notify_email: Vec<String>,
    /// The least time between two e-mails, in seconds; reports in between are gathered into one.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_INTERVAL_SECS, env = "SCHOOLGATE_NOTIFY_INTERVAL")]
    pub notify_interval: u64,
    /// Who is told that a device went silent (the IT lead; no pupil data): repeat for each
    /// address, or separate them with commas. Without it, the devices page is the only notice.
    #[arg(
        long = "it-lead-email",
        value_name = "ADDRESS",
        env = "SCHOOLGATE_IT_LEAD_EMAIL",
        value_delimiter = ','
    )]
    pub it_lead_email: Vec<String>,
    /// Who gets the monthly usage report by e-mail (the online-safety lead; counts and a link,
    /// no pupil data): repeat for each address, or separate them with commas. Without it, the
    /// report is only a page (`/reports/monthly`).
    #[arg(
        long = "online-safety-email",
        value_name = "ADDRESS",
        env = "SCHOOLGATE_ONLINE_SAFETY_EMAIL",
        value_delimiter = ','
    )]
    pub online_safety_email: Vec<String>,
}

// Never print the password, whatever prints the options.
impl fmt::Debug for MailArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailArgs")
            .field("public_url", &self.public_url)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_user", &self.smtp_user)
            .field("smtp_password", &self.smtp_password.as_ref().map(|_| "***"))
            .field("mail_from", &self.mail_from)
            .field("notify_email", &self.notify_email)
            .field("notify_interval", &self.notify_interval)
            .field("it_lead_email", &self.it_lead_email)
            .field("online_safety_email", &self.online_safety_email)
            .finish()
    }
}

/// E-mail options the hub cannot use (it refuses to start rather than stay silent).
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    /// A required option is missing.
    #[error("e-mail to the DSL needs {0} as well as --smtp-host")]
    Missing(&'static str),
    /// An address that is not one.
    #[error("{0:?} is not an e-mail address: {1}")]
    BadAddress(String, String),
    /// A public URL that is not http(s).
    #[error("--public-url must start with https:// (or http:// for a test), not {0:?}")]
    BadPublicUrl(String),
    /// A user without a password or the other way round.
    #[error("--smtp-user and SCHOOLGATE_SMTP_PASSWORD go together")]
    HalfCredentials,
    /// An interval of zero would be no cap at all.
    #[error("--notify-interval must be at least 1 second")]
    ZeroInterval,
}

/// Checked e-mail settings.
#[derive(Clone)]
pub struct MailSettings {
    host: String,
    port: u16,
    tls: TlsMode,
    credentials: Option<(String, String)>,
    from: Mailbox,
    to: Vec<Mailbox>,
    public_url: String,
    interval: Duration,
    it_lead: Vec<Mailbox>,
    online_safety: Vec<Mailbox>,
}

impl MailSettings {
    /// The sender.
    pub(crate) fn from(&self) -> &Mailbox {
        &self.from
    }
    /// The DSL and deputies.
    pub(crate) fn to(&self) -> &[Mailbox] {
        &self.to
    }
    /// The IT lead (may be empty).
    pub(crate) fn it_lead(&self) -> &[Mailbox] {
        &self.it_lead
    }
    /// The online-safety lead (may be empty): the monthly usage report.
    pub(crate) fn online_safety(&self) -> &[Mailbox] {
        &self.online_safety
    }
    /// The hub's address, without a trailing slash.
    pub(crate) fn public_url(&self) -> &str {
        &self.public_url
    }
    /// The least time between two e-mails on one subject.
    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }
}

impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SMTP {}:{} ({:?}{}), from {}, to {} address(es), links to {}",
            self.host,
            self.port,
            self.tls,
            if self.credentials.is_some() {
                ", signed in"
            } else {
                ""
            },
            self.from,
            self.to.len(),
            self.public_url
        )
    }
}

fn mailbox(text: &str) -> Result<Mailbox, MailConfigError> {
    text.trim()
        .parse()
        .map_err(|e: lettre::address::AddressError| {
            MailConfigError::BadAddress(text.to_owned(), e.to_string())
        })
}

impl MailArgs {
    /// The settings, `None` when e-mail is off (no `--smtp-host`).
    pub fn settings(&self) -> Result<Option<MailSettings>, MailConfigError> {
        let Some(host) = self
            .smtp_host
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
        else {
            return Ok(None);
        };
        let public_url = self
            .public_url
            .as_deref()
            .ok_or(MailConfigError::Missing("--public-url"))?
            .trim()
            .trim_end_matches('/')
            .to_owned();
        if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
            return Err(MailConfigError::BadPublicUrl(public_url));
        }
        let from = mailbox(
            self.mail_from
                .as_deref()
                .ok_or(MailConfigError::Missing("--mail-from"))?,
        )?;
        let to = self
            .notify_email
            .iter()
            .filter(|a| !a.trim().is_empty())
            .map(|a| mailbox(a))
            .collect::<Result<Vec<_>, _>>()?;
        if to.is_empty() {
            return Err(MailConfigError::Missing("--notify-email"));
        }
        let it_lead = self
            .it_lead_email
            .iter()
            .filter(|a| !a.trim().is_empty())
            .map(|a| mailbox(a))
            .collect::<Result<Vec<_>, _>>()?;
        let online_safety = self
            .online_safety_email
            .iter()
            .filter(|a| !a.trim().is_empty())
            .map(|a| mailbox(a))
            .collect::<Result<Vec<_>, _>>()?;
        let credentials = match (&self.smtp_user, &self.smtp_password) {
            (Some(user), Some(password)) => Some((user.clone(), password.clone())),
            (None, None) => None,
            _ => return Err(MailConfigError::HalfCredentials),
        };
        if self.notify_interval == 0 {
            return Err(MailConfigError::ZeroInterval);
        }
        let tls = self.smtp_tls.unwrap_or(TlsMode::Starttls);
        Ok(Some(MailSettings {
            host: host.to_owned(),
            port: self.smtp_port.unwrap_or(match tls {
                TlsMode::Starttls => 587,
                TlsMode::Tls => 465,
                TlsMode::None => 25,
            }),
            tls,
            credentials,
            from,
            to,
            public_url,
            interval: Duration::from_secs(self.notify_interval),
            it_lead,
            online_safety,
        }))
    }
}

/// A report stored (a new one, or a pupil's addition to one).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Notice {
    id: String,
    revision: i64,
}

/// The handle the routes tell; cheap to clone. `Notifier::default()` tells no one.
#[derive(Clone, Default)]
pub struct Notifier {
    queue: Option<mpsc::Sender<Notice>>,
    /// evhub: alerts to the DSL and silent devices to the IT lead (`monitor`).
    monitor: Option<mpsc::Sender<crate::monitor::MonitorNotice>>,
}

impl Notifier {
    /// Starts the sending task (on the current Tokio runtime) for `settings`.
    pub fn start(settings: MailSettings) -> Result<Self, lettre::transport::smtp::Error> {
        let transport = transport(&settings)?;
        let (queue, receiver) = mpsc::channel(QUEUE_LENGTH);
        let monitor = crate::monitor::start_mailer(settings.clone(), transport.clone());
        tokio::spawn(send_loop(settings, transport, receiver));
        Ok(Self {
            queue: Some(queue),
            monitor: Some(monitor),
        })
    }

    /// Queues a monitoring e-mail (`monitor`); never waits.
    pub fn monitor(&self, notice: crate::monitor::MonitorNotice) {
        let Some(queue) = &self.monitor else { return };
        if let Err(e) = queue.try_send(notice) {
            tracing::warn!(error = %e, "monitoring e-mail queue full: the hub's pages still show it");
        }
    }

    /// Queues an e-mail about a stored report; never waits (a full queue drops the notice with a
    /// warning: the report is in the inbox, and the e-mail already on its way points there).
    pub fn report_stored(&self, id: &str, revision: i64) {
        let Some(queue) = &self.queue else { return };
        if let Err(e) = queue.try_send(Notice {
            id: id.to_owned(),
            revision,
        }) {
            tracing::warn!(id, error = %e, "e-mail queue full: this report is in the inbox but has no e-mail of its own");
        }
    }
}

pub(crate) fn transport(
    settings: &MailSettings,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
    let tls_parameters = || TlsParameters::new(settings.host.clone());
    let tls = match settings.tls {
        TlsMode::Starttls => Tls::Required(tls_parameters()?),
        TlsMode::Tls => Tls::Wrapper(tls_parameters()?),
        TlsMode::None => Tls::None,
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
        .port(settings.port)
        .tls(tls)
        .timeout(Some(SMTP_TIMEOUT));
    if let Some((user, password)) = &settings.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// The e-mail about `pending` (id → newest revision, in id order), with links only.
pub fn compose(
    from: &Mailbox,
    to: &[Mailbox],
    public_url: &str,
    pending: &[(String, i64)],
) -> Result<Message, lettre::error::Error> {
    let count = pending.len();
    let subject = if count == 1 {
        "Schoolgate: a pupil has made a report".to_owned()
    } else {
        format!("Schoolgate: {count} reports from pupils")
    };
    let mut text = String::from(
        "A pupil has pressed \"tell an adult\". Sign in to the hub to read what they reported:\n\n",
    );
    for (id, _) in pending.iter().take(MAX_LINKS) {
        text.push_str(&format!("{public_url}/reports/{id}\n"));
    }
    if count > MAX_LINKS {
        text.push_str(&format!(
            "\n… and {} more: {public_url}/inbox\n",
            count - MAX_LINKS
        ));
    }
    text.push_str(&format!(
        "\nThe inbox: {public_url}/inbox\n\n\
         This e-mail holds no details about the pupil or the page on purpose: they are only in the hub.\n"
    ));
    let mut message = Message::builder().from(from.clone()).subject(subject);
    for address in to {
        message = message.to(address.clone());
    }
    message.body(text)
}

async fn send_loop(
    settings: MailSettings,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    mut receiver: mpsc::Receiver<Notice>,
) {
    // id → newest revision: an addition to a report waiting for its e-mail is the same link.
    let mut pending: BTreeMap<String, i64> = BTreeMap::new();
    let mut next_send = Instant::now();
    let mut failures: u32 = 0;
    loop {
        if pending.is_empty() {
            match receiver.recv().await {
                Some(notice) => gather(&mut pending, notice),
                None => return,
            }
        }
        // Until the cap allows the next e-mail, gather what arrives.
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(next_send) => break,
                notice = receiver.recv() => match notice {
                    Some(notice) => gather(&mut pending, notice),
                    None => break,
                },
            }
        }
        while let Ok(notice) = receiver.try_recv() {
            gather(&mut pending, notice);
        }
        let batch: Vec<(String, i64)> = pending.iter().map(|(k, v)| (k.clone(), *v)).collect();
        let result = match compose(&settings.from, &settings.to, &settings.public_url, &batch) {
            Ok(message) => transport.send(message).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match result {
            Ok(_) => {
                tracing::info!(reports = batch.len(), "DSL told by e-mail");
                pending.clear();
                failures = 0;
                next_send = Instant::now() + settings.interval;
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                let wait = retry_delay(failures);
                tracing::warn!(reports = batch.len(), attempt = failures, retry_in_secs = wait.as_secs(), %error, "could not e-mail the DSL; trying again (the reports are in the inbox)");
                next_send = Instant::now() + wait;
            }
        }
    }
}

fn gather(pending: &mut BTreeMap<String, i64>, notice: Notice) {
    let revision = pending.entry(notice.id).or_insert(notice.revision);
    *revision = (*revision).max(notice.revision);
}

/// 1, 2, 4, … seconds, at most `MAX_RETRY_SECS`.
pub(crate) fn retry_delay(failures: u32) -> Duration {
    Duration::from_secs(
        1u64.checked_shl(failures.saturating_sub(1))
            .unwrap_or(MAX_RETRY_SECS)
            .min(MAX_RETRY_SECS),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> MailArgs {
        MailArgs {
            public_url: Some("https://hub.example/".into()),
            smtp_host: Some("smtp.example".into()),
            smtp_user: Some("hub".into()),
            smtp_password: Some("s3cret-pass".into()),
            mail_from: Some("Hub <hub@school.example>".into()),
            notify_email: vec!["dsl@school.example".into()],
            notify_interval: 60,
            ..MailArgs::default()
        }
    }

    #[test]
    fn off_without_a_host_and_checked_with_one() {
        assert!(MailArgs::default().settings().unwrap().is_none());
        let settings = args().settings().unwrap().unwrap();
        assert_eq!(settings.port, 587);
        assert_eq!(settings.public_url, "https://hub.example");
        for (change, expected) in [
            (
                Box::new(|a: &mut MailArgs| a.public_url = None) as Box<dyn Fn(&mut MailArgs)>,
                "--public-url",
            ),
            (Box::new(|a| a.mail_from = None), "--mail-from"),
            (Box::new(|a| a.notify_email.clear()), "--notify-email"),
            (Box::new(|a| a.smtp_password = None), "go together"),
            (Box::new(|a| a.notify_interval = 0), "at least 1"),
            (
                Box::new(|a| a.notify_email = vec!["not an address".into()]),
                "not an e-mail address",
            ),
            (
                Box::new(|a| a.public_url = Some("hub.example".into())),
                "https://",
            ),
        ] {
            let mut a = args();
            change(&mut a);
            let error = a.settings().unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn never_shows_the_password() {
        let a = args();
        assert!(!format!("{a:?}").contains("s3cret-pass"));
        assert!(!format!("{:?}", a.settings().unwrap().unwrap()).contains("s3cret-pass"));
    }

    #[test]
    fn links_at_most_twenty_reports_then_the_inbox() {
        let settings = args().settings().unwrap().unwrap();
        let pending: Vec<(String, i64)> = (0..25).map(|n| (format!("r-{n:02}"), 1)).collect();
        let message = compose(&settings.from, &settings.to, &settings.public_url, &pending)
            .unwrap()
            .formatted();
        let text = String::from_utf8_lossy(&message);
        assert!(text.contains("25 reports"));
        assert!(text.contains("https://hub.example/reports/r-19"));
        assert!(!text.contains("https://hub.example/reports/r-20"));
        assert!(text.contains("and 5 more"));
    }

    #[test]
    fn retries_back_off_to_five_minutes() {
        let waits: Vec<u64> = [1, 2, 3, 9, 10, 40]
            .map(|n| retry_delay(n).as_secs())
            .to_vec();
        assert_eq!(waits, [1, 2, 4, 256, 300, 300]);
    }
}
