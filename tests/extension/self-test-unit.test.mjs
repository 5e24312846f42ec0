// The filter check's pure parts (extension/sw/self-test-results.js), in Node: a list's canary is
// its first entry the browser-native rules also take (never a host written into the check), the
// daily rule, and the results as the `filter-check` event carries them (docs/events.md: text of at
// most 2,048 characters, one line per result, every verdict kept however long the reasons). The
// check itself runs in real Chromium (tests/hub-e2e/filter-check.test.mjs).
//
//   node --test tests/extension/self-test-unit.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { canaryOf, dailyDue, result, resultsText, listsVersion, DAY_MS, RESULTS_CHARS } from '../../extension/sw/self-test-results.js';

test('a list\'s canary is its first entry the DNR rules take, from the list itself', () => {
  assert.equal(canaryOf('# IWF test stand-in\n\nabuse-standin.example\nother.example\n', 'domains'), 'abuse-standin.example');
  assert.equal(canaryOf('0.0.0.0 localhost\n0.0.0.0 bad.example\n', 'hosts'), 'bad.example');
  assert.equal(canaryOf('||tracker.example^\n', 'adblock'), 'tracker.example');
  // A public suffix, a wildcard in the middle, an IP address: not a host DNR blocks, skipped.
  assert.equal(canaryOf('co.uk\nwww.*.example\n192.0.2.1\nreal.example\n', 'domains'), 'real.example');
  // Empty, an error page, expressions only: no canary, so the check fails rather than guess.
  assert.equal(canaryOf('', 'domains'), null);
  assert.equal(canaryOf('<html><body>Moved</body></html>', 'domains'), null);
  assert.equal(canaryOf('casino AND bonus\n', 'expressions'), null);
  // A huge list is read from its top only.
  const big = `first.example\n${'x'.repeat(200_000)}\n`;
  assert.equal(canaryOf(big, 'domains'), 'first.example');
});

test('the daily check is due after a day, never having run, or when the clock went back', () => {
  const now = Date.UTC(2026, 11, 7, 9, 0);
  assert.equal(dailyDue(undefined, now), true);
  assert.equal(dailyDue(now - DAY_MS + 60_000, now), false);
  assert.equal(dailyDue(now - DAY_MS, now), true);
  assert.equal(dailyDue(now + 3_600_000, now), true);
});

test('results: one line each with its verdict, within the contract, failures kept whole longest', () => {
  const results = [
    result('canary gambling', true, 'bet365.com (from built-in/gambling.txt) goes to the block page (gambling)'),
    result('locked list child-abuse IWF', false, 'never loaded'),
    result('safesearch google', true, 'rewritten to ?q=x&safe=active by the navigation listener'),
  ];
  assert.equal(resultsText(results), [
    'pass canary gambling: bet365.com (from built-in/gambling.txt) goes to the block page (gambling)',
    'fail locked list child-abuse IWF: never loaded',
    'pass safesearch google: rewritten to ?q=x&safe=active by the navigation listener',
  ].join('\n'));
  // Thirty categories with long reasons: cut to the limit, every line kept, passes shortened first.
  const many = Array.from({ length: 30 }, (_, i) => result(`canary cat-${i}`, i !== 7, `${'reason '.repeat(40)}${i}`));
  const text = resultsText(many);
  assert.ok(text.length <= RESULTS_CHARS, `${text.length}`);
  const lines = text.split('\n');
  assert.equal(lines.length, 30);
  assert.ok(lines[7].startsWith('fail canary cat-7: reason'), lines[7]);
  assert.ok(lines[7].length > lines[6].length, 'the failure keeps more of its reason');
  assert.ok(lines.every((l, i) => l.startsWith(`${i === 7 ? 'fail' : 'pass'} canary cat-${i}`)));
  // A name cannot fake a verdict or a second line.
  assert.equal(resultsText([result('x: y\npass z', false, 'r')]), 'fail x  y pass z: r');
});

test('the lists\' version names the engine and each school list by its content key', () => {
  assert.equal(listsVersion('0.4.0', true, [{ key: 'a1b2c3d4e5f6' }, { key: '99887766aa' }]), 'engine 0.4.0; built-in lists + 2 school list(s) [a1b2c3d4,99887766]');
  assert.equal(listsVersion('0.4.0', false, []), 'engine 0.4.0; 0 school list(s)');
});

test('the filter check on demand: only the staff page may ask (with a staff code); no web page, content script or other page of ours', async () => {
  const { admit } = await import('../../extension/sw/messages.js');
  const own = 'abcdefghijklmnopabcdefghijklmnop';
  const ask = { type: 'self-test', code: '4821' };
  const staff = { id: own, url: `chrome-extension://${own}/staff.html`, origin: `chrome-extension://${own}` };
  assert.deepEqual(admit(ask, staff, own), { ok: true, kind: 'staff-command' });
  assert.equal(admit(ask, { id: own, url: `chrome-extension://${own}/blocked.html?u=x`, origin: `chrome-extension://${own}` }, own).ok, false);
  assert.equal(admit(ask, { ...staff, frameId: 2 }, own).ok, false, 'the staff page framed by a web page');
  assert.equal(admit(ask, { id: own, url: 'https://evil.example/', tab: { id: 3 } }, own).ok, false);
  assert.equal(admit(ask, { id: 'someoneelse', url: 'https://evil.example/' }, own).ok, false);
  assert.equal(admit({ ...ask, code: 'x'.repeat(201) }, staff, own).ok, false);
});

test('a list offers its first few hosts, for when the school allowed the first one on purpose', async () => {
  const { canariesOf } = await import('../../extension/sw/self-test-results.js');
  assert.deepEqual(canariesOf('# games\nroblox.com\nco.uk\nminecraft.net\nfortnite.com\n', 'domains', 2), ['roblox.com', 'minecraft.net']);
  assert.deepEqual(canariesOf('', 'domains'), []);
});
