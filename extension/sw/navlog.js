// How a pupil reached a page: each tab's last few top-level navigations, kept so that a "tell an
// adult" report can say how the pupil got there (a search, a link, a typed address).
//
// Kept in `chrome.storage.session`: in memory only, gone when the browser closes, and dropped
// when the tab closes. Only the report copies it out, and only for the tab the pupil pressed in.

import { failed } from './failures.js';

/** How many navigations a tab keeps. */
export const KEEP = 10;

const key = (tabId) => `nav:${tabId}`;
let queue = Promise.resolve();

/** Records a committed top-level navigation (`webNavigation.onCommitted`, frame 0). */
export function recordNavigation(details) {
  if (details.frameId !== 0 || details.tabId < 0) return queue;
  if (!/^(https?|data|blob|file):/i.test(details.url)) return queue;
  // Serialised, so two quick navigations in one tab never overwrite each other.
  queue = queue.then(async () => {
    const k = key(details.tabId);
    const got = await chrome.storage.session.get(k);
    const list = /** @type {object[]} */ (got[k] ?? []);
    list.push({ atMs: Math.round(details.timeStamp ?? Date.now()), url: details.url.slice(0, 8192), transition: details.transitionType ?? null });
    await chrome.storage.session.set({ [k]: list.slice(-KEEP) });
  }).catch(failed('recording a navigation'));
  return queue;
}

/** The tab's recent navigations, oldest first. */
export async function navigationsOf(tabId) {
  await queue;
  const k = key(tabId);
  const got = await chrome.storage.session.get(k).catch(failed('reading a tab\'s navigations', {}));
  return got[k] ?? [];
}

/** Forgets a closed tab. */
export function forgetTab(tabId) {
  queue = queue.then(() => chrome.storage.session.remove(key(tabId))).catch(failed('forgetting a closed tab'));
  return queue;
}
