// Node only: the `judge-results` message guard and the worker's answer (extension/sw/results.js)
// against the real engine. What a content script may ask, and what a pupil device tells it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT, EXT_ID } from './helpers.mjs';
import { skipOrFail } from '../ci.mjs';
import { admit } from '../../extension/sw/messages.js';

const built = existsSync(join(ROOT, 'extension', 'wasm-bytes.js')) && existsSync(join(ROOT, 'extension', 'pkg', 'schoolgate.js'));
const skip = skipOrFail(built ? false : 'extension/wasm-bytes.js is missing: run scripts/build-wasm.sh');

const contentScript = { id: EXT_ID, url: 'https://www.google.com/search?q=volcanoes', origin: 'https://www.google.com' };

test('a content script may ask judge-results, bounded to 500 addresses of 8 KB', () => {
  const ok = (urls) => admit({ type: 'judge-results', urls }, contentScript, EXT_ID);
  assert.deepEqual(ok(['https://www.bbc.co.uk/']), { ok: true, kind: 'query' });
  assert.deepEqual(ok([]), { ok: true, kind: 'query' });
  assert.equal(ok(Array(500).fill('https://a.example/')).ok, true);
  assert.equal(ok(Array(501).fill('https://a.example/')).ok, false);
  assert.equal(ok([`https://a.example/${'x'.repeat(8192)}`]).ok, false);
  assert.equal(ok(['https://a.example/', 42]).ok, false);
  assert.equal(ok('https://a.example/').ok, false);
  assert.equal(admit({ type: 'judge-results', urls: [] }, { id: 'another-extension', url: 'https://x.example/' }, EXT_ID).ok, false);
});

test('the answer: pupils get allow/block only; staff get every pupil group with reasons for the blocked', { skip }, async () => {
  const { Decider, builtin } = await import('../../extension/sw/engine.js');
  const { judgeBatch } = await import('../../extension/sw/results.js');
  const stateFor = (group) => ({ sg: builtin, group, groupInfo: builtin.groups().find((g) => g.name === group), decider: new Decider(builtin, group) });
  const urls = ['https://www.bbc.co.uk/bitesize', 'https://www.bet365.com/', 'https://www.tiktok.com/@a'];
  const at = Date.UTC(2026, 10, 25, 10, 0); // a school morning

  const pupil = judgeBatch(stateFor('ks2'), urls, at);
  assert.equal(pupil.staff, false);
  assert.deepEqual(pupil.verdicts, [{ action: 'allow' }, { action: 'block' }, { action: 'block' }]);
  assert.equal(pupil.groups, undefined, 'no other groups for a pupil');
  assert.ok(!JSON.stringify(pupil).includes('reason'), 'no reasons for a pupil');
  assert.equal(typeof pupil.ms, 'number');

  const staff = judgeBatch(stateFor('staff'), urls, at);
  assert.equal(staff.staff, true);
  assert.deepEqual(staff.groups.map((g) => g.short), ['EYFS', 'KS1', 'KS2']);
  assert.deepEqual(staff.verdicts.map((v) => v.action), ['allow', 'block', 'allow'], 'staff\'s own group decides what staff see');
  assert.deepEqual(staff.verdicts[0].groups.ks2, { action: 'allow' });
  assert.equal(staff.verdicts[2].groups.eyfs.action, 'block');
  assert.match(staff.verdicts[2].groups.eyfs.reason, /tiktok\.com is listed as Social media/);
  assert.equal(staff.verdicts[1].groups.ks1.category, 'gambling');
});
