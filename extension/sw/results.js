// Verdicts for the links on a search results page, for the results content script
// (../results/content.js): `{type: 'judge-results', urls}` → one answer for the whole batch.
//
// A read-only query (sw/messages.js bounds it: at most 500 addresses of at most 8 KB), answered
// with the same engine, policy and group as navigation, so a result is hidden exactly when
// opening it would be blocked. Nothing leaves the device.
//
// What the page's content script is told depends on this device's group, never on the message:
// - a pupil device gets only allow/block for its own group, from the `Decider` hot path (no
//   verdict object is built, so a batch of 100 takes a fraction of a millisecond);
// - a staff device (the group's `staff = true` in the policy) also gets, for every pupil group,
//   allow/block and, for the blocked ones only, the engine's reason (`classify` builds the whole
//   verdict: it is the slow call, so allowed results are never classified).
// The time spent judging is measured here, in the worker, and kept for the staff page and the
// benchmarks (`resultTimings()`), and returned in every answer.

import { Decider, ALLOW } from './engine.js';
import * as state from './state.js';
import { loadMessages, browserLocale, t } from '../ui/i18n.js';
import { failed } from './failures.js';

export const MAX_URLS = 500;
export const MAX_URL_LENGTH = 8 * 1024;

/** The content script's words, in the school's language (managed `locale`) or the browser's. */
const WORD_KEYS = {
  placeholder: 'results_placeholder',
  placeholderStaff: 'results_placeholder_staff',
  badgesLabel: 'results_badges_label',
  allowed: 'results_allowed',
  blocked: 'results_blocked',
  allowedFor: 'results_allowed_for',
  viewAs: 'results_view_as',
  viewAsStaff: 'results_view_as_staff',
};

const timings = { batches: 0, urls: 0, lastMs: null, lastUrls: 0, maxMs: 0, totalMs: 0 };

/** For `statusReport()`: how long judging result batches has taken in this worker's life. */
export function resultTimings() {
  return { ...timings, meanMs: timings.batches ? timings.totalMs / timings.batches : null };
}

/** One `Decider` per engine and group, made once: they share the engine's input buffer. */
const decidersByEngine = new WeakMap();
function deciderFor(sg, group) {
  let byGroup = decidersByEngine.get(sg);
  if (!byGroup) {
    byGroup = new Map();
    decidersByEngine.set(sg, byGroup);
  }
  let decider = byGroup.get(group);
  if (!decider) {
    decider = new Decider(sg, group);
    byGroup.set(group, decider);
  }
  return decider;
}

const wordsByLocale = new Map();
async function wordsFor(locale) {
  if (!wordsByLocale.has(locale)) {
    wordsByLocale.set(locale, loadMessages(locale).then((messages) => Object.fromEntries(
      Object.entries(WORD_KEYS).map(([name, key]) => [name, t(messages, key)]),
    )).catch(failed('loading the results page\'s words', null)));
  }
  return wordsByLocale.get(locale);
}

function shortName(group) {
  return { eyfs: 'EYFS', ks1: 'KS1', ks2: 'KS2' }[group.name] ?? group.name.toUpperCase();
}

/**
 * Judges `urls` for this device. Pure given the state, the time and the words, so the unit
 * tests can call it with a built engine.
 * @returns {{group: string, staff: boolean, ms: number, verdicts: object[], groups?: object[], words?: Record<string, string>|null, locale?: string}}
 */
export function judgeBatch(s, urls, atMs) {
  const t0 = performance.now();
  const own = s.decider;
  const verdicts = new Array(urls.length);
  if (!s.groupInfo.staff) {
    for (let i = 0; i < urls.length; i += 1) {
      verdicts[i] = { action: own.decide(urls[i], atMs) === ALLOW ? 'allow' : 'block' };
    }
    return { group: s.group, staff: false, ms: performance.now() - t0, verdicts };
  }
  const pupils = s.sg.groups().filter((g) => !g.staff);
  const deciders = pupils.map((g) => deciderFor(s.sg, g.name));
  for (let i = 0; i < urls.length; i += 1) {
    const url = urls[i];
    const groups = {};
    for (let j = 0; j < pupils.length; j += 1) {
      if (deciders[j].decide(url, atMs) === ALLOW) {
        groups[pupils[j].name] = { action: 'allow' };
      } else {
        const verdict = s.sg.classify(url, pupils[j].name, atMs);
        groups[pupils[j].name] = { action: 'block', reason: verdict.reason, category: verdict.category, locked: verdict.locked };
      }
    }
    verdicts[i] = { action: own.decide(url, atMs) === ALLOW ? 'allow' : 'block', groups };
  }
  return {
    group: s.group,
    staff: true,
    ms: performance.now() - t0,
    verdicts,
    groups: pupils.map((g) => ({ name: g.name, short: shortName(g), label: g.label })),
  };
}

/** The `judge-results` handler. `ready` resolves once the policy in force has loaded. */
export async function judgeResults(message, ready) {
  await ready;
  const s = state.currentState();
  if (!s) return { error: 'starting' };
  const urls = message.urls;
  const answer = judgeBatch(s, urls, Date.now());
  timings.batches += 1;
  timings.urls += urls.length;
  timings.lastMs = answer.ms;
  timings.lastUrls = urls.length;
  timings.totalMs += answer.ms;
  timings.maxMs = Math.max(timings.maxMs, answer.ms);
  const locale = s.extras?.locale ?? browserLocale();
  answer.words = await wordsFor(locale);
  answer.locale = locale;
  return answer;
}
