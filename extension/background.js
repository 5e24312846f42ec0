// Schoolgate's service worker. Thin and ordered by trust:
//
// - Every listener is registered synchronously here, at the top level, so Chrome can wake the
//   worker for any of them; work that needs the saved state awaits `ready` inside the handler.
// - Enforcement, in the order a navigation meets it:
//   1. declarativeNetRequest rules (sw/dnr.js): native, evaluated even while this worker sleeps;
//      locked illegal-content lists, the group's blocked categories and deny entries, SafeSearch
//      parameters and the YouTube-Restrict header.
//   2. blocking webRequest (only when force-installed by policy: Chrome keeps `webRequestBlocking`
//      for policy-installed MV3 extensions): the wasm engine answers synchronously for every
//      top-level and frame request before it is sent: search terms, wrapped pages, lookalikes,
//      URL prefixes, time windows. The engine is instantiated with `initSync` from bundled bytes
//      (sw/engine.js), so it is ready before this listener can run, even after a cold wake.
//   3. webNavigation (every install type): single-page-app URL changes (history.pushState), pages
//      with no network request (data:, blob:, file:), and, when loaded unpacked, the engine's
//      decisions after the fact (see docs/deploy-chromebooks.md for what that cannot guarantee).
// - Messages: untrusted senders may only ask read-only questions; nothing turns filtering off.

import { builtin, startup, decideStrictest, ALLOW, BLOCK_LOCKED } from './sw/engine.js';
import * as state from './sw/state.js';
import { admit } from './sw/messages.js';
import { blockPageUrl, checkingPageUrl, isOwnPage } from './sw/pages.js';
import * as reports from './sw/reports.js';
import * as delivery from './sw/delivery.js';
import * as navlog from './sw/navlog.js';
import * as tellAdult from './sw/tell-adult.js';
import { alertOnSearch } from './sw/search-alerts.js';
import { judgeResults, resultTimings } from './sw/results.js';
import { keepAlive, keepWorkerRunning } from './sw/keepalive.js';

const OWN_ID = chrome.runtime.id;
const SEARCH_HOST = /(^|\.)(google\.[a-z.]+|bing\.com|duckduckgo\.com|search\.yahoo\.com|search\.brave\.com|qwant\.com|startpage\.com|youtube\.com)$/;
const HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i;
/** Schemes with no network request that the policy's `non_web` setting decides (top level only). */
const NON_WEB = /^(data|blob|file|filesystem|view-source):/i;
/** Session rule id of the fail-safe that holds every navigation while the engine cannot start. */
const FAILSAFE_RULE = 1;

/** `admin` = force-installed by policy: blocking webRequest is available. */
const installType = chrome.management.getSelf().then((s) => s.installType, () => 'unknown');

// ---------------------------------------------------------------------------------------------
// Timings: the staff page and the benchmarks read these.

const stats = {
  decisions: 0,
  heldAtWake: 0,
  firstEventMs: null, // ms from the worker's start to its first webRequest event
  ring: new Float64Array(512),
};
function record(ms) {
  stats.ring[stats.decisions % stats.ring.length] = ms;
  stats.decisions += 1;
}
function percentiles() {
  const n = Math.min(stats.decisions, stats.ring.length);
  if (!n) return null;
  const sorted = Array.from(stats.ring.subarray(0, n)).sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(n - 1, Math.floor(p * n))];
  return { n, p50: at(0.5), p95: at(0.95), max: sorted[n - 1] };
}

// ---------------------------------------------------------------------------------------------
// Start-up. `ready` resolves once the last good state is in force; it never rejects.

const ready = installType.then((type) => {
  state.setBlockingWebRequest(type === 'admin');
  keepWorkerRunning(type);
  return state.load();
});

delivery.useSettings(() => {
  const extras = state.currentState()?.extras ?? {};
  return { endpoint: extras.reportEndpoint ?? null, signingKey: extras.reportSigningKey ?? null };
});

tellAdult.useReady(ready);

ready.then(async () => {
  // Reports: a report saved before the worker stopped is sent as soon as it can be. Neither waits
  // for the other nor delays the policy below (DNR keeps reported pages blocked meanwhile).
  reports.loadReported();
  reports.rescueHeld().then(() => delivery.flush('wake')).catch(() => {});
  state.status.mode = describeInstall(await installType);
  await failSafe(!builtin);
  await state.checkDnrFresh().catch(() => {});
  await syncManaged('start-up');
  const alarm = await chrome.alarms.get(state.REFRESH_ALARM);
  if (!alarm) await chrome.alarms.create(state.REFRESH_ALARM, { periodInMinutes: state.REFRESH_MINUTES });
});

function describeInstall(type) {
  if (type === 'admin') return 'force-installed by policy: blocking webRequest in use';
  if (type === 'development') return 'loaded unpacked: no blocking webRequest (declarativeNetRequest + navigation fallback)';
  return `${type}: no blocking webRequest (declarativeNetRequest + navigation fallback)`;
}

/** While the engine cannot start, a session DNR rule sends every navigation to "checking…". */
async function failSafe(on) {
  const rules = on
    ? [{
        id: FAILSAFE_RULE,
        priority: 99, // below only the locked lists' block page
        action: { type: 'redirect', redirect: { regexSubstitution: `${chrome.runtime.getURL('checking.html')}?why=engine&u=\\0` } },
        condition: { regexFilter: '^https?://.*$', resourceTypes: ['main_frame', 'sub_frame'] },
      }]
    : [];
  await chrome.declarativeNetRequest.updateSessionRules({ removeRuleIds: [FAILSAFE_RULE], addRules: rules }).catch(() => {});
}

async function syncManaged(reason) {
  await ready;
  let raw = {};
  try {
    raw = await chrome.storage.managed.get();
  } catch (error) {
    state.status.managedProblems = [`could not read the managed policy: ${error?.message ?? error}`];
    return;
  }
  await state.applyManaged(raw, { reason });
  await publishPageSettings();
}

/**
 * What the content scripts read from chrome.storage.local (they never wake the worker to ask):
 * whether the small "tell an adult" button shows on pages. `safetyButton` in the Admin console:
 * `on`, `off`, or `auto` (the default: on for EYFS and KS1 groups).
 */
async function publishPageSettings() {
  const s = state.currentState();
  if (!s) return;
  const setting = s.extras.safetyButton ?? 'auto';
  const young = ['eyfs', 'ks1'].includes(s.groupInfo.preset ?? s.group);
  const on = setting === 'on' || (setting === 'auto' && young && !s.groupInfo.staff);
  await chrome.storage.local.set({ safetyButtonOnPages: on }).catch(() => {});
}

// ---------------------------------------------------------------------------------------------
// 2. Blocking webRequest: synchronous, before the request is sent.

function onBeforeRequest(details) {
  const t0 = performance.now();
  stats.firstEventMs ??= t0;
  const { url } = details;
  // `other` is what <link rel=prefetch> fetches: a blocked one is cancelled, not redirected.
  const page = details.type !== 'other';
  try {
    if (!builtin) return page ? { redirectUrl: checkingPageUrl(url, 'engine') } : { cancel: true };
    const s = state.currentState();
    const now = Date.now();
    if (!page) {
      const code = s ? s.decider.decide(url, now) : decideStrictest(url, now);
      return code === ALLOW ? undefined : { cancel: true };
    }
    if (!s) {
      // Just woken, and the saved policy is still loading from IndexedDB. The DNR rules already
      // stopped every listed domain; the built-in engine's strictest pupil group decides the
      // rest. Anything it would block waits on the "checking…" page until the school's own
      // policy can decide it: never a request that the policy might block.
      const code = decideStrictest(url, now);
      if (code === ALLOW) return safeSearchRedirect(builtin, 'eyfs', url);
      stats.heldAtWake += 1;
      return { redirectUrl: code === BLOCK_LOCKED ? blockPageUrl(url, 'webrequest') : checkingPageUrl(url, 'wake') };
    }
    if (s.decider.decide(url, now) !== ALLOW) return { redirectUrl: blockPageUrl(url, 'webrequest') };
    if (reports.isReported(url)) return { redirectUrl: blockPageUrl(url, 'reported') };
    return safeSearchRedirect(s.sg, s.group, url);
  } catch {
    // Fail closed: the checking page asks again once the engine can answer.
    return page ? { redirectUrl: checkingPageUrl(url, 'error') } : { cancel: true };
  } finally {
    record(performance.now() - t0);
  }
}

/** The SafeSearch version of a search (`{redirectUrl}`), or `undefined` when it is safe already. */
function safeSearchRedirect(sg, group, url) {
  const host = HOST.exec(url)?.[1]?.toLowerCase() ?? '';
  if (!SEARCH_HOST.test(host)) return undefined;
  const rewrite = sg.safeSearch(url, group)?.rewrite;
  return rewrite ? { redirectUrl: new URL(rewrite, url).href } : undefined;
}

chrome.webRequest.onBeforeRequest.addListener(
  onBeforeRequest,
  { urls: ['http://*/*', 'https://*/*'], types: ['main_frame', 'sub_frame', 'other'] },
  ['blocking'],
);

// ---------------------------------------------------------------------------------------------
// 3. Navigations: SPA URL changes, non-web pages, and the unpacked fallback.

/** Frames to send to the block page if their new document commits anyway (unpacked fallback). */
const pendingFrames = new Map();

async function redirect(tabId, frameId, target) {
  if (tabId < 0) return;
  if (frameId === 0) {
    await chrome.tabs.update(tabId, { url: target }).catch(() => {});
    return;
  }
  pendingFrames.set(`${tabId}:${frameId}`, target);
  await replaceFrame(tabId, frameId, target);
}

function replaceFrame(tabId, frameId, target) {
  return chrome.scripting.executeScript({
    target: { tabId, frameIds: [frameId] },
    injectImmediately: true,
    func: (u) => location.replace(u),
    args: [target],
  }).catch(() => {});
}

let learned = 0;
/** Unpacked fallback: a session rule for the exact address, so a reload or retry never reaches it. */
async function learn(url, target) {
  if (/[*^|]/.test(url) || url.length > 2000) return;
  const id = 1_000_000 + (learned % 1000);
  learned += 1;
  await chrome.declarativeNetRequest.updateSessionRules({
    removeRuleIds: [id],
    addRules: [{ id, priority: 20, action: { type: 'redirect', redirect: { url: target } }, condition: { urlFilter: `|${url}|`, resourceTypes: ['main_frame', 'sub_frame'] } }],
  }).catch(() => {});
}

async function judgeNavigation(details, src) {
  const { url, tabId, frameId } = details;
  if (isOwnPage(url)) return;
  const web = /^https?:/i.test(url);
  if (!web && !(NON_WEB.test(url) && frameId === 0)) return;
  const type = await installType;
  // Force-installed: webRequest already judged every request before it was sent.
  if (web && src === 'navigation' && type === 'admin') return;
  await ready;
  const s = state.currentState();
  if (!s) {
    if (!builtin) await redirect(tabId, frameId, checkingPageUrl(url, 'engine'));
    return;
  }
  const t0 = performance.now();
  let code;
  try {
    code = s.decider.decide(url, Date.now());
  } catch {
    code = 1;
  }
  if (code === ALLOW && reports.isReported(url)) code = 1;
  record(performance.now() - t0);
  if (code !== ALLOW) {
    const target = blockPageUrl(url, src);
    if (web && src === 'navigation') {
      // Unpacked: DNR has most likely sent this request to the block page already; check when
      // the navigation commits (the rules may have been installed after the request started).
      if (await state.dnrBlocks(url, frameId === 0 ? 'main_frame' : 'sub_frame', tabId)) {
        pendingFrames.set(`${tabId}:${frameId}`, target);
        // It may have committed while we asked (rules installed a moment too late, say).
        const frame = await chrome.webNavigation.getFrame({ tabId, frameId }).catch(() => null);
        const same = (a) => a.replace(/^http:/i, 'https:');
        if (frame && same(frame.url) === same(url)) {
          pendingFrames.delete(`${tabId}:${frameId}`);
          await redirect(tabId, frameId, target);
        }
        return;
      }
      learn(url, target);
    }
    await redirect(tabId, frameId, target);
    return;
  }
  if (web) {
    const host = HOST.exec(url)?.[1]?.toLowerCase() ?? '';
    if (SEARCH_HOST.test(host) && (src === 'history' || type !== 'admin')) {
      let rewrite = null;
      try {
        rewrite = s.sg.safeSearch(url, s.group)?.rewrite;
      } catch {
        rewrite = null;
      }
      if (rewrite) await redirect(tabId, frameId, new URL(rewrite, url).href);
    }
  }
}

/**
 * A pupil's search that raised a safeguarding or Prevent alert: the worker's own report for the
 * DSL (sw/search-alerts.js), whatever the install type, for page loads and for single-page
 * apps' address changes alike.
 */
async function searchAlert(d) {
  if (d.frameId !== 0 || !/^https?:/i.test(d.url)) return;
  await ready;
  alertOnSearch({ state: state.currentState(), url: d.url }).catch(() => {});
}

chrome.webNavigation.onBeforeNavigate.addListener((d) => {
  judgeNavigation(d, 'navigation');
  searchAlert(d);
});
chrome.webNavigation.onHistoryStateUpdated.addListener((d) => {
  judgeNavigation(d, 'history');
  searchAlert(d);
});
chrome.webNavigation.onCommitted.addListener((d) => {
  navlog.recordNavigation(d);
  const key = `${d.tabId}:${d.frameId}`;
  const target = pendingFrames.get(key);
  if (!target) {
    // Back/forward: a page restored from the back/forward cache makes no request, so neither
    // DNR nor webRequest sees it. Judge it now, on the policy and the time of day of now (a
    // lunchtime-only site must not come back at 13:05 by pressing Back).
    if (d.frameId === 0 && d.transitionQualifiers?.includes('forward_back')) judgeNavigation(d, 'back-forward');
    return;
  }
  pendingFrames.delete(key);
  if (isOwnPage(d.url)) return; // DNR (or an earlier redirect) got there first
  if (d.frameId === 0) chrome.tabs.update(d.tabId, { url: target }).catch(() => {});
  else replaceFrame(d.tabId, d.frameId, target);
});

// ---------------------------------------------------------------------------------------------
// Policy changes, time windows, list refreshes.

chrome.storage.onChanged.addListener((_changes, area) => {
  if (area === 'managed') syncManaged('Admin console change');
});

chrome.tabs.onRemoved.addListener((tabId) => navlog.forgetTab(tabId));

chrome.alarms.onAlarm.addListener(async (alarm) => {
  await ready;
  if (alarm.name === delivery.DELIVERY_ALARM) {
    await reports.rescueHeld();
    await delivery.flush('alarm');
  }
  else if (alarm.name === state.BOUNDARY_ALARM) await state.syncDnr({ reason: 'time window' });
  else if (alarm.name === state.REFRESH_ALARM) {
    const raw = await chrome.storage.managed.get().catch(() => null);
    if (raw) await state.applyManaged(raw, { force: true, reason: 'scheduled list refresh' });
  }
});

// ---------------------------------------------------------------------------------------------
// "Turn off the screen and tell an adult" (sw/tell-adult.js): the toolbar button and the shortcut.

chrome.action.onClicked.addListener((tab) => tellAdult.pressFromBrowser(tab, 'toolbar'));
chrome.commands.onCommand.addListener((command, tab) => {
  if (command === 'tell-an-adult') tellAdult.pressFromBrowser(tab, 'shortcut');
});

// ---------------------------------------------------------------------------------------------
// Messages, by trust (sw/messages.js).

chrome.runtime.onMessageExternal.addListener((_message, _sender, sendResponse) => {
  sendResponse({ error: 'refused: Schoolgate takes no messages from other extensions or web pages' });
  return false;
});

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const admitted = admit(message, sender, OWN_ID);
  if (!admitted.ok) {
    sendResponse({ error: admitted.error });
    return false;
  }
  handle(message, sender).then(sendResponse, (error) => sendResponse({ error: String(error?.message ?? error) }));
  return true;
});

async function handle(message, sender) {
  switch (message.type) {
    case 'tell-adult':
    case 'cover-info':
    case 'adult-unlock':
    case 'adult-record':
    case 'staff-unlock':
    case 'reports-list':
    case 'report-review':
      return tellAdult.handle(message, sender);
    case 'judge':
      return judge(message.url);
    case 'explain':
      return explain(message.url);
    case 'status':
      return statusReport();
    case 'judge-results':
      return judgeResults(message, ready);
    case 'pupil-action':
      return pupilAction(message);
    case 'refresh': {
      const raw = await chrome.storage.managed.get().catch(() => ({}));
      await state.applyManaged(raw, { force: true, reason: 'staff page: refresh now' });
      return statusReport();
    }
    default:
      return { error: 'unknown message' };
  }
}

/** For the checking page: where the held navigation should go now. */
async function judge(url) {
  await ready;
  const s = state.currentState();
  if (!builtin || !s) return { action: 'wait', reason: startup.error ?? 'starting' };
  let code;
  try {
    code = s.decider.decide(url, Date.now());
  } catch {
    return { action: 'wait', reason: 'the engine failed on this address' };
  }
  // Only web addresses go on from "checking…": never a javascript:, data: or other page.
  if (code === ALLOW && reports.isReported(url)) return { action: 'block', target: blockPageUrl(url, 'reported') };
  if (code !== ALLOW || !/^https?:\/\//i.test(url)) return { action: 'block', target: blockPageUrl(url, 'checking') };
  let target = url;
  try {
    const rewrite = s.sg.safeSearch(url, s.group)?.rewrite;
    if (rewrite) target = new URL(rewrite, url).href;
  } catch {
    // Not a search: go as it is.
  }
  return { action: 'allow', target };
}

/** For the block page: the full verdict and what it needs to show it for this device's group. */
async function explain(url) {
  await ready;
  const s = state.currentState();
  if (!builtin || !s) return { error: startup.error ?? 'starting' };
  const now = Date.now();
  let verdict = s.sg.classify(url, s.group, now);
  if (verdict.action === 'allow' && reports.isReported(url)) {
    // Blocked on this device because a pupil reported it, until the DSL has reviewed it.
    verdict = { ...verdict, action: 'block', rule: { kind: 'reported', report: reports.reportBlocking(url) }, reason: 'Reported by a pupil on this device: blocked here until the Designated Safeguarding Lead has reviewed it.' };
  }
  // If the block came from DNR rules that a time window has since made stale, fix them now.
  if (verdict.action === 'allow') state.checkDnrFresh().catch(() => {});
  return {
    verdict,
    group: s.groupInfo,
    atMs: now,
    timeZone: s.timeZone,
    locale: s.extras.locale ?? null,
    schoolName: s.extras.schoolName || s.policySchoolName || '',
    staffUnlock: Boolean(s.extras.staffUnlockCodeHash),
  };
}

async function pupilAction(message) {
  const s = state.currentState();
  const { pupilActions = [] } = await chrome.storage.local.get('pupilActions');
  pupilActions.push({ at: Date.now(), action: message.action, url: message.url, group: s?.group ?? null });
  await chrome.storage.local.set({ pupilActions: pupilActions.slice(-200) });
  // Recorded on this device for the report flow; nobody has been told yet, so say so.
  return { recorded: true, sent: false };
}

/**
 * For DevTools (where policy allows it) and the browser tests: the status, and the toolbar
 * button's own handler (headless Chromium has no toolbar to click). DevTools on the worker can
 * call any extension API anyway, so this gives it nothing new.
 */
globalThis.schoolgate = Object.freeze({
  status: () => statusReport(),
  press: async (tabId, source = 'toolbar') => tellAdult.pressFromBrowser(await chrome.tabs.get(tabId), source),
});

async function statusReport() {
  await ready;
  const s = state.currentState();
  return {
    version: chrome.runtime.getManifest().version,
    installType: await installType,
    status: state.status,
    group: s?.groupInfo ?? null,
    source: s?.source ?? null,
    appliedAt: s?.appliedAt ?? null,
    schoolName: s?.extras?.schoolName || s?.policySchoolName || '',
    policyToml: s?.policyToml ?? null,
    staffUnlock: Boolean(s?.extras?.staffUnlockCodeHash),
    reportEndpoint: s?.extras?.reportEndpoint ?? null,
    reportDelivery: { ...delivery.deliveryStatus },
    startup,
    keepAlive: { ...keepAlive },
    decisions: { count: stats.decisions, heldAtWake: stats.heldAtWake, firstEventMs: stats.firstEventMs, ...percentiles() },
    results: resultTimings(),
  };
}
