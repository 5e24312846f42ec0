//! The built-in starter lists, written by the Schoolgate project (`crates/core/data/lists`), and
//! their compiled ruleset.
//!
//! Each file holds the best-known sites of one category that a UK pupil could reach. They are a
//! starting point: schools add their own lists in the policy (`[[lists]]`).

use std::sync::OnceLock;

use crate::lists::{parse_list, ListFormat};
use crate::ruleset::{Ruleset, RulesetBuilder, RulesetError};

macro_rules! builtin_lists {
    ($($category:literal),* $(,)?) => {
        /// `(category, file name, text)` of every built-in list.
        pub const LISTS: &[(&str, &str, &str)] = &[
            $(($category, concat!($category, ".txt"), include_str!(concat!("../data/lists/", $category, ".txt")))),*
        ];
    };
}

builtin_lists!(
    "pornography",
    "gambling",
    "drugs",
    "extremism",
    "hate-speech",
    "discrimination",
    "malware-hacking",
    "piracy",
    "self-harm",
    "violence",
    "social-media",
    "chat",
    "dating",
    "proxy-vpn",
    "games",
    "streaming",
    "shopping",
);

/// The source name verdicts show for a built-in list file.
pub fn source_name(file: &str) -> String {
    format!("built-in/{file}")
}

/// Compiles the built-in lists into ruleset bytes.
pub fn compile() -> Result<Vec<u8>, RulesetError> {
    let mut builder = RulesetBuilder::new();
    for (category, file, text) in LISTS {
        let source = source_name(file);
        let parsed = parse_list(&source, text.as_bytes(), ListFormat::Domains);
        for entry in &parsed.entries {
            builder.add(entry, category, &source)?;
        }
    }
    Ok(builder.build()?.0)
}

/// The built-in ruleset, compiled once per process.
pub fn ruleset() -> Result<Ruleset, RulesetError> {
    static BYTES: OnceLock<Result<Vec<u8>, RulesetError>> = OnceLock::new();
    let bytes = BYTES.get_or_init(compile).as_ref().map_err(Clone::clone)?;
    Ruleset::from_bytes(bytes.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_list_parses_cleanly_and_is_big_enough() {
        for (category, file, text) in LISTS {
            crate::category::validate_id(category).unwrap();
            let parsed = parse_list(file, text.as_bytes(), ListFormat::Domains);
            assert!(parsed.rejected.is_empty(), "{file}: {:?}", parsed.rejected);
            assert!(
                parsed.entries.len() >= 20,
                "{file} has only {} entries",
                parsed.entries.len()
            );
        }
    }

    #[test]
    fn builtin_ruleset_compiles() {
        let ruleset = ruleset().unwrap();
        assert!(ruleset.len() > 700);
    }
}
