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
        /// `(category, file name, text)` of every built-in list. Without the
        /// `annotated-builtins` feature the texts' comment lines are empty.
        pub const LISTS: &[(&str, &str, &str)] = &[
            $(($category, concat!($category, ".txt"), data_text!("lists/", $category, ".txt"))),*
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
    "ai-chatbots",
);

/// The source name verdicts show for a built-in list file.
pub fn source_name(file: &str) -> String {
    format!("built-in/{file}")
}

/// Compiles the built-in lists into ruleset bytes.
pub fn compile() -> Result<Vec<u8>, RulesetError> {
    compile_lists(LISTS)
}

/// Compiles `(category, file name, text)` lists as the built-in ones are.
fn compile_lists(lists: &[(&str, &str, &str)]) -> Result<Vec<u8>, RulesetError> {
    let mut builder = RulesetBuilder::new();
    for (category, file, text) in lists {
        let source = source_name(file);
        let parsed = parse_list(&source, text.as_bytes(), ListFormat::Domains);
        for entry in &parsed.entries {
            builder.add(entry, category, &source)?;
        }
    }
    Ok(builder.build()?.0)
}

/// The built-in lists' ruleset bytes for this process: compiled at first use, or seeded.
static COMPILED: OnceLock<Result<Vec<u8>, RulesetError>> = OnceLock::new();

/// The built-in ruleset, compiled once per process (or [`seed`]ed).
pub fn ruleset() -> Result<Ruleset, RulesetError> {
    let bytes = COMPILED
        .get_or_init(compile)
        .as_ref()
        .map_err(Clone::clone)?;
    Ruleset::from_bytes(bytes.clone())
}

/// Hands this process the built-in lists already compiled: the bytes [`compile`] gives, made by a
/// build step from this very build's data (the extension ships them beside its wasm). Compiling
/// them is most of what building the built-in engine costs when a browser extension's worker
/// wakes, and on a small machine it also sets the JavaScript engine optimising functions that
/// are never needed again, just when the waking navigation waits for its verdict.
///
/// Returns `false`, changing nothing, if the lists were already compiled or seeded. Refuses
/// bytes that are not a valid ruleset, or that hold an entry from a source other than a built-in
/// list (a school's ruleset passed here by mistake would otherwise become every engine's
/// built-in lists). Whether they are *exactly* [`compile`]'s bytes is the build's to guarantee
/// (the extension's tests compare them).
pub fn seed(bytes: Vec<u8>) -> Result<bool, RulesetError> {
    // Owned, as every other load is: one copy of the loader's code in the wasm, not two.
    let ruleset = Ruleset::from_bytes(bytes)?;
    if let Some(tag) = ruleset
        .tags()
        .find(|tag| !tag.source.starts_with("built-in/"))
    {
        return Err(RulesetError::NotBuiltIn(tag.source.to_string()));
    }
    Ok(COMPILED.set(Ok(ruleset.into_inner())).is_ok())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::comment_lines::blank_comment_lines;
    use crate::policy::{Policy, BUILTIN_TOML};
    use crate::search::{phrases, PhraseList};

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

    #[test]
    fn seeding_takes_the_compiled_lists_and_refuses_anything_else() {
        // Tests share the process, so another may have compiled the lists already: seeding the
        // very same bytes is then a no-op, and either way the ruleset in use is compile()'s.
        let compiled = compile().unwrap();
        seed(compiled.clone()).unwrap();
        assert!(!seed(compiled.clone()).unwrap(), "only the first takes");
        assert_eq!(ruleset().unwrap().as_bytes(), &compiled[..]);

        let mut damaged = compiled.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert!(seed(damaged).is_err());
        assert!(seed(b"not a ruleset".to_vec()).is_err());
        let mut school = RulesetBuilder::new();
        school
            .add(
                &crate::lists::Entry::Domain("example.com".into()),
                "games",
                "school/games.txt",
            )
            .unwrap();
        assert_eq!(
            seed(school.build().unwrap().0).unwrap_err().to_string(),
            "not the built-in lists: it holds entries from `school/games.txt`"
        );
    }

    /// Every file under `dir`, as `(path relative to data/, text as written)`.
    fn annotated(dir: &Path, out: &mut Vec<(String, String)>) {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        for entry in std::fs::read_dir(data.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.strip_prefix(&data).unwrap().to_path_buf();
            if path.is_dir() {
                annotated(&name, out);
            } else {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((
                    name.to_str()
                        .unwrap()
                        .replace(std::path::MAIN_SEPARATOR, "/"),
                    text,
                ));
            }
        }
    }

    /// Whichever way the crate is built, its built-in texts are data/'s files, with the comment
    /// lines blanked when `annotated-builtins` is off, and blanking changes nothing they mean.
    #[test]
    fn builtin_texts_mean_the_same_with_comment_lines_blanked() {
        let mut compiled_in = vec![("default-policy.toml".to_owned(), BUILTIN_TOML)];
        for (_, file, text) in LISTS {
            compiled_in.push((format!("lists/{file}"), text));
        }
        for (file, text) in phrases::BUILTIN {
            compiled_in.push((format!("phrases/{file}"), text));
        }
        compiled_in.sort();
        let mut files = Vec::new();
        annotated(Path::new(""), &mut files);
        files.sort();
        let file_names: Vec<_> = files.iter().map(|(n, _)| n).collect();
        let compiled_names: Vec<_> = compiled_in.iter().map(|(n, _)| n).collect();
        assert_eq!(file_names, compiled_names, "every data file is compiled in");

        let (mut annotated_lists, mut blanked_lists) = (Vec::new(), Vec::new());
        for ((name, text), (_, compiled)) in files.iter().zip(&compiled_in) {
            let blanked = blank_comment_lines(text);
            assert_ne!(&blanked, text, "{name} has comments to blank");
            assert_eq!(
                blanked.matches('\n').count(),
                text.matches('\n').count(),
                "{name}"
            );
            let expected = if cfg!(feature = "annotated-builtins") {
                text
            } else {
                &blanked
            };
            assert_eq!(compiled, expected, "{name} as compiled in");
            if name.ends_with(".toml") {
                let policy = Policy::from_toml(text).unwrap();
                assert_eq!(Policy::from_toml(&blanked).unwrap(), policy, "{name}");
            } else if let Some(file) = name.strip_prefix("lists/") {
                for format in [ListFormat::Domains, ListFormat::Auto] {
                    let parse = |t: &str| parse_list(file, t.as_bytes(), format);
                    assert_eq!(parse(&blanked), parse(text), "{name} read as {format}");
                }
                let category = file.strip_suffix(".txt").unwrap();
                annotated_lists.push((category, file, text.as_str()));
                blanked_lists.push((category, file, blanked));
            } else {
                let file = name.strip_prefix("phrases/").unwrap();
                let list = PhraseList::parse(file, text).unwrap();
                assert_eq!(PhraseList::parse(file, &blanked).unwrap(), list, "{name}");
            }
        }
        let blanked_lists: Vec<_> = blanked_lists
            .iter()
            .map(|(c, f, t)| (*c, *f, t.as_str()))
            .collect();
        assert_eq!(
            compile_lists(&blanked_lists).unwrap(),
            compile_lists(&annotated_lists).unwrap()
        );
    }

    /// A `#` line inside a TOML multi-line string is text, not a comment: blanking keeps it.
    #[test]
    fn hash_lines_in_a_policy_s_multi_line_strings_are_kept() {
        let text = r#"[school]
name = """St Example's
# part of the name
with a \""" in it"""
# a comment
timezone = "Europe/London"

[groups.ks2]
label = '''Key Stage 2
  # part of the label
'''
"#;
        let blanked = blank_comment_lines(text);
        assert_eq!(blanked, text.replace("# a comment", ""));
        let policy = Policy::from_toml(text).unwrap();
        assert!(policy.school().name.contains("\n# part of the name\n"));
        assert_eq!(Policy::from_toml(&blanked).unwrap(), policy);
    }
}
