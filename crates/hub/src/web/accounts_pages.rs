//! Accounts beyond the first (hubauth): the DSL invites people with a role (a one-time set-up
//! link, like the first-run link: no default passwords ever), changes roles, disables accounts
//! and makes one-time reset links; the person opens the link and sets a password and an
//! authenticator. Also the IT lead's keys page and the governors' anonymised figures. Every
//! change is written to the audit chain by the store, in the same transaction.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;

use super::pages::{csrf_field, layout};
use super::when::when;
use super::{security, unavailable, Viewer};
use crate::accounts::{self, AccountError};
use crate::roles::{Permission, Role, ALL_ROLES};
use crate::router::AppState;
use crate::store::{AccountLink, LinkPurpose, Store};

/// How long an invite or reset link works.
pub const LINK_HOURS: i64 = 72;

/// The routes.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/accounts", get(accounts_page::<S>))
        .route("/accounts/invite", post(invite::<S>))
        .route("/accounts/{name}/role", post(change_role::<S>))
        .route("/accounts/{name}/disable", post(disable::<S>))
        .route("/accounts/{name}/reset", post(reset::<S>))
        .route("/accounts/{name}/groups", post(set_groups::<S>))
        .route("/join/{token}", get(join_page::<S>).post(join_submit::<S>))
        .route("/keys", get(keys_page::<S>))
        .route("/figures", get(figures_page::<S>))
}

fn page(status: StatusCode, markup: Markup) -> Response {
    (status, markup).into_response()
}

fn message(status: StatusCode, title: &str, text: &str) -> Response {
    page(
        status,
        super::pages::message(title, text, Some(("/accounts", "Accounts"))),
    )
}

fn role_select(selected: Option<Role>) -> Markup {
    html! {
        select name="role" {
            @for role in ALL_ROLES {
                option value=(role.as_str()) selected[Some(role) == selected] { (role.label()) }
            }
        }
    }
}

/// A month as stored ("2026-12") as people say it ("December 2026"); as stored if it is not one.
fn month_words(month: &str) -> String {
    chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_or_else(|_| month.to_owned(), |d| d.format("%B %Y").to_string())
}

async fn accounts_page<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require(Permission::ManageAccounts) {
        return refused;
    }
    let list = match app.store.account_list().await {
        Ok(list) => list,
        Err(e) => return unavailable(e),
    };
    // ask: the groups each teacher answers pupils' requests for.
    let mut taught = std::collections::HashMap::new();
    for account in list.iter().filter(|a| a.role == Role::Teacher.as_str()) {
        match app.store.teacher_groups(&account.username).await {
            Ok(groups) => taught.insert(account.username.clone(), groups.join(", ")),
            Err(e) => return unavailable(e),
        };
    }
    let body = html! {
        p { "Each person has their own account and a role. Invite someone with a one-time link; there are no default passwords." }
        table {
            thead { tr { th { "Name" } th { "Role" } th { "Status" } th { "Change role" } th { "Other actions" } } }
            tbody {
                @for account in list {
                    @let role = Role::parse(&account.role);
                    @let role_label = role.map_or_else(|| account.role.clone(), |r| r.label().to_owned());
                    @let name = &account.username;
                    tr {
                        td { (name) }
                        td { (role_label) }
                        td { @if let Some(at) = &account.disabled_at { "disabled " (when(at)) } @else { "active" } }
                        td {
                            // Your own role and account are changed by another DSL: no button
                            // that can only end in a refusal.
                            @if name == viewer.username() {
                                "Your own account: another DSL can change its role or disable it."
                            } @else {
                                form method="post" action={ "/accounts/" (name) "/role" } {
                                    (csrf_field())
                                    label { "New role for " (name) " " (role_select(role)) }
                                    button type="submit" { "Change role" }
                                }
                            }
                        }
                        td {
                            form method="post" action={ "/accounts/" (name) "/reset" } {
                                (csrf_field())
                                button type="submit" { "Make a reset link for " (name) }
                            }
                            @if let Some(groups) = taught.get(name) {
                                form method="post" action={ "/accounts/" (name) "/groups" } {
                                    (csrf_field())
                                    label { "Groups " (name) " teaches (comma-separated, as devices report them) " input name="groups" value=(groups); }
                                    button type="submit" { "Save groups" }
                                }
                            }
                            @if account.disabled_at.is_none() && name != viewer.username() {
                                form method="post" action={ "/accounts/" (name) "/disable" } {
                                    (csrf_field())
                                    button type="submit" { "Disable " (name) }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Invite someone" }
        form method="post" action="/accounts/invite" {
            (csrf_field())
            label { "Their user name " input name="username" autocomplete="off" required; }
            label { "Role " (role_select(Some(Role::SafeguardingReader))) }
            button type="submit" { "Make an invitation link" }
        }
    };
    page(
        StatusCode::OK,
        layout("Accounts", Some(viewer.username()), body),
    )
}

fn link_page(
    viewer: &Viewer,
    headers: &HeaderMap,
    https: bool,
    token: &str,
    what: &str,
) -> Response {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("this-hub");
    let scheme = if https { "https" } else { "http" };
    let link = format!("{scheme}://{host}/join/{token}");
    let body = html! {
        p { (what) " Give this link to the person, privately (not by a shared e-mail list). It works once, for " (LINK_HOURS) " hours; only a hash of it is stored, so it cannot be shown again." }
        p { code.url { (link) } }
        p { a href="/accounts" { "Back to accounts" } }
    };
    page(
        StatusCode::OK,
        layout("One-time link", Some(viewer.username()), body),
    )
}

async fn make_link<S: Store>(
    app: &AppState<S>,
    viewer: &Viewer,
    headers: &HeaderMap,
    purpose: LinkPurpose,
    username: &str,
    role: Role,
) -> Response {
    let token = accounts::new_token();
    let now = chrono::Utc::now();
    let stamp =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let link = AccountLink {
        token_hash: accounts::token_hash(&token),
        purpose,
        username: username.to_owned(),
        role: role.as_str().to_owned(),
        created_by: viewer.username().to_owned(),
        created_at: stamp(now),
        expires_at: stamp(now + chrono::Duration::hours(LINK_HOURS)),
    };
    match app.store.create_account_link(&link).await {
        Ok(true) => {
            let https = security::over_https(app.security.public_scheme, headers);
            let what = match purpose {
                LinkPurpose::Invite => format!("An invitation for {username} ({}).", role.label()),
                LinkPurpose::Reset => format!("A reset link for {username}: it sets a new password and authenticator, and ends their sessions now that it is used."),
            };
            link_page(viewer, headers, https, &token, &what)
        }
        Ok(false) => message(
            StatusCode::BAD_REQUEST,
            "Not made",
            match purpose {
                LinkPurpose::Invite => "There is already an account with that name.",
                LinkPurpose::Reset => "There is no account with that name.",
            },
        ),
        Err(e) => unavailable(e),
    }
}

#[derive(Deserialize)]
struct InviteForm {
    username: String,
    role: String,
}

async fn invite<S: Store>(
    State(app): State<AppState<S>>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ManageAccounts) {
        return refused;
    }
    let Some(role) = Role::parse(&form.role) else {
        return message(
            StatusCode::BAD_REQUEST,
            "Not made",
            "Choose one of the roles.",
        );
    };
    // The same name rules as every account (checked with a placeholder password).
    if let Err(e) = accounts::check_new_account(&form.username, "placeholder-ok", "placeholder-ok")
    {
        return message(StatusCode::BAD_REQUEST, "Not made", &e.to_string());
    }
    make_link(
        &app,
        &viewer,
        &headers,
        LinkPurpose::Invite,
        &form.username,
        role,
    )
    .await
}

#[derive(Deserialize)]
struct RoleForm {
    role: String,
}

async fn change_role<S: Store>(
    State(app): State<AppState<S>>,
    viewer: Viewer,
    Path(name): Path<String>,
    Form(form): Form<RoleForm>,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ManageAccounts) {
        return refused;
    }
    let Some(role) = Role::parse(&form.role) else {
        return message(
            StatusCode::BAD_REQUEST,
            "Not changed",
            "Choose one of the roles.",
        );
    };
    // A DSL cannot demote themselves: the hub always keeps someone who manages accounts.
    if name == viewer.username() {
        return message(
            StatusCode::BAD_REQUEST,
            "Not changed",
            "You cannot change your own role; another DSL can.",
        );
    }
    match app
        .store
        .set_role(&name, role.as_str(), viewer.username())
        .await
    {
        Ok(true) => Redirect::to("/accounts").into_response(),
        Ok(false) => message(
            StatusCode::NOT_FOUND,
            "Not changed",
            "There is no account with that name.",
        ),
        Err(e) => unavailable(e),
    }
}

async fn disable<S: Store>(
    State(app): State<AppState<S>>,
    viewer: Viewer,
    Path(name): Path<String>,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ManageAccounts) {
        return refused;
    }
    if name == viewer.username() {
        return message(
            StatusCode::BAD_REQUEST,
            "Not disabled",
            "You cannot disable your own account; another DSL can.",
        );
    }
    match app.store.disable_account(&name, viewer.username()).await {
        Ok(true) => Redirect::to("/accounts").into_response(),
        Ok(false) => message(
            StatusCode::NOT_FOUND,
            "Not disabled",
            "There is no active account with that name.",
        ),
        Err(e) => unavailable(e),
    }
}

async fn reset<S: Store>(
    State(app): State<AppState<S>>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ManageAccounts) {
        return refused;
    }
    // The role is kept: a reset only replaces the password and authenticator (the link records
    // the role the account has now, for the record).
    let role = match app.store.account_list().await {
        Ok(list) => list
            .iter()
            .find(|a| a.username == name)
            .and_then(|a| Role::parse(&a.role)),
        Err(e) => return unavailable(e),
    };
    let Some(role) = role else {
        return message(
            StatusCode::NOT_FOUND,
            "Not made",
            "There is no account with that name.",
        );
    };
    make_link(&app, &viewer, &headers, LinkPurpose::Reset, &name, role).await
}

fn join_form(token: &str, link: &AccountLink, totp_secret: &str, error: Option<&str>) -> Markup {
    let otpauth = accounts::otpauth_uri(&link.username, totp_secret);
    let body = html! {
        p {
            @match link.purpose {
                LinkPurpose::Invite => { "This link works once. It makes the account " strong { (link.username) } "." }
                LinkPurpose::Reset => { "This link works once. It gives the account " strong { (link.username) } " a new password and authenticator." }
            }
        }
        @if let Some(error) = error { p.error role="alert" { (error) } }
        form method="post" action={ "/join/" (token) } {
            (csrf_field())
            label { "Password (at least 12 characters) " input type="password" name="password" autocomplete="new-password" required; }
            label { "The same password again " input type="password" name="password_again" autocomplete="new-password" required; }
            p { "Add this key to an authenticator app (\"enter a setup key\"; time-based, 6 digits, 30 seconds): " }
            p { code { (totp_secret) } }
            p { "or open this address on the phone: " code.url { (otpauth) } }
            input type="hidden" name="totp_secret" value=(totp_secret);
            label { "The 6-digit code the app shows now " input name="code" inputmode="numeric" autocomplete="one-time-code" required; }
            button type="submit" { "Set up my account" }
        }
    };
    layout("Set up your account", None, body)
}

fn used_link() -> Response {
    page(
        StatusCode::NOT_FOUND,
        super::pages::message(
            "This link does not work",
            "A set-up link works once, and only for a few days. Ask the Designated Safeguarding Lead for a new one.",
            Some(("/login", "Sign in")),
        ),
    )
}

async fn join_page<S: Store>(
    State(app): State<AppState<S>>,
    Path(token): Path<String>,
) -> Response {
    match app
        .store
        .account_link(&accounts::token_hash(&token), &crate::now())
        .await
    {
        Ok(Some(link)) => page(
            StatusCode::OK,
            join_form(&token, &link, &accounts::new_totp_secret(), None),
        ),
        Ok(None) => used_link(),
        Err(e) => unavailable(e),
    }
}

#[derive(Deserialize)]
struct JoinForm {
    password: String,
    password_again: String,
    totp_secret: String,
    code: String,
}

async fn join_submit<S: Store>(
    State(app): State<AppState<S>>,
    Path(token): Path<String>,
    Form(form): Form<JoinForm>,
) -> Response {
    let token_hash = accounts::token_hash(&token);
    let link = match app.store.account_link(&token_hash, &crate::now()).await {
        Ok(Some(link)) => link,
        Ok(None) => return used_link(),
        Err(e) => return unavailable(e),
    };
    let retry = |error: AccountError| {
        page(
            StatusCode::BAD_REQUEST,
            join_form(&token, &link, &form.totp_secret, Some(&error.to_string())),
        )
    };
    if let Err(e) =
        accounts::check_new_account(&link.username, &form.password, &form.password_again)
    {
        return retry(e);
    }
    let step = match accounts::check_totp(&form.totp_secret, &form.code, accounts::unix_now(), 0) {
        Ok(step) => step,
        Err(e) => return retry(e),
    };
    let password_hash = match accounts::hash_password(&form.password) {
        Ok(hash) => hash,
        Err(e) => return retry(e),
    };
    match app
        .store
        .use_account_link(
            &token_hash,
            &crate::now(),
            &password_hash,
            &form.totp_secret,
            step,
        )
        .await
    {
        Ok(Some(username)) => {
            tracing::info!(%username, "account set up from a one-time link");
            Redirect::to("/login").into_response()
        }
        Ok(None) => used_link(),
        Err(e) => unavailable(e),
    }
}

async fn keys_page<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require(Permission::ManageDevices) {
        return refused;
    }
    let keys = match app.store.signing_keys().await {
        Ok(keys) => keys,
        Err(e) => return unavailable(e),
    };
    // policyhub: the public half of the key policy bundles are signed with (made on first use).
    let policy_key = match app.store.policy_bundle_key().await {
        Ok(key) => key.public_key(),
        Err(e) => return unavailable(e),
    };
    let body = html! {
        // The IT lead's start page: everything else they read, first.
        nav aria-label="The IT lead's pages" {
            p {
                a href="/devices" { "Devices" } " (versions, last heard from, any gone silent) · "
                a href="/filter-checks" { "Filter check log" } " (every Chromebook's daily self-test, failures first) · "
                a href="/reports/monthly" { "Monthly usage report" } " · "
                a href="/policy" { "The policy and its changes" }
            }
        }
        h2 { "The policy key" }
        p { "Put this in the Admin console as " code { "hubPolicyKey" } " (with " code { "hubUrl" } "): the Chromebooks then take the school's policy from the hub, signed, and refuse any policy this key did not sign. It is not a secret. " a href="/policy" { "The policy and its changes" } }
        p { code id="hub-policy-key" { (policy_key) } }
        h2 { "Report signing keys" }
        p { "The keys the Chromebooks sign reports with (add and revoke them with " code { "schoolgate-hub signing-key" } "). No pupil data is shown here." }
        table {
            thead { tr { th { "Label" } th { "Fingerprint" } th { "Added" } th { "Status" } } }
            tbody {
                @for key in &keys {
                    tr {
                        td { (key.label) }
                        td { code { (key.fingerprint()) } }
                        td { (when(&key.created_at)) }
                        td { @if let Some(at) = &key.revoked_at { "revoked " (when(at)) } @else { "active" } }
                    }
                }
            }
        }
    };
    page(
        StatusCode::OK,
        layout("Signing keys", Some(viewer.username()), body),
    )
}

async fn figures_page<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require(Permission::ViewFigures) {
        return refused;
    }
    let reports = match app.store.reports().await {
        Ok(reports) => reports,
        Err(e) => return unavailable(e),
    };
    // Counts per month only: no names, pages, groups or ids.
    let mut per_month = std::collections::BTreeMap::<String, usize>::new();
    for report in &reports {
        let month = report
            .first_received_at
            .get(..7)
            .unwrap_or("unknown")
            .to_owned();
        *per_month.entry(month).or_default() += 1;
    }
    let body = html! {
        p { "Anonymised figures: how many reports reached the hub, by month. Nothing here names a pupil, a page or a group." }
        // evhub: the termly summary of monitoring events.
        p { a href="/figures/term" { "This term's summary of what the filter stopped (KCSIE areas, UKSIC categories)" } }
        p { a href="/filter-checks" { "The filter check log (the Chromebooks' daily self-test, for the annual review)" } }
        // policyhub: governors read the policy's change-control history.
        p { a href="/policy/history" { "The school policy's history: every change, why, and who approved it" } }
        table {
            thead { tr { th { "Month" } th { "Reports" } } }
            tbody {
                @for (month, count) in &per_month { tr { td { (month_words(month)) } td { (count) } } }
                tr { th { "Total" } td { (reports.len()) } }
            }
        }
    };
    page(
        StatusCode::OK,
        layout("Figures", Some(viewer.username()), body),
    )
}

#[derive(Deserialize)]
struct GroupsForm {
    groups: String,
}

/// ask: the groups a teacher answers pupils' requests for (DSL only; audited by the store).
async fn set_groups<S: Store>(
    State(app): State<AppState<S>>,
    Path(name): Path<String>,
    viewer: Viewer,
    Form(form): Form<GroupsForm>,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ManageAccounts) {
        return refused;
    }
    let mut groups: Vec<String> = form
        .groups
        .split(',')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect();
    groups.sort();
    groups.dedup();
    if groups.len() > 64 || groups.iter().any(|g| g.len() > 64) {
        return message(
            StatusCode::BAD_REQUEST,
            "Too many groups",
            "At most 64 groups, each at most 64 characters.",
        );
    }
    match app.store.account(&name).await {
        Ok(Some(account)) if account.role == Role::Teacher.as_str() => {}
        Ok(_) => {
            return message(
                StatusCode::BAD_REQUEST,
                "Not a teacher",
                "Groups are for accounts with the teacher role.",
            )
        }
        Err(e) => return unavailable(e),
    }
    match app
        .store
        .set_teacher_groups(&name, &groups, viewer.username())
        .await
    {
        Ok(()) => Redirect::to("/accounts").into_response(),
        Err(e) => unavailable(e),
    }
}
