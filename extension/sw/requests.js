// "Ask my teacher" through the school's hub (docs/requests.md), the worker's side:
//
// - A press on the block page (`ask-teacher`) becomes a request, signed with the report-signing
//   key like events, and sent at once: the page (cut to scheme://host/path), its site, why it is
//   blocked (the category and rule as the staff view names them), the group, the organisational
//   unit (managed `orgUnit`), the managed account where Chrome gives one, the device, the time.
//   It is written to IndexedDB first (`rq:<id>`) and kept until the hub has it, retried with the
//   reports' backoff: a press is never lost, and never sent as two requests (one id, kept across
//   retries; the hub stores an id once; pressing again for the same page while a request is open
//   is the same request).
// - Never for a page no teacher may open: the core's `overrideScope` refuses locked lists and the
//   policy's never-override categories (and searches, wrappers, lookalikes, deny entries), so the
//   block page does not offer the button there, and a press is refused here too.
// - Answers: a GET signed like a report's decision (`answersMessage`), every 5 s while a block
//   page waits for one (`ask-status`), and at each wake and heartbeat alarm otherwise. An
//   approval (for this pupil, this group or this organisational unit) becomes an override in
//   force through the same guard a teacher's code uses (sw/overrides.js `applyApproval`): the
//   core refuses a locked or never-override page whatever the hub says, and it ends on time
//   even offline.

import * as idb from './idb.js';
import * as state from './state.js';
import { ready } from './lifecycle.js';
import { backoffMs, postSigned, RETRY } from './report-delivery.js';
import { signBody, SIGNATURE_HEADER } from '../report/sign.js';
import { cutUrl, ruleName } from './events-describe.js';
import { applyApproval } from './overrides.js';
import { deviceIdentity as deviceId, accountEmail } from './events.js';
import { failed, logFailure } from './failures.js';
import { SCHEMA, hubBase as contractHubBase, answersMessage, answersUrl } from './requests-contract.js';

export const REQUESTS_ALARM = 'sg-requests';
/** How often a waiting block page asks (the worker asks the hub at most this often). */
export const POLL_MS = 5_000;
const PREFIX = 'rq:';
/** A request is followed on this device for this long (the hub answers its own for 12 hours). */
const FOLLOW_MS = 12 * 60 * 60_000;

const extras = () => state.currentState()?.extras ?? {};

/** The hub's base address for the managed settings in force (as events find it), or `null`. */
export function hubBase(x = extras()) {
  return contractHubBase(x);
}

/** Whether requests go anywhere: a hub and a key. */
export function hubOn(x = extras()) {
  return Boolean(hubBase(x) && x.reportSigningKey);
}

/** Refusals that mean nobody may ever open the page: the block page offers no "Ask my teacher". */
const NEVER = new Set(['locked', 'never-override']);

/**
 * Whether a pupil may ask for `url` now (`ok`: blocked, and a page a teacher may open, by the
 * core's `overrideScope`), and whether the page may never be opened at all (`never`: a locked
 * list or a never-override category). Other refusals (a search, a deny entry, a wrapper, a
 * lookalike) keep the button, which then tells the pupil to put a hand up, as without a hub.
 */
export function askable(s, url, nowMs = Date.now()) {
  try {
    const scope = s.sg.overrideScope(url, s.group, nowMs);
    return { ok: scope.blocked && !scope.refusal && Boolean(scope.site), never: NEVER.has(scope.refusal?.kind), site: scope.site, refusal: scope.message ?? null };
  } catch (error) {
    logFailure('asking whether a teacher could open a page', error);
    // Unknown: fail closed (no request, no button).
    return { ok: false, never: true, site: null, refusal: null };
  }
}

/** The request's body as sent (the exact bytes are signed). */
export function requestBody(r) {
  return JSON.stringify(r.body);
}

let timer = null;
function schedule(atMs) {
  clearTimeout(timer);
  if (atMs === null) {
    chrome.alarms.clear(REQUESTS_ALARM).catch(failed('clearing the requests alarm'));
    return;
  }
  timer = setTimeout(() => flush().catch(failed('sending requests')), Math.max(0, atMs - Date.now()) + 50);
  chrome.alarms.create(REQUESTS_ALARM, { when: Math.max(atMs, Date.now() + 30_000) }).catch(failed('setting the requests alarm'));
}

let sending = null;
/** Sends every request the hub does not have yet (one pass at a time); retries later if it fails. */
export function flush() {
  sending ??= (async () => {
    try {
      const base = hubBase();
      const key = extras().reportSigningKey;
      const held = (await idb.entries(PREFIX)).map(([, v]) => v);
      const due = held.filter((r) => r.state === 'sending' && r.nextAtMs <= Date.now());
      if (!base || !key) return;
      for (const r of due) {
        const body = requestBody(r);
        let outcome;
        try {
          outcome = await postSigned(`${base}/api/v1/requests`, body, { [SIGNATURE_HEADER]: await signBody(key, body) });
        } catch (error) {
          outcome = { ok: false, error: String(error?.message ?? error) };
        }
        if (outcome.ok) Object.assign(r, { state: 'open', sentAtMs: Date.now(), lastError: null });
        else if (outcome.status === 422) Object.assign(r, { state: 'refused', lastError: outcome.error });
        else Object.assign(r, { attempts: r.attempts + 1, nextAtMs: Date.now() + backoffMs(r.attempts + 1), lastError: outcome.error ?? 'failed' });
        await idb.putMany([[PREFIX + r.body.id, r]], { strict: true });
      }
      const waiting = (await idb.entries(PREFIX)).map(([, v]) => v).filter((r) => r.state === 'sending');
      schedule(waiting.length ? Math.min(...waiting.map((r) => r.nextAtMs)) : null);
    } finally {
      sending = null;
    }
  })();
  return sending;
}

/**
 * `{type: 'ask-teacher', url}` from the block page: the request, saved and sent. Answers
 * `{sent: true, id}` (on its way to the hub), `{sent: false}` (no hub: the page tells the pupil
 * to put a hand up) or `{sent: false, refused}` (no teacher may open this page).
 */
export async function askTeacher(message) {
  await ready;
  const s = state.currentState();
  const nowMs = Date.now();
  if (!s) return { sent: false };
  const can = askable(s, message.url, nowMs);
  if (can.never) return { sent: false, refused: can.refusal ?? 'not a page anyone may open' };
  // Not a page an approval could open (a search, a deny entry…): the pupil puts a hand up.
  if (!can.ok) return { sent: false };
  if (!hubOn()) return { sent: false };
  const url = cutUrl(message.url);
  // Pressed again for the same page while the first is unanswered: the same request.
  const held = (await idb.entries(PREFIX)).map(([, v]) => v);
  const same = held.find((r) => r.body.url === url && r.body.group === s.group && ['sending', 'open'].includes(r.state) && nowMs - r.createdAtMs < FOLLOW_MS);
  if (same) {
    flush().catch(failed('sending requests'));
    return { sent: true, id: same.body.id };
  }
  let verdict = null;
  try {
    verdict = s.sg.classify(message.url, s.group, nowMs);
  } catch (error) {
    logFailure('judging a page a pupil asked for', error);
  }
  const categories = [...new Set([verdict?.category, ...(verdict?.matches ?? []).map((m) => m.category)].filter(Boolean))];
  const orgUnit = typeof extras().orgUnit === 'string' && extras().orgUnit ? extras().orgUnit : null;
  const id = `q-${nowMs.toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
  const body = {
    schema: SCHEMA,
    id,
    device: await deviceId(),
    user: await accountEmail(),
    group: s.group,
    orgUnit,
    url,
    site: can.site,
    category: verdict?.category ?? null,
    categories,
    rule: String(verdict?.rule?.kind ?? 'unknown').slice(0, 64),
    reason: `${ruleName(verdict?.rule)}${verdict?.reason ? ` (${verdict.reason})` : ''}`.slice(0, 500),
    at: new Date(nowMs).toISOString(),
  };
  const r = { body, fullUrl: message.url, state: 'sending', attempts: 0, nextAtMs: nowMs, createdAtMs: nowMs, lastError: null, answer: null };
  // On disk before anything is sent: a worker stopped now sends it at its next wake.
  await idb.putMany([[PREFIX + id, r]], { strict: true });
  await flush();
  return { sent: true, id };
}

let lastAsked = 0;
let asking = null;
/** Asks the hub for this device's answers (at most every `POLL_MS`) and applies the approvals. */
export function followAnswers({ force = false } = {}) {
  if (!force && Date.now() - lastAsked < POLL_MS - 500) return asking ?? Promise.resolve();
  lastAsked = Date.now();
  asking ??= (async () => {
    try {
      await fetchAndApply();
    } finally {
      asking = null;
    }
  })();
  return asking;
}

async function fetchAndApply() {
  const s = state.currentState();
  const base = hubBase();
  const key = extras().reportSigningKey;
  if (!s || !base || !key) return;
  const device = await deviceId();
  const user = (await accountEmail()) ?? '';
  const orgUnit = typeof extras().orgUnit === 'string' ? extras().orgUnit : '';
  const secs = Math.floor(Date.now() / 1000);
  let answer;
  try {
    const res = await fetch(answersUrl(base, { device, user, group: s.group, orgUnit }), {
      method: 'GET',
      headers: { [SIGNATURE_HEADER]: await signBody(key, answersMessage(device, user, s.group, orgUnit, secs)), 'X-Schoolgate-Time': String(secs) },
      redirect: 'error',
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(RETRY.timeoutMs),
    });
    if (!res.ok) return;
    answer = await res.json();
  } catch {
    // No answer: asked again at the next poll or wake.
    return;
  }
  const held = new Map((await idb.entries(PREFIX)).map(([, v]) => [v.body.id, v]));
  for (const a of Array.isArray(answer?.answers) ? answer.answers : []) {
    if (typeof a?.id !== 'string') continue;
    const mine = held.get(a.id);
    let result = null;
    if (a.status === 'approved' && typeof a.url === 'string' && typeof a.site === 'string') {
      result = await applyApproval({ requestId: a.id, url: mine?.fullUrl ?? a.url, site: a.site, startsAtMs: Date.parse(a.startsAt), endsAtMs: Date.parse(a.endsAt) });
    }
    if (mine && ['open', 'sending'].includes(mine.state) && ['approved', 'declined'].includes(a.status)) {
      // "yes" only when the page really opens here: the device's own checks have the last word.
      mine.state = a.status === 'approved' && !result?.ok && result?.outcome === 'refused' ? 'refused' : a.status;
      mine.answer = { status: a.status, endsAt: a.endsAt ?? null, applied: result ?? null };
      await idb.putMany([[PREFIX + a.id, mine]]);
    }
  }
  // Forget requests followed long enough.
  const old = [...held.values()].filter((r) => Date.now() - r.createdAtMs > FOLLOW_MS && r.state !== 'sending').map((r) => PREFIX + r.body.id);
  if (old.length) await idb.deleteMany(old);
}

/**
 * `{type: 'ask-status', id}` from a waiting block page: asks the hub (at most every 5 s) and
 * says `{state: 'sending'|'open'|'approved'|'declined'|'refused', endsAt?}`.
 */
export async function askStatus(message) {
  await ready;
  await flush().catch(failed('sending requests'));
  await followAnswers();
  const r = await idb.get(PREFIX + message.id);
  if (!r) return { state: 'unknown' };
  return { state: r.state, endsAt: r.answer?.endsAt ?? null };
}

/** The newest request still waiting for `url` on this device, if any (the block page resumes it). */
export async function pendingFor(url, group) {
  const cut = cutUrl(url);
  const held = (await idb.entries(PREFIX)).map(([, v]) => v);
  const r = held.filter((x) => x.body.url === cut && x.body.group === group && ['sending', 'open'].includes(x.state)).at(-1);
  return r ? r.body.id : null;
}

/** At each wake and heartbeat: send what waits, then ask for answers. */
export async function atWake() {
  if (!hubOn()) return;
  await flush().catch(failed('sending requests'));
  await followAnswers({ force: true }).catch(failed('asking the hub for answers'));
}
