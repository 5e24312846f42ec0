//! `compileLists`: list files' text → one compiled ruleset, with an account of every rejected line.

use serde::{Deserialize, Serialize};
use sgcore::lists::{parse_list, ListFormat};
use sgcore::ruleset::RulesetBuilder;
use wasm_bindgen::prelude::*;

use crate::convert::to_js;
use crate::error::{self, OrJs};

/// One list to compile, as JavaScript passes it.
#[derive(Deserialize)]
struct ListInput {
    /// Names the list in rejections and verdicts (`source`).
    name: String,
    /// The category every entry belongs to.
    category: String,
    /// `auto` (the default), `domains`, `hosts`, `adblock`, `urls` or `expressions`.
    #[serde(default)]
    format: Option<String>,
    /// The file's text.
    text: String,
}

/// A line that did not become an entry.
#[derive(Serialize)]
struct RejectedLine {
    source: String,
    line: u32,
    text: String,
    reason: String,
}

/// What one list contributed.
#[derive(Serialize)]
struct ListReport {
    name: String,
    format: &'static str,
    entries: usize,
    rejected: u32,
    skipped: u32,
    duplicates: u32,
    truncated: bool,
}

/// Everything but the bytes, which are attached as a `Uint8Array` afterwards.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    entries: usize,
    rejected: Vec<RejectedLine>,
    rejected_count: u64,
    lists: Vec<ListReport>,
}

/// Compiles list files into one ruleset: `{bytes, entries, rejected, rejectedCount, lists}`.
/// `bytes` loads with `Schoolgate.fromPolicy(toml, [bytes])` (or can be stored and loaded later);
/// `rejected` holds every line that could not be used, with its list, line number and reason
/// (up to the core's limit per list; `rejectedCount` counts them all). Throws when a list cannot
/// be compiled at all (unknown format, invalid category, a limit of the ruleset layout).
#[wasm_bindgen(js_name = compileLists, unchecked_return_type = "CompiledLists")]
pub fn compile_lists(
    #[wasm_bindgen(unchecked_param_type = "ListInput[]")] lists: JsValue,
) -> Result<JsValue, JsValue> {
    let lists: Vec<ListInput> = serde_wasm_bindgen::from_value(lists).map_err(|e| {
        error::type_error(format!(
            "compileLists expects [{{name, category, format?, text}}]: {e}"
        ))
    })?;
    let mut builder = RulesetBuilder::new();
    let mut report = Report {
        entries: 0,
        rejected: Vec::new(),
        rejected_count: 0,
        lists: Vec::new(),
    };
    for (i, list) in lists.iter().enumerate() {
        let format = match &list.format {
            Some(name) => name
                .parse::<ListFormat>()
                .or_js(&format!("lists[{i}] ({})", list.name))?,
            None => ListFormat::Auto,
        };
        let parsed = parse_list(&list.name, list.text.as_bytes(), format);
        for entry in &parsed.entries {
            builder
                .add(entry, &list.category, &list.name)
                .or_js(&format!("lists[{i}] ({})", list.name))?;
        }
        report.rejected_count += u64::from(parsed.rejected_count);
        report.lists.push(ListReport {
            name: list.name.clone(),
            format: parsed.format.name(),
            entries: parsed.entries.len(),
            rejected: parsed.rejected_count,
            skipped: parsed.skipped,
            duplicates: parsed.duplicates,
            truncated: parsed.truncated,
        });
        report
            .rejected
            .extend(parsed.rejected.into_iter().map(|r| RejectedLine {
                source: r.source,
                line: r.line,
                text: r.text,
                reason: r.reason,
            }));
    }
    let (bytes, stats) = builder.build().or_js("cannot compile the lists")?;
    report.entries = stats.entries;
    let result = to_js(&report)?;
    let bytes = js_sys::Uint8Array::from(bytes.as_slice());
    js_sys::Reflect::set(&result, &JsValue::from_str("bytes"), &bytes)?;
    Ok(result)
}
