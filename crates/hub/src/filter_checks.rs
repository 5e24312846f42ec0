//! The filter check log (`docs/hub.md`, "The filter check log"): what the DfE's filtering
//! standard asks a school to keep for its annual review: when the filter was checked, by whom, on
//! which devices and groups, with what results, and what was done about a failure.
//!
//! Each Chromebook checks its own filter once a day and when a member of staff asks
//! (`extension/sw/self-test.js`) and sends the result as a `filter-check` event
//! (`docs/events.md`). Here: the event's fields read into a check to keep (`read_event`, called by
//! `events::read_event`, so a malformed check refuses its batch like any other bad event), its
//! results read back for the page (`results`), who checked it as the log says it, and the
//! "actions taken" notes the IT lead or the DSL append. Plain functions: no HTTP, no database.
//!
//! Nothing here names a pupil: an automatic check is "automatic (daily)", a check a member of
//! staff asked for names the staff account only when the device is a staff device (a pupil's
//! Chromebook sends no account for it, so the log says the staff code was used). Governors read it.

use serde_json::{Map, Value};

/// What started a check.
pub const TRIGGERS: [&str; 2] = ["daily", "on-demand"];
/// `passed`, as the event carries it (the contract allows only text).
pub const PASSED: [&str; 2] = ["true", "false"];
/// Who ran a daily check.
pub const AUTOMATIC: &str = "automatic (daily)";
/// Who ran an on-demand check on a device that sent no staff account (a pupil's Chromebook).
pub const STAFF_CODE: &str = "a member of staff (staff code on the device)";
/// The longest "actions taken" note (characters).
pub const MAX_NOTE_CHARS: usize = 2000;

/// A check read from a `filter-check` event, ready to store with its batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFilterCheck {
    /// `daily` or `on-demand`.
    pub trigger: String,
    /// Who ran it, as the log says it (`AUTOMATIC`, a staff account or `STAFF_CODE`).
    pub checked_by: String,
    /// Whether every result passed.
    pub passed: bool,
    /// The results, one per line (`pass name: reason` or `fail name: reason`).
    pub results: String,
    /// The groups it checked (the device's group in force), when the event names them.
    pub groups: Option<String>,
    /// Which lists were loaded (the engine's version and the lists' content keys).
    pub lists_version: String,
}

/// A stored check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterCheck {
    /// The hub's number for it.
    pub id: i64,
    /// The device that ran it.
    pub device: String,
    /// When it ran (the device's clock, UTC).
    pub checked_at: String,
    /// `daily` or `on-demand`.
    pub trigger: String,
    /// Who ran it.
    pub checked_by: String,
    /// The group(s) checked.
    pub group: String,
    /// Whether every result passed.
    pub passed: bool,
    /// The results as sent, one per line.
    pub results: String,
    /// Which lists were loaded.
    pub lists_version: String,
    /// The extension's version.
    pub extension_version: String,
    /// When the hub received it.
    pub received_at: String,
}

/// An "actions taken" note on a check (append-only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterCheckAction {
    /// Its number.
    pub id: i64,
    /// The check it is about.
    pub check_id: i64,
    /// What was done.
    pub note: String,
    /// Who wrote it (a hub account).
    pub added_by: String,
    /// When.
    pub added_at: String,
}

/// One result of a check, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// Whether it passed.
    pub passed: bool,
    /// What was checked (`canary gambling`, `locked list child-abuse`, `safesearch google`…).
    pub name: String,
    /// Why it passed or failed.
    pub reason: String,
}

/// Why an "actions taken" note was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilterCheckError {
    /// Nothing written.
    #[error("write what was done")]
    EmptyNote,
    /// Over `MAX_NOTE_CHARS`.
    #[error("a note is at most {MAX_NOTE_CHARS} characters")]
    LongNote,
}

fn text<'e>(event: &'e Map<String, Value>, field: &str) -> Option<&'e str> {
    event.get(field).and_then(Value::as_str)
}

/// The check a `filter-check` event describes, or why it is not a valid one (the field named).
/// The common rules (every field text or null, at most 2,048 characters) are `events`'.
pub fn read_event(event: &Map<String, Value>) -> Result<NewFilterCheck, String> {
    let one_of = |field: &str, allowed: &[&str]| {
        text(event, field)
            .filter(|v| allowed.contains(v))
            .map(str::to_owned)
            .ok_or_else(|| format!("\"{field}\" must be one of {}", allowed.join(", ")))
    };
    let trigger = one_of("trigger", &TRIGGERS)?;
    let passed = one_of("passed", &PASSED)? == "true";
    let results = text(event, "results")
        .filter(|r| !r.trim().is_empty())
        .ok_or("\"results\" must name what was checked")?
        .to_owned();
    let staff_account = match event.get("staffAccount") {
        None | Some(Value::Null) => None,
        Some(Value::String(a)) if a.is_empty() => None,
        Some(Value::String(a)) if (3..=254).contains(&a.len()) && a.contains('@') => Some(a),
        Some(_) => return Err("\"staffAccount\" must be an e-mail address or null".into()),
    };
    let checked_by = match (trigger.as_str(), staff_account) {
        ("daily", _) => AUTOMATIC.to_owned(),
        (_, Some(account)) => account.clone(),
        (_, None) => STAFF_CODE.to_owned(),
    };
    let groups = text(event, "groups")
        .filter(|g| !g.is_empty())
        .map(str::to_owned);
    Ok(NewFilterCheck {
        trigger,
        checked_by,
        passed,
        results,
        groups,
        lists_version: text(event, "listsVersion").unwrap_or_default().to_owned(),
    })
}

/// A check's results, line by line (`pass name: reason`, `fail name: reason`); a line in another
/// shape is shown as it is, as a failure (a device that says something unreadable has not passed).
pub fn results(text: &str) -> Vec<CheckResult> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (verdict, rest) = line.split_once(' ').unwrap_or((line, ""));
            let (name, reason) = rest.split_once(": ").unwrap_or((rest, ""));
            match verdict {
                "pass" | "fail" => CheckResult {
                    passed: verdict == "pass",
                    name: name.to_owned(),
                    reason: reason.to_owned(),
                },
                _ => CheckResult {
                    passed: false,
                    name: line.to_owned(),
                    reason: String::new(),
                },
            }
        })
        .collect()
}

/// An "actions taken" note as it is kept: trimmed, not empty, not over `MAX_NOTE_CHARS`.
pub fn check_note(note: &str) -> Result<String, FilterCheckError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(FilterCheckError::EmptyNote);
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(FilterCheckError::LongNote);
    }
    Ok(note.to_owned())
}

/// The devices whose latest check failed, from each device's latest check.
pub fn failing(latest: &[FilterCheck]) -> Vec<&FilterCheck> {
    latest.iter().filter(|c| !c.passed).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn reads_who_checked_without_naming_a_pupil() {
        let daily = read_event(&event(serde_json::json!({
            "trigger": "daily", "passed": "true", "results": "pass canary gambling: blocked",
            "staffAccount": null, "groups": "ks2", "listsVersion": "0.4.0/abc",
        })))
        .unwrap();
        assert_eq!(daily.checked_by, AUTOMATIC);
        assert!(daily.passed);
        let staff = read_event(&event(serde_json::json!({
            "trigger": "on-demand", "passed": "false", "results": "fail locked list child-abuse: empty",
            "staffAccount": "it.lead@school.example",
        })))
        .unwrap();
        assert_eq!(staff.checked_by, "it.lead@school.example");
        assert!(!staff.passed);
        let pupil_device = read_event(&event(serde_json::json!({
            "trigger": "on-demand", "passed": "true", "results": "pass x: y",
        })))
        .unwrap();
        assert_eq!(pupil_device.checked_by, STAFF_CODE);
        for bad in [
            serde_json::json!({ "trigger": "weekly", "passed": "true", "results": "pass x: y" }),
            serde_json::json!({ "trigger": "daily", "passed": "yes", "results": "pass x: y" }),
            serde_json::json!({ "trigger": "daily", "passed": "true", "results": " " }),
            serde_json::json!({ "trigger": "daily", "passed": "true", "results": "pass x: y", "staffAccount": "not an address" }),
        ] {
            assert!(read_event(&event(bad.clone())).is_err(), "{bad}");
        }
    }

    #[test]
    fn results_read_line_by_line_and_an_odd_line_fails() {
        let read = results("pass canary gambling: bet365.com blocked\nfail locked list child-abuse: no entries\n\nsomething else");
        assert_eq!(read.len(), 3);
        assert!(read[0].passed && read[0].name == "canary gambling");
        assert_eq!(read[1].reason, "no entries");
        assert!(!read[1].passed);
        assert!(!read[2].passed && read[2].name == "something else");
    }

    #[test]
    fn notes_are_checked() {
        assert_eq!(
            check_note("  Reloaded the list. "),
            Ok("Reloaded the list.".into())
        );
        assert_eq!(check_note("   "), Err(FilterCheckError::EmptyNote));
        assert_eq!(
            check_note(&"x".repeat(MAX_NOTE_CHARS + 1)),
            Err(FilterCheckError::LongNote)
        );
    }
}
