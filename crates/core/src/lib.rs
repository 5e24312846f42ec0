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

pub mod builtin;
pub mod canon;
pub mod category;
pub mod engine;
pub mod expressions;
pub mod lists;
pub mod lookalike;
pub mod policy;
pub mod ruleset;
pub mod search;
mod sort;
pub mod unicode;
pub mod verdict;
pub mod wrappers;
