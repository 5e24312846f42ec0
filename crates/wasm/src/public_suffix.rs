//! The core's Public Suffix List, answered by the package's own `public-suffixes.js`.
//!
//! The core is built without its `public-suffix-list` feature here: the `psl` crate compiles the
//! list into far more code than the package's size budget allows, and even the list's rules as
//! data (and a matcher for them) would cost kilobytes. `scripts/build-wasm.sh` puts that same
//! locked crate's `data/rules.txt` in the package (`public-suffix-rules.js`) beside
//! `public-suffixes.js` (the list's algorithm, from `crates/wasm/js/`), which the glue imports,
//! so every caller has the list without handing anything in. The two agree with the CLI on
//! `tests/fixtures/lists/too-broad.tsv` and on the list's own rules (`tests/js/public-suffix.test.mjs`,
//! `crates/core/tests/too_broad.rs`).

use sgcore::public_suffix::PublicSuffixes;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(raw_module = "./public-suffixes.js")]
extern "C" {
    #[wasm_bindgen(js_name = coversPublicSuffix)]
    fn js_covers_public_suffix(host: &str) -> bool;
}

/// The packaged list.
struct Packaged;

impl PublicSuffixes for Packaged {
    fn covers_a_public_suffix(&self, host: &str) -> bool {
        js_covers_public_suffix(host)
    }
}

static PACKAGED: Packaged = Packaged;

/// Gives the core the packaged list. Idempotent: only the first call installs anything.
pub fn install() {
    sgcore::public_suffix::install(&PACKAGED);
}
