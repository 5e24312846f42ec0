//! Every route, thin: each reads the request and hands it to a plain function.
//!
//! - `POST /api/v1/reports`: a report exactly as the extension sends it (`ingest`).
//! - `GET /healthz`: 200 when the database answers, 503 when it does not.
//!
//! Limits on every request (`config::Limits`): a body over `MAX_REPORT_BYTES` is refused with 413 (at once when its
//! Content-Length says so, and as soon as it passes the limit otherwise), a request that takes
//! over `REQUEST_TIMEOUT_SECS` is answered 408 and dropped, and at most
//! `MAX_CONCURRENT_REQUESTS` are worked on at once, so what bad clients send cannot exhaust memory.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tower::limit::ConcurrencyLimitLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Limits;
use crate::ingest::{self, IngestError, ReportHeaders, REPORT_ID_HEADER, REVISION_HEADER};
use crate::signing_keys::SIGNATURE_HEADER;
use crate::store::{IngestOutcome, Store};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState<S: Store> {
    /// The database.
    pub store: S,
    /// Sign-in throttling and how the hub is reached (hubauth: `web::security`).
    pub security: std::sync::Arc<crate::web::security::WebSecurity>,
    /// Tells the DSL by e-mail when a report is stored (tells no one when mail is off).
    pub notifier: crate::notify::Notifier,
    /// The end of the school day (minutes after midnight, Europe/London): approvals end by it.
    pub school_day_end_minute: u32,
    /// How long an active device may send nothing before it is flagged (`serve --silent-after`):
    /// the devices page says the real value.
    pub device_silent_after: std::time::Duration,
}

/// The hub's routes over `store`, held to `limits`.
pub fn router<S: Store>(store: S, limits: Limits) -> Router {
    router_notifying(store, limits, crate::notify::Notifier::default())
}

/// `router`, telling `notifier` about every report stored (hubtest: e-mail to the DSL).
pub fn router_notifying<S: Store>(
    store: S,
    limits: Limits,
    notifier: crate::notify::Notifier,
) -> Router {
    let security = std::sync::Arc::new(crate::web::security::WebSecurity {
        public_scheme: limits.public_scheme,
    });
    Router::new()
        .route("/api/v1/reports", post(receive_report::<S>))
        .route("/healthz", get(healthz::<S>))
        .merge(crate::web::routes::<S>())
        // hubinbox: decisions about a reported page, and the school-wide block list.
        .merge(crate::decisions::routes::<S>())
        // evhub: monitoring events from the devices (docs/events.md).
        .merge(crate::event_routes::routes::<S>())
        // ask: pupils' requests to open a page, and the answers devices fetch (docs/requests.md).
        .merge(crate::request_routes::routes::<S>())
        // staffdev: a teacher's connected device lists and answers their groups' requests.
        .merge(crate::staff_device_routes::routes::<S>())
        .with_state(AppState {
            store,
            security: security.clone(),
            notifier,
            school_day_end_minute: limits.school_day_end_minute,
            device_silent_after: limits.device_silent_after,
        })
        // hubauth: security headers, CSRF and the client's address, for every route.
        .layer(axum::middleware::from_fn_with_state(
            security,
            crate::web::security::guard,
        ))
        // tower-http's limit replaces axum's default one (2 MB), so there is exactly one.
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(ConcurrencyLimitLayer::new(limits.max_concurrent_requests))
        .layer(TraceLayer::new_for_http())
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn receive_report<S: Store>(
    State(app): State<AppState<S>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, IngestError> {
    let report_headers = ReportHeaders {
        signature: header(&headers, SIGNATURE_HEADER),
        id: header(&headers, REPORT_ID_HEADER),
        revision: header(&headers, REVISION_HEADER),
    };
    let outcome = ingest::ingest(&app.store, &report_headers, &body).await?;
    // Both headers were checked against the body by `ingest`.
    let id = report_headers.id.unwrap_or_default();
    let revision = report_headers.revision.unwrap_or_default();
    Ok(match outcome {
        IngestOutcome::Stored => {
            tracing::info!(id, revision, "report stored");
            // After the commit, and without waiting: e-mail never delays or fails the 201.
            app.notifier
                .report_stored(id, revision.parse().unwrap_or_default());
            (StatusCode::CREATED, Json(serde_json::json!({ "status": "stored", "id": id, "revision": revision.parse::<u64>().ok() })))
                .into_response()
        }
        IngestOutcome::Unchanged { stored_revision } => {
            tracing::info!(id, revision, stored_revision, "report already held");
            (
                StatusCode::OK,
                Json(serde_json::json!({ "status": "unchanged", "id": id, "storedRevision": stored_revision })),
            )
                .into_response()
        }
    })
}

async fn healthz<S: Store>(State(app): State<AppState<S>>) -> Response {
    match app.store.ping().await {
        Ok(()) => Json(serde_json::json!({ "status": "ok", "database": app.store.backend() }))
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "database unavailable" })),
            )
                .into_response()
        }
    }
}
