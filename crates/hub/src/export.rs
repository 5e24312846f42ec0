//! `schoolgate-hub reports export --json`: every report the hub holds, and every revision it
//! accepted, as one JSON document on standard output, for the school's own records and for
//! checking what the hub received (the extension's browser tests read it).
//!
//! It holds pupil data: run it on the hub's machine and keep what it writes as safe as the data
//! directory.

use serde_json::{json, Value};

use crate::store::{Store, StoreError};

/// The document: `{"schema": "schoolgate-hub-export/1", "exportedAt", "reports": [...], "revisions": [...]}`.
/// Each `report` carries its newest revision's body (parsed), each revision its own.
pub async fn export_json<S: Store>(store: &S) -> Result<Value, StoreError> {
    let reports = store.reports().await?;
    let revisions = store.revisions().await?;
    // Stored bodies passed `ingest`'s JSON check; an unparsable one (impossible) is kept as text.
    let body = |text: &str| serde_json::from_str::<Value>(text).unwrap_or_else(|_| json!(text));
    Ok(json!({
        "schema": "schoolgate-hub-export/1",
        "exportedAt": crate::now(),
        "reports": reports.iter().map(|r| json!({
            "id": r.id,
            "revision": r.revision,
            "createdAt": r.created_at,
            "firstReceivedAt": r.first_received_at,
            "receivedAt": r.received_at,
            "signingKey": r.signing_key,
            "body": body(&r.body),
        })).collect::<Vec<_>>(),
        "revisions": revisions.iter().map(|r| json!({
            "id": r.id,
            "revision": r.revision,
            "receivedAt": r.received_at,
            "signingKey": r.signing_key,
            "body": body(&r.body),
        })).collect::<Vec<_>>(),
    }))
}
