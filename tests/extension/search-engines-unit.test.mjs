// Engines a school declares in its policy (`[[search_engines]]`, docs/policy.md), in the worker,
// checked in Node on the built package: the navigation's hot path (`Decider`, what every
// navigation asks, sw/navigation.js) judges their searches, and the worker's search-host
// pre-check (sw/search-hosts.js), which search alerts and monitoring events pass through, lets
// their hosts through from the policy in force. Same fixtures as the core's tests
// (tests/fixtures/policies/good/search-engines.toml, tests/fixtures/search/declared-engines.tsv).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { EXT_DIR, ROOT } from './helpers.mjs';

const built = existsSync(join(EXT_DIR, 'wasm-bytes.js')) && existsSync(join(EXT_DIR, 'core-facts.js'));
const skip = !built && !process.env.CI && 'the extension is not built (scripts/build-wasm.sh)';
const fixture = (name) => readFileSync(join(ROOT, 'tests', 'fixtures', name), 'utf8');
const AT = Date.parse('2026-11-25T10:00:00Z');

test('a declared engine\'s searches are judged on the navigation hot path, and its hosts pass the worker\'s pre-check', { skip }, async () => {
  const { pkg, Decider, ALLOW, BLOCK } = await import('../../extension/sw/engine.js');
  const { maySearch, declaredHosts } = await import('../../extension/sw/search-hosts.js');
  const sg = pkg.Schoolgate.fromPolicy(fixture('policies/good/search-engines.toml'), []);
  const hosts = declaredHosts(sg.policy());
  assert.deepEqual(hosts, ['nice-search.example', 'pictures.example', 'xn--bcher-kva.example']);
  assert.deepEqual(declaredHosts(new pkg.Schoolgate().policy()), [], 'the built-in policy declares none');

  // The pre-check: the policy's hosts and their subdomains, and nothing else.
  for (const host of [...hosts, 'www.nice-search.example']) {
    assert.ok(maySearch(host, hosts), host);
    assert.equal(maySearch(host), false, `${host} is no engine of the core's own`);
  }
  for (const host of ['notnice-search.example', 'nice-search.example.evil.test', 'example']) assert.equal(maySearch(host, hosts), false, host);
  assert.ok(maySearch('www.google.co.uk', hosts), 'the core\'s engines still pass');

  // Every row of the shared fixture: the worker's Decider (the extension's per-navigation
  // answer) says what the core's full verdict says, and every search the core finds passes the
  // pre-check.
  const deciders = new Map();
  const failures = [];
  for (const line of fixture('search/declared-engines.tsv').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [group, url, action, , , , engine] = line.split('\t');
    if (!deciders.has(group)) deciders.set(group, new Decider(sg, group));
    const code = deciders.get(group).decide(url, AT);
    if ((action === 'block' ? BLOCK : ALLOW) !== code) failures.push(`${group} ${url}: Decider says ${code}, the fixture ${action}`);
    const host = new URL(url).hostname;
    if (engine !== '-' && !maySearch(host, hosts)) failures.push(`${url}: a ${engine} search the pre-check would not let through`);
  }
  assert.deepEqual(failures, []);
});

test('the worker\'s state keeps the declared hosts, and search alerts and events read them', () => {
  const source = (f) => readFileSync(join(EXT_DIR, 'sw', f), 'utf8');
  assert.match(source('state.js'), /searchHosts: declaredHosts\(policy\)/);
  assert.match(source('search-alerts.js'), /maySearch\(host, state\.searchHosts\)/);
  assert.match(source('events.js'), /maySearch\(hostOf\(before\), s\.searchHosts\)/);
});
