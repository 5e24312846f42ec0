// The staff device (docs/requests.md, "The staff device"): the contract with the hub, as pure
// functions shared by the worker (sw/staff-requests.js) and the tests
// (tests/extension/staff-requests-unit.test.mjs). The hub's side is
// crates/hub/src/staff_devices.rs and staff_device_routes.rs.
//
// A teacher connects this device to their own hub account with a one-time pairing code the hub
// showed them; the hub gives a bearer token bound to that account. The token is kept only in
// `chrome.storage.local` (never sync storage), with the hub it came from, and is only ever sent
// to that hub: if the managed hub address changes, this device is simply not connected there.

/** Where the connection is kept (chrome.storage.local). */
export const STORAGE_KEY = 'staffHubDevice';

/** The pairing code's alphabet (crates/hub/src/staff_devices.rs `CODE_ALPHABET`). */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CODE_CHARS = 8;

/** What the staff page says when the hub no longer accepts this device's token. */
export const NOT_CONNECTED = 'This device is no longer connected — connect it again from the hub.';
/** What it says before the device was ever connected. */
export const NEVER_CONNECTED = 'This device is not connected to your hub account yet. On the hub, open Staff devices (/account/devices), press "Connect a staff device", and type the pairing code here.';
/** What it says when the hub cannot be reached (the connection is kept). */
export const UNREACHABLE = 'The school\'s hub could not be reached: check the network and try again. This device stays connected.';

/** A typed pairing code as the hub made it (upper case, no spaces or dashes), or `null`. */
export function normalisePairingCode(typed) {
  if (typeof typed !== 'string') return null;
  const code = typed.replace(/[\s-]+/g, '').toUpperCase();
  if (code.length !== CODE_CHARS) return null;
  return [...code].every((c) => CODE_ALPHABET.includes(c)) ? code : null;
}

/** Whether a stored connection is one this worker may use with the hub at `base`. */
export function usableConnection(stored, base) {
  return Boolean(stored && base && typeof stored.token === 'string' && /^[0-9a-f]{64}$/i.test(stored.token) && stored.hub === base);
}

/** The pairing request (`POST <hub>/api/v1/staff-devices/pair`). */
export function pairRequest(base, code, label) {
  return { url: `${base}/api/v1/staff-devices/pair`, body: JSON.stringify({ code, label }) };
}

/** The list of open requests (`GET <hub>/api/v1/staff/requests`). */
export function listUrl(base) {
  return `${base}/api/v1/staff/requests`;
}

/** An answer (`POST <hub>/api/v1/staff/requests/<id>/answer`). */
export function answerRequest(base, { id, decision, scope, minutes, note }) {
  const body = { decision, note: note ?? '' };
  if (decision === 'approve') Object.assign(body, { scope, minutes: minutes === '' || minutes == null ? null : Number(minutes) });
  return { url: `${base}/api/v1/staff/requests/${encodeURIComponent(id)}/answer`, body: JSON.stringify(body) };
}

/** The connection to keep from the hub's `201` to a pairing (`null` if the reply is not one). */
export function connectionFrom(base, reply, nowMs) {
  if (!reply || typeof reply.token !== 'string' || !/^[0-9a-f]{64}$/i.test(reply.token)) return null;
  return {
    hub: base,
    token: reply.token,
    account: String(reply.account ?? ''),
    device: { id: String(reply.device?.id ?? ''), label: String(reply.device?.label ?? '') },
    expiresAt: reply.expiresAt ?? null,
    connectedAtMs: nowMs,
  };
}

/** What the staff page may see of a connection: never the token. */
export function publicConnection(stored) {
  if (!stored) return null;
  return { account: stored.account, device: stored.device, expiresAt: stored.expiresAt, hub: stored.hub };
}

/**
 * What a hub's refusal means to the staff page: `forget` (the token is dead: 401), and the words
 * to show (the hub's own `error` where it gave one).
 */
export function refusal(status, error) {
  if (status === 401) return { forget: true, error: NOT_CONNECTED };
  const said = typeof error === 'string' && error ? error : `the hub answered HTTP ${status}`;
  return { forget: false, error: said };
}
