// The worker's start: how Chrome installed it, and `ready`, which resolves once the last good
// state is in force (it never rejects). Every handler that needs the saved state awaits `ready`.

import * as state from './state.js';
import { keepWorkerRunning } from './keepalive.js';

/** `admin` = force-installed by policy: blocking webRequest is available. */
export const installType = chrome.management.getSelf().then((s) => s.installType, () => 'unknown');

export const ready = Promise.all([
  installType.then((type) => {
    state.setBlockingWebRequest(type === 'admin');
    keepWorkerRunning(type);
  }),
  // The saved policy does not depend on the install type: read at once, not after Chrome has
  // answered `getSelf`, so a navigation held at "checking…" after a wake waits one round trip less.
  state.load(),
]).then(() => {});

/** For the staff page: what this install type means for enforcement. */
export function describeInstall(type) {
  if (type === 'admin') return 'force-installed by policy: blocking webRequest in use';
  if (type === 'development') return 'loaded unpacked: no blocking webRequest (declarativeNetRequest + navigation fallback)';
  return `${type}: no blocking webRequest (declarativeNetRequest + navigation fallback)`;
}
