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
use crate::policy_change::{self, PolicyChangeError, Proposal, ProposalState};
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

/// How far a proposal waiting for approval has got, and what is still needed, in words.
fn approvals_status(p: &Proposal, second: bool) -> String {
    let needed = policy_change::approvals_needed(second);
    let given = p.approvals.len();
    let more = needed.saturating_sub(given);
    let mut text = format!(
        "{given} of {needed} approval{} given; {more} more needed.",
        if needed == 1 { "" } else { "s" }
    );
    if second && more > 0 {
        let others: Vec<&str> = p.approvals.iter().map(|a| a.approver.as_str()).collect();
        let mut not: Vec<&str> = vec![p.proposed_by.as_str()];
        not.extend(others.iter().filter(|a| **a != p.proposed_by));
        text.push_str(&format!(
            " The approval that publishes it must come from someone other than {}.",
            not.join(" and ")
        ));
    }
    text
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
            tr { th { "State" } td { (p.state.words()) @if let Some(v) = p.version { ": version " (v) ", published " (when_opt(p.published_at.as_deref())) } } }
            tr { th { "Proposed by" } td { (p.proposed_by) ", " (when(&p.proposed_at)) } }
            tr { th { "Reason" } td { (p.reason) } }
            tr { th { "Approved by" } td { (approvers_text(&p)) } }
            @if let Some(by) = &p.closed_by { tr { th { "Closed by" } td { (by) ", " (when_opt(p.closed_at.as_deref())) } } }
        }
        @if open {
            p { (approvals_status(&p, second)) }
            @if approver {
                // Each viewer is told what their own approval would do, or why they cannot give
                // one, by the same check the approval itself goes through.
                @match policy_change::check_approval(&p, viewer.username(), second) {
                    Ok(publishes) => form method="post" action={ "/policy/proposals/" (p.id) "/approve" } {
                        (csrf_field())
                        button type="submit" { @if publishes { "Approve and publish" } @else { "Approve (the first of two approvals)" } }
                    },
                    Err(why) => p.approval-refused { "You cannot approve it: " (why) "." },
                }
                form method="post" action={ "/policy/proposals/" (p.id) "/decline" } {
                    (csrf_field())
                    button type="submit" { "Decline" }
                }
            } @else {
                p { "Your account cannot approve policy changes: the DSL, deputies and the accounts marked as leadership on " a href="/policy/settings" { "the approval rule" } " can." }
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
