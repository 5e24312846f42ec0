// The filter check ("self-test", issue 17): this device checks its own filter once a day and when
// a member of staff asks from the staff page, and the school's hub keeps the log the DfE's
// filtering standard asks for (docs/hub.md, "The filter check log"). Each part is a named result
// with pass or fail and a reason:
//
// - a canary per category the group blocks and per locked list: the first valid host of a list
//   actually loaded (built-in or the school's), judged by the engine through the same `Decider`
//   a navigation meets (sw/navigation.js), never an answer written here;
// - the locked lists (IWF, CTIRU) loaded and not empty, and no locked-list alarm;
// - SafeSearch forced: the engine rewrites a Google and a Bing search for the group and the
//   mechanism that applies it is in place (the blocking webRequest listener when force-installed,
//   else the DNR redirect rule), and YouTube's restrict header rule is installed;
// - the block page: the DNR rule that sends a canary to it is installed, `blocked.html` is served
//   by the extension and listed as web-accessible, and the block page's own question (`explain`)
//   answers "block" for the canary.
//
// The result goes to the hub as a `filter-check` event (docs/events.md) and is kept for the staff
// page. Only the staff page may ask for a check (sw/messages.js), with the staff code.

import { pkg, ALLOW, BLOCK_LOCKED } from './engine.js';
import * as state from './state.js';
import * as idb from './idb.js';
import { probeCategories } from './dnr.js';
import { explain } from './navigation.js';
import { recordFilterCheck } from './events.js';
import { staffOnly } from './report-flow.js';
import { logFailure } from './failures.js';
import { ready } from './lifecycle.js';
import { LOCKED_CATEGORIES } from '../core-facts.js';
import { canaryOf, canariesOf, dailyDue, result, resultsText, listsVersion, DAY_MS } from './self-test-results.js';

export const SELF_TEST_ALARM = 'sg-self-test';
/** Where the last check is kept (chrome.storage.local), for the staff page and the daily rule. */
const LAST = 'selfTestLast';
/** A new install's first automatic check waits this long (the policy and lists load first). */
const FIRST_DELAY_MINUTES = 15;
const LOCKED = new Set(LOCKED_CATEGORIES);

/** The search probes: what a navigation to each would be rewritten to, and the DNR rule that does it. */
const SAFE_SEARCH_PROBES = [
  { id: 'google', url: 'https://www.google.com/search?q=schoolgate+filter+check' },
  { id: 'bing', url: 'https://www.bing.com/search?q=schoolgate+filter+check' },
];

/** Every list the engine in force uses: the built-in ones (when on) and the school's, with their text. */
async function sources(s) {
  const out = [];
  if (s.builtinLists) {
    for (const l of pkg.builtinLists()) out.push({ key: `builtin:${pkg.version()}:${l.file}`, name: `built-in/${l.file}`, category: l.category, format: 'auto', text: () => l.text });
  }
  for (const l of s.lists) out.push({ key: l.key, name: l.name ?? l.url, category: l.category, format: l.format, text: () => idb.get(`text:${l.key}`) });
  return out;
}

/** The DNR rules planned for these index keys (sw/dnr-sync.js keeps `dnrIndex`). */
async function rulesFor(prefixes) {
  const { dnrIndex } = await chrome.storage.local.get('dnrIndex');
  const ids = Object.entries(dnrIndex ?? {}).filter(([key]) => prefixes.some((p) => key.startsWith(p))).flatMap(([, e]) => e.ids);
  return ids.length ? chrome.declarativeNetRequest.getDynamicRules({ ruleIds: ids }) : [];
}

const redirectsToBlockPage = (rule) => rule.action?.type === 'redirect' && String(rule.action.redirect?.regexSubstitution ?? rule.action.redirect?.url ?? '').startsWith(chrome.runtime.getURL('blocked.html'));

/** One canary: the engine blocks it (locked: as illegal content), and a DNR rule sends it to the block page. */
async function checkCanary(s, source, host, name, locked, now) {
  const url = `https://${host}/`;
  const code = s.decider.decide(url, now);
  const verdict = s.sg.classify(url, s.group, now);
  const rule = verdict.reason ?? verdict.rule?.kind ?? '';
  if (code === ALLOW) return { res: result(name, false, `${host} (from ${source.name}) is allowed for ${s.group}: ${verdict.reason ?? 'no reason given'}`), url };
  if (locked && code !== BLOCK_LOCKED) return { res: result(name, false, `${host} is blocked, but not as locked illegal content (${rule})`), url };
  const rules = await rulesFor([`${locked ? 'locked' : 'cat'}:${source.key}:`]);
  const native = rules.some((r) => redirectsToBlockPage(r) && (r.condition?.requestDomains ?? []).includes(host));
  if (!native) return { res: result(name, false, `${host} is blocked by the engine, but no browser-native rule sends it to the block page`), url };
  return { res: result(name, true, `${host} (from ${source.name}) goes to the block page (${verdict.category ?? 'blocked'})`), url };
}

/** The locked lists: each one the Admin console asked for loaded, not empty, fresh; no alarm. */
function checkLockedLists(s) {
  const out = [];
  const asked = (s.specs ?? []).filter((l) => LOCKED.has(l.category));
  if (!asked.length) out.push(result('locked lists', false, 'no locked illegal-content list (IWF, CTIRU) is set in the Admin console\'s lists'));
  for (const spec of asked) {
    const name = `locked list ${spec.category} ${spec.name ?? spec.url}`.slice(0, 120);
    const loaded = s.lists.find((l) => l.url === spec.url && l.category === spec.category);
    if (!loaded) out.push(result(name, false, `never loaded${(s.problems?.alarms ?? []).length ? '; the last good copy of its category stays in force' : ''}`));
    else if (loaded.error) out.push(result(name, false, `could not be loaded fresh (${loaded.error}); ${loaded.fromCache ? 'its last good copy is in force' : 'kept from before'}`));
    else if (!(loaded.entries > 0)) out.push(result(name, false, 'loaded, but it has no entries'));
    else out.push(result(name, true, `${loaded.entries} entries, loaded ${new Date(loaded.fetchedAt ?? 0).toISOString()}`));
  }
  const alarms = s.problems?.alarms ?? state.status.alarms ?? [];
  if (alarms.length) out.push(result('locked list alarms', false, alarms.join(' ').slice(0, 300)));
  return out;
}

/** SafeSearch as the navigation path forces it for this group. */
async function checkSafeSearch(s) {
  const out = [];
  const staff = Boolean(s.groupInfo?.staff);
  const safeRules = await rulesFor(['safe:']);
  for (const probe of SAFE_SEARCH_PROBES) {
    const name = `safesearch ${probe.id}`;
    let rewrite = null;
    try {
      rewrite = s.sg.safeSearch(probe.url, s.group)?.rewrite ?? null;
    } catch (error) {
      out.push(result(name, false, `the engine cannot rewrite a search: ${error?.message ?? error}`));
      continue;
    }
    if (!rewrite) {
      out.push(result(name, staff, staff ? `not forced for the staff group ${s.group}` : `a search is not rewritten for ${s.group}`));
      continue;
    }
    const forced = new URL(rewrite, probe.url).search;
    // Force-installed: the blocking webRequest listener rewrites every search itself; otherwise a DNR redirect does.
    if (state.blockingWebRequest()) out.push(result(name, true, `rewritten to ${forced} by the navigation listener`));
    else if (safeRules.some((r) => r.action?.type === 'redirect' && new RegExp(r.condition?.regexFilter ?? '^$').test(probe.url))) out.push(result(name, true, `rewritten to ${forced} by a browser-native rule`));
    else out.push(result(name, false, `the engine would rewrite it to ${forced}, but no rule or listener applies it`));
  }
  let headers = [];
  try {
    headers = s.sg.safeSearch('https://www.youtube.com/results?search_query=schoolgate', s.group)?.headers ?? [];
  } catch (error) {
    logFailure('the filter check asking for YouTube\'s SafeSearch', error);
  }
  if (!headers.length) out.push(result('safesearch youtube', staff, staff ? `not forced for the staff group ${s.group}` : `no restrict header for ${s.group}`));
  else {
    const [header, value] = headers[0];
    const installed = safeRules.some((r) => r.action?.type === 'modifyHeaders' && (r.action.requestHeaders ?? []).some((h) => h.header.toLowerCase() === header.toLowerCase() && h.value === value));
    out.push(result('safesearch youtube', installed, installed ? `${header}: ${value} set by a browser-native rule` : `${header}: ${value} is not installed`));
  }
  return out;
}

/** The block page: served, web-accessible, and it would show the canary as blocked. */
async function checkBlockPage(canaryUrl) {
  const page = chrome.runtime.getURL('blocked.html');
  const accessible = (chrome.runtime.getManifest().web_accessible_resources ?? []).some((w) => (w.resources ?? []).includes('blocked.html'));
  let served = false;
  let why = '';
  try {
    const res = await fetch(page);
    const html = await res.text();
    served = res.ok && html.includes('pages/blocked.js');
    why = served ? '' : `blocked.html answered ${res.status} without its script`;
  } catch (error) {
    why = `blocked.html could not be read: ${error?.message ?? error}`;
  }
  if (!served) return result('block page', false, why);
  if (!accessible) return result('block page', false, 'blocked.html is not web-accessible, so a blocked page cannot be sent to it');
  if (!canaryUrl) return result('block page', false, 'no canary to show it for');
  const shown = await explain(canaryUrl);
  if (shown?.verdict?.action !== 'block') return result('block page', false, `it would not show ${canaryUrl} as blocked (${shown?.error ?? shown?.verdict?.action})`);
  return result('block page', true, `blocked.html is served and shows ${new URL(canaryUrl).host} as blocked`);
}

/** Runs the check now: `{at, trigger, passed, results, group, listsVersion}`. */
export async function runCheck(trigger) {
  await ready;
  const s = state.currentState();
  const at = Date.now();
  const results = [];
  if (!s) {
    results.push(result('engine', false, 'no policy is in force (the engine did not start)'));
  } else {
    try {
      await checkAll(s, at, results);
    } catch (error) {
      // A check that cannot finish is a failed check, sent like any other: never silence.
      logFailure('running the filter check', error);
      results.push(result('the check itself', false, `it stopped: ${error?.message ?? error}`));
    }
  }
  return finish(s, trigger, at, results);
}

/** Every part of the check on state `s`, into `results`; the first canary that passed (for the block page). */
async function checkAll(s, at, results) {
  let canaryUrl = null;
  {
    const all = await sources(s);
    const categories = [...new Set(all.map((x) => x.category))];
    const probe = probeCategories(pkg, s.policyToml, s.group, categories, at);
    const done = new Set();
    const tested = async (source, host, name, locked) => {
      const { res, url } = await checkCanary(s, source, host, name, locked, at);
      results.push(res);
      if (res.ok && !canaryUrl) canaryUrl = url;
    };
    for (const source of all.filter((x) => LOCKED.has(x.category))) {
      const name = `canary locked ${source.category} ${source.name}`.slice(0, 120);
      const host = canaryOf(await source.text(), source.format);
      if (host) await tested(source, host, name, true);
      else results.push(result(name, false, `${source.name} has no host entry to test (empty or broken)`));
    }
    for (const category of categories.filter((c) => !LOCKED.has(c) && probe.blocked.has(c))) {
      done.add(category);
      const ofCategory = all.filter((x) => x.category === category);
      let found = null;
      let allowedOnPurpose = null;
      for (const source of ofCategory) {
        for (const host of canariesOf(await source.text(), source.format)) {
          // A host the group's own allow list lets through is the school's choice, not a fault: the next one stands in.
          const rule = s.sg.classify(`https://${host}/`, s.group, at).rule;
          if (rule?.kind === 'group-allow') {
            allowedOnPurpose ??= `${host} (${rule.setting})`;
            continue;
          }
          found = { source, host };
          break;
        }
        if (found) break;
      }
      if (found) await tested(found.source, found.host, `canary ${category}`, false);
      else if (allowedOnPurpose) results.push(result(`canary ${category}`, true, `its first hosts are allowed for the group on purpose, e.g. ${allowedOnPurpose}`));
      // Expressions match words, not hosts: the engine judges them, and there is no host to try.
      else if (ofCategory.every((x) => x.format === 'expressions')) results.push(result(`canary ${category}`, true, 'expressions only: no host to test'));
      else results.push(result(`canary ${category}`, false, `none of its lists (${ofCategory.map((x) => x.name).join(', ').slice(0, 200)}) has a host entry to test: empty or broken`));
    }
    if (!done.size) results.push(result('canaries', false, `no category is blocked for ${s.group}`));
    results.push(...checkLockedLists(s));
    results.push(...await checkSafeSearch(s));
    results.push(await checkBlockPage(canaryUrl));
  }
  return canaryUrl;
}

/** Keeps the check for the staff page and sends it to the hub. */
async function finish(s, trigger, at, results) {
  const check = {
    at,
    trigger,
    passed: results.every((r) => r.ok),
    results,
    group: s?.group ?? null,
    listsVersion: s ? listsVersion(pkg.version(), s.builtinLists, s.lists) : '',
  };
  await chrome.storage.local.set({ [LAST]: check });
  const staffAccount = trigger === 'on-demand' && s?.groupInfo?.staff ? await account() : null;
  await recordFilterCheck({
    kind: 'filter-check',
    trigger,
    passed: String(check.passed),
    results: resultsText(results),
    staffAccount,
    groups: check.group,
    listsVersion: check.listsVersion,
  });
  return check;
}

async function account() {
  try {
    return (await chrome.identity.getProfileUserInfo({ accountStatus: 'ANY' }))?.email || null;
  } catch (error) {
    logFailure('reading the staff account for a filter check', error);
    return null;
  }
}

let running = null;
/** One check at a time (a staff press during the daily one waits for it, then runs its own). */
function serial(trigger) {
  const run = (running ?? Promise.resolve()).then(() => runCheck(trigger), () => runCheck(trigger));
  // The chain only orders checks; `run` carries the error to its own caller.
  running = run.catch(() => {});
  return run;
}

/**
 * The last check, for the staff page.
 * @returns {Promise<{at: number, trigger: string, passed: boolean, results: {name: string, ok: boolean, reason: string}[], group: string|null, listsVersion: string}|null>}
 */
export async function lastCheck() {
  const stored = /** @type {Record<string, any>} */ (await chrome.storage.local.get(LAST));
  return stored[LAST] ?? null;
}

/**
 * At each wake, after the policy: the daily alarm exists (a new install's first check a little
 * later), and a check runs now when the last one is more than a day old.
 */
export async function afterWake() {
  if (!(await chrome.alarms.get(SELF_TEST_ALARM))) {
    await chrome.alarms.create(SELF_TEST_ALARM, { delayInMinutes: FIRST_DELAY_MINUTES, periodInMinutes: DAY_MS / 60_000 });
  }
  const last = await lastCheck();
  if (last && dailyDue(last.at, Date.now())) await serial('daily');
}

/** The daily alarm. */
export async function onAlarm() {
  await serial('daily');
}

/** The staff page's "Run the filter check now" (staff code checked here). */
export async function onDemand(message) {
  const refused = await staffOnly(message.code);
  if (refused) return { ok: false, error: refused };
  const check = await serial('on-demand');
  return { ok: true, check };
}

