//! The pages, server-rendered with maud (every value escaped), with no JavaScript at all.

use super::when::{when, when_opt};
use maud::{html, Markup, DOCTYPE};
use serde_json::Value;

use crate::roles::Role;
use crate::store::{InboxSummary, StoredEvent, StoredReport};

/// The stylesheet, served as `/hub.css` (the CSP allows no inline style).
pub const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:70rem;margin:1rem auto;padding:0 1rem;color:#1b1b1b}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}\
.error{background:#fde8e8;border-left:4px solid #c00;padding:.5rem}.url{word-break:break-all}\
label{display:block;margin:.6rem 0}input{font-size:1rem;padding:.3rem}code,pre{background:#f4f4f4;padding:.2rem;white-space:pre-wrap;word-break:break-all}\
header{display:flex;justify-content:space-between;align-items:center}\
.flag{color:#8a0000}tr.flagged{background:#fff3f3}textarea{width:100%;min-height:4rem;font-size:1rem}select{font-size:1rem}\
fieldset{margin:.8rem 0;border:1px solid #ccc}.ok{background:#e8f6e8;border-left:4px solid #080;padding:.5rem}\
@media print{header form,form,nav,.noprint{display:none}body{max-width:none;margin:0;font-size:11pt}a{color:inherit;text-decoration:none}tr{break-inside:avoid}}\
:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}\
textarea,input,select{box-sizing:border-box;max-width:100%}table{margin-bottom:1.2rem}caption{text-align:left;font-weight:600;padding:.6rem 0 .3rem}\
.skipped{color:#555;font-style:italic}.lines{white-space:pre-wrap}form{margin:.4rem 0}\
@media (max-width:40rem){table.cards thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}\
table.cards tr{display:block;padding:.4rem 0;border-bottom:1px solid #ddd}table.cards td{display:block;border:0;padding:.1rem .5rem}\
table.cards td[data-label]::before{content:attr(data-label) \": \";font-weight:600}table.cards td:empty{display:none}}";

/// The frame every page shares.
pub fn layout(title: &str, signed_in: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Schoolgate Hub" }
                link rel="stylesheet" href="/hub.css";
            }
            body {
                header {
                    strong { "Schoolgate Hub" }
                    @if let Some(user) = signed_in {
                        form method="post" action="/logout" {
                            (csrf_field())
                            "Signed in as " (user) " "
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The hidden CSRF field every state-changing form must carry (`security::guard` checks it).
pub fn csrf_field() -> Markup {
    html! { input type="hidden" name=(super::security::CSRF_FIELD) value=(super::security::csrf_token()); }
}

fn error_box(error: Option<&str>) -> Markup {
    html! {
        @if let Some(error) = error {
            p.error role="alert" { (error) }
        }
    }
}

/// The first-run page: make the first DSL account, with an authenticator app.
pub fn setup(token: &str, totp_secret: &str, otpauth: &str, error: Option<&str>) -> Markup {
    let body = html! {
        p { "This link works once. It makes the first account: the Designated Safeguarding Lead's. There is no default password." }
        (error_box(error))
        form method="post" action={ "/setup/" (token) } {
            (csrf_field())
            label { "Your user name " input name="username" autocomplete="username" required; }
            label { "Password (at least 12 characters) " input type="password" name="password" autocomplete="new-password" required; }
            label { "The same password again " input type="password" name="password_again" autocomplete="new-password" required; }
            p { "Add this key to an authenticator app (\"enter a setup key\"; time-based, 6 digits, 30 seconds): " }
            p { code { (totp_secret) } }
            p { "or open this address on the phone: " code.url { (otpauth) } }
            input type="hidden" name="totp_secret" value=(totp_secret);
            label { "The 6-digit code the app shows now " input name="code" inputmode="numeric" autocomplete="one-time-code" required; }
            button type="submit" { "Create the account" }
        }
    };
    layout("Set up the hub", None, body)
}

/// A page that only says something, with a link.
pub fn message(title: &str, text: &str, link: Option<(&str, &str)>) -> Markup {
    layout(
        title,
        None,
        html! {
            p { (text) }
            @if let Some((href, label)) = link { p { a href=(href) { (label) } } }
        },
    )
}

/// Sign in: name, password and the authenticator's code.
pub fn login(error: Option<&str>) -> Markup {
    let body = html! {
        (error_box(error))
        form method="post" action="/login" {
            (csrf_field())
            label { "User name " input name="username" autocomplete="username" required; }
            label { "Password " input type="password" name="password" autocomplete="current-password" required; }
            label { "Code from the authenticator app " input name="code" inputmode="numeric" autocomplete="one-time-code" required; }
            button type="submit" { "Sign in" }
        }
        p { a href="/login/oidc" { "Sign in with the school's Google or Microsoft account" } }
    };
    layout("Sign in", None, body)
}

pub fn text<'v>(report: &'v Value, path: &[&str]) -> &'v str {
    let mut value = report;
    for key in path {
        value = &value[*key];
    }
    value.as_str().unwrap_or("")
}

/// One page of the inbox: open flagged reports first (suspected CSAM, escalated), then new ones,
/// then the rest, newest first within each (`case::inbox_rank`, read in that order by the store),
/// with `flagged` open flagged reports in all, and a link to the next page if there is one.
pub fn inbox(
    user: &str,
    role: Role,
    alerts: &[StoredEvent],
    rows: &[InboxSummary],
    flagged: i64,
    later_page: bool,
    older: Option<&str>,
) -> Markup {
    use crate::roles::Permission::*;
    let may = |permission| crate::roles::allows(role, permission);
    let body = html! {
        p {
            @if flagged > 0 { strong.flag { (super::words::count(flagged as u64, "flagged report", "flagged reports")) " open." } " " }
            (super::words::count(rows.len() as u64, "report", "reports")) " on this page" @if later_page { " (an older page)" } ". Opening a report is recorded in the audit log."
        }
        // Only the links this role may follow: a reader is never sent to a 403.
        nav aria-label="Exports and the audit log" {
            p {
                "Export: " a href="/exports/reports.csv" { "CSV (CPOMS, MyConcern)" } " · " a href="/exports/reports.json" { "JSON" }
                @if may(ViewAllReports) { " · " a href="/exports/pupil" { "Subject-access export" } }
                @if may(ViewAuditLog) { " · " a href="/audit" { "Audit log" } }
            }
            // evhub: monitoring events beside the inbox.
            @if may(ViewAllReports) {
                p { "Monitoring: " a href="/alerts" { "Search alerts" } " · " a href="/events" { "All events" } " · " a href="/digest" { "This week's digest" } }
            }
            // policyhub: the filter policy under change control.
            @if may(ViewPolicy) {
                p { "Filter policy: " a href="/policy" { "In force and waiting for approval" } " · " a href="/policy/history" { "History" } }
            }
            @let more = [
                (AnswerRequests, "/requests", "Pupils' requests"),
                (ViewUsageReport, "/reports/monthly", "Monthly usage report"),
                (ViewFigures, "/figures", "Figures for governors"),
                (ViewFilterChecks, "/filter-checks", "Filter check log"),
                (ManageDevices, "/devices", "Devices"),
                (ManageDevices, "/keys", "Keys"),
                (ManageAccounts, "/accounts", "Accounts"),
            ];
            @let more: Vec<_> = more.iter().filter(|(p, _, _)| may(*p)).collect();
            @if !more.is_empty() {
                p { "The school: " @for (i, (_, href, text)) in more.iter().enumerate() { @if i > 0 { " · " } a href=(href) { (text) } } }
            }
        }
        // digest: open search alerts first, above every report.
        @if !alerts.is_empty() {
            section aria-labelledby="open-alerts" {
                h2 #open-alerts { (super::words::count(alerts.len() as u64, "search alert", "search alerts")) " waiting for you" }
                p { "Searches that raised a Prevent, self-harm, grooming or safeguarding alert. Open one to see what the pupil did before and after, then make it a safeguarding record or dismiss it: either takes it off this list." }
                // On a phone (a DSL reads alerts on one) each row stands as a card, labelled.
                table.cards {
                    thead { tr { th { "Alert" } th { "When" } th { "Pupil" } th { "Group" } th { "Search" } } }
                    tbody {
                        @for alert in alerts {
                            tr.flagged {
                                td { a href={ "/alerts/" (alert.seq) } { strong.flag { (super::words::alert(alert.alert.as_deref().unwrap_or(""))) } } }
                                td data-label="When" { (when(&alert.at)) }
                                td data-label="Pupil" { (alert.user.as_deref().unwrap_or("(no managed account)")) }
                                td data-label="Group" { (super::words::group(&alert.group)) }
                                td data-label="Search" { "\"" (alert.field("terms")) "\"" }
                            }
                        }
                    }
                }
            }
            h2 { "Reports" }
        }
        table.cards {
            thead { tr { th { "Flags" } th { "Pressed" } th { "Report" } th { "School" } th { "Group" } th { "Page" } th { "Adult's record" } th { "Assigned to" } th { "State" } } }
            tbody {
                @for row in rows {
                    tr.flagged[row.flagged()] {
                        td {
                            @if row.csam { strong.flag { "Suspected CSAM" } " " }
                            @if row.escalated { strong.flag { "Escalated" } " " }
                            @if row.is_new() { "New" }
                        }
                        td data-label="Pressed" { (when_opt(row.created_at.as_deref())) }
                        td data-label="Report" { a href={ "/reports/" (row.id) } { (row.id) } }
                        td data-label="School" { (row.school_name) }
                        td data-label="Group" { (row.group_label) }
                        td.url data-label="Page" { (row.page_url) }
                        td data-label="Adult's record" { @if row.adult_recorded { "recorded" } @else { "not yet" } }
                        td data-label="Assigned to" { (row.assigned_to.as_deref().unwrap_or("")) }
                        td data-label="State" { @if row.closed { "closed" } @else { "open" } }
                    }
                }
            }
        }
        @if later_page || older.is_some() {
            nav aria-label="Pages of the inbox" {
                p {
                    @if later_page { a href="/inbox" { "← Newest (first page)" } " " }
                    @if let Some(older) = older { a href=(older) rel="next" { "Older reports →" } }
                }
            }
        }
    };
    layout("Reports", Some(user), body)
}

/// What the adult on the device recorded (`adult` in the report, docs/reports.md), in words: the
/// safeguarding record itself, which the DSL reads first.
fn adult_record(body: &Value) -> Markup {
    let adult = &body["adult"];
    let yes_no = |v: &Value| {
        if v.as_bool() == Some(true) {
            "yes"
        } else {
            "no"
        }
    };
    html! {
        h2 { "What the adult recorded" }
        @if adult.is_object() {
            table {
                tr { th scope="row" { "Recorded" } td { (when(text(adult, &["at"]))) } }
                tr { th scope="row" { "Area of risk" } td { (super::words::codes(&adult["areas"])) } }
                tr { th scope="row" { "What it was about" } td { (super::words::codes(&adult["categories"])) } }
                tr { th scope="row" { "How the pupil felt" } td { (super::words::code(text(adult, &["feeling"]))) } }
                tr { th scope="row" { "The pupil's words" } td { (text(adult, &["pupilWords"])) } }
                tr { th scope="row" { "What the adult did" } td { (text(adult, &["actionTaken"])) } }
                tr { th scope="row" { "Asked for the DSL" } td { (yes_no(&adult["escalateToDsl"])) } }
                tr { th scope="row" { "Suspected CSAM" } td { @if adult["suspectedCsam"].as_bool() == Some(true) { strong.flag { "yes" } } @else { "no" } } }
                tr { th scope="row" { "Staff code checked" } td { (yes_no(&adult["staffVerified"])) } }
            }
        } @else {
            p { "No adult has recorded anything on the device yet: the pupil pressed the button and the screen was covered." }
        }
    }
}

/// One report: its flags (`flags`), the facts, what the adult recorded, the hub's case (`case`:
/// its chronology and forms), the device's chronology, and the whole record as received.
pub fn report(user: &str, report: &StoredReport, flags: Markup, case: Markup) -> Markup {
    let body: Value = serde_json::from_str(&report.body).unwrap_or(Value::Null);
    let pretty = serde_json::to_string_pretty(&body).unwrap_or_else(|_| report.body.clone());
    let markup = html! {
        p { a href="/inbox" { "← All reports" } }
        (flags)
        table {
            tr { th { "Pressed" } td { (when(text(&body, &["createdAt"]))) } }
            tr { th { "School" } td { (text(&body, &["school", "name"])) } }
            tr { th { "Pupil" } td {
                @match text(&body, &["pupil", "email"]) { "" => { "(no managed account)" } email => { (email) } }
                " (" (text(&body, &["pupil", "groupLabel"])) ")"
            } }
            tr { th { "Device" } td { (text(&body, &["pupil", "deviceAssetId"])) } }
            tr { th { "Page" } td.url { (text(&body, &["page", "url"])) } }
            tr { th { "Title" } td { (text(&body, &["page", "title"])) } }
            tr { th { "Filter" } td { (text(&body, &["filter", "reason"])) } }
            tr { th { "Revision" } td { (report.revision) " (received " (when(&report.received_at)) ", signed with key " (report.signing_key) ")" } }
        }
        (adult_record(&body))
        (case)
        h2 { "On the device" }
        ol {
            @for event in body["timeline"].as_array().map(Vec::as_slice).unwrap_or_default() {
                li { (when(text(event, &["at"]))) " — " (text(event, &["detail"])) }
            }
        }
        h2 { "The record as received" }
        pre { (pretty) }
    };
    layout(&format!("Report {}", report.id), Some(user), markup)
}
