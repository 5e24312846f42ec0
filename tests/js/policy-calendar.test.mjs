// Term dates and INSET days through the wasm package (the extension's, the demo page's and its
// policy tester's engine): the same rows as crates/core/tests/policy_calendar.rs,
// `tests/fixtures/policies/calendar/decisions.tsv` under `policies/good/term-dates.toml`.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { fixtureLines, fixtureText, schoolgate } from './helpers.mjs';

const { Schoolgate } = schoolgate;

/** `2026-11-25T12:30:00Z` → Unix seconds. */
const utc = (text) => Date.parse(text) / 1000;

test('time windows follow the school\'s calendar: term time, holidays, INSET days', () => {
  const sg = Schoolgate.fromPolicy(fixtureText('policies/good/term-dates.toml'));
  const rows = fixtureLines('policies/calendar/decisions.tsv');
  assert.ok(rows.length >= 20);
  const wrong = [];
  for (const [n, row] of rows) {
    const [at, group, url, action, next] = row.split('\t');
    const v = sg.classify(url, group, utc(at) * 1000);
    const want = next === '-' ? null : utc(next);
    if (v.action !== action || v.next_change !== want) wrong.push(`line ${n}: ${row} → ${v.action}, ${v.next_change} (${v.next_change_local})`);
  }
  assert.deepEqual(wrong, []);
  const games = sg.classify('https://www.coolmathgames.com/', 'ks2', utc('2026-09-07T10:00:00Z') * 1000);
  assert.match(games.reason + JSON.stringify(games.rule), /in term time/);
  sg.free();
});

test('the policy as JSON keeps each window\'s calendar (the tester shows it)', () => {
  const sg = Schoolgate.fromPolicy(fixtureText('policies/good/term-dates.toml'));
  const ks2 = sg.policy().groups.ks2.categories.games.action;
  assert.deepEqual(ks2.allow_at.map((w) => w.calendar), ['term', 'holidays']);
  const streaming = sg.policy().groups.ks2.categories.streaming.action;
  assert.equal(streaming.allow_at[0].calendar, undefined, '"always" is written as before');
  sg.free();
});
