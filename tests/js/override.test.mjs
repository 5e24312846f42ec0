// Teachers' override codes through the wasm package, from the same fixture as
// crates/core/tests/override_code.rs (tests/fixtures/override-code/cases.json): the codes' values,
// the site a URL opens, what `verifyOverride` opens and refuses (locked lists, never_override,
// deny entries, wrappers), and what an override in force opens (`overridePermits`).
//
// The codes here are computed with WebCrypto, independently of the core, so a change to the
// core's algorithm cannot pass by changing the fixture alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { fixtureText, schoolgate } from './helpers.mjs';
import { codeFor } from './override-codes.mjs';

const { Schoolgate, compileLists } = schoolgate;
const cases = JSON.parse(fixtureText('override-code/cases.json'));

function fixtureEngine() {
  const policy = fixtureText('override-code/policy.toml');
  const lists = [...policy.matchAll(/path = "([^"]+)"\ncategory = "([^"]+)"\nformat = "([^"]+)"/g)]
    .map(([, path, category, format]) => ({ name: path, category, format, text: fixtureText(`override-code/${path}`) }));
  assert.equal(lists.length, 4);
  return Schoolgate.fromPolicy(policy, [compileLists(lists).bytes]);
}

const sg = fixtureEngine();

test('the fixture codes are what HMAC-SHA256 TOTP gives, and the core accepts them', async () => {
  for (const c of cases.codes) {
    const mine = await codeFor(cases.secret, c.site, c.group, c.at);
    assert.equal(mine.code, c.code, JSON.stringify(c));
    assert.equal(mine.step, c.step);
    assert.equal(mine.acceptedUntil, c.accepted_until);
  }
});

test('each URL opens its registrable domain', () => {
  for (const [url, site] of cases.sites) {
    assert.equal(sg.overrideScope(url, 'ks2', 0).site, site, url);
  }
});

test('verifyOverride opens what a code may open and nothing else', async () => {
  for (const c of cases.verify) {
    let { code } = c;
    if (code === 'right') {
      const from = c.code_from ?? {};
      const site = from.site ?? sg.overrideScope(c.url, c.group, c.at * 1000).site;
      code = (await codeFor(cases.secret, site, from.group ?? c.group, from.at ?? c.at)).code;
    }
    const r = sg.verifyOverride(cases.secret, c.url, c.group, code, c.at * 1000, c.last_used_step);
    const outcome = r.ok ? 'granted' : r.error === 'refused' ? `refused:${r.refusal.kind}` : r.error;
    assert.equal(outcome, c.expect, `${c.name}: ${JSON.stringify(r)}`);
    if (r.ok) {
      assert.equal(r.grant.site, c.site, c.name);
      assert.equal(r.grant.ends_at, c.ends_at, c.name);
      assert.equal(r.grant.minutes, 45);
    } else {
      assert.equal(typeof r.message, 'string');
    }
    // What the block page is told before any code is typed agrees with the verdict on the code.
    const scope = sg.overrideScope(c.url, c.group, c.at * 1000);
    if (c.expect.startsWith('refused:')) {
      assert.equal(scope.refusal?.kind, c.expect.slice('refused:'.length), c.name);
      assert.match(scope.message, /\S/);
    } else {
      assert.equal(scope.refusal, null, c.name);
    }
  }
});

test('an override in force opens only what a code may open', () => {
  for (const c of cases.permits) {
    assert.equal(sg.overridePermits(c.url, c.group, c.site, c.at * 1000), c.expect, c.name);
  }
});

test('a secret that is not sgo1- and 64 hexadecimal digits is refused, without quoting it', () => {
  for (const bad of ['', 'sgo1-abc', `sgo2-${'a'.repeat(64)}`, `sgo1-${'z'.repeat(64)}`]) {
    const r = sg.verifyOverride(bad, 'https://games-standin.example/', 'ks2', '123456', Date.now());
    assert.equal(r.ok, false);
    assert.equal(r.error, 'secret');
    if (bad.length > 8) assert.ok(!r.message.includes(bad.slice(5)), r.message);
  }
});

test('the policy object carries never_override and override_minutes', () => {
  const policy = sg.policy();
  assert.deepEqual(policy.never_override, ['pornography', 'proxy-vpn']);
  assert.equal(policy.override_minutes, 45);
  const builtin = new Schoolgate().policy();
  assert.ok(builtin.never_override.includes('pornography'));
  assert.equal(builtin.override_minutes, 60);
});
