//! Conversions between JavaScript values and Rust values, in one place.

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error;

/// Serialises a core value the way the CLI's JSON looks: maps as plain objects (not `Map`),
/// `None` as `null` (not `undefined`), so `JSON.stringify` of a verdict equals the CLI's line.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new()
        .serialize_maps_as_objects(true)
        .serialize_missing_as_null(true);
    value
        .serialize(&serializer)
        .map_err(|e| error::message(format!("cannot convert a result to JavaScript: {e}")))
}

/// A URL argument: a string (UTF-8 encoded), or a `Uint8Array` of raw bytes.
pub fn url_bytes(url: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(text) = url.as_string() {
        Ok(text.into_bytes())
    } else if let Some(bytes) = url.dyn_ref::<js_sys::Uint8Array>() {
        Ok(bytes.to_vec())
    } else {
        Err(error::type_error("a URL must be a string or a Uint8Array"))
    }
}

/// Unix milliseconds (JavaScript's time unit) → Unix seconds (the core's); `now` when absent.
pub fn at_secs(at_ms: Option<f64>) -> Result<i64, JsValue> {
    let ms = at_ms.unwrap_or_else(js_sys::Date::now);
    if !ms.is_finite() {
        // No `{ms}` in the message: formatting a float would link ~20 KB of float printing.
        return Err(error::type_error(
            "atMs must be a finite number of milliseconds since 1970",
        ));
    }
    // `as` saturates: times beyond ±292 billion years are clamped, never wrapped.
    Ok((ms / 1000.0).floor() as i64)
}

/// One built-in list, as `builtinLists()` returns it.
#[derive(Serialize)]
pub struct BuiltinList {
    /// The category id.
    pub category: &'static str,
    /// The file name under `crates/core/data/lists/`.
    pub file: &'static str,
    /// The list text.
    pub text: &'static str,
}
