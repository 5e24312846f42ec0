// Node only: teachers' override codes on the device (issue 18) — the guessing guard (five wrong
// codes, then a wait that doubles), the record's entries (addresses cut, who approved), which
// overrides have ended, the site match, who may send a code (sw/messages.js: our block page in a
// tab only, never a frame, a content script or a web page), and the managed `overrideSecret`
// (checked, trimmed, never quoted). The real-Chromium half is tests/extension/overrides.test.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { GUESSES, freshGuard, guardWait, guardAfter, logEntry, appendLog, splitByEnd, hostInSite, cutAddress, LOG_CAP } from '../../extension/sw/override-guard.js';
import { admit } from '../../extension/sw/messages.js';
import { readManaged } from '../../extension/sw/config.js';

const ID = 'deohikanlmjlhjfeohlmnkkldjepeklp';
const page = (path, extra = {}) => ({ id: ID, url: `chrome-extension://${ID}/${path}`, origin: `chrome-extension://${ID}`, frameId: 0, ...extra });
const SECRET = `sgo1-${'0123456789abcdef'.repeat(4)}`;

test('five wrong codes in a row, then a wait that doubles up to an hour; a right code resets it', () => {
  let g = freshGuard();
  const t0 = 1_000_000;
  for (let i = 1; i < GUESSES.allowed; i += 1) {
    g = guardAfter(g, false, t0);
    assert.equal(guardWait(g, t0), 0, `after ${i} wrong codes no wait yet`);
  }
  g = guardAfter(g, false, t0);
  assert.equal(guardWait(g, t0), 5 * 60_000);
  assert.equal(guardWait(g, t0 + 5 * 60_000), 0, 'the wait ends');
  let t = t0 + 5 * 60_000;
  for (let i = 0; i < GUESSES.allowed; i += 1) g = guardAfter(g, false, t);
  assert.equal(guardWait(g, t), 10 * 60_000, 'the second lockout doubles');
  for (let k = 0; k < 6; k += 1) {
    t += 2 * 60 * 60_000;
    for (let i = 0; i < GUESSES.allowed; i += 1) g = guardAfter(g, false, t);
  }
  assert.equal(guardWait(g, t), GUESSES.maxWaitMs, 'at most an hour');
  assert.deepEqual(guardAfter(g, true, t), freshGuard());
  assert.equal(guardWait(undefined, t), 0);
});

test("the record says who asked, who approved, the scope and when; addresses lose their query", () => {
  const grant = { site: 'example.org', group: 'ks2', step: 1, starts_at: 1_767_607_260, ends_at: 1_767_610_860, minutes: 60 };
  const e = logEntry({ id: 'o-1', atMs: 1_767_607_260_000, outcome: 'granted', url: 'https://www.example.org/game?name=pupil#x', site: 'example.org', group: 'ks2', user: 'pupil@school.example', grant });
  assert.equal(e.kind, 'override');
  assert.equal(e.url, 'https://www.example.org/game');
  assert.equal(e.approvedBy, "a teacher's code");
  assert.equal(e.user, 'pupil@school.example');
  assert.equal(e.startsAt, '2026-01-05T10:01:00.000Z');
  assert.equal(e.endsAt, '2026-01-05T11:01:00.000Z');
  assert.equal(e.endedAt, null);
  const wrong = logEntry({ id: 'o-2', atMs: 0, outcome: 'wrong-code', url: 'not a url', group: 'ks2' });
  assert.equal(wrong.approvedBy, null);
  assert.equal(wrong.url, '');
  assert.equal(cutAddress('data:text/html,hi'), 'data:');
  let log = [];
  for (let i = 0; i < LOG_CAP + 5; i += 1) log = appendLog(log, { id: i });
  assert.equal(log.length, LOG_CAP);
  assert.equal(log[0].id, 5, 'the oldest go first');
});

test('an override ends at its end time exactly, and opens its site and subdomains only', () => {
  const a = { site: 'a.example', endsAtMs: 1000 };
  const b = { site: 'b.example', endsAtMs: 2000 };
  assert.deepEqual(splitByEnd([a, b], 999), { keep: [a, b], ended: [] });
  assert.deepEqual(splitByEnd([a, b], 1000), { keep: [b], ended: [a] });
  assert.deepEqual(splitByEnd(undefined, 0), { keep: [], ended: [] });
  assert.equal(hostInSite('a.example', 'a.example'), true);
  assert.equal(hostInSite('www.a.example', 'a.example'), true);
  assert.equal(hostInSite('notа.example', 'a.example'), false);
  assert.equal(hostInSite('xa.example', 'a.example'), false);
});

test('only our block page in a tab may send a code: never a frame, a content script or a web page', () => {
  const code = { type: 'override-code', url: 'https://games.example/', code: '123456' };
  assert.equal(admit(code, page('blocked.html?u=x'), ID).ok, true);
  assert.match(admit(code, page('blocked.html?u=x', { frameId: 3 }), ID).error, /inside a frame/);
  assert.match(admit(code, { id: ID, url: 'https://evil.example/', frameId: 0 }, ID).error, /only from the extension's own pages/);
  assert.match(admit(code, { id: 'someotherextensionid', url: 'chrome-extension://someotherextensionid/x.html' }, ID).error, /not from this extension/);
  assert.equal(admit({ ...code, code: '1'.repeat(41) }, page('blocked.html'), ID).ok, false);
  assert.equal(admit({ ...code, url: 7 }, page('blocked.html'), ID).ok, false);
  assert.equal(admit({ type: 'overrides-list' }, page('staff.html'), ID).ok, true);
  assert.match(admit({ type: 'overrides-list' }, page('blocked.html'), ID).error, /only from the staff page/);
});

test('overrideSecret: the output of `schoolgate override-secret` is kept (trimmed); anything else is a problem that never quotes it', () => {
  const good = readManaged({ overrideSecret: ` ${SECRET}\n` });
  assert.equal(good.config.overrideSecret, SECRET);
  assert.deepEqual(good.problems, []);
  for (const bad of ['sgo1-abc', SECRET.toUpperCase(), `${SECRET}00`, 'correct horse battery staple', 42]) {
    const r = readManaged({ overrideSecret: bad });
    assert.equal(r.config.overrideSecret, undefined, String(bad));
    assert.equal(r.problems.length, 1, String(bad));
    assert.match(r.problems[0], /^overrideSecret: expected sgo1- and 64 hexadecimal digits/);
    if (typeof bad === 'string') assert.ok(!r.problems[0].includes(bad.trim()), r.problems[0]);
    assert.deepEqual(r.invalid, [], 'not an enforcing key: a bad value only turns codes off');
  }
});
