//! Times the pieces of building the built-in engine and a few verdicts (a quick probe; the
//! real benchmarks are in `crates/bench`).
use std::time::Instant;

fn main() {
    let t = Instant::now();
    let policy = schoolgate_core::policy::Policy::builtin();
    println!("policy {:?}", t.elapsed());
    let t = Instant::now();
    let bytes = schoolgate_core::builtin::compile()
        .map(|b| b.len())
        .unwrap_or(0);
    println!("built-in lists compile {:?} ({bytes} bytes)", t.elapsed());
    let t = Instant::now();
    let Ok(phrases) = schoolgate_core::search::PhraseSet::builtin() else {
        return;
    };
    println!("search phrases {:?}", t.elapsed());
    let t = Instant::now();
    let Ok(engine) = schoolgate_core::engine::Engine::with_phrases(policy, vec![], phrases) else {
        return;
    };
    println!("engine {:?}", t.elapsed());
    for url in [
        "https://www.bbc.co.uk/bitesize/topics/abc?x=1",
        "https://cdn.example.com/assets/js/app.js",
        "https://www.bet365.com/",
    ] {
        let n: u32 = std::env::var("N")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000);
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(engine.classify(&schoolgate_core::engine::Request::new(
                url.as_bytes(),
                "ks2",
                1_764_000_000,
            )));
        }
        println!("classify {url}: {:?}", t.elapsed() / n);
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(engine.decide(&schoolgate_core::engine::Request::new(
                url.as_bytes(),
                "ks2",
                1_764_000_000,
            )));
        }
        println!("  decide: {:?}", t.elapsed() / n);
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(schoolgate_core::canon::parse(url.as_bytes()).ok());
        }
        println!("  canon alone: {:?}", t.elapsed() / n);
    }
}
