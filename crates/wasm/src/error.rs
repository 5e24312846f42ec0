//! The one place where Rust errors become JavaScript exceptions.
//!
//! Every exception the package throws is an `Error` (or its subclass `TypeError` for arguments of
//! the wrong type) whose message a person can read: the core's own error text, with what was
//! being done in front (`rulesets[1]: ruleset checksum mismatch`). A rejected policy's `Error`
//! also carries `issues: [{line, column, path, message}]` for editors that mark lines.

use std::fmt::Display;

use sgcore::policy::PolicyError;
use wasm_bindgen::prelude::*;

/// An `Error` with this message.
pub fn message(text: impl AsRef<str>) -> JsValue {
    js_sys::Error::new(text.as_ref()).into()
}

/// A `TypeError` with this message: the caller passed the wrong kind of value.
pub fn type_error(text: impl AsRef<str>) -> JsValue {
    js_sys::TypeError::new(text.as_ref()).into()
}

/// The `Error` for a rejected policy: every issue, one per line, in the message and in `.issues`.
pub fn policy(e: &PolicyError) -> JsValue {
    let count = e.issues().len();
    let plural = if count == 1 { "" } else { "s" };
    let text = format!(
        "invalid policy ({count} problem{plural}):\n{}",
        e.report().trim_end()
    );
    let error = js_sys::Error::new(&text);
    if let Ok(issues) = crate::convert::to_js(e.issues()) {
        // Setting a property on a fresh, ordinary object cannot fail; if it ever did, the message
        // still holds every issue.
        let _ = js_sys::Reflect::set(&error, &JsValue::from_str("issues"), &issues);
    }
    error.into()
}

/// `result.or_js("what was being done")?`: a core error as an `Error` whose message says what
/// failed and why.
pub trait OrJs<T> {
    /// Converts the error, putting `context` and `: ` in front of its message.
    fn or_js(self, context: &str) -> Result<T, JsValue>;
}

impl<T, E: Display> OrJs<T> for Result<T, E> {
    fn or_js(self, context: &str) -> Result<T, JsValue> {
        self.map_err(|e| message(format!("{context}: {e}")))
    }
}
