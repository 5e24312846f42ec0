//! Search terms: which URLs are searches, what was searched, and whether to allow it.
//!
//! Pupils find harmful content by searching. This module gives a search URL a verdict on what was
//! searched, in four stages:
//!
//! 1. [`engines::extract`]: a canonical URL → a [`SearchRequest`] (engine, submitted search or
//!    autocomplete, vertical, decoded terms: every term parameter, advanced search's too), from
//!    one data table of engines, [`engines::ENGINES`]; and [`engines::extract_declared`] for the
//!    engines a school's policy declares (`[[search_engines]]`), which the engine tries next.
//! 2. [`normalize::normalize`]: the terms → a canonical form that sees through lookalike letters,
//!    leetspeak, split and stretched letters and invisible characters.
//! 3. [`PhraseSet`]: weighted phrase lists (our own, in English and five languages common among
//!    EAL pupils, plus a school's additions) compiled into one Aho-Corasick automaton matched on
//!    word boundaries, so Scunthorpe, Essex and "chicken breast" are never blocked.
//! 4. [`PhraseSet::judge`] (and [`PhraseSet::judge_in`] for image and video searches): scores
//!    per category against the group's thresholds → a [`SearchVerdict`] with the support or
//!    help-seeking flavour and safeguarding or Prevent alerts.
//!
//! [`safesearch::enforce`] separately says how to force safe results on the engine itself.
//!
//! ## Usage
//!
//! ```
//! use schoolgate_core::search::{self, PhraseSet, SearchRules};
//!
//! let set = PhraseSet::builtin()?;
//! let rules = SearchRules::for_group_preset("ks2").unwrap_or_default();
//! if let Some(request) = search::extract("www.google.co.uk", "/search", Some("q=c%2B%2B+tutorial")) {
//!     assert_eq!(request.terms, "c++ tutorial");
//!     let verdict = set.judge(&request.terms, &rules);
//!     assert!(!verdict.blocked);
//! }
//! # Ok::<(), search::PhraseError>(())
//! ```

mod automaton;
pub mod engines;
mod fold;
pub mod judge;
pub mod normalize;
pub mod phrases;
/// Query-string reading shared with [`crate::wrappers`].
pub(crate) mod query;
pub mod safesearch;
mod set;

pub(crate) use engines::is_engine_label;
pub use engines::{extract, SearchKind, SearchRequest, Vertical};
pub use judge::{Alert, CategoryScore, Flavour, PhraseMatch, SearchRules, SearchVerdict};
pub use normalize::{normalize, Normalized};
pub use phrases::{PhraseError, PhraseList};
pub use safesearch::{enforce, SafeSearch, SafeSearchLevel, SafeSearchPolicy};
pub use set::{PhraseSet, PhraseStats};
