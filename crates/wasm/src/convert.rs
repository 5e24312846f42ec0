//! Conversions between JavaScript values and Rust values, in one place.

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error;

/// Serialises a core value the way the CLI's JSON looks: maps as plain objects (not `Map`),
/// `None` as `null` (not `undefined`), so `JSON.stringify` of a verdict equals the CLI's line.
/// It is that JSON, parsed by JavaScript: one call across the boundary instead of one per field,
/// and one serialiser in the package instead of a copy of the field code per type.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    // The core's values always serialise (string keys, no custom failures): the error is not
    // formatted, which keeps serde_json's and std's error messages out of the package.
    let json = serde_json::to_string(value)
        .map_err(|_| error::message("cannot convert a result to JavaScript"))?;
    js_sys::JSON::parse(&json)
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

/// Ruleset bytes: a `Uint8Array` or an `ArrayBuffer`, copied into wasm memory; `None` for
/// anything else.
pub fn ruleset_bytes(value: &JsValue) -> Option<Vec<u8>> {
    if let Some(array) = value.dyn_ref::<js_sys::Uint8Array>() {
        Some(array.to_vec())
    } else {
        let buffer = value.dyn_ref::<js_sys::ArrayBuffer>()?;
        Some(js_sys::Uint8Array::new(buffer).to_vec())
    }
}

/// The items of a JavaScript array (or any other iterable), each read by `read`, or why `value`
/// is not one. With [`string_field`], this reads the package's few object arguments by hand: a
/// serde deserialiser would link serde's whole `Deserialize` machinery, float printing included,
/// for them.
pub fn items<T>(
    value: &JsValue,
    read: impl Fn(&JsValue) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    if let Some(array) = value.dyn_ref::<js_sys::Array>() {
        return array.iter().map(|item| read(&item)).collect();
    }
    let not_a_sequence = || "invalid type: expected an array".to_string();
    js_sys::try_iter(value)
        .ok()
        .flatten()
        .ok_or_else(not_a_sequence)?
        .map(|item| {
            item.map_err(|_| not_a_sequence())
                .and_then(|item| read(&item))
        })
        .collect()
}

/// `object[key]` as a string: `None` when it is absent (`undefined` or `null`), an error when
/// `object` is not an object or the field is not a string.
pub fn string_field(object: &JsValue, key: &str) -> Result<Option<String>, String> {
    let value = if object.is_object() {
        js_sys::Reflect::get(object, &JsValue::from_str(key)).ok()
    } else {
        None
    }
    .ok_or_else(|| "invalid type: expected an object".to_string())?;
    if value.is_null_or_undefined() {
        return Ok(None);
    }
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| format!("invalid type: `{key}` must be a string"))
}

/// `object[key]` as a string, which must be there.
pub fn required_string(object: &JsValue, key: &str) -> Result<String, String> {
    string_field(object, key)?.ok_or_else(|| format!("missing field `{key}`"))
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
