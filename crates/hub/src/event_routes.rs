//! The events routes, thin: `POST /api/v1/events` reads the request and hands it to
//! `events::ingest`; a refusal becomes its status code here (`docs/events.md`, "The request").

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use tower_http::limit::RequestBodyLimitLayer;

use crate::events::{self, EventsError, BATCH_HEADER, MAX_BATCH_BYTES};
use crate::router::AppState;
use crate::signing_keys::SIGNATURE_HEADER;
use crate::store::{BatchOutcome, Store};

/// The events API.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    // A batch is read no further than its limit: over it is 413, whatever the hub's own limit.
    Router::new().route(
        "/api/v1/events",
        post(receive_events::<S>).layer(RequestBodyLimitLayer::new(MAX_BATCH_BYTES)),
    )
}

impl EventsError {
    /// The status this refusal is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Signature(_) => StatusCode::UNAUTHORIZED,
            Self::BadHeader(_) | Self::NotJson(_) | Self::HeaderMismatch => StatusCode::BAD_REQUEST,
            Self::NotABatch(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for EventsError {
    fn into_response(self) -> Response {
        let status = self.status();
        let reason = match &self {
            Self::Store(e) => {
                tracing::error!(error = %e, "event batch not stored");
                "storage is unavailable: nothing was stored, try again".to_owned()
            }
            other => {
                // The reason names fields, never their values beyond an event id.
                tracing::warn!(status = status.as_u16(), reason = %other, "event batch refused");
                other.to_string()
            }
        };
        (status, Json(serde_json::json!({ "error": reason }))).into_response()
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn receive_events<S: Store>(
    State(app): State<AppState<S>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, EventsError> {
    let (batch, outcome) = events::ingest(
        &app.store,
        header(&headers, SIGNATURE_HEADER),
        header(&headers, BATCH_HEADER),
        &body,
    )
    .await?;
    Ok(match outcome {
        BatchOutcome::Stored {
            events,
            alerts,
            failed_checks,
        } => {
            tracing::info!(batch = %batch.batch, events, "event batch stored");
            // A failed filter check: the IT lead is told at once (a link only, capped).
            crate::monitor::tell_failed_checks(&app.notifier, &failed_checks);
            if !alerts.is_empty() {
                // After the commit, and without waiting: e-mail never delays or fails the 201.
                let (store, notifier) = (app.store.clone(), app.notifier.clone());
                tokio::spawn(async move {
                    crate::monitor::tell_alerts(&store, &notifier, &alerts).await;
                });
            }
            (
                StatusCode::CREATED,
                Json(serde_json::json!({ "status": "stored", "batch": batch.batch, "events": events })),
            )
                .into_response()
        }
        BatchOutcome::AlreadyStored => {
            tracing::info!(batch = %batch.batch, "event batch already held");
            (
                StatusCode::OK,
                Json(serde_json::json!({ "status": "unchanged", "batch": batch.batch })),
            )
                .into_response()
        }
    })
}
