//! # schoolgate-wasm
//!
//! The WebAssembly binding of `schoolgate-core`, used by the Chrome extension and the demo page.
//! Glue only: every decision is the core's. This crate converts between JavaScript values and the
//! core's types, turns the core's errors into JS `Error`s with readable messages (one place:
//! [`error`]), and declares TypeScript types for everything it exports.
//!
//! `scripts/build-wasm.sh` builds it into one package, `pkg/schoolgate.js` (`--target web`) with
//! `schoolgate_bg.wasm` and `schoolgate.d.ts`, copied to `www/pkg/` and `extension/pkg/`.
//!
//! ## Usage (JavaScript)
//!
//! ```js
//! import init, { Schoolgate, compileLists } from './pkg/schoolgate.js';
//! await init();
//! const sg = new Schoolgate();                    // built-in policy and lists
//! sg.classify('https://www.bet365.com/', 'ks2');  // { action: 'block', category: 'gambling', … }
//!
//! // The extension's hot path: no per-character string copy across the boundary.
//! const groups = sg.groups().map((g) => g.name);
//! let input = sg.inputBuffer();
//! const { written } = new TextEncoder().encodeInto(url, input);
//! const decision = sg.decideEncoded(written, groups.indexOf('ks2'), Date.now() / 1000);
//! ```
//!
//! Where to start: [`Schoolgate`] (one engine: a policy and its compiled lists),
//! [`compile_lists`] (list text → ruleset bytes), and the free functions in this file. Search
//! terms and SafeSearch are methods of [`Schoolgate`] too (`judgeSearch`, `safeSearch`).
#![deny(clippy::unwrap_used)]

mod compile;
mod convert;
pub mod error;
mod expressions;
mod facts;
mod override_code;
mod public_suffix;
mod schoolgate;
mod search;
mod unicode;

use wasm_bindgen::prelude::*;

use error::OrJs;

pub use compile::{compile_lists, parse_list_js};
pub use facts::core_facts;
pub use schoolgate::{Schoolgate, INPUT_BUFFER_BYTES};

/// TypeScript shapes of the plain objects the package returns and accepts. They mirror the
/// core's `Serialize` types field for field; `tests/js/types.test.mjs` checks real values
/// against these declarations so they cannot drift silently.
#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = include_str!("types.d.ts");

/// Runs once when the module is instantiated (`init`/`initSync`), before anything else can be
/// called: the core is built without Unicode tables, a regex engine or the Public Suffix List,
/// and uses JavaScript's and the package's own.
#[wasm_bindgen(start)]
fn start() {
    unicode::install();
    expressions::install();
    public_suffix::install();
}

/// The canonical form of a URL, as the engine sees it (the CLI's `schoolgate canon`): an `http(s)`
/// URL in Safe Browsing canonical form, or `scheme:rest` for other schemes. Throws an `Error`
/// saying why when the input cannot be read as a URL. Bytes may be passed as a `Uint8Array`
/// (a URL is arbitrary bytes; a JS string cannot hold invalid UTF-8).
#[wasm_bindgen]
pub fn canonicalize(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] url: JsValue,
) -> Result<String, JsValue> {
    let bytes = convert::url_bytes(&url)?;
    match sgcore::canon::parse(&bytes) {
        Ok(sgcore::canon::ParsedUrl::Web(u)) => Ok(u.to_string()),
        Ok(sgcore::canon::ParsedUrl::Other(o)) => Ok(o.to_string()),
        Err(e) => Err(error::message(format!("invalid URL: {e}"))),
    }
}

/// The built-in default policy's TOML text: a starting point for a school's own policy. Its
/// comment lines are empty, which keeps the package small and every line number as written;
/// people read the annotated file the package ships as `builtin/default-policy.toml`.
#[wasm_bindgen(js_name = defaultPolicyToml)]
pub fn default_policy_toml() -> String {
    sgcore::policy::BUILTIN_TOML.to_string()
}

/// The built-in starter lists: `[{category, file, text}]`, one per category, in the core's order.
/// As with the policy, the texts' comment lines are empty.
#[wasm_bindgen(js_name = builtinLists, unchecked_return_type = "BuiltinList[]")]
pub fn builtin_lists() -> Result<JsValue, JsValue> {
    let lists: Vec<convert::BuiltinList> = sgcore::builtin::LISTS
        .iter()
        .map(|(category, file, text)| convert::BuiltinList {
            category,
            file,
            text,
        })
        .collect();
    convert::to_js(&lists)
}

/// Hands the package the built-in lists compiled ahead of time by a build step with this very
/// package (`compileLists` of `builtinLists()`, each named `built-in/<file>`, format `domains`:
/// the bytes `new Schoolgate()` would compile), so that neither `new Schoolgate()` nor any policy
/// with `builtin_lists` compiles them: the extension's worker does this as it wakes. Returns `false`,
/// changing nothing, if they were compiled or seeded already. Throws if `bytes` is not a valid
/// ruleset of built-in lists only.
#[wasm_bindgen(js_name = seedBuiltinLists)]
pub fn seed_builtin_lists(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
) -> Result<bool, JsValue> {
    let bytes = convert::ruleset_bytes(&bytes).ok_or_else(|| {
        error::type_error("the built-in lists must be a Uint8Array or an ArrayBuffer")
    })?;
    sgcore::builtin::seed(bytes).or_js("cannot seed the built-in lists")
}

/// The list format a file name suggests, as the CLI picks it when walking a folder: `domains`,
/// `urls`, `expressions` (squidGuard/UT1 names), `hosts` (`hosts`, `*-hosts`, `*.hosts`), `auto`
/// for anything else, or `null` for files that are not lists (`README`, `LICENSE.pdf`).
#[wasm_bindgen(js_name = listFormatFromFileName, unchecked_return_type = "ListFormat | null")]
pub fn list_format_from_file_name(name: &str) -> JsValue {
    sgcore::lists::ListFormat::from_file_name(name)
        .map_or(JsValue::NULL, |f| JsValue::from_str(f.name()))
}

/// The package version (the crate's, which the core shares).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The compiled-ruleset format this package writes and reads (the layout's header version).
/// Bytes saved by a package with another format are refused by `fromPolicy`: a cache keyed by it
/// knows to compile its lists again.
#[wasm_bindgen(js_name = rulesetFormat)]
pub fn ruleset_format() -> u32 {
    sgcore::ruleset::FORMAT_VERSION
}
