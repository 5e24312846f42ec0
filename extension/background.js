// Schoolgate's service worker: only wiring. Every listener is registered synchronously here, at
// the top level, so Chrome can wake the worker for any of them; each concern is a module of its
// own (extension/README.md maps them). Work that needs the saved state awaits `ready` inside the
// handler (sw/lifecycle.js).
//
// Enforcement, in the order a navigation meets it:
//   1. declarativeNetRequest rules (sw/dnr.js): native, evaluated even while this worker sleeps;
//      locked illegal-content lists, the group's blocked categories and deny entries, SafeSearch
//      parameters and the YouTube-Restrict header.
//   2. blocking webRequest, when force-installed by policy (sw/navigation.js, `onBeforeRequest`).
//   3. webNavigation, every install type: single-page-app URL changes, pages with no network
//      request, back/forward, and the unpacked fallback (sw/navigation.js, `judgeNavigation`).
// Messages: untrusted senders may only ask read-only questions; nothing turns filtering off
// (sw/messages.js, sw/router.js).

import { builtin } from './sw/engine.js';
import * as state from './sw/state.js';
import * as dnrSync from './sw/dnr-sync.js';
import * as reports from './sw/report-store.js';
import * as delivery from './sw/report-delivery.js';
import * as navlog from './sw/navlog.js';
import * as reportFlow from './sw/report-flow.js';
import * as events from './sw/events.js';
import * as selfTest from './sw/self-test.js';
import { installType, ready, describeInstall } from './sw/lifecycle.js';
import { onBeforeRequest, judgeNavigation, searchAlert, onCommitted } from './sw/navigation.js';
import { failSafe } from './sw/failsafe.js';
import { syncManaged, syncHubPolicy } from './sw/managed.js';
import { BUNDLE_ALARM, BUNDLE_MINUTES } from './sw/policy-bundle.js';
import { onMessage, onMessageExternal } from './sw/router.js';
import { statusReport } from './sw/status.js';
import { failed } from './sw/failures.js';
import * as overrides from './sw/overrides.js';
import * as requests from './sw/requests.js';

delivery.useSettings(() => {
  const extras = state.currentState()?.extras ?? {};
  return { endpoint: extras.reportEndpoint ?? null, signingKey: extras.reportSigningKey ?? null };
});

reportFlow.useReady(ready);

ready.then(async () => {
  // Reports: a report saved before the worker stopped is sent as soon as it can be. Neither waits
  // for the other nor delays the policy below (DNR keeps reported pages blocked meanwhile).
  reports.loadReported();
  reports.rescueHeld().then(() => delivery.flush('wake')).catch(failed('sending reports saved before a wake'));
  state.status.mode = describeInstall(await installType);
  await failSafe(!builtin);
  await dnrSync.checkDnrFresh().catch(failed('checking the DNR rules at start-up'));
  await syncManaged('start-up');
  // Monitoring events (sw/events.js): the heartbeat, what waited from before, the pupils' notice.
  events.afterPolicy().catch(failed('starting the monitoring events'));
  // The filter check (sw/self-test.js): the daily alarm, and a check now when the last is a day old.
  selfTest.afterWake().catch(failed('running the daily filter check'));
  // "Ask my teacher" (sw/requests.js): requests saved before the wake, and answers given meanwhile.
  requests.atWake().catch(failed('following pupils\' requests at a wake'));
  const alarm = await chrome.alarms.get(state.REFRESH_ALARM);
  if (!alarm) await chrome.alarms.create(state.REFRESH_ALARM, { periodInMinutes: state.REFRESH_MINUTES });
  // The hub's signed policy (sw/policy-bundle.js): asked at every wake and every 15 minutes.
  if (!(await chrome.alarms.get(BUNDLE_ALARM))) await chrome.alarms.create(BUNDLE_ALARM, { periodInMinutes: BUNDLE_MINUTES });
  await syncHubPolicy('start-up').then((changed) => changed && Promise.all([overrides.refresh(), events.afterPolicy()]));
});

// Blocking webRequest: synchronous, before the request is sent.
chrome.webRequest.onBeforeRequest.addListener(
  onBeforeRequest,
  { urls: ['http://*/*', 'https://*/*'], types: ['main_frame', 'sub_frame', 'other'] },
  ['blocking'],
);

// Navigations: SPA URL changes, non-web pages, back/forward and the unpacked fallback.
chrome.webNavigation.onBeforeNavigate.addListener((d) => {
  judgeNavigation(d, 'navigation');
  searchAlert(d);
});
chrome.webNavigation.onHistoryStateUpdated.addListener((d) => {
  judgeNavigation(d, 'history');
  searchAlert(d);
});
chrome.webNavigation.onCommitted.addListener((d) => {
  onCommitted(d);
  events.onCommitted(d);
});
chrome.tabs.onRemoved.addListener((tabId) => navlog.forgetTab(tabId));

// Policy changes, time windows, list refreshes, report delivery.
chrome.storage.onChanged.addListener((_changes, area) => {
  // A new group or policy: the teachers' override rules and the monitoring events follow it.
  // The hub's policy is asked for at once too (a new hubUrl or hubPolicyKey, say).
  if (area === 'managed') {
    syncManaged('Admin console change').then(() => syncHubPolicy('Admin console change'))
      .then(() => Promise.all([overrides.refresh(), events.afterPolicy()])).catch(failed('applying an Admin console change'));
  }
});

chrome.alarms.onAlarm.addListener(async (alarm) => {
  await ready;
  if (alarm.name === delivery.DELIVERY_ALARM) {
    await reports.rescueHeld();
    await delivery.flush('alarm');
  }
  else if (alarm.name === dnrSync.BOUNDARY_ALARM) await dnrSync.syncDnr({ reason: 'time window' });
  else if (alarm.name === events.EVENTS_ALARM) await events.queue.flush();
  else if (alarm.name === events.HEARTBEAT_ALARM) {
    await events.heartbeat();
    await requests.atWake();
  }
  else if (alarm.name === requests.REQUESTS_ALARM) await requests.flush();
  else if (alarm.name === state.REFRESH_ALARM) await syncManaged('scheduled list refresh', { force: true });
  else if (alarm.name === BUNDLE_ALARM && await syncHubPolicy('every 15 minutes')) await Promise.all([overrides.refresh(), events.afterPolicy()]);
  else if (alarm.name === overrides.OVERRIDE_ALARM) await overrides.endDue('alarm');
  else if (alarm.name === selfTest.SELF_TEST_ALARM) await selfTest.onAlarm();
});

// The heartbeat also goes at once when the device becomes active, idle or locked.
chrome.idle.onStateChanged.addListener(async (idleState) => {
  await ready;
  await events.heartbeat(idleState);
});

// "Turn off the screen and tell an adult" (sw/report-flow.js): the toolbar button and the shortcut.
chrome.action.onClicked.addListener((tab) => reportFlow.pressFromBrowser(tab, 'toolbar'));
chrome.commands.onCommand.addListener((command, tab) => {
  if (command === 'tell-an-adult') reportFlow.pressFromBrowser(tab, 'shortcut');
});

// Messages, by trust (sw/messages.js admits, sw/router.js answers).
chrome.runtime.onMessageExternal.addListener(onMessageExternal);
chrome.runtime.onMessage.addListener(onMessage);

/**
 * For DevTools (where policy allows it) and the browser tests: the status, and the toolbar
 * button's own handler (headless Chromium has no toolbar to click). DevTools on the worker can
 * call any extension API anyway, so this gives it nothing new.
 */
globalThis.schoolgate = Object.freeze({
  status: () => statusReport(),
  events: () => events.eventsStatus(),
  press: async (tabId, source = 'toolbar') => reportFlow.pressFromBrowser(await chrome.tabs.get(tabId), source),
});
