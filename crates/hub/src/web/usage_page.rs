//! The online-safety lead's monthly usage report (`usage.rs`): a page and a printable copy, for
//! the DSL, deputies and the IT lead (counts only, no pupil, device or page address). Opening
//! either is written to the audit log.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use serde::Deserialize;

use super::cases::record;
use super::when::exact;
use super::{page, pages, unavailable, Viewer};
use crate::roles::Permission;
use crate::router::AppState;
use crate::store::Store;
use crate::usage::{Count, Month, MonthlyUsage};

/// The routes of this area (digest).
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/reports/monthly", get(monthly_page::<S>))
        .route("/reports/monthly/print", get(monthly_print::<S>))
}

#[derive(Deserialize, Default)]
struct MonthQuery {
    month: Option<String>,
}

/// The month asked for (this month by default), or the page to send instead.
fn month_of(query: &MonthQuery) -> Result<Month, Response> {
    match query
        .month
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        None => Ok(Month::containing(
            crate::digest_mail::school_time(chrono::Utc::now()).date(),
        )),
        Some(text) => Month::parse(text).ok_or_else(|| {
            page(
                StatusCode::BAD_REQUEST,
                pages::message(
                    "No such month",
                    "A month is written like 2026-11.",
                    Some(("/reports/monthly", "This month")),
                ),
            )
        }),
    }
}

async fn read<S: Store>(
    app: &AppState<S>,
    viewer: &Viewer,
    query: &MonthQuery,
    action: &str,
) -> Result<MonthlyUsage, Response> {
    viewer.require(Permission::ViewUsageReport)?;
    let month = month_of(query)?;
    record(&app.store, viewer.username(), action, &month.id()).await?;
    MonthlyUsage::read(&app.store, month)
        .await
        .map_err(unavailable)
}

fn counts_table(caption: &str, what: &str, lines: &[Count]) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead { tr { th scope="col" { (what) } th scope="col" { "How many" } } }
            tbody {
                @if lines.is_empty() { tr { td colspan="2" { "None." } } }
                @for line in lines {
                    tr { th scope="row" { (line.label) } td { (line.count) } }
                }
            }
        }
    }
}

/// The report itself, the same on the page and on paper.
fn report(usage: &MonthlyUsage) -> Markup {
    html! {
        p { "What the school's filter did in " (usage.month.label()) ", as counts. No pupil, device or page address is named; a site's name is (it says nothing about who tried it). Events older than the retention period (90 days unless the school changed it) are no longer counted." }
        table {
            caption { "The month at a glance" }
            tbody {
                tr { th scope="row" { "Devices heard from" } td { (usage.devices_seen) } }
                tr { th scope="row" { "Changes made to what the filter lets through (pages unblocked or kept blocked, sites blocked or unblocked for the school)" } td { (usage.changes_made) } }
                tr { th scope="row" { (crate::usage::POLICY_CHANGES_LABEL) } td { (usage.policy_changes) } }
                tr { th scope="row" { "Filter checks done (failed)" } td { (usage.filter_checks.0) " (" (usage.filter_checks.1) ")" } }
            }
        }
        (counts_table("What happened", "What", &usage.kinds))
        (counts_table("By KCSIE area of risk (blocked pages, attempts and alerts)", "Area", &usage.areas))
        (counts_table("Blocked pages by category (UK Safer Internet Centre categories marked UKSIC)", "Category", &usage.categories))
        table {
            caption { "By group" }
            thead { tr { th scope="col" { "Group" } th scope="col" { "Blocked pages" } th scope="col" { "Attempts to get round the filter" } th scope="col" { "Search alerts" } } }
            tbody {
                @if usage.groups.is_empty() { tr { td colspan="4" { "None." } } }
                @for (group, [blocked, tricks, alerts]) in &usage.groups {
                    tr { th scope="row" { (super::words::group(group)) } td { (blocked) } td { (tricks) } td { (alerts) } }
                }
            }
        }
        (counts_table(&format!("The {} most-blocked sites", crate::usage::TOP_HOSTS), "Site", &usage.top_hosts))
    }
}

async fn monthly_page<S: Store>(
    State(app): State<AppState<S>>,
    Query(query): Query<MonthQuery>,
    viewer: Viewer,
) -> Response {
    let usage = match read(&app, &viewer, &query, "viewed-monthly-report").await {
        Ok(usage) => usage,
        Err(response) => return response,
    };
    let month = usage.month;
    let body = html! {
        nav { p {
            a href={ "/reports/monthly?month=" (month.previous().id()) } { "← " (month.previous().label()) }
            " · " a href={ "/reports/monthly?month=" (month.next().id()) } { (month.next().label()) " →" }
            " · " a href={ "/reports/monthly/print?month=" (month.id()) } { "Printable version" }
        } }
        (report(&usage))
    };
    page(
        StatusCode::OK,
        pages::layout(
            &format!("Monthly online-safety report: {}", month.label()),
            Some(viewer.username()),
            body,
        ),
    )
}

async fn monthly_print<S: Store>(
    State(app): State<AppState<S>>,
    Query(query): Query<MonthQuery>,
    viewer: Viewer,
) -> Response {
    let usage = match read(&app, &viewer, &query, "printed-monthly-report").await {
        Ok(usage) => usage,
        Err(response) => return response,
    };
    let body = html! {
        p.noprint { "Use the browser's Print command: this page prints without the hub's menus. " a href={ "/reports/monthly?month=" (usage.month.id()) } { "Back to the report" } }
        (report(&usage))
        p { "Printed from Schoolgate Hub at " (exact(&crate::now())) " by " (viewer.username()) "." }
    };
    page(
        StatusCode::OK,
        pages::layout(
            &format!("Monthly online-safety report: {}", usage.month.label()),
            Some(viewer.username()),
            body,
        ),
    )
}
