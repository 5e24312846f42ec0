//! The hub's integration tests: every rule on both back ends (SQLite and a throwaway PostgreSQL),
//! and real `schoolgate-hub` processes where it matters (kill -9, two hubs on one database, the
//! command line). One test binary, so the PostgreSQL server is started once.

mod support;

mod alert_mail;
mod alerts;
mod batch_ingest;
mod cases;
mod cli;
mod cluster;
mod crash;
mod decisions;
mod devices;
mod digest;
mod event_retention;
mod events;
mod events_at_scale;
mod exports;
mod extension;
mod filter_checks;
mod governors;
mod inbox_paging;
mod ingest;
mod oidc;
mod page_words;
mod policy_change;
mod requests;
mod retention;
mod roles;
mod scheduled_mail;
mod school_calendar;
mod security;
mod several_hubs;
mod staff_devices;
mod web;
mod web_times;
