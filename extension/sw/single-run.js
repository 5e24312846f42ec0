// One run at a time, for work that many events ask for at once (a delivery alarm, a new report,
// the staff page's "send now"): a call while a run is going asks for one more run after it, and
// every caller waits until no run is asked for any more. `force` is passed to the next run if any
// caller asked for it. Used by the report outbox (sw/report-delivery.js) and the events queue
// (sw/events-queue.js), whose sends must never overlap.

/**
 * @param {(force: boolean) => Promise<void>} runOnce
 * @param {() => Promise<void>} [first] run once before each series of runs
 * @returns {(force?: boolean) => Promise<void>}
 */
export function singleRun(runOnce, first = async () => {}) {
  /** @type {Promise<void> | null} */
  let running = null;
  let again = false;
  let forceNext = false;
  return (force = false) => {
    forceNext ||= force;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      await first();
      do {
        again = false;
        const forced = forceNext;
        forceNext = false;
        await runOnce(forced);
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  };
}
