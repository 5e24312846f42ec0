-- hubauth (PostgreSQL): roles beyond the first DSL, disabled accounts, one-time set-up and reset
-- links, and sign-in settings. Which report a safeguarding reader may see is the case chronology's
-- latest `assign` entry (0003_inbox_cases), not a table of its own.
ALTER TABLE accounts ADD COLUMN disabled_at TEXT;

-- One-time links a DSL makes: `invite` makes a new account with `role`; `reset` gives an
-- existing one a new password and authenticator. Only the SHA-256 of the link's token is kept.
CREATE TABLE account_links (
    token_hash  TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    username    TEXT NOT NULL,
    role        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

-- Sign-in with Google Workspace or Microsoft Entra (OpenID Connect), set by the IT lead: one row.
CREATE TABLE oidc_settings (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    issuer             TEXT NOT NULL,
    client_id          TEXT NOT NULL,
    client_secret      TEXT NOT NULL,
    restriction_kind   TEXT NOT NULL CHECK (restriction_kind IN ('google-hd', 'entra-tid')),
    restriction_value  TEXT NOT NULL,
    updated_by         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
