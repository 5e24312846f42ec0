// Teachers' override codes, the worker's side: a code typed on a block page is checked by the
// core (wasm `verifyOverride`: the site, the group, the time window, and never a locked or
// never-override page), guesses are slowed down (sw/override-guard.js), and an accepted code
// opens that site for this device's group until the policy's `override_minutes` have passed.
//
// Only the worker reads the school's secret (`overrideSecret`, managed and hidden on
// chrome://policy); no page is ever told it. A web page can never grant an override: only our
// own block page, not inside a frame, may send a code (sw/messages.js), and the code must be
// right.
//
// How an override ends on time, even offline:
// - every judgement asks `permits`, which checks the end time itself (force-installed: every
//   request; unpacked: every navigation), so nothing opens a moment after the end;
// - the session DNR rule that lets the site's requests past the category rules is removed at
//   the end by an alarm (`OVERRIDE_ALARM`), and at every wake whatever ended meanwhile;
// - open tabs on the site are sent to the block page when it ends.
// State lives in chrome.storage.local, so a worker or browser restart neither ends an override
// early nor keeps it past its end, nor resets the guessing guard.

import * as state from './state.js';
import { ready } from './lifecycle.js';
import { RULE_IDS } from './rule-ids.js';
import { blockPageUrl } from './pages.js';
import { ALLOW } from './engine.js';
import { failed, logFailure } from './failures.js';
import { freshGuard, guardWait, guardAfter, logEntry, appendLog, splitByEnd, hostInSite } from './override-guard.js';

export const OVERRIDE_ALARM = 'sg-override-end';
/** chrome.storage.local keys: `{active, used, guard}` and the record of every use. */
const STORE_KEY = 'teacherOverrides';
const LOG_KEY = 'teacherOverrideLog';
/** Above the category and deny rules (20), below reported pages (50), the fail-safe and the locked lists (100). */
const RULE_PRIORITY = 25;
/** An override's requests: its pages and frames, and (for harmful categories) their media. */
const RULE_TYPES = ['main_frame', 'sub_frame', 'other', 'image', 'media', 'object'];
const HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i;

/** Overrides in force: `{site, group, endsAtMs, startsAtMs, step, logId}`. */
let active = [];

/** Resolves once the saved overrides are read and whatever ended while asleep is ended. */
export const loaded = ready.then(() => endDue('wake')).catch(failed('reading the teachers\' overrides'));

async function readStore() {
  const got = await chrome.storage.local.get(STORE_KEY);
  /** @type {{active?: unknown, used?: Record<string, number>, guard?: ReturnType<typeof freshGuard>, refused?: string[]}} */
  const s = got?.[STORE_KEY] ?? {};
  return { active: Array.isArray(s.active) ? s.active : [], used: s.used ?? {}, guard: s.guard ?? freshGuard(), refused: Array.isArray(s.refused) ? s.refused : [] };
}

function writeStore(store) {
  return chrome.storage.local.set({ [STORE_KEY]: store });
}

const listeners = [];
/**
 * Calls `fn(entry)` with every entry recorded from now on (a code typed, its outcome, the
 * override's scope and end): how the monitoring events reach the hub once a module sends them
 * (sw/events.js, when it is there); the record on this device is kept either way.
 */
export function onRecord(fn) {
  listeners.push(fn);
}

async function appendToLog(entry) {
  const got = await chrome.storage.local.get(LOG_KEY);
  await chrome.storage.local.set({ [LOG_KEY]: appendLog(got?.[LOG_KEY], entry) });
  for (const fn of listeners) {
    try {
      await fn(entry);
    } catch (error) {
      logFailure('passing on a teacher\'s override record', error);
    }
  }
}

/** @type {Promise<unknown>} */
let queue = Promise.resolve();
/**
 * One change at a time: two codes typed at once must not both read the same guard.
 * @template T
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
function serial(fn) {
  const run = queue.then(fn, fn);
  // The chain only orders changes; `run` carries the error to its caller.
  queue = run.catch(() => {});
  return run;
}

/**
 * Whether an override in force opens `url` for the state's group at `nowMs`: synchronous, for
 * the blocking webRequest listener. Only for a URL the engine blocks; the core decides
 * (`overridePermits`: the site, and never a locked or never-override page).
 */
export function permits(s, url, nowMs) {
  if (!active.length || !s) return false;
  const host = HOST.exec(url)?.[1]?.toLowerCase().replace(/\.$/, '') ?? '';
  for (const o of active) {
    if (o.group !== s.group || o.endsAtMs <= nowMs || !hostInSite(host, o.site)) continue;
    try {
      if (s.sg.overridePermits(url, s.group, o.site, nowMs)) return true;
    } catch (error) {
      logFailure('checking a teacher\'s override', error);
    }
  }
  return false;
}

/** What the block page may show about a teacher's code for `url`: never the secret. */
export function describeFor(s, url, nowMs = Date.now()) {
  if (!s?.extras?.overrideSecret) return { available: false };
  try {
    const scope = s.sg.overrideScope(url, s.group, nowMs);
    if (!scope.blocked || scope.refusal) return { available: false, refusal: scope.message ?? null };
    return { available: true, site: scope.site, minutes: scope.minutes };
  } catch (error) {
    logFailure('asking what a teacher\'s code could open', error);
    return { available: false };
  }
}

async function userEmail() {
  try {
    const info = await chrome.identity?.getProfileUserInfo?.({ accountStatus: 'ANY' });
    return info?.email || null;
  } catch {
    // Not a managed, signed-in profile: the record says nothing of who.
    return null;
  }
}

/**
 * `{type: 'override-code', url, code}` from the block page. Answers `{ok: true, endsAt, site}`
 * or `{ok: false, outcome, message?, waitMs?}` (not `error`: that key means the message failed).
 */
export function tryCode(m) {
  return serial(async () => {
    await loaded;
    const s = state.currentState();
    const nowMs = Date.now();
    const secret = s?.extras?.overrideSecret;
    if (!s || !secret) return { ok: false, outcome: 'not-set' };
    const store = await readStore();
    const wait = guardWait(store.guard, nowMs);
    const id = `o-${nowMs.toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
    const base = { id, atMs: nowMs, url: m.url, group: s.group, user: await userEmail() };
    if (wait > 0) {
      await appendToLog(logEntry({ ...base, outcome: 'wait' }));
      return { ok: false, outcome: 'wait', waitMs: wait };
    }
    const scope = s.sg.overrideScope(m.url, s.group, nowMs);
    const usedKey = `${s.group}\n${scope.site}`;
    const lastUsed = Number.isFinite(store.used[usedKey]) ? store.used[usedKey] : undefined;
    const r = s.sg.verifyOverride(secret, m.url, s.group, m.code, nowMs, lastUsed);
    // A reused right code is not a guess; a locked page refused before any check is not either.
    const checked = r.ok || ['wrong-code', 'malformed'].includes(r.error);
    if (checked) store.guard = guardAfter(store.guard, r.ok, nowMs);
    if (!r.ok) {
      await writeStore(store);
      await appendToLog(logEntry({ ...base, outcome: r.error, site: scope.site, reason: r.message }));
      const waitMs = guardWait(store.guard, nowMs);
      return { ok: false, outcome: waitMs > 0 ? 'wait' : r.error, message: r.message, waitMs };
    }
    const { grant } = r;
    // A code more than a step old is refused anyway: forget those sites' last steps.
    for (const [key, step] of Object.entries(store.used)) if (!(step >= grant.step - 2)) delete store.used[key];
    store.used[usedKey] = grant.step;
    const entry = { site: grant.site, group: grant.group, startsAtMs: grant.starts_at * 1000, endsAtMs: grant.ends_at * 1000, step: grant.step, logId: id };
    store.active = [...store.active.filter((o) => !(o.site === entry.site && o.group === entry.group)), entry];
    await writeStore(store);
    active = store.active;
    await appendToLog(logEntry({ ...base, outcome: 'granted', site: grant.site, grant }));
    await syncRules();
    await scheduleEnd();
    return { ok: true, site: grant.site, endsAt: entry.endsAtMs, minutes: grant.minutes };
  });
}

/** The longest a teacher's approval from the hub may last on this device, whatever it says. */
export const MAX_APPROVAL_MS = 8 * 60 * 60_000;

/**
 * A teacher's approval of a pupil's request ("Ask my teacher", sw/requests.js), from the hub:
 * `{requestId, url, site, startsAtMs, endsAtMs}`. It becomes an override in force exactly as an
 * accepted code does, through the same checks: the core decides what the page's site is and
 * refuses a locked or never-override page (`overrideScope`), whatever the hub said, and every
 * page it would open is judged again by `permits`. It ends at its end time even offline (the
 * alarm and `endDue`, as for a code). Answers `{ok: true, endsAt}` or `{ok: false, outcome}`;
 * an approval already in force is not applied twice.
 */
export function applyApproval(a) {
  return serial(async () => {
    await loaded;
    const s = state.currentState();
    const nowMs = Date.now();
    if (!s) return { ok: false, outcome: 'not-set' };
    const endsAtMs = Math.min(Number(a.endsAtMs), nowMs + MAX_APPROVAL_MS);
    if (!(endsAtMs > nowMs)) return { ok: false, outcome: 'ended' };
    const store = await readStore();
    if (store.active.some((o) => o.requestId === a.requestId && o.group === s.group)) return { ok: true, endsAt: endsAtMs, already: true };
    const { refused = [] } = store;
    if (refused.includes(a.requestId)) return { ok: false, outcome: 'refused' };
    const id = `o-${nowMs.toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
    const base = { id, atMs: nowMs, url: a.url, group: s.group, user: await userEmail(), route: 'hub', approvedBy: 'a teacher on the hub', requestId: a.requestId };
    let scope;
    try {
      scope = s.sg.overrideScope(a.url, s.group, nowMs);
    } catch (error) {
      logFailure('checking a teacher\'s approval', error);
      return { ok: false, outcome: 'refused' };
    }
    // Not blocked here (another group's approval, or a page this group may open anyway): nothing to open.
    if (!scope.blocked) return { ok: false, outcome: 'not-blocked' };
    if (scope.refusal || !scope.site || scope.site !== a.site) {
      // Refused once, recorded once (the device asks again every few seconds while a page waits).
      store.refused = [...refused, a.requestId].slice(-200);
      await writeStore(store);
      await appendToLog(logEntry({ ...base, outcome: 'refused', site: scope.site ?? a.site ?? null, reason: scope.message ?? 'the approval names another site' }));
      return { ok: false, outcome: 'refused', message: scope.message };
    }
    const startsAtMs = Math.min(Number(a.startsAtMs) || nowMs, nowMs);
    const entry = { site: scope.site, group: s.group, startsAtMs, endsAtMs, step: null, logId: id, requestId: a.requestId };
    // An override of this site for this group lasting at least as long is in force already: it stays.
    const longer = store.active.find((o) => o.site === entry.site && o.group === entry.group && o.endsAtMs >= endsAtMs);
    if (longer) return { ok: true, endsAt: longer.endsAtMs, already: true };
    store.active = [...store.active.filter((o) => !(o.site === entry.site && o.group === entry.group)), entry];
    await writeStore(store);
    active = store.active;
    const grant = { starts_at: Math.floor(startsAtMs / 1000), ends_at: Math.floor(endsAtMs / 1000), minutes: Math.round((endsAtMs - startsAtMs) / 60_000) };
    await appendToLog(logEntry({ ...base, outcome: 'granted', site: scope.site, grant }));
    await syncRules();
    await scheduleEnd();
    return { ok: true, endsAt: endsAtMs };
  });
}

/** The session rules: one allow rule per override in force for the group now in force. */
async function syncRules(nowMs = Date.now()) {
  const s = state.currentState();
  const { first, last } = RULE_IDS.override;
  const existing = (await chrome.declarativeNetRequest.getSessionRules()).filter((r) => r.id >= first && r.id <= last);
  const live = active.filter((o) => o.endsAtMs > nowMs && o.group === s?.group).slice(0, last - first + 1);
  /** @type {chrome.declarativeNetRequest.Rule[]} */
  const addRules = live.map((o, i) => ({
    id: first + i,
    priority: RULE_PRIORITY,
    action: { type: /** @type {chrome.declarativeNetRequest.RuleActionType} */ ('allow') },
    condition: { requestDomains: [o.site], resourceTypes: /** @type {chrome.declarativeNetRequest.ResourceType[]} */ (RULE_TYPES) },
  }));
  await chrome.declarativeNetRequest.updateSessionRules({ removeRuleIds: existing.map((r) => r.id), addRules });
}

async function scheduleEnd() {
  const next = Math.min(...active.map((o) => o.endsAtMs));
  if (Number.isFinite(next)) await chrome.alarms.create(OVERRIDE_ALARM, { when: next + 250 });
  else await chrome.alarms.clear(OVERRIDE_ALARM);
}

/**
 * Ends every override whose time is up (at its alarm, and at every wake): its rule goes, its
 * record says when it ended, and tabs still showing the site go to the block page.
 */
export function endDue(reason = 'alarm') {
  return serial(async () => {
    const nowMs = Date.now();
    const store = await readStore();
    const { keep, ended } = splitByEnd(store.active, nowMs);
    active = keep;
    if (ended.length) {
      store.active = keep;
      await writeStore(store);
      const got = await chrome.storage.local.get(LOG_KEY);
      const log = Array.isArray(got?.[LOG_KEY]) ? got[LOG_KEY] : [];
      for (const o of ended) {
        const e = log.find((x) => x.id === o.logId);
        if (e) Object.assign(e, { endedAt: new Date(o.endsAtMs).toISOString(), closedAt: new Date(nowMs).toISOString(), closedBy: reason });
      }
      await chrome.storage.local.set({ [LOG_KEY]: log });
    }
    await syncRules(nowMs);
    await scheduleEnd();
    if (ended.length) await closeTabs(ended, nowMs);
  });
}

/** Tabs still on an ended override's site, which the policy now blocks, go to the block page. */
async function closeTabs(ended, nowMs) {
  const s = state.currentState();
  if (!s) return;
  const tabs = await chrome.tabs.query({}).catch(failed('listing tabs at an override\'s end', []));
  for (const tab of tabs) {
    const url = tab.url ?? '';
    const host = HOST.exec(url)?.[1]?.toLowerCase() ?? '';
    if (!/^https?:/i.test(url) || !ended.some((o) => hostInSite(host, o.site))) continue;
    if (s.decider.decide(url, nowMs) === ALLOW || permits(s, url, nowMs)) continue;
    // The tab may have closed meanwhile: nothing left to protect.
    await chrome.tabs.update(tab.id, { url: blockPageUrl(url, 'override-ended') }).catch(() => {});
  }
}

/** For the staff page: the overrides in force and the record of every code typed. */
export async function overridesReport() {
  await loaded;
  const got = await chrome.storage.local.get(LOG_KEY);
  const store = await readStore();
  return {
    configured: Boolean(state.currentState()?.extras?.overrideSecret),
    active: store.active.map((o) => ({ site: o.site, group: o.group, startsAt: new Date(o.startsAtMs).toISOString(), endsAt: new Date(o.endsAtMs).toISOString() })),
    waitMs: guardWait(store.guard, Date.now()),
    log: (Array.isArray(got?.[LOG_KEY]) ? got[LOG_KEY] : []).slice().reverse(),
  };
}

/** When the group or policy in force changes: the rules follow (an override is for one group). */
export function refresh() {
  return loaded.then(() => syncRules()).catch(failed('updating the teachers\' override rules'));
}
