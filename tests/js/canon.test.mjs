// Canonical URLs through the wasm package, from the same fixture file as
// crates/core/tests/canon_fixtures.rs (`tests/fixtures/canon.tsv`).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { fixtureLines, schoolgate, unescapeFixture } from './helpers.mjs';

const { canonicalize } = schoolgate;

/** As the Rust test renders a result: the URL, `other <scheme:rest>`, or `invalid: <why>`. */
function render(input) {
  let out;
  try {
    out = canonicalize(input);
  } catch (e) {
    assert.ok(e instanceof Error, 'canonicalize throws Errors');
    return `invalid: ${e.message}`;
  }
  // Web URLs come back as http(s)://…; anything else is another scheme's `scheme:rest`.
  return /^https?:\/\//.test(out) ? out : `other ${out}`;
}

test('canon.tsv: the package canonicalises every fixture as the Rust core does', () => {
  const lines = fixtureLines('canon.tsv');
  assert.ok(lines.length > 60, 'fixture file looks truncated');
  const failures = [];
  for (const [n, line] of lines) {
    const tab = line.indexOf('\t');
    assert.ok(tab > 0, `line ${n}: no tab`);
    const [input, want] = [line.slice(0, tab), line.slice(tab + 1)];
    const got = render(unescapeFixture(input));
    const ok = want.startsWith('invalid: ')
      ? got.startsWith('invalid: ') && got.includes(want.slice('invalid: '.length))
      : got === want;
    if (!ok) failures.push(`line ${n}: ${JSON.stringify(input)}\n   want ${want}\n    got ${got}`);
    // A canonical URL is its own canonical form.
    if (!want.startsWith('invalid: ') && !want.startsWith('other ')) {
      const again = render(want);
      if (again !== want) failures.push(`line ${n}: ${want} is not stable: it reads back as ${again}`);
    }
  }
  assert.ok(failures.length === 0, `\n${failures.join('\n')}`);
});

test('strings and bytes give the same answer for valid UTF-8', () => {
  for (const url of ['HTTP://Example.COM:80/a/../b?x#y', 'https://ｂｅｔ３６５。ｃｏｍ/', 'data:text/html,hi']) {
    assert.equal(canonicalize(url), canonicalize(new TextEncoder().encode(url)));
  }
});

test('an unreadable URL throws an Error saying why', () => {
  assert.throws(() => canonicalize(''), { name: 'Error', message: /^invalid URL: empty URL$/ });
  assert.throws(() => canonicalize('http://exa mple.com/'), (e) => e instanceof Error && /invalid host/.test(e.message));
  assert.throws(() => canonicalize(42), (e) => e instanceof TypeError && /string or a Uint8Array/.test(e.message));
});
