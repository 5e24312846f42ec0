//! The database schema, one numbered step at a time, embedded in the binary: a migration runs
//! once, in a transaction, and is recorded in `schema_migrations`. Each back end has its own SQL
//! (`migrations/sqlite`, `migrations/postgres`); the numbers and what they do are the same.
//!
//! The steps are our own rather than `sqlx::migrate!`, so the build needs no database and no
//! proc-macro; several hubs starting at once on one PostgreSQL take an advisory lock first.

/// One schema step.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Its number: steps run in this order and each only once.
    pub version: i64,
    /// What it does.
    pub description: &'static str,
    /// The SQL (several statements).
    pub sql: &'static str,
}

/// SQLite's steps.
pub const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        description: "reports, their revisions and signing keys",
        sql: include_str!("../migrations/sqlite/0001_reports.sql"),
    },
    Migration {
        version: 2,
        description: "accounts, sessions, the first-run link and the audit log",
        sql: include_str!("../migrations/sqlite/0002_accounts_audit.sql"),
    },
    // hubinbox
    Migration {
        version: 3,
        description: "inbox: each report's append-only case chronology",
        sql: include_str!("../migrations/sqlite/0003_inbox_cases.sql"),
    },
    // hubauth
    Migration {
        version: 4,
        description: "roles: disabled accounts, one-time account links, OpenID Connect settings",
        sql: include_str!("../migrations/sqlite/0004_roles_accounts.sql"),
    },
    // hubperf
    Migration {
        version: 5,
        description: "inbox: each report's summary and the indexes the inbox pages by",
        sql: include_str!("../migrations/sqlite/0005_inbox_summary.sql"),
    },
    // hubops
    Migration {
        version: 6,
        description: "several hubs as one: wrong sign-ins and OpenID Connect sign-ins under way",
        sql: include_str!("../migrations/sqlite/0006_shared_sign_in_state.sql"),
    },
    // evhub: monitoring events (docs/events.md).
    Migration {
        version: 7,
        description: "monitoring events, their batches, devices and alerts",
        sql: include_str!("../migrations/sqlite/0007_events.sql"),
    },
    // selftest: the filter check log (docs/hub.md, "The filter check log").
    Migration {
        version: 8,
        description: "the filter check log and its actions taken",
        sql: include_str!("../migrations/sqlite/0008_filter_checks.sql"),
    },
    // ask: "Ask my teacher" requests and teachers' groups (docs/requests.md).
    Migration {
        version: 9,
        description: "pupils' requests to open a blocked page, teachers' answers and groups",
        sql: include_str!("../migrations/sqlite/0009_override_requests.sql"),
    },
    // policyhub: the policy under change control, its approvals and signing key (issue 18).
    Migration {
        version: 10,
        description: "policy change control: proposals, approvals, leadership, the bundle key",
        sql: include_str!("../migrations/sqlite/0010_policy_change.sql"),
    },
    // digest: scheduled e-mails sent once, dismissed alerts, expected devices.
    Migration {
        version: 11,
        description: "digest: e-mails sent once per period, dismissed alerts, expected devices",
        sql: include_str!("../migrations/sqlite/0011_digest_mail.sql"),
    },
    // evbench: the governors' summary of a term from one index (BENCHMARKS.md).
    Migration {
        version: 12,
        description: "monitoring events: the index the governors' summary counts from",
        sql: include_str!("../migrations/sqlite/0012_events_at_scale.sql"),
    },
    // staffdev: teachers' own devices connected to their accounts (docs/requests.md).
    Migration {
        version: 13,
        description:
            "staff devices: pairing codes, connected devices, and the device an answer came through",
        sql: include_str!("../migrations/sqlite/0013_staff_devices.sql"),
    },
];

/// PostgreSQL's steps.
pub const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        description: "reports, their revisions and signing keys",
        sql: include_str!("../migrations/postgres/0001_reports.sql"),
    },
    Migration {
        version: 2,
        description: "accounts, sessions, the first-run link and the audit log",
        sql: include_str!("../migrations/postgres/0002_accounts_audit.sql"),
    },
    // hubinbox
    Migration {
        version: 3,
        description: "inbox: each report's append-only case chronology",
        sql: include_str!("../migrations/postgres/0003_inbox_cases.sql"),
    },
    // hubauth
    Migration {
        version: 4,
        description: "roles: disabled accounts, one-time account links, OpenID Connect settings",
        sql: include_str!("../migrations/postgres/0004_roles_accounts.sql"),
    },
    // hubperf
    Migration {
        version: 5,
        description: "inbox: each report's summary and the indexes the inbox pages by",
        sql: include_str!("../migrations/postgres/0005_inbox_summary.sql"),
    },
    // hubops
    Migration {
        version: 6,
        description: "several hubs as one: wrong sign-ins and OpenID Connect sign-ins under way",
        sql: include_str!("../migrations/postgres/0006_shared_sign_in_state.sql"),
    },
    // evhub: monitoring events (docs/events.md).
    Migration {
        version: 7,
        description: "monitoring events, their batches, devices and alerts",
        sql: include_str!("../migrations/postgres/0007_events.sql"),
    },
    // selftest: the filter check log (docs/hub.md, "The filter check log").
    Migration {
        version: 8,
        description: "the filter check log and its actions taken",
        sql: include_str!("../migrations/postgres/0008_filter_checks.sql"),
    },
    // ask: "Ask my teacher" requests and teachers' groups (docs/requests.md).
    Migration {
        version: 9,
        description: "pupils' requests to open a blocked page, teachers' answers and groups",
        sql: include_str!("../migrations/postgres/0009_override_requests.sql"),
    },
    // policyhub: the policy under change control, its approvals and signing key (issue 18).
    Migration {
        version: 10,
        description: "policy change control: proposals, approvals, leadership, the bundle key",
        sql: include_str!("../migrations/postgres/0010_policy_change.sql"),
    },
    // digest: scheduled e-mails sent once, dismissed alerts, expected devices.
    Migration {
        version: 11,
        description: "digest: e-mails sent once per period, dismissed alerts, expected devices",
        sql: include_str!("../migrations/postgres/0011_digest_mail.sql"),
    },
    // evbench: the governors' summary of a term from one index (BENCHMARKS.md).
    Migration {
        version: 12,
        description: "monitoring events: the index the governors' summary counts from",
        sql: include_str!("../migrations/postgres/0012_events_at_scale.sql"),
    },
    // staffdev: teachers' own devices connected to their accounts (docs/requests.md).
    Migration {
        version: 13,
        description:
            "staff devices: pairing codes, connected devices, and the device an answer came through",
        sql: include_str!("../migrations/postgres/0013_staff_devices.sql"),
    },
];

/// The advisory-lock key PostgreSQL hubs take while appending to the audit log, so entries from
/// several hubs form one chain ("sgaud").
pub const POSTGRES_AUDIT_LOCK_KEY: i64 = 0x0073_6761_7564;

/// The advisory-lock key PostgreSQL hubs take while migrating (any fixed number; this one spells
/// "sghub" in ASCII).
pub const POSTGRES_LOCK_KEY: i64 = 0x73_67_68_75_62;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_back_ends_have_the_same_steps() {
        let numbers = |m: &[Migration]| {
            m.iter()
                .map(|m| (m.version, m.description))
                .collect::<Vec<_>>()
        };
        assert_eq!(numbers(SQLITE), numbers(POSTGRES));
        assert!(SQLITE.windows(2).all(|w| w[0].version < w[1].version));
    }
}
