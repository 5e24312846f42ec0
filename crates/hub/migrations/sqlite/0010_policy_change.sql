-- policyhub (SQLite): the school's policy under change control (docs/hub.md, docs/policy-bundle.md).
-- Every proposed text is kept; a published one gets the next version number, which only grows.

-- One row per proposal. `version` is set once, when the approval rules are met; a rollback is a
-- new proposal with an old text (`rollback_of` names the version it restores).
CREATE TABLE policy_proposals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    policy       TEXT NOT NULL,
    reason       TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    proposed_by  TEXT NOT NULL,
    proposed_at  TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('proposed', 'published', 'withdrawn', 'declined')),
    closed_by    TEXT,
    closed_at    TEXT,
    version      INTEGER UNIQUE,
    published_at TEXT,
    rollback_of  INTEGER
);
CREATE INDEX policy_proposals_state ON policy_proposals (state, id);

-- Who approved which proposal, and when; one approval per person per proposal.
CREATE TABLE policy_approvals (
    proposal     INTEGER NOT NULL,
    approver     TEXT NOT NULL,
    approved_at  TEXT NOT NULL,
    PRIMARY KEY (proposal, approver)
);

-- Accounts the school marks as leadership: they may approve policy changes whatever their role.
CREATE TABLE policy_leaders (
    username   TEXT PRIMARY KEY,
    marked_by  TEXT NOT NULL,
    marked_at  TEXT NOT NULL
);

-- The school's rule: whether a change needs a second person's approval (one row; default on).
CREATE TABLE policy_settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    second_approval  INTEGER NOT NULL,
    changed_by       TEXT NOT NULL,
    changed_at       TEXT NOT NULL
);

-- The one Ed25519 key pair bundles are signed with, made on first use and shared by every hub
-- on this database. The secret is 32 bytes, hex.
CREATE TABLE policy_signing_key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    secret      TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
