//! The device's side of "Ask my teacher" (`docs/requests.md`), thin:
//!
//! - `POST /api/v1/requests`: a pupil's request, signed like an event batch (HMAC-SHA256 of the
//!   body with the report-signing key); 201 stored, 200 already held, 422 for a page nobody may
//!   open (a locked category) or a body that is not a request.
//! - `GET /api/v1/requests/answers?device=…&group=…[&user=…][&orgUnit=…]`: the answers for this
//!   device, signed like a report's decision (`requests::answers_message`, with
//!   `X-Schoolgate-Time`), so only a device holding a key the hub accepts learns anything.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tower_http::limit::RequestBodyLimitLayer;

use crate::decisions::{MAX_CLOCK_SKEW_SECS, TIME_HEADER};
use crate::requests::{self, RequestError, MAX_REQUEST_BYTES, OWN_ANSWERS_HOURS};
use crate::router::AppState;
use crate::signing_keys::valid_id;
use crate::signing_keys::{self, SIGNATURE_HEADER};
use crate::store::{AnswersFor, Store};

/// The routes of this area.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route(
            "/api/v1/requests",
            post(receive_request::<S>).layer(RequestBodyLimitLayer::new(MAX_REQUEST_BYTES)),
        )
        .route("/api/v1/requests/answers", get(answers::<S>))
}

impl RequestError {
    /// The status this refusal is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Signature(_) => StatusCode::UNAUTHORIZED,
            Self::NotARequest(_) | Self::Locked(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for RequestError {
    fn into_response(self) -> Response {
        let status = self.status();
        let reason = match &self {
            Self::Store(e) => {
                tracing::error!(error = %e, "request not stored");
                "storage is unavailable: nothing was stored, try again".to_owned()
            }
            other => {
                tracing::warn!(status = status.as_u16(), reason = %other, "request refused");
                other.to_string()
            }
        };
        (status, Json(serde_json::json!({ "error": reason }))).into_response()
    }
}

fn refuse(status: StatusCode, why: &str) -> Response {
    (status, Json(serde_json::json!({ "error": why }))).into_response()
}

async fn receive_request<S: Store>(
    State(app): State<AppState<S>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, RequestError> {
    if body.len() > MAX_REQUEST_BYTES {
        return Err(RequestError::TooLarge);
    }
    let keys = app.store.active_signing_keys().await?;
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    let key = signing_keys::check(&keys, signature, &body)?;
    let request = requests::read_request(&body, &key.label, &crate::now())?;
    let stored = app.store.store_request(&request).await?;
    tracing::info!(id = %request.id, stored, "pupil's request received");
    let (status, word) = if stored {
        (StatusCode::CREATED, "stored")
    } else {
        (StatusCode::OK, "unchanged")
    };
    Ok((
        status,
        Json(serde_json::json!({ "status": word, "id": request.id })),
    )
        .into_response())
}

#[derive(Deserialize)]
struct AnswersQuery {
    device: String,
    group: String,
    #[serde(default)]
    user: String,
    #[serde(default, rename = "orgUnit")]
    org_unit: String,
}

async fn answers<S: Store>(
    State(app): State<AppState<S>>,
    Query(query): Query<AnswersQuery>,
    headers: HeaderMap,
) -> Response {
    let read = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(mac) = read(SIGNATURE_HEADER).and_then(signing_keys::parse_signature) else {
        return refuse(StatusCode::UNAUTHORIZED, "missing or malformed signature");
    };
    let Some(time) = read(TIME_HEADER).and_then(|t| t.trim().parse::<i64>().ok()) else {
        return refuse(StatusCode::UNAUTHORIZED, "missing or malformed time");
    };
    let now = chrono::Utc::now();
    if (now.timestamp() - time).abs() > MAX_CLOCK_SKEW_SECS {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "the time is too far from the hub's",
        );
    }
    if !valid_id(&query.device) || query.group.is_empty() || query.group.len() > 64 {
        return refuse(
            StatusCode::BAD_REQUEST,
            "a device id and a group are needed",
        );
    }
    let keys = match app.store.active_signing_keys().await {
        Ok(keys) => keys,
        Err(_) => return refuse(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    };
    let message = requests::answers_message(
        &query.device,
        &query.user,
        &query.group,
        &query.org_unit,
        time,
    );
    if signing_keys::verify(&keys, message.as_bytes(), &mac).is_none() {
        return refuse(StatusCode::UNAUTHORIZED, "bad signature");
    }
    let own_since = requests::at(now.timestamp() - OWN_ANSWERS_HOURS * 3600);
    let now_text = crate::now();
    let who = AnswersFor {
        device: &query.device,
        user: Some(query.user.as_str()).filter(|u| !u.is_empty()),
        group: &query.group,
        org_unit: Some(query.org_unit.as_str()).filter(|o| !o.is_empty()),
        own_since: &own_since,
        now: &now_text,
    };
    match app.store.answers_for(&who).await {
        Ok(found) => {
            // Belt and braces: a request in a locked category is never stored, and never served.
            let answers: Vec<_> = found
                .iter()
                .filter(|(r, _)| requests::refusal(r.request.category.as_deref()).is_none())
                .map(|(request, own)| requests::device_answer(request, *own))
                .collect();
            Json(serde_json::json!({ "now": now_text, "answers": answers })).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "answers: storage failed");
            refuse(StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
