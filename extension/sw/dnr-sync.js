// Keeping Chrome's declarativeNetRequest rules in line with the policy in force: planned by
// sw/dnr.js from the engine's own decisions, applied atomically, renewed at each time-window
// boundary (an alarm), and asked by the unpacked fallback whether a navigation is already blocked.

import * as idb from './idb.js';
import { pkg } from './engine.js';
import { planRules, applyPlan } from './dnr.js';
import { REPORTED_RULE_BASE } from './rule-ids.js';
import { currentState, status, blockingWebRequest } from './state.js';

export const BOUNDARY_ALARM = 'sg-boundary';

/** List texts read for one sync, dropped after it (they can be tens of MB). */
const textCache = new Map();

/** Forgets the list texts read for DNR (a new state's lists are read afresh). */
export function forgetListTexts() {
  textCache.clear();
}
let builtinSources = null;

async function sourcesFor(state) {
  const out = [];
  if (state.builtinLists) {
    builtinSources ??= pkg.builtinLists().map((l) => ({ key: `builtin:${pkg.version()}:${l.file}`, category: l.category, format: 'auto', text: () => l.text }));
    out.push(...builtinSources);
  }
  const need = state.lists.filter((l) => !textCache.has(l.key));
  if (need.length) {
    const texts = await idb.getMany(need.map((l) => `text:${l.key}`));
    need.forEach((l, i) => textCache.set(l.key, texts[i] ?? ''));
  }
  for (const l of state.lists) out.push({ key: l.key, category: l.category, format: l.format, text: () => textCache.get(l.key) ?? '' });
  return out;
}

let dnrQueue = Promise.resolve();

/**
 * Brings the DNR rules in line with the state in force at this moment and schedules the next
 * time-window boundary. Failures keep the rules Chrome has (the update is atomic) and are shown.
 */
export function syncDnr({ reason = 'check' } = {}) {
  const run = dnrQueue.then(async () => {
    const state = currentState();
    if (!state) return;
    const t0 = performance.now();
    try {
      const sources = await sourcesFor(state);
      const now = Date.now();
      const plan = planRules({
        pkg, sg: state.sg, policyToml: state.policyToml, group: state.group, atMs: now, sources,
        blockPage: chrome.runtime.getURL('blocked.html'), safeSearchRedirects: !blockingWebRequest(),
      });
      const { dnrIndex } = await chrome.storage.local.get('dnrIndex');
      let index = dnrIndex;
      if (!index) {
        // No record of what is installed (first run): start from a clean slate.
        // (Except the rules for pages pupils reported: those belong to sw/report-store.js.)
        const old = (await chrome.declarativeNetRequest.getDynamicRules()).filter((r) => r.id < REPORTED_RULE_BASE);
        if (old.length) await chrome.declarativeNetRequest.updateDynamicRules({ removeRuleIds: old.map((r) => r.id) });
        index = {};
      }
      const result = await applyPlan(chrome.declarativeNetRequest, plan, index);
      keysById = null;
      // List texts can be tens of MB: do not keep them in the worker between updates.
      textCache.clear();
      await chrome.storage.local.set({ dnrIndex: result.index, dnrValidUntil: plan.nextChange ? plan.nextChange * 1000 : null });
      if (plan.nextChange) await chrome.alarms.create(BOUNDARY_ALARM, { when: plan.nextChange * 1000 + 250 });
      else await chrome.alarms.clear(BOUNDARY_ALARM);
      Object.assign(status.dnr, {
        rules: Object.values(result.index).reduce((n, e) => n + e.ids.length, 0),
        ...plan.counts,
        added: result.added,
        removed: result.removed,
        ms: performance.now() - t0,
        at: Date.now(),
        reason,
        error: null,
        nextChange: plan.nextChange,
        blockedCategories: plan.blockedCategories,
      });
    } catch (error) {
      status.dnr.error = `${new Date().toISOString()}: ${error?.message ?? error}`;
    }
  });
  // The chain only orders syncs; `run` records its error in status.dnr (above).
  dnrQueue = run.catch(() => {});
  return run;
}

const BLOCKING_KEYS = /^(locked|locked-prefix|deny|deny-prefix|cat|cat-prefix|catch-all)(:|$)/;
let keysById = null;

/**
 * Whether Chrome's DNR rules already send `url` to the block page (unpacked installs only:
 * `testMatchOutcome` is a development API). The navigation fallback uses it so that it does not
 * navigate a tab that DNR has already redirected a second time.
 */
export async function dnrBlocks(url, type, tabId) {
  if (typeof chrome.declarativeNetRequest.testMatchOutcome !== 'function') return false;
  let outcome;
  try {
    outcome = await chrome.declarativeNetRequest.testMatchOutcome({ url, type, tabId });
  } catch {
    // Chrome cannot test this address: the fallback's own check decides.
    return false;
  }
  if (!keysById) {
    const { dnrIndex } = await chrome.storage.local.get('dnrIndex');
    keysById = new Map();
    for (const [key, entry] of Object.entries(dnrIndex ?? {})) for (const id of entry.ids) keysById.set(id, key);
  }
  // Session rules are the fallback's own; ids from REPORTED_RULE_BASE up are pages pupils reported.
  return (outcome?.matchedRules ?? []).some((m) => (m.rulesetId === '_session') || m.ruleId >= REPORTED_RULE_BASE || BLOCKING_KEYS.test(keysById.get(m.ruleId) ?? ''));
}

/** At wake: if a time-window boundary passed while no alarm ran, bring the rules up to date. */
export async function checkDnrFresh() {
  const build = `${pkg.version()}/${chrome.runtime.getManifest().version}/${blockingWebRequest() ? 'webrequest' : 'dnr-only'}`;
  const { dnrValidUntil, dnrIndex, dnrBuild } = /** @type {{dnrValidUntil?: number, dnrIndex?: object, dnrBuild?: string}} */ (await chrome.storage.local.get(['dnrValidUntil', 'dnrIndex', 'dnrBuild']));
  if (!dnrIndex || dnrBuild !== build || (dnrValidUntil && Date.now() >= dnrValidUntil)) {
    await syncDnr({ reason: dnrIndex ? 'out of date at wake' : 'first run' });
    await chrome.storage.local.set({ dnrBuild: build });
  }
}
