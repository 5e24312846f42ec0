// Every declarativeNetRequest rule id the extension uses, in one table, so no two parts of the
// worker can ever hand out the same id. Dynamic and session rules are separate id spaces in
// Chrome, but the ranges are kept disjoint anyway so a matched rule id names its owner.

export const RULE_IDS = Object.freeze({
  /** Session: the fail-safe that holds every navigation while the engine cannot start (sw/failsafe.js). */
  failSafe: Object.freeze({ store: 'session', first: 1, last: 1 }),
  /** Dynamic: the rules planned from the engine's decisions (sw/dnr.js), allocated from 1 up. */
  plan: Object.freeze({ store: 'dynamic', first: 1, last: 999_999 }),
  /** Session: the unpacked fallback's learned addresses, reused round-robin (sw/navigation.js). */
  learned: Object.freeze({ store: 'session', first: 1_000_000, last: 1_000_999 }),
  /** Session: a teacher's override code in force, one allow rule per site (sw/overrides.js). */
  override: Object.freeze({ store: 'session', first: 2_000_000, last: 2_000_099 }),
  /** Dynamic: pages pupils reported, blocked on this device until reviewed (sw/report-store.js). */
  reported: Object.freeze({ store: 'dynamic', first: 5_000_000, last: 5_999_999 }),
});

/** Dynamic DNR rule ids for pages pupils reported start here, far above the plan's. */
export const REPORTED_RULE_BASE = RULE_IDS.reported.first;
