-- hubops: several hubs on one database behave as one. Wrong sign-ins (crates/hub/src/throttle.rs)
-- and OpenID Connect sign-ins under way are kept here rather than in one hub process's memory.
-- Both are short-lived: rows expire, and the hub caps how many there may be, so refused requests
-- cannot grow the database without bound (crates/hub/src/store/sign_in_state.rs).

-- What wrong sign-ins are counted against: the SHA-256 of "account", a NUL and the lower-cased
-- name, or of "address", a NUL and the client's address (never the name as typed: a password is
-- sometimes typed into the name field). Times are Unix milliseconds.
CREATE TABLE login_throttle (
    key_hash      TEXT PRIMARY KEY,
    failures      BIGINT NOT NULL CHECK (failures > 0),
    last_failure  BIGINT NOT NULL,
    locked_until  BIGINT
);
CREATE INDEX login_throttle_by_last_failure ON login_throttle (last_failure);

-- An OpenID Connect sign-in sent to the provider and not yet back, under the SHA-256 of the
-- random key in the browser's `sg_oidc` cookie: taken (deleted) by the first callback that
-- presents it, on whichever hub.
CREATE TABLE oidc_pending (
    key_hash       TEXT PRIMARY KEY,
    state          TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    pkce_verifier  TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX oidc_pending_by_expiry ON oidc_pending (expires_at);
