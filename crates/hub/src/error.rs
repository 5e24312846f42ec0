//! The one place a refusal becomes a status code. A client gets a short reason; nothing the
//! request carried is kept, and a storage failure is answered 503 so the extension tries again.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::ingest::IngestError;

impl IngestError {
    /// The status this refusal is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Signature(_) => StatusCode::UNAUTHORIZED,
            Self::BadHeader(_) | Self::NotJson(_) | Self::HeaderMismatch(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::NotAReport(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for IngestError {
    fn into_response(self) -> Response {
        let status = self.status();
        let reason = match &self {
            Self::Store(e) => {
                tracing::error!(error = %e, "report not stored");
                "storage is unavailable: nothing was stored, try again".to_owned()
            }
            other => {
                tracing::warn!(status = status.as_u16(), reason = %other, "report refused");
                other.to_string()
            }
        };
        (status, Json(serde_json::json!({ "error": reason }))).into_response()
    }
}
