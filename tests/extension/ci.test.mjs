// CI cannot go green on a skipped suite: under CI=true a browser suite that cannot run (here:
// no Chromium) fails the run, with the reason; without CI it skips, as on a developer's machine.
// Node only: the suite is run as a child `node --test` with Chromium pointed at a missing path (the
// first missing thing is named: the built package, Chromium or root), so no browser starts and no
// managed policy is written.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { ROOT } from './helpers.mjs';
import { isCi, skipOrFail, CannotRunUnderCi } from '../ci.mjs';

test('skipOrFail: a reason skips, under CI it fails; no reason runs', () => {
  assert.equal(skipOrFail(null, { ci: false }), false);
  assert.equal(skipOrFail(false, { ci: true }), false);
  assert.equal(skipOrFail('no Chromium', { ci: false }), 'no Chromium');
  assert.throws(() => skipOrFail('no Chromium', { ci: true }), (e) => e instanceof CannotRunUnderCi && /no Chromium.*Under CI=true a suite may not skip/.test(e.message));
  for (const v of ['true', 'TRUE', '1', 'yes', 'github']) assert.equal(isCi(v), true, v);
  for (const v of [undefined, '', '0', 'false', 'False', 'no']) assert.equal(isCi(v), false, String(v));
});

/** Runs one browser suite file with Chromium missing; returns its exit status, TAP counts and output. */
function runWithoutChromium(file, ci) {
  const env = { ...process.env, CHROMIUM: '/nonexistent/chromium' };
  delete env.NODE_TEST_CONTEXT; // a child `node --test` of its own, not a subtest of this one
  if (ci) env.CI = 'true';
  else delete env.CI;
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', join(ROOT, 'tests', 'extension', file)], { env, encoding: 'utf8', timeout: 60_000 });
  const count = (name) => Number((r.stdout.match(new RegExp(`^# ${name} (\\d+)$`, 'm')) ?? [])[1] ?? NaN);
  return { status: r.status, pass: count('pass'), fail: count('fail'), out: `${r.stdout}${r.stderr}` };
}

for (const file of ['failsafe.test.mjs', 'unpacked.test.mjs']) {
  test(`${file} without Chromium: skipped on a developer's machine, a failure under CI=true`, { timeout: 120_000 }, () => {
    const dev = runWithoutChromium(file, false);
    assert.equal(dev.status, 0, dev.out);
    // (A skipped `describe` is not in TAP's `# skipped` count: only its `# SKIP` line says so.)
    assert.equal(dev.fail, 0, dev.out);
    assert.match(dev.out, /# SKIP .*is missing/);

    const ci = runWithoutChromium(file, true);
    assert.notEqual(ci.status, 0, `under CI=true the run must fail:\n${ci.out}`);
    assert.ok(ci.fail >= 1, ci.out);
    assert.doesNotMatch(ci.out, /# SKIP/, ci.out);
    assert.equal(ci.pass, 0, ci.out);
    assert.match(ci.out, /is missing[^\n]*\. Under CI=true a suite may not skip/);
  });
}
