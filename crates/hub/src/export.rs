//! What the hub hands out: CSV that a spreadsheet cannot run (the same rule as the extension's
//! `shared-ui/report/export.js`), the columns CPOMS and MyConcern imports take, and the command
//! line's whole export of what was received (`received_json`).

use serde_json::{json, Value};

use crate::case::{self, CaseEntry, CaseState};
use crate::store::{Store, StoreError, StoredReport};

/// One CSV field: a value a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
/// carriage return first) gets a leading apostrophe; quotes, commas and line breaks are quoted
/// (RFC 4180). Page titles and pupils' words are not ours to trust.
pub fn csv_field(value: &str) -> String {
    let mut text = value.to_owned();
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        text.insert(0, '\'');
    }
    if text.contains(['"', ',', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// A CSV document: a header row, then `rows`, CRLF line ends.
pub fn csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = header.join(",");
    out.push_str("\r\n");
    for row in rows {
        let fields: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

/// The reports CSV's columns (one row per report; for CPOMS and MyConcern imports).
pub const REPORT_COLUMNS: [&str; 22] = [
    "report_id",
    "revision",
    "pressed_at",
    "school",
    "group",
    "account_email",
    "device_asset_id",
    "url",
    "title",
    "filter_action",
    "filter_category",
    "filter_reason",
    "adult_recorded_at",
    "kcsie_areas",
    "categories",
    "suspected_csam",
    "pupil_words",
    "action_taken",
    "escalated",
    "assigned_to",
    "outcomes",
    "state",
];

/// One report's CSV row.
pub fn report_row(report: &StoredReport, entries: &[CaseEntry]) -> Vec<String> {
    let body: Value = serde_json::from_str(&report.body).unwrap_or(Value::Null);
    let state = CaseState::from_entries(entries);
    vec![
        report.id.clone(),
        report.revision.to_string(),
        text(&body["createdAt"]),
        text(&body["school"]["name"]),
        text(&body["pupil"]["group"]),
        text(&body["pupil"]["email"]),
        text(&body["pupil"]["deviceAssetId"]),
        text(&body["page"]["url"]),
        text(&body["page"]["title"]),
        text(&body["filter"]["action"]),
        text(&body["filter"]["category"]),
        text(&body["filter"]["reason"]),
        text(&body["adult"]["at"]),
        text(&body["adult"]["areas"]),
        text(&body["adult"]["categories"]),
        if case::suspected_csam(&body) {
            "yes"
        } else {
            "no"
        }
        .to_owned(),
        text(&body["adult"]["pupilWords"]),
        text(&body["adult"]["actionTaken"]),
        if state.escalated || case::escalated_on_device(&body) {
            "yes"
        } else {
            "no"
        }
        .to_owned(),
        state.assigned_to.clone().unwrap_or_default(),
        state
            .outcomes
            .iter()
            .map(|o| case::outcome_label(o))
            .collect::<Vec<_>>()
            .join("; "),
        if state.closed { "closed" } else { "open" }.to_owned(),
    ]
}

/// One report as JSON: the record as received and the hub's chronology.
pub fn report_json(report: &StoredReport, entries: &[CaseEntry]) -> Value {
    let body: Value = serde_json::from_str(&report.body).unwrap_or(Value::Null);
    let state = CaseState::from_entries(entries);
    serde_json::json!({
        "id": report.id,
        "revision": report.revision,
        "firstReceivedAt": report.first_received_at,
        "receivedAt": report.received_at,
        "report": body,
        "case": {
            "state": if state.closed { "closed" } else { "open" },
            "assignedTo": state.assigned_to,
            "outcomes": state.outcomes,
            "chronology": entries,
        },
    })
}

/// Whether a report names the pupil `who`: the managed account's email (compared without
/// regard to case) or the device's asset id, the two things in a report that identify a pupil
/// (`docs/reports.md`).
pub fn names_pupil(report: &StoredReport, who: &str) -> bool {
    let who = who.trim();
    if who.is_empty() {
        return false;
    }
    let body: Value = serde_json::from_str(&report.body).unwrap_or(Value::Null);
    body["pupil"]["email"]
        .as_str()
        .is_some_and(|email| email.eq_ignore_ascii_case(who))
        || body["pupil"]["deviceAssetId"].as_str() == Some(who)
}

/// `schoolgate-hub reports export --json` (hubtest): every report the hub holds and every
/// revision it accepted, as received, for the school's own records and for checking what the hub
/// received (the extension's browser tests read it). It holds pupil data: its output must be kept
/// as safe as the data directory.
///
/// The document: `{"schema": "schoolgate-hub-received/1", "exportedAt", "reports": [...], "revisions": [...]}`
/// (not the web's `schoolgate-hub-export/1`, which adds each case's chronology).
/// Each `report` carries its newest revision's body (parsed), each revision its own.
pub async fn received_json<S: Store>(store: &S) -> Result<Value, StoreError> {
    let reports = store.reports().await?;
    let revisions = store.revisions().await?;
    // Stored bodies passed `ingest`'s JSON check; an unparsable one (impossible) is kept as text.
    let body = |text: &str| serde_json::from_str::<Value>(text).unwrap_or_else(|_| json!(text));
    Ok(json!({
        "schema": "schoolgate-hub-received/1",
        "exportedAt": crate::now(),
        "reports": reports.iter().map(|r| json!({
            "id": r.id,
            "revision": r.revision,
            "createdAt": r.created_at,
            "firstReceivedAt": r.first_received_at,
            "receivedAt": r.received_at,
            "signingKey": r.signing_key,
            "body": body(&r.body),
        })).collect::<Vec<_>>(),
        "revisions": revisions.iter().map(|r| json!({
            "id": r.id,
            "revision": r.revision,
            "receivedAt": r.received_at,
            "signingKey": r.signing_key,
            "body": body(&r.body),
        })).collect::<Vec<_>>(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_cannot_become_formulas() {
        let cases = [
            ("plain", "plain"),
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("a,b", "\"a,b\""),
            ("line\nbreak", "\"line\nbreak\""),
        ];
        for (input, expected) in cases {
            assert_eq!(csv_field(input), expected, "{input:?}");
        }
    }
}
