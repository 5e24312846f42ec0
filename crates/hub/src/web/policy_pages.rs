//! The policy's pages (policyhub, issue 18): the version in force (`/policy`) and the editor with
//! the form for common changes and a preview for each group (`/policy/edit`); a proposal's page
//! and the approval rule are `policy_approval`'s, the history `policy_history`'s. Thin: the rules are `policy_change`, `policy_form` and
//! `policy_preview`'s, the rows `store::PolicyStore`'s; every change is audited by the store.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;

use super::pages::{csrf_field, layout};
use super::policy_approval as approval;
use super::when::{when, when_opt};
use super::{page, unavailable, Viewer};
use crate::policy_change::{self, DiffLine, Proposal, ProposalState};
use crate::policy_form::{self, FormEdit};
use crate::policy_preview::{self, GroupChange, SeenPage};
use crate::roles::Permission;
use crate::router::AppState;
use crate::store::{EventFilter, Store, StoreError};

/// The most events of one kind the preview reads (the newest are read first).
pub const MAX_PREVIEW_EVENTS: usize = 20_000;

/// The routes of this area.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/policy", get(policy_page::<S>))
        .route("/policy/edit", get(edit_page::<S>).post(edit_submit::<S>))
        .route("/policy/proposals/{id}", get(approval::proposal_page::<S>))
        .route(
            "/policy/proposals/{id}/approve",
            post(approval::approve::<S>),
        )
        .route(
            "/policy/proposals/{id}/decline",
            post(approval::decline::<S>),
        )
        .route(
            "/policy/proposals/{id}/withdraw",
            post(approval::withdraw::<S>),
        )
        .route(
            "/policy/settings",
            get(approval::settings_page::<S>).post(approval::settings_submit::<S>),
        )
        .merge(super::policy_history::routes::<S>())
}

/// The policy in force: the newest published version, or the built-in policy before the first.
pub(super) async fn in_force<S: Store>(
    store: &S,
) -> Result<(Option<Proposal>, String), StoreError> {
    Ok(match store.published_policy().await? {
        Some(p) => {
            let text = p.policy.clone();
            (Some(p), text)
        }
        None => (None, schoolgate_core::policy::BUILTIN_TOML.to_owned()),
    })
}

/// The school's blocked and visited pages of the last `EVENT_DAYS` days, newest first.
async fn recent_pages<S: Store>(store: &S) -> Result<Vec<SeenPage>, StoreError> {
    let from = (chrono::Utc::now() - chrono::Duration::days(policy_preview::EVENT_DAYS))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut pages = Vec::new();
    for kind in ["blocked", "visit"] {
        let mut filter = EventFilter {
            kind: Some(kind.to_owned()),
            from: Some(from.clone()),
            limit: 1000,
            ..Default::default()
        };
        let mut read = 0;
        while read < MAX_PREVIEW_EVENTS {
            let events = store.events(&filter).await?;
            let Some(last) = events.last() else { break };
            filter.before = Some((last.at.clone(), last.seq));
            read += events.len();
            pages.extend(events.iter().filter_map(SeenPage::from_event));
        }
    }
    Ok(pages)
}

/// The preview of `proposed` against the policy in force, per group.
pub(super) async fn preview_of<S: Store>(
    store: &S,
    proposed: &str,
) -> Result<Vec<GroupChange>, Response> {
    let (_, current) = in_force(store).await.map_err(unavailable)?;
    let pages = recent_pages(store).await.map_err(unavailable)?;
    let (Ok(current), Ok(proposed)) = (
        schoolgate_core::policy::Policy::from_toml(&current),
        schoolgate_core::policy::Policy::from_toml(proposed),
    ) else {
        return Ok(Vec::new());
    };
    Ok(policy_preview::preview(
        &current,
        &proposed,
        &pages,
        chrono::Utc::now().timestamp(),
    ))
}

/// The preview as a table per group.
pub(super) fn preview_markup(changes: &[GroupChange]) -> Markup {
    html! {
        h2 { "What this changes, for each group" }
        p { "Judged by the filter's own code: the sample of " (policy_preview::sample().len()) " ordinary, learning and blocked-category addresses now, and the school's own blocked and visited pages of the last " (policy_preview::EVENT_DAYS) " days at the time each was tried. Pages on a locked (illegal-content) list stay blocked whatever a policy says." }
        table {
            thead { tr { th { "Group" } th { "This week's pages pupils tried" } th { "Sample addresses" } } }
            tbody {
                @for change in changes {
                    tr.flagged[!change.is_empty()] {
                        th scope="row" { (change.label) " (" (change.group) ")" }
                        td {
                            @if change.events_unblocked == 0 && change.events_blocked == 0 {
                                p { "No change to the pages " (change.who()) " tried or visited this week." }
                            } @else {
                                p { strong { "This would unblock " (super::words::count(change.events_unblocked as u64, "page", "pages")) " " (change.label) " " (change.who()) " tried this week" } " and block " (change.events_blocked) " they visited." }
                            }
                            @if change.locked_kept > 0 { p { (super::words::count(change.locked_kept as u64, "blocked page stays", "blocked pages stay")) " blocked: a locked list blocks them." } }
                            @if !change.unblocked_hosts.is_empty() {
                                p { "Unblocked: " @for (i, (host, n)) in change.unblocked_hosts.iter().enumerate() { @if i > 0 { ", " } (host) " (" (n) ")" } }
                            }
                            @if !change.blocked_hosts.is_empty() {
                                p { "Blocked: " @for (i, (host, n)) in change.blocked_hosts.iter().enumerate() { @if i > 0 { ", " } (host) " (" (n) ")" } }
                            }
                        }
                        td {
                            p { (change.sample_unblocked.len()) " unblocked, " (change.sample_blocked.len()) " blocked." }
                            @if !change.sample_unblocked.is_empty() { p.url { "Unblocked: " (change.sample_unblocked.join(", ")) } }
                            @if !change.sample_blocked.is_empty() { p.url { "Blocked: " (change.sample_blocked.join(", ")) } }
                        }
                    }
                }
            }
        }
    }
}

/// A line diff as a list (`+`/`-` marked, for screen readers too).
/// Unchanged lines shown on each side of a change.
const DIFF_CONTEXT: usize = 3;

/// A line of a diff as shown, or a run of unchanged lines left out.
enum Shown<'a> {
    Line(&'a DiffLine),
    Skipped(usize),
}

/// The changed lines with `DIFF_CONTEXT` unchanged lines around each, the rest counted: a
/// person approving a one-line change reads that line, not the whole policy.
fn diff_context(lines: &[DiffLine]) -> Vec<Shown<'_>> {
    let near_change = |i: usize| {
        let from = i.saturating_sub(DIFF_CONTEXT);
        let to = (i + DIFF_CONTEXT + 1).min(lines.len());
        lines[from..to]
            .iter()
            .any(|l| !matches!(l, DiffLine::Same(_)))
    };
    let mut shown = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if near_change(i) {
            shown.push(Shown::Line(line));
        } else if let Some(Shown::Skipped(n)) = shown.last_mut() {
            *n += 1;
        } else {
            shown.push(Shown::Skipped(1));
        }
    }
    shown
}

pub(super) fn diff_markup(old: &str, new: &str) -> Markup {
    let lines = policy_change::diff_lines(old, new);
    let changed = lines
        .iter()
        .filter(|l| !matches!(l, DiffLine::Same(_)))
        .count();
    html! {
        @if changed == 0 { p { "No change to the text." } } @else {
            pre { @for shown in diff_context(&lines) {
                @match shown {
                    Shown::Line(DiffLine::Same(l)) => { "  " (l) "\n" }
                    Shown::Line(DiffLine::Removed(l)) => { del { "- " (l) } "\n" }
                    Shown::Line(DiffLine::Added(l)) => { ins { "+ " (l) } "\n" }
                    Shown::Skipped(n) => { span.skipped { "  … " (n) " unchanged line" @if n > 1 { "s" } " …" } "\n" }
                }
            } }
        }
    }
}

pub(super) fn approvers_text(p: &Proposal) -> Markup {
    html! {
        @if p.approvals.is_empty() { "nobody yet" }
        @for (i, a) in p.approvals.iter().enumerate() { @if i > 0 { ", " } (a.approver) " (" (when(&a.at)) ")" }
    }
}

async fn policy_page<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require(Permission::ViewPolicy) {
        return refused;
    }
    let read = async {
        Ok::<_, StoreError>((
            in_force(&app.store).await?,
            app.store.policy_proposals().await?,
            app.store.policy_second_approval().await?,
        ))
    };
    let ((published, text), proposals, second) = match read.await {
        Ok(read) => read,
        Err(e) => return unavailable(e),
    };
    let waiting: Vec<&Proposal> = proposals
        .iter()
        .filter(|p| p.state == ProposalState::Proposed)
        .collect();
    let may_propose = viewer.role_allows(Permission::ProposePolicy);
    let body = html! {
        nav { p {
            @if may_propose { a href="/policy/edit" { "Propose a change" } " · " }
            a href="/policy/history" { "History, approvals and rollback" } " · "
            a href="/policy/history.csv" { "Change-control log (CSV)" }
            @if viewer.role_allows(Permission::ManagePolicySettings) { " · " a href="/policy/settings" { "Approval rule and leadership" } }
        } }
        @match &published {
            Some(p) => {
                p { "In force: " strong { "version " (p.version.unwrap_or_default()) } ", published " (when_opt(p.published_at.as_deref())) ", proposed by " (p.proposed_by) ", approved by " (p.approvers().join(" and ")) ". Reason: " (p.reason) }
                p { "Chromebooks with " code { "hubUrl" } " and " code { "hubPolicyKey" } " set fetch it, signed, from " code { "/api/v1/policy" } "." }
            }
            None => {
                p { "No policy has been published from the hub yet: the Chromebooks use the policy in the Admin console. The text below is Schoolgate's built-in policy. Start by proposing the school's current managed policy (paste it in the editor, or " code { "schoolgate-hub policy import FILE --reason …" } ")." }
            }
        }
        p { "Changes need " @if second { strong { "two people's approval" } " (the proposer may give only the first)." } @else { strong { "one approval" } "." } }
        h2 { "Waiting for approval: " (waiting.len()) }
        @if waiting.is_empty() { p { "None." } } @else {
            ul { @for p in &waiting {
                li { a href={ "/policy/proposals/" (p.id) } { "Proposal " (p.id) } " by " (p.proposed_by) ", " (when(&p.proposed_at)) ": " (p.reason) " — approved by " (approvers_text(p)) }
            } }
        }
        h2 { "The policy text in force" }
        pre { (text) }
    };
    page(
        StatusCode::OK,
        layout("School policy", Some(viewer.username()), body),
    )
}

/// What the editor shows.
#[derive(Default)]
struct EditView {
    text: String,
    reason: String,
    error: Option<String>,
    notice: Option<String>,
    preview: Option<Vec<GroupChange>>,
}

fn edit_markup(viewer: &Viewer, groups: &[String], view: &EditView) -> Markup {
    let body = html! {
        p { a href="/policy" { "← The policy in force" } }
        // The core's problems are one a line, each naming its line and key: kept as lines, in the
        // page's own font, starting with a capital.
        @if let Some(error) = &view.error { div.error.lines role="alert" { (super::words::sentence(error)) } }
        @if let Some(notice) = &view.notice { p.ok role="status" { (notice) } }
        form method="post" action="/policy/edit" {
            (csrf_field())
            fieldset {
                legend { "A common change (it edits the text below)" }
                label { "Group "
                    select name="group" {
                        @for g in groups { option value=(g) { (super::words::group(g)) } }
                    }
                }
                label { "Change "
                    select name="change" {
                        option value="allow-site" { "Always allow a site" }
                        option value="deny-site" { "Always block a site" }
                        option value="category" { "Block or allow a category" }
                        option value="window" { "Allow a category only at set times" }
                    }
                }
                label { "Site (a domain or address prefix, for the first two) " input name="site" placeholder="tudors.example.org"; }
                label { "Category (for the last two) " input name="category" placeholder="games"; }
                label { "Block or allow "
                    select name="action" {
                        option value="block" { "block" }
                        option value="allow" { "allow" }
                        option value="staff-only" { "staff only" }
                    }
                }
                label { "Days " input name="days" value="mon-fri"; }
                label { "From " input name="from" value="12:15"; }
                label { "To " input name="to" value="13:00"; }
                button type="submit" name="op" value="apply" { "Make this change in the text" }
            }
            label { "The policy (TOML, as docs/policy.md describes; to start, paste the school's current managed policy here)"
                textarea name="policy" rows="24" spellcheck="false" { (view.text) }
            }
            label { "Why (kept in the history for the annual review) "
                input name="reason" value=(view.reason) size="60";
            }
            button type="submit" name="op" value="preview" { "Check and preview" } " "
            button type="submit" name="op" value="propose" { "Propose this change" }
        }
        @if let Some(preview) = &view.preview { (preview_markup(preview)) }
    };
    layout("Change the policy", Some(viewer.username()), body)
}

fn group_names(text: &str) -> Vec<String> {
    let policy = schoolgate_core::policy::Policy::from_toml(text)
        .unwrap_or_else(|_| schoolgate_core::policy::Policy::builtin());
    policy.group_names().map(str::to_owned).collect()
}

#[derive(Deserialize, Default)]
struct EditQuery {
    from: Option<i64>,
    rollback: Option<i64>,
}

async fn edit_page<S: Store>(
    State(app): State<AppState<S>>,
    axum::extract::Query(query): axum::extract::Query<EditQuery>,
    viewer: Viewer,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ProposePolicy) {
        return refused;
    }
    let mut view = EditView::default();
    let source = query.from.or(query.rollback);
    match source {
        Some(id) => match app.store.policy_proposals().await {
            Ok(all) => {
                let found = match query.rollback {
                    Some(v) => all.into_iter().find(|p| p.version == Some(v)),
                    None => all.into_iter().find(|p| p.id == id),
                };
                match found {
                    Some(p) => {
                        view.text = p.policy;
                        if let Some(v) = query.rollback {
                            view.reason = policy_change::rollback_reason(v);
                        }
                    }
                    None => view.error = Some("There is no such version.".into()),
                }
            }
            Err(e) => return unavailable(e),
        },
        None => match in_force(&app.store).await {
            Ok((_, text)) => view.text = text,
            Err(e) => return unavailable(e),
        },
    }
    let groups = group_names(&view.text);
    page(StatusCode::OK, edit_markup(&viewer, &groups, &view))
}

#[derive(Deserialize)]
struct EditForm {
    #[serde(default)]
    op: String,
    #[serde(default)]
    policy: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    change: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

impl EditForm {
    fn edit(&self) -> FormEdit {
        match self.change.as_str() {
            "deny-site" | "allow-site" => FormEdit::AddSite {
                group: self.group.clone(),
                deny: self.change == "deny-site",
                entry: self.site.clone(),
            },
            "window" => FormEdit::SetWindow {
                group: self.group.clone(),
                category: self.category.clone(),
                days: self.days.clone(),
                from: self.from.clone(),
                to: self.to.clone(),
            },
            _ => FormEdit::SetCategory {
                group: self.group.clone(),
                category: self.category.clone(),
                action: self.action.clone(),
            },
        }
    }
}

async fn edit_submit<S: Store>(
    State(app): State<AppState<S>>,
    viewer: Viewer,
    Form(form): Form<EditForm>,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ProposePolicy) {
        return refused;
    }
    // Whatever happens, the text and the reason come back in the form: nothing typed is lost.
    let mut view = EditView {
        text: form.policy.replace("\r\n", "\n"),
        reason: form.reason.clone(),
        ..EditView::default()
    };
    let mut status = StatusCode::OK;
    match form.op.as_str() {
        "apply" => match policy_form::apply(&view.text, &form.edit()) {
            Ok(text) => {
                view.text = text;
                match policy_change::validate(&view.text) {
                    Ok(_) => {
                        view.notice = Some(
                            "Changed in the text below. Check and preview it, then propose it."
                                .into(),
                        )
                    }
                    Err(e) => view.error = Some(e.to_string()),
                }
            }
            Err(e) => {
                status = StatusCode::BAD_REQUEST;
                view.error = Some(e.to_string());
            }
        },
        "propose" => {
            let proposal = policy_change::propose(
                &view.text,
                &form.reason,
                viewer.username(),
                &crate::now(),
                None,
            );
            match proposal {
                Ok(proposal) => {
                    return match app.store.add_policy_proposal(&proposal).await {
                        Ok(id) => Redirect::to(&format!("/policy/proposals/{id}")).into_response(),
                        Err(e) => unavailable(e),
                    }
                }
                Err(e) => {
                    status = StatusCode::BAD_REQUEST;
                    view.error = Some(e.to_string());
                }
            }
        }
        _ => match policy_change::validate(&view.text) {
            Ok(_) => view.notice = Some("The policy is valid.".into()),
            Err(e) => {
                status = StatusCode::BAD_REQUEST;
                view.error = Some(e.to_string());
            }
        },
    }
    if view.error.is_none() || form.op == "propose" {
        match preview_of(&app.store, &view.text).await {
            Ok(changes) if !changes.is_empty() => view.preview = Some(changes),
            Ok(_) => {}
            Err(response) => return response,
        }
    }
    let groups = group_names(&view.text);
    page(status, edit_markup(&viewer, &groups, &view))
}
