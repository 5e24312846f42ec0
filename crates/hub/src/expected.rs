//! The school's list of expected devices (`docs/hub.md`, "Monitoring events"): the IT lead
//! uploads it on `/devices` as CSV (from the Admin console's device export), and every listed
//! device the hub has never heard from, or not for `NOT_SEEN_SCHOOL_DAYS` school days (by the
//! school's calendar, `school_calendar`: holidays, INSET days and weekends never count), is
//! flagged. A device whose
//! extension was never installed, or removed before its first heartbeat, is found this way; the
//! heartbeat check (`monitor.rs`) only knows devices that reported at least once.
//!
//! **The CSV.** One device a line: its id exactly as the extension sends it (`device` in a
//! batch: the directory device id Chrome gives a managed Chromebook, the Admin console's
//! "Device ID" column) and a label (an asset tag, "Trolley 2 slot 14"; may be empty). A first
//! line naming the columns is read as a header: then the id is the column called `device`,
//! `device id`, `deviceid` or `device_id`, and the label the column called `label`,
//! `annotated asset id`, `asset id` or `serial number` (the first found), so the Admin
//! console's export can be uploaded as it is. Quoted fields (`"a, b"`, `""` for a quote) are
//! read. Every line is checked and every error reported with its line number; a list with any
//! error changes nothing.

use chrono::{DateTime, Utc};

use crate::school_calendar::{school_date, school_days_between, SchoolCalendar};
use crate::signing_keys::{valid_id, ID_RULE};
use crate::store::{DeviceState, ExpectedDevice};

/// How many whole school days a listed device may be unheard before it is flagged: a school
/// week (a device away for half-term is not flagged; one missing for a week of term is).
pub const NOT_SEEN_SCHOOL_DAYS: i64 = 5;
/// The most devices a list may hold.
pub const MAX_DEVICES: usize = 20_000;
/// The longest label.
pub const MAX_LABEL: usize = 200;

/// A line of the CSV the hub cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {why}")]
pub struct LineError {
    /// Its number, from 1.
    pub line: usize,
    /// What is wrong.
    pub why: String,
}

/// One line's fields, with `"quoted, fields"` read.
fn fields(line: &str) -> Result<Vec<String>, String> {
    let (mut out, mut field, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, line.chars().peekable());
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if field.trim().is_empty() && !was_quoted => {
                field.clear();
                quoted = true;
                was_quoted = true;
            }
            (',', false) => {
                out.push(std::mem::take(&mut field).trim().to_owned());
                was_quoted = false;
            }
            (c, _) => field.push(c),
        }
    }
    if quoted {
        return Err("a quote is opened and never closed".into());
    }
    out.push(field.trim().to_owned());
    Ok(out)
}

/// Which columns hold the id and the label, if `header` names them.
fn header_columns(header: &[String]) -> Option<(usize, Option<usize>)> {
    let names: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
    let find = |wanted: &[&str]| {
        wanted
            .iter()
            .find_map(|w| names.iter().position(|n| n == w))
    };
    let device = find(&["device", "device id", "deviceid", "device_id"])?;
    let label = find(&["label", "annotated asset id", "asset id", "serial number"]);
    Some((device, label))
}

/// Reads the uploaded list; every line's errors, or the devices (none of them saved yet).
pub fn parse_device_list(
    text: &str,
    by: &str,
    at: &str,
) -> Result<Vec<ExpectedDevice>, Vec<LineError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut errors = Vec::new();
    let mut devices: Vec<ExpectedDevice> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    let mut columns = (0, Some(1));
    let mut first_line = true;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let row = match fields(line) {
            Ok(row) => row,
            Err(why) => {
                errors.push(LineError { line: number, why });
                continue;
            }
        };
        if std::mem::take(&mut first_line) {
            if let Some(found) = header_columns(&row) {
                columns = found;
                continue;
            }
        }
        let (id_column, label_column) = columns;
        let id = row.get(id_column).cloned().unwrap_or_default();
        let label = label_column
            .and_then(|c| row.get(c).cloned())
            .unwrap_or_default();
        let mut wrong = |why: String| errors.push(LineError { line: number, why });
        if id.is_empty() {
            wrong("no device id".into());
        } else if !valid_id(&id) {
            wrong(format!(
                "{:?} is not a device id as the extension sends it ({ID_RULE})",
                id.chars().take(80).collect::<String>()
            ));
        } else if let Some(first) = seen.get(&id) {
            wrong(format!(
                "device {id} is listed twice (first on line {first})"
            ));
        } else if label.chars().count() > MAX_LABEL {
            wrong(format!("the label is longer than {MAX_LABEL} characters"));
        } else if label.chars().any(char::is_control) {
            wrong("the label holds a control character".into());
        } else {
            seen.insert(id.clone(), number);
            devices.push(ExpectedDevice {
                device: id,
                label,
                uploaded_by: by.to_owned(),
                uploaded_at: at.to_owned(),
            });
        }
    }
    if devices.is_empty() && errors.is_empty() {
        errors.push(LineError {
            line: 1,
            why: "the list holds no device".into(),
        });
    }
    if devices.len() > MAX_DEVICES {
        errors.push(LineError {
            line: text.lines().count(),
            why: format!("more than {MAX_DEVICES} devices"),
        });
    }
    if errors.is_empty() {
        Ok(devices)
    } else {
        Err(errors)
    }
}

/// What the hub knows of a listed device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// Never heard from.
    Never,
    /// Heard from, but not for `NOT_SEEN_SCHOOL_DAYS` school days: when it last was.
    NotSince(String),
    /// Heard from lately: when.
    Lately(String),
}

impl Seen {
    /// Whether the IT lead should look at it.
    pub fn flagged(&self) -> bool {
        !matches!(self, Self::Lately(_))
    }
}

/// Whether a device last heard from at `last_seen` (RFC 3339) has missed
/// `NOT_SEEN_SCHOOL_DAYS` whole school days by `now`.
pub fn missed_school_days(
    last_seen: &str,
    now: DateTime<Utc>,
    calendar: Option<&SchoolCalendar>,
) -> bool {
    let Ok(last) = DateTime::parse_from_rfc3339(last_seen) else {
        return true; // the hub wrote it; a time it cannot read is worth a look
    };
    let (last, today) = (
        school_date(calendar, last.with_timezone(&Utc)),
        school_date(calendar, now),
    );
    school_days_between(calendar, last, today, NOT_SEEN_SCHOOL_DAYS) >= NOT_SEEN_SCHOOL_DAYS
}

/// Each listed device with what the hub knows of it at `now`, flagged ones first; school days
/// counted by `calendar` (every weekday without one).
pub fn check(
    expected: &[ExpectedDevice],
    devices: &[DeviceState],
    now: DateTime<Utc>,
    calendar: Option<&SchoolCalendar>,
) -> Vec<(ExpectedDevice, Seen)> {
    let mut out: Vec<(ExpectedDevice, Seen)> = expected
        .iter()
        .map(|e| {
            let seen = match devices.iter().find(|d| d.device == e.device) {
                None => Seen::Never,
                Some(d) if missed_school_days(&d.last_seen_at, now, calendar) => {
                    Seen::NotSince(d.last_seen_at.clone())
                }
                Some(d) => Seen::Lately(d.last_seen_at.clone()),
            };
            (e.clone(), seen)
        })
        .collect();
    out.sort_by_key(|(e, seen)| (!seen.flagged(), e.label.clone(), e.device.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_lines_and_the_admin_consoles_export() {
        let plain = parse_device_list(
            "d-chromebook-01,Trolley 1 slot 1\nd-chromebook-02,\"Trolley 1, slot 2\"\n\n",
            "it",
            "now",
        )
        .unwrap();
        assert_eq!(plain.len(), 2);
        assert_eq!(plain[1].label, "Trolley 1, slot 2");
        let export = parse_device_list(
            "\u{feff}Serial Number,Device ID,Status\nSN123,0a1b2c3d-4e5f-6789-abcd-ef0123456789,ACTIVE\n",
            "it",
            "now",
        )
        .unwrap();
        assert_eq!(export[0].device, "0a1b2c3d-4e5f-6789-abcd-ef0123456789");
        assert_eq!(export[0].label, "SN123");
    }

    #[test]
    fn every_bad_line_is_reported_and_nothing_is_kept() {
        let errors = parse_device_list(
            "d-chromebook-01,ok\nshort,too short\nd-chromebook-01,again\n,no id\n\"d-open,label\n",
            "it",
            "now",
        )
        .unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 5], "{errors:?}");
        assert!(errors[1].why.contains("listed twice (first on line 1)"));
        assert!(parse_device_list("\n\n", "it", "now").is_err());
    }

    #[test]
    fn flags_devices_never_or_not_lately_heard_from() {
        let now = DateTime::parse_from_rfc3339("2026-12-07T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let listed =
            parse_device_list("d-never-0001,a\nd-old-00001,b\nd-fresh-0001,c\n", "it", "x")
                .unwrap();
        let device = |id: &str, last: &str| DeviceState {
            device: id.into(),
            user: None,
            group: "ks2".into(),
            extension_version: "1".into(),
            first_seen_at: last.into(),
            last_seen_at: last.into(),
            last_event_at: None,
            heartbeat_state: None,
            heartbeat_at: None,
            silent_since: None,
        };
        let checked = check(
            &listed,
            &[
                device("d-old-00001", "2026-11-29T09:00:00.000Z"),
                device("d-fresh-0001", "2026-12-06T09:00:00.000Z"),
            ],
            now,
            None,
        );
        assert_eq!(checked[0].1, Seen::Never);
        assert_eq!(
            checked[1].1,
            Seen::NotSince("2026-11-29T09:00:00.000Z".into())
        );
        assert!(!checked[2].1.flagged());
    }
}
