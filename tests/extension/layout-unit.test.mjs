// The worker's layout, checked in Node: one module per concern (background.js only wires them),
// one table of DNR rule ids, one place that reads the managed configuration, one message router
// that answers every type sw/messages.js admits, and no fault swallowed without a trace (the
// fault log, sw/failures.js, is what the staff page shows).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { EXT_DIR } from './helpers.mjs';
import { RULE_IDS, REPORTED_RULE_BASE } from '../../extension/sw/rule-ids.js';
import { REPORTED_RULE_BASE as DNR_REPORTED_BASE } from '../../extension/sw/dnr.js';
import { appendFailure, failureEntry, FAILURE_CAP } from '../../extension/sw/failures.js';
import { QUERIES, PUPIL_ACTIONS, PRESS, ADULT_ACTIONS, STAFF_COMMANDS } from '../../extension/sw/messages.js';

const WORKER_FILES = ['background.js', ...readdirSync(join(EXT_DIR, 'sw')).filter((f) => f.endsWith('.js')).map((f) => `sw/${f}`)];
const source = (f) => readFileSync(join(EXT_DIR, f), 'utf8');

test('fault log: a ring of the newest faults, each cut short', () => {
  let ring = [];
  for (let i = 0; i < FAILURE_CAP + 7; i += 1) ring = appendFailure(ring, failureEntry(`step ${i}`, new Error(`fault ${i}`), 1000 + i));
  assert.equal(ring.length, FAILURE_CAP);
  assert.equal(ring[0].where, 'step 7', 'the oldest faults go first');
  assert.deepEqual(ring.at(-1), { at: 1000 + FAILURE_CAP + 6, where: `step ${FAILURE_CAP + 6}`, message: `fault ${FAILURE_CAP + 6}` });
  assert.deepEqual(appendFailure(undefined, failureEntry('x', 'plain text', 1)), [{ at: 1, where: 'x', message: 'plain text' }], 'a missing or damaged log starts again');
  assert.equal(failureEntry('x', new Error('e'.repeat(5000))).message.length, 300);
});

test('DNR rule ids: one table, ranges that never overlap, used by every part', () => {
  const ranges = Object.entries(RULE_IDS);
  for (const [name, r] of ranges) assert.ok(Number.isInteger(r.first) && r.first >= 1 && r.last >= r.first, name);
  for (const [a, ra] of ranges) {
    for (const [b, rb] of ranges) {
      if (a < b && ra.store === rb.store) assert.ok(ra.last < rb.first || rb.last < ra.first, `${a} and ${b} overlap`);
    }
  }
  assert.equal(REPORTED_RULE_BASE, RULE_IDS.reported.first);
  assert.equal(DNR_REPORTED_BASE, REPORTED_RULE_BASE);
  // No other file of the worker writes a rule id of its own.
  for (const f of WORKER_FILES.filter((f) => f !== 'sw/rule-ids.js')) {
    const text = source(f);
    assert.doesNotMatch(text, /\bid: \d|\bid = \d|removeRuleIds: \[\d|_RULE(_BASE)?\s*=\s*\d/, `${f} holds a rule id of its own`);
  }
});

test('managed configuration: read in one place only', () => {
  const readers = WORKER_FILES.filter((f) => /storage\.managed\.get\(/.test(source(f)));
  assert.deepEqual(readers, ['sw/managed.js']);
  assert.equal(source('sw/managed.js').match(/storage\.managed\.get\(/g).length, 1);
});

test('background.js only wires listeners to modules', () => {
  const text = source('background.js');
  assert.doesNotMatch(text, /^\s*(async\s+)?function\s/m, 'no function of its own');
  assert.doesNotMatch(text, /\bswitch\s*\(/, 'no message switch (sw/router.js has the one table)');
  assert.ok(text.split('\n').length < 150, 'a page of wiring');
});

test('message router: every admitted type has exactly one handler, and every handler a guard', () => {
  const admitted = [QUERIES, PUPIL_ACTIONS, PRESS, ADULT_ACTIONS, STAFF_COMMANDS].flatMap(Object.keys).sort();
  // The router's table and the report flow's, read from their source (they need Chrome to load).
  const keysOf = (text, name) => {
    const body = text.slice(text.indexOf(`${name} = Object.freeze({`));
    const block = body.slice(0, body.indexOf('\n});'));
    return [...block.matchAll(/^ {2}(?:'([^']+)'|([a-z][\w]*)):/gm)].map((m) => m[1] ?? m[2]);
  };
  const handled = [...keysOf(source('sw/router.js'), 'HANDLERS'), ...keysOf(source('sw/report-flow.js'), 'MESSAGE_HANDLERS')].sort();
  assert.deepEqual(handled, admitted);
  assert.match(source('sw/router.js'), /\.\.\.REPORT_HANDLERS/);
  assert.equal(WORKER_FILES.filter((f) => /onMessage\.addListener/.test(source(f))).length, 1, 'one onMessage listener');
});

test('worker: no fault swallowed without a trace (or a comment saying why it is not one)', () => {
  const silent = /\.catch\(\(\) => [^)]*\)|catch \{/;
  const found = [];
  for (const f of WORKER_FILES) {
    const lines = source(f).split('\n');
    lines.forEach((line, i) => {
      if (!silent.test(line)) return;
      const near = [line, lines[i - 1] ?? '', /catch \{/.test(line) ? lines[i + 1] ?? '' : ''];
      if (!near.some((l) => /\/\/|\/\*/.test(l))) found.push(`${f}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});

test('facts the core owns are read from the package, never copied: locked categories, built-in groups', { skip: !existsSync(join(EXT_DIR, 'core-facts.js')) && 'extension/core-facts.js not built' }, async () => {
  const pkg = await import('../../extension/pkg/schoolgate.js');
  pkg.initSync({ module: readFileSync(join(EXT_DIR, 'pkg', 'schoolgate_bg.wasm')) });
  const { coreFacts } = await import('../../extension/sw/core-facts-probe.js');
  const generated = await import('../../extension/core-facts.js');
  const fresh = coreFacts(pkg);
  assert.deepEqual([...generated.LOCKED_CATEGORIES], fresh.lockedCategories, 'core-facts.js is what the package says');
  assert.deepEqual(generated.BUILTIN_GROUPS.map((g) => ({ ...g })), fresh.groups);
  assert.ok(fresh.lockedCategories.includes('child-abuse') && fresh.lockedCategories.includes('terrorist-content'));
  const { LOCKED_CATEGORIES, STRICTEST_GROUP, UNMANAGED_GROUP } = await import('../../extension/sw/config.js');
  assert.equal(LOCKED_CATEGORIES, generated.LOCKED_CATEGORIES, 'sw/config.js uses the generated facts');
  for (const g of [STRICTEST_GROUP, UNMANAGED_GROUP]) assert.ok(fresh.groups.some((b) => b.name === g && !b.staff), `${g} is a built-in pupil group`);
  // No copy of the locked list anywhere in the extension's or the demo page's own code.
  const copies = [...WORKER_FILES.map((f) => join(EXT_DIR, f))].filter((f) => /\[\s*'child-abuse',\s*'terrorist-content'\s*\]/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(copies, []);
});

// The extension's and the demo page's own JavaScript and the UI they share (not the generated
// files, the package, or the build's copies of shared-ui/), read as text.
function ownScripts() {
  const root = join(EXT_DIR, '..');
  const generated = new Set(['extension/core-facts.js', 'extension/wasm-bytes.js', 'extension/builtin-rules.js', 'extension/worker.js']);
  const copies = /^(extension|www)\/(pkg|tester|ui|_locales|report|results\/find\.js)\//;
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (copies.test(`${rel}/`) || entry.name === 'node_modules') continue;
      if (entry.isDirectory()) walk(rel);
      else if (/\.m?js$/.test(entry.name) && !generated.has(rel)) out.push(rel);
    }
  };
  walk('extension');
  walk('www');
  walk('shared-ui');
  return out.map((f) => ({ f, text: readFileSync(join(root, f), 'utf8') }));
}

test('facts the core owns are read from the package, never copied: search engines, categories, presets', { skip: !existsSync(join(EXT_DIR, 'core-facts.js')) && 'extension/core-facts.js not built' }, async () => {
  const pkg = await import('../../extension/pkg/schoolgate.js');
  pkg.initSync({ module: readFileSync(join(EXT_DIR, 'pkg', 'schoolgate_bg.wasm')) });
  const generated = await import('../../extension/core-facts.js');
  const fresh = pkg.coreFacts();
  assert.deepEqual(JSON.parse(JSON.stringify(generated.SEARCH_ENGINES)), fresh.searchEngines, 'core-facts.js holds the core\'s engine table');
  assert.deepEqual([...generated.KNOWN_CATEGORIES], fresh.categories);
  assert.deepEqual([...generated.PRESETS], fresh.presets);
  assert.deepEqual(fresh.lockedCategories, [...generated.LOCKED_CATEGORIES], 'the probe and the core\'s own table agree on the locked categories');
  assert.ok(fresh.searchEngines.length >= 20 && fresh.categories.includes('gambling') && fresh.presets[0] === 'eyfs');

  // The worker's pre-check lets through every host the core's engine table serves from (it
  // errs wide: the engine decides), and the header hosts are the core's.
  const { maySearch, SAFESEARCH_HEADER_HOSTS } = await import('../../extension/sw/search-hosts.js');
  for (const e of fresh.searchEngines) {
    for (const d of e.domains) {
      assert.ok(maySearch(d) && maySearch(`www.${d}`), `${e.id}: ${d}`);
      assert.equal(pkg.canonicalize(`https://${d}/`), `https://${d}/`);
    }
    for (const n of e.anyTld) for (const host of [`${n}.com`, `www.${n}.co.uk`, `${n}.de`]) assert.ok(maySearch(host), `${e.id}: ${host}`);
  }
  for (const host of ['example.com', 'bbc.example', 'notbing.com', '']) assert.equal(maySearch(host), false, host);
  assert.deepEqual([...SAFESEARCH_HEADER_HOSTS].sort(), [...new Set(fresh.searchEngines.flatMap((e) => e.headerHosts))].sort());
  assert.ok(SAFESEARCH_HEADER_HOSTS.includes('www.youtube.com'));

  // Every host the core reads a search at is let through (the fixture the core's own tests read).
  const fixture = readFileSync(join(EXT_DIR, '..', 'tests', 'fixtures', 'search', 'extract.tsv'), 'utf8');
  let searched = 0;
  for (const line of fixture.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const [host, , , engine] = line.split('\t');
    if (engine === '-') continue;
    searched += 1;
    assert.ok(maySearch(host), `the core reads a ${engine} search at ${host}; the pre-check must let it through`);
  }
  assert.ok(searched > 20, 'the fixture has searches');

  // No own script keeps a list of the core's engines' hosts (three or more named on one line, as a
  // regex alternation or host names), nor the header hosts. The one exception is the results
  // pages the extension's own results finder reads (results/find.js): its knowledge, not the core's.
  const suffixOrPrefix = new Set(['com', 'co', 'org', 'net', 'ac', 'uk', 'ai', 'cz', 'ru', 'search', 'www', 'm']);
  const ids = [...new Set(fresh.searchEngines.flatMap((e) => [e.id, ...e.anyTld, ...e.domains.flatMap((d) => d.split('.'))]))].filter((l) => !suffixOrPrefix.has(l));
  const named = new RegExp(`(?<![\\w-])(${ids.join('|')})(?=\\\\?\\.[a-z]|\\|)|\\|(${ids.join('|')})\\b`, 'g');
  const exempt = /^export const THUMBNAIL_PAGES = /;
  const found = [];
  for (const { f, text } of ownScripts()) {
    text.split('\n').forEach((line, i) => {
      if (exempt.test(line) || /^\s*(\/\/|\*|\/\*)/.test(line)) return;
      const engines = new Set([...line.matchAll(named)].map((m) => m[1] ?? m[2]));
      const headerHosts = fresh.searchEngines.flatMap((e) => e.headerHosts).filter((h) => line.includes(`'${h}'`));
      if (engines.size >= 3 || headerHosts.length >= 2) found.push(`${f}:${i + 1}: ${[...engines, ...headerHosts].join(', ')}`);
    });
  }
  assert.deepEqual(found, [], 'engine host lists copied into JS');
  // Nor the core's category or preset lists.
  const categoryList = /'child-abuse',\s*'terrorist-content',\s*'discrimination'/;
  const presetList = /\[\s*'eyfs',\s*'ks1',\s*'ks2',\s*'staff'\s*\]/;
  assert.deepEqual(ownScripts().filter(({ text }) => categoryList.test(text) || presetList.test(text)).map(({ f }) => f), []);
});

test('shared UI: written once in shared-ui/, copied as is into the extension and the demo page', () => {
  const root = join(EXT_DIR, '..');
  const shared = join(root, 'shared-ui');
  for (const part of ['_locales/en_GB/messages.json', 'ui/interstitial.js', 'report/model.js', 'results/find.js', 'tester/tester.js', 'tester/markup.js']) {
    assert.ok(existsSync(join(shared, part)), `shared-ui/${part}`);
  }
  // Every copy is gitignored (nobody edits a copy) and, where built, the same bytes as its source.
  const ignored = readFileSync(join(root, '.gitignore'), 'utf8').split('\n');
  for (const site of ['extension', 'www']) {
    for (const part of ['_locales/', 'ui/', 'report/', 'tester/', 'results/find.js']) {
      assert.ok(ignored.includes(`/${site}/${part}`) || (site === 'www' && part === 'results/find.js' && ignored.includes('/www/results/')), `/${site}/${part} is gitignored`);
    }
    for (const part of ['ui/interstitial.js', 'report/model.js', 'results/find.js', 'tester/tester.js', '_locales/pl/messages.json']) {
      const copy = join(root, site, part);
      if (existsSync(copy)) assert.equal(readFileSync(copy, 'utf8'), readFileSync(join(shared, part), 'utf8'), `${site}/${part} is shared-ui/${part} as is`);
    }
  }
  // No build script rewrites imports on the way (one layout, the same relative paths in both sites).
  for (const script of readdirSync(join(root, 'scripts')).filter((f) => f.endsWith('.sh'))) {
    const text = readFileSync(join(root, 'scripts', script), 'utf8');
    assert.doesNotMatch(text, /\bsed\b[^\n]*(from|import)/, `scripts/${script} rewrites imports`);
  }
  // The tester's markup is written once (shared-ui/tester/markup.js), not in each page.
  for (const page of ['extension/staff.html', 'www/index.html']) {
    const html = readFileSync(join(root, page), 'utf8');
    assert.match(html, /<section id="tester"/, `${page} has a place for the tester`);
    assert.doesNotMatch(html, /id="tester-form"|id="results-summary"|name="as"/, `${page} repeats the tester's markup`);
  }
});

test('the policy in force, its lists and its DNR rules: one module each', () => {
  // sw/state.js holds the state (last good, managed configuration applied); it fetches nothing
  // and never touches DNR: lists are fetched and cached in sw/lists.js, DNR kept in line in sw/dnr-sync.js.
  assert.doesNotMatch(source('sw/state.js'), /\bfetch\(|declarativeNetRequest|textCache/);
  assert.match(source('sw/lists.js'), /export async function loadList\(/);
  assert.match(source('sw/lists.js'), /\bfetch\(/);
  assert.match(source('sw/dnr-sync.js'), /export function syncDnr\(/);
  const dnrWriters = WORKER_FILES.filter((f) => /updateDynamicRules\(/.test(source(f)));
  for (const f of dnrWriters) assert.ok(['sw/dnr.js', 'sw/dnr-sync.js', 'sw/report-store.js', 'sw/report-store.js'].includes(f), `${f} writes DNR rules`);
});

test('type checking: jsconfig.json covers every script of the extension, the shared UI and the demo page', () => {
  const config = JSON.parse(readFileSync(join(EXT_DIR, '..', 'jsconfig.json'), 'utf8'));
  assert.equal(config.compilerOptions.checkJs, true);
  assert.ok(config.compilerOptions.types.includes('chrome'), "Chrome's types");
  const globs = config.include.map((g) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(.*/)?').replace(/\*/g, '[^/]*')}$`));
  const unchecked = ownScripts().map(({ f }) => f).filter((f) => !globs.some((g) => g.test(f)));
  assert.deepEqual(unchecked, []);
  // scripts/test.sh runs it (and counts its errors as failures).
  assert.match(readFileSync(join(EXT_DIR, '..', 'scripts', 'test.sh'), 'utf8'), /tsc --noEmit -p jsconfig\.json/);
});

test('the report flow has one name: report', () => {
  // Its files (the worker's, the pages', the content script's) and its message types say
  // "report"; "tell an adult" is what the pupil reads, not a name in the code.
  const files = [...WORKER_FILES, ...readdirSync(join(EXT_DIR, 'pages')).map((f) => `pages/${f}`), ...readdirSync(join(EXT_DIR, 'content')).map((f) => `content/${f}`), ...readdirSync(EXT_DIR)];
  assert.deepEqual(files.filter((f) => /tell-adult|safety|cover|(^|\/)(held|delivery|reports)\.js/.test(f)), []);
  for (const f of ['sw/report-flow.js', 'sw/report-store.js', 'sw/report-held.js', 'sw/report-delivery.js', 'content/report.js', 'pages/report.js', 'report.html']) assert.ok(existsSync(join(EXT_DIR, f)), f);
  const types = [QUERIES, PUPIL_ACTIONS, PRESS, ADULT_ACTIONS, STAFF_COMMANDS].flatMap(Object.keys);
  assert.deepEqual(types.filter((t) => /adult|cover|tell|reports/.test(t)), []);
  assert.ok(['report-press', 'report-info', 'report-unlock', 'report-record', 'report-list', 'report-review'].every((t) => types.includes(t)));
  const manifest = JSON.parse(source('manifest.json'));
  assert.ok(manifest.content_scripts.some((c) => c.js.includes('content/report.js')));
  assert.ok(manifest.web_accessible_resources.some((w) => w.resources.includes('report.html')));
});

test('extension/README.md names only files that exist', () => {
  const root = join(EXT_DIR, '..');
  const text = readFileSync(join(EXT_DIR, 'README.md'), 'utf8');
  const generated = /^(pkg\/|wasm-bytes\.js|builtin-rules\.js|core-facts\.js|worker\.js|tester\/|ui\/|_locales\/|report\/|results\/find\.js)/;
  const missing = [];
  for (const [, path] of text.matchAll(/`([\w./-]+\.(?:js|html|json|css|sh|rs)|[\w-]+\/)`/g)) {
    if (generated.test(path)) continue; // built, or copied from shared-ui/ (checked there)
    // Bare names are the files of the folder the row is about (report/model.js, sw/config.js).
    const candidates = [join(EXT_DIR, path), join(root, path), join(root, 'shared-ui', 'report', path), join(EXT_DIR, 'sw', path)];
    if (!candidates.some((p) => existsSync(p))) missing.push(path);
  }
  assert.deepEqual(missing, []);
  // The copies' sources exist in shared-ui/.
  for (const part of ['ui/preview.html', 'tester/markup.js', 'report/cover.js', 'results/find.js']) assert.ok(existsSync(join(root, 'shared-ui', part)), part);
});

test('one block page: the extension\'s real block page never renders what its address\'s fragment says', () => {
  const root = join(EXT_DIR, '..');
  // The renderer both use reads nothing from the address; only the preview (framed by the demo's
  // gallery and the staff tester, never web-accessible) reads a fragment.
  const renderer = readFileSync(join(root, 'shared-ui', 'ui', 'block-page.js'), 'utf8');
  assert.doesNotMatch(renderer, /location\.hash|readFragment|hashchange/);
  assert.match(readFileSync(join(root, 'shared-ui', 'ui', 'preview.js'), 'utf8'), /readFragment\(location\.hash\)/);
  const page = source('pages/blocked.js');
  assert.match(page, /from '\.\.\/ui\/block-page\.js'/);
  assert.doesNotMatch(page, /preview\.js|readFragment/);
  const manifest = JSON.parse(readFileSync(join(EXT_DIR, 'manifest.json'), 'utf8'));
  const exposed = manifest.web_accessible_resources.flatMap((r) => r.resources);
  assert.ok(!exposed.some((r) => /preview|ui\//.test(r)), exposed.join(', '));
});

test('the service worker Chrome starts is one module: background.js and its imports bundled, current with its sources', async () => {
  // A waking worker loads and links every module of its graph before its first listener runs:
  // one module, not ~47, keeps a cold wake's navigation as fast as before the layout (BENCHMARKS.md).
  const manifest = JSON.parse(source('manifest.json'));
  assert.equal(manifest.background.service_worker, 'worker.js');
  assert.equal(manifest.background.type, 'module');
  const built = source('worker.js');
  assert.doesNotMatch(built, /^\s*(import|export)\b[^(]/m, 'the bundle imports nothing and exports nothing');
  const { bundleWorker } = await import('../../scripts/bundle-worker.mjs');
  assert.ok(built === (await bundleWorker()), 'extension/worker.js is older than its sources: run scripts/build-extension.sh');
  // Every module of the worker is in it, in the order background.js imports them.
  for (const f of WORKER_FILES.filter((f) => f !== 'background.js' && f !== 'sw/core-facts-probe.js')) assert.ok(built.includes(`// extension/${f}\n`), `${f} is not in the bundle`);
});
