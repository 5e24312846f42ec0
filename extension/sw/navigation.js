// Where a navigation is judged, in the order a navigation meets the worker (DNR, sw/dnr.js, has
// already acted natively before any of this):
//
// - `onBeforeRequest`: blocking webRequest (only when force-installed by policy: Chrome keeps
//   `webRequestBlocking` for policy-installed MV3 extensions). The wasm engine answers
//   synchronously for every top-level and frame request before it is sent. The engine is
//   instantiated with `initSync` from bundled bytes (sw/engine.js), so it is ready before this
//   listener can run, even after a cold wake.
// - `judgeNavigation`: webNavigation (every install type): single-page-app URL changes
//   (history.pushState), pages with no network request (data:, blob:, file:), back/forward, and,
//   when loaded unpacked, the engine's decisions after the fact (see docs/deploy-chromebooks.md
//   for what that cannot guarantee).
// - `judge` (the checking page's question) and `explain` (the block page's).
//
// Every one of them reaches the same verdict: the engine's `Decider`, then the pages pupils
// reported on this device, then SafeSearch.

import { builtin, startup, decideStrictest, ALLOW, BLOCK_LOCKED } from './engine.js';
import * as state from './state.js';
import * as dnrSync from './dnr-sync.js';
import * as reports from './report-store.js';
import * as navlog from './navlog.js';
import { blockPageUrl, checkingPageUrl, isOwnPage } from './pages.js';
import { alertOnSearch } from './search-alerts.js';
import { installType, ready } from './lifecycle.js';
import { stats, record } from './stats.js';
import { RULE_IDS } from './rule-ids.js';
import { failed, logFailure } from './failures.js';
import { maySearch } from './search-hosts.js';
import { askable, hubOn, pendingFor } from './requests.js';
import { permits as overrideOpens, describeFor as teacherCodeFor, loaded as overridesLoaded } from './overrides.js';
import { monitoringOn } from './events.js';

const HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i;
/** Schemes with no network request that the policy's `non_web` setting decides (top level only). */
const NON_WEB = /^(data|blob|file|filesystem|view-source):/i;

/** The blocking webRequest listener: synchronous, before the request is sent. */
export function onBeforeRequest(details) {
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
      return code === ALLOW || overrideOpens(s, url, now) ? undefined : { cancel: true };
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
    // A teacher's override in force for this site (sw/overrides.js) opens what a code may open.
    if (s.decider.decide(url, now) !== ALLOW && !overrideOpens(s, url, now)) return { redirectUrl: blockPageUrl(url, 'webrequest') };
    if (reports.isReported(url)) return { redirectUrl: blockPageUrl(url, 'reported') };
    return safeSearchRedirect(s.sg, s.group, url);
  } catch (error) {
    // Fail closed: the checking page asks again once the engine can answer.
    logFailure('judging a request', error);
    return page ? { redirectUrl: checkingPageUrl(url, 'error') } : { cancel: true };
  } finally {
    record(performance.now() - t0);
  }
}

/** The SafeSearch version of a search (`{redirectUrl}`), or `undefined` when it is safe already. */
function safeSearchRedirect(sg, group, url) {
  const host = HOST.exec(url)?.[1]?.toLowerCase() ?? '';
  if (!maySearch(host)) return undefined;
  const rewrite = sg.safeSearch(url, group)?.rewrite;
  return rewrite ? { redirectUrl: new URL(rewrite, url).href } : undefined;
}

/** Frames to send to the block page if their new document commits anyway (unpacked fallback). */
const pendingFrames = new Map();

async function redirect(tabId, frameId, target) {
  if (tabId < 0) return;
  if (frameId === 0) {
    // The tab may have closed meanwhile: nothing left to protect, nothing to log.
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
  // A frame that navigated or closed meanwhile cannot be replaced (and needs not be).
  }).catch(() => {});
}

let learned = 0;
/** Unpacked fallback: a session rule for the exact address, so a reload or retry never reaches it. */
async function learn(url, target) {
  if (/[*^|]/.test(url) || url.length > 2000) return;
  const { first, last } = RULE_IDS.learned;
  const id = first + (learned % (last - first + 1));
  learned += 1;
  await chrome.declarativeNetRequest.updateSessionRules({
    removeRuleIds: [id],
    addRules: [{ id, priority: 20, action: { type: 'redirect', redirect: { url: target } }, condition: { urlFilter: `|${url}|`, resourceTypes: ['main_frame', 'sub_frame'] } }],
  }).catch(failed('learning a blocked address (unpacked fallback)'));
}

/** webNavigation's judgement; `src` is `navigation`, `history` or `back-forward`. */
export async function judgeNavigation(details, src) {
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
  } catch (error) {
    logFailure('judging a navigation', error);
    code = 1;
  }
  if (code !== ALLOW && overrideOpens(s, url, Date.now())) code = ALLOW;
  if (code === ALLOW && reports.isReported(url)) code = 1;
  record(performance.now() - t0);
  if (code !== ALLOW) {
    const target = blockPageUrl(url, src);
    if (web && src === 'navigation') {
      // Unpacked: DNR has most likely sent this request to the block page already; check when
      // the navigation commits (the rules may have been installed after the request started).
      if (await dnrSync.dnrBlocks(url, frameId === 0 ? 'main_frame' : 'sub_frame', tabId)) {
        pendingFrames.set(`${tabId}:${frameId}`, target);
        // It may have committed while we asked (rules installed a moment too late, say).
        // (A frame already gone has nothing to check.)
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
    if (maySearch(host) && (src === 'history' || type !== 'admin')) {
      let rewrite = null;
      try {
        rewrite = s.sg.safeSearch(url, s.group)?.rewrite;
      } catch (error) {
        logFailure('SafeSearch for a navigation', error);
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
export async function searchAlert(d) {
  if (d.frameId !== 0 || !/^https?:/i.test(d.url)) return;
  await ready;
  alertOnSearch({ state: state.currentState(), url: d.url }).catch(failed('raising a search alert'));
}

/** A navigation committed: the unpacked fallback's pending frames, and back/forward. */
export function onCommitted(d) {
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
  // The tab may have closed meanwhile: nothing left to protect.
  if (d.frameId === 0) chrome.tabs.update(d.tabId, { url: target }).catch(() => {});
  else replaceFrame(d.tabId, d.frameId, target);
}

/** For the checking page: where the held navigation should go now. */
export async function judge(url) {
  await ready;
  const s = state.currentState();
  if (!builtin || !s) return { action: 'wait', reason: startup.error ?? 'starting' };
  let code;
  try {
    code = s.decider.decide(url, Date.now());
  } catch (error) {
    logFailure('judging a held navigation', error);
    return { action: 'wait', reason: 'the engine failed on this address' };
  }
  if (code !== ALLOW && overrideOpens(s, url, Date.now())) code = ALLOW;
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
export async function explain(url) {
  await ready;
  await overridesLoaded;
  const s = state.currentState();
  if (!builtin || !s) return { error: startup.error ?? 'starting' };
  const now = Date.now();
  let verdict = s.sg.classify(url, s.group, now);
  // Opened by a teacher's code since the block (sw/overrides.js): the block page goes on.
  if (verdict.action === 'block' && overrideOpens(s, url, now)) verdict = { ...verdict, action: 'allow' };
  if (verdict.action === 'allow' && reports.isReported(url)) {
    // Blocked on this device because a pupil reported it, until the DSL has reviewed it.
    verdict = { ...verdict, action: 'block', rule: { kind: 'reported', report: reports.reportBlocking(url) }, reason: 'Reported by a pupil on this device: blocked here until the Designated Safeguarding Lead has reviewed it.' };
  }
  // If the block came from DNR rules that a time window has since made stale, fix them now.
  if (verdict.action === 'allow') dnrSync.checkDnrFresh().catch(failed('refreshing stale DNR rules'));
  return {
    verdict,
    group: s.groupInfo,
    atMs: now,
    timeZone: s.timeZone,
    locale: s.extras.locale ?? null,
    schoolName: s.extras.schoolName || s.policySchoolName || '',
    staffUnlock: Boolean(s.extras.staffUnlockCodeHash),
    // Whether a teacher's code could open this page (never the secret).
    teacherCode: verdict.action === 'block' && !reports.isReported(url) ? teacherCodeFor(s, url, now) : { available: false },
    // "Ask my teacher" (sw/requests.js): never offered for a locked list or a never-override
    // category; `pending` names a request for this page still waiting for an answer.
    askTeacher: verdict.action === 'block' && askable(s, url, now).never
      ? { available: false }
      : { available: true, hub: hubOn(s.extras), pending: await pendingFor(url, s.group).catch(failed('reading a pupil\'s waiting request', null)) },
    // Blocks go to the school's hub: the page says so (docs/events.md).
    monitored: monitoringOn(s.extras),
  };
}
