// The school's policy from its hub, as a signed bundle (docs/policy-bundle.md): fetched from
// `{hubUrl}/api/v1/policy`, verified with WebCrypto Ed25519 against the Admin console's
// `hubPolicyKey` only (never a key the bundle names), and kept, the last good one, in
// chrome.storage.local. sw/managed.js puts a verified bundle's policy in place of the managed
// `policyToml` before anything else reads the configuration, so the engine, the DNR rules and the
// staff page all see it through the one place configuration is resolved.
//
// Refused, with the last good bundle kept in force: a signature that does not verify (another
// key, or a payload altered after signing), a format this device does not know, a version lower
// than the one in force, and a policy the core refuses (checked by the caller, which has the
// engine). Each refusal goes to the fault log (sw/failures.js) and is shown on the staff page.
//
// The stored bundle is verified again every time it is read: what is in storage is never trusted
// because it is there, and a new `hubPolicyKey` in the Admin console drops a bundle it did not sign.

import { readManaged, LIMITS } from './config.js';
import { logFailure } from './failures.js';

/** The envelope's and the payload's formats (docs/policy-bundle.md). */
export const BUNDLE_FORMAT = 'schoolgate-policy-bundle/1';
export const PAYLOAD_FORMAT = 'schoolgate-policy/1';
/** How often the hub is asked again (besides every wake and every Admin console change). */
export const BUNDLE_ALARM = 'sg-policy-bundle';
export const BUNDLE_MINUTES = 15;
/** The longest bundle read: a policy of at most 1 MB, as base64url, with its envelope. */
export const MAX_BUNDLE_BYTES = 2 * LIMITS.policyBytes;
const FETCH_TIMEOUT_MS = 30_000;
const STORED = 'hubPolicyBundle';
const REFUSAL = 'hubPolicyRefusal';
/** Longest text kept of a payload's descriptive fields (school, reason, each approver). */
const TEXT_CHARS = 200;

// ---------------------------------------------------------------------------------------------
// Pure parts (tested in Node: tests/js/policy-bundle.test.mjs)

/**
 * Decodes base64url without padding (RFC 4648 §5), strictly: any other character, padding, or a
 * length no encoder makes is refused.
 * @param {unknown} text
 * @returns {Uint8Array | null}
 */
export function base64urlDecode(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    // A–Z, a–z, 0–9, '-', '_' (the pattern above admitted nothing else).
    const digit = code === 45 ? 62 : code === 95 ? 63 : code >= 97 ? code - 71 : code >= 65 ? code - 65 : code + 4;
    value = ((value << 6) | digit) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at] = (value >> bits) & 0xff;
      at += 1;
    }
  }
  return out;
}

/**
 * The Admin console's `hubPolicyKey`: base64url (no padding) of a raw 32-byte Ed25519 public key,
 * what `schoolgate-hub policy-key` prints.
 * @returns {{key: Uint8Array, error?: undefined} | {error: string, key?: undefined}}
 */
export function parsePublicKey(text) {
  const trimmed = typeof text === 'string' ? text.trim() : text;
  const key = base64urlDecode(trimmed);
  if (!key || key.length !== 32) return { error: 'expected the hub\'s public key: 43 characters of base64url, what `schoolgate-hub policy-key` prints' };
  return { key };
}

/**
 * A refusal.
 * @param {string} error
 * @returns {{ok: boolean, error: string}}
 */
function refuse(error) {
  return { ok: false, error };
}

/**
 * The envelope, as JSON text or a parsed value: its format, and the payload's and the signature's
 * bytes. Nothing of the payload is read here: it is read only once its signature verifies.
 * @returns {{ok: boolean, error?: string, payload?: Uint8Array, signature?: Uint8Array, keyId?: string | null}}
 */
export function parseEnvelope(body) {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      // Not JSON: that is the answer, not a fault.
      return refuse('the hub\'s answer is not JSON');
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return refuse('the hub\'s answer is not a policy bundle (expected a JSON object)');
  if (value.format !== BUNDLE_FORMAT) return refuse(`the bundle's format ${JSON.stringify(value.format ?? null).slice(0, 80)} is not one this device knows (${BUNDLE_FORMAT})`);
  const payload = base64urlDecode(value.payload);
  if (!payload || payload.length === 0) return refuse('the bundle\'s payload is not base64url');
  const signature = base64urlDecode(value.signature);
  if (!signature || signature.length !== 64) return refuse('the bundle\'s signature is not 64 bytes of base64url');
  return { ok: true, payload, signature, keyId: typeof value.keyId === 'string' ? value.keyId.slice(0, 64) : null };
}

const shortText = (v) => (typeof v === 'string' ? v.slice(0, TEXT_CHARS) : '');

/**
 * The payload's JSON (its bytes, already verified): its format, its version (a whole number from
 * 1), its policy text (at most 1 MB, like `policyToml`), and what the staff page shows.
 * @returns {{ok: boolean, error?: string, payload?: {version: number, publishedAt: string, school: string, policy: string, reason: string, approvedBy: string[]}}}
 */
export function parsePayload(bytes) {
  let value;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    // Signed but unreadable: refused, and the refusal says so.
    return refuse('the bundle\'s payload is not UTF-8 JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return refuse('the bundle\'s payload is not a JSON object');
  if (value.format !== PAYLOAD_FORMAT) return refuse(`the payload's format ${JSON.stringify(value.format ?? null).slice(0, 80)} is not one this device knows (${PAYLOAD_FORMAT})`);
  if (!Number.isSafeInteger(value.version) || value.version < 1) return refuse(`the payload's version ${JSON.stringify(value.version ?? null).slice(0, 40)} is not a whole number from 1`);
  if (typeof value.policy !== 'string' || !value.policy.trim()) return refuse(`version ${value.version}: the payload has no policy text`);
  if (new TextEncoder().encode(value.policy).length > LIMITS.policyBytes) return refuse(`version ${value.version}: the policy is larger than ${LIMITS.policyBytes / 1024} KB`);
  const approvedBy = Array.isArray(value.approvedBy) ? value.approvedBy.filter((a) => typeof a === 'string').slice(0, 20).map(shortText) : [];
  return {
    ok: true,
    payload: { version: value.version, publishedAt: shortText(value.publishedAt), school: shortText(value.school), policy: value.policy, reason: shortText(value.reason), approvedBy },
  };
}

/**
 * Whether a bundle's version may replace the one in force (`inForce`: its version, 0 for none):
 * `newer`, `same` (nothing to do), or a refusal for an older one: versions only ever increase, so
 * an older bundle is a replay or a rollback nobody approved.
 */
/**
 * @param {number} version
 * @param {number} inForce
 * @returns {{ok: boolean, error?: string, order?: 'newer' | 'same'}}
 */
export function checkVersion(version, inForce) {
  if (version > inForce) return { ok: true, order: 'newer' };
  if (version === inForce) return { ok: true, order: 'same' };
  return refuse(`version ${version} is older than version ${inForce}, the one in force (versions only ever increase)`);
}

/** `keyId` of a raw public key: the first 16 hex characters of its SHA-256 (docs/policy-bundle.md). */
export async function keyIdOf(key, subtle = globalThis.crypto.subtle) {
  const digest = new Uint8Array(await subtle.digest('SHA-256', key));
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Whether `signature` is the Ed25519 signature of `payload` by `key` (raw 32 bytes). */
export async function verifySignature(key, signature, payload, subtle = globalThis.crypto.subtle) {
  const publicKey = await subtle.importKey('raw', key, { name: 'Ed25519' }, false, ['verify']);
  return subtle.verify({ name: 'Ed25519' }, publicKey, signature, payload);
}

/**
 * Reads a bundle: envelope, signature against `key` (the Admin console's, never the bundle's own
 * `keyId`), payload, version against `inForce` (0 for none). The core's check of the policy is
 * the caller's (it has the engine).
 * @returns {Promise<{ok: boolean, error?: string, order?: 'newer' | 'same', payload?: any}>}
 */
export async function readBundle(body, key, inForce = 0, subtle = globalThis.crypto.subtle) {
  const envelope = parseEnvelope(body);
  if (!envelope.ok) return envelope;
  if (!(await verifySignature(key, envelope.signature, envelope.payload, subtle))) {
    const expected = await keyIdOf(key, subtle);
    return refuse(envelope.keyId && envelope.keyId !== expected
      ? `the signature does not verify: signed by another key (key id ${envelope.keyId}; the Admin console's hubPolicyKey is ${expected})`
      : 'the signature does not verify with the Admin console\'s hubPolicyKey: the bundle was altered after it was signed');
  }
  const read = parsePayload(envelope.payload);
  if (!read.ok) return read;
  const version = checkVersion(read.payload.version, inForce);
  if (!version.ok) return version;
  return { ok: true, order: version.order, payload: read.payload };
}

/**
 * The staff page's words for the policy in force and the last refusal (`hubPolicyStatus`).
 * @returns {{inForce: string, refusal: string | null}}
 */
export function describeHubPolicy(st, when = (t) => new Date(t).toLocaleString('en-GB')) {
  const p = st?.inForce;
  const names = (list) => (list.length > 1 ? `${list.slice(0, -1).join(', ')} and ${list.at(-1)}` : list[0]);
  let inForce = 'From the Admin console (no hub policy)';
  if (p) {
    const published = p.publishedAt && !Number.isNaN(Date.parse(p.publishedAt)) ? when(Date.parse(p.publishedAt)) : p.publishedAt || 'at a time it does not say';
    inForce = `Version ${p.version} from the hub, published ${published}`;
    if (p.approvedBy?.length) inForce += `, approved by ${names(p.approvedBy)}`;
    if (p.reason) inForce += `: "${p.reason}"`;
  } else if (st?.configured) {
    inForce += st.published === false ? '; the hub has not published a policy yet' : '; none received from the hub yet';
  }
  const r = st?.refusal;
  return { inForce, refusal: r ? `${when(r.at)}: ${r.message}` : null };
}

// ---------------------------------------------------------------------------------------------
// The worker's side: storage, fetching, status

/** What the staff page shows (plain data). */
export const hubPolicyStatus = {
  /** Both `hubUrl` and `hubPolicyKey` are set (and valid) in the Admin console. */
  configured: false,
  /** The bundle in force: `{version, publishedAt, school, reason, approvedBy, receivedAt}`, or `null`. */
  inForce: null,
  /** The last bundle refused: `{at, message}`, or `null`. */
  refusal: null,
  /** `false` when the hub answered that nothing has been published yet. */
  published: null,
  /** The last time the hub was asked, and what came of it. */
  lastCheck: null,
  /** Why the hub could not be asked (unreachable, an HTTP error), or `null`. */
  fetchError: null,
};

/** `{url, key}` from the Admin console's configuration, or `null` unless both are set and valid. */
function hubSettings(raw) {
  const { config } = readManaged(raw);
  if (!config.hubUrl || !config.hubPolicyKey) return null;
  const parsed = parsePublicKey(config.hubPolicyKey);
  return parsed.key ? { url: config.hubUrl, key: parsed.key } : null;
}

function summary(payload, receivedAt) {
  const { version, publishedAt, school, reason, approvedBy } = payload;
  return { version, publishedAt, school, reason, approvedBy, receivedAt };
}

/** The last good bundle, verified again with `key`: `{payload, receivedAt}`, or `null`. */
async function storedBundle(key) {
  const got = await chrome.storage.local.get([STORED, REFUSAL]);
  hubPolicyStatus.refusal = got[REFUSAL] ?? null;
  const saved = /** @type {{envelope?: string, receivedAt?: number} | undefined} */ (got[STORED]);
  if (!saved?.envelope) return null;
  const read = await readBundle(saved.envelope, key, 0);
  // Signed by another key than the Admin console's now: not in force (the stored copy stays,
  // in case the key is set back; it is checked again every time).
  return read.ok ? { payload: read.payload, receivedAt: saved.receivedAt ?? null } : null;
}

/**
 * The managed configuration with the hub's policy in place of `policyToml`, when `hubUrl` and
 * `hubPolicyKey` are set and a verified bundle is stored; otherwise `raw` as it is.
 */
export async function withHubPolicy(raw) {
  const hub = hubSettings(raw);
  hubPolicyStatus.configured = Boolean(hub);
  if (!hub) {
    hubPolicyStatus.inForce = null;
    return raw;
  }
  const stored = await storedBundle(hub.key);
  hubPolicyStatus.inForce = stored ? summary(stored.payload, stored.receivedAt) : null;
  return stored ? { ...raw, policyToml: stored.payload.policy } : raw;
}

async function recordRefusal(message) {
  const refusal = { at: Date.now(), message: String(message).slice(0, 500) };
  hubPolicyStatus.refusal = refusal;
  hubPolicyStatus.lastCheck = { at: refusal.at, result: 'refused' };
  await chrome.storage.local.set({ [REFUSAL]: refusal });
  await logFailure('refusing a policy bundle from the hub', message);
}

async function fetchBundle(url, inForce) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), FETCH_TIMEOUT_MS);
  try {
    const headers = inForce ? { 'If-None-Match': `"v${inForce}"` } : {};
    const res = await fetch(`${url}/api/v1/policy`, { signal: ctrl.signal, cache: 'no-cache', credentials: 'omit', headers });
    if (res.status === 304) return { unchanged: true };
    if (res.status === 404) return { unpublished: true };
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    if (Number(res.headers.get('content-length')) > MAX_BUNDLE_BYTES) throw new Error(`the bundle is larger than ${MAX_BUNDLE_BYTES / (1024 * 1024)} MB`);
    const text = await res.text();
    if (text.length > MAX_BUNDLE_BYTES) throw new Error(`the bundle is larger than ${MAX_BUNDLE_BYTES / (1024 * 1024)} MB`);
    return { text };
  } finally {
    clearTimeout(timer);
  }
}

/** @type {Promise<unknown>} */
let chain = Promise.resolve();

/**
 * Asks the hub for its policy (when `hubUrl` and `hubPolicyKey` are set in `raw`, the managed
 * configuration) and keeps a bundle that verifies, is newer than the one in force and whose policy
 * the core accepts (`coreRefusal(toml)`: `null`, or why not). Resolves to `true` when a new
 * bundle was stored (the caller then applies the configuration again); never rejects.
 * @param {object} raw
 * @param {(toml: string) => string | null} coreRefusal
 */
export function fetchHubPolicy(raw, coreRefusal) {
  const run = chain.then(async () => {
    const hub = hubSettings(raw);
    hubPolicyStatus.configured = Boolean(hub);
    if (!hub) return false;
    const stored = await storedBundle(hub.key);
    const inForce = stored?.payload.version ?? 0;
    let got;
    try {
      got = await fetchBundle(hub.url, inForce);
    } catch (error) {
      const message = `${hub.url}/api/v1/policy: ${error?.name === 'AbortError' ? 'no answer' : error?.message ?? error}; ${inForce ? `version ${inForce} stays in force` : 'the Admin console\'s policy stays in force'}`;
      // Logged once while it lasts: a hub offline for a day would otherwise fill the fault log.
      if (message !== hubPolicyStatus.fetchError) await logFailure('fetching the policy from the hub', message);
      hubPolicyStatus.fetchError = message;
      hubPolicyStatus.lastCheck = { at: Date.now(), result: 'unreachable' };
      return false;
    }
    hubPolicyStatus.fetchError = null;
    hubPolicyStatus.published = !got.unpublished;
    if (got.unchanged || got.unpublished) {
      hubPolicyStatus.lastCheck = { at: Date.now(), result: got.unchanged ? 'unchanged' : 'nothing published yet' };
      return false;
    }
    const read = await readBundle(got.text, hub.key, inForce);
    if (!read.ok) {
      await recordRefusal(`${read.error}; ${inForce ? `version ${inForce} stays in force` : 'the Admin console\'s policy stays in force'}`);
      return false;
    }
    if (read.order === 'same') {
      hubPolicyStatus.lastCheck = { at: Date.now(), result: 'unchanged' };
      return false;
    }
    const why = coreRefusal(read.payload.policy);
    if (why) {
      await recordRefusal(`version ${read.payload.version}: the policy has errors (${why}); ${inForce ? `version ${inForce} stays in force` : 'the Admin console\'s policy stays in force'}`);
      return false;
    }
    await chrome.storage.local.set({ [STORED]: { envelope: got.text, receivedAt: Date.now() } });
    hubPolicyStatus.lastCheck = { at: Date.now(), result: `version ${read.payload.version} received` };
    return true;
  }).catch((error) => {
    logFailure('fetching the policy from the hub', error);
    return false;
  });
  chain = run;
  return run;
}
