//! The DSL's weekly digest page (`digest.rs`): one printable page per week, for the DSL and
//! deputies, written to the audit log before it is sent.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::html;
use serde::Deserialize;

use super::cases::record;
use super::monitoring::describe;
use super::when::{date, when, when_opt};
use super::{page, pages, unavailable, Viewer};
use crate::digest::{self, week_bounds, week_start};
use crate::digest_mail::{events_of_kind as week_of, MAX_PER_KIND};
use crate::roles::Permission;
use crate::router::AppState;
use crate::store::{Store, StoreError, StoredEvent};

/// The routes of this area (evhub).
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new().route("/digest", get(digest_page::<S>))
}

#[derive(Deserialize, Default)]
struct WeekQuery {
    week: Option<String>,
}

async fn digest_page<S: Store>(
    State(app): State<AppState<S>>,
    Query(query): Query<WeekQuery>,
    viewer: Viewer,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ViewAllReports) {
        return refused;
    }
    let day = match query
        .week
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        None => crate::digest_mail::school_time(chrono::Utc::now()).date(),
        Some(text) => match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(day) => day,
            Err(_) => {
                return page(
                    StatusCode::BAD_REQUEST,
                    pages::message(
                        "Not a date",
                        "Give a day of the week, as YYYY-MM-DD.",
                        Some(("/digest", "This week")),
                    ),
                )
            }
        },
    };
    let monday = week_start(day);
    let bounds = week_bounds(monday);
    let subject = monday.format("%Y-%m-%d").to_string();
    if let Err(response) = record(&app.store, viewer.username(), "viewed-digest", &subject).await {
        return response;
    }
    let read = async {
        Ok::<_, StoreError>((
            week_of(&app.store, "search-alert", &bounds).await?,
            app.store.blocked_attempts(&bounds.0, &bounds.1).await?,
            week_of(&app.store, "circumvention", &bounds).await?,
            week_of(&app.store, "help-seeking", &bounds).await?,
            app.store.devices().await?,
            crate::school_calendar::SchoolCalendar::in_force(&app.store).await?,
        ))
    };
    let ((alerts, more_alerts), blocked, (tricks, more_tricks), (help, _), devices, calendar) =
        match read.await {
            Ok(read) => read,
            Err(e) => return unavailable(e),
        };
    let prevent: Vec<&StoredEvent> = alerts
        .iter()
        .filter(|e| e.alert.as_deref() == Some("prevent"))
        .collect();
    let other_alerts: Vec<&StoredEvent> = alerts
        .iter()
        .filter(|e| e.alert.as_deref() != Some("prevent"))
        .collect();
    let runs = digest::repeated_attempts(&blocked);
    let silent: Vec<_> = devices
        .iter()
        .filter(|d| {
            d.silent_since
                .as_deref()
                .is_some_and(|s| s < bounds.1.as_str())
        })
        .collect();
    let week = format!("week of Monday {}", monday.format("%-d %B %Y"));
    let alert_list = |events: &[&StoredEvent]| {
        html! {
            @if events.is_empty() { p { "None." } } @else {
                table {
                    thead { tr { th { "When" } th { "Pupil" } th { "Group" } th { "Alert" } th { "Search" } } }
                    tbody { @for e in events {
                        tr.flagged {
                            td { (when(&e.at)) }
                            td { (e.user.as_deref().unwrap_or("(no managed account)")) }
                            td { (super::words::group(&e.group)) }
                            td { a href={ "/alerts/" (e.seq) } { (super::words::alert(&e.field("alert"))) } }
                            td { "\"" (e.field("terms")) "\" on " (e.field("engine")) }
                        }
                    } }
                }
            }
        }
    };
    let previous = (monday - chrono::Duration::days(7)).format("%Y-%m-%d");
    let next = (monday + chrono::Duration::days(7)).format("%Y-%m-%d");
    let sunday = (monday + chrono::Duration::days(6))
        .format("%Y-%m-%d")
        .to_string();
    let body = html! {
        nav { p {
            a href={ "/digest?week=" (previous) } { "← The week before" } " · "
            a href={ "/digest?week=" (next) } { "The week after →" } " · "
            a href="/alerts" { "All alerts" } " · " a href="/events" { "All events" } " · " a href="/inbox" { "Reports" }
        } }
        p { "From " (date(&subject)) " to " (date(&sunday)) "." }
        @if crate::school_calendar::is_holiday_week(calendar.as_ref(), monday) {
            p.holiday-week { "A school holiday, by the school's calendar: what is below happened on devices used at home or elsewhere." }
        }
        p { "Times are UK school time (GMT, or BST in summer); point at one to see it exactly, in UTC. Print this page for the safeguarding file (the browser's print leaves out the links and forms). Opening it is recorded in the audit log." }
        @if more_alerts || more_tricks {
            p.error { "This week had more events than the digest reads (" (MAX_PER_KIND) " of a kind): use the events list for the rest." }
        }
        h2 { "Prevent (radicalisation) search alerts: " (prevent.len()) }
        (alert_list(&prevent))
        h2 { "Other search alerts (self-harm, grooming, safeguarding): " (other_alerts.len()) }
        (alert_list(&other_alerts))
        h2 { "Repeated attempts to reach a blocked site: " (runs.len()) }
        p { (digest::REPEAT_AT_LEAST) " or more blocked visits to one site by one pupil (or one device), each within 10 minutes of the one before." }
        @if runs.is_empty() { p { "None." } } @else {
            table {
                thead { tr { th { "Pupil" } th { "Site" } th { "Category" } th { "Attempts" } th { "From" } th { "To" } } }
                tbody { @for run in &runs {
                    tr { td { (run.who) } td { (run.host) } td { (run.category) } td { (run.count) } td { (run.first) } td { (run.last) } }
                } }
            }
        }
        h2 { "Attempts to get round the filter: " (tricks.len()) }
        @if tricks.is_empty() { p { "None." } } @else {
            ol { @for e in &tricks {
                li { (when(&e.at)) " — " (e.user.as_deref().unwrap_or("(no managed account)")) " (" (super::words::group(&e.group)) "): " (describe(e)) }
            } }
        }
        h2 { "Searches for help: " (help.len()) }
        p { "A pupil searched for help and was shown the support page. These are listed in " a href={ "/events?kind=help-seeking&from=" (subject) "&to=" ((monday + chrono::Duration::days(6)).format("%Y-%m-%d")) } { "the events list" } "." }
        h2 { "Devices gone silent: " (silent.len()) }
        @if silent.is_empty() { p { "None now." } } @else {
            table {
                thead { tr { th { "Device" } th { "Group" } th { "Silent since" } th { "Last user" } } }
                tbody { @for d in &silent {
                    tr.flagged { td { (d.device) } td { (super::words::group(&d.group)) } td { (when_opt(d.silent_since.as_deref())) } td { (d.user.as_deref().unwrap_or("")) } }
                } }
            }
        }
    };
    page(
        StatusCode::OK,
        pages::layout(
            &format!("Weekly digest: {week}"),
            Some(viewer.username()),
            body,
        ),
    )
}
