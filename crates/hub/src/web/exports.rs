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

use super::cases::{download, download_body, entry_text, kind_label, readable_report, record};
use super::when::exact;
use super::{page, pages, unavailable, Viewer};
use crate::case::{self, CaseEntry, CaseState};
use crate::export;
use crate::roles::{self, Permission};
use crate::router::AppState;
use crate::store::{Store, EXPORT_PAGE_SIZE};

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
                li { (exact(pages::text(event, &["at"]))) " — " (pages::text(event, &["event"])) ": " (pages::text(event, &["detail"])) }
            }
        }
        h2 { "On the hub" }
        ol {
            @for entry in &entries {
                li { (exact(&entry.at)) " — " (entry.actor) " — " (kind_label(&entry.kind)) (entry_text(entry)) }
            }
        }
        p { "Printed from Schoolgate Hub at " (exact(&crate::now())) " by " (account.username) "." }
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

/// What a whole-hub export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExportFormat {
    Csv,
    Json,
}

/// Every report the viewer may read, with its chronology, as `format`, sent while it is read
/// (hubperf): the ids first (the audit entry counts them, before anything is sent), then the
/// reports `EXPORT_PAGE_SIZE` at a time, each checked with the one access rule again, so the hub
/// never holds more than a few pages whatever the number of reports. If the database fails
/// part-way, the download is broken off (no final chunk: the browser reports a failed
/// download), never ended as though it were complete.
async fn export_all<S: Store>(
    store: &S,
    viewer: Viewer,
    action: &str,
    format: ExportFormat,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ViewAssignedReports) {
        return refused;
    }
    let ids = match store
        .readable_report_ids(roles::report_scope(&viewer.account))
        .await
    {
        Ok(ids) => ids,
        Err(e) => return unavailable(e),
    };
    if let Err(response) = record(
        store,
        viewer.username(),
        action,
        &super::words::count(ids.len() as u64, "report", "reports"),
    )
    .await
    {
        return response;
    }
    let (chunks, receiver) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(2);
    let store = store.clone();
    tokio::spawn(async move {
        let (head, tail) = match format {
            ExportFormat::Csv => (export::csv(&export::REPORT_COLUMNS, []), String::new()),
            ExportFormat::Json => json_frame(),
        };
        if chunks.send(Ok(head)).await.is_err() {
            return;
        }
        let mut first = true;
        for page in ids.chunks(EXPORT_PAGE_SIZE) {
            let found = match store.reports_with_cases(page).await {
                Ok(found) => found,
                Err(error) => {
                    tracing::error!(%error, "export broken off: the database failed");
                    chunks.send(Err(std::io::Error::other(error))).await.ok();
                    return;
                }
            };
            let mut text = String::new();
            for (report, entries) in &found {
                if !viewer.can_view(&CaseState::from_entries(entries)) {
                    // Assigned elsewhere since the ids were read.
                    continue;
                }
                match format {
                    ExportFormat::Csv => {
                        let row = export::csv(&[], [export::report_row(report, entries)]);
                        text.push_str(row.trim_start_matches("\r\n"));
                    }
                    ExportFormat::Json => {
                        text.push_str(if first { "\n" } else { ",\n" });
                        let item =
                            serde_json::to_string_pretty(&export::report_json(report, entries))
                                .unwrap_or_default();
                        for (i, line) in item.lines().enumerate() {
                            if i > 0 {
                                text.push('\n');
                            }
                            text.push_str("    ");
                            text.push_str(line);
                        }
                    }
                }
                first = false;
            }
            if chunks.send(Ok(text)).await.is_err() {
                return;
            }
        }
        let tail = match format {
            ExportFormat::Json if first => tail.replacen("\n  ]", "]", 1),
            _ => tail,
        };
        chunks.send(Ok(tail)).await.ok();
    });
    let body = axum::body::Body::from_stream(futures_util::stream::unfold(
        receiver,
        |mut receiver| async move { receiver.recv().await.map(|chunk| (chunk, receiver)) },
    ));
    let (content_type, filename) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "schoolgate-reports.csv"),
        ExportFormat::Json => ("application/json", "schoolgate-reports.json"),
    };
    download_body(content_type, filename, body)
}

/// The JSON export's document around its reports, as `serde_json::to_string_pretty` writes it:
/// what comes before the first report and what comes after the last.
fn json_frame() -> (String, String) {
    const MARK: &str = "@@reports@@";
    let frame = serde_json::to_string_pretty(&serde_json::json!({
        "schema": "schoolgate-hub-export/1",
        "exportedAt": crate::now(),
        "reports": MARK,
    }))
    .unwrap_or_default();
    let (head, tail) = frame
        .split_once(&format!("\"{MARK}\""))
        .unwrap_or((&frame, ""));
    (format!("{head}["), format!("\n  ]{tail}"))
}

async fn all_csv<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    export_all(
        &app.store,
        viewer,
        "exported-reports-csv",
        ExportFormat::Csv,
    )
    .await
}

async fn all_json<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    export_all(
        &app.store,
        viewer,
        "exported-reports-json",
        ExportFormat::Json,
    )
    .await
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
