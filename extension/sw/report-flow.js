// The report flow (pupils read it as "Turn off the screen and tell an adult"), the worker's side
// of its messages and of the toolbar button (sw/report-store.js keeps the reports,
// sw/report-delivery.js sends them):
//
// - a press from the toolbar or the shortcut: the page's content script covers it; where none
//   runs, the report is saved first and the tab shows the cover page;
// - `report-press` from the content script or the block page: save the report, say its id;
// - the cover page's questions and the adult's record (the staff code is checked here, every
//   time, and guessing is slowed down);
// - the staff page's list of reports and the DSL's review.

import * as state from './state.js';
import * as reports from './report-store.js';
import * as delivery from './report-delivery.js';
import { blockPageUrl, isOwnPage } from './pages.js';
import { staffCodeChecker } from './staff-code.js';
import { failed } from './failures.js';

let ready = Promise.resolve();

/** The worker's start-up promise: handlers wait for the saved state before they answer. */
export function useReady(promise) {
  ready = promise;
}

/**
 * The messages this module answers (already admitted by sw/messages.js), for the worker's one
 * router (sw/router.js).
 */
export const MESSAGE_HANDLERS = Object.freeze({
  'report-press': (message, sender) => saveFromPress(message, sender),
  'report-info': (message, sender) => fromPressTab(message, sender).then(() => reportInfo(message)),
  'report-unlock': (message, sender) => fromPressTab(message, sender).then(() => checkStaffCode(message.code)).then((c) => ({ ok: c.ok || !c.set, error: c.error })),
  'staff-unlock': (message) => staffUnlock(message),
  'report-record': (message, sender) => adultRecord(message, sender),
  'report-list': (message) => reportsList(message),
  'report-review': (message) => reportReview(message),
  'pupil-action': (message) => pupilAction(message),
});

/** The block page's buttons: recorded on this device for the report flow. */
async function pupilAction(message) {
  const s = state.currentState();
  const { pupilActions = [] } = /** @type {{pupilActions?: object[]}} */ (await chrome.storage.local.get('pupilActions'));
  pupilActions.push({ at: Date.now(), action: message.action, url: message.url, group: s?.group ?? null });
  await chrome.storage.local.set({ pupilActions: pupilActions.slice(-200) });
  // Recorded on this device for the report flow; nobody has been told yet, so say so.
  return { recorded: true, sent: false };
}

/**
 * The tab's content script covers the page itself (and then asks for the report to be saved).
 * Where no content script runs (the extension's own pages, browser pages, a page still loading),
 * the report is saved here first and the tab then shows the cover page.
 */
export async function pressFromBrowser(tab, source) {
  if (!tab || tab.id == null || tab.id < 0) return;
  const pressedAtMs = Date.now();
  // Muting is a courtesy: a tab that closed meanwhile needs none.
  chrome.tabs.update(tab.id, { muted: true }).catch(() => {});
  if (/^https?:/i.test(tab.url ?? '')) {
    try {
      const answer = await chrome.tabs.sendMessage(tab.id, { type: 'sg-cover', source, pressedAtMs }, { frameId: 0 });
      if (answer?.covered) return;
    } catch {
      // No content script in this page: cover it with the cover page instead.
    }
  }
  let url = tab.url ?? tab.pendingUrl ?? '';
  if (isOwnPage(url)) {
    // Our own block or checking page: the report is about the page it stands for.
    const at = url.indexOf('&u=');
    url = at >= 0 ? url.slice(at + 3) : url;
  }
  await ready;
  const report = await reports.createReport({ state: state.currentState(), source, tabId: tab.id, url, title: tab.title, pressedAtMs, addressFromOurPage: isOwnPage(tab.url ?? tab.pendingUrl ?? '') });
  await chrome.tabs.update(tab.id, { url: chrome.runtime.getURL(`report.html?id=${encodeURIComponent(report.id)}`) }).catch(failed('showing the cover page'));
}

/** A press in a page (content script) or on the block page: save the report, say its id. */
async function saveFromPress(message, sender) {
  const tab = sender.tab ?? null;
  const fromPage = !isOwnPage(sender.url ?? '');
  // A page's own address comes from the browser (the sender), never from the message.
  const url = fromPage ? (sender.frameId === 0 ? sender.url : tab?.url) ?? '' : message.url;
  const now = Date.now();
  const pressedAtMs = Number.isFinite(message.pressedAtMs) ? Math.min(now, Math.max(now - 10_000, message.pressedAtMs)) : now;
  // Muting is a courtesy: a tab that closed meanwhile needs none.
  if (tab?.id >= 0) chrome.tabs.update(tab.id, { muted: true }).catch(() => {});
  await ready;
  const source = fromPage ? message.source : 'block-page';
  const report = await reports.createReport({ state: state.currentState(), source, tabId: tab?.id ?? -1, url, title: fromPage ? tab?.title : '', pressedAtMs, addressFromOurPage: !fromPage });
  if (fromPage && tab?.id >= 0) await rememberPressTab(report.id, tab.id);
  return { id: report.id, savedAt: Date.now() };
}

async function reportInfo({ id }) {
  await ready;
  const s = state.currentState();
  const report = await reports.getReport(id);
  // The page picks its words from the group (ui/interstitial.js audienceFor), as the block page does.
  const group = s?.groupInfo ?? null;
  if (!report) return { group, locale: s?.extras?.locale ?? null, needsCode: true, url: '', error: 'This report is not on this device.' };
  return {
    group,
    locale: s?.extras?.locale ?? null,
    needsCode: Boolean(s?.extras?.staffUnlockCodeHash),
    url: report.page.url,
    createdAt: report.createdAt,
    adultDone: Boolean(report.adult),
  };
}

const staffCode = staffCodeChecker();

/**
 * The staff code against the Admin console's value (sw/staff-code.js: salted PBKDF2, guessing
 * slowed down). `set: false` when the school set no code.
 */
async function checkStaffCode(code) {
  await ready;
  return staffCode.check(state.currentState()?.extras?.staffUnlockCodeHash, code);
}

/** What opens only with a staff code: reports (pupils' addresses and names), the staff views. */
const NO_CODE = 'No staff code is set for this device, so reports (which identify pupils) cannot be shown here. Set staffUnlockCodeHash in the Admin console (the output of `schoolgate staff-code`; see docs/deploy-chromebooks.md).';

/** `null` when `code` is the staff code, otherwise why not (also sw/events.js's staff flags). */
export async function staffOnly(code) {
  const c = await checkStaffCode(code);
  if (!c.set) return NO_CODE;
  return c.ok ? null : c.error ?? 'That code is not right.';
}

/** The block page's staff view and the staff page's tester. */
async function staffUnlock({ code }) {
  const c = await checkStaffCode(code);
  return { ok: c.set && c.ok, set: c.set, error: c.ok ? undefined : (c.error ?? (c.set ? 'That code is not right.' : NO_CODE)) };
}

// The cover page in a frame is ours only in the tab where the pupil pressed: the content script
// puts it there. A web page that frames report.html itself (in another tab, or after learning an
// id) gets nothing. Kept in session storage, so a worker that was stopped still knows.
const pressTabKey = (id) => `press-tab:${id}`;

function rememberPressTab(id, tabId) {
  return chrome.storage.session.set({ [pressTabKey(id)]: tabId }).catch(failed('remembering the tab a pupil pressed in'));
}

async function fromPressTab(message, sender) {
  if (!(sender?.frameId > 0)) return;
  const key = pressTabKey(message.id);
  const got = await chrome.storage.session.get(key).catch(failed('reading the tab a pupil pressed in', {}));
  if (got[key] === undefined || got[key] !== sender.tab?.id) throw new Error('refused: this cover is not in the tab where the pupil pressed');
}

async function adultRecord(message, sender) {
  await fromPressTab(message, sender);
  const code = await checkStaffCode(message.code);
  if (code.set && !code.ok) return { ok: false, error: code.error ?? 'That code is not right.' };
  const report = await reports.completeByAdult({ id: message.id, record: message.record, staffVerified: code.ok });
  const tab = sender.tab;
  if (tab?.id >= 0) {
    // The adult has acted: the tab leaves the page for the block page (the page stays blocked on
    // this device until the DSL has reviewed it), and its sound comes back.
    // (The address as blocked, not as recorded: the record may have had image data cut out.)
    const url = reports.reportedUrlOf(report.id) ?? report.page.url;
    chrome.tabs.update(tab.id, { url: blockPageUrl(url, 'reported'), muted: false }).catch(failed('blocking a reported page in its tab'));
  }
  return { ok: true, id: report.id, revision: report.revision };
}

async function reportsList(message) {
  const refused = await staffOnly(message.code);
  if (refused) return { error: refused };
  if (message.sendNow) {
    await reports.rescueHeld();
    await delivery.flush('staff page', { force: true });
  }
  return {
    reports: await reports.allReports(),
    delivery: await delivery.deliveryStates(),
    status: { ...delivery.deliveryStatus },
  };
}

async function reportReview(message) {
  const refused = await staffOnly(message.code);
  if (refused) return { error: refused };
  const report = await reports.reviewReported({ id: message.id, decision: message.decision, reviewer: message.reviewer });
  return { ok: true, revision: report.revision };
}
