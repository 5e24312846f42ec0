//! The staff device's API (`docs/requests.md`, "The staff device"), thin: the rules are
//! `staff_devices` (codes, tokens) and `requests` (who may see and answer what, and how), the
//! same ones the hub's `/requests` page goes by.
//!
//! - `POST /api/v1/staff-devices/pair` `{code, label?}`: a one-time pairing code a signed-in
//!   teacher got on `/account/devices` → `201 {token, device, account, expiresAt}`; a wrong,
//!   expired or used code → 401 (counted against the address like a wrong sign-in: 429 when
//!   locked), nothing stored.
//! - `GET /api/v1/staff/requests` with `Authorization: Bearer <token>`: the open requests of the
//!   account's groups (the DSL and deputies: every group), the view audited as on `/requests`.
//! - `POST /api/v1/staff/requests/{id}/answer` `{decision, scope, minutes, note}`: answered as
//!   the account, recorded with the device it came through; 403 another group's, 404 none, 409
//!   answered already, 422 a locked page, 400 a choice that is not an answer.
//!
//! A disconnected or expired token, or an account disabled since, gets 401. These routes take
//! no cookie and set none: the token is not ambient, so a cross-site page cannot use it (and the
//! CSRF guard, `web::security`, rightly leaves `/api/` to its own checks).

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::accounts::{self, Account};
use crate::requests::{self, AnswerChoice, StoredRequest, DEFAULT_MINUTES, MAX_MINUTES};
use crate::roles::{self, Permission, Role};
use crate::router::AppState;
use crate::staff_devices::{self, StaffDevice};
use crate::store::{NewStaffDevice, RequestFilter, Store, StoreError};
use crate::throttle::{self, ThrottleKey};
use crate::web::security::ClientAddress;

/// The largest body these routes read.
const MAX_BODY_BYTES: usize = 4 * 1024;
/// The most open requests listed (as `/requests`).
const LIST_SIZE: i64 = 200;

/// What the staff page says when its token no longer works.
pub const NOT_CONNECTED: &str = "This device is no longer connected: connect it again from the hub";

/// The routes of this area.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/api/v1/staff-devices/pair", post(pair::<S>))
        .route("/api/v1/staff/requests", get(list::<S>))
        .route("/api/v1/staff/requests/{id}/answer", post(answer::<S>))
}

fn refuse(status: StatusCode, why: &str) -> Response {
    (status, Json(json!({ "error": why }))).into_response()
}

fn unavailable(error: StoreError) -> Response {
    tracing::error!(%error, "staff device API: storage failed");
    refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        "the hub cannot reach its database just now: try again in a moment",
    )
}

/// A connected device acting for its account: the bearer token checked, the account enabled and
/// allowed to answer requests.
pub struct StaffCaller {
    /// The device.
    pub device: StaffDevice,
    /// Its account.
    pub account: Account,
    /// The account's role now (not when the device connected).
    pub role: Role,
}

impl<S: Store> FromRequestParts<AppState<S>> for StaffCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState<S>) -> Result<Self, Response> {
        let sent = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let not_connected = || refuse(StatusCode::UNAUTHORIZED, NOT_CONNECTED);
        let Some(token) = staff_devices::bearer(sent) else {
            return Err(not_connected());
        };
        let device = match app
            .store
            .staff_device_by_token(&accounts::token_hash(token), &crate::now())
            .await
        {
            Ok(Some(device)) => device,
            Ok(None) => return Err(not_connected()),
            Err(e) => return Err(unavailable(e)),
        };
        // A disabled account has no devices either.
        let account = match app.store.account(&device.username).await {
            Ok(Some(account)) => account,
            Ok(None) => return Err(not_connected()),
            Err(e) => return Err(unavailable(e)),
        };
        let role = Role::parse(&account.role)
            .filter(|r| roles::allows(*r, Permission::AnswerRequests))
            .ok_or_else(|| {
                tracing::warn!(user = %account.username, device = %device.id, "staff device refused: the role answers no requests");
                refuse(
                    StatusCode::FORBIDDEN,
                    "This account's role does not answer pupils' requests.",
                )
            })?;
        Ok(Self {
            device,
            account,
            role,
        })
    }
}

impl StaffCaller {
    fn via(&self) -> String {
        staff_devices::via(&self.device.id, &self.device.label)
    }
}

#[derive(Deserialize)]
struct PairBody {
    code: String,
    #[serde(default)]
    label: Option<String>,
}

async fn pair<S: Store>(
    State(app): State<AppState<S>>,
    Extension(address): Extension<ClientAddress>,
    body: Bytes,
) -> Response {
    if body.len() > MAX_BODY_BYTES {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "too large");
    }
    let Ok(sent) = serde_json::from_slice::<PairBody>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, "send {\"code\": \"ABCD-EFGH\"}");
    };
    let Some(code) = staff_devices::normalise_code(&sent.code) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "A pairing code is 8 letters and digits, like ABCD-EFGH.",
        );
    };
    let keys = [ThrottleKey::Address(address.0.clone())];
    match app
        .store
        .throttle_locked_until(&keys, throttle::now_millis())
        .await
    {
        Ok(None) => {}
        Ok(Some(_)) => {
            return refuse(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many wrong codes from this address: wait a few minutes, then try again.",
            )
        }
        Err(e) => return unavailable(e),
    }
    let token = staff_devices::new_token();
    let now = chrono::Utc::now();
    let device = NewStaffDevice {
        id: staff_devices::new_device_id(),
        token_hash: accounts::token_hash(&token),
        label: staff_devices::label(sent.label.as_deref()),
        created_at: requests::at(now.timestamp()),
        expires_at: requests::at(now.timestamp() + staff_devices::TOKEN_DAYS * 86_400),
    };
    match app
        .store
        .pair_staff_device(&staff_devices::code_hash(&code), &device)
        .await
    {
        Ok(Some(paired)) => {
            tracing::info!(user = %paired.username, device = %paired.id, "staff device connected");
            (
                StatusCode::CREATED,
                Json(json!({
                    "token": token,
                    "device": { "id": paired.id, "label": paired.label },
                    "account": paired.username,
                    "expiresAt": paired.expires_at,
                })),
            )
                .into_response()
        }
        Ok(None) => {
            tracing::warn!(address = %address.0, "staff device refused: a wrong, expired or used pairing code");
            if let Err(e) = app
                .store
                .throttle_failed(&keys, throttle::now_millis())
                .await
            {
                return unavailable(e);
            }
            refuse(
                StatusCode::UNAUTHORIZED,
                "That pairing code is not right, has expired or was used already: make a new one on the hub.",
            )
        }
        Err(e) => unavailable(e),
    }
}

fn listed(r: &StoredRequest) -> Value {
    let q = &r.request;
    json!({
        "id": q.id,
        "askedAt": q.asked_at,
        "url": q.url,
        "site": q.site,
        "category": q.category,
        "categoryLabel": q.category.as_deref().map_or("uncategorised", schoolgate_core::category::label),
        "reason": q.reason,
        "group": q.group,
        "orgUnit": q.org_unit,
        "user": q.user,
        "device": q.device,
    })
}

async fn list<S: Store>(State(app): State<AppState<S>>, caller: StaffCaller) -> Response {
    let groups = match requests::groups_for(&app.store, &caller.account.username, caller.role).await
    {
        Ok(groups) => groups,
        Err(e) => return unavailable(e),
    };
    let filter = RequestFilter {
        open_only: true,
        groups: groups.clone(),
        limit: LIST_SIZE,
    };
    let open = match app.store.override_requests(&filter).await {
        Ok(open) => open,
        Err(e) => return unavailable(e),
    };
    // The same audit record of the view as `/requests`, naming the device.
    let event = crate::audit::AuditEvent {
        actor: caller.account.username.clone(),
        action: "viewed-requests".to_owned(),
        subject: format!("via {}", caller.via()),
    };
    if let Err(e) = app.store.audit(&event).await {
        return unavailable(e);
    }
    Json(json!({
        "account": caller.account.username,
        "device": { "id": caller.device.id, "label": caller.device.label, "expiresAt": caller.device.expires_at },
        "groups": groups,
        "defaultMinutes": DEFAULT_MINUTES,
        "maxMinutes": MAX_MINUTES,
        "requests": open.iter().map(listed).collect::<Vec<_>>(),
    }))
    .into_response()
}

#[derive(Deserialize)]
struct AnswerBody {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    minutes: Value,
    #[serde(default)]
    note: String,
}

async fn answer<S: Store>(
    State(app): State<AppState<S>>,
    Path(id): Path<String>,
    caller: StaffCaller,
    body: Bytes,
) -> Response {
    if body.len() > MAX_BODY_BYTES {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "too large");
    }
    let Ok(sent) = serde_json::from_slice::<AnswerBody>(&body) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "send {\"decision\": \"approve\"|\"decline\", \"scope\", \"minutes\", \"note\"}",
        );
    };
    let groups = match requests::groups_for(&app.store, &caller.account.username, caller.role).await
    {
        Ok(groups) => groups,
        Err(e) => return unavailable(e),
    };
    let request = match app.store.override_request(&id).await {
        Ok(Some(request)) => request,
        Ok(None) => return refuse(StatusCode::NOT_FOUND, "There is no request with that id."),
        Err(e) => return unavailable(e),
    };
    if !requests::may_answer(groups.as_deref(), &request) {
        tracing::warn!(user = %caller.account.username, device = %caller.device.id, id, "refused: a request from a group this teacher does not teach");
        return refuse(
            StatusCode::FORBIDDEN,
            "This request is from a group you do not teach.",
        );
    }
    let minutes = match &sent.minutes {
        Value::Null => String::new(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return refuse(StatusCode::BAD_REQUEST, "Give the length in whole minutes."),
    };
    let choice = AnswerChoice {
        decision: &sent.decision,
        scope: &sent.scope,
        minutes: &minutes,
        note: &sent.note,
    };
    let answer = match requests::decide(
        &request,
        &choice,
        &caller.account.username,
        Some(caller.via()),
        chrono::Utc::now(),
        app.school_day_end_minute,
    ) {
        Ok(answer) => answer,
        Err(refusal) => {
            let status = match refusal {
                requests::AnswerRefusal::Locked(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::BAD_REQUEST,
            };
            return refuse(status, &refusal.to_string());
        }
    };
    match app.store.answer_request(&id, &answer).await {
        Ok(true) => {
            tracing::info!(id, status = answer.status, by = %caller.account.username, device = %caller.device.id, "pupil's request answered from a staff device");
            let (starts_at, ends_at) = answer.window.clone().unzip();
            Json(json!({
                "id": id,
                "status": answer.status,
                "scope": answer.scope.map(|s| s.as_str()),
                "startsAt": starts_at,
                "endsAt": ends_at,
                "decidedBy": answer.decided_by,
                "via": answer.via,
            }))
            .into_response()
        }
        Ok(false) => refuse(
            StatusCode::CONFLICT,
            "Someone answered this request a moment ago.",
        ),
        Err(e) => unavailable(e),
    }
}
