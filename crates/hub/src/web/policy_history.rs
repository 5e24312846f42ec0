//! The policy's history (policyhub, issue 18): every version and proposal with who proposed, who
//! approved (every name), when and why, a diff against the version before, one-click rollback
//! (a new proposal with the old text, through the same approvals), the change-control log as CSV
//! and as a printable page for the annual review; and the signed bundle devices fetch,
//! `GET /api/v1/policy` (docs/policy-bundle.md).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use maud::html;
use serde::Deserialize;

use super::cases::record;
use super::pages::{csrf_field, layout};
use super::policy_pages::diff_markup;
use super::when::{exact, exact_opt, when, when_opt};
use super::{page, unavailable, Viewer};
use crate::policy_bundle::{self, Payload, PAYLOAD_FORMAT, POLICY_PATH};
use crate::policy_change::{self, Proposal, ProposalState};
use crate::roles::Permission;
use crate::router::AppState;
use crate::store::Store;

/// The routes of this area.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/policy/history", get(history_page::<S>))
        .route("/policy/history/print", get(print_page::<S>))
        .route("/policy/history.csv", get(history_csv::<S>))
        .route("/policy/rollback", post(rollback::<S>))
        .route(POLICY_PATH, get(bundle::<S>))
}

/// Published versions newest first, then the proposals that were never published.
fn in_order(mut all: Vec<Proposal>) -> Vec<Proposal> {
    all.sort_by(|a, b| b.version.cmp(&a.version).then(b.id.cmp(&a.id)));
    all
}

async fn history_page<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require(Permission::ViewPolicy) {
        return refused;
    }
    let all = match app.store.policy_proposals().await {
        Ok(all) => all,
        Err(e) => return unavailable(e),
    };
    let may_propose = viewer.role_allows(Permission::ProposePolicy);
    let current = all
        .iter()
        .filter(|p| p.state == ProposalState::Published)
        .filter_map(|p| p.version)
        .max();
    let body = html! {
        nav { p {
            a href="/policy" { "← The policy in force" } " · "
            a href="/policy/history.csv" { "Download the change-control log (CSV)" } " · "
            a href="/policy/history/print" { "Printable log for the annual review" }
        } }
        @if all.is_empty() { p { "No policy has been proposed yet." } }
        @for p in &in_order(all.clone()) {
            section {
                h2 {
                    @if let Some(v) = p.version { "Version " (v) @if Some(v) == current { " (in force)" } }
                    @else { "Proposal " (p.id) " (" (p.state.words()) ")" }
                }
                table {
                    tr { th { "Proposed by" } td { (p.proposed_by) ", " (when(&p.proposed_at)) " — " a href={ "/policy/proposals/" (p.id) } { "proposal " (p.id) } } }
                    tr { th { "Reason" } td { (p.reason) } }
                    tr { th { "Approved by" } td { @if p.approvals.is_empty() { "nobody" } @else {
                        @for (i, a) in p.approvals.iter().enumerate() { @if i > 0 { " and " } strong { (a.approver) } " (" (when(&a.at)) ")" }
                    } } }
                    @if let Some(at) = &p.published_at { tr { th { "Published" } td { (when(at)) } } }
                    @if let Some(by) = &p.closed_by { tr { th { "Closed by" } td { (by) ", " (when_opt(p.closed_at.as_deref())) } } }
                    @if let Some(v) = p.rollback_of { tr { th { "Rollback" } td { "restores version " (v) } } }
                }
                details {
                    summary { "Changes against the version before" }
                    (diff_markup(policy_change::previous_published(&all, p).map_or("", |v| v.policy.as_str()), &p.policy))
                }
                @if let (true, Some(v)) = (may_propose, p.version) {
                    @if Some(v) != current {
                        form method="post" action="/policy/rollback" {
                            (csrf_field())
                            input type="hidden" name="version" value=(v);
                            label { "Reason " input name="reason" value=(policy_change::rollback_reason(v)) size="40"; }
                            button type="submit" { "Roll back to version " (v) }
                        }
                    }
                }
            }
        }
    };
    page(
        StatusCode::OK,
        layout("Policy history", Some(viewer.username()), body),
    )
}

async fn print_page<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require(Permission::ViewPolicy) {
        return refused;
    }
    let all = match app.store.policy_proposals().await {
        Ok(all) => all,
        Err(e) => return unavailable(e),
    };
    if let Err(response) = record(
        &app.store,
        viewer.username(),
        "exported-policy-log",
        "print",
    )
    .await
    {
        return response;
    }
    let mut oldest_first = all.clone();
    oldest_first.sort_by_key(|p| p.id);
    let body = html! {
        p { "Every proposed change to the school's policy, oldest first: who proposed it, why, who approved it and when, and what changed. Printed " (exact(&crate::now())) "." }
        table {
            thead { tr { th { "Proposal" } th { "Version" } th { "State" } th { "Proposed" } th { "Reason" } th { "Approved by" } th { "Published" } } }
            tbody { @for p in &oldest_first {
                tr {
                    td { (p.id) } td { (p.version.map(|v| v.to_string()).unwrap_or_default()) } td { (p.state.words()) }
                    td { (p.proposed_by) ", " (exact(&p.proposed_at)) } td { (p.reason) }
                    td { @for (i, a) in p.approvals.iter().enumerate() { @if i > 0 { "; " } (a.approver) " (" (exact(&a.at)) ")" } }
                    td { (exact_opt(p.published_at.as_deref())) }
                }
            } }
        }
        @for p in &oldest_first {
            h2 { "Proposal " (p.id) @if let Some(v) = p.version { ", version " (v) } }
            (diff_markup(policy_change::previous_published(&all, p).map_or("", |v| v.policy.as_str()), &p.policy))
        }
    };
    page(
        StatusCode::OK,
        layout("Policy change-control log", Some(viewer.username()), body),
    )
}

async fn history_csv<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require(Permission::ViewPolicy) {
        return refused;
    }
    let all = match app.store.policy_proposals().await {
        Ok(all) => all,
        Err(e) => return unavailable(e),
    };
    if let Err(response) = record(&app.store, viewer.username(), "exported-policy-log", "csv").await
    {
        return response;
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"policy-change-log.csv\"",
            ),
        ],
        policy_change::history_csv(&all),
    )
        .into_response()
}

#[derive(Deserialize)]
struct RollbackForm {
    version: i64,
    #[serde(default)]
    reason: String,
}

async fn rollback<S: Store>(
    State(app): State<AppState<S>>,
    viewer: Viewer,
    Form(form): Form<RollbackForm>,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ProposePolicy) {
        return refused;
    }
    let all = match app.store.policy_proposals().await {
        Ok(all) => all,
        Err(e) => return unavailable(e),
    };
    let Some(old) = all.iter().find(|p| p.version == Some(form.version)) else {
        return page(
            StatusCode::NOT_FOUND,
            super::pages::message(
                "No such version",
                &policy_change::PolicyChangeError::NoSuchVersion(form.version).to_string(),
                Some(("/policy/history", "History")),
            ),
        );
    };
    let reason = if form.reason.trim().is_empty() {
        policy_change::rollback_reason(form.version)
    } else {
        form.reason.clone()
    };
    let proposal = match policy_change::propose(
        &old.policy,
        &reason,
        viewer.username(),
        &crate::now(),
        Some(form.version),
    ) {
        Ok(proposal) => proposal,
        Err(error) => {
            return page(
                StatusCode::BAD_REQUEST,
                super::pages::message(
                    "Not proposed",
                    &error.to_string(),
                    Some(("/policy/history", "History")),
                ),
            )
        }
    };
    match app.store.add_policy_proposal(&proposal).await {
        Ok(id) => Redirect::to(&format!("/policy/proposals/{id}")).into_response(),
        Err(e) => unavailable(e),
    }
}

fn json_error(status: StatusCode, why: &str) -> Response {
    (status, Json(serde_json::json!({ "error": why }))).into_response()
}

/// Whether an `If-None-Match` header names `etag` (or `*`).
fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

async fn bundle<S: Store>(State(app): State<AppState<S>>, headers: HeaderMap) -> Response {
    let published = match app.store.published_policy().await {
        Ok(Some(p)) => p,
        Ok(None) => return json_error(StatusCode::NOT_FOUND, "no policy has been published yet"),
        Err(error) => {
            tracing::error!(%error, "policy bundle: storage failed");
            return json_error(StatusCode::SERVICE_UNAVAILABLE, "database unavailable");
        }
    };
    let version = published.version.unwrap_or_default();
    let etag = format!("\"v{version}\"");
    let mut response = if matches_etag(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let key = match app.store.policy_bundle_key().await {
            Ok(key) => key,
            Err(error) => {
                tracing::error!(%error, "policy bundle: no signing key");
                return json_error(StatusCode::SERVICE_UNAVAILABLE, "database unavailable");
            }
        };
        let school = schoolgate_core::policy::Policy::from_toml(&published.policy)
            .map(|p| p.school().name.clone())
            .unwrap_or_default();
        let payload = Payload {
            format: PAYLOAD_FORMAT.into(),
            version,
            published_at: policy_bundle::published_at(
                published.published_at.as_deref().unwrap_or_default(),
            ),
            school,
            policy: published.policy.clone(),
            reason: published.reason.clone(),
            approved_by: published.approvers(),
        };
        (StatusCode::OK, Json(key.sign(&payload))).into_response()
    };
    let h = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, value);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
