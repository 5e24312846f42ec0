//! A proposal's page with its approvals (`/policy/proposals/{id}`: approve, decline, withdraw) and
//! the school's approval rule and leadership (`/policy/settings`), policyhub (issue 18). Thin: the
//! rules are `policy_change`'s, and the store audits every change.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::pages::{csrf_field, layout};
use super::policy_pages::{approvers_text, diff_markup, in_force, preview_markup, preview_of};
use super::when::{when, when_opt};
use super::{page, unavailable, Viewer};
use crate::policy_change::{self, PolicyChangeError, ProposalState};
use crate::roles::{Permission, Role};
use crate::router::AppState;
use crate::store::{ApproveOutcome, Store, StoreError};

fn not_found() -> Response {
    page(
        StatusCode::NOT_FOUND,
        super::pages::message(
            "No such proposal",
            "There is no policy proposal with that number.",
            Some(("/policy", "The policy")),
        ),
    )
}

async fn may_approve<S: Store>(store: &S, viewer: &Viewer) -> Result<bool, StoreError> {
    let leaders = store.policy_leaders().await?;
    Ok(policy_change::may_approve(
        viewer.role,
        leaders.iter().any(|l| l == viewer.username()),
    ))
}

pub(super) async fn proposal_page<S: Store>(
    State(app): State<AppState<S>>,
    Path(id): Path<i64>,
    viewer: Viewer,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ViewPolicy) {
        return refused;
    }
    let read = async {
        Ok::<_, StoreError>((
            app.store.policy_proposal(id).await?,
            in_force(&app.store).await?,
            may_approve(&app.store, &viewer).await?,
            app.store.policy_second_approval().await?,
        ))
    };
    let (proposal, (_, current), approver, second) = match read.await {
        Ok(read) => read,
        Err(e) => return unavailable(e),
    };
    let Some(p) = proposal else {
        return not_found();
    };
    let preview = if p.state == ProposalState::Proposed {
        match preview_of(&app.store, &p.policy).await {
            Ok(changes) => Some(changes),
            Err(response) => return response,
        }
    } else {
        None
    };
    let open = p.state == ProposalState::Proposed;
    let body = html! {
        p { a href="/policy" { "← The policy in force" } " · " a href="/policy/history" { "History" } }
        table {
            tr { th { "State" } td { (p.state.as_str()) @if let Some(v) = p.version { ": version " (v) ", published " (when_opt(p.published_at.as_deref())) } } }
            tr { th { "Proposed by" } td { (p.proposed_by) ", " (when(&p.proposed_at)) } }
            tr { th { "Reason" } td { (p.reason) } }
            tr { th { "Approved by" } td { (approvers_text(&p)) } }
            @if let Some(by) = &p.closed_by { tr { th { "Closed by" } td { (by) ", " (when_opt(p.closed_at.as_deref())) } } }
        }
        @if open {
            p { "Needs " (policy_change::approvals_needed(second)) " approval(s) in all" @if second { "; the proposer may give only the first" } "." }
            @if approver {
                form method="post" action={ "/policy/proposals/" (p.id) "/approve" } {
                    (csrf_field())
                    button type="submit" { "Approve" }
                }
                form method="post" action={ "/policy/proposals/" (p.id) "/decline" } {
                    (csrf_field())
                    button type="submit" { "Decline" }
                }
            }
            @if p.proposed_by == viewer.username() {
                form method="post" action={ "/policy/proposals/" (p.id) "/withdraw" } {
                    (csrf_field())
                    button type="submit" { "Withdraw" }
                }
            }
        }
        h2 { "Changes to the text in force" }
        (diff_markup(&current, &p.policy))
        @if let Some(preview) = &preview { (preview_markup(preview)) }
    };
    page(
        StatusCode::OK,
        layout(
            &format!("Policy proposal {}", p.id),
            Some(viewer.username()),
            body,
        ),
    )
}

fn refused(error: PolicyChangeError, id: i64) -> Response {
    page(
        StatusCode::CONFLICT,
        super::pages::message(
            "Not approved",
            &error.to_string(),
            Some((&format!("/policy/proposals/{id}"), "Back to the proposal")),
        ),
    )
}

pub(super) async fn approve<S: Store>(
    State(app): State<AppState<S>>,
    Path(id): Path<i64>,
    viewer: Viewer,
) -> Response {
    match may_approve(&app.store, &viewer).await {
        Ok(true) => {}
        Ok(false) => return refused(PolicyChangeError::MayNotApprove, id),
        Err(e) => return unavailable(e),
    }
    match app
        .store
        .approve_policy(id, viewer.username(), &crate::now())
        .await
    {
        Ok(Ok(ApproveOutcome::Published(version))) => {
            tracing::info!(id, version, by = viewer.username(), "policy published");
            Redirect::to(&format!("/policy/proposals/{id}")).into_response()
        }
        Ok(Ok(ApproveOutcome::Approved)) => {
            Redirect::to(&format!("/policy/proposals/{id}")).into_response()
        }
        Ok(Err(error)) => refused(error, id),
        Err(e) => unavailable(e),
    }
}

async fn close<S: Store>(
    app: &AppState<S>,
    id: i64,
    viewer: &Viewer,
    state: ProposalState,
) -> Response {
    let proposal = match app.store.policy_proposal(id).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(),
        Err(e) => return unavailable(e),
    };
    let allowed = match state {
        ProposalState::Withdrawn => proposal.proposed_by == viewer.username(),
        _ => match may_approve(&app.store, viewer).await {
            Ok(allowed) => allowed,
            Err(e) => return unavailable(e),
        },
    };
    if !allowed {
        let why = match state {
            ProposalState::Withdrawn => PolicyChangeError::NotTheProposer,
            _ => PolicyChangeError::MayNotApprove,
        };
        return refused(why, id);
    }
    match app
        .store
        .close_policy_proposal(id, state, viewer.username(), &crate::now())
        .await
    {
        Ok(true) => Redirect::to(&format!("/policy/proposals/{id}")).into_response(),
        Ok(false) => refused(PolicyChangeError::NotOpen(id), id),
        Err(e) => unavailable(e),
    }
}

pub(super) async fn decline<S: Store>(
    State(app): State<AppState<S>>,
    Path(id): Path<i64>,
    viewer: Viewer,
) -> Response {
    close(&app, id, &viewer, ProposalState::Declined).await
}

pub(super) async fn withdraw<S: Store>(
    State(app): State<AppState<S>>,
    Path(id): Path<i64>,
    viewer: Viewer,
) -> Response {
    close(&app, id, &viewer, ProposalState::Withdrawn).await
}

pub(super) async fn settings_page<S: Store>(
    State(app): State<AppState<S>>,
    viewer: Viewer,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ManagePolicySettings) {
        return refused;
    }
    let read = async {
        Ok::<_, StoreError>((
            app.store.policy_second_approval().await?,
            app.store.policy_leaders().await?,
            app.store.account_list().await?,
        ))
    };
    let (second, leaders, accounts) = match read.await {
        Ok(read) => read,
        Err(e) => return unavailable(e),
    };
    let body = html! {
        p { a href="/policy" { "← The policy" } }
        form method="post" action="/policy/settings" {
            (csrf_field())
            fieldset {
                legend { "The school's rule" }
                label { input type="checkbox" name="second_approval" value="on" checked[second]; " Changes need a second person's approval (recommended: the proposer can then give only the first)" }
            }
            fieldset {
                legend { "Leadership: these accounts may approve policy changes whatever their role" }
                p { "The DSL and deputies always may. Mark, for example, the head teacher's governor account." }
                @for account in accounts.iter().filter(|a| a.disabled_at.is_none()) {
                    @let role = Role::parse(&account.role).map_or(account.role.as_str(), |r| r.label());
                    label { input type="checkbox" name="leader" value=(account.username) checked[leaders.contains(&account.username)]; " " (account.username) " — " (role) }
                }
            }
            button type="submit" { "Save" }
        }
    };
    page(
        StatusCode::OK,
        layout(
            "Policy approval rule and leadership",
            Some(viewer.username()),
            body,
        ),
    )
}

pub(super) async fn settings_submit<S: Store>(
    State(app): State<AppState<S>>,
    viewer: Viewer,
    body: axum::body::Bytes,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ManagePolicySettings) {
        return refused;
    }
    // Repeated `leader` fields: read as pairs (serde's structs take one value per name).
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let second = fields
        .iter()
        .any(|(k, v)| k == "second_approval" && v == "on");
    let marked: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "leader")
        .map(|(_, v)| v.as_str())
        .collect();
    let at = crate::now();
    let work = async {
        if app.store.policy_second_approval().await? != second {
            app.store
                .set_policy_second_approval(second, viewer.username(), &at)
                .await?;
        }
        let accounts = app.store.account_list().await?;
        let leaders = app.store.policy_leaders().await?;
        for account in &accounts {
            let want = marked.contains(&account.username.as_str());
            if want != leaders.contains(&account.username) {
                app.store
                    .set_policy_leader(&account.username, want, viewer.username(), &at)
                    .await?;
            }
        }
        Ok::<_, StoreError>(())
    };
    match work.await {
        Ok(()) => Redirect::to("/policy/settings").into_response(),
        Err(e) => unavailable(e),
    }
}
