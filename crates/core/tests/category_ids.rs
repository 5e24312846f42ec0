//! One syntax for category ids and group names, pinned: every row of
//! `tests/fixtures/policies/category-ids.tsv` is accepted or refused alike by the id check, the
//! policy's `[categories]`, `[groups.NAME]`, `[groups.NAME.categories]` and `[[lists]]`, and the
//! ruleset builder; and `docs/policy.md` states the rule the code enforces.
#![allow(clippy::unwrap_used)] // a panic is how a test reports failure

use std::path::PathBuf;

use schoolgate_core::category::{self, MAX_ID_LEN, RESERVED};
use schoolgate_core::lists::Entry;
use schoolgate_core::policy::Policy;
use schoolgate_core::ruleset::RulesetBuilder;

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// (id, valid, why) for every row, plus the ids a TSV cannot show.
fn cases() -> Vec<(String, bool, String)> {
    let text = std::fs::read_to_string(repo("tests/fixtures/policies/category-ids.tsv")).unwrap();
    let mut cases: Vec<(String, bool, String)> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "row {l:?}");
            assert!(["valid", "invalid"].contains(&cols[1]), "row {l:?}");
            (cols[0].to_string(), cols[1] == "valid", cols[2].to_string())
        })
        .collect();
    assert!(cases.len() >= 15, "the fixture lost rows");
    for id in ["", " gambling", "gambling ", "home work"] {
        cases.push((id.to_string(), false, "empty or spaces".into()));
    }
    cases
}

fn parses(toml: &str) -> Result<(), String> {
    Policy::from_toml(toml).map(|_| ()).map_err(|e| e.report())
}

#[test]
fn every_reader_of_an_id_agrees_with_the_fixture() {
    for (id, valid, why) in cases() {
        let quoted = format!("{id:?}");
        let check = |place: &str, result: Result<(), String>| {
            assert_eq!(
                result.is_ok(),
                valid,
                "{place}: {quoted} ({why}) should be {}: {result:?}",
                if valid { "accepted" } else { "refused" }
            );
            if let Err(message) = result {
                assert!(
                    message.contains("must be 1 to 40 characters")
                        || message.contains("is reserved")
                        || message.contains("found an empty string"),
                    "{place}: {quoted}: the refusal states the rule: {message}"
                );
            }
        };
        check("category::validate_id", category::validate_id(&id));
        let declared = format!("[school]\nname = \"T\"\n\n[categories]\n{quoted} = \"block\"\n");
        check("[categories]", parses(&declared));
        let group = format!("[school]\nname = \"T\"\n\n[groups.{quoted}]\npreset = \"ks2\"\n");
        check("[groups.NAME]", parses(&group));
        // A list or a group's category that was not declared is refused for that reason when
        // its spelling is fine, so these two declare a valid id first.
        let declare = if valid {
            declared.clone()
        } else {
            "[school]\nname = \"T\"\n".into()
        };
        let list = format!("{declare}\n[[lists]]\npath = \"x.txt\"\ncategory = {quoted}\n");
        check("[[lists]] category", parses(&list));
        let group_category = format!("{declare}\n[groups.ks2.categories]\n{quoted} = \"block\"\n");
        check("[groups.NAME.categories]", parses(&group_category));
        let mut builder = RulesetBuilder::new();
        check(
            "RulesetBuilder::add",
            builder
                .add(&Entry::Domain("example.org".into()), &id, "test")
                .map_err(|e| e.to_string()),
        );
    }
}

#[test]
fn the_policy_docs_state_the_rule_the_code_enforces() {
    let docs = std::fs::read_to_string(repo("docs/policy.md")).unwrap();
    let rule = format!(
        "Ids are 1 to {MAX_ID_LEN} characters of\n`a-z`, `0-9`, `-` and `_`, starting with a letter"
    );
    assert!(docs.contains(&rule), "docs/policy.md must say: {rule}");
    let paragraph = &docs[docs.find(&rule).unwrap()..];
    let paragraph = &paragraph[..paragraph.find("\n\n").unwrap_or(paragraph.len())];
    for reserved in RESERVED {
        assert!(
            paragraph.contains(&format!("`{reserved}`")),
            "docs/policy.md must name the reserved id `{reserved}` beside the rule"
        );
    }
    assert!(docs.contains("Group names follow the same rules as category ids"));
}
