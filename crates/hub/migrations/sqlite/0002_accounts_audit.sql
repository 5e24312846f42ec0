-- People who read reports. Passwords as Argon2id PHC strings; TOTP secrets in base32.
CREATE TABLE accounts (
    username        TEXT PRIMARY KEY,
    role            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    totp_secret     TEXT NOT NULL,
    totp_last_step  INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
);

-- The one-time first-run link, as the SHA-256 of its token.
CREATE TABLE setup_tokens (
    token_hash  TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL
);

-- Signed-in sessions, as the SHA-256 of the cookie's token.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    username    TEXT NOT NULL REFERENCES accounts (username),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

-- Who looked at what: append-only and hash-chained (crates/hub/src/audit.rs).
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
