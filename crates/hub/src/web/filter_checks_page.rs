//! The filter check log's pages (`docs/hub.md`, "The filter check log"): `/filter-checks` for
//! the IT lead, the DSL, deputies and governors (it names no pupil), with the devices whose
//! latest check failed at the top; `?print=1`, the printable log with the DfE checklist's
//! columns for the governors' annual review; and `POST /filter-checks/{id}/actions`, an
//! "actions taken" note the IT lead or the DSL append (audited, never changed afterwards).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;

use super::cases::record;
use super::when::{exact, when};
use super::{page, pages, unavailable, Viewer};
use crate::filter_checks::{self, FilterCheck, FilterCheckAction};
use crate::roles::{self, Permission};
use crate::router::AppState;
use crate::store::Store;

/// The most checks one page lists (a year of daily checks on a couple of hundred Chromebooks is
/// more: narrow by dates).
pub const PAGE_LIMIT: i64 = 2000;

/// The routes of this area (selftest).
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/filter-checks", get(log_page::<S>))
        .route("/filter-checks/{id}/actions", post(add_action::<S>))
}

#[derive(Deserialize, Default)]
struct LogQuery {
    from: Option<String>,
    to: Option<String>,
    print: Option<String>,
}

/// `YYYY-MM-DD` as the start of that day (UTC), `days` later for the end of a period.
fn day(value: &Option<String>, days: i64) -> Result<Option<String>, String> {
    let Some(text) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a date (YYYY-MM-DD)"))?;
    let start = date + chrono::Duration::days(days);
    Ok(Some(format!("{}T00:00:00.000Z", start.format("%Y-%m-%d"))))
}

fn results_cell(check: &FilterCheck) -> Markup {
    html! {
        ul {
            @for result in filter_checks::results(&check.results) {
                li {
                    @if result.passed { "passed: " } @else { strong.flag { "FAILED: " } }
                    (result.name)
                    @if !result.reason.is_empty() { " — " (result.reason) }
                }
            }
        }
    }
}

/// How a time is shown: readable on screen; the exact value with school time beside it on the
/// printed log, which is evidence.
type Stamp = fn(&str) -> Markup;

fn actions_cell(
    check: &FilterCheck,
    actions: &[FilterCheckAction],
    may_note: bool,
    stamp: Stamp,
) -> Markup {
    html! {
        @for action in actions.iter().filter(|a| a.check_id == check.id) {
            p { (action.note) " (" (action.added_by) ", " (stamp(&action.added_at)) ")" }
        }
        @if may_note {
            form method="post" action={ "/filter-checks/" (check.id) "/actions" } {
                (pages::csrf_field())
                label { "Action taken on check " (check.id) " " textarea name="note" maxlength=(filter_checks::MAX_NOTE_CHARS) required {} }
                button type="submit" { "Add" }
            }
        }
    }
}

fn log_table(
    checks: &[FilterCheck],
    actions: &[FilterCheckAction],
    may_note: bool,
    print: bool,
) -> Markup {
    let stamp: Stamp = if print { exact } else { when };
    html! {
        // On a phone each check stands as a labelled card (hub.css).
        table.cards {
            caption {
                "Filter checks, newest first "
                @if print { "(times in UTC, UK school time in brackets)" } @else { "(UK school time)" }
            }
            thead { tr {
                th scope="col" { "When checked" }
                th scope="col" { "Who checked" }
                th scope="col" { "Device" }
                th scope="col" { "Group(s)" }
                th scope="col" { "Result" }
                th scope="col" { "Results of each check" }
                th scope="col" { "Lists and version" }
                th scope="col" { "Actions taken" }
            } }
            tbody {
                @for check in checks {
                    tr.flagged[!check.passed] id={ "check-" (check.id) } {
                        td { (stamp(&check.checked_at)) }
                        td data-label="Who checked" { (check.checked_by) @if check.trigger == "on-demand" { " (on demand)" } }
                        td data-label="Device" { (check.device) }
                        td data-label="Group(s)" { (super::words::groups(&check.group)) }
                        td data-label="Result" { @if check.passed { "passed" } @else { strong.flag { "FAILED" } } }
                        td data-label="Results of each check" { (results_cell(check)) }
                        td.url data-label="Lists and version" { (check.lists_version) " (extension " (check.extension_version) ")" }
                        td data-label="Actions taken" { (actions_cell(check, actions, may_note, stamp)) }
                    }
                }
            }
        }
    }
}

async fn log_page<S: Store>(
    State(app): State<AppState<S>>,
    Query(query): Query<LogQuery>,
    viewer: Viewer,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ViewFilterChecks) {
        return refused;
    }
    let (from, to) = match (day(&query.from, 0), day(&query.to, 1)) {
        (Ok(from), Ok(to)) => (from, to),
        (Err(error), _) | (_, Err(error)) => {
            return page(
                StatusCode::BAD_REQUEST,
                pages::message(
                    "Not a date",
                    &error,
                    Some(("/filter-checks", "Start again")),
                ),
            )
        }
    };
    let print = query.print.as_deref() == Some("1");
    let read = async {
        let checks = app
            .store
            .filter_checks(from.as_deref(), to.as_deref(), PAGE_LIMIT)
            .await?;
        let latest = app.store.latest_filter_checks().await?;
        let (first, last) = (
            checks.iter().map(|c| c.id).min().unwrap_or(0),
            checks.iter().map(|c| c.id).max().unwrap_or(-1),
        );
        let actions = app.store.filter_check_actions(first, last).await?;
        Ok::<_, crate::store::StoreError>((checks, latest, actions))
    };
    let (checks, latest, actions) = match read.await {
        Ok(read) => read,
        Err(e) => return unavailable(e),
    };
    let may_note = !print && roles::allows(viewer.role, Permission::NoteFilterChecks);
    let failing = filter_checks::failing(&latest);
    let stamp: Stamp = if print { exact } else { when };
    let period = match (&query.from, &query.to) {
        (Some(f), Some(t)) if !f.is_empty() && !t.is_empty() => format!("from {f} to {t}"),
        (Some(f), _) if !f.is_empty() => format!("from {f}"),
        (_, Some(t)) if !t.is_empty() => format!("up to {t}"),
        _ => "every check kept".to_owned(),
    };
    let status = html! {
        @if failing.is_empty() {
            p.ok { "Every device's latest filter check passed (" (super::words::count(latest.len() as u64, "device has", "devices have")) " run one)." }
        } @else {
            div.error role="alert" {
                p { strong { (super::words::count(failing.len() as u64, "device", "devices")) " failed their latest filter check:" } }
                ul { @for check in &failing {
                    li { a href={ "#check-" (check.id) } { (check.device) } ", " (super::words::groups(&check.group)) ", " (stamp(&check.checked_at)) }
                } }
            }
        }
    };
    let body = html! {
        @if print {
            p { "Filter check log, " (period) ". Printed " (exact(&crate::now())) " by " (viewer.username()) ". " (super::words::count(checks.len() as u64, "check", "checks")) "." }
            p.noprint { a href="/filter-checks" { "← Back to the log" } " · Use the browser's Print command." }
        } @else {
            nav { p {
                a href="/devices" { "Devices" } " · "
                a href="/figures/term" { "Governors' summary" } " · "
                a href={ "/filter-checks?print=1&from=" (query.from.as_deref().unwrap_or("")) "&to=" (query.to.as_deref().unwrap_or("")) } { "Printable version" }
            } }
            p { "Each Chromebook checks its own filter once a day and whenever a member of staff asks (the staff page's \"Run the filter check now\"): a known-blocked site from every blocked category and every locked list, the locked lists loaded and not empty, SafeSearch forced on Google, Bing and YouTube, and the block page installed. A failed check is e-mailed to the IT lead at once. This log names no pupil." }
            form method="get" action="/filter-checks" {
                fieldset {
                    legend { "Period" }
                    label { "From " input type="date" name="from" value=(query.from.as_deref().unwrap_or("")); }
                    label { "To " input type="date" name="to" value=(query.to.as_deref().unwrap_or("")); }
                    button type="submit" { "Show" }
                }
            }
        }
        (status)
        p { (super::words::count(checks.len() as u64, "check", "checks")) ", " (period) "." @if checks.len() as i64 == PAGE_LIMIT { " Only the newest " (PAGE_LIMIT) " are listed: choose a shorter period." } }
        (log_table(&checks, &actions, may_note, print))
    };
    page(
        StatusCode::OK,
        pages::layout("Filter check log", Some(viewer.username()), body),
    )
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    note: String,
}

async fn add_action<S: Store>(
    State(app): State<AppState<S>>,
    Path(id): Path<i64>,
    viewer: Viewer,
    Form(form): Form<ActionForm>,
) -> Response {
    // CSRF is checked for every form before any handler runs (`security::guard`).
    if let Err(refused) = viewer.require(Permission::NoteFilterChecks) {
        return refused;
    }
    let note = match filter_checks::check_note(&form.note) {
        Ok(note) => note,
        Err(error) => {
            return page(
                StatusCode::BAD_REQUEST,
                pages::message(
                    "Not added",
                    &error.to_string(),
                    Some(("/filter-checks", "The filter check log")),
                ),
            )
        }
    };
    match app
        .store
        .add_filter_check_action(id, &note, viewer.username(), &crate::now())
        .await
    {
        Ok(Some(_)) => {}
        Ok(None) => {
            return page(
                StatusCode::NOT_FOUND,
                pages::message(
                    "No such filter check",
                    "There is no filter check with that number.",
                    Some(("/filter-checks", "The filter check log")),
                ),
            )
        }
        Err(e) => return unavailable(e),
    }
    if let Err(response) = record(
        &app.store,
        viewer.username(),
        "filter-check-action",
        &id.to_string(),
    )
    .await
    {
        return response;
    }
    Redirect::to(&format!("/filter-checks#check-{id}")).into_response()
}
