// The Admin console's configuration: the one place `chrome.storage.managed` is read. What it
// holds is checked by sw/config.js (`readManaged`) and applied by sw/state.js (`applyManaged`).

import * as state from './state.js';
import { ready } from './lifecycle.js';
import { failed } from './failures.js';

/** The raw managed object (throws if Chrome cannot read it). */
export function readManagedStorage() {
  return chrome.storage.managed.get();
}

/**
 * Reads and applies the managed configuration. `force` fetches the lists again. If Chrome cannot
 * read the policy, the state in force stays and the staff page says why (`ifUnreadable: 'keep'`),
 * or an empty configuration is applied (`'empty'`: every key keeps its last good value).
 */
export async function syncManaged(reason, { force = false, ifUnreadable = 'keep' } = {}) {
  await ready;
  let raw;
  try {
    raw = await readManagedStorage();
  } catch (error) {
    if (ifUnreadable !== 'empty') {
      state.status.managedProblems = [`could not read the managed policy: ${error?.message ?? error}`];
      return;
    }
    raw = {};
  }
  await state.applyManaged(raw, force ? { force, reason } : { reason });
  await publishPageSettings();
}

/**
 * What the content scripts read from chrome.storage.local (they never wake the worker to ask):
 * whether the small "tell an adult" button shows on pages. `safetyButton` in the Admin console:
 * `on`, `off`, or `auto` (the default: on for EYFS and KS1 groups).
 */
export async function publishPageSettings() {
  const s = state.currentState();
  if (!s) return;
  const setting = s.extras.safetyButton ?? 'auto';
  const young = ['eyfs', 'ks1'].includes(s.groupInfo.preset ?? s.group);
  const on = setting === 'on' || (setting === 'auto' && young && !s.groupInfo.staff);
  await chrome.storage.local.set({ safetyButtonOnPages: on }).catch(failed('publishing the page settings'));
}
