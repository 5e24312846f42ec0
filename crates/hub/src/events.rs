//! Receiving monitoring events (`POST /api/v1/events`, `docs/events.md`): the rules, as plain
//! functions over the request's headers and bytes.
//!
//! In order: the size (413 over `MAX_BATCH_BYTES`; the route also stops reading there), the
//! signature (401 unless an active key made it), the batch header (400 unless well-formed), the
//! body (400 unless JSON, 422 unless a valid `schoolgate-events/1`), the header against the body
//! (400 unless they agree); then the store keeps the batch once, with its events and the
//! device's latest state, in one transaction. Nothing is kept of a request that fails any rule:
//! every rule runs before the store is touched, and the store's write is all or nothing.
//!
//! Replays need no nonce for the same reason as reports (`ingest`): a signed body can only ever
//! be the batch it names, and a batch the hub already holds answers 200 and changes nothing.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::signing_keys::{self, id_field, id_header, SignatureError};
use crate::store::{BatchOutcome, Store, StoreError};

/// The schema the extension writes.
pub const EVENTS_SCHEMA: &str = "schoolgate-events/1";
/// The header that names the batch.
pub const BATCH_HEADER: &str = "x-schoolgate-batch-id";
/// The largest batch body (bytes): 256 KiB.
pub const MAX_BATCH_BYTES: usize = 256 * 1024;
/// The most events in one batch.
pub const MAX_EVENTS: usize = 500;
/// The longest free text kept from a staff flag's note (characters).
pub const MAX_NOTE_CHARS: usize = 500;
/// The longest any other text field may be (characters): addresses, terms, names.
pub const MAX_FIELD_CHARS: usize = 2048;

/// Every kind of event the contract names.
pub const KINDS: [&str; 9] = [
    "heartbeat",
    "blocked",
    "circumvention",
    "search-alert",
    "help-seeking",
    "staff-flag",
    "override",
    "visit",
    "filter-check",
];
/// The alerts a search can raise.
pub const ALERTS: [&str; 4] = ["safeguarding", "self-harm", "prevent", "grooming"];
/// A heartbeat's states (`chrome.idle`).
pub const STATES: [&str; 3] = ["active", "idle", "locked"];
const VIAS: [&str; 4] = ["search", "link", "typed", "other"];
const METHODS: [&str; 7] = [
    "proxy",
    "translator",
    "archive",
    "ip-address",
    "lookalike",
    "vpn",
    "other",
];
const FLAGS: [&str; 2] = ["should-be-blocked", "wrongly-blocked"];
/// What became of a teacher's override code typed on a device (extension/sw/override-guard.js).
pub const OVERRIDE_OUTCOMES: [&str; 8] = [
    "granted",
    "wrong-code",
    "malformed",
    "used",
    "refused",
    "wait",
    "not-blocked",
    "not-set",
];

/// Why a batch was refused, or could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    /// Over `MAX_BATCH_BYTES`.
    #[error("a batch is at most {MAX_BATCH_BYTES} bytes")]
    TooLarge,
    /// No signature, a malformed one, or one no active key made.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// A missing or malformed batch header.
    #[error("{0}")]
    BadHeader(String),
    /// A body that is not JSON.
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    /// JSON that is not a valid `schoolgate-events/1` batch.
    #[error("{0}")]
    NotABatch(String),
    /// A header that names a different batch than the body.
    #[error("X-Schoolgate-Batch-Id does not match the body's batch")]
    HeaderMismatch,
    /// The store failed: nothing was stored, and the device should try again.
    #[error("storage failed: {0}")]
    Store(#[from] StoreError),
}

/// One checked event, ready to store: the columns the hub searches by, and the event as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Its id, unique on the device.
    pub id: String,
    /// When it happened (the device's clock, RFC 3339 as sent).
    pub at: String,
    /// One of `KINDS`.
    pub kind: String,
    /// The filter category (`blocked`, `circumvention`).
    pub category: Option<String>,
    /// The alert (`search-alert`).
    pub alert: Option<String>,
    /// The host (`blocked`, `circumvention`, `visit`).
    pub host: Option<String>,
    /// The report made for a search alert, when one was.
    pub report_id: Option<String>,
    /// A heartbeat's state.
    pub state: Option<String>,
    /// The event's JSON as sent (compact).
    pub body: String,
    /// A `filter-check` event's check, for the filter check log (`filter_checks`).
    pub filter_check: Option<crate::filter_checks::NewFilterCheck>,
}

/// A checked batch, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBatch {
    /// The batch id.
    pub batch: String,
    /// The device.
    pub device: String,
    /// The managed account, when Chrome gave one.
    pub user: Option<String>,
    /// The age group in force ("" when none was yet).
    pub group: String,
    /// The extension's version.
    pub extension_version: String,
    /// The device's `sentAt`.
    pub sent_at: String,
    /// The label of the key that signed it.
    pub signing_key: String,
    /// When the hub received it (RFC 3339, UTC).
    pub received_at: String,
    /// The events, oldest first.
    pub events: Vec<NewEvent>,
}

impl NewBatch {
    /// The last heartbeat's state in this batch (the batch is oldest first).
    pub fn last_heartbeat(&self) -> Option<(&str, &str)> {
        self.events
            .iter()
            .rev()
            .find(|e| e.kind == "heartbeat")
            .and_then(|e| Some((e.state.as_deref()?, e.at.as_str())))
    }

    /// The latest `at` of its events.
    pub fn last_event_at(&self) -> Option<&str> {
        self.events.iter().map(|e| e.at.as_str()).max()
    }
}

fn invalid(reason: impl Into<String>) -> EventsError {
    EventsError::NotABatch(reason.into())
}

/// A time the hub can order by: RFC 3339, normalised to UTC with milliseconds, so text order is
/// time order whatever offset the device wrote.
fn rfc3339(text: &str) -> Option<String> {
    if text.len() > 40 {
        return None;
    }
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| {
        t.with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    })
}

fn short_text(value: Option<&Value>, field: &str, max: usize) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(format!("\"{field}\" is longer than {max} characters")),
        Some(_) => Err(format!("\"{field}\" must be text")),
    }
}

fn one_of(
    event: &Map<String, Value>,
    field: &str,
    allowed: &[&str],
    required: bool,
) -> Result<Option<String>, String> {
    match event.get(field) {
        None | Some(Value::Null) if !required => Ok(None),
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(Some(s.clone())),
        _ => Err(format!("\"{field}\" must be one of {}", allowed.join(", "))),
    }
}

/// An address as the contract allows it: `scheme://host/path`, no query and no fragment.
fn cut_url(event: &Map<String, Value>) -> Result<(), String> {
    match short_text(event.get("url"), "url", MAX_FIELD_CHARS)? {
        Some(url) if url.contains('?') || url.contains('#') => {
            Err("\"url\" must be cut to scheme://host/path (no query, no fragment)".into())
        }
        _ => Ok(()),
    }
}

/// One event read and checked; `seen` catches an id twice in the batch.
fn read_event(value: &Value, seen: &mut HashSet<String>) -> Result<NewEvent, String> {
    let event = value.as_object().ok_or("each event is a JSON object")?;
    let id = id_field(event, "id").map_err(|reason| format!("an event's {reason}"))?;
    if !seen.insert(id.to_owned()) {
        return Err(format!("event {id} appears twice in the batch"));
    }
    let at = event
        .get("at")
        .and_then(Value::as_str)
        .and_then(rfc3339)
        .ok_or_else(|| format!("event {id}: \"at\" must be an RFC 3339 time"))?;
    let kind = event
        .get("kind")
        .and_then(Value::as_str)
        .filter(|k| KINDS.contains(k))
        .ok_or_else(|| format!("event {id}: \"kind\" must be one of {}", KINDS.join(", ")))?;
    let with_id = |reason: String| format!("event {id}: {reason}");
    for field in ["title", "content", "screenshot", "image"] {
        if event.contains_key(field) {
            return Err(with_id(format!(
                "\"{field}\" is never sent: no event carries page content"
            )));
        }
    }
    for (field, value) in event {
        if !matches!(value, Value::String(_) | Value::Null)
            && !["id", "at", "kind"].contains(&field.as_str())
        {
            return Err(with_id(format!("\"{field}\" must be text")));
        }
        let max = if field == "note" {
            MAX_NOTE_CHARS
        } else {
            MAX_FIELD_CHARS
        };
        short_text(Some(value), field, max).map_err(with_id)?;
    }
    let text = |field: &str| short_text(event.get(field), field, MAX_FIELD_CHARS).map_err(with_id);
    let (mut category, mut alert, mut host, mut report_id, mut state) =
        (None, None, None, None, None);
    let mut filter_check = None;
    match kind {
        "heartbeat" => state = one_of(event, "state", &STATES, true).map_err(with_id)?,
        "blocked" => {
            cut_url(event).map_err(with_id)?;
            one_of(event, "via", &VIAS, false).map_err(with_id)?;
            host = text("host")?;
            category = text("category")?;
        }
        "circumvention" => {
            cut_url(event).map_err(with_id)?;
            one_of(event, "method", &METHODS, false).map_err(with_id)?;
            host = text("host")?;
            category = text("category")?;
        }
        "search-alert" => {
            alert = one_of(event, "alert", &ALERTS, true).map_err(with_id)?;
            report_id = text("reportId")?;
        }
        "staff-flag" => {
            cut_url(event).map_err(with_id)?;
            one_of(event, "flag", &FLAGS, true).map_err(with_id)?;
        }
        "override" => {
            cut_url(event).map_err(with_id)?;
            one_of(event, "outcome", &OVERRIDE_OUTCOMES, true).map_err(with_id)?;
            host = text("site")?;
        }
        "visit" => host = text("host")?,
        "filter-check" => {
            filter_check = Some(crate::filter_checks::read_event(event).map_err(with_id)?);
        }
        _ => {} // help-seeking: engine and terms, both plain text
    }
    Ok(NewEvent {
        id: id.to_owned(),
        at,
        kind: kind.to_owned(),
        category,
        alert,
        host,
        report_id,
        state,
        body: value.to_string(),
        filter_check,
    })
}

/// A signed body read into a batch to store, or the reason it cannot be one.
pub fn read_batch(
    batch_header: Option<&str>,
    body: &[u8],
    signed_with: &str,
    received_at: &str,
) -> Result<NewBatch, EventsError> {
    let header =
        id_header(batch_header, "X-Schoolgate-Batch-Id").map_err(EventsError::BadHeader)?;
    let text = std::str::from_utf8(body).map_err(|_| EventsError::NotJson("not UTF-8".into()))?;
    let json: Value =
        serde_json::from_str(text).map_err(|e| EventsError::NotJson(e.to_string()))?;
    let object = json
        .as_object()
        .ok_or_else(|| invalid("a batch is a JSON object"))?;
    match object.get("schema").and_then(Value::as_str) {
        Some(EVENTS_SCHEMA) => {}
        _ => return Err(invalid(format!("\"schema\" must be {EVENTS_SCHEMA}"))),
    }
    let owned_id = |field: &str| id_field(object, field).map(str::to_owned).map_err(invalid);
    let batch = owned_id("batch")?;
    let device = owned_id("device")?;
    // Chrome gives "" for a profile with no signed-in account: the same as null.
    let user = match object.get("user") {
        None | Some(Value::Null) => None,
        Some(Value::String(u)) if u.is_empty() => None,
        Some(Value::String(u)) if (3..=254).contains(&u.len()) && u.contains('@') => {
            Some(u.clone())
        }
        Some(_) => return Err(invalid("\"user\" must be an e-mail address or null")),
    };
    let label = |field: &str| {
        object
            .get(field)
            .and_then(Value::as_str)
            .filter(|g| (1..=64).contains(&g.len()))
            .map(str::to_owned)
            .ok_or_else(|| invalid(format!("\"{field}\" must be text of 1–64 characters")))
    };
    // No policy in force yet (the extension's first moments): no group, not a refusal.
    let group = match object.get("group") {
        None | Some(Value::Null) => String::new(),
        Some(_) => label("group")?,
    };
    let extension_version = label("extensionVersion")?;
    let sent_at = object
        .get("sentAt")
        .and_then(Value::as_str)
        .and_then(rfc3339)
        .ok_or_else(|| invalid("\"sentAt\" must be an RFC 3339 time"))?;
    let events = object
        .get("events")
        .and_then(Value::as_array)
        .filter(|e| (1..=MAX_EVENTS).contains(&e.len()))
        .ok_or_else(|| invalid(format!("\"events\" must hold 1–{MAX_EVENTS} events")))?;
    let mut seen = HashSet::new();
    let events = events
        .iter()
        .map(|e| read_event(e, &mut seen))
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    if batch != header {
        return Err(EventsError::HeaderMismatch);
    }
    Ok(NewBatch {
        batch,
        device,
        user,
        group,
        extension_version,
        sent_at,
        signing_key: signed_with.to_owned(),
        received_at: received_at.to_owned(),
        events,
    })
}

/// The whole rule set: check, read and store one batch request.
pub async fn ingest<S: Store>(
    store: &S,
    signature: Option<&str>,
    batch_header: Option<&str>,
    body: &[u8],
) -> Result<(NewBatch, BatchOutcome), EventsError> {
    if body.len() > MAX_BATCH_BYTES {
        return Err(EventsError::TooLarge);
    }
    let keys = store.active_signing_keys().await?;
    let key = signing_keys::check(&keys, signature, body)?;
    let batch = read_batch(batch_header, body, &key.label, &crate::now())?;
    let outcome = store.store_batch(&batch).await?;
    Ok((batch, outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(events: Value) -> Value {
        serde_json::json!({
            "schema": EVENTS_SCHEMA, "batch": "b-12345678", "device": "d-12345678",
            "user": "pupil@school.example", "group": "ks2", "extensionVersion": "0.4.0",
            "sentAt": "2026-12-07T09:14:03.120Z", "events": events,
        })
    }

    fn read(body: &Value) -> Result<NewBatch, EventsError> {
        read_batch(
            Some("b-12345678"),
            body.to_string().as_bytes(),
            "k",
            "2026-12-07T09:14:04.000Z",
        )
    }

    #[test]
    fn reads_every_kind() {
        let body = batch(serde_json::json!([
            { "id": "e-00000001", "at": "2026-12-07T10:13:58+01:00", "kind": "heartbeat", "state": "active" },
            { "id": "e-00000002", "at": "2026-12-07T09:13:59.000Z", "kind": "blocked", "url": "https://x.example/a", "host": "x.example", "category": "gambling", "rule": "list", "via": "search" },
            { "id": "e-00000003", "at": "2026-12-07T09:14:00.000Z", "kind": "circumvention", "url": "https://p.example/", "host": "p.example", "method": "proxy", "category": "proxy" },
            { "id": "e-00000004", "at": "2026-12-07T09:14:01.000Z", "kind": "search-alert", "engine": "google", "terms": "x", "alert": "prevent", "reportId": null },
            { "id": "e-00000005", "at": "2026-12-07T09:14:01.500Z", "kind": "help-seeking", "engine": "google", "terms": "help" },
            { "id": "e-00000006", "at": "2026-12-07T09:14:02.000Z", "kind": "staff-flag", "url": "https://y.example/", "flag": "wrongly-blocked", "note": "fine" },
            { "id": "e-00000007", "at": "2026-12-07T09:14:02.500Z", "kind": "visit", "host": "z.example" },
            { "id": "e-00000008", "at": "2026-12-07T09:14:03.000Z", "kind": "override", "outcome": "granted", "url": "https://www.youtube.com/watch", "site": "youtube.com", "approvedBy": "a teacher's code", "reason": null, "startsAt": "2026-12-07T09:14:03.000Z", "endsAt": "2026-12-07T09:44:03.000Z" },
            { "id": "e-00000009", "at": "2026-12-07T09:14:03.500Z", "kind": "filter-check", "trigger": "daily", "passed": "false", "results": "fail locked list child-abuse: never loaded", "staffAccount": null, "groups": "ks2", "listsVersion": "engine 0.4.0" },
        ]));
        let read = read(&body).expect("valid");
        assert_eq!(read.events.len(), 9);
        let check = read.events[8]
            .filter_check
            .as_ref()
            .expect("a filter check");
        assert!(!check.passed && check.checked_by == crate::filter_checks::AUTOMATIC);
        assert!(read.events[..8].iter().all(|e| e.filter_check.is_none()));
        assert_eq!(read.events[7].kind, "override");
        assert_eq!(read.events[7].host.as_deref(), Some("youtube.com"));
        assert_eq!(
            read.events[0].at, "2026-12-07T09:13:58.000Z",
            "normalised to UTC"
        );
        assert_eq!(
            read.last_heartbeat(),
            Some(("active", "2026-12-07T09:13:58.000Z"))
        );
        assert_eq!(read.events[1].category.as_deref(), Some("gambling"));
        assert_eq!(read.events[3].alert.as_deref(), Some("prevent"));
    }

    #[test]
    fn refuses_what_the_contract_does_not_allow() {
        let ok = serde_json::json!({ "id": "e-00000001", "at": "2026-12-07T09:13:58.004Z", "kind": "heartbeat", "state": "idle" });
        let mut cases: Vec<Value> = vec![
            batch(serde_json::json!([])),
            batch(Value::Array(vec![ok.clone(); 2])),
            batch(
                serde_json::json!([{ "id": "short", "at": "2026-12-07T09:13:58Z", "kind": "visit", "host": "h" }]),
            ),
            batch(
                serde_json::json!([{ "id": "e-00000001", "at": "yesterday", "kind": "visit", "host": "h" }]),
            ),
            batch(
                serde_json::json!([{ "id": "e-00000001", "at": "2026-12-07T09:13:58Z", "kind": "keystroke" }]),
            ),
            batch(
                serde_json::json!([{ "id": "e-00000001", "at": "2026-12-07T09:13:58Z", "kind": "heartbeat", "state": "asleep" }]),
            ),
            batch(
                serde_json::json!([{ "id": "e-00000001", "at": "2026-12-07T09:13:58Z", "kind": "search-alert", "terms": "x", "alert": "rude" }]),
            ),
            batch(
                serde_json::json!([{ "id": "e-00000001", "at": "2026-12-07T09:13:58Z", "kind": "blocked", "url": "https://x.example/?q=name", "host": "x.example" }]),
            ),
            batch(
                serde_json::json!([{ "id": "e-00000001", "at": "2026-12-07T09:13:58Z", "kind": "visit", "host": "h", "title": "A page" }]),
            ),
            batch(
                serde_json::json!([{ "id": "e-00000001", "at": "2026-12-07T09:13:58Z", "kind": "staff-flag", "url": "https://x.example/", "flag": "wrongly-blocked", "note": "n".repeat(501) }]),
            ),
            batch(
                serde_json::json!([{ "id": "e-00000001", "at": "2026-12-07T09:13:58Z", "kind": "override", "outcome": "opened", "url": "https://x.example/" }]),
            ),
            batch(
                serde_json::json!([{ "id": "e-00000001", "at": "2026-12-07T09:13:58Z", "kind": "override", "url": "https://x.example/" }]),
            ),
            batch(
                serde_json::json!([{ "id": "e-00000001", "at": "2026-12-07T09:13:58Z", "kind": "override", "outcome": "granted", "url": "https://x.example/?v=1", "minutes": 30 }]),
            ),
            batch(Value::Array(vec![ok.clone(); MAX_EVENTS + 1])),
            batch(
                serde_json::json!([{ "id": "e-00000001", "at": "2026-12-07T09:13:58Z", "kind": "filter-check", "trigger": "hourly", "passed": "true", "results": "pass x: y" }]),
            ),
            batch(
                serde_json::json!([{ "id": "e-00000001", "at": "2026-12-07T09:13:58Z", "kind": "filter-check", "trigger": "daily", "passed": true, "results": "pass x: y" }]),
            ),
        ];
        let mut wrong_schema = batch(serde_json::json!([ok.clone()]));
        wrong_schema["schema"] = "schoolgate-events/2".into();
        cases.push(wrong_schema);
        let mut no_device = batch(serde_json::json!([ok.clone()]));
        no_device["device"] = "d/../x".into();
        cases.push(no_device);
        for case in cases {
            assert!(
                matches!(read(&case), Err(EventsError::NotABatch(_))),
                "{case}"
            );
        }
        let good = batch(serde_json::json!([ok]));
        assert!(read(&good).is_ok());
        let mut no_account = good.clone();
        no_account["user"] = "".into();
        assert_eq!(read(&no_account).expect("valid").user, None);
        no_account["group"] = Value::Null;
        assert_eq!(read(&no_account).expect("valid").group, "");
        no_account["group"] = "".into();
        assert!(matches!(read(&no_account), Err(EventsError::NotABatch(_))));
        no_account["group"] = "ks2".into();
        no_account["user"] = "not an address".into();
        assert!(matches!(read(&no_account), Err(EventsError::NotABatch(_))));
        assert!(matches!(
            read_batch(Some("b-other-batch"), good.to_string().as_bytes(), "k", ""),
            Err(EventsError::HeaderMismatch)
        ));
        assert!(matches!(
            read_batch(Some("b/x"), good.to_string().as_bytes(), "k", ""),
            Err(EventsError::BadHeader(_))
        ));
        assert!(matches!(
            read_batch(Some("b-12345678"), b"{not json", "k", ""),
            Err(EventsError::NotJson(_))
        ));
    }
}
