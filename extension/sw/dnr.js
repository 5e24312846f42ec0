// declarativeNetRequest (DNR) rules generated from the engine's policy and the compiled lists'
// sources: the browser-native first line. Chrome evaluates them before the service worker wakes,
// so a listed domain is never requested even right after the worker was stopped, and in an
// unpacked install (no blocking webRequest) they are the only thing that acts before a request.
//
// The engine stays the source of truth: what a category gets for a group at a moment (time
// windows included) is asked of the engine itself, with one probe host per category; DNR only
// ever holds what the engine would block (or allow) at that moment, and the worker regenerates
// the rules when the engine says a decision changes (`next_change`). Everything DNR cannot
// express (search terms, wrapped pages, lookalike hosts, expressions) is judged by the engine.
//
// Pure planning here (testable in Node); `applyPlan` talks to Chrome.

import { readListForDnr, readPolicyEntries } from './listdomains.js';
import { RULE_IDS } from './rule-ids.js';
import { LOCKED_CATEGORIES } from '../core-facts.js';
import { SAFESEARCH_HEADER_HOSTS } from './search-hosts.js';

/** Bumped whenever the shape of the rules changes, so installed rules are rebuilt. */
const RULES_VERSION = 3;

// Rule ids: one table for the whole worker (sw/rule-ids.js).
export { REPORTED_RULE_BASE } from './rule-ids.js';

/** Rule priorities: a higher number wins. */
export const PRIORITY = Object.freeze({
  locked: 100, // illegal content: nothing overrides it
  safeSearch: 90, // SafeSearch parameters and the YouTube header
  allowEntry: 30, // the group's `allow` entries
  block: 20, // the group's `deny` entries and blocked categories
  allowedCategory: 15, // only with `uncategorised = block`: listed sites that are allowed
  catchAll: 10, // only with `uncategorised = block`
  thumbnailMarked: 36, // pupils: a results thumbnail the content script released (marked)
  thumbnail: 35, // pupils: every other image from the engines' thumbnail servers on their pages
});

/**
 * The search engines' thumbnail servers, and the pages that use them. On a pupil's device an
 * image from them, requested by an engine's page, loads only if the results content script
 * marked it (`THUMBNAIL_MARK` in its query): it marks the images of results the pupil may open.
 * A thumbnail the engine wrote into its HTML is otherwise fetched by the browser's preload
 * scanner before any extension code runs; this stops it before the request.
 */
export const THUMBNAIL_HOSTS = Object.freeze(['mm.bing.net', 'th.bing.com', 'encrypted-tbn0.gstatic.com', 'encrypted-tbn1.gstatic.com',
  'encrypted-tbn2.gstatic.com', 'encrypted-tbn3.gstatic.com', 'external-content.duckduckgo.com']);
export const THUMBNAIL_PAGES = Object.freeze(['google.com', 'google.co.uk', 'google.ie', 'bing.com', 'duckduckgo.com', 'kiddle.co', 'swiggle.org.uk']);
export const THUMBNAIL_MARK = 'sgthumb=1';

const LOCKED = new Set(LOCKED_CATEGORIES);
const FRAMES = ['main_frame', 'sub_frame'];
/** What a blocked page's rules redirect: its frames, and `other` (`<link rel=prefetch>`). */
const PAGES = ['main_frame', 'sub_frame', 'other'];
/** Everything else, for locked lists: not even an image may load from those hosts. */
const NOT_PAGES = ['stylesheet', 'script', 'image', 'font', 'object', 'xmlhttprequest', 'ping', 'csp_report', 'media', 'websocket', 'webtransport', 'webbundle'];
/**
 * Categories of harmful content: while one is blocked for the group, the images, audio, video and
 * embedded objects of its listed domains are blocked inside every other page too, not only its
 * pages and frames (an innocent page must not show a listed site's pictures). Other categories
 * (games, shopping, social media…) block pages and frames only. Illegal content (the locked
 * lists) blocks every resource type already. Native DNR rules do this: nothing asks the worker
 * about a page's ordinary images, so they are never slowed.
 */
export const HARMFUL_CATEGORIES = Object.freeze(['pornography', 'violence', 'self-harm', 'extremism', 'gambling', 'drugs', 'hate-speech', 'discrimination']);
const HARMFUL = new Set(HARMFUL_CATEGORIES);
/** What a harmful category's rules block besides its pages (frames are pages: the block page). */
const EMBEDDED = ['image', 'media', 'object'];
/** `requestDomains` per rule; 200,000 was measured to install fine (see toolchain notes). */
export const CHUNK = 200_000;
/** Regex rules Chrome allows per extension is 1,000; keep room for SafeSearch. */
const MAX_PREFIX_RULES = 900;

const PROBE_HOST = (category) => `${category}.probe.schoolgate.invalid`;
const UNCATEGORISED_PROBE = 'https://uncategorised.probe.schoolgate.invalid/';

/** Probe URLs for the SafeSearch rules: engine id → a results page of that engine. */
const SAFE_SEARCH_PROBES = [
  { id: 'google', url: 'https://www.google.com/search?q=probe', regex: '^https?://((www|images)\\.)?google\\.(com|co\\.[a-z]{2}|com\\.[a-z]{2}|[a-z]{2})/(search|images|webhp)\\?' },
  { id: 'bing', url: 'https://www.bing.com/search?q=probe', regex: '^https?://((www|cn)\\.)?bing\\.com/((images|videos|news)/)?search\\?' },
  { id: 'duckduckgo', url: 'https://duckduckgo.com/?q=probe', regex: '^https?://([a-z0-9-]+\\.)*duckduckgo\\.com/(html|lite)?/?\\?(.*&)?q=' },
  { id: 'yahoo', url: 'https://search.yahoo.com/search?p=probe', regex: '^https?://([a-z0-9-]+\\.)*search\\.yahoo\\.com/search' },
  { id: 'brave', url: 'https://search.brave.com/search?q=probe', regex: '^https?://search\\.brave\\.com/(search|images|videos|news)\\?' },
  { id: 'startpage', url: 'https://www.startpage.com/sp/search?q=probe', regex: '^https?://([a-z0-9-]+\\.)*startpage\\.com/(sp|do)/d?search' },
];


function regexEscape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The RE2 pattern for a URL-prefix entry, matched at `/` boundaries like the engine. */
function prefixRegex({ host, path }) {
  const p = path.endsWith('/') ? regexEscape(path) : `${regexEscape(path)}([/?]|$)`;
  return `^https?://${regexEscape(host)}(:[0-9]+)?${p}`;
}

/**
 * Asks the engine, through a probe host per category, what each category gets for `group` at
 * `atMs`, and when that next changes.
 *
 * @param {object} pkg the wasm package (`Schoolgate`, `compileLists`)
 * @param {string|null} policyToml the policy in force (`null`: the built-in one)
 * @param {string[]} categories
 * @returns {{blocked: Set<string>, allowed: Set<string>, uncategorisedBlocked: boolean, nextChange: number|null}}
 */
export function probeCategories(pkg, policyToml, group, categories, atMs) {
  const probeList = categories.filter((c) => !LOCKED.has(c)).map((category) => ({
    name: `probe:${category}`, category, format: 'domains', text: `${PROBE_HOST(category)}\n`,
  }));
  const compiled = pkg.compileLists(probeList);
  const toml = policyToml ?? pkg.defaultPolicyToml();
  const probe = pkg.Schoolgate.fromPolicy(toml, [compiled.bytes]);
  try {
    const blocked = new Set();
    const allowed = new Set();
    let nextChange = null;
    const seeChange = (v) => {
      if (v.next_change != null && (nextChange === null || v.next_change < nextChange)) nextChange = v.next_change;
    };
    for (const { category } of probeList) {
      const v = probe.classify(`https://${PROBE_HOST(category)}/`, group, atMs);
      seeChange(v);
      // Only a decision made by the category itself says what the category gets.
      if (v.rule?.kind !== 'category' || v.category !== category) continue;
      (v.action === 'block' ? blocked : allowed).add(category);
    }
    const u = probe.classify(UNCATEGORISED_PROBE, group, atMs);
    seeChange(u);
    return { blocked, allowed, uncategorisedBlocked: u.rule?.kind === 'uncategorised' && u.action === 'block', nextChange };
  } finally {
    probe.free();
  }
}

/**
 * SafeSearch rules for the group, made from the engine's own rewrites of a probe search.
 * `redirects: false` leaves out the parameter redirects (only the header rule stays): when the
 * engine rewrites searches in a blocking webRequest listener, a DNR redirect of the same request
 * would compete with the listener's own answer (a blocked search must go to the block page, not
 * to its SafeSearch version).
 */
function safeSearchRules(sg, group, { redirects = true } = {}) {
  const out = [];
  for (const p of redirects ? SAFE_SEARCH_PROBES : []) {
    let ss;
    try {
      ss = sg.safeSearch(p.url, group);
    } catch {
      // No SafeSearch form for this engine in this policy: no rule for it.
      continue;
    }
    if (!ss?.rewrite) continue;
    const before = new URL(p.url).searchParams;
    const after = new URLSearchParams(ss.rewrite.split('?')[1] ?? '');
    const params = [];
    for (const [key, value] of after) if (before.get(key) !== value) params.push({ key, value, replaceOnly: false });
    if (!params.length) continue;
    out.push({
      key: `safe:${p.id}`,
      rule: {
        priority: PRIORITY.safeSearch,
        action: { type: 'redirect', redirect: { transform: { queryTransform: { addOrReplaceParams: params } } } },
        condition: { regexFilter: p.regex, resourceTypes: FRAMES },
      },
    });
  }
  let yt;
  try {
    yt = sg.safeSearch('https://www.youtube.com/', group);
  } catch {
    yt = null;
  }
  const headers = (yt?.headers ?? []).map(([header, value]) => ({ header, operation: 'set', value }));
  if (headers.length) {
    out.push({
      key: 'safe:youtube-header',
      rule: {
        priority: PRIORITY.safeSearch,
        action: { type: 'modifyHeaders', requestHeaders: headers },
        // Without resourceTypes a rule skips main_frame: list them all.
        condition: { requestDomains: [...SAFESEARCH_HEADER_HOSTS], resourceTypes: [...PAGES, ...NOT_PAGES] },
      },
    });
  }
  return out;
}

function chunks(array, size) {
  const out = [];
  for (let i = 0; i < array.length; i += size) out.push(array.slice(i, i + size));
  return out;
}

/**
 * Plans the DNR rules for an engine state at a moment: `{rules: [{key, sig, build}], nextChange,
 * counts}`. `sig` says when a rule must be rebuilt; `build()` makes the rule (domains are only
 * materialised for rules that are added).
 *
 * @param {object} args
 * @param {object} args.pkg the wasm package
 * @param {object} args.sg the engine in force
 * @param {string|null} args.policyToml its policy text (`null`: built-in)
 * @param {string} args.group
 * @param {number} args.atMs
 * @param {{key: string, category: string, format: string, text: () => string}[]} args.sources
 *   every list the engine uses (built-in and the school's), with a stable key per content
 * @param {string} args.blockPage `chrome-extension://<id>/blocked.html`
 * @param {boolean} [args.safeSearchRedirects] SafeSearch parameter redirects in DNR (default
 *   true); false when a blocking webRequest listener rewrites searches itself
 */
export function planRules({ pkg, sg, policyToml, group, atMs, sources, blockPage, safeSearchRedirects = true }) {
  const policy = sg.policy();
  const groupPolicy = policy.groups?.[group] ?? {};
  const categories = [...new Set([...Object.keys(policy.categories ?? {}), ...sources.map((s) => s.category)])];
  const probe = probeCategories(pkg, policyToml, group, categories, atMs);
  const rules = [];
  const counts = { domains: 0, prefixes: 0, prefixesSkipped: 0 };
  const redirect = { type: 'redirect', redirect: { regexSubstitution: `${blockPage}?src=dnr&u=\\0` } };
  const parsed = new Map();
  const read = (s) => {
    if (!parsed.has(s.key)) parsed.set(s.key, readListForDnr(s.text(), s.format));
    return parsed.get(s.key);
  };
  let prefixBudget = MAX_PREFIX_RULES;

  const domainRules = (keyBase, sigBase, list, make) => {
    const parts = chunks(list, CHUNK);
    parts.forEach((domains, i) => {
      counts.domains += domains.length;
      rules.push({ key: `${keyBase}:${i}`, sig: `${sigBase}:${i}:${domains.length}`, build: () => make(domains) });
    });
  };
  const prefixRules = (keyBase, list, make) => {
    for (const p of list) {
      if (prefixBudget <= 0) {
        counts.prefixesSkipped += 1;
        continue;
      }
      prefixBudget -= 1;
      counts.prefixes += 1;
      const regex = prefixRegex(p);
      rules.push({ key: `${keyBase}:${p.host}${p.path}`, sig: regex, build: () => make(regex) });
    }
  };

  // 1. Locked illegal-content lists: every group, every resource type.
  for (const s of sources.filter((x) => LOCKED.has(x.category))) {
    const { domains, prefixes } = read(s);
    domainRules(`locked:${s.key}`, `locked:${s.key}`, domains, (requestDomains) => [
      { priority: PRIORITY.locked, action: redirect, condition: { regexFilter: '^.*$', requestDomains, resourceTypes: PAGES } },
      { priority: PRIORITY.locked, action: { type: 'block' }, condition: { requestDomains, resourceTypes: NOT_PAGES } },
    ]);
    prefixRules(`locked-prefix:${s.key}`, prefixes, (regexFilter) => [
      { priority: PRIORITY.locked, action: redirect, condition: { regexFilter, resourceTypes: PAGES } },
    ]);
  }

  // 2. SafeSearch.
  for (const r of safeSearchRules(sg, group, { redirects: safeSearchRedirects })) {
    rules.push({ key: r.key, sig: JSON.stringify(r.rule), build: () => [r.rule] });
  }

  // 3. The group's own allow and deny entries.
  const allow = readPolicyEntries(groupPolicy.allow);
  const deny = readPolicyEntries(groupPolicy.deny);
  const sigOf = (list) => list.join(',').slice(0, 2000) + list.length;
  if (allow.domains.length) {
    domainRules(`allow:${group}`, `allow:${sigOf(allow.domains)}`, allow.domains, (requestDomains) => [
      { priority: PRIORITY.allowEntry, action: { type: 'allow' }, condition: { requestDomains, resourceTypes: [...PAGES, ...EMBEDDED] } },
    ]);
  }
  prefixRules(`allow-prefix:${group}`, allow.prefixes, (regexFilter) => [
    { priority: PRIORITY.allowEntry, action: { type: 'allow' }, condition: { regexFilter, resourceTypes: [...PAGES, ...EMBEDDED] } },
  ]);
  if (deny.domains.length) {
    domainRules(`deny:${group}`, `deny:${sigOf(deny.domains)}`, deny.domains, (requestDomains) => [
      { priority: PRIORITY.block, action: redirect, condition: { regexFilter: '^.*$', requestDomains, resourceTypes: PAGES } },
    ]);
  }
  prefixRules(`deny-prefix:${group}`, deny.prefixes, (regexFilter) => [
    { priority: PRIORITY.block, action: redirect, condition: { regexFilter, resourceTypes: PAGES } },
  ]);

  // 4. Categories blocked for this group right now (and, with `uncategorised = block`, the
  //    listed categories that are allowed, above a catch-all).
  for (const s of sources) {
    if (LOCKED.has(s.category)) continue;
    const blocked = probe.blocked.has(s.category);
    const allowedHere = probe.uncategorisedBlocked && probe.allowed.has(s.category);
    if (!blocked && !allowedHere) continue;
    const { domains, prefixes } = read(s);
    if (blocked) {
      const harmful = HARMFUL.has(s.category);
      domainRules(`cat:${s.key}`, `cat:${s.key}${harmful ? ':embedded' : ''}`, domains, (requestDomains) => [
        { priority: PRIORITY.block, action: redirect, condition: { regexFilter: '^.*$', requestDomains, resourceTypes: PAGES } },
        ...(harmful ? [{ priority: PRIORITY.block, action: { type: 'block' }, condition: { requestDomains, resourceTypes: EMBEDDED } }] : []),
      ]);
      prefixRules(`cat-prefix:${s.key}`, prefixes, (regexFilter) => [
        { priority: PRIORITY.block, action: redirect, condition: { regexFilter, resourceTypes: PAGES } },
      ]);
    } else {
      domainRules(`catallow:${s.key}`, `catallow:${s.key}`, domains, (requestDomains) => [
        { priority: PRIORITY.allowedCategory, action: { type: 'allow' }, condition: { requestDomains, resourceTypes: FRAMES } },
      ]);
    }
  }
  // 5. Pupils: results thumbnails load only when the content script released them (THUMBNAIL_HOSTS).
  const isStaff = Boolean(sg.groups().find((g) => g.name === group)?.staff);
  if (!isStaff) {
    rules.push({
      key: 'thumbnails',
      sig: `thumbnails:${THUMBNAIL_HOSTS.join(',')}:${THUMBNAIL_PAGES.join(',')}:${THUMBNAIL_MARK}`,
      build: () => [
        { priority: PRIORITY.thumbnailMarked, action: { type: 'allow' }, condition: { urlFilter: THUMBNAIL_MARK, requestDomains: [...THUMBNAIL_HOSTS], resourceTypes: ['image'] } },
        { priority: PRIORITY.thumbnail, action: { type: 'block' }, condition: { requestDomains: [...THUMBNAIL_HOSTS], initiatorDomains: [...THUMBNAIL_PAGES], resourceTypes: ['image'] } },
      ],
    });
  }
  if (probe.uncategorisedBlocked) {
    rules.push({
      key: 'catch-all',
      sig: 'catch-all',
      build: () => [{ priority: PRIORITY.catchAll, action: redirect, condition: { regexFilter: '^https?://.*$', resourceTypes: FRAMES } }],
    });
  }
  for (const r of rules) r.sig = `v${RULES_VERSION}:${r.sig}`;
  return { rules, nextChange: probe.nextChange, counts, blockedCategories: [...probe.blocked].sort() };
}

/**
 * Brings Chrome's dynamic rules in line with a plan, touching only rules whose signature
 * changed: at a time-window boundary only the games rules move, not a million domains.
 * `index` maps plan keys to `{ids, sig}` as last applied; returns the new index.
 * One `updateDynamicRules` call: Chrome applies it whole or not at all.
 */
export async function applyPlan(dnr, plan, index) {
  const next = {};
  const removeRuleIds = [];
  const addRules = [];
  const used = new Set();
  for (const entry of Object.values(index ?? {})) for (const id of entry.ids) used.add(id);
  let nextId = RULE_IDS.plan.first;
  const allocate = () => {
    while (used.has(nextId)) nextId += 1;
    used.add(nextId);
    return nextId;
  };
  const wanted = new Set(plan.rules.map((r) => r.key));
  for (const [key, entry] of Object.entries(index ?? {})) {
    if (!wanted.has(key)) removeRuleIds.push(...entry.ids);
  }
  for (const r of plan.rules) {
    const old = index?.[r.key];
    if (old && old.sig === r.sig) {
      next[r.key] = old;
      continue;
    }
    if (old) removeRuleIds.push(...old.ids);
    const built = r.build();
    const ids = built.map((rule) => {
      const id = allocate();
      addRules.push({ id, ...rule });
      return id;
    });
    next[r.key] = { ids, sig: r.sig };
  }
  // Ids being removed may be reused only after this update, so allocation above never reuses them.
  if (removeRuleIds.length || addRules.length) {
    await dnr.updateDynamicRules({ removeRuleIds, addRules });
  }
  return { index: next, added: addRules.length, removed: removeRuleIds.length };
}
