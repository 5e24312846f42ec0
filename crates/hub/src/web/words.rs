//! The words a person reads on the pages for the codes the Chromebooks send: a group as the
//! school knows it ("Years 3 to 6 (ks2)": the code stays beside it, because the managed
//! configuration and a teacher's groups on `/accounts` are written in codes), and a search
//! alert's kind as a label that starts a table cell ("Self-harm"). A code the hub does not know
//! (a school's own group, "year6") is shown as it is.

use crate::monitor::alert_label;

/// The group `code` as people read it: the four built-in presets by their year groups.
pub fn group(code: &str) -> String {
    match code {
        "eyfs" => "Nursery and Reception (eyfs)".to_owned(),
        "ks1" => "Years 1 and 2 (ks1)".to_owned(),
        "ks2" => "Years 3 to 6 (ks2)".to_owned(),
        "staff" => "Staff".to_owned(),
        other => other.to_owned(),
    }
}

/// Groups as stored comma-separated ("ks2, y4"), each as `group` reads it.
pub fn groups(codes: &str) -> String {
    codes
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(group)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A search alert's kind as a label on its own ("Prevent (radicalisation)", "Self-harm").
pub fn alert(kind: &str) -> String {
    sentence(alert_label(kind))
}

/// An error message (lowercase, as `thiserror` messages are) as a sentence starting with a capital.
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A code from a report's fixed lists ("scary-content", "content") as words: "Scary content".
pub fn code(code: &str) -> String {
    sentence(&code.replace(['-', '_'], " "))
}

/// A report's list of codes (a JSON array) as words, "Content, Contact"; empty if none.
pub fn codes(value: &serde_json::Value) -> String {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(serde_json::Value::as_str)
                .map(code)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

pub use crate::count;

#[cfg(test)]
mod tests {
    #[test]
    fn counts_read_as_words() {
        assert_eq!(super::count(1u32, "device", "devices"), "1 device");
        assert_eq!(super::count(0u32, "device", "devices"), "0 devices");
        assert_eq!(super::count(12u32, "page", "pages"), "12 pages");
    }

    use super::*;

    #[test]
    fn presets_by_year_group_others_as_they_are() {
        assert_eq!(group("ks2"), "Years 3 to 6 (ks2)");
        assert_eq!(group("eyfs"), "Nursery and Reception (eyfs)");
        assert_eq!(group("staff"), "Staff");
        assert_eq!(group("year6"), "year6");
        assert_eq!(groups("ks1, year6,"), "Years 1 and 2 (ks1), year6");
    }

    #[test]
    fn report_codes_as_words() {
        assert_eq!(code("scary-content"), "Scary content");
        assert_eq!(
            codes(&serde_json::json!(["content", "contact"])),
            "Content, Contact"
        );
        assert_eq!(codes(&serde_json::Value::Null), "");
    }

    #[test]
    fn alert_labels_start_with_a_capital() {
        assert_eq!(alert("self-harm"), "Self-harm");
        assert_eq!(alert("prevent"), "Prevent (radicalisation)");
        assert_eq!(alert("whatever"), "Safeguarding");
    }
}
