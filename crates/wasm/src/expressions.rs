//! The core's regular-expression engine for squidGuard `expressions` lists, answered by the
//! JavaScript engine's `RegExp`.
//!
//! The core is built without its `expressions` feature here: regex-lite would be about 23 KB of
//! the gzipped package, and the browser already has a regex engine. The core checks every
//! expression's shape first (`sgcore::expressions::check_shape`: no backreferences, lookaround,
//! nested unbounded repetition or more than two unbounded repetitions) and hands it only the
//! first 512 bytes of a URL, so what compiles here compiles for the CLI too, and a crafted URL
//! keeps the browser's backtracking engine busy for milliseconds, not hours. Flags `iu`:
//! case-insensitive as squidGuard is, and `u` so that syntax `regex-lite` would refuse
//! (`[[:alpha:]]`, `\_`, `(?i)`) is an error here too, never a silently different pattern.

use std::cell::RefCell;

use js_sys::JsString;
use sgcore::expressions::RegexEngine;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// JavaScript's `RegExp`, bound here for a constructor that reports syntax errors and a
    /// `test` that takes a JS string made once per URL (js-sys's takes `&str`, which would
    /// copy the URL across the boundary again for every expression).
    #[wasm_bindgen(js_name = RegExp)]
    type JsRegExp;

    #[wasm_bindgen(constructor, catch, js_class = "RegExp")]
    fn new(pattern: &str, flags: &str) -> Result<JsRegExp, JsValue>;

    #[wasm_bindgen(method)]
    fn test(this: &JsRegExp, subject: &JsString) -> bool;
}

thread_local! {
    /// Compiled sets by handle; a released handle's slot is reused. JavaScript values may not
    /// cross threads, which is why these are not fields of the engine (an engine must be
    /// `Sync`); wasm32-unknown-unknown has one thread anyway.
    static SETS: RefCell<Vec<Option<Vec<JsRegExp>>>> = const { RefCell::new(Vec::new()) };
}

/// Regular expressions from the JavaScript engine.
struct JsRegexEngine;

impl RegexEngine for JsRegexEngine {
    fn compile(&self, expressions: &[&str]) -> Result<u32, (usize, String)> {
        let set = expressions
            .iter()
            .enumerate()
            .map(|(index, expression)| {
                JsRegExp::new(expression, "iu").map_err(|error| (index, syntax_error(&error)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        SETS.with_borrow_mut(|sets| {
            let slot = sets.iter().position(Option::is_none).unwrap_or(sets.len());
            if slot == sets.len() {
                sets.push(None);
            }
            sets[slot] = Some(set);
            Ok(slot as u32)
        })
    }

    fn find(&self, set: u32, subject: &str, found: &mut dyn FnMut(usize)) {
        let subject = JsString::from(subject);
        SETS.with_borrow(|sets| {
            let programs = sets.get(set as usize).and_then(Option::as_ref);
            for (index, program) in programs.into_iter().flatten().enumerate() {
                if program.test(&subject) {
                    found(index);
                }
            }
        });
    }

    fn release(&self, set: u32) {
        SETS.with_borrow_mut(|sets| {
            if let Some(slot) = sets.get_mut(set as usize) {
                *slot = None;
            }
        });
    }
}

/// The engine's complaint without its `Invalid regular expression: /…/iu: ` preamble, which
/// repeats the expression the core's message already names.
fn syntax_error(error: &JsValue) -> String {
    let message = js_sys::Error::from(error.clone()).message();
    let message = String::from(message);
    match message.rsplit_once(": ") {
        Some((_, reason)) => reason.to_string(),
        None => message,
    }
}

static JS_REGEX: JsRegexEngine = JsRegexEngine;

/// Gives the core the JavaScript engine's `RegExp`. Idempotent: only the first call installs
/// anything.
pub fn install() {
    sgcore::expressions::install(&JS_REGEX);
}
