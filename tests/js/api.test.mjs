// The package's JavaScript surface: the hot path, fail-closed edges, exceptions, and the
// TypeScript declarations checked against real values so they cannot drift from the Rust types.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PKG, decide, decisionOf, fixtureText, schoolgate, wasm } from './helpers.mjs';

const { Schoolgate, compileLists, version } = schoolgate;
const sg = new Schoolgate();
const KS2 = sg.groups().findIndex((g) => g.name === 'ks2');
const AT = Date.parse('2026-11-25T10:00:00Z');
/** The core's longest URL (`canon::MAX_URL_BYTES`). */
const MAX_URL_BYTES = 64 * 1024;

test('inputBuffer is a reused 64 KiB (+4) view of wasm memory', () => {
  const a = sg.inputBuffer();
  const b = sg.inputBuffer();
  assert.ok(a instanceof Uint8Array);
  assert.equal(a.length, MAX_URL_BYTES + 4);
  assert.equal(a.buffer, wasm.memory.buffer);
  assert.equal(a.byteOffset, b.byteOffset, 'the same buffer every time');
  // Two engines never share a buffer.
  assert.notEqual(new Schoolgate().inputBuffer().byteOffset, a.byteOffset);
});

test('decideEncoded: 0 allow, 1 block, 2 block-locked, as classify says', () => {
  const sample = [
    ['https://www.bbc.co.uk/bitesize', 0],
    ['https://www.bet365.com/', 1],
    ['https://www-bet365-com.translate.goog/', 1],
    ['HTTP://WWW.BET365.COM.:443/x', 1],
    ['https://ｂｅｔ３６５。ｃｏｍ/', 1],
    ['data:text/html,hi', 1],
  ];
  for (const [url, want] of sample) {
    assert.equal(decide(sg, url, KS2, AT / 1000), want, url);
    assert.equal(decisionOf(sg.classify(url, 'ks2', AT)), want, url);
  }
  const locked = Schoolgate.fromPolicy(fixtureText('policies/engine/permissive.toml'), [
    compileLists([{ name: 'iwf', category: 'child-abuse', format: 'urls', text: 'abuse-standin.example/gallery\n' }]).bytes,
  ]);
  assert.equal(decide(locked, 'https://abuse-standin.example/gallery/1.jpg', 0, AT / 1000), 2);
  // Fractional seconds are floored, as classify floors milliseconds.
  assert.equal(decide(sg, 'https://www.roblox.com/', KS2, Date.parse('2026-11-25T12:14:59.999Z') / 1000), 1);
  assert.equal(decide(sg, 'https://www.roblox.com/', KS2, Date.parse('2026-11-25T12:15:00.000Z') / 1000), 0);
});

test('decideEncoded fails closed on bad arguments', () => {
  const input = sg.inputBuffer();
  const { written } = new TextEncoder().encodeInto('https://www.bbc.co.uk/', input);
  assert.equal(sg.decideEncoded(written, KS2, AT / 1000), 0);
  assert.equal(sg.decideEncoded(input.length + 1, KS2, AT / 1000), 1, 'len beyond the buffer');
  assert.equal(sg.decideEncoded(written, sg.groups().length, AT / 1000), 1, 'no such group');
  assert.equal(sg.decideEncoded(written, -1, AT / 1000), 1, 'negative index');
  assert.equal(sg.decideEncoded(written, KS2, NaN), 1, 'NaN time');
  assert.equal(sg.decideEncoded(written, KS2, Infinity), 1, 'infinite time');
  assert.equal(sg.decideEncoded(0, KS2, AT / 1000), 1, 'empty URL');
});

test('a URL longer than the core accepts is blocked, never judged by a truncated prefix', () => {
  const head = 'https://www.bbc.co.uk/';
  const fits = head + 'a'.repeat(MAX_URL_BYTES - head.length);
  assert.equal(decide(sg, fits, KS2, AT / 1000), decisionOf(sg.classify(fits, 'ks2', AT)));
  assert.equal(decide(sg, fits, KS2, AT / 1000), 0);
  for (const tail of ['a', 'é', '😀'.repeat(3), 'a'.repeat(10_000)]) {
    const long = fits + tail;
    assert.equal(sg.classify(long, 'ks2', AT).rule.kind, 'unparseable');
    assert.equal(decide(sg, long, KS2, AT / 1000), 1, `${tail.length} more characters`);
  }
});

test('after wasm memory grows, the old view is empty and a fresh one works', () => {
  const old = sg.inputBuffer();
  const pagesBefore = wasm.memory.buffer.byteLength;
  // Enough list text to make the allocator grow memory.
  const text = Array.from({ length: 200_000 }, (_, i) => `site-${i}.example`).join('\n');
  compileLists([{ name: 'big', category: 'games', format: 'domains', text }]);
  assert.ok(wasm.memory.buffer.byteLength > pagesBefore, 'memory grew');
  assert.equal(old.byteLength, 0, 'a view of the old memory is detached');
  assert.equal(decide(sg, 'https://www.bet365.com/', KS2, AT / 1000), 1, 'decide() re-fetches');
});

test('exceptions are Errors with readable messages', () => {
  const cases = [
    () => Schoolgate.fromPolicy('not = [toml', []),
    () => Schoolgate.fromPolicy('[school]\nname = "x"\n', [new Uint8Array([1, 2, 3])]),
    () => sg.classify({}, 'ks2'),
    () => sg.classify('https://example.com/', 'ks2', NaN),
    () => compileLists([{ name: 'a', category: 'games', format: 'nope', text: '' }]),
    () => schoolgate.canonicalize('http://[::1/'),
  ];
  for (const fn of cases) {
    assert.throws(fn, (e) => {
      assert.ok(e instanceof Error, `${fn}: ${e}`);
      assert.ok(e.message.length > 10 && !/^\[object|JsValue|undefined/.test(e.message), e.message);
      return true;
    });
  }
  assert.throws(() => Schoolgate.fromPolicy('not = [toml', []), (e) => /^invalid policy \(\d+ problems?\):\ninvalid TOML: line 1, column \d+: /.test(e.message));
});

test('rulesetFormat() is the header version of the bytes compileLists writes, and other formats are refused', () => {
  const { bytes } = compileLists([{ name: 'x', category: 'gambling', format: 'domains', text: 'example-casino.com\n' }]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 8)), 'SGRULES\0');
  assert.equal(view.getUint32(8, true), schoolgate.rulesetFormat());
  const older = bytes.slice();
  new DataView(older.buffer).setUint32(8, schoolgate.rulesetFormat() - 1, true);
  assert.throws(() => Schoolgate.fromPolicy(schoolgate.defaultPolicyToml(), [older]), /version/i);
});

test('version() is the crate version', () => {
  const cargo = readFileSync(join(PKG, '..', 'crates', 'wasm', 'Cargo.toml'), 'utf8');
  assert.equal(version(), cargo.match(/^version = "(.*)"/m)[1]);
});

/** Field names of `export interface NAME { … }` in the generated declarations. */
function declaredFields(dts, name) {
  const body = dts.match(new RegExp(`export interface ${name}(?: extends \\w+)? \\{([\\s\\S]*?)\\n\\}`));
  assert.ok(body, `interface ${name} is declared`);
  return [...body[1].matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]);
}

test('TypeScript declarations match the values the package returns', () => {
  const dts = readFileSync(join(PKG, 'schoolgate.d.ts'), 'utf8');
  const keys = (o) => Object.keys(o).sort();
  const fields = (name) => declaredFields(dts, name).sort();
  const v = sg.classify('https://www-bet365-com.translate.goog/', 'ks2', AT);
  assert.deepEqual(keys(v), fields('Verdict'));
  assert.deepEqual(keys(v.carried), fields('Carried'));
  assert.deepEqual(keys(v.matches[0]), fields('RuleMatch'));
  assert.deepEqual(keys(sg.groups()[0]), fields('GroupInfo'));
  const compiled = compileLists([{ name: 'a', category: 'games', text: 'example.org\nx y\n' }]);
  assert.deepEqual(keys(compiled), fields('CompiledLists'));
  assert.deepEqual(keys(compiled.rejected[0]), fields('RejectedLine'));
  assert.deepEqual(keys(compiled.lists[0]), fields('ListReport'));
  assert.deepEqual(keys(schoolgate.builtinLists()[0]), fields('BuiltinList'));
  assert.deepEqual(keys(schoolgate.parseList('p', 'example.org\n')), fields('ParsedListResult'));
  const policy = sg.policy();
  assert.deepEqual(keys(policy), fields('PolicyObject'));
  assert.deepEqual(keys(policy.groups.ks2), fields('PolicyGroup'));
  assert.deepEqual(keys(policy.groups.ks2.uncategorised), fields('PolicySetting'));
  try {
    Schoolgate.fromPolicy('[school]\nname = 1\n', []);
  } catch (e) {
    assert.deepEqual(keys(e.issues[0]), fields('PolicyIssue'));
  }
  // Every rule kind the declarations name is one the engine produces, and each has its fields.
  const ruleKinds = [...dts.matchAll(/\{ kind: "([a-z-]+)";([^}]*)\}/g)].map((m) => [m[1], [...m[2].matchAll(/(\w+): string/g)].map((f) => f[1])]);
  assert.ok(ruleKinds.length >= 8);
  const seen = [
    sg.classify('https://www.bet365.com/', 'ks2', AT).rule,
    sg.classify('https://www.bbc.co.uk/', 'ks2', AT).rule,
    sg.classify('data:,x', 'ks2', AT).rule,
    sg.classify('http://exa mple.com/', 'ks2', AT).rule,
    sg.classify('https://www.bbc.co.uk/', 'nope', AT).rule,
  ];
  for (const rule of seen) {
    const declared = ruleKinds.find(([kind]) => kind === rule.kind);
    assert.ok(declared, `rule kind ${rule.kind} is declared`);
    assert.deepEqual(keys(rule).filter((k) => k !== 'kind'), declared[1].sort());
  }
  // Everything the package exports is declared.
  for (const name of Object.keys(schoolgate).filter((n) => n !== 'default')) {
    assert.match(dts, new RegExp(`export (?:function|class) ${name}\\b`), name);
  }
  for (const method of ['classify', 'classifyAllGroups', 'groups', 'policySummary', 'policy', 'inputBuffer', 'decideEncoded']) {
    assert.equal(typeof sg[method], 'function', method);
    assert.match(dts, new RegExp(`\\n {4}${method}\\(`), method);
  }
});
