// The staff page's "Pupils' requests" (docs/requests.md, "The staff device"), the worker's side:
// a teacher's own device, connected to their hub account, lists and answers their groups' "Ask
// my teacher" requests as that account. Only the staff page may ask (sw/messages.js), and the
// staff code is checked here first for every message: nothing is shown, sent or stored without it.
//
// - `staff-pair`: the one-time pairing code the hub showed the teacher → the hub's bearer token,
//   kept in chrome.storage.local with the hub it came from (never sync storage, never shown,
//   never sent anywhere but that hub). A wrong, expired or used code stores nothing.
// - `staff-requests`: the open requests of the teacher's groups.
// - `staff-answer`: approve (this pupil, the group or the unit, for minutes) or decline.
// A token the hub refuses (401: disconnected on the hub, expired, or the account disabled) is
// forgotten and the page says to connect again; an unreachable hub keeps it.

import * as state from './state.js';
import { staffOnly } from './report-flow.js';
import { deviceIdentity } from './events.js';
import { hubBase } from './requests-contract.js';
import { RETRY } from './report-delivery.js';
import { failed } from './failures.js';
import {
  STORAGE_KEY, NOT_CONNECTED, NEVER_CONNECTED, UNREACHABLE,
  normalisePairingCode, usableConnection, pairRequest, listUrl, answerRequest, connectionFrom, publicConnection, refusal,
} from './staff-hub.js';

const base = () => hubBase(state.currentState()?.extras ?? {});

/** @returns {Promise<any>} the kept connection (`staff-hub.js` `connectionFrom`), or `null` */
async function stored() {
  const got = await chrome.storage.local.get(STORAGE_KEY);
  return got[STORAGE_KEY] ?? null;
}

/** Asks the hub; `{status, json}` for any HTTP answer, `null` when none came. */
async function hubFetch(url, { method = 'GET', token = null, body = undefined } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    const res = await fetch(url, {
      method,
      headers,
      body,
      // The token goes to this hub only: never after a redirect, never with cookies.
      redirect: 'error',
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(RETRY.timeoutMs),
    });
    let json = null;
    try {
      json = await res.json();
    } catch {
      // Not JSON (a proxy's error page): the status says enough.
    }
    return { status: res.status, json };
  } catch {
    // No HTTP answer at all: the hub is unreachable, and the caller says so.
    return null;
  }
}

/** The connection to use with the hub in force now, or why there is none. */
async function connection() {
  const hub = base();
  if (!hub) return { error: 'No hub is set for this device (hubUrl in the Admin console), so there are no requests to answer here.' };
  const kept = await stored();
  if (!usableConnection(kept, hub)) {
    // Refused by this hub before (disconnected there): say so, rather than "not connected yet".
    const was = kept?.disconnected && kept.hub === hub;
    return { connected: false, disconnected: Boolean(was), error: was ? NOT_CONNECTED : NEVER_CONNECTED };
  }
  return { hub, kept };
}

/** A refusal from the hub: the token forgotten if it is dead. */
async function refused(reply) {
  const why = refusal(reply.status, reply.json?.error);
  // The token is dead: forgotten, keeping only which hub refused it (for the page's words).
  if (why.forget) await chrome.storage.local.set({ [STORAGE_KEY]: { hub: base(), disconnected: true } }).catch(failed('forgetting a staff device\'s connection'));
  return why.forget ? { connected: false, disconnected: true, error: NOT_CONNECTED } : { connected: true, error: why.error };
}

/** `{type: 'staff-pair', code, pairingCode}`: connects this device to the teacher's account. */
export async function staffPair(message) {
  const notStaff = await staffOnly(message.code);
  if (notStaff) return { error: notStaff };
  const hub = base();
  if (!hub) return { error: 'No hub is set for this device (hubUrl in the Admin console).' };
  const code = normalisePairingCode(message.pairingCode);
  if (!code) return { error: 'A pairing code is 8 letters and digits, like ABCD-EFGH: copy it from the hub\'s Staff devices page.' };
  const label = `Chromebook ${await deviceIdentity()}`;
  const { url, body } = pairRequest(hub, code, label);
  const reply = await hubFetch(url, { method: 'POST', body });
  if (!reply) return { error: 'The school\'s hub could not be reached: nothing was stored. Check the network and try again (the code works for 10 minutes).' };
  if (reply.status !== 201) {
    return { error: reply.json?.error ?? `The hub refused the code (HTTP ${reply.status}): nothing was stored.` };
  }
  const kept = connectionFrom(hub, reply.json, Date.now());
  if (!kept) return { error: 'The hub\'s answer was not a connection: nothing was stored.' };
  await chrome.storage.local.set({ [STORAGE_KEY]: kept });
  return { ok: true, connection: publicConnection(kept) };
}

/** `{type: 'staff-requests', code}`: the open requests of the teacher's groups. */
export async function staffRequests(message) {
  const notStaff = await staffOnly(message.code);
  if (notStaff) return { error: notStaff };
  const c = await connection();
  if (!c.kept) return c;
  const reply = await hubFetch(listUrl(c.hub), { token: c.kept.token });
  if (!reply) return { connected: true, unreachable: true, connection: publicConnection(c.kept), error: UNREACHABLE };
  if (reply.status !== 200) return { ...(await refused(reply)), connection: publicConnection(c.kept) };
  const j = reply.json ?? {};
  return {
    connected: true,
    connection: publicConnection(c.kept),
    account: j.account,
    groups: j.groups ?? null,
    defaultMinutes: j.defaultMinutes ?? 60,
    maxMinutes: j.maxMinutes ?? 480,
    requests: Array.isArray(j.requests) ? j.requests : [],
  };
}

/** `{type: 'staff-answer', code, id, decision, scope?, minutes?, note?}`: the teacher's answer. */
export async function staffAnswer(message) {
  const notStaff = await staffOnly(message.code);
  if (notStaff) return { error: notStaff };
  const c = await connection();
  if (!c.kept) return c;
  const { url, body } = answerRequest(c.hub, message);
  const reply = await hubFetch(url, { method: 'POST', token: c.kept.token, body });
  if (!reply) return { connected: true, unreachable: true, error: UNREACHABLE };
  if (reply.status !== 200) return refused(reply);
  return { connected: true, ok: true, answer: reply.json };
}
