// "Turn off the screen and tell an adult", in the service worker: the report is made and saved
// durably the moment the pupil presses (before any network use), the page is blocked on this
// device until the DSL has looked at it, the adult's record is added once, and delivery goes on
// in the background (delivery.js).
//
// Storage: IndexedDB (`report:<id>`, `outbox:<id>`, `delivered:<id>`), written with strict
// durability. If IndexedDB refuses (a full disk), the report goes to chrome.storage.local, and
// failing that it is held in memory, and staff are warned on the staff page: a report is never
// dropped silently.

import * as idb from './idb.js';
import * as navlog from './navlog.js';
import { newReport, newSearchAlert, newReportId, heldDetails, recordAdult, appendEvent, onlyAppends, ReportError } from '../report/model.js';
import { serial, outboxEntry, flush, deliveryStatus, DELIVERY_ALARM, useDecisions } from './report-delivery.js';
import { blockPageUrl } from './pages.js';
import { pkg } from './engine.js';
import { heldReports } from './report-held.js';
import { REPORTED_RULE_BASE } from './rule-ids.js';
import { failed } from './failures.js';

export { REPORTED_RULE_BASE };
/** Reported pages kept as DNR rules (the newest); older ones stay blocked by the worker's check. */
const MAX_REPORTED_RULES = 500;

/** Reported addresses (no fragment) → report id. Loaded at wake; DNR covers the moment before. */
const reported = new Map();
let reportedLoaded = null;

/** The address as the device-local block list keys it: no fragment. */
export function reportedKey(url) {
  try {
    const u = new URL(url);
    u.hash = '';
    return u.href;
  } catch {
    // Not a URL: compared as the text it is.
    return String(url).split('#')[0];
  }
}

/** Loads the reported addresses (once per wake). */
export function loadReported() {
  reportedLoaded ??= chrome.storage.local.get('reportedUrls').then(({ reportedUrls }) => {
    for (const [url, id] of Object.entries(reportedUrls ?? {})) reported.set(url, id);
  }).catch(failed('loading the reported pages'));
  return reportedLoaded;
}

/** Whether the pupil reported `url` on this device and the DSL has not reviewed it yet. */
export function isReported(url) {
  if (reported.size === 0) return false;
  if (!/^(https?|data|blob|file):/i.test(url)) return false;
  return reported.has(reportedKey(url));
}

/** The address a report blocks on this device (as the pupil saw it), or `null`. */
export function reportedUrlOf(id) {
  for (const [url, rid] of reported) if (rid === id) return url;
  return null;
}

/** The report id that blocks `url`, or `null`. */
export function reportBlocking(url) {
  return reported.get(reportedKey(url)) ?? null;
}

// Saving the list and the DNR rules runs once at a time, again while anything changed meanwhile:
// a burst of presses is written in a few updates, not one per press. The promise settles once
// every change made before the call is saved.
let persisting = null;
let changed = false;

function persistReported() {
  changed = true;
  persisting ??= (async () => {
    try {
      while (changed) {
        changed = false;
        await chrome.storage.local.set({ reportedUrls: Object.fromEntries(reported) }).catch(failed('saving the reported pages'));
        await syncReportedRules().catch(failed('installing the reported pages\' DNR rules'));
      }
    } finally {
      // In the same step as the last check of `changed`: no change can slip in between.
      persisting = null;
    }
  })();
  return persisting;
}

/** Blocks `url` on this device now (the worker's check at once, then a DNR rule that outlives it). */
async function blockOnDevice(url, id) {
  await loadReported();
  reported.set(reportedKey(url), id);
  return persistReported();
}

/** Removes the device-local block of a report's page (after the DSL's review). */
async function unblockOnDevice(id) {
  await loadReported();
  const urls = [];
  for (const [url, rid] of [...reported]) {
    if (rid === id) {
      reported.delete(url);
      urls.push(url);
    }
  }
  // The unpacked fallback may have learned the address as a session rule: forget that too.
  const session = await chrome.declarativeNetRequest.getSessionRules().catch(failed('reading the session rules', []));
  const learned = session.filter((r) => urls.some((u) => r.condition?.urlFilter === `|${u}|`)).map((r) => r.id);
  if (learned.length) await chrome.declarativeNetRequest.updateSessionRules({ removeRuleIds: learned }).catch(failed('forgetting a reviewed page\'s learned rule'));
  return persistReported();
}

/** DNR rules for the newest reported pages: the exact address, frames only. */
async function syncReportedRules() {
  const existing = (await chrome.declarativeNetRequest.getDynamicRules()).filter((r) => r.id >= REPORTED_RULE_BASE);
  const urls = [...reported.keys()].slice(-MAX_REPORTED_RULES);
  const addRules = [];
  urls.forEach((url, i) => {
    // `*`, `^` and `|` mean something in a urlFilter; such an address falls back to the worker's check.
    if (/[*^|]/.test(url) || url.length > 2000) return;
    addRules.push({
      id: REPORTED_RULE_BASE + i,
      priority: 50,
      action: { type: 'redirect', redirect: { url: blockPageUrl(url, 'reported') } },
      // Anchored at both ends: this address only (requests carry no fragment).
      condition: { urlFilter: `|${url}|`, resourceTypes: ['main_frame', 'sub_frame'] },
    });
  });
  await chrome.declarativeNetRequest.updateDynamicRules({ removeRuleIds: existing.map((r) => r.id), addRules });
}

let identity = null;

/** What Chrome says about who is signed in and which device this is (managed ChromeOS only). */
async function identityOf() {
  if (identity) return identity;
  const out = { email: null, deviceAssetId: null };
  try {
    const info = await chrome.identity?.getProfileUserInfo?.({ accountStatus: 'ANY' });
    out.email = info?.email || null;
  } catch {
    // Not signed in, or the permission is missing: the adult adds the pupil's name by hand.
  }
  try {
    const attrs = chrome.enterprise?.deviceAttributes;
    if (attrs?.getDeviceAssetId) out.deviceAssetId = await new Promise((resolve) => attrs.getDeviceAssetId((v) => resolve(v || null)));
  } catch {
    // Only on a managed ChromeOS device with a force-installed extension.
  }
  identity = out;
  return out;
}

// Made at first use, not at import: Node tests import modules that import this one.
let heldStore = null;
const held = () => {
  heldStore ??= heldReports({
    idb,
    local: chrome.storage.local,
    warn: (text) => {
      if (text || deliveryStatus.warning?.startsWith('Storage')) deliveryStatus.warning = text;
    },
  });
  return heldStore;
};
const saveDurably = (id, entries) => held().save(id, entries);

/** Moves reports that were held elsewhere back into IndexedDB (at wake and before delivery). */
export function rescueHeld() {
  return held().rescue(serial);
}

/**
 * Makes and saves the report for a press. Nothing goes over the network before it is saved.
 * @param {object} p
 * @param {object|null} p.state the policy state in force (state.currentState())
 * @param {string} p.source toolbar | shortcut | page-button | block-page
 * @param {number} p.tabId
 * @param {string} p.url the page the pupil reported
 * @param {string} [p.title]
 * @param {number} [p.pressedAtMs]
 * @param {boolean} [p.addressFromOurPage] the address was read from one of our pages' own address
 *   (`blocked.html?u=…`), which any web page can navigate a tab to: it is blocked on this device
 *   only when the filter blocks it anyway, so a page cannot get an address of its choice blocked
 */
export async function createReport({ state, source, tabId, url, title, pressedAtMs = Date.now(), addressFromOurPage = false }) {
  const at = Math.min(pressedAtMs, Date.now());
  let verdict = null;
  try {
    verdict = state ? state.sg.classify(url, state.group, at) : null;
  } catch {
    // A report is saved even when the engine cannot classify its page.
    verdict = null;
  }
  const [navigations, who] = await Promise.all([tabId >= 0 ? navlog.navigationsOf(tabId) : [], identityOf()]);
  const blockHere = !addressFromOurPage || verdict?.action === 'block';
  const press = {
    id: newReportId(at),
    blockOnDevice: blockHere,
    atMs: at,
    source,
    url,
    title,
    navigations,
    verdict,
    group: state?.groupInfo ?? { name: 'unknown' },
    identity: who,
    school: { name: state?.extras?.schoolName || state?.policySchoolName || '', policySource: state?.source ?? '' },
    engineVersion: pkg.version(),
  };
  const report = newReport(press);
  // The title, navigations and list matches stay on this device (`details:<id>`, never sent)
  // until the adult has answered the suspected-CSAM question (report/model.js).
  const entries = [[`report:${report.id}`, report], [`details:${report.id}`, heldDetails(press)], [`outbox:${report.id}`, outboxEntry(report)]];
  const where = await serial(() => saveDurably(report.id, entries));
  // Held outside IndexedDB: wake again to move it back and send it.
  if (where !== 'indexeddb') chrome.alarms.create(DELIVERY_ALARM, { delayInMinutes: 1 }).catch(failed('setting the delivery alarm'));
  if (blockHere) await blockOnDevice(url, report.id);
  flush('new report').catch(failed('sending a new report'));
  return report;
}

/**
 * Makes, saves and queues the report of a search that raised an alert (sw/search-alerts.js
 * decides when): saved durably like a press's report and delivered through the same outbox. It
 * blocks nothing on the device: the search's own verdict already did what it had to.
 * @param {object} p
 * @param {object} p.state the policy state in force
 * @param {string} p.url the search's address
 * @param {object} p.verdict its verdict (`classify`), with `search` and `alerts`
 * @param {number} p.atMs when the search was made
 */
export async function createSearchAlert({ state, url, verdict, atMs }) {
  const report = newSearchAlert({
    id: newReportId(atMs),
    atMs,
    url,
    verdict,
    group: state?.groupInfo ?? { name: 'unknown' },
    identity: await identityOf(),
    school: { name: state?.extras?.schoolName || state?.policySchoolName || '', policySource: state?.source ?? '' },
    engineVersion: pkg.version(),
  });
  const where = await serial(() => saveDurably(report.id, [[`report:${report.id}`, report], [`outbox:${report.id}`, outboxEntry(report)]]));
  if (where !== 'indexeddb') chrome.alarms.create(DELIVERY_ALARM, { delayInMinutes: 1 }).catch(failed('setting the delivery alarm'));
  flush('search alert').catch(failed('sending a search alert'));
  return report;
}

/** The stored report, or `null`. */
export async function getReport(id) {
  if (typeof id !== 'string') return null;
  return (await idb.get(`report:${id}`)) ?? new Map(await held().entries()).get(`report:${id}`) ?? null;
}

/** Every report on this device, newest first. */
export async function allReports() {
  const stored = (await idb.entries('report:')).map(([, v]) => v);
  const ids = new Set(stored.map((r) => r.id));
  for (const [k, v] of await held().entries()) if (k.startsWith('report:') && !ids.has(v.id)) stored.push(v);
  return stored.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** Saves a new revision of `before` and queues it for delivery; refuses anything but additions. */
async function saveRevision(before, next) {
  if (!onlyAppends(before, next)) throw new ReportError('a completed report can only be added to');
  await serial(async () => {
    const before = await idb.get(`outbox:${next.id}`);
    const entry = { ...(before ?? outboxEntry(next)), revision: next.revision, attempts: 0, nextAtMs: Date.now() };
    await saveDurably(next.id, [[`report:${next.id}`, next], [`outbox:${next.id}`, entry]]);
  });
  flush('revision').catch(failed('sending a report\'s revision'));
}

/** What revision 1 held back (report/model.js `heldDetails`), or `null`. */
async function getHeldDetails(id) {
  return (await idb.get(`details:${id}`)) ?? new Map(await held().entries()).get(`details:${id}`) ?? null;
}

/**
 * The adult's record, added once (the code was checked by the caller), with the held details
 * unless the adult suspects child sexual abuse imagery; the device then forgets them either way.
 */
export async function completeByAdult({ id, record, staffVerified }) {
  const report = await getReport(id);
  if (!report) throw new ReportError('no such report on this device');
  const next = recordAdult(report, { ...record, staffVerified }, Date.now(), await getHeldDetails(id));
  await saveRevision(report, next);
  await serial(() => idb.deleteMany([`details:${id}`])).catch(failed('deleting held report details'));
  return next;
}

/**
 * The DSL's review of a reported page: `unblock` lifts this device's block, `keep` leaves it.
 * Appended to the record, which is sent again.
 */
export async function reviewReported({ id, decision, reviewer }) {
  const report = await getReport(id);
  if (!report) throw new ReportError('no such report on this device');
  if (decision !== 'unblock' && decision !== 'keep') throw new ReportError('decision: unblock or keep');
  const who = reviewer ? ` by ${String(reviewer).slice(0, 100)}` : '';
  const next = appendEvent(report, decision === 'unblock' ? 'unblocked-on-device' : 'kept-blocked', decision === 'unblock'
    ? `Reviewed${who}: the page is no longer blocked on this device (the school's filter policy still applies).`
    : `Reviewed${who}: the page stays blocked on this device.`, Date.now());
  if (decision === 'unblock') await unblockOnDevice(report.id);
  await saveRevision(report, next);
  return next;
}

// The hub's decisions about reported pages reach the device through delivery.js.
useDecisions({
  async blocked() {
    await loadReported();
    const out = [];
    for (const id of new Set(reported.values())) {
      const report = await getReport(id).catch(failed('reading a reported page for the hub\'s decision', null));
      if (report) out.push({ id, kept: report.timeline.some((e) => e.event === 'kept-blocked') });
    }
    return out;
  },
  review: (id, decision) => reviewReported({ id, decision, reviewer: 'the DSL, on the hub' }),
});
