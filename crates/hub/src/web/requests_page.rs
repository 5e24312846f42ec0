//! The teachers' page for "Ask my teacher" (`docs/requests.md`): `/requests` lists the open
//! requests of the groups a teacher teaches (the DSL and deputies: every group), newest first,
//! with the page, why it is blocked, the group and the pupil; each is approved (for this pupil,
//! the group, or the organisational unit, for a time) or declined, with an optional note.
//!
//! Every view is written to the audit log before the page is sent; every answer is written with
//! it, in one transaction (`RequestStore::answer_request`). A page in a locked category can
//! never be approved: refused here with a clear error, whoever asks.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::html;
use serde::Deserialize;

use super::cases::record;
use super::pages::{csrf_field, layout};
use super::when::{when, when_opt};
use super::{guard::forbidden, page, pages, unavailable, Viewer};
use crate::requests::{self, DEFAULT_MINUTES, MAX_MINUTES};
use crate::roles::Permission;
use crate::router::AppState;
use crate::store::{RequestFilter, Store};

/// The most requests the page lists.
pub const PAGE_SIZE: i64 = 200;

/// The routes of this area.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/requests", get(requests_page::<S>))
        .route("/requests/{id}/answer", post(answer::<S>))
}

/// The groups `viewer` answers for: `None` for every group (the DSL and deputies).
async fn groups_of<S: Store>(store: &S, viewer: &Viewer) -> Result<Option<Vec<String>>, Response> {
    viewer.require(Permission::AnswerRequests)?;
    requests::groups_for(store, viewer.username(), viewer.role)
        .await
        .map_err(unavailable)
}

fn message(status: StatusCode, title: &str, text: &str) -> Response {
    page(
        status,
        pages::message(title, text, Some(("/requests", "Pupils' requests"))),
    )
}

async fn requests_page<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    let groups = match groups_of(&app.store, &viewer).await {
        Ok(groups) => groups,
        Err(refused) => return refused,
    };
    let filter = RequestFilter {
        open_only: true,
        groups: groups.clone(),
        limit: PAGE_SIZE,
    };
    let open = match app.store.override_requests(&filter).await {
        Ok(open) => open,
        Err(e) => return unavailable(e),
    };
    let answered = match app
        .store
        .override_requests(&RequestFilter {
            open_only: false,
            ..filter
        })
        .await
    {
        Ok(all) => all
            .into_iter()
            .filter(|r| r.status != "open")
            .take(30)
            .collect::<Vec<_>>(),
        Err(e) => return unavailable(e),
    };
    if let Err(refused) = record(&app.store, viewer.username(), "viewed-requests", "").await {
        return refused;
    }
    let scope_words = groups.as_ref().map_or_else(
        || "every group".to_owned(),
        |g| {
            if g.is_empty() {
                "no group yet: ask the DSL to set the groups you teach on the accounts page"
                    .to_owned()
            } else {
                format!("your groups: {}", super::words::groups(&g.join(",")))
            }
        },
    );
    let body = html! {
        p { "Pupils who pressed \u{201c}Ask my teacher\u{201d} on a block page (" (scope_words) "). An approval opens the site on the pupil's device within seconds while it is awake, and ends on time even if it is offline. Locked lists (IWF, CTIRU) and the school's never-override categories can never be opened." }
        p { "To answer from the staff page of your own Chromebook: " a href="/account/devices" { "Staff devices" } "." }
        @if open.is_empty() {
            p #no-requests { "No open requests." }
        } @else {
            table.cards #open-requests {
                thead { tr { th { "Asked" } th { "Page" } th { "Why it is blocked" } th { "Group" } th { "Pupil" } th { "Answer" } } }
                tbody {
                    @for r in &open {
                        @let q = &r.request;
                        tr data-request=(q.id) {
                            td data-label="Asked" { (when(&q.asked_at)) }
                            td data-label="Page" { code.url { (q.url) } }
                            td data-label="Why it is blocked" { (q.category.as_deref().map(schoolgate_core::category::label).unwrap_or("uncategorised")) @if !q.reason.is_empty() { ": " (q.reason) } }
                            td data-label="Group" { (super::words::group(&q.group)) @if let Some(ou) = &q.org_unit { ", unit " (ou) } }
                            td data-label="Pupil" { (q.user.as_deref().unwrap_or("(no account)")) " on " (q.device) }
                            td data-label="Answer" {
                                form method="post" action={ "/requests/" (q.id) "/answer" } {
                                    (csrf_field())
                                    label { "For " select name="scope" {
                                        option value="pupil" selected { "this pupil" }
                                        option value="group" { "the group " (super::words::group(&q.group)) }
                                        @if let Some(ou) = &q.org_unit { option value="org-unit" { "the organisational unit " (ou) } }
                                    } }
                                    " "
                                    label { "minutes " input name="minutes" type="number" min="1" max=(MAX_MINUTES) value=(DEFAULT_MINUTES); }
                                    " "
                                    label { "note " input name="note" maxlength="500"; }
                                    " "
                                    button type="submit" name="decision" value="approve" { "Approve" }
                                    " "
                                    button type="submit" name="decision" value="decline" { "Decline" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Answered lately" }
        table.cards #answered-requests {
            thead { tr { th { "Asked" } th { "Page" } th { "Group" } th { "Pupil" } th { "Answer" } th { "By" } th { "Scope" } th { "From" } th { "Until" } th { "Note" } } }
            tbody {
                @if answered.is_empty() { tr { td colspan="10" { "Nothing answered lately." } } }
                @for r in &answered {
                    @let q = &r.request;
                    tr data-request=(q.id) {
                        td data-label="Asked" { (when(&q.asked_at)) }
                        td data-label="Page" { code.url { (q.url) } }
                        td data-label="Group" { (super::words::group(&q.group)) }
                        td data-label="Pupil" { (q.user.as_deref().unwrap_or("(no account)")) }
                        td data-label="Answer" { (r.status) }
                        td data-label="By" { (r.decided_by.as_deref().unwrap_or("")) @if let Some(via) = &r.decided_via { " via " (via) } }
                        td data-label="Scope" { (r.scope.as_deref().unwrap_or("")) }
                        td data-label="From" { (when_opt(r.starts_at.as_deref())) }
                        td data-label="Until" { (when_opt(r.ends_at.as_deref())) }
                        td data-label="Note" { (r.note.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
    };
    page(
        StatusCode::OK,
        layout("Pupils' requests", Some(viewer.username()), body),
    )
}

#[derive(Deserialize)]
struct AnswerForm {
    decision: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    note: String,
}

async fn answer<S: Store>(
    State(app): State<AppState<S>>,
    Path(id): Path<String>,
    viewer: Viewer,
    Form(form): Form<AnswerForm>,
) -> Response {
    let groups = match groups_of(&app.store, &viewer).await {
        Ok(groups) => groups,
        Err(refused) => return refused,
    };
    let request = match app.store.override_request(&id).await {
        Ok(Some(request)) => request,
        Ok(None) => {
            return message(
                StatusCode::NOT_FOUND,
                "No such request",
                "There is no request with that id.",
            )
        }
        Err(e) => return unavailable(e),
    };
    if !requests::may_answer(groups.as_deref(), &request) {
        tracing::warn!(user = %viewer.username(), id, "refused: a request from a group this teacher does not teach");
        return forbidden();
    }
    let choice = requests::AnswerChoice {
        decision: &form.decision,
        scope: &form.scope,
        minutes: &form.minutes,
        note: &form.note,
    };
    let answer = match requests::decide(
        &request,
        &choice,
        viewer.username(),
        None,
        chrono::Utc::now(),
        app.school_day_end_minute,
    ) {
        Ok(answer) => answer,
        Err(refusal) => {
            return message(
                StatusCode::BAD_REQUEST,
                refusal.title(),
                &refusal.to_string(),
            )
        }
    };
    match app.store.answer_request(&id, &answer).await {
        Ok(true) => {
            tracing::info!(id, status = answer.status, by = %viewer.username(), "pupil's request answered");
            Redirect::to("/requests").into_response()
        }
        Ok(false) => message(
            StatusCode::CONFLICT,
            "Already answered",
            "Someone answered this request a moment ago: the list shows their answer.",
        ),
        Err(e) => unavailable(e),
    }
}
