//! Watching what the events say, and telling people (`docs/hub.md`, "Monitoring events"):
//!
//! - **Devices gone silent.** A device whose last heartbeat said `active` and that the hub has
//!   not heard from for `SILENT_AFTER` is flagged once (until it is heard from again): the IT
//!   lead's devices page shows it, and the IT lead is e-mailed (`--it-lead-email`) how many
//!   devices went silent and a link, nothing about who used them; not on a school holiday by the
//!   school's calendar (`school_calendar`: the devices are at home, and the page still shows
//!   them), nor on an INSET day. `serve` checks every
//!   `WATCH_INTERVAL` (or a quarter of a shorter `--silent-after`); the check takes its time
//!   from a `Clock`, so tests move it.
//! - **Search alerts.** Every new `search-alert` event (Prevent, self-harm, grooming,
//!   safeguarding) is e-mailed to the DSL at once, as a link only, unless the hub already holds
//!   the report the device made for it (that report was mailed itself: the alert is linked to
//!   it, not told twice).
//!
//! - **Failed filter checks.** A `filter-check` event that did not pass (`filter_checks`) is
//!   e-mailed at once to the IT lead (`--it-lead-email`; the DSL when no IT lead address is set:
//!   a filter that fails is a safeguarding matter too), as a link to the filter check log only.
//!
//! **The cap.** E-mails are grouped by subject: one per alert kind, one for silent devices. The
//! first of a subject after a quiet spell goes at once; then at least `--notify-interval`
//! seconds pass before the next of that subject, and everything that arrives meanwhile goes into
//! that next e-mail. A burst of a hundred Prevent alerts is two e-mails; a self-harm alert in the
//! middle of it still goes at once.

use std::collections::{BTreeMap, HashMap};

use chrono::SecondsFormat;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::notify::{MailSettings, Notifier, MAX_LINKS};
use crate::retention::{Clock, SystemClock};
use crate::store::{DeviceState, NewAlert, Store, StoreError};

/// How long an active device may send nothing before it is flagged, unless `serve
/// --silent-after` says otherwise.
pub const SILENT_AFTER: chrono::Duration = chrono::Duration::minutes(10);
/// `--silent-after`'s bounds, in seconds: shorter than a heartbeat's 5 minutes only makes sense
/// in a test, where the device is kept talking; a day at most.
pub const SILENT_AFTER_RANGE: std::ops::RangeInclusive<u64> = 10..=86_400;
/// How often `serve` looks for silent devices.
pub const WATCH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);
/// Notices waiting to be mailed, at most (the pages show everything whatever happens to mail).
const QUEUE_LENGTH: usize = 10_000;

/// Something to tell by e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorNotice {
    /// A search alert stored: its kind and the event's number.
    Alert {
        /// `prevent`, `self-harm`, `grooming` or `safeguarding`.
        alert: String,
        /// The event's number (`/alerts/<seq>`).
        seq: i64,
    },
    /// Devices newly flagged as gone silent: how many.
    Silent {
        /// How many.
        devices: usize,
    },
    /// A filter check that failed: its number in the log (`/filter-checks#check-<id>`).
    FilterCheckFailed {
        /// The check's id.
        id: i64,
    },
}

impl MonitorNotice {
    /// What the cap counts by.
    fn subject(&self) -> String {
        match self {
            Self::Alert { alert, .. } => format!("alert:{alert}"),
            Self::Silent { .. } => "silent".into(),
            Self::FilterCheckFailed { .. } => "filter-check".into(),
        }
    }
}

/// How an alert kind is named in an e-mail's subject.
pub fn alert_label(alert: &str) -> &'static str {
    match alert {
        "prevent" => "Prevent (radicalisation)",
        "self-harm" => "self-harm",
        "grooming" => "grooming",
        _ => "safeguarding",
    }
}

fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Flags the devices gone silent at `clock`'s time and tells the IT lead; the devices flagged now.
pub async fn check_silent_devices<S: Store>(
    store: &S,
    notifier: &Notifier,
    clock: &dyn Clock,
) -> Result<Vec<DeviceState>, StoreError> {
    check_silent_devices_after(store, notifier, clock, SILENT_AFTER).await
}

/// `check_silent_devices` with another threshold (`serve --silent-after`).
pub async fn check_silent_devices_after<S: Store>(
    store: &S,
    notifier: &Notifier,
    clock: &dyn Clock,
    silent_after: chrono::Duration,
) -> Result<Vec<DeviceState>, StoreError> {
    let now = clock.now();
    let flagged = store
        .flag_silent_devices(&rfc3339(now - silent_after), &rfc3339(now))
        .await?;
    if !flagged.is_empty() {
        if on_holiday(store, now).await {
            tracing::info!(
                devices = flagged.len(),
                "devices gone silent while in use, on a school holiday: marked on /devices, no e-mail"
            );
        } else {
            tracing::warn!(
                devices = flagged.len(),
                "devices gone silent while in use: the IT lead is told"
            );
            notifier.monitor(MonitorNotice::Silent {
                devices: flagged.len(),
            });
        }
    }
    Ok(flagged)
}

/// Whether `now` is a school holiday (or INSET day) by the approved policy's calendar. A
/// calendar that cannot be read means the IT lead is told: an e-mail too many beats none.
async fn on_holiday<S: Store>(store: &S, now: chrono::DateTime<chrono::Utc>) -> bool {
    use crate::school_calendar::{day, school_date, SchoolCalendar};
    match SchoolCalendar::in_force(store).await {
        Ok(calendar) => day(calendar.as_ref(), school_date(calendar.as_ref(), now)).is_holiday(),
        Err(error) => {
            tracing::warn!(%error, "could not read the school's calendar");
            false
        }
    }
}

/// How often `serve` looks for devices silent for `silent_after`: every `WATCH_INTERVAL`, or a
/// quarter of a shorter threshold, so a device is flagged within a quarter of it being due.
pub fn watch_interval(silent_after: std::time::Duration) -> std::time::Duration {
    (silent_after / 4).clamp(std::time::Duration::from_secs(1), WATCH_INTERVAL)
}

/// `serve`'s watch: `check_silent_devices_after` every `watch_interval`, for as long as the hub
/// serves.
pub async fn watch_devices<S: Store>(
    store: S,
    notifier: Notifier,
    silent_after: std::time::Duration,
) {
    let threshold = chrono::Duration::from_std(silent_after).unwrap_or(SILENT_AFTER);
    let mut every = tokio::time::interval(watch_interval(silent_after));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(error) =
            check_silent_devices_after(&store, &notifier, &SystemClock, threshold).await
        {
            tracing::warn!(%error, "could not check for silent devices");
        }
    }
}

/// Tells the DSL about `alerts` just stored: each one, except those whose report the hub holds.
pub async fn tell_alerts<S: Store>(store: &S, notifier: &Notifier, alerts: &[NewAlert]) {
    for alert in alerts {
        if let Some(report) = &alert.report_id {
            match store.report(report).await {
                Ok(Some(_)) => continue, // its report was mailed; the alert links to it
                Ok(None) => {}
                // Told rather than missed: a second e-mail is better than none.
                Err(error) => tracing::warn!(%error, "could not look up an alert's report"),
            }
        }
        tracing::info!(seq = alert.seq, alert = %alert.alert, "search alert: the DSL is told");
        notifier.monitor(MonitorNotice::Alert {
            alert: alert.alert.clone(),
            seq: alert.seq,
        });
    }
}

/// Tells the IT lead about filter checks that failed, just stored (`failed`: their ids).
pub fn tell_failed_checks(notifier: &Notifier, failed: &[i64]) {
    for id in failed {
        tracing::warn!(check = id, "a filter check failed: the IT lead is told");
        notifier.monitor(MonitorNotice::FilterCheckFailed { id: *id });
    }
}

/// The e-mail about failed filter checks `ids`: a count and links to the log, nothing else.
pub fn compose_failed_checks(
    from: &Mailbox,
    to: &[Mailbox],
    public_url: &str,
    ids: &[i64],
) -> Result<Message, lettre::error::Error> {
    let subject = match ids.len() {
        1 => "Schoolgate: a filter check failed".to_owned(),
        n => format!("Schoolgate: {n} filter checks failed"),
    };
    let mut text = String::from(
        "A Chromebook's daily or on-demand filter check did not pass: part of the filter may not be working. See what failed, and record what you did, in the filter check log:\n\n",
    );
    for id in ids.iter().take(MAX_LINKS) {
        text.push_str(&format!("{public_url}/filter-checks#check-{id}\n"));
    }
    if ids.len() > MAX_LINKS {
        text.push_str(&format!("\n… and {} more.\n", ids.len() - MAX_LINKS));
    }
    text.push_str(&format!("\nThe log: {public_url}/filter-checks\n"));
    message(from, to, subject, text)
}

/// The e-mail about `seqs`, search alerts of one kind: links only.
pub fn compose_alerts(
    from: &Mailbox,
    to: &[Mailbox],
    public_url: &str,
    alert: &str,
    seqs: &[i64],
) -> Result<Message, lettre::error::Error> {
    let label = alert_label(alert);
    let subject = match seqs.len() {
        1 => format!("Schoolgate: a {label} search alert"),
        n => format!("Schoolgate: {n} {label} search alerts"),
    };
    let mut text = format!(
        "A search on a school device raised a {label} alert. Sign in to the hub to see it:\n\n"
    );
    for seq in seqs.iter().take(MAX_LINKS) {
        text.push_str(&format!("{public_url}/alerts/{seq}\n"));
    }
    if seqs.len() > MAX_LINKS {
        text.push_str(&format!("\n… and {} more.\n", seqs.len() - MAX_LINKS));
    }
    text.push_str(&format!(
        "\nEvery alert: {public_url}/alerts\n\n\
         This e-mail holds no details about the pupil or the search on purpose: they are only in the hub.\n"
    ));
    message(from, to, subject, text)
}

/// The e-mail to the IT lead about `devices` devices gone silent: a count and a link.
pub fn compose_silent(
    from: &Mailbox,
    to: &[Mailbox],
    public_url: &str,
    devices: usize,
) -> Result<Message, lettre::error::Error> {
    let subject = match devices {
        1 => "Schoolgate: a device has gone silent".to_owned(),
        n => format!("Schoolgate: {n} devices have gone silent"),
    };
    let text = format!(
        "{} stopped reporting while in use (the extension may have been removed, disabled or \
         stopped). See which on the devices page:\n\n{public_url}/devices\n",
        crate::count(devices, "device", "devices")
    );
    message(from, to, subject, text)
}

/// A plain-text e-mail to every address in `to` (the monitoring and scheduled e-mails).
pub(crate) fn message(
    from: &Mailbox,
    to: &[Mailbox],
    subject: String,
    text: String,
) -> Result<Message, lettre::error::Error> {
    let mut message = Message::builder().from(from.clone()).subject(subject);
    for address in to {
        message = message.to(address.clone());
    }
    message.body(text)
}

/// Starts the monitoring mailer (on the current Tokio runtime).
pub(crate) fn start_mailer(
    settings: MailSettings,
    transport: AsyncSmtpTransport<Tokio1Executor>,
) -> mpsc::Sender<MonitorNotice> {
    let (queue, receiver) = mpsc::channel(QUEUE_LENGTH);
    tokio::spawn(mail_loop(settings, transport, receiver));
    queue
}

/// What one subject's e-mail is, from the notices gathered for it; `None` if no one is to be told.
fn compose_for(
    settings: &MailSettings,
    notices: &[MonitorNotice],
) -> Option<Result<Message, lettre::error::Error>> {
    let (mut seqs, mut silent, mut kind, mut checks) = (Vec::new(), 0, None, Vec::new());
    for notice in notices {
        match notice {
            MonitorNotice::Alert { alert, seq } => {
                seqs.push(*seq);
                kind = Some(alert.as_str());
            }
            MonitorNotice::Silent { devices } => silent += devices,
            MonitorNotice::FilterCheckFailed { id } => checks.push(*id),
        }
    }
    if !checks.is_empty() {
        let to = if settings.it_lead().is_empty() {
            settings.to()
        } else {
            settings.it_lead()
        };
        return Some(compose_failed_checks(
            settings.from(),
            to,
            settings.public_url(),
            &checks,
        ));
    }
    match kind {
        Some(alert) => Some(compose_alerts(
            settings.from(),
            settings.to(),
            settings.public_url(),
            alert,
            &seqs,
        )),
        None if settings.it_lead().is_empty() => None,
        None => Some(compose_silent(
            settings.from(),
            settings.it_lead(),
            settings.public_url(),
            silent,
        )),
    }
}

async fn mail_loop(
    settings: MailSettings,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    mut receiver: mpsc::Receiver<MonitorNotice>,
) {
    let mut pending: BTreeMap<String, Vec<MonitorNotice>> = BTreeMap::new();
    let mut next_send: HashMap<String, Instant> = HashMap::new();
    let mut failures: HashMap<String, u32> = HashMap::new();
    let mut open = true;
    loop {
        let now = Instant::now();
        let due = pending
            .keys()
            .map(|s| next_send.get(s).copied().unwrap_or(now))
            .min();
        if !open && due.is_none() {
            return;
        }
        tokio::select! {
            notice = receiver.recv(), if open => match notice {
                Some(notice) => pending.entry(notice.subject()).or_default().push(notice),
                None => open = false,
            },
            () = tokio::time::sleep_until(due.unwrap_or(now)), if due.is_some() => {
                let now = Instant::now();
                let ready: Vec<String> = pending
                    .keys()
                    .filter(|s| next_send.get(*s).is_none_or(|at| *at <= now))
                    .cloned()
                    .collect();
                for subject in ready {
                    let notices = pending.remove(&subject).unwrap_or_default();
                    let Some(message) = compose_for(&settings, &notices) else { continue };
                    let result = match message {
                        Ok(message) => transport.send(message).await.map_err(|e| e.to_string()),
                        Err(e) => Err(e.to_string()),
                    };
                    match result {
                        Ok(_) => {
                            tracing::info!(%subject, notices = notices.len(), "monitoring e-mail sent");
                            failures.remove(&subject);
                            next_send.insert(subject, Instant::now() + settings.interval());
                        }
                        Err(error) => {
                            let tries = failures.entry(subject.clone()).or_default();
                            *tries = tries.saturating_add(1);
                            let wait = crate::notify::retry_delay(*tries);
                            tracing::warn!(%subject, attempt = *tries, retry_in_secs = wait.as_secs(), %error, "could not send a monitoring e-mail; trying again (the hub's pages show it)");
                            next_send.insert(subject.clone(), Instant::now() + wait);
                            pending.entry(subject).or_default().splice(0..0, notices);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_mail_links_and_carries_no_pupil_data() {
        let from: Mailbox = "Hub <hub@school.example>".parse().unwrap();
        let to: Vec<Mailbox> = vec!["dsl@school.example".parse().unwrap()];
        let seqs: Vec<i64> = (1..=25).collect();
        let text = String::from_utf8_lossy(
            &compose_alerts(&from, &to, "https://hub.example", "prevent", &seqs)
                .unwrap()
                .formatted(),
        )
        .into_owned();
        assert!(text.contains("25 Prevent (radicalisation) search alerts"));
        assert!(
            text.contains("https://hub.example/alerts/20\r\n")
                || text.contains("https://hub.example/alerts/20\n")
        );
        assert!(!text.contains("https://hub.example/alerts/21"));
        assert!(text.contains("and 5 more"));
        let silent = String::from_utf8_lossy(
            &compose_silent(&from, &to, "https://hub.example", 3)
                .unwrap()
                .formatted(),
        )
        .into_owned();
        assert!(silent.contains("3 devices have gone silent"));
        assert!(silent.contains("https://hub.example/devices"));
    }
}
