// Search alerts. When a pupil's submitted search raises a safeguarding or Prevent alert (a pupil
// asking for help — "I saw porn what do I do" —, a child's own words of self-harm, someone
// asking them for pictures), the DSL must be told: the worker makes a report of its own kind
// (`search-alert`, docs/reports.md), saves it durably and delivers it through the same outbox as
// every other report (sw/report-store.js, sw/report-delivery.js).
//
// Trust: the report is made here, from the address the browser itself is navigating to
// (webNavigation), judged by the engine on the policy in force. No page and no message can make
// one, change one or stop one. The same search again (a reload, the SafeSearch rewrite, Back)
// within REPEAT_MS makes no second report: the DSL is told once, not once per keystroke.

import { createSearchAlert } from './report-store.js';
import { failed } from './failures.js';
import { maySearch } from './search-hosts.js';
import { onSearch } from './events.js';

const HOST = /^https?:\/\/(?:[^@/?#]*@)?([^:/?#]*)/i;
/** The same search within this long makes no second report. */
export const REPEAT_MS = 10 * 60_000;
const SEEN_KEY = 'searchAlertsSeen';

// Searches already reported: memory for the same wake (two events for one navigation arrive
// together), session storage across the worker's sleeps.
const seen = new Map();

async function firstTime(key, atMs) {
  const last = seen.get(key);
  if (last !== undefined && atMs - last < REPEAT_MS) return false;
  seen.set(key, atMs);
  const stored = (await chrome.storage.session.get(SEEN_KEY).catch(failed('reading the searches already alerted', {})))[SEEN_KEY] ?? {};
  if (stored[key] !== undefined && atMs - stored[key] < REPEAT_MS) return false;
  const fresh = Object.fromEntries(Object.entries(stored).filter(([, t]) => atMs - t < REPEAT_MS));
  fresh[key] = atMs;
  await chrome.storage.session.set({ [SEEN_KEY]: fresh }).catch(failed('remembering an alerted search'));
  return true;
}

/**
 * Reports a top-level search that raised an alert, once. Returns the report, or `null` when
 * the address is no search, raised no alert, or was reported a moment ago.
 * @param {{state: object|null, url: string, atMs?: number}} p
 */
export async function alertOnSearch({ state, url, atMs = Date.now() }) {
  // A report is about a child: a member of staff's own searches are not reported.
  if (!state || state.groupInfo?.staff) return null;
  const host = HOST.exec(url)?.[1]?.toLowerCase() ?? '';
  if (!maySearch(host, state.searchHosts)) return null;
  let verdict;
  try {
    verdict = state.sg.classify(url, state.group, atMs);
  } catch {
    // The engine cannot judge this address: no alert (the navigation itself is judged elsewhere).
    return null;
  }
  const search = verdict?.search;
  const helpSeeking = verdict?.flavour === 'help_seeking' || search?.flavour === 'help_seeking';
  if (!search || search.kind !== 'submitted' || (!verdict.alerts?.length && !helpSeeking)) return null;
  const key = `${state.group}\n${search.engine}\n${search.normalized?.text ?? search.terms}`;
  if (!(await firstTime(key, atMs))) return null;
  const report = verdict.alerts?.length ? await createSearchAlert({ state, url, verdict, atMs }) : null;
  // The hub's events (docs/events.md) carry the report's id, so the DSL sees one concern, not two.
  await onSearch({ verdict, reportId: report?.id ?? null }).catch(failed('recording a search event'));
  return report;
}
