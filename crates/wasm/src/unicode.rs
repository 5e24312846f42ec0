//! The core's Unicode services, answered by the JavaScript engine that runs this package.
//!
//! The core is built without its `unicode-tables` feature here: the browser (or Node) already
//! ships NFKC/NFD (`String.prototype.normalize`), Unicode property escapes (`/\p{M}/u`) and IDNA
//! (the WHATWG URL parser), and leaving the core's copies out saves about 100 KB of gzipped wasm.
//! [`install`] hands them to the core once, from the package's start function, before any
//! exported function can run. See `sgcore::unicode` for what the core does with them and how it
//! fails closed without them.

use js_sys::{JsString, RegExp};
use sgcore::unicode::{always_invalid_in_domain, UnicodeProvider};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The WHATWG `URL` class, global in browsers, workers and Node.
    #[wasm_bindgen(js_name = URL)]
    type WhatwgUrl;

    #[wasm_bindgen(constructor, catch, js_class = "URL")]
    fn new(url: &str) -> Result<WhatwgUrl, JsValue>;

    #[wasm_bindgen(method, getter)]
    fn hostname(this: &WhatwgUrl) -> String;
}

thread_local! {
    /// Compiled once. JavaScript values may not cross threads, which is why this is not a field of
    /// the provider (a provider must be `Sync`); wasm32-unknown-unknown has one thread anyway.
    static COMBINING_MARK: RegExp = RegExp::new("^\\p{M}$", "u");
}

/// Unicode services from the JavaScript engine.
struct JsUnicode;

impl UnicodeProvider for JsUnicode {
    fn nfkc(&self, text: &str) -> String {
        JsString::from(text).normalize("NFKC").into()
    }

    fn nfd(&self, text: &str) -> String {
        JsString::from(text).normalize("NFD").into()
    }

    fn is_combining_mark(&self, c: char) -> bool {
        let mut buffer = [0; 4];
        let text = c.encode_utf8(&mut buffer);
        COMBINING_MARK.with(|mark| mark.test(text))
    }

    /// The browser's own reading of the host: what `fetch` and navigation would connect to.
    fn domain_to_ascii(&self, domain: &str) -> Option<String> {
        // The core already refuses these, but this is the line that depends on it: one `/`, `@`,
        // `:`, `?`, `#`, `\`, `[` or tab would make the URL parser read a different host out of
        // the string (`evil.com/.bücher.de` has the host `evil.com`).
        if domain.is_empty() || domain.chars().any(always_invalid_in_domain) {
            return None;
        }
        let url = WhatwgUrl::new(&format!("http://{domain}/")).ok()?;
        Some(url.hostname())
    }
}

static JS_UNICODE: JsUnicode = JsUnicode;

/// Gives the core the JavaScript engine's Unicode services. Idempotent: only the first call
/// installs anything.
pub fn install() {
    sgcore::unicode::install(&JS_UNICODE);
}
