// Policies through the wasm package, from the same fixture files as
// crates/core/tests/policy_fixtures.rs: every bad policy reports exactly the problems listed in
// `tests/fixtures/policies/bad/expected.tsv`, at the listed line and column, as an Error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PKG, blankComments, fixtureFiles, fixtureLines, fixtureText, schoolgate } from './helpers.mjs';
import { serve } from '../../scripts/serve.mjs';
import { builtinPolicyText } from '../../shared-ui/tester/engine.js';

const { Schoolgate, defaultPolicyToml } = schoolgate;

/** file → [[line, column, fragment]], in the order listed. */
function expectations() {
  const out = new Map();
  for (const [n, row] of fixtureLines('policies/bad/expected.tsv')) {
    const fields = row.split('\t');
    assert.equal(fields.length, 3, `expected.tsv line ${n}: three tab-separated fields`);
    const [line, column] = fields[1].split(':').map(Number);
    if (!out.has(fields[0])) out.set(fields[0], []);
    out.get(fields[0]).push([line, column, fields[2]]);
  }
  return out;
}

test('bad policies throw an Error listing every problem with its line and column', () => {
  const expected = expectations();
  const files = fixtureFiles('policies/bad', '.toml');
  assert.deepEqual(files, [...expected.keys()].sort(), 'every bad fixture needs rows in expected.tsv');
  const failures = [];
  for (const file of files) {
    let error;
    try {
      Schoolgate.fromPolicy(fixtureText(`policies/bad/${file}`), []);
      failures.push(`${file}: accepted`);
      continue;
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof Error, `${file}: throws an Error`);
    const rows = expected.get(file);
    const issues = error.issues;
    const text = (i) => `line ${i.line}, column ${i.column}: ${i.path ? `${i.path}: ` : ''}${i.message}`;
    const ok =
      Array.isArray(issues) &&
      issues.length === rows.length &&
      issues.every((issue, k) => {
        const [line, column, fragment] = rows[k];
        // The message carries each issue as `line L, column C: path: message`, in order.
        return issue.line === line && issue.column === column && text(issue).includes(fragment) && error.message.includes(text(issue));
      });
    if (!ok) failures.push(`${file}: expected ${JSON.stringify(rows)}\n got: ${error.message}`);
  }
  assert.ok(failures.length === 0, `\n${failures.join('\n\n')}`);
});

test('the error message is readable on its own', () => {
  const toml = '[school]\nname = "X"\n\n[groups.ks2.categories]\ngames = "alow"\n';
  assert.throws(
    () => Schoolgate.fromPolicy(toml, []),
    (e) =>
      e instanceof Error &&
      e.message.startsWith('invalid policy (1 problem):\nline 5, column 9: groups.ks2.categories.games: ') &&
      e.issues.length === 1 &&
      e.issues[0].path === 'groups.ks2.categories.games',
  );
});

test('good policies load', () => {
  const files = fixtureFiles('policies/good', '.toml');
  assert.ok(files.length >= 4);
  for (const file of files) {
    const sg = Schoolgate.fromPolicy(fixtureText(`policies/good/${file}`), []);
    assert.ok(sg.groups().length >= 4, file);
  }
});

test('the built-in policy: defaultPolicyToml() is the file with its comment lines blanked, the package ships the file, and new Schoolgate() uses it', () => {
  const file = fixtureText('../../crates/core/data/default-policy.toml');
  const toml = defaultPolicyToml();
  assert.equal(toml, blankComments(file));
  assert.equal(readFileSync(join(PKG, 'builtin', 'default-policy.toml'), 'utf8'), file);
  const fromText = Schoolgate.fromPolicy(toml, []);
  const builtin = new Schoolgate();
  assert.deepEqual(fromText.policy(), builtin.policy());
  assert.equal(fromText.policySummary(), builtin.policySummary());
  assert.deepEqual(Schoolgate.fromPolicy(file, []).policy(), builtin.policy());
  assert.deepEqual(builtin.groups().map((g) => g.name), ['eyfs', 'ks1', 'ks2', 'staff']);
  assert.ok(builtin.groups().find((g) => g.name === 'staff').staff);
  assert.match(builtin.policySummary(), /\[ks2\]/);
  const policy = builtin.policy();
  assert.equal(policy.school.timezone, 'Europe/London');
  assert.equal(policy.groups.ks2.categories.gambling.action, 'block');
  assert.ok(policy.groups.ks2.categories.games.action.allow_at.length >= 1);
});

test('pages show the package\'s annotated policy file, or defaultPolicyToml() when the file is missing or not that policy', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'schoolgate-builtin-'));
  const { server, url } = await serve({ root: dir, port: 0 });
  t.after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const folder = new URL('pkg/', url);
  const shown = () => builtinPolicyText(schoolgate, folder);
  assert.equal(await shown(), defaultPolicyToml(), 'no file');

  const annotated = readFileSync(join(PKG, 'builtin', 'default-policy.toml'), 'utf8');
  const served = join(dir, 'pkg', 'builtin', 'default-policy.toml');
  mkdirSync(join(dir, 'pkg', 'builtin'), { recursive: true });
  writeFileSync(served, annotated);
  assert.equal(await shown(), annotated);
  assert.match(await shown(), /^# Schoolgate's built-in policy/);

  const changed = annotated.replace('gambling = "block"', 'gambling = "allow"');
  assert.notEqual(changed, annotated);
  writeFileSync(served, changed);
  assert.equal(await shown(), defaultPolicyToml(), 'another policy');
  writeFileSync(served, '<!doctype html><title>Not found</title>');
  assert.equal(await shown(), defaultPolicyToml(), 'a page, not a policy');
});
