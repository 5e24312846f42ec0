// The policy in force, where it came from, and keeping it: loading the last good one at wake,
// applying the Admin console's managed configuration live, fetching and caching lists, and
// keeping the DNR rules in line with it.
//
// Rules this file keeps:
// - Nothing here ever leaves the worker without an engine: a new engine is built completely
//   (policy validated, every list compiled) before it replaces the one in force. A broken policy
//   or list keeps the last good one, and the reason is shown on the staff page.
// - The first decision never waits for `chrome.storage.managed.get` (it can take seconds at
//   launch): the last good state comes from IndexedDB, and the managed configuration is applied
//   when it arrives.
// - Lists are cached (text and compiled) so the filter works offline.

import * as idb from './idb.js';
import { pkg, builtin, Decider, startup } from './engine.js';
import { readManaged, configKey, engineConfig, effectiveConfig, LIMITS, STRICTEST_GROUP, UNMANAGED_GROUP } from './config.js';
import { planRules, applyPlan } from './dnr.js';
import { REPORTED_RULE_BASE } from './rule-ids.js';
import { LOCKED_CATEGORIES } from '../core-facts.js';

const LOCKED = new Set(LOCKED_CATEGORIES);
const FETCH_TIMEOUT_MS = 60_000;
export const BOUNDARY_ALARM = 'sg-boundary';
export const REFRESH_ALARM = 'sg-refresh';
/** How often lists are fetched again. */
export const REFRESH_MINUTES = 6 * 60;

const UNMANAGED_NOTE = 'No managed policy: protecting as a Key Stage 2 pupil on the built-in policy.';

/** What the staff page shows. Plain data only. */
export const status = {
  mode: null, // 'force-installed' | 'unpacked' | other install types
  source: 'starting', // 'unmanaged' | 'managed' | 'managed (last good)' | 'cached'
  note: '',
  lastError: null, // {at, message, issues?}
  managedProblems: [], // every Admin console setting that was refused, with its key and why
  alarms: [], // locked illegal-content lists that are misconfigured or never loaded
  kept: [], // enforcing keys whose last good value stays in force, and why
  lists: [],
  dnr: { rules: 0, domains: 0, prefixes: 0, prefixesSkipped: 0, ms: null, at: null, error: null, nextChange: null, blockedCategories: [] },
  timings: { stateLoadMs: null, lastApplyMs: null },
};

let current = null;
/** Whether blocking webRequest is available (force-installed): it then rewrites searches itself. */
let blockingWebRequest = false;

export function setBlockingWebRequest(on) {
  blockingWebRequest = Boolean(on);
}

/** The state in force, or `null` during the moment after a wake before it has loaded. */
export function currentState() {
  return current;
}

function groupInfoOf(sg, group) {
  return sg.groups().find((g) => g.name === group) ?? { name: group, label: group, staff: false, preset: 'ks2' };
}

/**
 * @param {{sg: any, group: string, policyToml: string|null, lists: any[], specs?: object[], source: string,
 *   extras?: Record<string, any>, engineKey: string, appliedAt: number, problems?: object|null}} parts
 */
function makeState({ sg, group, policyToml, lists, specs, source, extras, engineKey, appliedAt, problems }) {
  const policy = sg.policy();
  return {
    sg,
    decider: new Decider(sg, group),
    group,
    groupInfo: groupInfoOf(sg, group),
    policyToml,
    lists,
    // The list sources asked for (last good configuration), whether or not each one loaded.
    specs: specs ?? lists.map((l) => ({ url: l.url, category: l.category, format: l.format, ...(l.name ? { name: l.name } : {}) })),
    problems: problems ?? null,
    source,
    engineKey,
    appliedAt,
    extras: extras ?? {},
    timeZone: policy.school?.timezone === 'UTC' ? 'UTC' : 'Europe/London',
    policySchoolName: policy.school?.name ?? '',
    builtinLists: policy.builtin_lists !== false,
  };
}

function unmanagedState() {
  return makeState({ sg: builtin, group: UNMANAGED_GROUP, policyToml: null, lists: [], source: 'unmanaged', engineKey: configKey(engineConfig({})), appliedAt: Date.now() });
}

function describeError(error) {
  return {
    at: Date.now(),
    message: String(error?.message ?? error),
    issues: Array.isArray(error?.issues) ? error.issues.slice(0, 50) : undefined,
  };
}

async function sha256Hex(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A list's identity: its content, category and format, and the engine version and ruleset format
 * that compiled it (an update that changes the format gets fresh keys, so no stale bytes are used).
 */
async function listKey(text, category, format) {
  return (await sha256Hex(`${pkg.version()}\nruleset-format ${pkg.rulesetFormat()}\n${category}\n${format}\n${text}`)).slice(0, 32);
}

// --------------------------------------------------------------------------------------------
// Loading at wake

/**
 * Resolves once the last good state is in force (or the built-in one when there is none).
 * Never rejects: on any problem the built-in policy protects and the staff page says why.
 */
export async function load() {
  const t0 = performance.now();
  if (!builtin) {
    status.lastError = { at: Date.now(), message: startup.error ?? 'the engine could not start' };
    status.source = 'engine failed';
    return;
  }
  let saved = null;
  try {
    saved = await idb.get('lastGood');
  } catch (error) {
    status.lastError = describeError(new Error(`could not read the saved policy: ${error?.message ?? error}`));
  }
  if (saved) {
    try {
      const keys = saved.lists.map((l) => `ruleset:${l.key}`);
      const blobs = keys.length ? await idb.getMany(keys) : [];
      const rulesets = [];
      for (let i = 0; i < saved.lists.length; i += 1) {
        let bytes = blobs[i];
        if (!bytes) bytes = await recompileFromText(saved.lists[i]);
        rulesets.push(bytes);
      }
      const build = (bytes) => (saved.policyToml || bytes.length
        ? pkg.Schoolgate.fromPolicy(saved.policyToml ?? pkg.defaultPolicyToml(), bytes)
        : builtin);
      let sg;
      try {
        sg = build(rulesets);
      } catch (error) {
        if (!rulesets.length) throw error;
        // Saved by an older version in a format this one refuses: compile the lists again from
        // their cached text (offline too), rather than dropping the school's lists.
        const again = [];
        for (const meta of saved.lists) again.push(await recompileFromText(meta));
        sg = build(again);
      }
      current = makeState({ ...saved, sg, source: saved.source });
      status.source = saved.source;
      showProblems(saved.problems, []);
    } catch (error) {
      // The saved state no longer loads (an extension update changed the ruleset format and the
      // texts are gone, say): protect with the built-in policy and the saved group.
      status.lastError = describeError(new Error(`the saved policy could not be loaded, using the built-in one: ${error?.message ?? error}`));
      const group = builtin.groups().some((g) => g.name === saved.group) ? saved.group : UNMANAGED_GROUP;
      current = makeState({ sg: builtin, group, policyToml: null, lists: [], source: 'built-in (saved policy failed)', engineKey: '', appliedAt: Date.now(), extras: saved.extras });
      status.source = current.source;
    }
  } else {
    current = unmanagedState();
    status.source = 'unmanaged';
    status.note = UNMANAGED_NOTE;
  }
  status.lists = current.lists;
  status.timings.stateLoadMs = performance.now() - t0;
}

async function recompileFromText(meta) {
  const text = await idb.get(`text:${meta.key}`);
  if (typeof text !== 'string') throw new Error(`list ${meta.url} is missing from the cache`);
  const compiled = pkg.compileLists([{ name: meta.name ?? meta.url, category: meta.category, format: meta.format, text }]);
  await idb.putMany([[`ruleset:${meta.key}`, compiled.bytes]]);
  return compiled.bytes;
}

// --------------------------------------------------------------------------------------------
// Applying the managed configuration

let queue = Promise.resolve();
/** Runs `fn` after everything queued before it: policy changes never interleave. */
function serial(fn) {
  const run = queue.then(fn, fn);
  // The chain only orders changes; `run` carries the error to its own caller.
  queue = run.catch(() => {});
  return run;
}

async function fetchText(url) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), FETCH_TIMEOUT_MS);
  try {
    const res = await fetch(url, { signal: ctrl.signal, cache: 'no-cache', credentials: 'omit' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const tooBig = () => new Error(`larger than ${LIMITS.listBytes / (1024 * 1024)} MB, the most one list may be (split it)`);
    if (Number(res.headers.get('content-length')) > LIMITS.listBytes) throw tooBig();
    const text = await res.text();
    if (text.length > LIMITS.listBytes) throw tooBig();
    return text;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Fetches and compiles one list. A list that cannot be fetched, or that compiles to nothing (an
 * error page instead of a list, say), is "broken": its last good copy is used instead, and the
 * problem is reported. Without a last good copy, the list is left out and reported (for a locked
 * list, `applyManaged` then keeps the last good copies of its category and raises an alarm).
 */
async function loadList(spec, previous) {
  const name = spec.name ?? spec.url;
  const meta = { url: spec.url, category: spec.category, format: spec.format, name, fetchedAt: null, entries: 0, rejected: 0, error: null, fromCache: false, locked: LOCKED.has(spec.category) };
  let fresh = null;
  try {
    const text = await fetchText(spec.url);
    const compiled = pkg.compileLists([{ name, category: spec.category, format: spec.format, text }]);
    /** @type {{entries?: number, rejected?: number}} */
    const report = compiled.lists?.[0] ?? {};
    const lines = (report.entries ?? compiled.entries) + (report.rejected ?? compiled.rejectedCount);
    if (compiled.entries === 0) throw new Error(`no usable entries (${compiled.rejectedCount} lines rejected${compiled.rejected[0] ? `, e.g. line ${compiled.rejected[0].line}: ${compiled.rejected[0].reason}` : ''})`);
    if (lines > 20 && compiled.rejectedCount > lines / 2) throw new Error(`${compiled.rejectedCount} of ${lines} lines rejected: is this the right file and format?`);
    const key = await listKey(text, spec.category, spec.format);
    fresh = { key, text, bytes: compiled.bytes };
    Object.assign(meta, { key, fetchedAt: Date.now(), entries: compiled.entries, rejected: compiled.rejectedCount });
  } catch (error) {
    meta.error = `${spec.url}: ${error?.message ?? error}`;
  }
  if (fresh) return { meta, fresh };
  // Broken or offline: the last good copy of the same list, if there is one.
  const old = previous.find((p) => p.url === spec.url && p.category === spec.category && p.format === spec.format);
  if (old) {
    const cached = await cachedCopy(old);
    if (cached) return { meta: { ...cached.meta, name, error: meta.error }, cachedBytes: cached.bytes };
  }
  return { meta, missing: true };
}

/** A list's last good copy from the cache: `{meta, bytes}`, or `null` when it is gone. */
async function cachedCopy(old) {
  // Neither the cached bytes nor the cached text: the list is gone (the caller reports it).
  const bytes = await idb.get(`ruleset:${old.key}`).catch(() => null) ?? await recompileFromText(old).catch(() => null);
  if (!bytes) return null;
  return { meta: { ...old, locked: LOCKED.has(old.category), fromCache: true }, bytes };
}

/** The last good engine configuration a state holds, or `null` when nothing managed applied. */
function lastGoodConfig(state) {
  if (!state?.source?.startsWith('managed')) return null;
  return { group: state.group, policyToml: state.policyToml ?? null, lists: state.specs ?? state.lists };
}

/**
 * Applies a managed configuration (the raw `chrome.storage.managed` object). Builds the new
 * engine completely first; on any error the state in force stays and `status.lastError` says why.
 *
 * Each enforcing key keeps its last good value when the new one is invalid (config.js,
 * `effectiveConfig`): a policy with errors keeps the last good policy, a group the policy does
 * not have keeps the last good group (or the strictest pupil group), an invalid list entry keeps
 * every last good list. A locked list that is misconfigured or never loaded keeps the last good
 * copies of its category and raises an alarm on the staff page: never a silent drop.
 */
export function applyManaged(raw, { force = false, reason = 'managed policy' } = {}) {
  return serial(async () => {
    const t0 = performance.now();
    if (!builtin) return;
    const { config, problems, invalid, alarms: configAlarms, empty } = readManaged(raw);
    status.managedProblems = problems;
    const before = current;
    if (empty) {
      if (before && before.source !== 'unmanaged' && before.source !== 'cached') {
        // A device that had a policy and now reports none keeps the last one: an empty managed
        // store is far more often a policy not loaded yet than a school removing its filter.
        status.note = 'The managed policy is empty; the last one received stays in force. Set new values in the Admin console to change it.';
        return;
      }
      if (!before || before.source !== 'unmanaged') await swapIn(unmanagedState());
      status.note = UNMANAGED_NOTE;
      status.source = 'unmanaged';
      Object.assign(status, { alarms: [], kept: [] });
      return;
    }
    status.note = '';
    const extras = {
      schoolName: config.schoolName, locale: config.locale, reportEndpoint: config.reportEndpoint,
      reportSigningKey: config.reportSigningKey, staffUnlockCodeHash: config.staffUnlockCodeHash,
      safetyButton: config.safetyButton, hubUrl: config.hubUrl, logVisits: config.logVisits,
    };
    const lastGood = lastGoodConfig(before);
    const wanted = effectiveConfig(config, invalid, lastGood);
    // What was asked for, after the invalid keys were replaced by their last good values (and
    // which were replaced: the same engine with other problems to show is a new state).
    const engineKey = configKey({ ...engineConfig(wanted), invalid: [...invalid].sort(), kept: wanted.kept });
    if (!force && before && before.engineKey === engineKey && before.source.startsWith('managed')) {
      // Same policy, lists and group: only the page settings may have changed.
      current = { ...before, extras };
      showProblems(current.problems, problems);
      await saveLastGood(current);
      return;
    }
    try {
      const kept = [...wanted.kept];
      const alarms = [...configAlarms, ...wanted.alarms];
      const previous = before?.lists ?? [];
      const loaded = [];
      for (const spec of wanted.lists) loaded.push(await loadList(spec, previous));
      const listErrors = loaded.map((l) => l.meta.error).filter(Boolean);
      // Fail closed for locked lists: a locked list that never loaded keeps every last good copy
      // of its category that the new configuration does not already hold.
      for (const l of loaded.filter((x) => x.missing && x.meta.locked)) {
        const have = new Set(loaded.filter((x) => !x.missing).map((x) => x.meta.key));
        const copies = previous.filter((p) => p.category === l.meta.category && p.key && !have.has(p.key));
        for (const old of copies) {
          const cached = await cachedCopy(old);
          if (cached) loaded.push({ meta: { ...cached.meta, error: `kept because ${l.meta.url} never loaded` }, cachedBytes: cached.bytes });
        }
        alarms.push(`The locked "${l.meta.category}" list ${l.meta.url} never loaded (${l.meta.error}). ${copies.length ? 'The last good copy of that category stays in force.' : 'No earlier copy of it exists on this device.'} Tell your IT lead.`);
      }
      const usable = loaded.filter((l) => !l.missing);
      const rulesets = usable.map((l) => l.fresh?.bytes ?? l.cachedBytes);
      let policyToml = wanted.policyToml;
      let policyError = null;
      const build = (toml) => (toml || rulesets.length ? pkg.Schoolgate.fromPolicy(toml ?? pkg.defaultPolicyToml(), rulesets) : builtin);
      let sg;
      try {
        sg = build(policyToml);
      } catch (error) {
        // A policy with errors: the last good policy stays (the other keys still apply).
        if (!Array.isArray(error?.issues)) throw error;
        policyError = error;
        policyToml = lastGood ? (lastGood.policyToml ?? null) : null;
        kept.push(lastGood ? 'policyToml: the policy has errors, so the last good policy stays in force' : 'policyToml: the policy has errors and no good one was ever applied, so the built-in policy is in force');
        sg = build(policyToml);
      }
      const engineProblems = [];
      let group = wanted.group;
      const hasGroup = (g) => g && sg.groups().some((x) => x.name === g);
      if (!hasGroup(group)) {
        const names = sg.groups().map((g) => g.name).join(', ');
        const fallback = [lastGood?.group, STRICTEST_GROUP].find(hasGroup);
        if (!fallback) {
          if (sg !== builtin) sg.free();
          throw new Error(`group "${group}" is not in the policy (its groups: ${names})`);
        }
        engineProblems.push(`group: "${group}" is not a group of the policy (its groups: ${names})`);
        kept.push(fallback === lastGood?.group ? `group: the last good group ("${fallback}") stays in force` : `group: no good group was ever applied, so this device protects as the strictest pupil group ("${fallback}")`);
        group = fallback;
      }
      const writes = [];
      for (const l of usable) {
        if (l.fresh) writes.push([`text:${l.fresh.key}`, l.fresh.text], [`ruleset:${l.fresh.key}`, l.fresh.bytes]);
      }
      if (writes.length) await idb.putMany(writes);
      let lastError = listErrors.length
        ? { at: Date.now(), message: `${listErrors.length === 1 ? 'A list' : `${listErrors.length} lists`} could not be updated; ${usable.some((l) => l.meta.fromCache) ? 'the last good copy is in use' : 'filtering goes on without it'}: ${listErrors.join('; ')}` }
        : null;
      if (policyError) lastError = describeError(policyError);
      const specs = wanted.lists;
      const problemsNow = { lastError, alarms, kept, engineProblems };
      const next = makeState({ sg, group, policyToml, lists: usable.map((l) => l.meta), specs, source: 'managed', extras, engineKey, appliedAt: Date.now(), problems: problemsNow });
      await swapIn(next);
      status.lists = loaded.map((l) => l.meta);
      status.source = 'managed';
      showProblems(problemsNow, problems);
    } catch (error) {
      status.lastError = describeError(error);
      status.source = before?.source?.startsWith('managed') ? 'managed (last good)' : (before?.source ?? 'unmanaged');
      if (status.source === 'unmanaged') status.note = 'The managed policy was rejected, so nothing managed has ever applied: protecting as a Key Stage 2 pupil on the built-in policy.';
    } finally {
      status.timings.lastApplyMs = performance.now() - t0;
      status.timings.lastApplyReason = reason;
    }
  });
}

/**
 * Puts a state's problems (as they were when it was applied) on the staff page, after the
 * problems of the managed configuration just read (`readProblems`).
 */
function showProblems(problems, readProblems) {
  status.lastError = problems?.lastError ?? null;
  status.alarms = problems?.alarms ?? [];
  status.kept = problems?.kept ?? [];
  status.managedProblems = [...(readProblems ?? []), ...(problems?.engineProblems ?? [])];
}

async function swapIn(next) {
  const old = current;
  current = next;
  if (old && old.sg !== builtin && old.sg !== next.sg) {
    // Give in-flight handlers a moment before freeing the old engine's wasm memory.
    setTimeout(() => old.sg.free(), 5_000);
  }
  textCache.clear();
  await saveLastGood(next);
  await syncDnr({ reason: 'policy' });
}

async function saveLastGood(state) {
  const saved = {
    version: 1,
    group: state.group,
    policyToml: state.policyToml,
    lists: state.lists,
    specs: state.specs,
    problems: state.problems,
    source: state.source === 'unmanaged' ? 'unmanaged' : 'managed',
    extras: state.extras,
    engineKey: state.engineKey,
    appliedAt: state.appliedAt,
  };
  await idb.putMany([['lastGood', saved]]);
  const keep = new Set(state.lists.flatMap((l) => [`text:${l.key}`, `ruleset:${l.key}`]));
  await idb.prune('text:', keep);
  await idb.prune('ruleset:', keep);
}

// --------------------------------------------------------------------------------------------
// DNR rules

const textCache = new Map();
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
    const state = current;
    if (!state) return;
    const t0 = performance.now();
    try {
      const sources = await sourcesFor(state);
      const now = Date.now();
      const plan = planRules({
        pkg, sg: state.sg, policyToml: state.policyToml, group: state.group, atMs: now, sources,
        blockPage: chrome.runtime.getURL('blocked.html'), safeSearchRedirects: !blockingWebRequest,
      });
      const { dnrIndex } = await chrome.storage.local.get('dnrIndex');
      let index = dnrIndex;
      if (!index) {
        // No record of what is installed (first run): start from a clean slate.
        // (Except the rules for pages pupils reported: those belong to sw/reports.js.)
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
  const build = `${pkg.version()}/${chrome.runtime.getManifest().version}/${blockingWebRequest ? 'webrequest' : 'dnr-only'}`;
  const { dnrValidUntil, dnrIndex, dnrBuild } = /** @type {{dnrValidUntil?: number, dnrIndex?: object, dnrBuild?: string}} */ (await chrome.storage.local.get(['dnrValidUntil', 'dnrIndex', 'dnrBuild']));
  if (!dnrIndex || dnrBuild !== build || (dnrValidUntil && Date.now() >= dnrValidUntil)) {
    await syncDnr({ reason: dnrIndex ? 'out of date at wake' : 'first run' });
    await chrome.storage.local.set({ dnrBuild: build });
  }
}
