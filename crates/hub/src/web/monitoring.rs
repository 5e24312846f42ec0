//! The monitoring pages (`docs/hub.md`, "Monitoring events"): the devices (IT lead and DSL), the
//! search alerts and one alert with its chronology (DSL and deputies), an alert made into a
//! safeguarding record in one press, and the events list with its filters. Every page that shows
//! an identifiable event is written to the audit log before it is sent; the IT lead's devices
//! page shows no user at all.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;

use super::cases::record;
use super::when::{when, when_opt};
use super::{page, pages, unavailable, Viewer};
use crate::case::CaseKind;
use crate::monitor::alert_label;
use crate::roles::{self, Permission};
use crate::router::AppState;
use crate::store::{DeviceState, EventFilter, NewReport, Store, StoredEvent};

/// Events on one page of the events list and the alerts list.
pub const PAGE_SIZE: i64 = 100;
/// How far either side of an alert its chronology reaches.
pub const CHRONOLOGY_HOURS: i64 = 2;

/// The routes of this area (evhub).
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/devices", get(devices_page::<S>))
        .route("/devices/expected", post(upload_expected::<S>))
        .route("/alerts", get(alerts_page::<S>))
        .route("/alerts/{seq}", get(alert_page::<S>))
        .route("/alerts/{seq}/record", post(make_record::<S>))
        .route("/alerts/{seq}/dismiss", post(dismiss::<S>))
        .route("/events", get(events_page::<S>))
        .route("/figures/term", get(term_summary::<S>))
}

/// One line about an event, as the DSL reads it (no page content: none is ever sent).
pub fn describe(event: &StoredEvent) -> String {
    let f = |name: &str| event.field(name);
    match event.kind.as_str() {
        "heartbeat" => format!("heartbeat: {}", f("state")),
        "blocked" => format!(
            "blocked {} ({}; {}, via {})",
            f("url"),
            f("category"),
            f("rule"),
            f("via")
        ),
        "circumvention" => format!(
            "tried to get round the filter ({}): {} ({})",
            f("method"),
            f("url"),
            f("category")
        ),
        "search-alert" => format!(
            "{} search alert on {}: \"{}\"",
            alert_label(&f("alert")),
            f("engine"),
            f("terms")
        ),
        "help-seeking" => format!("searched for help on {}: \"{}\"", f("engine"), f("terms")),
        "staff-flag" => format!("staff flag, {}: {} {}", f("flag"), f("url"), f("note")),
        "override" => format!(
            "{}, {}: {} (site {}; until {})",
            // ask: an approval of a pupil's request applied on the device, or a code typed there.
            if f("approvedBy") == "a teacher on the hub" || f("route") == "hub" {
                "teacher's approval (Ask my teacher)"
            } else {
                "teacher's override code"
            },
            f("outcome"),
            f("url"),
            f("site"),
            f("endsAt")
        ),
        "visit" => format!("visited {}", f("host")),
        "filter-check" => format!(
            "filter check ({}): {}",
            f("trigger"),
            if f("passed") == "true" {
                "passed"
            } else {
                "FAILED (see the filter check log)"
            }
        ),
        other => other.to_owned(),
    }
}

fn not_found(what: &str) -> Response {
    page(
        StatusCode::NOT_FOUND,
        pages::message(
            &format!("No such {what}"),
            "It does not exist, or the retention policy has deleted it.",
            Some(("/alerts", "All alerts")),
        ),
    )
}

async fn devices_page<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require(Permission::ManageDevices) {
        return refused;
    }
    // Who last used a device is pupil data: only a role that reads reports sees it.
    let show_user = roles::allows(viewer.role, Permission::ViewAllReports);
    if show_user {
        if let Err(response) = record(&app.store, viewer.username(), "viewed-devices", "").await {
            return response;
        }
    }
    let read = match read_devices(&app.store).await {
        Ok(read) => read,
        Err(e) => return unavailable(e),
    };
    devices_markup(&viewer, &read, app.device_silent_after, show_user, None)
}

/// A threshold as people say it: "10 minutes", "20 seconds", "1 hour".
pub fn duration_in_words(duration: std::time::Duration) -> String {
    let secs = duration.as_secs();
    let (n, unit) = match secs {
        s if s >= 3600 && s % 3600 == 0 => (s / 3600, "hour"),
        s if s >= 60 && s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// What the devices page reads: every device, the school's list, each device's latest filter
/// check, and the school's calendar (`school_calendar`), when the approved policy has one.
struct DevicesRead {
    devices: Vec<DeviceState>,
    expected: Vec<crate::store::ExpectedDevice>,
    checks: Vec<crate::filter_checks::FilterCheck>,
    calendar: Option<crate::school_calendar::SchoolCalendar>,
}

/// How the page counts school days today, in words.
fn calendar_note(
    calendar: Option<&crate::school_calendar::SchoolCalendar>,
    today: chrono::NaiveDate,
) -> String {
    let long = |d: chrono::NaiveDate| d.format("%A %-d %B %Y").to_string();
    match calendar {
        None => "The approved policy has no [calendar], so every weekday counts as a school day (holidays too): add the school's terms and INSET days to the policy's [calendar] so they do not.".into(),
        Some(c) if c.covers(today) => {
            let (first, last) = c.span();
            format!("School days follow the school's calendar in the approved policy ({} to {}): weekends, holidays and INSET days do not count.", long(first), long(last))
        }
        Some(c) => {
            let (first, last) = c.span();
            format!("The school's calendar in the approved policy runs from {} to {} and does not cover today, so every weekday counts as a school day: add the coming terms to the policy's [calendar].", long(first), long(last))
        }
    }
}

/// What the devices page shows.
async fn read_devices<S: Store>(store: &S) -> Result<DevicesRead, crate::store::StoreError> {
    Ok(DevicesRead {
        devices: store.devices().await?,
        expected: store.expected_devices().await?,
        checks: store.latest_filter_checks().await?,
        calendar: crate::school_calendar::SchoolCalendar::in_force(store).await?,
    })
}

/// The devices page, with the upload's errors when there were any.
fn devices_markup(
    viewer: &Viewer,
    read: &DevicesRead,
    silent_after: std::time::Duration,
    show_user: bool,
    upload: Option<(&[crate::expected::LineError], &str)>,
) -> Response {
    use crate::expected::{self, Seen, NOT_SEEN_SCHOOL_DAYS};
    let (devices, expected, checks) = (&read.devices, &read.expected, &read.checks);
    let now = chrono::Utc::now();
    let calendar = read.calendar.as_ref();
    let listed = expected::check(expected, devices, now, calendar);
    let today = crate::school_calendar::school_date(calendar, now);
    let holiday = crate::school_calendar::day(calendar, today).is_holiday();
    let silent_after = duration_in_words(silent_after);
    let unseen = listed.iter().filter(|(_, seen)| seen.flagged()).count();
    // selftest: each device's latest filter check, a failed one marked (`filter_checks`).
    let check_of = |device: &str| checks.iter().find(|c| c.device == device);
    let failing = crate::filter_checks::failing(checks);
    let silent: Vec<&DeviceState> = devices
        .iter()
        .filter(|d| d.silent_since.is_some())
        .collect();
    let body = html! {
        @if !silent.is_empty() {
            p.error role="alert" {
                (super::words::count(silent.len() as u64, "device", "devices")) " stopped reporting while in use (the extension may have been removed, disabled or stopped). They are marked below."
            }
        }
        @if !failing.is_empty() {
            p.error role="alert" {
                (super::words::count(failing.len() as u64, "device", "devices")) " failed their latest filter check: part of the filter may not be working on them. "
                a href="/filter-checks" { "See the filter check log" }
            }
        }
        @if unseen > 0 {
            p.error role="alert" {
                (super::words::count(unseen as u64, "device on the school's list has", "devices on the school's list have")) " never been heard from, or not for " (NOT_SEEN_SCHOOL_DAYS) " school days (the extension may never have been installed, or been removed). See \"The school's list\" below."
            }
        }
        // The good news after the problems: a flagged device must be the first thing read.
        @if silent.is_empty() {
            p.ok { "No device has gone silent." }
        }
        p { (super::words::count(devices.len() as u64, "device", "devices")) ". A device whose last heartbeat said it was in use and that has sent nothing for " (silent_after) " is flagged." }
        @if holiday {
            p { "Today is a school holiday by the school's calendar: a device gone silent is still marked here, but the IT lead is not e-mailed about it." }
        }
        table {
            thead { tr {
                th { "Device" } th { "Group" } th { "Extension" } th { "Last heard from" } th { "Last event" } th { "Last heartbeat" } th { "Gone silent" } th { "Filter check" }
                @if show_user { th { "Last user" } }
            } }
            tbody {
                @for device in devices {
                    tr.flagged[device.silent_since.is_some() || check_of(&device.device).is_some_and(|c| !c.passed)] {
                        td { (device.device) }
                        td { (super::words::group(&device.group)) }
                        td { (device.extension_version) }
                        td { (when(&device.last_seen_at)) }
                        td { (when_opt(device.last_event_at.as_deref())) }
                        td { (device.heartbeat_state.as_deref().unwrap_or("")) " " (when_opt(device.heartbeat_at.as_deref())) }
                        td { @if let Some(since) = &device.silent_since { strong.flag { "since " (when(since)) } } }
                        td { @match check_of(&device.device) {
                            Some(check) if check.passed => a href={ "/filter-checks#check-" (check.id) } { "passed " (when(&check.checked_at)) },
                            Some(check) => strong.flag { a href={ "/filter-checks#check-" (check.id) } { "FAILED " (when(&check.checked_at)) } },
                            None => "none yet",
                        } }
                        @if show_user { td { (device.user.as_deref().unwrap_or("")) } }
                    }
                }
            }
        }
    };
    let errors = upload.map(|(errors, _)| errors).unwrap_or_default();
    let body = html! {
        (body)
        h2 #expected { "The school's list of devices" }
        p { "Every Chromebook the school expects to hear from. A listed device the hub has never heard from is marked " strong.flag { "never seen" } "; one not heard from for " (NOT_SEEN_SCHOOL_DAYS) " school days, " strong.flag { "not seen since" } " the last time." }
        p.school-days { (calendar_note(calendar, today)) }
        @if listed.is_empty() {
            p { "No list yet." }
        } @else {
            table {
                thead { tr { th { "Label" } th { "Device" } th { "Heard from" } } }
                tbody { @for (device, seen) in &listed {
                    tr.flagged[seen.flagged()] {
                        td { (device.label) }
                        td { (device.device) }
                        td { @match seen {
                            Seen::Never => strong.flag { "never seen" },
                            Seen::NotSince(at) => strong.flag { "not seen since " (when(at)) },
                            Seen::Lately(at) => { "last " (when(at)) },
                        } }
                    }
                } }
            }
            p { "Uploaded by " (listed[0].0.uploaded_by) " at " (when(&listed[0].0.uploaded_at)) "." }
        }
        @if !errors.is_empty() {
            div.error role="alert" {
                p { "The list was not saved (nothing changed): fix these lines and send it again." }
                ul { @for error in errors { li { (error.to_string()) } } }
            }
        }
        form method="post" action="/devices/expected" {
            (pages::csrf_field())
            label {
                "The list, as CSV: the device id as the extension sends it (the Admin console's \"Device ID\") and a label, one device a line. Paste the Admin console's device export as it is: its header line says which columns to read. A new list replaces the old one."
                textarea name="csv" rows="8" { (upload.map(|(_, text)| text).unwrap_or("")) }
            }
            button type="submit" { "Save the list" }
        }
    };
    page(
        if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        pages::layout("Devices", Some(viewer.username()), body),
    )
}

#[derive(Deserialize)]
struct ExpectedForm {
    csv: String,
}

/// digest: the IT lead's list of expected devices, checked whole; saved only when every line
/// is right, in one transaction.
async fn upload_expected<S: Store>(
    State(app): State<AppState<S>>,
    viewer: Viewer,
    Form(form): Form<ExpectedForm>,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ManageDevices) {
        return refused;
    }
    let show_user = roles::allows(viewer.role, Permission::ViewAllReports);
    let now = crate::now();
    match crate::expected::parse_device_list(&form.csv, viewer.username(), &now) {
        Ok(list) => {
            let saved = async {
                app.store.replace_expected_devices(&list).await?;
                app.store
                    .audit(&crate::audit::AuditEvent {
                        actor: viewer.username().to_owned(),
                        action: "uploaded-device-list".into(),
                        subject: super::words::count(list.len() as u64, "device", "devices"),
                    })
                    .await
            };
            match saved.await {
                Ok(_) => Redirect::to("/devices#expected").into_response(),
                Err(e) => unavailable(e),
            }
        }
        Err(errors) => {
            let read = match read_devices(&app.store).await {
                Ok(read) => read,
                Err(e) => return unavailable(e),
            };
            devices_markup(
                &viewer,
                &read,
                app.device_silent_after,
                show_user,
                Some((&errors, &form.csv)),
            )
        }
    }
}

#[derive(Deserialize, Default)]
struct EventQuery {
    pupil: Option<String>,
    device: Option<String>,
    group: Option<String>,
    category: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before_at: Option<String>,
    before_seq: Option<i64>,
}

fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| v.chars().take(254).collect())
}

/// A date (`YYYY-MM-DD`) as the start of that day, UTC; `days` later for the end of a period.
fn day_start(value: &Option<String>, days: i64) -> Result<Option<String>, String> {
    let Some(text) = given(value) else {
        return Ok(None);
    };
    let date = chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a date (YYYY-MM-DD)"))?;
    let start = date + chrono::Duration::days(days);
    Ok(Some(format!("{}T00:00:00.000Z", start.format("%Y-%m-%d"))))
}

impl EventQuery {
    fn filter(&self, kind: Option<String>) -> Result<EventFilter, String> {
        Ok(EventFilter {
            user: given(&self.pupil),
            device: given(&self.device),
            group: given(&self.group),
            category: given(&self.category),
            kind: kind.or_else(|| given(&self.kind)),
            from: day_start(&self.from, 0)?,
            to: day_start(&self.to, 1)?,
            before: given(&self.before_at).zip(self.before_seq),
            oldest_first: false,
            limit: PAGE_SIZE,
        })
    }

    /// The filter as the audit log records it and as the next page's link repeats it.
    fn as_query(&self) -> String {
        let pairs: Vec<(&str, String)> = [
            ("pupil", &self.pupil),
            ("device", &self.device),
            ("group", &self.group),
            ("category", &self.category),
            ("kind", &self.kind),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter_map(|(k, v)| given(v).map(|v| (k, v)))
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

fn next_page(path: &str, query: &EventQuery, events: &[StoredEvent]) -> Option<String> {
    let last = events.last().filter(|_| events.len() as i64 == PAGE_SIZE)?;
    let cursor = serde_urlencoded::to_string([
        ("before_at", last.at.clone()),
        ("before_seq", last.seq.to_string()),
    ])
    .unwrap_or_default();
    let filters = query.as_query();
    Some(if filters.is_empty() {
        format!("{path}?{cursor}")
    } else {
        format!("{path}?{filters}&{cursor}")
    })
}

fn event_table(events: &[StoredEvent], alerts: bool) -> Markup {
    html! {
        table.cards {
            thead { tr { th { "When" } th { "Pupil" } th { "Group" } th { "Device" } th { "What" } } }
            tbody {
                @for event in events {
                    tr.flagged[event.kind == "search-alert" || event.kind == "circumvention"] {
                        td { (when(&event.at)) }
                        td data-label="Pupil" { (event.user.as_deref().unwrap_or("(no managed account)")) }
                        td data-label="Group" { (super::words::group(&event.group)) }
                        td data-label="Device" { (event.device) }
                        td.url data-label="What" {
                            @if alerts || event.kind == "search-alert" {
                                a href={ "/alerts/" (event.seq) } { (describe(event)) }
                            } @else { (describe(event)) }
                        }
                    }
                }
            }
        }
    }
}

async fn alerts_page<S: Store>(
    State(app): State<AppState<S>>,
    Query(query): Query<EventQuery>,
    viewer: Viewer,
) -> Response {
    list_page(app, query, viewer, true).await
}

async fn events_page<S: Store>(
    State(app): State<AppState<S>>,
    Query(query): Query<EventQuery>,
    viewer: Viewer,
) -> Response {
    list_page(app, query, viewer, false).await
}

async fn list_page<S: Store>(
    app: AppState<S>,
    query: EventQuery,
    viewer: Viewer,
    alerts: bool,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ViewAllReports) {
        return refused;
    }
    let (path, title, action) = if alerts {
        ("/alerts", "Search alerts", "viewed-alerts")
    } else {
        ("/events", "Events", "viewed-events")
    };
    let filter = match query.filter(alerts.then(|| "search-alert".to_owned())) {
        Ok(filter) => filter,
        Err(error) => {
            return page(
                StatusCode::BAD_REQUEST,
                pages::message("Not a filter", &error, Some((path, "Start again"))),
            )
        }
    };
    if let Err(response) = record(&app.store, viewer.username(), action, &query.as_query()).await {
        return response;
    }
    let events = match app.store.events(&filter).await {
        Ok(events) => events,
        Err(e) => return unavailable(e),
    };
    let field = |name: &str, value: &Option<String>, kind: &str| {
        html! { label { (name) " " input type=(kind) name=(name.to_lowercase()) value=(value.as_deref().unwrap_or("")); } }
    };
    let body = html! {
        nav { p { a href="/inbox" { "Reports" } " · " a href="/alerts" { "Search alerts" } " · " a href="/events" { "All events" } " · " a href="/devices" { "Devices" } } }
        @if alerts {
            p { "Searches that raised a Prevent, self-harm, grooming or safeguarding alert, newest first. Each opens with what the pupil did before and after." }
        }
        form method="get" action=(path) {
            fieldset {
                legend { "Filter" }
                (field("Pupil", &query.pupil, "text"))
                (field("Group", &query.group, "text"))
                (field("Device", &query.device, "text"))
                @if !alerts {
                    (field("Category", &query.category, "text"))
                    label { "Kind " select name="kind" {
                        option value="" { "any" }
                        @for kind in crate::events::KINDS {
                            option value=(kind) selected[query.kind.as_deref() == Some(kind)] { (kind) }
                        }
                    } }
                }
                (field("From", &query.from, "date"))
                (field("To", &query.to, "date"))
                button type="submit" { "Show" }
            }
        }
        p { (super::words::count(events.len() as u64, "event", "events")) " on this page. Looking at events is recorded in the audit log." }
        (event_table(&events, alerts))
        @if let Some(next) = next_page(path, &query, &events) {
            p { a href=(next) { "Older →" } }
        }
    };
    page(
        StatusCode::OK,
        pages::layout(title, Some(viewer.username()), body),
    )
}

/// The alert, its chronology (the same pupil's events, or the device's when Chrome gave no
/// account, `CHRONOLOGY_HOURS` either side), and the report it is linked to, if any.
async fn alert_with_chronology<S: Store>(
    store: &S,
    seq: i64,
) -> Result<Option<(StoredEvent, Vec<StoredEvent>, Option<String>)>, Response> {
    let Some(alert) = store.event(seq).await.map_err(unavailable)? else {
        return Ok(None);
    };
    if alert.kind != "search-alert" {
        return Ok(None);
    }
    let at = chrono::DateTime::parse_from_rfc3339(&alert.at)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|_| chrono::Utc::now());
    let around = |hours: i64| {
        (at + chrono::Duration::hours(hours)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let (user, device) = match &alert.user {
        Some(user) => (Some(user.clone()), None),
        None => (None, Some(alert.device.clone())),
    };
    let chronology = store
        .events(&EventFilter {
            user,
            device,
            from: Some(around(-CHRONOLOGY_HOURS)),
            to: Some(around(CHRONOLOGY_HOURS)),
            oldest_first: true,
            limit: 500,
            ..Default::default()
        })
        .await
        .map_err(unavailable)?;
    // The record: one the DSL made from this alert, or the device's own report when the hub has it.
    let mut linked = store.alert_record(seq).await.map_err(unavailable)?;
    if linked.is_none() {
        if let Some(report) = alert.report_id.as_deref() {
            if store.report(report).await.map_err(unavailable)?.is_some() {
                linked = Some(report.to_owned());
            }
        }
    }
    Ok(Some((alert, chronology, linked)))
}

async fn alert_page<S: Store>(
    State(app): State<AppState<S>>,
    Path(seq): Path<i64>,
    viewer: Viewer,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ViewAllReports) {
        return refused;
    }
    if let Err(response) = record(
        &app.store,
        viewer.username(),
        "viewed-alert",
        &seq.to_string(),
    )
    .await
    {
        return response;
    }
    let (alert, chronology, linked) = match alert_with_chronology(&app.store, seq).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found("alert"),
        Err(response) => return response,
    };
    let dismissed = match app.store.alert_dismissal(seq).await {
        Ok(dismissed) => dismissed,
        Err(e) => return unavailable(e),
    };
    let body = html! {
        p { a href="/alerts" { "← All alerts" } }
        table {
            tr { th { "Alert" } td { strong.flag { (super::words::alert(&alert.field("alert"))) } } }
            tr { th { "Search" } td { "\"" (alert.field("terms")) "\" on " (alert.field("engine")) } }
            tr { th { "When" } td { (when(&alert.at)) } }
            tr { th { "Pupil" } td { (alert.user.as_deref().unwrap_or("(no managed account: see the device)")) } }
            tr { th { "Group" } td { (super::words::group(&alert.group)) } }
            tr { th { "Device" } td { (alert.device) } }
        }
        @match &linked {
            Some(report) => p.ok { "The safeguarding record: " a href={ "/reports/" (report) } { (report) } },
            None => form method="post" action={ "/alerts/" (alert.seq) "/record" } {
                (pages::csrf_field())
                button type="submit" { "Make this a safeguarding record" }
                " (it goes into the inbox, with this chronology, as a case you can work on)"
            },
        }
        @if let Some(d) = &dismissed {
            p.ok { "Dismissed by " (d.by) " at " (when(&d.at)) ": " (d.reason) }
        } @else if linked.is_none() {
            form method="post" action={ "/alerts/" (alert.seq) "/dismiss" } {
                (pages::csrf_field())
                label { "Or dismiss it (no record needed), saying why " input type="text" name="reason" required maxlength="500"; }
                button type="submit" { "Dismiss this alert" }
                " (it leaves the top of the inbox; the alert and this reason stay here)"
            }
        }
        h2 { "Before and after (" (CHRONOLOGY_HOURS) " hours either side)" }
        ol {
            @for event in &chronology {
                li {
                    @if event.seq == alert.seq { strong { (when(&event.at)) " — " (describe(event)) } }
                    @else { (when(&event.at)) " — " (describe(event)) }
                }
            }
        }
    };
    page(
        StatusCode::OK,
        pages::layout("Search alert", Some(viewer.username()), body),
    )
}

/// The id of the record made from alert `seq`: the same for every press, on every hub, so the
/// record is made once.
pub fn record_id(seq: i64) -> String {
    format!("r-alert-{seq:08}")
}

async fn make_record<S: Store>(
    State(app): State<AppState<S>>,
    Path(seq): Path<i64>,
    viewer: Viewer,
) -> Response {
    if let Err(refused) = viewer
        .require(Permission::ViewAllReports)
        .and_then(|()| viewer.require(Permission::AssignReports))
    {
        return refused;
    }
    let (alert, chronology, linked) = match alert_with_chronology(&app.store, seq).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found("alert"),
        Err(response) => return response,
    };
    if let Some(report) = linked {
        return Redirect::to(&format!("/reports/{report}")).into_response();
    }
    let id = record_id(seq);
    let reason = format!(
        "{} search alert on {}: \"{}\"",
        alert_label(&alert.field("alert")),
        alert.field("engine"),
        alert.field("terms")
    );
    let body = serde_json::json!({
        "schema": crate::ingest::REPORT_SCHEMA,
        "id": id,
        "revision": 1,
        "createdAt": alert.at,
        "source": "hub-search-alert",
        "school": { "name": "", "policySource": "hub" },
        "pupil": { "group": alert.group, "groupLabel": alert.group, "email": alert.user, "deviceAssetId": alert.device },
        "page": { "url": "", "title": "", "navigations": [] },
        "filter": { "action": "alert", "category": alert.field("alert"), "locked": false, "reason": reason, "rule": null, "engineVersion": null },
        "blockedOnDevice": false,
        "adult": null,
        "timeline": chronology.iter().map(|e| serde_json::json!({ "at": e.at, "event": e.kind, "detail": describe(e) })).collect::<Vec<_>>(),
        "hub": { "fromAlert": seq, "openedBy": viewer.username() },
    });
    let now = crate::now();
    let report = NewReport {
        id: id.clone(),
        revision: 1,
        body: body.to_string(),
        created_at: Some(alert.at.clone()),
        // Not a device's key: the hub made this record, and says who asked for it.
        signing_key: format!("hub:{}", viewer.username()),
        received_at: now.clone(),
    };
    let stored = async {
        app.store.ingest(&report).await?;
        if app
            .store
            .link_alert_record(seq, &id, viewer.username(), &now)
            .await?
        {
            app.store
                .add_case_entry(
                    &id,
                    viewer.username(),
                    CaseKind::Note.name(),
                    &format!("Safeguarding record made from search alert {seq}: {reason}"),
                )
                .await?;
        }
        Ok::<_, crate::store::StoreError>(())
    };
    match stored.await {
        Ok(()) => Redirect::to(&format!("/reports/{id}")).into_response(),
        Err(e) => unavailable(e),
    }
}

#[derive(Deserialize)]
struct DismissForm {
    reason: String,
}

/// The longest reason for dismissing an alert.
pub const MAX_DISMISS_REASON: usize = 500;

/// digest: an alert the DSL decided needs no record leaves the top of the inbox; the reason is
/// kept beside it and the dismissal is in the audit log.
async fn dismiss<S: Store>(
    State(app): State<AppState<S>>,
    Path(seq): Path<i64>,
    viewer: Viewer,
    Form(form): Form<DismissForm>,
) -> Response {
    if let Err(refused) = viewer
        .require(Permission::ViewAllReports)
        .and_then(|()| viewer.require(Permission::AssignReports))
    {
        return refused;
    }
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_DISMISS_REASON {
        return page(
            StatusCode::BAD_REQUEST,
            pages::message(
                "Say why",
                &format!(
                    "Dismissing an alert needs a reason of 1 to {MAX_DISMISS_REASON} characters."
                ),
                Some((&format!("/alerts/{seq}"), "Back to the alert")),
            ),
        );
    }
    match app.store.event(seq).await {
        Ok(Some(event)) if event.kind == "search-alert" => {}
        Ok(_) => return not_found("alert"),
        Err(e) => return unavailable(e),
    }
    let dismissal = crate::store::Dismissal {
        by: viewer.username().to_owned(),
        at: crate::now(),
        reason: reason.to_owned(),
    };
    match app.store.dismiss_alert(seq, &dismissal).await {
        Ok(true) => {
            if let Err(response) = record(
                &app.store,
                viewer.username(),
                "dismissed-alert",
                &seq.to_string(),
            )
            .await
            {
                return response;
            }
        }
        Ok(false) => {}
        Err(e) => return unavailable(e),
    }
    Redirect::to(&format!("/alerts/{seq}")).into_response()
}

#[derive(Deserialize, Default)]
struct TermQuery {
    term: Option<String>,
}

/// The governors' summary for one term against the term before: counts only, small ones hidden
/// (`summary.rs`).
async fn term_summary<S: Store>(
    State(app): State<AppState<S>>,
    Query(query): Query<TermQuery>,
    viewer: Viewer,
) -> Response {
    use crate::summary::{self, Term};
    if let Err(refused) = viewer.require(Permission::ViewFigures) {
        return refused;
    }
    let asked = match query.term.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(text) => match Term::parse(text) {
            Some(term) => Some(term),
            None => {
                return page(
                    StatusCode::BAD_REQUEST,
                    pages::message(
                        "No such term",
                        "A term is written like 2026-autumn, 2027-spring or 2027-summer.",
                        Some(("/figures/term", "This term")),
                    ),
                )
            }
        },
    };
    // hubcal: the school's own terms when the approved policy has a calendar.
    let calendar = match crate::school_calendar::SchoolCalendar::in_force(&app.store).await {
        Ok(calendar) => calendar,
        Err(e) => return unavailable(e),
    };
    let now = chrono::Utc::now();
    let today = crate::school_calendar::school_date(calendar.as_ref(), now);
    let (this, last, fallback) =
        crate::school_calendar::governors_terms(calendar.as_ref(), asked, today);
    let (term, last_term) = (this.term, last.term);
    let counts = async {
        Ok::<_, crate::store::StoreError>((
            app.store.event_counts(&this.start(), &this.end()).await?,
            app.store.event_counts(&last.start(), &last.end()).await?,
            [
                crate::usage::changes_made_between(&app.store, &this.start(), &this.end()).await?,
                crate::usage::changes_made_between(&app.store, &last.start(), &last.end()).await?,
            ],
            [
                crate::usage::policy_changes_between(&app.store, &this.start(), &this.end())
                    .await?,
                crate::usage::policy_changes_between(&app.store, &last.start(), &last.end())
                    .await?,
            ],
        ))
    };
    let (this_counts, last_counts, changes, policy_changes) = match counts.await {
        Ok(counts) => counts,
        Err(e) => return unavailable(e),
    };
    // selftest: the filter's own checks this term (no pupil in them: exact counts).
    let checks = match app
        .store
        .filter_check_counts(&this.start(), &this.end())
        .await
    {
        Ok(checks) => checks,
        Err(e) => return unavailable(e),
    };
    let summary = summary::summarise(&this_counts, &last_counts);
    let table = |caption: &str, lines: &[summary::Line]| {
        html! {
            table {
                caption { (caption) }
                thead { tr { th { "" } th { (term.label()) } th { (last_term.label()) } th { "Change" } th { "Trend" } } }
                tbody {
                    @for line in lines {
                        tr {
                            th scope="row" { (line.label) }
                            td { (summary::shown(line.this)) }
                            td { (summary::shown(line.last)) }
                            td { (summary::change(line.this, line.last)) }
                            td { (summary::trend(line.this, line.last)) }
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        nav { p {
            a href={ "/figures/term?term=" (last_term.id()) } { "← " (last_term.label()) }
            " · " a href={ "/figures/term?term=" (term.next().id()) } { (term.next().label()) " →" }
            " · " a href="/figures" { "Reports by month" }
        } }
        p.term-dates { (term.label()) ": " (this.dates_text()) ". " (last_term.label()) ": " (last.dates_text()) "." }
        @if let Some(note) = &fallback { p.term-fallback { (note) } }
        p { "What the school's filter stopped and which searches raised an alert, this term against the last. No pupil, group, device or page is named; any count under 5 is shown as \"fewer than 5\", with no trend beside it. Events older than the retention period (90 days unless the school changed it) are no longer counted." }
        (table("Changes made and checks done", &[summary::Line {
            label: "Changes made to what the filter lets through (pages unblocked or kept blocked, sites blocked or unblocked for the school)".into(),
            this: changes[0],
            last: changes[1],
        }]))
        // Exact: a policy change names no pupil, so nothing is hidden.
        p.policy-changes { (crate::usage::POLICY_CHANGES_LABEL) ": " (policy_changes[0]) " (" (last_term.label()) ": " (policy_changes[1]) "). Each is a version of the school's policy approved in the hub; " a href="/policy/history" { "the policy's history" } " says what changed and who approved it." }
        p.filter-checks { "Filter checks done: " (checks.0) ", failed: " (checks.1) ". (The Chromebooks check their own filter every day; " a href="/filter-checks" { "the filter check log" } " says what was checked and what was done about a failure.)" }
        (table("By KCSIE area of risk", &summary.areas))
        (table("What happened", &summary.kinds))
        (table("Blocked pages by category (UK Safer Internet Centre categories marked UKSIC)", &summary.categories))
    };
    page(
        StatusCode::OK,
        pages::layout(
            &format!("Governors' summary: {}", term.label()),
            Some(viewer.username()),
            body,
        ),
    )
}
