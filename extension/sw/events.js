// Monitoring events for the DSL and the IT lead (docs/events.md, `schoolgate-events/1`): what was
// blocked, attempts to get round the filter, search alerts, help-seeking searches, staff flags,
// visits (only when the school sets `logVisits`), a heartbeat, and the filter check's result
// (made by sw/self-test.js). The queue and its delivery are
// sw/events-queue.js; this module makes the events from what the browser itself reports and
// wires the queue to IndexedDB, the hub and the alarms.
//
// Trust: every event is made here, from webNavigation (the browser's own account of a
// navigation), the engine's verdict on the policy in force, chrome.idle, and for staff flags a
// staff-page message with the staff code checked here. No web page can make, change or stop one.
//
// Cost: allowed navigations meet one frame check and one prefix comparison (and, with
// `logVisits`, one queued `visit`); a blocked one is judged again once (`describeBlock`) when its
// block page commits, after the pupil already sees the block (BENCHMARKS.md).

import * as idb from './idb.js';
import * as state from './state.js';
import * as navlog from './navlog.js';
import { eventsQueue, EVENT_LIMITS } from './events-queue.js';
import { backoffMs, postSigned } from './report-delivery.js';
import { signBody, SIGNATURE_HEADER } from '../report/sign.js';
import { readPageAddress } from '../pages/page-address.js';
import { maySearch } from './search-hosts.js';
import { eventsEndpoint, cutUrl, hostOf, viaOf, describeBlock, describeSearch, describeOverride } from './events-describe.js';
import * as overrides from './overrides.js';
import { staffOnly } from './report-flow.js';
import { failed, logFailure } from './failures.js';
import { ready } from './lifecycle.js';

export const EVENTS_ALARM = 'sg-events';
export const HEARTBEAT_ALARM = 'sg-heartbeat';
export const HEARTBEAT_MINUTES = 5;
export const BATCH_ID_HEADER = 'X-Schoolgate-Batch-Id';

// ---------------------------------------------------------------------------------------------
// The queue, on this device.

const extras = () => state.currentState()?.extras ?? {};

/** Whether events go anywhere (the block page's "your school can see" line, the first-run notice). */
export function monitoringOn(x = extras()) {
  return eventsEndpoint(x) !== null;
}

let deviceId = null;
/** The managed device's directory id when Chrome gives one, else a random id made once. */
async function device() {
  if (deviceId) return deviceId;
  const directory = await new Promise((resolve) => {
    const api = globalThis.chrome?.enterprise?.deviceAttributes;
    // Only managed ChromeOS has this API; elsewhere the random id below stands in.
    if (!api?.getDirectoryDeviceId) return resolve(null);
    api.getDirectoryDeviceId((id) => resolve(chrome.runtime.lastError ? null : id || null));
  });
  if (directory && /^[A-Za-z0-9-]{8,64}$/.test(directory)) return (deviceId = directory);
  const { eventsDeviceId } = await chrome.storage.local.get('eventsDeviceId');
  if (eventsDeviceId) return (deviceId = eventsDeviceId);
  deviceId = `d-${crypto.randomUUID()}`;
  await chrome.storage.local.set({ eventsDeviceId: deviceId });
  return deviceId;
}

/** The device's id as events carry it (also sw/requests.js's). */
export const deviceIdentity = () => device();
/** The managed account when Chrome gives one, else null (also sw/requests.js's). */
export const accountEmail = () => user();

async function user() {
  try {
    const info = await chrome.identity.getProfileUserInfo({ accountStatus: 'ANY' });
    return info?.email || null;
  } catch (error) {
    logFailure('reading the signed-in account for events', error);
    return null;
  }
}

let timer = null;
let wakeAt = null;
/** Wakes the worker at `atMs` to send: a timer while it runs, an alarm (≥ 30 s) if it stops. */
function schedule(atMs) {
  if (atMs === null) {
    clearTimeout(timer);
    wakeAt = null;
    chrome.alarms.clear(EVENTS_ALARM).catch(failed('clearing the events alarm'));
    return;
  }
  // An earlier wake already set covers this one (every queued event asks for one).
  if (wakeAt !== null && wakeAt <= atMs && wakeAt > Date.now()) return;
  wakeAt = atMs;
  clearTimeout(timer);
  timer = setTimeout(() => {
    wakeAt = null;
    queue.flush().catch(failed('sending events'));
  }, Math.max(0, atMs - Date.now()) + 50);
  chrome.alarms.create(EVENTS_ALARM, { when: Math.max(atMs, Date.now() + 30_000) }).catch(failed('setting the events alarm'));
}

async function send(body, batchId) {
  const endpoint = eventsEndpoint(extras());
  const key = extras().reportSigningKey;
  if (!endpoint || !key) return null;
  return postSigned(endpoint, body, { [SIGNATURE_HEADER]: await signBody(key, body), [BATCH_ID_HEADER]: batchId });
}

export const queue = eventsQueue({
  store: idb,
  send,
  canSend: () => Boolean(eventsEndpoint(extras()) && extras().reportSigningKey),
  envelope: async () => ({
    device: await device(),
    user: await user(),
    group: state.currentState()?.group ?? null,
    extensionVersion: chrome.runtime.getManifest().version,
  }),
  schedule,
  backoffMs,
  timeScale: () => extras().eventsTimeScale ?? 1,
  onError: failed('sending events'),
  onRefused: (message) => logFailure('sending events', message),
});

/**
 * What the events path has done and cost in this worker (BENCHMARKS.md, "Monitoring events"; read
 * through `eventsStatus().path`): how many block pages it judged, how many events it queued, and
 * the worker's own time per blocked navigation (the verdict again, the events made, the queue's
 * synchronous work; the IndexedDB write is asynchronous), the last 1,000. An allowed navigation
 * changes none of them.
 */
const path = { blockPages: 0, recorded: {}, workMs: [] };

/** Queues an event; a fault is logged, never thrown at a navigation. */
function record(fields) {
  path.recorded[fields.kind] = (path.recorded[fields.kind] ?? 0) + 1;
  return queue.record(fields).catch(failed(`recording a ${fields.kind} event`));
}

// ---------------------------------------------------------------------------------------------
// Sources.

// Every teacher's override code typed here (its outcome, site and end) goes to the hub as an
// `override` event; the record on the device is kept either way (sw/overrides.js).
overrides.onRecord(async (entry) => {
  const event = describeOverride(entry);
  if (event) await record(event);
});

/**
 * `webNavigation.onCommitted`: a block page committed at the top level (whatever blocked it:
 * DNR, webRequest, webNavigation, the checking page) makes `blocked` (and `circumvention`); with
 * `logVisits`, any other web page makes a `visit`. A reload or Back to the block page is not a
 * new attempt.
 */
export function onCommitted(d) {
  if (d.frameId !== 0) return;
  if (d.url.startsWith(blockPage())) {
    if (d.transitionType === 'reload' || d.transitionQualifiers?.includes('forward_back')) return;
    onBlockPage(d).catch(failed('recording a blocked navigation'));
    return;
  }
  if (!/^https?:/i.test(d.url) || d.transitionType === 'reload') return;
  const visit = () => {
    if (extras().logVisits === true && monitoringOn()) record({ kind: 'visit', host: hostOf(d.url) });
  };
  // Just woken by this navigation: the settings are still loading.
  if (state.currentState()) visit();
  else ready.then(visit).catch(failed('recording a visit'));
}

let blockPrefix = null;
const blockPage = () => (blockPrefix ??= chrome.runtime.getURL('blocked.html'));

async function onBlockPage(d) {
  const { url } = readPageAddress(d.url);
  // A block by DNR may be what woke the worker: the policy in force loads first.
  await ready;
  const s = state.currentState();
  if (!url || !s) return;
  const before = (await navlog.navigationsOf(d.tabId)).at(-1)?.url ?? null;
  const started = performance.now();
  path.blockPages += 1;
  let verdict;
  try {
    verdict = s.sg.classify(url, s.group, Date.now());
  } catch (error) {
    logFailure('judging a blocked navigation for its event', error);
    return;
  }
  // Queued together (each write runs in the queue's own order); timed up to the writes.
  const queued = describeBlock(verdict, url, viaOf(d.transitionType, before !== null && maySearch(hostOf(before), s.searchHosts))).map(record);
  path.workMs.push(performance.now() - started);
  if (path.workMs.length > 1_000) path.workMs.shift();
  await Promise.all(queued);
}

/** A submitted search that raised an alert or asked for help (sw/search-alerts.js, once per search). */
export async function onSearch({ verdict, reportId = null }) {
  for (const event of describeSearch(verdict, reportId)) await record(event);
}

/** The staff page's flag, staff code checked here: `{url, flag, note, code}`. */
export async function staffFlag(message) {
  const refused = await staffOnly(message.code);
  if (refused) return { ok: false, error: refused };
  const event = await queue.record({ kind: 'staff-flag', url: cutUrl(message.url), flag: message.flag, note: String(message.note ?? '').slice(0, 500) });
  queue.flush().catch(failed('sending a staff flag'));
  return { ok: true, id: event.id, monitored: monitoringOn() };
}

/** A filter check's result (sw/self-test.js): queued, and sent at once. */
export async function recordFilterCheck(fields) {
  const event = await queue.record(fields);
  queue.flush().catch(failed('sending a filter check'));
  return event;
}

const LAST_BEAT = 'eventsLastHeartbeatAt';

/** A heartbeat with the idle state (`chrome.idle`), now. */
export async function heartbeat(idleState) {
  if (!monitoringOn()) return;
  const s = ['active', 'idle', 'locked'].includes(idleState) ? idleState : await chrome.idle.queryState(60);
  await chrome.storage.session.set({ [LAST_BEAT]: Date.now() }).catch(failed('remembering the last heartbeat'));
  await record({ kind: 'heartbeat', state: s });
}

/**
 * After each reading of the managed policy (every wake, every Admin console change): the
 * heartbeat alarm exists; a heartbeat goes now if none went in this browser session's last five
 * minutes (a new install, a browser start, a hub just set); events saved before are sent; and
 * the pupil's first-run notice is shown once.
 */
export async function afterPolicy() {
  if (!(await chrome.alarms.get(HEARTBEAT_ALARM))) await chrome.alarms.create(HEARTBEAT_ALARM, { periodInMinutes: HEARTBEAT_MINUTES });
  const last = Number((await chrome.storage.session.get(LAST_BEAT))[LAST_BEAT] ?? 0);
  if (Date.now() - last >= HEARTBEAT_MINUTES * 60_000) await heartbeat();
  await showNoticeOnce();
  await queue.flush();
}

// ---------------------------------------------------------------------------------------------
// Telling pupils: the first-run notice.

/**
 * Once events go to the school, a pupil's device opens the notice page once (notice.html): in
 * words for their age, the school can see what is blocked. Never on a staff device.
 */
export async function showNoticeOnce() {
  const s = state.currentState();
  if (!s || s.groupInfo?.staff || !monitoringOn(s.extras)) return;
  const { eventsNoticeShownAt } = await chrome.storage.local.get('eventsNoticeShownAt');
  if (eventsNoticeShownAt) return;
  await chrome.storage.local.set({ eventsNoticeShownAt: Date.now() });
  const preset = s.groupInfo?.preset ?? s.group;
  const age = preset === 'eyfs' ? 'eyfs' : preset === 'ks1' ? 'ks1' : 'ks2';
  const locale = s.extras.locale ? `&locale=${encodeURIComponent(s.extras.locale)}` : '';
  const visits = s.extras.logVisits === true ? '&visits=1' : '';
  await chrome.tabs.create({ url: chrome.runtime.getURL(`notice.html?age=${age}${locale}${visits}`), active: true });
}

/** What the staff page and the tests see of the queue. */
export function eventsStatus() {
  return { endpoint: eventsEndpoint(extras()), logVisits: extras().logVisits === true, cap: EVENT_LIMITS.cap, ...queue.status, path: { ...path, recorded: { ...path.recorded }, workMs: [...path.workMs] } };
}
