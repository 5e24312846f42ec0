//! `Schoolgate`: one engine (a policy and its compiled lists) as a JavaScript class.

use serde::{Serialize, Serializer};
use sgcore::engine::{Engine, Request};
use sgcore::policy::Policy;
use sgcore::ruleset::Ruleset;
use sgcore::search::PhraseSet;
use sgcore::verdict::Verdict;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::convert::{self, to_js};
use crate::error::{self, OrJs};

/// Size of the hot path's input buffer: the longest URL the core accepts
/// (`canon::MAX_URL_BYTES`, 64 KiB) plus 4 bytes. `TextEncoder.encodeInto` stops before a
/// character that does not fit, so a URL longer than the core's limit always writes more than
/// 64 KiB here and the core blocks it as too long, instead of judging a truncated prefix.
pub const INPUT_BUFFER_BYTES: usize = sgcore::canon::MAX_URL_BYTES + 4;

/// `decideEncoded`'s answer: the page may load.
const ALLOW: u8 = 0;
/// `decideEncoded`'s answer: the page must not load.
const BLOCK: u8 = 1;
/// `decideEncoded`'s answer: a locked (illegal-content) list matched; nothing can unblock it.
const BLOCK_LOCKED: u8 = 2;

/// A Schoolgate engine: a school's policy with the compiled lists it uses. Immutable, like the
/// core's `Engine`: to change the policy or lists, build a new `Schoolgate` and swap it in, so a
/// broken update never half-replaces a working engine.
#[wasm_bindgen]
pub struct Schoolgate {
    engine: Engine,
    /// The hot path's input: JavaScript writes a URL's UTF-8 straight into this wasm memory.
    input: Vec<u8>,
}

/// One of a school's own search phrase lists, as JavaScript passes it.
struct PhraseListInput {
    name: String,
    text: String,
}

impl PhraseListInput {
    /// Reads `{name, text}`.
    fn read(value: &JsValue) -> Result<PhraseListInput, String> {
        Ok(PhraseListInput {
            name: convert::required_string(value, "name")?,
            text: convert::required_string(value, "text")?,
        })
    }
}

/// One group, as `groups()` lists it.
#[derive(Serialize)]
struct GroupInfo<'a> {
    name: &'a str,
    label: &'a str,
    staff: bool,
    preset: &'a str,
}

/// Verdicts by group name, serialised as one object. The names come from `groups()`, sorted
/// and distinct, so a plain vector keeps the order a map would give.
struct VerdictsByGroup<'a>(Vec<(&'a str, Verdict)>);

impl Serialize for VerdictsByGroup<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(group, verdict)| (group, verdict)))
    }
}

impl Default for Schoolgate {
    fn default() -> Self {
        Schoolgate::new()
    }
}

impl Schoolgate {
    fn from_engine(engine: Engine) -> Schoolgate {
        Schoolgate {
            engine,
            input: vec![0; INPUT_BUFFER_BYTES],
        }
    }

    /// The core engine, for the other `impl` blocks of this class.
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    fn verdict(&self, url: &[u8], group: &str, at: i64) -> Verdict {
        self.engine.classify(&Request::new(url, group, at))
    }
}

#[wasm_bindgen]
impl Schoolgate {
    /// The built-in default policy with the built-in starter lists.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Schoolgate {
        Schoolgate::from_engine(Engine::builtin())
    }

    /// A school's policy (TOML text) with compiled rulesets (`compileLists(...).bytes`, or a file
    /// from `schoolgate compile`). Each ruleset is checked (magic, version, checksum, structure)
    /// and used in place, never rebuilt. The policy's `[[lists]]` paths are for the CLI, which
    /// reads files; here, pass their compiled bytes in `rulesets`. Built-in lists are added when
    /// the policy's `builtin_lists` says so (the default).
    ///
    /// `searchPhrases` are the texts of the policy's `search_phrases` files, added to the
    /// built-in search phrase lists.
    ///
    /// Throws an `Error` listing `line L, column C: path: message` for every problem in the
    /// policy, with the same problems as `error.issues = [{line, column, path, message}]`.
    #[wasm_bindgen(js_name = fromPolicy)]
    pub fn from_policy(
        #[wasm_bindgen(js_name = policyToml)] policy_toml: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "(Uint8Array | ArrayBuffer)[]")]
        rulesets: Option<js_sys::Array>,
        #[wasm_bindgen(js_name = searchPhrases, unchecked_optional_param_type = "PhraseListInput[]")]
        search_phrases: Option<js_sys::Array>,
    ) -> Result<Schoolgate, JsValue> {
        let policy = Policy::from_toml(policy_toml).map_err(|e| error::policy(&e))?;
        let mut loaded = Vec::new();
        for (i, value) in rulesets.iter().flat_map(|a| a.iter()).enumerate() {
            let bytes = convert::ruleset_bytes(&value).ok_or_else(|| {
                error::type_error(format!(
                    "rulesets[{i}] is not a Uint8Array or an ArrayBuffer"
                ))
            })?;
            loaded.push(Ruleset::from_bytes(bytes).or_js(&format!("rulesets[{i}]"))?);
        }
        let engine = if let Some(search_phrases) = search_phrases {
            let lists = convert::items(&search_phrases, PhraseListInput::read).map_err(|e| {
                error::type_error(format!("searchPhrases must be [{{name, text}}]: {e}"))
            })?;
            let extra: Vec<(&str, &str)> = lists
                .iter()
                .map(|l| (l.name.as_str(), l.text.as_str()))
                .collect();
            let phrases = PhraseSet::builtin_with(&extra).or_js("searchPhrases")?;
            Engine::with_phrases(policy, loaded, phrases)
        } else {
            Engine::new(policy, loaded)
        }
        .or_js("cannot build the engine")?;
        Ok(Schoolgate::from_engine(engine))
    }

    /// Judges one URL for one group at one moment (`atMs`: Unix milliseconds, default now). The
    /// verdict has the same fields as the CLI's JSON. An unknown group or an unreadable URL gives
    /// a block verdict saying so (the engine fails closed); only arguments of the wrong type throw.
    #[wasm_bindgen(unchecked_return_type = "Verdict")]
    pub fn classify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] url: JsValue,
        group: &str,
        #[wasm_bindgen(js_name = atMs)] at_ms: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let url = convert::url_bytes(&url)?;
        to_js(&self.verdict(&url, group, convert::at_secs(at_ms)?))
    }

    /// `classify` for every group of the policy: `{ [group]: Verdict }`.
    #[wasm_bindgen(js_name = classifyAllGroups, unchecked_return_type = "Record<string, Verdict>")]
    pub fn classify_all_groups(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] url: JsValue,
        #[wasm_bindgen(js_name = atMs)] at_ms: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let url = convert::url_bytes(&url)?;
        let at = convert::at_secs(at_ms)?;
        let all = VerdictsByGroup(
            self.engine
                .policy()
                .group_names()
                .map(|g| (g, self.verdict(&url, g, at)))
                .collect(),
        );
        to_js(&all)
    }

    /// The policy's groups, sorted by name: `[{name, label, staff, preset}]`. `decideEncoded`'s
    /// `groupIndex` indexes this array.
    #[wasm_bindgen(unchecked_return_type = "GroupInfo[]")]
    pub fn groups(&self) -> Result<JsValue, JsValue> {
        let groups: Vec<GroupInfo<'_>> = self
            .engine
            .policy()
            .groups()
            .map(|g| GroupInfo {
                name: g.name(),
                label: g.label(),
                staff: g.is_staff(),
                preset: g.preset().id(),
            })
            .collect();
        to_js(&groups)
    }

    /// A plain-text summary of the policy: per group, what is blocked, allowed and timed.
    #[wasm_bindgen(js_name = policySummary)]
    pub fn policy_summary(&self) -> String {
        self.engine.policy().summary()
    }

    /// The whole resolved policy as a plain object (every group's setting for every category,
    /// and where it was set).
    #[wasm_bindgen(unchecked_return_type = "PolicyObject")]
    pub fn policy(&self) -> Result<JsValue, JsValue> {
        to_js(self.engine.policy())
    }

    /// The hot path's input buffer: a `Uint8Array` view of `INPUT_BUFFER_BYTES` (64 KiB + 4)
    /// bytes of wasm memory that this engine reuses for every `decideEncoded` call.
    ///
    /// The view is only valid until wasm memory grows: any call that allocates may grow it
    /// (building an engine, `classify`, `compileLists`, …), and a view of the old memory then
    /// has `byteLength === 0`. Fetch it once, and fetch it again when its `byteLength` is 0.
    #[wasm_bindgen(js_name = inputBuffer)]
    pub fn input_buffer(&self) -> js_sys::Uint8Array {
        let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
        // On wasm32 a pointer and a 64 KiB length both fit in u32.
        js_sys::Uint8Array::new_with_byte_offset_and_length(
            &memory.buffer(),
            self.input.as_ptr() as u32,
            self.input.len() as u32,
        )
    }

    /// The extension's hot path: judges the URL whose UTF-8 the caller wrote into the first `len`
    /// bytes of `inputBuffer()`, for group `groups()[groupIndex]`, at `atSecs` (Unix seconds).
    /// Returns 0 (allow), 1 (block) or 2 (block: a locked illegal-content list matched).
    ///
    /// ```js
    /// const { written } = new TextEncoder().encodeInto(url, input);
    /// const decision = sg.decideEncoded(written, groupIndex, Date.now() / 1000);
    /// ```
    ///
    /// Same answer as `classify(url, group, atSecs * 1000).action`, without copying the URL
    /// across the boundary or building the verdict object. Fails closed: a `len` beyond the
    /// buffer, an index with no group or a time that is not a finite number gives 1 (block).
    #[wasm_bindgen(js_name = decideEncoded, unchecked_return_type = "0 | 1 | 2")]
    pub fn decide_encoded(
        &self,
        len: usize,
        #[wasm_bindgen(js_name = groupIndex)] group_index: usize,
        #[wasm_bindgen(js_name = atSecs)] at_secs: f64,
    ) -> u8 {
        let group = self.engine.policy().groups().nth(group_index);
        let (Some(url), Some(group)) = (self.input.get(..len), group) else {
            return BLOCK;
        };
        if !at_secs.is_finite() {
            return BLOCK;
        }
        // The listener asks again at every navigation: when the answer changes is not needed.
        let decided = self
            .engine
            .decide_now_for(group, url, at_secs.floor() as i64);
        match (decided.action, decided.locked) {
            (sgcore::verdict::Action::Allow, _) => ALLOW,
            (sgcore::verdict::Action::Block, false) => BLOCK,
            (sgcore::verdict::Action::Block, true) => BLOCK_LOCKED,
        }
    }
}
