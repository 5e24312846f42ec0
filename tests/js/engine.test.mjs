// Engine verdicts through the wasm package, from the same fixture files as
// crates/core/tests/engine_verdicts.rs: the Rust and JS sides must agree verdict for verdict.
// Every verdict is also checked against the hot path (`decideEncoded`).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { decide, decisionOf, engineFor, fixtureLines, schoolgate, unescapeFixture, utcMs } from './helpers.mjs';

const { Schoolgate } = schoolgate;
const WEDNESDAY_MORNING = '2026-11-25T10:00:00Z';
const builtin = new Schoolgate();
const groupIndex = (sg, name) => sg.groups().findIndex((g) => g.name === name);

/** Collects failures so one run reports every disagreeing line, as the Rust tests do. */
function report(failures) {
  assert.ok(failures.length === 0, `\n${failures.join('\n')}`);
}

test('engine.tsv: action, category, rule and checks agree with the Rust engine', () => {
  const failures = [];
  const lines = fixtureLines('verdicts/engine.tsv');
  assert.ok(lines.length >= 40, 'fixture file looks truncated');
  for (const [n, line] of lines) {
    const cols = line.split('\t');
    assert.ok(cols.length >= 6, `line ${n}: expected at least 6 columns`);
    const url = unescapeFixture(cols[0]);
    const atMs = utcMs(cols[2]);
    const v = builtin.classify(url, cols[1], atMs);
    const problems = [];
    if (v.action !== cols[3]) problems.push(`action ${v.action}`);
    if ((v.category ?? '-') !== cols[4]) problems.push(`category ${v.category}`);
    if (v.rule.kind !== cols[5]) problems.push(`rule ${v.rule.kind}`);
    if (cols[6] !== undefined) {
      const eq = cols[6].indexOf('=');
      const [key, want] = [cols[6].slice(0, eq), cols[6].slice(eq + 1)];
      const got = {
        carried: () => v.carried?.url ?? null,
        lookalike: () => v.lookalike_of,
        canonical: () => v.canonical,
        next: () => (v.next_change === null ? null : String(v.next_change)),
        flavour: () => v.flavour,
        alert: () => v.alerts[0]?.kind ?? null,
        rewrite: () => v.safe_search?.rewrite ?? null,
        header: () => (v.safe_search?.headers[0] ? v.safe_search.headers[0].join(': ') : null),
        terms: () => v.search?.terms ?? null,
      }[key];
      assert.ok(got, `line ${n}: unknown check ${key}`);
      const expected = key === 'next' ? String(utcMs(want) / 1000) : want;
      if (got() !== expected) problems.push(`${key} ${got()}, want ${expected}`);
    }
    const hot = decide(builtin, url, groupIndex(builtin, cols[1]), atMs / 1000);
    if (cols[1] !== 'nosuchgroup' && groupIndex(builtin, cols[1]) >= 0 && hot !== decisionOf(v)) {
      problems.push(`hot path ${hot}, classify ${decisionOf(v)}`);
    }
    if (problems.length) failures.push(`line ${n}: ${cols[0]}: ${problems.join('; ')}\n    reason: ${v.reason}`);
  }
  report(failures);
});

test('builtin-blocked.tsv: the built-in lists block what they list', () => {
  const at = utcMs(WEDNESDAY_MORNING);
  const lines = fixtureLines('verdicts/builtin-blocked.tsv');
  assert.ok(lines.length >= 60);
  const failures = [];
  for (const [n, line] of lines) {
    const [url, group, action, category] = line.split('\t');
    const v = builtin.classify(url, group, at);
    if (v.action !== action || v.category !== category) {
      failures.push(`line ${n}: ${url} for ${group}: ${v.action} ${v.category} — ${v.reason}`);
    }
    const hot = decide(builtin, url, groupIndex(builtin, group), at / 1000);
    if (hot !== decisionOf(v)) failures.push(`line ${n}: hot path ${hot}, classify ${decisionOf(v)}`);
  }
  report(failures);
});

test('must-allow.txt: learning resources are never blocked, in term time and in BST', () => {
  const lines = fixtureLines('verdicts/must-allow.txt');
  assert.ok(lines.length >= 80);
  const failures = [];
  for (const at of ['2026-11-25T10:00:00Z', '2026-11-25T12:30:00Z', '2026-06-13T20:00:00Z']) {
    for (const [gi, group] of ['eyfs', 'ks1', 'ks2', 'staff'].entries()) {
      assert.equal(builtin.groups()[gi].name, group);
      for (const [n, raw] of lines) {
        const url = raw.trim();
        const v = builtin.classify(url, group, utcMs(at));
        if (v.action === 'block' || v.matches.length > 0) failures.push(`line ${n}: ${url} (${group}, ${at}): ${v.reason}`);
        if (decide(builtin, url, gi, utcMs(at) / 1000) !== 0) failures.push(`line ${n}: ${url} (${group}, ${at}): hot path blocks`);
      }
    }
  }
  report(failures);
});

test('no policy can unblock locked lists (compileLists + fromPolicy with the fixture lists)', () => {
  const sg = engineFor('policies/engine/permissive.toml');
  const lockedUrls = [
    'https://abuse-standin.example/gallery/image001.jpg',
    'http://ABUSE-STANDIN.example./gallery/./image002.jpg',
    'https://cdn.whole-site-standin.invalid/anything',
    'https://mirror-standin.invalid/path/to/page.html',
    'https://terror-standin.example/videos/v1',
    'https://propaganda-standin.invalid/',
    'https://propaganda--standin-invalid.translate.goog/',
    'https://www.google.com/url?q=https%3A%2F%2Fwhole-site-standin.invalid%2F',
    'view-source:https://whole-site-standin.invalid/',
  ];
  const groups = sg.groups();
  assert.ok(groups.length >= 5);
  for (const url of lockedUrls) {
    for (const at of ['2026-11-25T10:00:00Z', '2026-11-28T23:59:00Z', '2026-06-10T12:30:00Z']) {
      const all = sg.classifyAllGroups(url, utcMs(at));
      assert.deepEqual(Object.keys(all), groups.map((g) => g.name));
      for (const [gi, { name }] of groups.entries()) {
        const v = all[name];
        assert.ok(v.action === 'block' && v.locked, `${url} for ${name}: ${v.reason}`);
        assert.ok(['child-abuse', 'terrorist-content'].includes(v.category), `${url}: ${v.category}`);
        assert.match(v.reason, /no setting can unblock/);
        assert.equal(decide(sg, url, gi, utcMs(at) / 1000), 2, `${url} for ${name}: hot path`);
      }
    }
  }
  // Other pages of the same sites stay as the policy says: URL entries are exact prefixes.
  const v = sg.classify('https://abuse-standin.example/about', 'staff', 0);
  assert.equal(v.action, 'allow', v.reason);
});

test('school lists allow and deny entries', () => {
  const sg = engineFor('policies/engine/school.toml');
  const at = utcMs(WEDNESDAY_MORNING);
  const judge = (url, group) => sg.classify(url, group, at);
  let v = judge('https://school-extra-game.example/play', 'ks2');
  assert.ok(v.action === 'block' && v.category === 'games', v.reason);
  assert.equal(judge('https://homework-helper.example/games/maths', 'ks2').action, 'block');
  assert.equal(judge('https://homework-helper.example/gamesroom', 'ks2').action, 'allow');
  v = judge('https://poki.com/en/g/times-tables', 'ks2');
  assert.ok(v.action === 'allow' && v.rule.kind === 'group-allow', v.reason);
  assert.equal(judge('https://poki.com/en/g/other-game', 'ks2').action, 'block');
  v = judge('https://en.wikipedia.org/wiki/Special:Random', 'ks2');
  assert.ok(v.action === 'block' && v.rule.kind === 'group-deny', v.reason);
  assert.equal(judge('https://en.wikipedia.org/wiki/World_War_II', 'ks2').action, 'allow');
  v = judge('https://www.roblox.com/', 'year6');
  assert.ok(v.action === 'allow' && v.reason.includes('Year 6'), v.reason);
  // A group's allow list never lets a wrapper carry something else through.
  assert.equal(judge('https://www-bet365-com.translate.goog/', 'year6').action, 'block');
});

test('an unknown group or an unreadable URL is a block verdict, not an exception', () => {
  const v = builtin.classify('https://www.bbc.co.uk/', 'year9');
  assert.equal(v.action, 'block');
  assert.deepEqual(v.rule, { kind: 'unknown-group', group: 'year9' });
  const bad = builtin.classify('http://exa mple.com/', 'ks2');
  assert.equal(bad.action, 'block');
  assert.equal(bad.rule.kind, 'unparseable');
  assert.equal(bad.canonical, null);
});

test('verdicts look exactly like the CLI JSON (null for absent fields, plain objects)', () => {
  const v = builtin.classify('https://www.bet365.com/', 'ks2', utcMs(WEDNESDAY_MORNING));
  assert.deepEqual(Object.keys(v), [
    'url', 'canonical', 'action', 'category', 'locked', 'reason', 'rule', 'group', 'carried',
    'lookalike_of', 'next_change', 'next_change_local', 'matches', 'search', 'safe_search',
    'flavour', 'alerts',
  ]);
  assert.equal(v.carried, null);
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.deepEqual(v.matches, [
    { key: 'bet365.com', kind: 'domain', category: 'gambling', source: 'built-in/gambling.txt', locked: false },
  ]);
  // atMs defaults to now.
  const now = builtin.classify('https://www.roblox.com/', 'ks2');
  assert.ok(now.action === 'allow' || now.action === 'block');
});

test("raw IP addresses are blocked for pupils except the school's own ([school] addresses), on both paths", () => {
  const toml = '[school]\nname = "Addresses Test"\naddresses = ["10.0.0.0/8", "192.168.1.20"]\n';
  const sg = Schoolgate.fromPolicy(toml, []);
  assert.deepEqual(sg.policy().school.addresses, ['10.0.0.0/8', '192.168.1.20']);
  const at = utcMs(WEDNESDAY_MORNING);
  const ks2 = groupIndex(sg, 'ks2');
  for (const own of ['http://10.1.2.3/mis', 'http://012.1.2.3/', 'http://192.168.1.20:8080/', 'http://[::ffff:a00:1]/']) {
    const v = sg.classify(own, 'ks2', at);
    assert.equal(v.action, 'allow', `${own}: ${v.reason}`);
    assert.equal(decide(sg, own, ks2, at / 1000), 0, `${own}: hot path`);
  }
  for (const other of ['http://192.168.1.21/', 'http://0x7f.1/', 'http://[64:ff9b::808:808]/', 'http://[2001:db8::1]/']) {
    const v = sg.classify(other, 'ks2', at);
    assert.equal(v.action, 'block', `${other}: ${v.reason}`);
    assert.equal(v.category, 'ip-address');
    assert.equal(decide(sg, other, ks2, at / 1000), 1, `${other}: hot path`);
    assert.equal(sg.classify(other, 'staff', at).action, 'allow');
  }
  assert.throws(() => Schoolgate.fromPolicy('[school]\nname = "X"\naddresses = ["10.0.0.1/8"]\n', []), /school\.addresses\[0\]/);
});
