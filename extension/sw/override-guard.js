// Teachers' override codes on this device: slowing down guesses, and the record of every use
// (of a code, and of a teacher's approval of a pupil's request from the hub).
// Pure functions (tested in Node: tests/extension/overrides-unit.test.mjs); sw/overrides.js keeps
// their state in chrome.storage.local, so neither a worker restart nor a browser restart resets
// them.
//
// A code is 6 digits and three are accepted at any moment (one time step either side), so a
// blind guess succeeds about three times in a million: five wrong codes in a row, then a wait
// that doubles with each further lockout (5 minutes, 10, 20, … at most an hour), keeps a
// pupil's guessing to a few dozen tries a day.

/** Wrong codes in a row before a wait, the first wait, and the longest. */
export const GUESSES = Object.freeze({ allowed: 5, firstWaitMs: 5 * 60_000, maxWaitMs: 60 * 60_000 });

/** Entries the device keeps in its override record (oldest dropped first). */
export const LOG_CAP = 200;

/** A guard with no wrong codes. */
export function freshGuard() {
  return { wrong: 0, lockouts: 0, until: 0 };
}

/** Milliseconds until another code may be tried (0: now). */
export function guardWait(guard, nowMs) {
  const until = Number(guard?.until) || 0;
  return until > nowMs ? until - nowMs : 0;
}

/**
 * The guard after an attempt: `right` resets it; a wrong code counts, and the fifth in a row
 * starts a wait. Attempts refused before any code was checked (a locked page) do not count.
 */
export function guardAfter(guard, right, nowMs) {
  if (right) return freshGuard();
  const g = { ...freshGuard(), ...guard };
  g.wrong += 1;
  if (g.wrong >= GUESSES.allowed) {
    g.lockouts += 1;
    g.wrong = 0;
    g.until = nowMs + Math.min(GUESSES.firstWaitMs * 2 ** (g.lockouts - 1), GUESSES.maxWaitMs);
  }
  return g;
}

/** An address cut to `scheme://host/path`: no query, no fragment (as events and reports are). */
export function cutAddress(url) {
  try {
    const u = new URL(url);
    // Only a web address keeps its host and path: a data: or blob: "path" is the page itself.
    return /^https?:$/.test(u.protocol) ? `${u.protocol}//${u.host}${u.pathname}` : u.protocol;
  } catch {
    // Not an address: nothing of it is kept.
    return '';
  }
}

/**
 * One entry of the device's override record: who asked (the signed-in account, when Chrome
 * gives one), who approved (a teacher's code: which teacher is not known on the device), the
 * scope (site and group), when it began and when it ends or ended.
 */
export function logEntry({ id, atMs, outcome, url, site = null, group, user = null, reason = null, grant = null, route = 'code', approvedBy = "a teacher's code", requestId = null }) {
  return {
    id,
    kind: 'override',
    at: new Date(atMs).toISOString(),
    outcome, // granted | wrong-code | malformed | used | refused | wait | not-blocked | not-set
    // `code`: a teacher's code typed here; `hub`: a teacher's approval of the pupil's request
    // ("Ask my teacher", sw/requests.js), which `requestId` names.
    route,
    requestId,
    approvedBy: outcome === 'granted' ? approvedBy : null,
    user,
    group,
    site: site ?? null,
    url: cutAddress(url),
    reason,
    startsAt: grant ? new Date(grant.starts_at * 1000).toISOString() : null,
    endsAt: grant ? new Date(grant.ends_at * 1000).toISOString() : null,
    minutes: grant?.minutes ?? null,
    endedAt: null,
  };
}

/** The record with `entry` added, at most `cap` entries (the oldest go first). */
export function appendLog(log, entry, cap = LOG_CAP) {
  const out = [...(Array.isArray(log) ? log : []), entry];
  return out.length > cap ? out.slice(out.length - cap) : out;
}

/** The overrides still in force at `nowMs`, and those that have ended. */
export function splitByEnd(active, nowMs) {
  const keep = [];
  const ended = [];
  for (const o of Array.isArray(active) ? active : []) (o.endsAtMs > nowMs ? keep : ended).push(o);
  return { keep, ended };
}

/** Whether `host` (lowercase) is `site` or one of its subdomains. */
export function hostInSite(host, site) {
  return host === site || host.endsWith(`.${site}`);
}
