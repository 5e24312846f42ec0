// Delivering safeguarding reports to the school's endpoint, never losing one.
//
// - The outbox lives in IndexedDB next to the reports (`outbox:<id>` says which revision is still
//   to be sent), so it survives the worker being stopped and the browser being closed. It is
//   read again at every wake, on an alarm, and whenever a report is saved.
// - One POST per report revision: JSON, signed with HMAC-SHA256 (report/sign.js), with the report
//   id in a header so the receiver can de-duplicate. Only a 2xx counts as delivered; anything
//   else (no connection, 5xx, a timeout, a redirect, a reply that is not HTTP) keeps the report
//   and tries again later, each time waiting about twice as long (2 s up to 15 min).
// - A report the adult completes after its first delivery is sent again, whole, as revision 2:
//   the receiver keeps the highest revision of each id (docs/reports.md).
// - Without an endpoint nothing is sent: reports stay on the device for staff to export.

import * as idb from './idb.js';
import { failed } from './failures.js';
import { singleRun } from './single-run.js';
import { signBody, SIGNATURE_HEADER, REPORT_ID_HEADER } from '../report/sign.js';

/** Retry timing and limits. */
export const RETRY = Object.freeze({ firstMs: 2_000, maxMs: 15 * 60_000, timeoutMs: 15_000, concurrency: 4 });
export const DELIVERY_ALARM = 'sg-deliver';

/** The wait before attempt `attempts + 1`, with ±20 % jitter so a room of Chromebooks spreads out. */
export function backoffMs(attempts, random = Math.random) {
  const base = Math.min(RETRY.maxMs, RETRY.firstMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** What the staff page shows about delivery. */
export const deliveryStatus = { endpoint: null, lastAttemptAt: null, lastDeliveredAt: null, lastError: null, pending: 0, delivered: 0, warning: null };

let settings = () => ({ endpoint: null, signingKey: null });
/** Where the endpoint and key come from (the managed settings in force); set by the worker. */
export function useSettings(read) {
  settings = read;
}

// One writer for outbox entries: every read-modify-write runs in this queue, so a delivery that
// finishes while the adult saves revision 2 can never mark revision 2 as sent.
/** @type {Promise<unknown>} */
let writes = Promise.resolve();
/**
 * @template T
 * @param {() => T | Promise<T>} fn
 * @returns {Promise<T>}
 */
export function serial(fn) {
  const run = writes.then(fn);
  // The chain only orders writes; `run` carries the error to its own caller.
  writes = run.catch(() => {});
  return run;
}

/** Queues `report` (its current revision) for delivery. Call inside `serial`. */
export function outboxEntry(report, now = Date.now()) {
  return { id: report.id, revision: report.revision, attempts: 0, nextAtMs: now, queuedAtMs: now, lastError: null };
}

const inFlight = new Set();
let timer = null;
// Set by any call that is a contact with the hub (an alarm, a wake, staff's "send now"): the next
// series of runs first learns what the DSL decided about pages this device blocks.
let decisionsWanted = false;
const drain = singleRun(flushOnce, async () => {
  if (!decisionsWanted) return;
  decisionsWanted = false;
  await followDecisions().catch(failed('asking the hub for its decisions on reported pages'));
});

/**
 * Sends what is due now (`force`: everything waiting, as staff asked); concurrent calls share
 * one run, and one more if asked during it (sw/single-run.js).
 */
export function flush(reason = 'now', { force = false } = {}) {
  decisionsWanted ||= reason === 'alarm' || reason === 'wake' || force;
  return drain(force);
}

async function flushOnce(force) {
  const { endpoint, signingKey } = settings();
  deliveryStatus.endpoint = endpoint ?? null;
  const outbox = (await idb.entries('outbox:')).map(([, v]) => v);
  deliveryStatus.pending = outbox.length;
  if (!outbox.length) return;
  if (!endpoint) {
    deliveryStatus.warning = `${outbox.length} report(s) stay on this device: no report endpoint is set in the Admin console. Export them from this page.`;
    return;
  }
  if (!signingKey) {
    deliveryStatus.warning = `${outbox.length} report(s) are waiting: a report endpoint is set but no signing key, so they cannot be signed. Set reportSigningKey in the Admin console.`;
    return;
  }
  deliveryStatus.warning = null;
  const now = Date.now();
  const due = outbox.filter((e) => (force || e.nextAtMs <= now) && !inFlight.has(e.id)).sort((a, b) => a.queuedAtMs - b.queuedAtMs);
  let next = 0;
  const worker = async () => {
    while (next < due.length) {
      const entry = due[next];
      next += 1;
      await deliverOne(entry, endpoint, signingKey);
    }
  };
  await Promise.all(Array.from({ length: Math.min(RETRY.concurrency, due.length) }, worker));
  await scheduleNext();
}

async function deliverOne(entry, endpoint, signingKey) {
  inFlight.add(entry.id);
  try {
    const report = await idb.get(`report:${entry.id}`);
    if (!report) {
      await serial(() => idb.deleteMany([`outbox:${entry.id}`]));
      return;
    }
    const body = JSON.stringify(report);
    let outcome;
    try {
      outcome = await post(endpoint, body, await signBody(signingKey, body), report);
    } catch (error) {
      outcome = { ok: false, error: String(error?.message ?? error) };
    }
    deliveryStatus.lastAttemptAt = Date.now();
    await serial(async () => {
      const current = await idb.get(`outbox:${entry.id}`);
      if (!current) return;
      if (outcome.ok) {
        const delivered = { revision: report.revision, atMs: Date.now(), attempts: current.attempts + 1, status: outcome.status };
        const writesNow = [[`delivered:${entry.id}`, delivered]];
        // A newer revision saved while this one was on its way stays queued.
        if (current.revision > report.revision) writesNow.push([`outbox:${entry.id}`, { ...current, attempts: 0, nextAtMs: Date.now() }]);
        await idb.putMany(writesNow, { strict: true });
        if (current.revision <= report.revision) await idb.deleteMany([`outbox:${entry.id}`]);
        deliveryStatus.lastDeliveredAt = Date.now();
        deliveryStatus.delivered += 1;
      } else {
        const attempts = current.attempts + 1;
        await idb.putMany([[`outbox:${entry.id}`, { ...current, attempts, nextAtMs: Date.now() + backoffMs(attempts), lastError: outcome.error }]]);
        deliveryStatus.lastError = `${new Date().toISOString()}: ${outcome.error}`;
      }
    });
  } finally {
    inFlight.delete(entry.id);
  }
}

function post(endpoint, body, signature, report) {
  return postSigned(endpoint, body, {
    [SIGNATURE_HEADER]: signature,
    [REPORT_ID_HEADER]: report.id,
    'X-Schoolgate-Revision': String(report.revision),
  });
}

/**
 * POSTs a signed JSON body (`headers` carry the signature and ids) as every delivery does: no
 * redirect, no cookies, no cache, a timeout; `{ok, status}` for a 2xx, `{ok: false, status,
 * error}` otherwise (also used by sw/events.js). Throws when no HTTP answer came.
 */
export async function postSigned(endpoint, body, headers) {
  const abort = new AbortController();
  const stop = setTimeout(() => abort.abort(new Error(`no reply within ${RETRY.timeoutMs / 1000} s`)), RETRY.timeoutMs);
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: abort.signal,
      // A redirect is not a delivery: the data would go somewhere the school did not set.
      redirect: 'error',
      credentials: 'omit',
      cache: 'no-store',
    });
    // Read (and drop) the reply, so a half-sent one counts as a failure, not a success.
    await res.arrayBuffer();
    return res.ok ? { ok: true, status: res.status } : { ok: false, status: res.status, error: `HTTP ${res.status}` };
  } finally {
    clearTimeout(stop);
  }
}

/** Wakes the worker for the next due report: a timer while it runs, an alarm if it is stopped. */
async function scheduleNext() {
  const outbox = (await idb.entries('outbox:')).map(([, v]) => v);
  deliveryStatus.pending = outbox.length;
  clearTimeout(timer);
  if (!outbox.length) {
    await chrome.alarms.clear(DELIVERY_ALARM);
    return;
  }
  const soonest = Math.min(...outbox.map((e) => e.nextAtMs));
  const wait = Math.max(0, soonest - Date.now());
  timer = setTimeout(() => flush('timer'), wait + 50);
  // Chrome runs alarms no more often than every 30 s; the timer covers the shorter waits.
  await chrome.alarms.create(DELIVERY_ALARM, { when: Math.max(soonest, Date.now() + 30_000) });
}

/** Every report's delivery state, for the staff page: `{id → {pending?, delivered?}}`. */
export async function deliveryStates() {
  const [outbox, delivered] = await Promise.all([idb.entries('outbox:'), idb.entries('delivered:')]);
  const out = {};
  for (const [, v] of outbox) out[v.id] = { ...(out[v.id] ?? {}), pending: v };
  for (const [k, v] of delivered) {
    const id = k.slice('delivered:'.length);
    out[id] = { ...(out[id] ?? {}), delivered: v };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The DSL's decisions about reported pages, from the hub (docs/hub.md, "The reported page"). At
// each contact (the delivery alarm, a wake, staff's "send now") the device asks, for each report
// it still blocks a page for, with a GET signed like a report: the same key, over
// `schoolgate-decision/1`, the id and the time in seconds, one a line. While any is undecided
// and nothing waits to be sent, the alarm comes back every `DECISION_POLL_MINUTES`.

export const DECISION_POLL_MINUTES = 15;
const DECISIONS = new Set(['unblock', 'keep-blocked', 'undecided']);

/** The bytes signed to ask for report `id`'s decision at `secs` (Unix seconds). */
export function decisionMessage(id, secs) {
  return `schoolgate-decision/1\n${id}\n${secs}`;
}

/** The hub's address for report `id`'s decision: the report endpoint, then `/<id>/decision`. */
export function decisionUrl(endpoint, id) {
  const url = new URL(endpoint);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${encodeURIComponent(id)}/decision`;
  url.search = '';
  url.hash = '';
  return url.href;
}

/**
 * Asks the hub for the decision on each of `ids`: a Map of id to `unblock`, `keep-blocked` or
 * `undecided`. A report the hub gives no good answer for is left out: it is asked again next time.
 */
export async function fetchDecisions({ endpoint, signingKey, ids, fetchImpl = fetch, nowMs = Date.now() }) {
  const answers = new Map();
  const secs = Math.floor(nowMs / 1000);
  for (const id of ids) {
    try {
      const res = await fetchImpl(decisionUrl(endpoint, id), {
        method: 'GET',
        headers: { [SIGNATURE_HEADER]: await signBody(signingKey, decisionMessage(id, secs)), 'X-Schoolgate-Time': String(secs) },
        redirect: 'error',
        credentials: 'omit',
        cache: 'no-store',
        signal: AbortSignal.timeout(RETRY.timeoutMs),
      });
      if (!res.ok) continue;
      const answer = await res.json();
      if (answer?.id === id && DECISIONS.has(answer.page)) answers.set(id, answer.page);
    } catch {
      // No answer: ask again at the next contact.
    }
  }
  return answers;
}

let decisionHooks = null;
/**
 * Where the reports come from, set by sw/report-store.js: `blocked()` lists the reports whose page
 * this device blocks, as `{id, kept}` (`kept`: a keep-blocked review is already recorded);
 * `review(id, 'unblock' | 'keep')` records the decision and lifts the block for `unblock`.
 */
export function useDecisions(hooks) {
  decisionHooks = hooks;
}

/** Asks the hub and applies its answers; how many decisions were applied. */
export async function followDecisions(fetchImpl = fetch) {
  const { endpoint, signingKey } = settings();
  if (!decisionHooks || !endpoint || !signingKey) return 0;
  const blocked = await decisionHooks.blocked();
  if (!blocked.length) return 0;
  const answers = await fetchDecisions({ endpoint, signingKey, ids: blocked.map((b) => b.id), fetchImpl });
  let applied = 0;
  let waiting = false;
  for (const { id, kept } of blocked) {
    const page = answers.get(id);
    if (page === 'unblock') {
      await decisionHooks.review(id, 'unblock');
      applied += 1;
    } else {
      waiting = true; // still blocked: the DSL may yet unblock it
      if (page === 'keep-blocked' && !kept) {
        await decisionHooks.review(id, 'keep');
        applied += 1;
      }
    }
  }
  // The delivery alarm is the device's contact with the hub: keep it coming while a block waits.
  if (waiting && globalThis.chrome?.alarms && !(await idb.entries('outbox:')).length) {
    await chrome.alarms.create(DELIVERY_ALARM, { delayInMinutes: DECISION_POLL_MINUTES });
  }
  return applied;
}
