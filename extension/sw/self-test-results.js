// The filter check's pure parts (sw/self-test.js runs it): the canary a list offers, when the
// daily check is due, and the results as the `filter-check` event carries them (docs/events.md:
// text only, at most 2,048 characters). No browser API here, so Node tests them
// (tests/extension/self-test-unit.test.mjs).

import { readListForDnr } from './listdomains.js';

/** How often the automatic check runs. */
export const DAY_MS = 24 * 60 * 60 * 1000;
/** The most characters the `results` field may hold (the events contract's limit is 2,048). */
export const RESULTS_CHARS = 2000;
/** How much of a list's text is read for its canary (its first valid host is near the top). */
const CANARY_SCAN_CHARS = 64 * 1024;

/**
 * A list's canary: its first entry that the browser-native rules take as a plain host (the same
 * reader sw/dnr.js plans the rules with), so the check can ask both the engine and DNR about it.
 * `null` when the list has none near its top (an expressions list, an empty or broken list).
 */
export function canaryOf(text, format = 'auto') {
  return canariesOf(text, format, 1)[0] ?? null;
}

/** A list's first `count` such hosts (the next ones stand in for a host the school allowed on purpose). */
export function canariesOf(text, format = 'auto', count = 5) {
  let head = String(text ?? '');
  if (head.length > CANARY_SCAN_CHARS) head = head.slice(0, head.lastIndexOf('\n', CANARY_SCAN_CHARS) + 1);
  // The list's own format as the Admin console set it (sw/config.js checked it).
  return readListForDnr(head, /** @type {any} */ (format)).domains.slice(0, count);
}

/** Whether the automatic check is due at `nowMs`, the last one having run at `lastAtMs` (or never). */
export function dailyDue(lastAtMs, nowMs) {
  return !Number.isFinite(lastAtMs) || nowMs - lastAtMs >= DAY_MS || nowMs < lastAtMs;
}

/** One result: `{name, ok, reason}`. */
export function result(name, ok, reason) {
  return { name: String(name), ok: Boolean(ok), reason: String(reason ?? '') };
}

/**
 * The results as the event carries them: one line each, `pass name: reason` or `fail name:
 * reason`. Over `max` characters, the reasons are cut to one common length, passes' first and
 * failures' only if that is not enough, so every result keeps its line and its verdict and a
 * failure keeps as much of its reason as the limit allows.
 */
export function resultsText(results, max = RESULTS_CHARS) {
  const lines = results.map((r) => ({ head: `${r.ok ? 'pass' : 'fail'} ${r.name.replace(/[\r\n:]+/g, ' ')}`, ok: r.ok, reason: r.reason.replace(/[\r\n]+/g, ' ') }));
  const cutTo = (reason, length) => (reason.length <= length ? reason : length > 3 ? `${reason.slice(0, length - 1)}…` : '');
  const size = (ls) => ls.reduce((n, l) => n + l.head.length + (l.reason ? l.reason.length + 2 : 0) + 1, -1);
  for (const passes of [true, false]) {
    if (size(lines) <= max) break;
    const longest = Math.max(0, ...lines.filter((l) => l.ok === passes).map((l) => l.reason.length));
    // The longest common length for this kind of line that fits (0: their reasons go).
    let low = 0;
    let high = longest;
    const fits = (length) => size(lines.map((l) => (l.ok === passes ? { ...l, reason: cutTo(l.reason, length) } : l))) <= max;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (fits(mid)) low = mid;
      else high = mid - 1;
    }
    for (const l of lines) if (l.ok === passes) l.reason = cutTo(l.reason, low);
  }
  const text = lines.map((l) => (l.reason ? `${l.head}: ${l.reason}` : l.head)).join('\n');
  return text.length > max ? text.slice(0, max) : text;
}

/** What the check reports about the lists it judged: the engine's version and the lists' content keys. */
export function listsVersion(engineVersion, builtinOn, lists) {
  const keys = lists.map((l) => String(l.key ?? '').slice(0, 8)).filter(Boolean).join(',');
  return `engine ${engineVersion}; ${builtinOn ? 'built-in lists + ' : ''}${lists.length} school list(s)${keys ? ` [${keys}]` : ''}`.slice(0, 500);
}
