-- staffdev: a teacher's own device connected to their hub account, so the staff page of the
-- extension on it lists and answers their groups' "Ask my teacher" requests (docs/requests.md).
-- Every device signs with the same key and states its own group, so the device's word proves
-- nothing: a connected device holds a bearer token bound to one account, made from a one-time
-- pairing code the signed-in teacher got on the hub. Codes and tokens are kept only as hashes.
CREATE TABLE staff_pairing_codes (
    code_hash   TEXT PRIMARY KEY,
    username    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX staff_pairing_codes_user ON staff_pairing_codes (username);

CREATE TABLE staff_devices (
    id          TEXT PRIMARY KEY,
    username    TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT,
    revoked_by  TEXT
);
CREATE INDEX staff_devices_user ON staff_devices (username);

-- Which connected device an answer came through (NULL: the hub's /requests page).
ALTER TABLE override_requests ADD COLUMN decided_via TEXT;
