//! Runs `Engine::decide` and `Engine::classify` over a file of URLs (one per line, or the JSON
//! request file of `../shared/data/requests`), for instruction counting under callgrind:
//! `valgrind --tool=callgrind --toggle-collect='*Engine::decide*' target/release/examples/verdict_cost FILE`.
//!
//! `LIMIT=N` judges only the first N URLs (default 3000): the difference between two runs is the
//! cost of the verdicts alone. `RULESET=FILE` adds a compiled ruleset (for the ~1M real domains,
//! written by `crates/bench/examples/write_ruleset.rs`) to the built-in policy and lists.
use schoolgate_core::engine::{Engine, Request};
use schoolgate_core::policy::Policy;
use schoolgate_core::ruleset::Ruleset;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: verdict_cost FILE [decide|classify]");
        return;
    };
    let mode = std::env::args().nth(2).unwrap_or_else(|| "decide".into());
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let urls: Vec<String> = if text.trim_start().starts_with('[') {
        text.split("\"url\": \"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(str::to_string)
            .collect()
    } else {
        text.lines().map(str::to_string).collect()
    };
    let engine = match std::env::var_os("RULESET").filter(|f| !f.is_empty()) {
        Some(file) => {
            let bytes = std::fs::read(&file).unwrap_or_default();
            match Ruleset::from_bytes(bytes).map(|r| Engine::new(Policy::builtin(), vec![r])) {
                Ok(Ok(engine)) => engine,
                Ok(Err(e)) => return eprintln!("engine: {e}"),
                Err(e) => return eprintln!("{}: {e}", file.to_string_lossy()),
            }
        }
        None => Engine::builtin(),
    };
    let mut blocked = 0;
    let limit: usize = std::env::var("LIMIT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    for url in urls.iter().take(limit) {
        let request = Request::new(url.as_bytes(), "ks2", 1_764_000_000);
        let block = if mode == "classify" {
            engine.classify(&request).is_blocked()
        } else {
            engine.decide(&request).action == schoolgate_core::verdict::Action::Block
        };
        blocked += usize::from(block);
    }
    println!("{} urls, {blocked} blocked", urls.len().min(limit));
}
