//! Fixture policies: every good one parses, every bad one reports exactly the problems listed in
//! `tests/fixtures/policies/bad/expected.tsv`, at the listed line and column.
#![allow(clippy::unwrap_used)] // a panic is how a test reports failure

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use schoolgate_core::policy::{Policy, Preset};

fn fixtures(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/policies")
        .join(kind)
}

fn toml_files(kind: &str) -> Vec<(String, String)> {
    let mut files: Vec<_> = fs::read_dir(fixtures(kind))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// file → [(line, column, fragment)], in the order listed.
fn expectations() -> BTreeMap<String, Vec<(usize, usize, String)>> {
    let text = fs::read_to_string(fixtures("bad").join("expected.tsv")).unwrap();
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for (n, row) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let fields: Vec<&str> = row.split('\t').collect();
        assert_eq!(
            fields.len(),
            3,
            "expected.tsv line {}: three tab-separated fields",
            n + 1
        );
        let (line, column) = fields[1].split_once(':').unwrap();
        out.entry(fields[0].to_string()).or_default().push((
            line.parse().unwrap(),
            column.parse().unwrap(),
            fields[2].to_string(),
        ));
    }
    out
}

#[test]
fn bad_policies_report_every_problem_where_it_is() {
    let expected = expectations();
    let files = toml_files("bad");
    let names: Vec<&String> = files.iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        expected.keys().collect::<Vec<_>>(),
        "every bad fixture needs rows in expected.tsv"
    );
    let mut failures = Vec::new();
    for (name, text) in &files {
        let issues = match Policy::from_toml(text) {
            Ok(_) => {
                failures.push(format!("{name}: accepted"));
                continue;
            }
            Err(e) => e.issues().to_vec(),
        };
        let rows = &expected[name];
        let matches = issues.len() == rows.len()
            && issues
                .iter()
                .zip(rows)
                .all(|(issue, (line, column, fragment))| {
                    issue.line == *line
                        && issue.column == *column
                        && issue.to_string().contains(fragment.as_str())
                });
        if !matches {
            let got: Vec<String> = issues.iter().map(|i| format!("  {i}")).collect();
            failures.push(format!(
                "{name}: expected {rows:?}\n got:\n{}",
                got.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn good_policies_parse() {
    let files = toml_files("good");
    assert!(files.len() >= 4);
    for (name, text) in &files {
        if let Err(e) = Policy::from_toml(text) {
            panic!("{name}:\n{}", e.report());
        }
    }
}

#[test]
fn custom_groups_fixture_resolves_as_written() {
    let text = fs::read_to_string(fixtures("good").join("custom-groups.toml")).unwrap();
    let p = Policy::from_toml(&text).unwrap();
    assert_eq!(
        p.group_names().collect::<Vec<_>>(),
        [
            "eyfs",
            "ks1",
            "ks2",
            "staff",
            "teaching-assistants",
            "year6"
        ]
    );
    let y6 = p.group("year6").unwrap();
    assert_eq!(
        (y6.preset(), y6.is_staff(), y6.label()),
        (Preset::Ks2, false, "Year 6")
    );
    assert_eq!(
        y6.allow().iter().map(|e| e.text()).collect::<Vec<_>>(),
        ["bbc.co.uk/bitesize/", "*.example-learning.org"]
    );
    assert_eq!(y6.deny()[0].text(), "example-games.com");
    // Friday 9 January 2026, 14:45 GMT: games window open; Thursday it is not.
    let friday = 1_767_969_900;
    assert!(y6.decide(Some("games"), friday).allow);
    assert!(!y6.decide(Some("games"), friday - 86_400).allow);
    assert!(y6.decide(Some("streaming"), friday).allow);
    assert!(
        !y6.decide(Some("streaming"), friday - 3 * 86_400).allow,
        "Tuesday is not in mon,wed-fri"
    );
    let ta = p.group("teaching-assistants").unwrap();
    assert!(
        ta.is_staff()
            && ta.decide(Some("streaming"), friday).allow
            && ta.decide_non_web(friday).allow
    );
    assert!(
        !ta.decide(Some("games"), friday).allow,
        "still the ks2 preset"
    );
    assert!(!p.decide("eyfs", None, friday).unwrap().allow);
    assert!(p.decide("ks1", Some("games"), friday).unwrap().allow);
}

#[test]
fn policies_serialise_for_the_wasm_layer() {
    let json = serde_json::to_value(Policy::builtin()).unwrap();
    assert_eq!(json["school"]["timezone"], "Europe/London");
    assert_eq!(
        json["groups"]["ks2"]["categories"]["games"]["action"]["allow_at"][1]["to"],
        "24:00"
    );
    assert_eq!(json["groups"]["ks2"]["preset"], "ks2");
    assert_eq!(json["groups"]["staff"]["staff"], true);
    assert_eq!(json["groups"]["eyfs"]["non_web"]["action"], "block");
}
