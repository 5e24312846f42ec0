// The demo's one door to the Schoolgate package (`pkg/schoolgate.js`, built from crates/wasm).
// Everything that depends on which functions the package has is detected here.

/** A query string as a search box's form sends it (`a+b`, not `a%20b`). */
const form = (fields) => new URLSearchParams(fields).toString();

/** Search engines the tester can send search words to, with how each builds its results URL. */
export const SEARCH_ENGINES = Object.freeze([
  { id: 'google', name: 'Google', url: (q) => `https://www.google.com/search?${form({ q })}` },
  { id: 'bing', name: 'Bing', url: (q) => `https://www.bing.com/search?${form({ q })}` },
  { id: 'duckduckgo', name: 'DuckDuckGo', url: (q) => `https://duckduckgo.com/?${form({ q })}` },
  { id: 'youtube', name: 'YouTube', url: (q) => `https://www.youtube.com/results?${form({ search_query: q })}` },
]);

/** Loads and initialises the package. Throws an Error with a plain message if it is missing. */
export async function loadPackage() {
  let pkg;
  try {
    // The package beside this folder in both sites (www/pkg/, extension/pkg/), read where the module runs.
    pkg = await import(new URL('../pkg/schoolgate.js', import.meta.url).href);
  } catch (e) {
    throw new Error(`The Schoolgate engine (pkg/schoolgate.js) could not be loaded: build it with scripts/run.sh. (${e.message})`);
  }
  await pkg.default();
  return pkg;
}

/**
 * The built-in policy as people read it: the annotated file scripts/build-wasm.sh ships in the
 * package folder. The wasm's own `defaultPolicyToml()` is the same policy with its comment lines
 * blanked, to keep the download small; it is the answer when the file cannot be fetched, or is
 * not that policy (a stale copy, or a server's page for a missing file).
 * @param {object} pkg the loaded package
 * @param {URL} pkgFolder the package folder's URL, ending in `/`
 * @returns {Promise<string>}
 */
export async function builtinPolicyText(pkg, pkgFolder) {
  const compiled = pkg.defaultPolicyToml();
  try {
    const response = await fetch(new URL('builtin/default-policy.toml', pkgFolder));
    const text = response.ok ? await response.text() : '';
    if (annotates(text, compiled)) return text;
  } catch {
    // Offline, or served without the file: the package's copy is the same policy.
  }
  return compiled;
}

/** Whether `blanked` is `text` with its comment lines (`#` first) emptied, as the core's build does. */
function annotates(text, blanked) {
  const lines = text.split('\n');
  const kept = blanked.split('\n');
  return lines.length === kept.length
    && lines.every((line, i) => line === kept[i] || (/^\r?$/.test(kept[i]) && /^[ \t]*#/.test(line)));
}

/** What this build of the package can do. */
export function features(pkg, sg) {
  return {
    judgeSearch: typeof sg?.judgeSearch === 'function',
    safeSearch: typeof sg?.safeSearch === 'function',
    compileLists: typeof pkg.compileLists === 'function',
    fromPolicy: typeof pkg.Schoolgate?.fromPolicy === 'function',
    classifyAllGroups: typeof sg?.classifyAllGroups === 'function',
    policySummary: typeof sg?.policySummary === 'function',
  };
}

function tryCall(fn) {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/**
 * An engine plus what the page needs to know about its policy.
 * @param {object} pkg the loaded package
 * @param {object} sg a `Schoolgate`
 * @param {{custom?: boolean, listCount?: number}} [origin]
 */
export function describeEngine(pkg, sg, origin = {}) {
  // The presets, youngest first, as the core orders them (its own table, not a copy here).
  const presetOrder = pkg.coreFacts().presets;
  const policy = tryCall(() => sg.policy()) ?? {};
  const policyGroups = policy.groups ?? {};
  const groups = (tryCall(() => sg.groups()) ?? [])
    .map((g) => {
      const full = (Array.isArray(policyGroups) ? policyGroups.find((x) => x.name === g.name) : policyGroups[g.name]) ?? {};
      return { name: g.name, label: g.label ?? full.label ?? g.name, staff: Boolean(g.staff ?? full.staff), preset: g.preset ?? full.preset ?? (presetOrder.includes(g.name) ? g.name : undefined) };
    })
    .sort((a, b) => {
      const rank = (g) => {
        const i = presetOrder.indexOf(g.name);
        return i >= 0 ? i * 2 : presetOrder.indexOf(g.preset ?? 'ks2') * 2 + 1;
      };
      return rank(a) - rank(b) || a.name.localeCompare(b.name);
    });
  const school = policy.school ?? {};
  const tz = typeof school.timezone === 'string' ? school.timezone : (school.timezone?.name ?? 'Europe/London');
  return {
    pkg,
    sg,
    groups,
    schoolName: school.name ?? 'Schoolgate',
    timeZone: tz === 'UTC' ? 'UTC' : 'Europe/London',
    custom: Boolean(origin.custom),
    listCount: origin.listCount ?? 0,
    features: features(pkg, sg),
  };
}

/** Whether text looks like a web address rather than search words. */
export function looksLikeAddress(text) {
  const s = text.trim();
  if (!s || /\s/.test(s)) return false;
  if (/^[a-z][a-z0-9+.-]*:/i.test(s) && !/^[a-z0-9-]+:\d/i.test(s)) return true; // scheme:
  return /^[^/?#]+\.[^/?#.]{2,}([/?#:].*)?$/i.test(s) || /^\d+(\.\d+){1,3}([/:?#].*)?$/.test(s);
}

/** The URL to classify for the input: itself, with `https://` added, or a search page's URL. */
export function urlFor(text, as, engineId) {
  const s = text.trim();
  if (as === 'search') return (SEARCH_ENGINES.find((e) => e.id === engineId) ?? SEARCH_ENGINES[0]).url(s);
  if (/^[a-z][a-z0-9+.-]*:/i.test(s) && !/^[a-z0-9.-]+:\d/i.test(s)) return s;
  return `https://${s}`;
}

/**
 * Everything the tester shows for one input at one moment.
 * @returns {{url: string, as: 'url'|'search', terms?: string, groups: Array<{group, verdict?, search?, safeSearch?, error?}>}}
 */
export function runTest(engine, { text, as, engineId, atMs }) {
  const kind = as === 'auto' || !as ? (looksLikeAddress(text) ? 'url' : 'search') : as;
  const url = urlFor(text, kind, engineId);
  const { sg, features: f } = engine;
  let all = null;
  if (f.classifyAllGroups) all = sg.classifyAllGroups(url, atMs);
  const out = [];
  for (const group of engine.groups) {
    const row = { group };
    try {
      row.verdict = all?.[group.name] ?? sg.classify(url, group.name, atMs);
    } catch (e) {
      row.error = e.message ?? String(e);
    }
    if (kind === 'search' && f.judgeSearch) {
      row.search = tryCall(() => sg.judgeSearch(text.trim(), group.name));
    }
    if (f.safeSearch) row.safeSearch = tryCall(() => sg.safeSearch(url, group.name));
    out.push(row);
  }
  return { url, as: kind, terms: kind === 'search' ? text.trim() : undefined, groups: out };
}
