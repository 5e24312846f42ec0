// Search terms and SafeSearch through the wasm package, from the same fixture files as
// crates/core/tests/search_fixtures.rs (`tests/fixtures/search/`). The Rust tests call the
// search module directly; here the same rows go through `judgeSearch`, `safeSearch` and the
// verdicts of whole search URLs, so Rust and JS must agree row for row.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { decide, decisionOf, engineFor, fixtureLines, schoolgate } from './helpers.mjs';

const sg = new schoolgate.Schoolgate();
const AT = Date.parse('2026-11-25T10:00:00Z');

/** Rows split on tabs, with `\u{…}` escapes decoded (as the Rust test's `unescape`). */
function rows(name) {
  return fixtureLines(`search/${name}`).map(([n, line]) => [
    n,
    line.split('\t').map((f) => f.replace(/\\u\{([0-9a-fA-F]+)\}/g, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))),
  ]);
}
const opt = (field) => (field === '-' ? null : field);
const alertNames = (alerts) =>
  alerts.map((a) => (a.kind === 'safeguarding' ? `safeguarding:${a.category}` : a.kind)).sort();
const describe = (v) =>
  `normalized=${JSON.stringify(v.normalized.text)} matches=[${v.matches.map((m) => `${m.category}:${m.phrase}=${m.weight}(${m.via})`).join(', ')}] blocked=${v.blocked} alerts=${JSON.stringify(v.alerts)}`;
const report = (failures, total, name) =>
  assert.ok(failures.length === 0, `${failures.length} of ${total} rows of ${name} failed:\n${failures.join('\n')}`);

test('must-block.tsv: judgeSearch blocks each row as the Rust core does', () => {
  const all = rows('must-block.tsv');
  const failures = [];
  for (const [n, [group, query, category, alerts, flavour]] of all) {
    const v = sg.judgeSearch(query, group);
    const problems = [];
    if (!v.blocked || !v.blocking_categories.includes(category)) problems.push(`not blocked as ${category}`);
    if (alerts !== undefined) {
      const want = alerts.split(',').filter((a) => a !== '-').sort();
      if (JSON.stringify(alertNames(v.alerts)) !== JSON.stringify(want)) problems.push(`alerts ${alertNames(v.alerts)}, expected ${want}`);
    }
    if (v.blocking_categories.includes('self-harm') && !v.flavour) problems.push('self-harm without the support or help-seeking flavour');
    if (flavour !== undefined && (v.flavour ?? '-') !== flavour) problems.push(`flavour ${v.flavour}, expected ${flavour}`);
    if (problems.length) failures.push(`line ${n}: ${group} ${JSON.stringify(query)}: ${problems.join('; ')}; ${describe(v)}`);
  }
  report(failures, all.length, 'must-block.tsv');
});

test('must-allow.tsv: judgeSearch allows each row as the Rust core does', () => {
  const all = rows('must-allow.tsv');
  const failures = [];
  for (const [n, [group, query, expectation]] of all) {
    const v = sg.judgeSearch(query, group);
    const check = {
      undefined: () => true,
      clean: () => v.matches.every((m) => m.weight <= 0 || m.category === 'help-seeking') && !v.flagged && !v.help_seeking && v.alerts.length === 0,
      education: () => v.education,
      alert: () => v.alerts.length > 0 && v.flavour === 'support',
    }[expectation];
    assert.ok(check, `line ${n}: unknown expectation ${expectation}`);
    if (v.blocked || !check()) failures.push(`line ${n}: ${group} ${JSON.stringify(query)} ${expectation}: ${describe(v)}`);
  }
  report(failures, all.length, 'must-allow.tsv');
});

test('search-urls.tsv: whole search URLs get the Rust core\'s action, category, flavour and alerts', () => {
  const all = rows('search-urls.tsv');
  const failures = [];
  for (const [n, [group, url, action, category, flavour, alerts]] of all) {
    const v = sg.classify(url, group, AT);
    const got = [v.action, v.action === 'block' ? (v.category ?? '-') : '-', v.flavour ?? '-', alertNames(v.alerts).join(',')];
    const want = [action, category, flavour, alerts.split(',').filter((a) => a !== '-').sort().join(',')];
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      failures.push(`line ${n}: ${group} ${url}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}${v.search ? `; ${v.search.vertical} ${describe(v.search)}` : ''}`);
    }
  }
  report(failures, all.length, 'search-urls.tsv');
});

test('declared-engines.tsv: searches on the engines a policy declares are judged as the Rust core judges them, on the hot path too', () => {
  const declared = engineFor('policies/good/search-engines.toml');
  const groups = declared.groups().map((g) => g.name);
  assert.deepEqual(declared.policy().search_engines.map((e) => [e.name, e.hosts]), [
    ['nICE', ['nice-search.example']],
    ['Regional Pictures', ['pictures.example', 'xn--bcher-kva.example']],
  ]);
  const all = rows('declared-engines.tsv');
  const failures = [];
  for (const [n, [group, url, action, category, flavour, alerts, engine, vertical]] of all) {
    const v = declared.classify(url, group, AT);
    const got = [v.action, v.action === 'block' ? (v.category ?? '-') : '-', v.flavour ?? '-', alertNames(v.alerts).join(','), v.search?.engine ?? '-', v.search?.vertical ?? '-'];
    const want = [action, category, flavour, alerts.split(',').filter((a) => a !== '-').sort().join(','), engine, vertical];
    if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`line ${n}: ${group} ${url}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    const hot = decide(declared, url, groups.indexOf(group), AT / 1000);
    if (hot !== decisionOf(v)) failures.push(`line ${n}: ${group} ${url}: decideEncoded ${hot}, classify ${v.action}`);
  }
  report(failures, all.length, 'declared-engines.tsv');
});

test('extract.tsv: verdicts of whole search URLs carry the search the Rust core extracts', () => {
  const all = rows('extract.tsv');
  const failures = [];
  for (const [n, [host, path, query, engine, kind, vertical, terms]] of all) {
    const url = `https://${host}${path}${opt(query) === null ? '' : `?${query}`}`;
    const v = sg.classify(url, 'staff', AT);
    const got = v.search && [v.search.engine, v.search.kind, v.search.vertical, v.search.terms];
    const want = opt(engine) && [engine, kind, vertical, terms];
    if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`line ${n}: ${url}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
  report(failures, all.length, 'extract.tsv');
});

test('safesearch.tsv: safeSearch gives the Rust core rewrites and headers, idempotently', () => {
  const all = rows('safesearch.tsv');
  const failures = [];
  for (const [n, [group, host, path, query, rewrite, header]] of all) {
    const url = `https://${host}${path}${opt(query) === null ? '' : `?${query}`}`;
    const got = sg.safeSearch(url, group);
    const headers = got.headers.map(([name, value]) => `${name}: ${value}`);
    const wantHeaders = opt(header) === null ? [] : [header];
    if (got.rewrite !== opt(rewrite) || JSON.stringify(headers) !== JSON.stringify(wantHeaders)) {
      failures.push(`line ${n}: ${url} (${group}): got ${JSON.stringify(got)}`);
      continue;
    }
    // The verdict of the same URL carries the same enforcement.
    const v = sg.classify(url, group, AT);
    if (got.engine !== null && JSON.stringify(v.safe_search) !== JSON.stringify(got)) failures.push(`line ${n}: verdict.safe_search ${JSON.stringify(v.safe_search)}`);
    if (got.rewrite !== null && sg.safeSearch(`https://${host}${got.rewrite}`, group).rewrite !== null) failures.push(`line ${n}: not idempotent`);
  }
  report(failures, all.length, 'safesearch.tsv');
});

test('search verdicts: a harmful search blocks with the support flavour and an alert', () => {
  const v = sg.classify('https://www.bing.com/search?q=how+to+kill+myself', 'ks2', AT);
  assert.equal(v.action, 'block');
  assert.equal(v.rule.kind, 'search');
  // A pupil's own words of hurting themselves are answered as a call for help (issue 15).
  assert.equal(v.flavour, 'help_seeking');
  assert.equal(sg.classify('https://www.bing.com/search?q=how+to+kill+myself', 'staff', AT).flavour, 'support');
  assert.equal(v.search.terms, 'how to kill myself');
  assert.ok(v.rule.phrases.length > 0);
  const clean = sg.classify('https://www.google.com/search?q=volcanoes', 'ks2', AT);
  assert.equal(clean.action, 'allow');
  assert.equal(clean.safe_search.rewrite, '/search?q=volcanoes&safe=active');
  assert.equal(sg.classify('https://www.thenational.academy/', 'ks2', AT).safe_search, null);
});

test('judgeSearch and safeSearch throw readable Errors for unknown groups and unreadable URLs', () => {
  assert.throws(() => sg.judgeSearch('cats', 'year9'), { message: 'unknown group `year9`; this policy has: eyfs, ks1, ks2, staff' });
  assert.throws(() => sg.safeSearch('https://www.google.com/search?q=x', 'year9'), /unknown group `year9`/);
  assert.throws(() => sg.safeSearch('http://exa mple.com/', 'ks2'), /^Error: invalid URL: invalid host/);
  assert.deepEqual(sg.safeSearch('https://www.thenational.academy/', 'ks2'), { engine: null, rewrite: null, headers: [] });
  assert.deepEqual(sg.safeSearch('data:,x', 'ks2'), { engine: null, rewrite: null, headers: [] });
});

test("a school's own search phrases (fromPolicy's searchPhrases) are judged with the built-in ones", () => {
  const toml = '[school]\nname = "Phrases Test"\n';
  const own = [{ name: 'school.txt', text: '[category: violence]\n200 playground fight club\n' }];
  const school = schoolgate.Schoolgate.fromPolicy(toml, [], own);
  const plain = schoolgate.Schoolgate.fromPolicy(toml, []);
  assert.equal(plain.judgeSearch('playground fight club', 'ks2').blocked, false);
  const v = school.judgeSearch('playground fight club', 'ks2');
  assert.ok(v.blocked && v.blocking_categories.includes('violence'), describe(v));
  assert.equal(school.judgeSearch('porn', 'ks2').blocked, true, 'built-in phrases still apply');
  assert.throws(
    () => schoolgate.Schoolgate.fromPolicy(toml, [], [{ name: 'bad.txt', text: '[category: violence]\nabc fight\n' }]),
    (e) => e instanceof Error && /^searchPhrases: bad\.txt:2: /.test(e.message),
  );
  assert.throws(() => schoolgate.Schoolgate.fromPolicy(toml, [], [{ text: 'x' }]), TypeError);
});
