//! `coreFacts()`: the tables the core owns that JavaScript needs as data (the demo page's
//! category choices, the extension's "is this host a search engine?" pre-check, the hosts that
//! take YouTube's restrict header, the presets in order). Read from the core's own tables, so no
//! JavaScript file keeps a copy: `scripts/build-extension.sh` writes them to
//! `extension/core-facts.js`, and the demo page asks the package.

use serde::Serialize;
use sgcore::category;
use sgcore::policy::Preset;
use sgcore::search::engines::{Domain, SafeSearchMechanism, ENGINES};
use wasm_bindgen::prelude::*;

use crate::convert::to_js;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Engine {
    id: &'static str,
    /// Registrable domains matched with any subdomain (`bing.com`).
    domains: Vec<&'static str>,
    /// Names matched before a country or generic suffix (`google` → `google.co.uk`).
    any_tld: Vec<&'static str>,
    /// The exact hosts a SafeSearch header goes to (YouTube's `YouTube-Restrict`).
    header_hosts: &'static [&'static str],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Facts {
    /// Every category the core knows by name, illegal ones first.
    categories: Vec<&'static str>,
    /// The locked categories.
    locked_categories: Vec<&'static str>,
    /// The presets, youngest first.
    presets: Vec<&'static str>,
    search_engines: Vec<Engine>,
}

/// The core's own tables: `{categories, lockedCategories, presets, searchEngines}` (see `CoreFacts` in the types).
#[wasm_bindgen(js_name = coreFacts, unchecked_return_type = "CoreFacts")]
pub fn core_facts() -> Result<JsValue, JsValue> {
    let categories: Vec<&'static str> = category::KNOWN.iter().map(|c| c.id).collect();
    let locked_categories = categories
        .iter()
        .copied()
        .filter(|id| category::is_locked(id))
        .collect();
    let presets = Preset::ALL.into_iter().map(Preset::id).collect();
    let search_engines = ENGINES
        .iter()
        .map(|e| {
            let pick = |want_exact: bool| {
                e.domains
                    .iter()
                    .filter_map(|d| match *d {
                        Domain::Exact(d) if want_exact => Some(d),
                        Domain::AnyTld(n) if !want_exact => Some(n),
                        _ => None,
                    })
                    .collect()
            };
            Engine {
                id: e.id,
                domains: pick(true),
                any_tld: pick(false),
                header_hosts: match e.safesearch {
                    SafeSearchMechanism::Header { hosts, .. } => hosts,
                    _ => &[],
                },
            }
        })
        .collect();
    to_js(&Facts {
        categories,
        locked_categories,
        presets,
        search_engines,
    })
}
