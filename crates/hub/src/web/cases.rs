//! The DSL's inbox and a report's case: reading (inbox, report page), working on it (the
//! append-only chronology: `case.rs`), and the audit log's page and exports. Every view and
//! every change is in the audit chain before the answer is sent. Who may do what is the `Viewer`
//! guard's (`guard.rs`, `roles.rs`): the inbox, a report's page, its case form and the exports
//! (`exports.rs`) ask `Viewer::can_view`, the one access check, for every report they touch.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;

use super::when::when;
use super::{guard, page, pages, unavailable, Viewer};
use crate::accounts::Account;
use crate::audit::{self, AuditEntry, AuditEvent};
use crate::case::{self, CaseEntry, CaseKind, CaseState, OUTCOMES};
use crate::roles::{self, Permission};
use crate::router::AppState;
use crate::signing_keys::valid_id;
use crate::store::{InboxCursor, InboxSummary, Store, StoredReport, INBOX_PAGE_SIZE};

/// The routes of this area (hubinbox).
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/inbox", get(inbox::<S>))
        .route("/reports/{id}", get(report_page::<S>))
        .route("/reports/{id}/case", post(case_submit::<S>))
        .route("/audit", get(audit_page::<S>))
        .route("/audit/export.json", get(audit_json::<S>))
        .route("/audit/export.csv", get(audit_csv::<S>))
}

/// The most open search alerts the top of the inbox lists (the rest: `/alerts`).
pub const INBOX_ALERTS: i64 = 50;

/// Writes `action` on `subject` by `actor` to the audit log; the page to send if it cannot be.
pub(super) async fn record<S: Store>(
    store: &S,
    actor: &str,
    action: &str,
    subject: &str,
) -> Result<(), Response> {
    let event = AuditEvent {
        actor: actor.to_owned(),
        action: action.to_owned(),
        subject: subject.to_owned(),
    };
    store.audit(&event).await.map(drop).map_err(unavailable)
}

fn not_found() -> Response {
    page(
        StatusCode::NOT_FOUND,
        pages::message(
            "No such report",
            "There is no report with that id that you may read.",
            Some(("/inbox", "All reports")),
        ),
    )
}

/// Where the inbox starts a page: after the place an "older" link carries (`InboxCursor`).
#[derive(Deserialize, Default)]
struct InboxQuery {
    rank: Option<String>,
    at: Option<String>,
    first: Option<String>,
    id: Option<String>,
}

impl InboxQuery {
    /// The cursor the query names: `Ok(None)` for the first page, `Err` for a link that is not
    /// one the inbox made (some of the place missing, a rank that does not exist, a bad id).
    fn cursor(self) -> Result<Option<InboxCursor>, ()> {
        match (self.rank, self.at, self.first, self.id) {
            (None, None, None, None) => Ok(None),
            (Some(rank), Some(sort_at), Some(first_received_at), Some(id)) => {
                let rank: i64 = rank.parse().map_err(drop)?;
                if !(0..=3).contains(&rank) || !valid_id(&id) {
                    return Err(());
                }
                Ok(Some(InboxCursor {
                    rank,
                    sort_at,
                    first_received_at,
                    id,
                }))
            }
            _ => Err(()),
        }
    }
}

/// The "older" link after `last`.
fn older_link(last: &InboxSummary) -> String {
    let cursor = last.cursor();
    let query = serde_urlencoded::to_string([
        ("rank", cursor.rank.to_string()),
        ("at", cursor.sort_at),
        ("first", cursor.first_received_at),
        ("id", cursor.id),
    ])
    .unwrap_or_default();
    format!("/inbox?{query}")
}

async fn inbox<S: Store>(
    State(app): State<AppState<S>>,
    RawQuery(query): RawQuery,
    viewer: Viewer,
) -> Response {
    if let Err(refused) = viewer.require(Permission::OpenInbox) {
        return refused;
    }
    let account = &viewer.account;
    let cursor = serde_urlencoded::from_str::<InboxQuery>(query.as_deref().unwrap_or(""))
        .map_err(drop)
        .and_then(InboxQuery::cursor);
    let Ok(cursor) = cursor else {
        return page(
            StatusCode::BAD_REQUEST,
            pages::message(
                "Not a page of the inbox",
                "This link does not name a page of the inbox. Open the inbox again from its first page.",
                Some(("/inbox", "The inbox")),
            ),
        );
    };
    if let Err(response) = record(&app.store, &account.username, "viewed-inbox", "").await {
        return response;
    }
    // A safeguarding reader's inbox lists only the reports assigned to them: the query asks for
    // those only, and every row is checked again with the one access rule before it is shown.
    let scope = roles::report_scope(account);
    let (mut rows, flagged) = match (
        app.store
            .inbox_page(scope, cursor.as_ref(), INBOX_PAGE_SIZE + 1)
            .await,
        app.store.inbox_flagged_count(scope).await,
    ) {
        (Ok(rows), Ok(flagged)) => (rows, flagged),
        (Err(e), _) | (_, Err(e)) => return unavailable(e),
    };
    let more = rows.len() > INBOX_PAGE_SIZE;
    rows.truncate(INBOX_PAGE_SIZE);
    let before = rows.len();
    rows.retain(|row| viewer.may_read_assigned_to(row.assigned_to.as_deref()));
    if rows.len() != before {
        tracing::error!(
            user = %account.username,
            dropped = before - rows.len(),
            "the inbox's query returned reports this account may not read; not shown"
        );
    }
    let older = more.then(|| rows.last().map(older_link)).flatten();
    // digest: open search alerts sit at the top of the inbox, for the roles that read every
    // report (a safeguarding reader's inbox is only what is assigned to them).
    let alerts = if roles::allows(viewer.role, Permission::ViewAllReports) {
        match app.store.open_alerts(INBOX_ALERTS).await {
            Ok(alerts) => alerts,
            Err(e) => return unavailable(e),
        }
    } else {
        Vec::new()
    };
    if !alerts.is_empty() {
        let seqs: Vec<String> = alerts.iter().map(|a| a.seq.to_string()).collect();
        let subject = format!("inbox: {}", seqs.join(","));
        if let Err(response) =
            record(&app.store, &account.username, "viewed-alerts", &subject).await
        {
            return response;
        }
    }
    page(
        StatusCode::OK,
        pages::inbox(
            &account.username,
            viewer.role,
            &alerts,
            &rows,
            flagged,
            cursor.is_some(),
            older.as_deref(),
        ),
    )
}

/// A report and its chronology, if `viewer` may read it; `Err` is the page to send instead (403
/// for a role that reads no reports or a report not assigned to this reader, 404 for none).
pub(super) async fn readable_report<S: Store>(
    store: &S,
    viewer: &Viewer,
    id: &str,
) -> Result<(StoredReport, Vec<CaseEntry>), Response> {
    viewer.require(Permission::ViewAssignedReports)?;
    if !valid_id(id) {
        return Err(not_found());
    }
    // Checked before the report is looked up: a reader learns nothing about reports not theirs,
    // not even whether they exist.
    let entries = store.case_entries(id).await.map_err(unavailable)?;
    if !viewer.can_view(&CaseState::from_entries(&entries)) {
        return Err(guard::forbidden());
    }
    match store.report(id).await {
        Ok(Some(report)) => Ok((report, entries)),
        Ok(None) => Err(not_found()),
        Err(e) => Err(unavailable(e)),
    }
}

async fn report_page<S: Store>(
    State(app): State<AppState<S>>,
    Path(id): Path<String>,
    viewer: Viewer,
) -> Response {
    show_report(&app.store, &viewer, &id, None, StatusCode::OK).await
}

async fn show_report<S: Store>(
    store: &S,
    viewer: &Viewer,
    id: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let account = &viewer.account;
    let (report, entries) = match readable_report(store, viewer, id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    // Logged before it is shown: no view without an entry.
    if let Err(response) = record(store, &account.username, "viewed-report", id).await {
        return response;
    }
    let body: serde_json::Value =
        serde_json::from_str(&report.body).unwrap_or(serde_json::Value::Null);
    let may_assign = viewer.require(Permission::AssignReports).is_ok();
    let case_markup = case_section(&report, &body, &entries, error, may_assign);
    page(
        status,
        pages::report(
            &account.username,
            &report,
            flags(&body, &entries),
            case_markup,
        ),
    )
}

/// The words after an entry's kind: `: ` and its text, if it has any.
pub(super) fn entry_text(entry: &CaseEntry) -> String {
    let text = if entry.kind == CaseKind::Outcome.name() {
        case::outcome_label(&entry.detail)
    } else {
        entry.detail.as_str()
    };
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

/// What an entry's kind says on a page.
pub(super) fn kind_label(kind: &str) -> &str {
    match CaseKind::parse(kind) {
        Some(CaseKind::Note) => "Note",
        Some(CaseKind::Action) => "Action",
        Some(CaseKind::Assign) => "Assigned to",
        Some(CaseKind::Escalate) => "Escalated",
        Some(CaseKind::Outcome) => "Outcome",
        Some(CaseKind::Close) => "Closed",
        Some(CaseKind::Reopen) => "Reopened",
        Some(CaseKind::UnblockPage) => "Page unblocked on the reporting device",
        Some(CaseKind::KeepBlocked) => "Page kept blocked on the reporting device",
        Some(CaseKind::BlockSchool) => "Blocked for the whole school",
        Some(CaseKind::UnblockSchool) => "No longer blocked for the whole school",
        None => kind,
    }
}

/// A report's flags, at the top of its page above everything else: the DSL reads "do not open
/// the page" before the page's address.
fn flags(body: &serde_json::Value, entries: &[CaseEntry]) -> Markup {
    let state = CaseState::from_entries(entries);
    let csam = case::suspected_csam(body);
    let escalated = state.escalated || case::escalated_on_device(body);
    html! {
        @if csam {
            p.error role="note" { strong { "Suspected child sexual abuse material. " } "Do not open the page. Report the address to the IWF; the police if a child is at risk." }
        }
        @if escalated { p.error role="note" { strong { "Escalated." } } }
    }
}

/// The hub's part of a report's page: state, chronology and the forms that add to it.
fn case_section(
    report: &StoredReport,
    body: &serde_json::Value,
    entries: &[CaseEntry],
    error: Option<&str>,
    may_assign: bool,
) -> Markup {
    let state = CaseState::from_entries(entries);
    let action = format!("/reports/{}/case", report.id);
    html! {
        p.noprint { a href={ "/reports/" (report.id) "/print" } { "Printable record" } " · " a href={ "/reports/" (report.id) "/export.json" } { "JSON" } }
        h2 { "Case" }
        p {
            "State: " strong { @if state.closed { "closed" } @else { "open" } }
            " · Assigned to: " (state.assigned_to.as_deref().unwrap_or("nobody"))
            " · Outcomes: "
            @if state.outcomes.is_empty() { "none yet" }
            @for (i, outcome) in state.outcomes.iter().enumerate() {
                @if i > 0 { ", " } (case::outcome_label(outcome))
            }
        }
        h2 { "Chronology on the hub" }
        @if entries.is_empty() { p { "Nothing recorded yet." } }
        ol id="chronology" {
            @for entry in entries {
                li {
                    (when(&entry.at)) " — " (entry.actor) " — " strong { (kind_label(&entry.kind)) }
                    (entry_text(entry))
                }
            }
        }
        @if let Some(error) = error { p.error role="alert" { (error) } }
        div.noprint {
            h2 { "Add to the record" }
            p { "Entries are kept as written: they cannot be changed or removed later." }
            form method="post" action=(action) {
                (pages::csrf_field())
                fieldset {
                    legend { "A note or an action" }
                    label { "Kind " select name="kind" { option value="note" { "Note" } option value="action" { "Action taken" } } }
                    label { "What happened " textarea name="detail" required {} }
                    button type="submit" { "Add" }
                }
            }
            (page_forms(&action, body, entries))
            @if may_assign { form method="post" action=(action) {
                (pages::csrf_field())
                fieldset {
                    legend { "Assign" }
                    input type="hidden" name="kind" value="assign";
                    label { "Account name " input name="detail" required autocomplete="off"; }
                    button type="submit" { "Assign" }
                }
            } }
            form method="post" action=(action) {
                (pages::csrf_field())
                fieldset {
                    legend { "Outcome" }
                    input type="hidden" name="kind" value="outcome";
                    label { "Outcome " select name="detail" {
                        @for (name, label) in OUTCOMES { option value=(name) { (label) } }
                    } }
                    button type="submit" { "Record the outcome" }
                }
            }
            form method="post" action=(action) {
                (pages::csrf_field())
                fieldset {
                    legend { "Escalate" }
                    input type="hidden" name="kind" value="escalate";
                    label { "Why " textarea name="detail" required {} }
                    button type="submit" { "Escalate" }
                }
            }
            @if state.closed {
                form method="post" action=(action) {
                (pages::csrf_field())
                    fieldset {
                        legend { "Reopen" }
                        input type="hidden" name="kind" value="reopen";
                        label { "Why it is reopened " textarea name="detail" required {} }
                        button type="submit" { "Reopen" }
                    }
                }
            } @else {
                form method="post" action=(action) {
                (pages::csrf_field())
                    fieldset {
                        legend { "Close" }
                        input type="hidden" name="kind" value="close";
                        label { "Closing note (optional) " textarea name="detail" {} }
                        button type="submit" { "Close the case" }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct CaseForm {
    kind: String,
    #[serde(default)]
    detail: String,
}

async fn case_submit<S: Store>(
    State(app): State<AppState<S>>,
    Path(id): Path<String>,
    viewer: Viewer,
    Form(form): Form<CaseForm>,
) -> Response {
    // CSRF is checked for every form before any handler runs (`security::guard`).
    let account = &viewer.account;
    let (report, entries) = match readable_report(&app.store, &viewer, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let state = CaseState::from_entries(&entries);
    let checked = match CaseKind::parse(&form.kind) {
        None => Err(case::CaseError::UnknownKind),
        Some(CaseKind::Assign) if viewer.require(Permission::AssignReports).is_err() => {
            return guard::forbidden();
        }
        Some(kind) => {
            let account_exists = if kind == CaseKind::Assign {
                match app.store.account(form.detail.trim()).await {
                    Ok(found) => found.is_some(),
                    Err(e) => return unavailable(e),
                }
            } else {
                false
            };
            let body: serde_json::Value =
                serde_json::from_str(&report.body).unwrap_or(serde_json::Value::Null);
            case::check_entry(&state, kind, &form.detail, account_exists).and_then(|d| {
                match kind {
                    CaseKind::UnblockPage
                    | CaseKind::KeepBlocked
                    | CaseKind::BlockSchool
                    | CaseKind::UnblockSchool => crate::decisions::check_page_entry(kind, &body),
                    _ => Ok(d),
                }
                .map(|d| (kind, d))
            })
        }
    };
    let (kind, detail) = match checked {
        Ok(checked) => checked,
        Err(error) => {
            let message = error.to_string();
            return show_report(
                &app.store,
                &viewer,
                &id,
                Some(&message),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    match app
        .store
        .add_case_entry(&id, &account.username, kind.name(), &detail)
        .await
    {
        Ok(_) => Redirect::to(&format!("/reports/{id}#chronology")).into_response(),
        Err(e) => unavailable(e),
    }
}

/// The audit log, checked, after the view itself is recorded; `Err` is the page to send.
async fn audit_for<S: Store>(
    store: &S,
    viewer: Viewer,
    action: &str,
) -> Result<(Account, Vec<AuditEntry>), Response> {
    viewer.require(Permission::ViewAuditLog)?;
    record(store, viewer.username(), action, "").await?;
    let log = store.audit_log().await.map_err(unavailable)?;
    Ok((viewer.account, log))
}

async fn audit_page<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    let (account, log) = match audit_for(&app.store, viewer, "viewed-audit-log").await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let check = audit::verify(&log);
    let body = html! {
        p.noprint { a href="/inbox" { "← All reports" } }
        @match &check {
            Ok(()) => p.ok role="status" { "Chain check: intact. All " (log.len()) " entries follow on from each other and none was changed." },
            Err(e) => p.error role="alert" { "Chain check: " strong { "BROKEN" } ". " (e) ". The log was changed outside the hub: keep this page, and tell the IT lead and the DPO." },
        }
        p.noprint { "Export: " a href="/audit/export.json" { "JSON" } " · " a href="/audit/export.csv" { "CSV" } }
        table {
            thead { tr { th { "#" } th { "When" } th { "Who" } th { "What" } th { "Subject" } } }
            tbody {
                // The action in words; its stored name (as in the exports) on hover.
                @for entry in log.iter().rev() {
                    tr { td { (entry.seq) } td { (when(&entry.at)) } td { (entry.actor) } td { span title=(entry.action) { (super::words::code(&entry.action)) } } td { (entry.subject) } }
                }
            }
        }
    };
    page(
        StatusCode::OK,
        pages::layout("Audit log", Some(&account.username), body),
    )
}

/// A download: `content_type`, saved as `filename`, never cached.
pub(super) fn download(content_type: &'static str, filename: &str, body: String) -> Response {
    download_body(content_type, filename, axum::body::Body::from(body))
}

/// `download`, with a body that may be sent as it is made.
pub(super) fn download_body(
    content_type: &'static str,
    filename: &str,
    body: axum::body::Body,
) -> Response {
    // The security headers (no-store, nosniff, CSP) are `security::guard`'s, as for every answer.
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn audit_entry_json(entry: &AuditEntry) -> serde_json::Value {
    serde_json::json!({
        "seq": entry.seq, "at": entry.at, "actor": entry.actor, "action": entry.action,
        "subject": entry.subject, "prevHash": entry.prev_hash, "hash": entry.hash,
    })
}

async fn audit_json<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    let (_, log) = match audit_for(&app.store, viewer, "exported-audit-log-json").await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let document = serde_json::json!({
        "schema": "schoolgate-hub-audit/1",
        "exportedAt": crate::now(),
        "chain": if audit::verify(&log).is_ok() { "intact" } else { "broken" },
        "entries": log.iter().map(audit_entry_json).collect::<Vec<_>>(),
    });
    download(
        "application/json",
        "audit-log.json",
        serde_json::to_string_pretty(&document).unwrap_or_default(),
    )
}

async fn audit_csv<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    let (_, log) = match audit_for(&app.store, viewer, "exported-audit-log-csv").await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let rows = log.iter().map(|e| {
        vec![
            e.seq.to_string(),
            e.at.clone(),
            e.actor.clone(),
            e.action.clone(),
            e.subject.clone(),
            e.prev_hash.clone(),
            e.hash.clone(),
        ]
    });
    download(
        "text/csv; charset=utf-8",
        "audit-log.csv",
        crate::export::csv(
            &[
                "seq",
                "at",
                "actor",
                "action",
                "subject",
                "prev_hash",
                "hash",
            ],
            rows,
        ),
    )
}

/// The reported page: unblock or keep it blocked on the reporting device (it follows on its next
/// contact), or block its domain for the whole school.
fn page_forms(action: &str, body: &serde_json::Value, entries: &[CaseEntry]) -> Markup {
    let (decision, _) = crate::decisions::device_decision(entries);
    let locked = crate::decisions::page_locked(body);
    let domain = crate::decisions::page_domain(body);
    html! {
        form method="post" action=(action) {
                (pages::csrf_field())
            fieldset {
                legend { "The reported page" }
                p { "On the reporting device: " strong { (decision) } ". The device follows at its next contact with the hub." }
                @if locked {
                    p { "This page stays blocked: it is in a locked category or suspected child sexual abuse material." }
                } @else {
                    button type="submit" name="kind" value="unblock-page" { "Unblock on the reporting device" } " "
                }
                button type="submit" name="kind" value="keep-blocked" { "Keep blocked on the reporting device" } " "
                @if let Some(domain) = domain {
                    button type="submit" name="kind" value="block-school" { "Block " (domain) " for the whole school" } " "
                    button type="submit" name="kind" value="unblock-school" { "Take " (domain) " off the school's block list" }
                }
            }
        }
    }
}
