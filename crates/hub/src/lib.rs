//! Schoolgate Hub: the school's server, where a pupil's "tell an adult" report reaches the
//! Designated Safeguarding Lead.
//!
//! It receives reports exactly as the extension sends them (`POST /api/v1/reports`, signed with
//! HMAC-SHA256; `docs/reports.md`), checks them (`ingest`), and keeps each report's newest
//! revision and every revision it accepted in a database behind the `store::Store` trait:
//! SQLite in the data directory by default, PostgreSQL for a trust running several hubs.
//! `docs/hub.md` is the admin's guide.
//!
//! Where to start: `cli` (the commands), `router` (the routes), `ingest` (the rules a report
//! must pass), `store` (the two back ends).

pub mod accounts;
pub mod audit;
pub mod case;
pub mod cli;
pub mod config;
pub mod decisions;
pub mod digest;
pub mod digest_mail;
pub mod error;
pub mod event_routes;
pub mod events;
pub mod expected;
pub mod export;
pub mod filter_checks;
pub mod ingest;
pub mod migrations;
pub mod monitor;
pub mod notify;
pub mod oidc;
pub mod request_routes;
pub mod requests;
// policyhub: the policy under change control, its preview and the signed bundle (issue 18).
pub mod policy_bundle;
pub mod policy_change;
pub mod policy_form;
pub mod policy_preview;
pub mod retention;
pub mod roles;
pub mod router;
pub mod school_calendar;
pub mod signing_keys;
// staffdev: teachers' devices connected to their accounts (docs/requests.md).
pub mod staff_device_routes;
pub mod staff_devices;
pub mod store;
pub mod summary;
pub mod throttle;
pub mod usage;
pub mod web;

use std::future::Future;

use crate::store::Store;

/// `n` things in words: "1 device", "3 devices". A DSL reads "1 search alert", not "alert(s)", in
/// the pages, the e-mails, the audit log and the command line alike.
pub fn count(n: impl TryInto<u64>, one: &str, many: &str) -> String {
    // Counts are never negative nor beyond u64; such a number would read as "0".
    match n.try_into().unwrap_or(0) {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// The current time as the hub records it: RFC 3339, UTC, milliseconds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Serves the hub on `listener`, held to `limits`, until `shutdown` completes, then finishes the requests in flight.
pub async fn serve<S: Store>(
    store: S,
    listener: tokio::net::TcpListener,
    limits: config::Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_notifying(
        store,
        listener,
        limits,
        notify::Notifier::default(),
        shutdown,
    )
    .await
}

/// `serve`, telling `notifier` about every report stored (e-mail to the DSL, hubtest).
pub async fn serve_notifying<S: Store>(
    store: S,
    listener: tokio::net::TcpListener,
    limits: config::Limits,
    notifier: notify::Notifier,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Expired sessions are deleted, not only refused (hubauth).
    let sweeper = tokio::spawn(web::sweep_expired_sessions(store.clone()));
    // evhub: devices gone silent are flagged, and the IT lead told.
    let watcher = tokio::spawn(monitor::watch_devices(
        store.clone(),
        notifier.clone(),
        limits.device_silent_after,
    ));
    let served = axum::serve(
        listener,
        router::router_notifying(store, limits, notifier)
            .into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    sweeper.abort();
    watcher.abort();
    served
}
