//! # Schoolgate core
//!
//! The filtering engine behind Schoolgate's browser extension, demo page and CLI. It decides, for
//! a URL, a pupil's age group and a moment in time, whether a page is allowed, and explains why.
//! It knows nothing of the web platform: the `schoolgate-wasm` crate is the thin binding on top.
//!
//! The work happens in separate stages with typed boundaries:
//!
//! 1. [`canon`]: arbitrary bytes → a canonical URL (Google Safe Browsing's rules), or a clear error.
//! 2. [`lists`]: list files in the formats schools meet → entries, with every rejected line reported.
//! 3. [`ruleset`]: entries → one immutable, zero-copy, checksummed byte buffer.
//! 4. [`policy`]: the school's TOML policy → age groups, actions per category, time windows.
//! 5. [`engine`]: (URL, group, time) → an explained [`verdict::Verdict`].
//!
//! ## Usage (see engine)
#![deny(rustdoc::broken_intra_doc_links)]

/// A text from `crates/core/data/`, compiled in as written: comments and all.
#[cfg(feature = "annotated-builtins")]
macro_rules! data_text {
    ($($path:tt)+) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/", $($path)+))
    };
}

/// A text from `crates/core/data/` with its comment lines blanked: build.rs's copy, which keeps
/// the package small and every line number as written (see `comment_lines.rs`).
#[cfg(not(feature = "annotated-builtins"))]
macro_rules! data_text {
    ($($path:tt)+) => {
        include_str!(concat!(env!("OUT_DIR"), "/data/", $($path)+))
    };
}

pub mod builtin;
pub mod canon;
pub mod category;
#[cfg(test)]
mod comment_lines;
pub mod engine;
pub mod expressions;
pub mod lists;
pub mod lookalike;
pub mod override_code;
pub mod policy;
#[cfg(test)]
mod proptest_cases;
pub mod public_suffix;
pub mod ruleset;
pub mod search;
mod sort;
pub mod unicode;
pub mod verdict;
pub mod wrappers;
