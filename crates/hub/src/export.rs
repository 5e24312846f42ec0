//! What the hub hands out: CSV that a spreadsheet cannot run (the same rule as the extension's
//! `extension/report/export.js`), and the columns CPOMS and MyConcern imports take.

use serde_json::Value;

use crate::case::{self, CaseEntry, CaseState};
use crate::store::StoredReport;

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
