//! Exports, each written to the audit log before it is sent: a report's printable record, the
//! reports as CSV (for CPOMS or MyConcern) and JSON, one report as JSON, and a subject-access
//! export of every report naming one pupil (`export::names_pupil`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::html;
use serde::Deserialize;

use std::collections::HashMap;

use super::cases::{download, entry_text, kind_label, readable_report, record};
use super::{page, pages, unavailable, Viewer};
use crate::case::{self, CaseEntry, CaseState};
use crate::export;
use crate::roles::Permission;
use crate::router::AppState;
use crate::store::Store;

/// The routes of this area (hubinbox).
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/reports/{id}/print", get(print::<S>))
        .route("/reports/{id}/export.json", get(one_json::<S>))
        .route("/exports/reports.csv", get(all_csv::<S>))
        .route("/exports/reports.json", get(all_json::<S>))
        .route("/exports/pupil", get(subject_access::<S>))
}

async fn print<S: Store>(
    State(app): State<AppState<S>>,
    Path(id): Path<String>,
    viewer: Viewer,
) -> Response {
    let account = &viewer.account;
    let (report, entries) = match readable_report(&app.store, &viewer, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if let Err(response) = record(&app.store, &account.username, "printed-report", &id).await {
        return response;
    }
    let body: serde_json::Value =
        serde_json::from_str(&report.body).unwrap_or(serde_json::Value::Null);
    let state = CaseState::from_entries(&entries);
    let facts =
        |label: &str, value: &str| html! { tr { th scope="row" { (label) } td { (value) } } };
    let record_markup = html! {
        p.noprint { "Use the browser's Print command: this page prints without the hub's menus." }
        table {
            (facts("Report", &report.id))
            (facts("Pressed", pages::text(&body, &["createdAt"])))
            (facts("School", pages::text(&body, &["school", "name"])))
            (facts("Pupil's account", pages::text(&body, &["pupil", "email"])))
            (facts("Group", pages::text(&body, &["pupil", "groupLabel"])))
            (facts("Device", pages::text(&body, &["pupil", "deviceAssetId"])))
            (facts("Page", pages::text(&body, &["page", "url"])))
            (facts("Title", pages::text(&body, &["page", "title"])))
            (facts("Pupil's words", pages::text(&body, &["adult", "pupilWords"])))
            (facts("Action taken on the day", pages::text(&body, &["adult", "actionTaken"])))
            (facts("Suspected CSAM", if case::suspected_csam(&body) { "yes" } else { "no" }))
            (facts("State", if state.closed { "closed" } else { "open" }))
            (facts("Assigned to", state.assigned_to.as_deref().unwrap_or("")))
        }
        h2 { "On the device" }
        ol {
            @for event in body["timeline"].as_array().map(Vec::as_slice).unwrap_or_default() {
                li { (pages::text(event, &["at"])) " — " (pages::text(event, &["event"])) ": " (pages::text(event, &["detail"])) }
            }
        }
        h2 { "On the hub" }
        ol {
            @for entry in &entries {
                li { (entry.at) " — " (entry.actor) " — " (kind_label(&entry.kind)) (entry_text(entry)) }
            }
        }
        p { "Printed from Schoolgate Hub at " (crate::now()) " by " (account.username) "." }
    };
    page(
        StatusCode::OK,
        pages::layout(
            &format!("Safeguarding record {}", report.id),
            None,
            record_markup,
        ),
    )
}

async fn one_json<S: Store>(
    State(app): State<AppState<S>>,
    Path(id): Path<String>,
    viewer: Viewer,
) -> Response {
    let account = &viewer.account;
    let (report, entries) = match readable_report(&app.store, &viewer, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if let Err(response) = record(&app.store, &account.username, "exported-report-json", &id).await
    {
        return response;
    }
    let document = export::report_json(&report, &entries);
    download(
        "application/json",
        &format!("{id}.json"),
        serde_json::to_string_pretty(&document).unwrap_or_default(),
    )
}

/// The reports and chronologies `account` may read; `Err` is the page to send.
async fn readable_all<S: Store>(
    store: &S,
    viewer: &Viewer,
    action: &str,
) -> Result<Vec<(crate::store::StoredReport, Vec<CaseEntry>)>, Response> {
    viewer.require(Permission::ViewAssignedReports)?;
    let account = &viewer.account;
    let reports = store.reports().await.map_err(unavailable)?;
    let entries = store.all_case_entries().await.map_err(unavailable)?;
    // Each report's chronology by id, once (hubperf: not a scan of every entry per report).
    let mut by_report: HashMap<String, Vec<CaseEntry>> = HashMap::new();
    for entry in entries {
        by_report
            .entry(entry.report_id.clone())
            .or_default()
            .push(entry);
    }
    let readable: Vec<(crate::store::StoredReport, Vec<CaseEntry>)> = reports
        .into_iter()
        .filter_map(|report| {
            let mine = by_report.remove(&report.id).unwrap_or_default();
            viewer
                .can_view(&CaseState::from_entries(&mine))
                .then_some((report, mine))
        })
        .collect();
    record(
        store,
        &account.username,
        action,
        &format!("{} report(s)", readable.len()),
    )
    .await?;
    Ok(readable)
}

async fn all_csv<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    let all = match readable_all(&app.store, &viewer, "exported-reports-csv").await {
        Ok(all) => all,
        Err(response) => return response,
    };
    let rows = all.iter().map(|(r, e)| export::report_row(r, e));
    download(
        "text/csv; charset=utf-8",
        "schoolgate-reports.csv",
        export::csv(&export::REPORT_COLUMNS, rows),
    )
}

async fn all_json<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    let all = match readable_all(&app.store, &viewer, "exported-reports-json").await {
        Ok(all) => all,
        Err(response) => return response,
    };
    let document = serde_json::json!({
        "schema": "schoolgate-hub-export/1",
        "exportedAt": crate::now(),
        "reports": all.iter().map(|(r, e)| export::report_json(r, e)).collect::<Vec<_>>(),
    });
    download(
        "application/json",
        "schoolgate-reports.json",
        serde_json::to_string_pretty(&document).unwrap_or_default(),
    )
}

#[derive(Deserialize)]
struct PupilQuery {
    #[serde(default)]
    who: String,
}

/// A subject-access request: every report naming the pupil (account email or device asset id),
/// with the hub's chronology. The DSL and deputies only; the audit entry lists the reports
/// exported, not the pupil.
async fn subject_access<S: Store>(
    State(app): State<AppState<S>>,
    Query(query): Query<PupilQuery>,
    viewer: Viewer,
) -> Response {
    // Every report naming the pupil, whoever it is assigned to: the DSL's and deputies' only.
    if let Err(refused) = viewer.require(Permission::ViewAllReports) {
        return refused;
    }
    let account = &viewer.account;
    if query.who.trim().is_empty() {
        let form = html! {
            p { "Every report that names one pupil, with the hub's chronology, as JSON: for a subject-access request. Check what you release against the exemptions first (for example, where it would put a child at risk)." }
            form method="get" action="/exports/pupil" {
                label { "The pupil's school account email, or the device's asset id " input name="who" required autocomplete="off"; }
                button type="submit" { "Export" }
            }
        };
        return page(
            StatusCode::OK,
            pages::layout("Subject-access export", Some(&account.username), form),
        );
    }
    let (reports, entries) = match (
        app.store.reports().await,
        app.store.all_case_entries().await,
    ) {
        (Ok(reports), Ok(entries)) => (reports, entries),
        (Err(e), _) | (_, Err(e)) => return unavailable(e),
    };
    let named: Vec<_> = reports
        .iter()
        .filter(|r| export::names_pupil(r, &query.who))
        .collect();
    let ids = named.iter().map(|r| r.id.as_str()).collect::<Vec<_>>();
    if let Err(response) = record(
        &app.store,
        &account.username,
        "subject-access-export",
        &ids.join(" "),
    )
    .await
    {
        return response;
    }
    let document = serde_json::json!({
        "schema": "schoolgate-hub-subject-access/1",
        "exportedAt": crate::now(),
        "pupil": query.who.trim(),
        "reports": named.iter().map(|r| {
            let mine: Vec<CaseEntry> = entries.iter().filter(|e| e.report_id == r.id).cloned().collect();
            export::report_json(r, &mine)
        }).collect::<Vec<_>>(),
    });
    download(
        "application/json",
        "subject-access.json",
        serde_json::to_string_pretty(&document).unwrap_or_default(),
    )
}
