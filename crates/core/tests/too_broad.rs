//! Lines and entries that would open or shut the whole web (public suffixes, expressions that
//! match every address) are refused with their line number, in lists of every format and in a
//! policy's `allow` and `deny`: `tests/fixtures/lists/too-broad.tsv`, which the wasm package's
//! test (`tests/js/public-suffix.test.mjs`) reads too.
#![allow(clippy::unwrap_used)] // a panic is how a test reports failure

use std::path::PathBuf;

use schoolgate_core::lists::{parse_list, ListFormat};
use schoolgate_core::policy::Policy;
use schoolgate_core::public_suffix::{CompiledIn, PublicSuffixes};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

/// (format, line, refused?, reason fragment or key).
fn rows() -> Vec<(ListFormat, String, bool, String)> {
    let text = std::fs::read_to_string(fixture("lists/too-broad.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "{l:?}");
            let (verdict, detail) = cols[2].split_once(": ").unwrap();
            assert!(["refused", "accepted"].contains(&verdict), "{l:?}");
            (
                cols[0].parse().unwrap(),
                cols[1].to_string(),
                verdict == "refused",
                detail.to_string(),
            )
        })
        .collect()
}

/// Two good lines of `format` before the line under test.
fn good_lines(format: ListFormat) -> &'static str {
    match format {
        ListFormat::Hosts => "0.0.0.0 a.example\n0.0.0.0 b.example\n",
        ListFormat::Adblock => "||a.example^\n||b.example^\n",
        ListFormat::Expressions => "roulette\npoker\n",
        _ => "a.example\nb.example\n",
    }
}

#[test]
fn each_list_line_is_refused_at_its_line_or_kept() {
    let rows = rows();
    assert!(rows.len() >= 30, "the fixture lost rows");
    for (format, line, refused, detail) in rows {
        let text = format!("{}{line}\n", good_lines(format));
        let list = parse_list("too-broad", text.as_bytes(), format);
        assert_eq!(
            list.entries.len(),
            2 + usize::from(!refused),
            "{format} {line:?}: {list:?}"
        );
        if refused {
            let [rejected] = &list.rejected[..] else {
                panic!("{format} {line:?}: {:?}", list.rejected);
            };
            assert_eq!(rejected.line, 3, "{format} {line:?}");
            assert!(
                rejected.reason.contains(&detail),
                "{format} {line:?}: {rejected}"
            );
            assert!(
                rejected.to_string().starts_with("too-broad:3: "),
                "{rejected}"
            );
        } else {
            assert_eq!(list.rejected, [], "{format} {line:?}");
            assert_eq!(list.entries[2].key(), detail, "{format} {line:?}");
        }
    }
}

#[test]
fn policy_entries_are_refused_with_their_line_and_column() {
    for (format, line, refused, detail) in rows() {
        if !matches!(format, ListFormat::Domains | ListFormat::Urls) {
            continue;
        }
        for key in ["allow", "deny"] {
            let toml = format!(
                "[school]\nname = \"T\"\n\n[groups.ks2]\n{key} = [\"b.example\", {line:?}]\n"
            );
            let result = Policy::from_toml(&toml);
            if !refused {
                assert!(result.is_ok(), "{key} {line:?}: {result:?}");
                continue;
            }
            let issues = result.unwrap_err().issues().to_vec();
            let [issue] = &issues[..] else {
                panic!("{key} {line:?}: {issues:?}");
            };
            assert_eq!(
                (issue.line, issue.column),
                (5, key.len() + 18),
                "{key} {line:?}"
            );
            assert_eq!(issue.path, format!("groups.ks2.{key}[1]"));
            if detail != "invalid host" {
                assert!(issue.message.contains(&detail), "{key} {line:?}: {issue}");
            }
        }
    }
}

/// Every rule of the list, as the list defines it, answered by the compiled-in list: a plain
/// rule and every child of a wildcard rule are covered, an exception is not, and a name under a
/// plain rule that nothing else names is an ordinary site. `tests/js/public-suffix.test.mjs`
/// checks the package's list the same way, rule for rule, from the same `rules.txt`.
#[test]
fn every_rule_of_the_list_is_answered_as_it_says() {
    let Some(path) = psl_rules_txt() else {
        // Never in CI: the crate is a dependency, so cargo has its source.
        assert!(
            std::env::var("CI").is_err(),
            "the psl crate's rules.txt was not found"
        );
        eprintln!("skipped: the psl crate's data/rules.txt was not found");
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let list = CompiledIn;
    let mut names = std::collections::HashSet::new();
    let mut rules = Vec::new();
    for rule in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
    {
        let (kind, name) = match (rule.strip_prefix("*."), rule.strip_prefix('!')) {
            (Some(name), _) => ('*', name),
            (_, Some(name)) => ('!', name),
            _ => ('=', rule),
        };
        let host = schoolgate_core::canon::normalize_host(name).unwrap();
        names.insert(host.clone());
        rules.push((kind, host));
    }
    assert!(
        rules.len() > 9_000,
        "{}: {} rules",
        path.display(),
        rules.len()
    );
    let wildcards: std::collections::HashSet<&str> = rules
        .iter()
        .filter(|(k, _)| *k == '*')
        .map(|(_, h)| h.as_str())
        .collect();
    for (kind, host) in &rules {
        let child = format!("schoolgate-test.{host}");
        match kind {
            '=' => {
                assert!(list.covers_a_public_suffix(host), "{host}");
                if !wildcards.contains(host.as_str()) && !names.contains(&child) {
                    assert!(!list.covers_a_public_suffix(&child), "{child}");
                }
            }
            '*' => {
                assert!(list.covers_a_public_suffix(&child), "{child}");
                assert!(list.covers_a_public_suffix(host), "{host}");
            }
            _ => assert!(!list.covers_a_public_suffix(host), "!{host}"),
        }
    }
}

/// The locked `psl` crate's `data/rules.txt`, which scripts/build-wasm.sh ships in the package.
fn psl_rules_txt() -> Option<PathBuf> {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--manifest-path",
        ])
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .output()
        .ok()?;
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let manifest = meta["packages"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == "psl")?["manifest_path"]
        .as_str()?
        .to_string();
    let rules = PathBuf::from(manifest).parent()?.join("data/rules.txt");
    rules.is_file().then_some(rules)
}
