//! Teachers' override codes on `Schoolgate`: the core's `override_code` (verify a typed code,
//! what an override opens, what no code opens), for the extension's worker. Glue only.

use serde::Serialize;
use sgcore::engine::Request;
use sgcore::override_code::{self as oc, Attempt, Grant, OverrideError, OverrideSecret, Refusal};
use wasm_bindgen::prelude::*;

use crate::convert::{self, to_js};
use crate::schoolgate::Schoolgate;

/// `overrideScope`'s answer.
#[derive(Serialize)]
struct Scope {
    /// The site a code would open (`null` for anything but a web address).
    site: Option<String>,
    /// Whether the page is blocked for the group now.
    blocked: bool,
    /// Why no code can open it (`null` when one can).
    refusal: Option<Refusal>,
    /// The refusal in words.
    message: Option<String>,
    /// How long an override lasts under this policy.
    minutes: u32,
}

/// `verifyOverride`'s answer: `{ok: true, grant}` or `{ok: false, error, message, refusal}`.
#[derive(Serialize)]
struct Verified {
    ok: bool,
    grant: Option<Grant>,
    error: Option<&'static str>,
    message: Option<String>,
    refusal: Option<Refusal>,
}

impl From<Result<Grant, OverrideError>> for Verified {
    fn from(result: Result<Grant, OverrideError>) -> Self {
        match result {
            Ok(grant) => Verified {
                ok: true,
                grant: Some(grant),
                error: None,
                message: None,
                refusal: None,
            },
            Err(e) => Verified {
                ok: false,
                grant: None,
                error: Some(e.kind()),
                message: Some(e.to_string()),
                refusal: match e {
                    OverrideError::Refused(r) => Some(r),
                    _ => None,
                },
            },
        }
    }
}

#[wasm_bindgen]
impl Schoolgate {
    /// What a teacher's code could do for a page: `{site, blocked, refusal, minutes}`, where
    /// `refusal` (`{kind, …}`, and `message` in words) says why no code can open it (a locked list, the
    /// policy's `never_override`, a deny entry, a search, a wrapper, a lookalike), or is `null`.
    #[wasm_bindgen(js_name = overrideScope, unchecked_return_type = "OverrideScope")]
    pub fn override_scope(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] url: JsValue,
        group: &str,
        #[wasm_bindgen(js_name = atMs)] at_ms: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let url = convert::url_bytes(&url)?;
        let at = convert::at_secs(at_ms)?;
        let verdict = self.engine().classify(&Request::new(&url, group, at));
        let refusal = oc::overridable(self.engine().policy(), &verdict).err();
        to_js(&Scope {
            site: oc::site_of_url(&url),
            blocked: verdict.is_blocked(),
            message: refusal.as_ref().map(Refusal::to_string),
            refusal,
            minutes: self.engine().policy().override_minutes(),
        })
    }

    /// Checks a typed code for a blocked page (`secret`: the managed `overrideSecret`;
    /// `lastUsedStep`: the step of the last code accepted on this device for the page's site and
    /// group). Never throws for a wrong code: `{ok: true, grant: {site, group, step, starts_at,
    /// ends_at, minutes}}` or `{ok: false, error, message, refusal}` (fields that do not apply are `null`) with `error` one of
    /// `secret`, `malformed`, `wrong-code`, `used`, `not-blocked`, `refused`, `bad-time`.
    #[wasm_bindgen(js_name = verifyOverride, unchecked_return_type = "OverrideResult")]
    pub fn verify_override(
        &self,
        secret: &str,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] url: JsValue,
        group: &str,
        code: &str,
        #[wasm_bindgen(js_name = atMs)] at_ms: Option<f64>,
        #[wasm_bindgen(js_name = lastUsedStep)] last_used_step: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let url = convert::url_bytes(&url)?;
        let at = convert::at_secs(at_ms)?;
        let result = OverrideSecret::parse(secret)
            .map_err(OverrideError::from)
            .and_then(|secret| {
                let attempt = Attempt {
                    url: &url,
                    group,
                    code,
                    at,
                    // `as` saturates; a step is a whole number far below 2^53.
                    last_used_step: last_used_step
                        .filter(|s| s.is_finite() && *s >= 0.0)
                        .map(|s| s as u64),
                };
                oc::verify(self.engine(), &secret, &attempt)
            });
        to_js(&Verified::from(result))
    }

    /// While an override of `site` for `group` is in force: whether it opens this page now
    /// (a page of that site whose own verdict a code may open; never a locked or
    /// never-override page). The caller checks the override's end time.
    #[wasm_bindgen(js_name = overridePermits)]
    pub fn override_permits(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] url: JsValue,
        group: &str,
        site: &str,
        #[wasm_bindgen(js_name = atMs)] at_ms: Option<f64>,
    ) -> Result<bool, JsValue> {
        let url = convert::url_bytes(&url)?;
        let at = convert::at_secs(at_ms)?;
        Ok(oc::permits(self.engine(), &url, group, site, at))
    }
}
