// The Admin console's configuration: the one place `chrome.storage.managed` is read. What it
// holds is checked by sw/config.js (`readManaged`) and applied by sw/state.js (`applyManaged`).
// With `hubUrl` and `hubPolicyKey` set, the hub's last good signed policy takes the place of
// `policyToml` here, before anything reads it (sw/policy-bundle.js): the engine, the DNR rules
// and the staff page all see the policy in force from this one place.

import * as state from './state.js';
import { ready } from './lifecycle.js';
import { failed } from './failures.js';
import { pkg } from './engine.js';
import { withHubPolicy, fetchHubPolicy } from './policy-bundle.js';

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
  const resolved = await withHubPolicy(raw).catch(failed('reading the hub\'s policy kept on this device', raw));
  await state.applyManaged(resolved, force ? { force, reason } : { reason });
  await publishPageSettings();
}

/** Why the core refuses a policy text (every problem with its line), or `null` when it accepts it. */
function coreRefusal(toml) {
  try {
    pkg.Schoolgate.fromPolicy(toml, []).free();
    return null;
  } catch (error) {
    return String(error?.message ?? error).replace(/\s*\n\s*/g, '; ');
  }
}

/**
 * Asks the school's hub for its signed policy (when `hubUrl` and `hubPolicyKey` are set) and, when
 * a new one verifies and the core accepts it, applies the configuration again with it. Resolves
 * to whether the policy changed; never rejects (refusals and faults go to the fault log).
 */
export async function syncHubPolicy(reason) {
  await ready;
  let raw;
  try {
    raw = await readManagedStorage();
  } catch (error) {
    state.status.managedProblems = [`could not read the managed policy: ${error?.message ?? error}`];
    return false;
  }
  if (!(await fetchHubPolicy(raw, coreRefusal))) return false;
  await syncManaged(`hub policy (${reason})`);
  return true;
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
