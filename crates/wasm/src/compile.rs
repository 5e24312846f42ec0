//! List files' text → entries (`parseList`) or one compiled ruleset (`compileLists`), with an
//! account of every rejected line.

use serde::Serialize;
use sgcore::lists::{parse_list, Entry, ListFormat, ParsedList, Rejected};
use sgcore::ruleset::{MatchKind, RulesetBuilder};
use wasm_bindgen::prelude::*;

use crate::convert::{self, to_js};
use crate::error::{self, OrJs};

/// One list to compile, as JavaScript passes it.
struct ListInput {
    /// Names the list in rejections and verdicts (`source`).
    name: String,
    /// The category every entry belongs to.
    category: String,
    /// `auto` (the default), `domains`, `hosts`, `adblock`, `urls` or `expressions`.
    format: Option<String>,
    /// The file's text.
    text: String,
}

impl ListInput {
    /// Reads `{name, category, format?, text}`.
    fn read(value: &JsValue) -> Result<ListInput, String> {
        Ok(ListInput {
            name: convert::required_string(value, "name")?,
            category: convert::required_string(value, "category")?,
            format: convert::string_field(value, "format")?,
            text: convert::required_string(value, "text")?,
        })
    }
}

/// A line that did not become an entry.
#[derive(Serialize)]
struct RejectedLine {
    source: String,
    line: u32,
    text: String,
    reason: String,
}

impl From<Rejected> for RejectedLine {
    fn from(r: Rejected) -> Self {
        RejectedLine {
            source: r.source,
            line: r.line,
            text: r.text,
            reason: r.reason,
        }
    }
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

impl ListReport {
    fn of(parsed: &ParsedList) -> ListReport {
        ListReport {
            name: parsed.source.clone(),
            format: parsed.format.name(),
            entries: parsed.entries.len(),
            rejected: parsed.rejected_count,
            skipped: parsed.skipped,
            duplicates: parsed.duplicates,
            truncated: parsed.truncated,
        }
    }
}

/// `compileLists`' result, but for the bytes, which are attached as a `Uint8Array` afterwards.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Compiled {
    entries: usize,
    rejected: Vec<RejectedLine>,
    rejected_count: u64,
    lists: Vec<ListReport>,
}

/// One entry as `parseList` returns it: the kind, named as verdicts' `matches` name it, and key.
#[derive(Serialize)]
struct EntryOut {
    kind: MatchKind,
    key: String,
}

/// `parseList`'s result: `ListReport`'s fields, with the entries and rejections themselves.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Parsed {
    name: String,
    format: &'static str,
    entries: Vec<EntryOut>,
    rejected: Vec<RejectedLine>,
    rejected_count: u32,
    skipped: u32,
    duplicates: u32,
    truncated: bool,
}

/// Parses one list's text in the named format (`None`: detect it), as `lists[i]` in errors.
fn parse(name: &str, text: &str, format: Option<&str>, i: usize) -> Result<ParsedList, JsValue> {
    let format = match format {
        Some(f) => f
            .parse::<ListFormat>()
            .or_js(&format!("lists[{i}] ({name})"))?,
        None => ListFormat::Auto,
    };
    Ok(parse_list(name, text.as_bytes(), format))
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
    let lists = convert::items(&lists, ListInput::read).map_err(|e| {
        error::type_error(format!(
            "compileLists expects [{{name, category, format?, text}}]: {e}"
        ))
    })?;
    let mut builder = RulesetBuilder::new();
    let mut out = Compiled {
        entries: 0,
        rejected: Vec::new(),
        rejected_count: 0,
        lists: Vec::new(),
    };
    for (i, list) in lists.iter().enumerate() {
        let parsed = parse(&list.name, &list.text, list.format.as_deref(), i)?;
        for entry in &parsed.entries {
            builder
                .add(entry, &list.category, &list.name)
                .or_js(&format!("lists[{i}] ({})", list.name))?;
        }
        out.rejected_count += u64::from(parsed.rejected_count);
        out.lists.push(ListReport::of(&parsed));
        out.rejected
            .extend(parsed.rejected.into_iter().map(RejectedLine::from));
    }
    let (bytes, stats) = builder.build().or_js("cannot compile the lists")?;
    out.entries = stats.entries;
    let result = to_js(&out)?;
    let bytes = js_sys::Uint8Array::from(bytes.as_slice());
    js_sys::Reflect::set(&result, &JsValue::from_str("bytes"), &bytes)?;
    Ok(result)
}

/// Parses one list without compiling it, to show what it holds: `{name, format, entries:
/// [{kind, key}], rejected, rejectedCount, skipped, duplicates, truncated}`. `entries` are
/// normalised as lookups use them (`example.com`, `example.com/games`, or the expression);
/// `format` is the one used (detected when `format` is absent or `auto`).
#[wasm_bindgen(js_name = parseList, unchecked_return_type = "ParsedListResult")]
pub fn parse_list_js(
    name: &str,
    text: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "ListFormat")] format: Option<String>,
) -> Result<JsValue, JsValue> {
    let parsed = parse(name, text, format.as_deref(), 0)?;
    let entries = parsed
        .entries
        .into_iter()
        .map(|entry| {
            let kind = match &entry {
                Entry::Domain(_) => MatchKind::Domain,
                Entry::UrlPrefix { .. } => MatchKind::UrlPrefix,
                Entry::Expression(_) => MatchKind::Expression,
            };
            EntryOut {
                kind,
                key: entry.key(),
            }
        })
        .collect();
    to_js(&Parsed {
        name: parsed.source,
        format: parsed.format.name(),
        entries,
        rejected: parsed
            .rejected
            .into_iter()
            .map(RejectedLine::from)
            .collect(),
        rejected_count: parsed.rejected_count,
        skipped: parsed.skipped,
        duplicates: parsed.duplicates,
        truncated: parsed.truncated,
    })
}
