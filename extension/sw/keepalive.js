// Keeping the worker running on managed devices.
//
// Chrome stops an extension's service worker after 30 s without events or extension API calls,
// and the next navigation then waits for it to start again: about 40 ms of Chrome's own before
// any of our code runs (an empty worker with one blocking listener, measured on the test VM),
// plus bringing up the engine (BENCHMARKS.md, "Extension"). Chrome's documentation on the
// service worker lifecycle allows extensions on managed education and enterprise devices to keep
// their worker running by calling an extension API at intervals shorter than that timeout, and
// that is the only case where this runs: installed by the Admin console's policy (installType
// `admin`). A worker can still be stopped (a crash, an update, a browser restart); every path
// that follows a wake is unchanged and tested.
//
// `runtime.getPlatformInfo` is the call: it changes nothing and reaches no page, where a storage
// write would wake every tab's storage listeners three times a minute.

/** Under Chrome's 30 s idle timeout, with room for a busy moment. */
export const HEARTBEAT_MS = 20_000;

/** When this worker last called home, and whether it does at all (for the staff page). */
export const keepAlive = { enabled: false, beats: 0, lastBeatAt: null };

/** Starts the heartbeat when force-installed by policy; returns whether it runs. */
export function keepWorkerRunning(installType) {
  if (installType !== 'admin' || keepAlive.enabled) return keepAlive.enabled;
  keepAlive.enabled = true;
  const beat = () =>
    chrome.runtime.getPlatformInfo().then(() => {
      keepAlive.beats += 1;
      keepAlive.lastBeatAt = Date.now();
    }, () => {});
  beat();
  setInterval(beat, HEARTBEAT_MS);
  return true;
}
