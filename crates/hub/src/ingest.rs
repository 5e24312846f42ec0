//! Receiving a report: the rules, as plain functions over the request's headers and bytes.
//!
//! In order: the signature (401 unless an active key made it), the id and revision headers
//! (400 unless well-formed), the body (400 unless JSON, 422 unless a `schoolgate-report/1` with a
//! valid id and revision), the headers against the body (400 unless they agree); then the store
//! keeps the report if its revision is higher than the one it has. Nothing is kept of a request
//! that fails any rule.
//!
//! Replays: a request carries no nonce or time window, because the extension legitimately sends
//! days-old reports from a Chromebook that was offline, and resends a revision whose first
//! delivery got no reply. What stops a replay is stored state: a signed body can only ever be
//! the (id, revision) it names, an (id, revision) the hub has already stored answers 200 and
//! changes nothing, and a lower revision can never overwrite a higher one. That state is in the
//! database, so it survives restarts. A key that leaks is revoked (`signing-key revoke`), after
//! which nothing it signed is accepted again, replayed or new.

use crate::signing_keys::{self, id_field, id_header, SignatureError};
use crate::store::{IngestOutcome, NewReport, Store, StoreError};

/// The schema the extension writes (`REPORT_SCHEMA` in `shared-ui/report/model.js`).
pub const REPORT_SCHEMA: &str = "schoolgate-report/1";
/// The header that names the report.
pub const REPORT_ID_HEADER: &str = "x-schoolgate-report-id";
/// The header that gives its revision.
pub const REVISION_HEADER: &str = "x-schoolgate-revision";
/// The largest revision accepted: JavaScript's largest exact integer, which the extension counts in.
pub const MAX_REVISION: u64 = (1 << 53) - 1;

/// Why a report was refused, or could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// No signature, a malformed one, or one no active key made.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// A missing or malformed id or revision header.
    #[error("{0}")]
    BadHeader(String),
    /// A body that is not JSON.
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    /// JSON that is not a report this hub reads.
    #[error("{0}")]
    NotAReport(String),
    /// Headers that name a different report or revision than the body.
    #[error("{0}")]
    HeaderMismatch(String),
    /// The store failed: nothing was stored, and the client should try again.
    #[error("storage failed: {0}")]
    Store(#[from] StoreError),
}

/// The headers of a report request, as text (`None` when absent or not visible ASCII).
#[derive(Debug, Default, Clone, Copy)]
pub struct ReportHeaders<'a> {
    /// `X-Schoolgate-Signature`.
    pub signature: Option<&'a str>,
    /// `X-Schoolgate-Report-Id`.
    pub id: Option<&'a str>,
    /// `X-Schoolgate-Revision`.
    pub revision: Option<&'a str>,
}

/// A revision header: a positive decimal integer up to `MAX_REVISION`, digits only.
pub fn parse_revision_header(text: &str) -> Option<u64> {
    if text.is_empty()
        || text.len() > 16
        || !text.bytes().all(|b| b.is_ascii_digit())
        || text.starts_with('0')
    {
        return None;
    }
    text.parse().ok().filter(|r| (1..=MAX_REVISION).contains(r))
}

/// A signed body read into a report to store, or the reason it cannot be one.
pub fn read_report(
    headers: &ReportHeaders<'_>,
    body: &[u8],
    signed_with: &str,
) -> Result<NewReport, IngestError> {
    let header_id =
        id_header(headers.id, "X-Schoolgate-Report-Id").map_err(IngestError::BadHeader)?;
    let header_revision = headers
        .revision
        .ok_or_else(|| IngestError::BadHeader("missing X-Schoolgate-Revision".into()))
        .and_then(|text| {
            parse_revision_header(text).ok_or_else(|| {
                IngestError::BadHeader("X-Schoolgate-Revision must be a positive integer".into())
            })
        })?;

    let text = std::str::from_utf8(body).map_err(|_| IngestError::NotJson("not UTF-8".into()))?;
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| IngestError::NotJson(e.to_string()))?;
    let object = json
        .as_object()
        .ok_or_else(|| IngestError::NotAReport("a report is a JSON object".into()))?;
    match object.get("schema").and_then(|s| s.as_str()) {
        Some(REPORT_SCHEMA) => {}
        Some(other) => {
            let other: String = other.chars().take(60).collect();
            return Err(IngestError::NotAReport(format!(
                "unknown schema {other:?}: this hub reads {REPORT_SCHEMA}"
            )));
        }
        None => {
            return Err(IngestError::NotAReport(format!(
                "no \"schema\": this hub reads {REPORT_SCHEMA}"
            )))
        }
    }
    let id = id_field(object, "id").map_err(IngestError::NotAReport)?;
    let revision = object
        .get("revision")
        .and_then(|v| v.as_u64())
        .filter(|r| (1..=MAX_REVISION).contains(r))
        .ok_or_else(|| IngestError::NotAReport("\"revision\" must be a positive integer".into()))?;
    if id != header_id {
        return Err(IngestError::HeaderMismatch(
            "X-Schoolgate-Report-Id does not match the body's id".into(),
        ));
    }
    if revision != header_revision {
        return Err(IngestError::HeaderMismatch(
            "X-Schoolgate-Revision does not match the body's revision".into(),
        ));
    }
    let created_at = object
        .get("createdAt")
        .and_then(|v| v.as_str())
        .filter(|t| t.len() <= 40)
        .map(str::to_owned);
    Ok(NewReport {
        id: id.to_owned(),
        revision: revision as i64, // at most 2^53 - 1: fits
        body: text.to_owned(),
        created_at,
        signing_key: signed_with.to_owned(),
        received_at: crate::now(),
    })
}

/// The whole rule set: check, read and store one report request.
pub async fn ingest<S: Store>(
    store: &S,
    headers: &ReportHeaders<'_>,
    body: &[u8],
) -> Result<IngestOutcome, IngestError> {
    let keys = store.active_signing_keys().await?;
    let key = signing_keys::check(&keys, headers.signature, body)?;
    let report = read_report(headers, body, &key.label)?;
    Ok(store.ingest(&report).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_headers() {
        assert_eq!(parse_revision_header("1"), Some(1));
        assert_eq!(
            parse_revision_header("9007199254740991"),
            Some(MAX_REVISION)
        );
        for bad in [
            "",
            "0",
            "-1",
            "+1",
            "01",
            "1.0",
            "1e3",
            " 1",
            "9007199254740992",
            "99999999999999999999",
        ] {
            assert_eq!(parse_revision_header(bad), None, "{bad:?}");
        }
    }
}
