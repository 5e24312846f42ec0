// The policy in force, where it came from, and keeping it: loading the last good one at wake and
// applying the Admin console's managed configuration live. Lists are fetched and cached by
// sw/lists.js; the DNR rules are kept in line with the state by sw/dnr-sync.js.
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
import { readManaged, configKey, engineConfig, effectiveConfig, STRICTEST_GROUP, UNMANAGED_GROUP } from './config.js';
import { loadList, cachedCopy, recompileFromText } from './lists.js';
import { syncDnr, forgetListTexts } from './dnr-sync.js';
import { declaredHosts } from './search-hosts.js';

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
let blockingWebRequestOn = false;

export function setBlockingWebRequest(on) {
  blockingWebRequestOn = Boolean(on);
}

/** Whether blocking webRequest is available (then the listener, not DNR, rewrites searches). */
export function blockingWebRequest() {
  return blockingWebRequestOn;
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
    // The hosts of the engines the policy declares: their searches raise alerts too.
    searchHosts: declaredHosts(policy),
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
      schoolName: config.schoolName, locale: config.language ?? config.locale, reportEndpoint: config.reportEndpoint,
      reportSigningKey: config.reportSigningKey, staffUnlockCodeHash: config.staffUnlockCodeHash,
      overrideSecret: config.overrideSecret,
      safetyButton: config.safetyButton, hubUrl: config.hubUrl, logVisits: config.logVisits,
      orgUnit: config.orgUnit,
      eventsTimeScale: config.eventsTimeScale,
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
  forgetListTexts();
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
