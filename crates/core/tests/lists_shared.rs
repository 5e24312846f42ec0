//! Imports the real lists in `shared/data/lists` (UT1, blocklistproject, sinfonietta) when that
//! folder exists beside the workspace, compiles every entry into one ruleset, and reports counts,
//! size and timings. Skipped, with a message, when the data is absent (it is never in the repo).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::path::{Path, PathBuf};
use std::time::Instant;

use schoolgate_core::lists::{parse_list, ListFormat, ParsedList};
use schoolgate_core::ruleset::{Ruleset, RulesetBuilder};

mod common;

/// Every file under `dir`, sorted, so the output is stable. Bounded by the folder's size.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

/// A category id from the list's folder or file name: `ut1/adult/domains` → `adult`,
/// `blocklistproject/drugs-nl.txt` → `drugs-nl`, `sinfonietta/gambling-hosts` → `gambling`.
fn category_for(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().to_string())
        .collect();
    let raw = if parts.len() >= 3 {
        parts[parts.len() - 2].clone()
    } else {
        let file = parts.last().cloned().unwrap_or_default();
        let stem = file.split('.').next().unwrap_or(&file).to_string();
        stem.trim_end_matches("-hosts").to_string()
    };
    let mut id: String = raw
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_lowercase()) {
        id.insert(0, 'x');
        id.truncate(40);
    }
    id
}

#[test]
fn shared_lists_import_and_compile() {
    let Some(root) = common::shared_data("lists").filter(|p| p.is_dir()) else {
        println!(
            "shared data not present: skipped ({})",
            common::shared_data_dir().join("lists").display()
        );
        return;
    };
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut lists: Vec<(String, ParsedList)> = Vec::new();
    let started = Instant::now();
    let (mut accepted, mut rejected, mut bytes_read) = (0usize, 0usize, 0usize);
    println!(
        "{:<45} {:>11} {:>9} {:>8} {:>8} {:>6}",
        "file", "format", "entries", "rejected", "skipped", "dups"
    );
    for path in &files {
        let rel = path.strip_prefix(&root).unwrap_or(path).to_path_buf();
        let name = rel.to_string_lossy().to_string();
        let Some(format) = ListFormat::from_file_name(&name) else {
            continue;
        };
        let bytes = std::fs::read(path).unwrap();
        bytes_read += bytes.len();
        let list = parse_list(&name, &bytes, format);
        println!(
            "{:<45} {:>11} {:>9} {:>8} {:>8} {:>6}",
            name,
            list.format.to_string(),
            list.entries.len(),
            list.rejected_count,
            list.skipped,
            list.duplicates
        );
        accepted += list.entries.len();
        rejected += list.rejected_count as usize;
        lists.push((category_for(&rel), list));
    }
    let parse_time = started.elapsed();
    println!(
        "parsed {} files, {:.1} MB: {accepted} entries, {rejected} rejected lines in {parse_time:.2?}",
        lists.len(),
        bytes_read as f64 / 1e6
    );

    if let Some((_, porn)) = lists
        .iter()
        .find(|(_, l)| l.source.ends_with("sinfonietta/pornography-hosts"))
    {
        println!("sinfonietta/pornography-hosts rejections:");
        for r in &porn.rejected {
            println!("  {r}");
        }
        let en = porn
            .rejected
            .iter()
            .find(|r| r.text.ends_with(" en"))
            .expect("the `en` line is reported");
        assert!(en.line > 0 && en.reason.contains("`en`"), "{en}");
        assert!(porn
            .rejected
            .iter()
            .all(|r| r.line > 0 && !r.reason.is_empty()));
    }

    let started = Instant::now();
    let mut builder = RulesetBuilder::new();
    for (category, list) in &lists {
        for entry in &list.entries {
            builder.add(entry, category, &list.source).unwrap();
        }
    }
    let (bytes, stats) = builder.build().unwrap();
    let compile_time = started.elapsed();
    let per_entry = bytes.len() as f64 / stats.entries.max(1) as f64;
    println!(
        "compiled {} entries ({} duplicates across sources dropped, {} tags) into {} bytes: \
         {per_entry:.2} bytes/entry in {compile_time:.2?}",
        stats.entries, stats.duplicates_dropped, stats.tags, stats.bytes
    );
    assert!(per_entry <= 8.0, "{per_entry} bytes per entry");

    let mut best = std::time::Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let r = Ruleset::from_bytes(&bytes[..]).unwrap();
        best = best.min(t.elapsed());
        assert_eq!(r.len(), stats.entries);
    }
    println!("load (validate {} bytes): {best:.2?}", bytes.len());

    let ruleset = Ruleset::from_bytes(&bytes[..]).unwrap();
    #[cfg(feature = "expressions")]
    {
        let x = schoolgate_core::ruleset::CompiledExpressions::new(&ruleset).unwrap();
        println!("expressions compiled: {}", x.len());
    }
    // Every accepted domain is found again.
    let mut out = Vec::new();
    for (_, list) in &lists {
        for entry in &list.entries {
            if let schoolgate_core::lists::Entry::Domain(d) = entry {
                out.clear();
                ruleset.matches_parts(d, "/", None, &mut out);
                assert!(
                    out.iter().any(|m| m.key == *d && *m.source == *list.source),
                    "{d}"
                );
            }
        }
    }
    // Lookup cost for hosts that match nothing (informational; debug builds are much slower).
    let misses: Vec<String> = (0..100_000)
        .map(|i| format!("www.no-such-site-{i}.example"))
        .collect();
    let t = Instant::now();
    for host in &misses {
        out.clear();
        ruleset.matches_parts(host, "/some/path", Some("q=1"), &mut out);
        assert!(out.is_empty());
    }
    println!(
        "no-match lookup: {:.0} ns per URL",
        t.elapsed().as_nanos() as f64 / misses.len() as f64
    );
}

#[test]
fn ci_values_that_forbid_skipping() {
    for v in ["true", "TRUE", "1", "yes", "github"] {
        assert!(common::is_ci(Some(v)), "{v}");
    }
    for v in [
        None,
        Some(""),
        Some("0"),
        Some("false"),
        Some("False"),
        Some("no"),
    ] {
        assert!(!common::is_ci(v), "{v:?}");
    }
}
