//! Search terms and SafeSearch on `Schoolgate`: the core's `Engine::judge_search` and
//! `Engine::safe_search`, for the demo page's search tester and the extension's header rules.

use sgcore::canon::{self, ParsedUrl};
use sgcore::policy::Group;
use sgcore::search::SafeSearch;
use wasm_bindgen::prelude::*;

use crate::convert::{self, to_js};
use crate::error;
use crate::schoolgate::Schoolgate;

impl Schoolgate {
    /// A group by name, or an `Error` naming the groups there are.
    fn group(&self, name: &str) -> Result<&Group, JsValue> {
        self.engine().policy().group(name).ok_or_else(|| {
            let known: Vec<&str> = self.engine().policy().group_names().collect();
            error::message(format!(
                "unknown group `{name}`; this policy has: {}",
                known.join(", ")
            ))
        })
    }
}

#[wasm_bindgen]
impl Schoolgate {
    /// Judges search text (what a pupil typed) as the group's searches are judged: the
    /// normalised text, the phrases found with their weights, scores per category, whether it is
    /// blocked, the support flavour and any safeguarding or Prevent alert. Throws for an unknown
    /// group (there is no verdict to fail closed to).
    #[wasm_bindgen(js_name = judgeSearch, unchecked_return_type = "SearchVerdict")]
    pub fn judge_search(&self, text: &str, group: &str) -> Result<JsValue, JsValue> {
        to_js(&self.engine().judge_search(text, self.group(group)?))
    }

    /// How to force safe results for this URL and group: `{engine, rewrite, headers}`. `rewrite`
    /// is the `path?query` to redirect to on the same scheme and host (`null` when the URL is
    /// already safe or not a search); `headers` are `[name, value]` pairs to set on the request
    /// (YouTube's `YouTube-Restrict`). For a site that is not a search or video site, `engine` is
    /// `null` and there is nothing to do. Throws for an unreadable URL or an unknown group.
    #[wasm_bindgen(js_name = safeSearch, unchecked_return_type = "SafeSearch")]
    pub fn safe_search(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] url: JsValue,
        group: &str,
    ) -> Result<JsValue, JsValue> {
        let bytes = convert::url_bytes(&url)?;
        let group = self.group(group)?;
        let enforcement = match canon::parse(&bytes) {
            Ok(ParsedUrl::Web(url)) => self.engine().safe_search(&url, group).unwrap_or_default(),
            // `data:`, `view-source:` …: no search engine to send a parameter or header to.
            Ok(ParsedUrl::Other(_)) => SafeSearch::default(),
            Err(e) => return Err(error::message(format!("invalid URL: {e}"))),
        };
        to_js(&enforcement)
    }
}
