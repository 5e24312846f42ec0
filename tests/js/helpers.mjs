// Shared by the package's Node tests: loads the built package once, and reads the fixture files
// exactly as the Rust tests do (crates/core/tests/common/mod.rs), so both sides judge the same
// inputs and must agree verdict for verdict.

import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as schoolgate from '../../pkg/schoolgate.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PKG = join(ROOT, 'pkg');
export const FIXTURES = join(ROOT, 'tests', 'fixtures');

// Synchronous instantiation from bytes: what the extension's service worker does on a cold wake.
export const wasm = schoolgate.initSync({ module: readFileSync(join(PKG, 'schoolgate_bg.wasm')) });

export { schoolgate };

/** `tests/fixtures/<name>` as text. */
export function fixtureText(name) {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** Names of the files in `tests/fixtures/<dir>` ending with `ext`, sorted. */
export function fixtureFiles(dir, ext) {
  return readdirSync(join(FIXTURES, dir))
    .filter((f) => f.endsWith(ext))
    .sort();
}

/** Lines without comments and blank lines, with 1-based line numbers (as the Rust helper). */
export function fixtureLines(name) {
  return fixtureText(name)
    .split('\n')
    .map((line, i) => [i + 1, line.replace(/\r$/, '')])
    .filter(([, line]) => line.trim() !== '' && !line.startsWith('#'));
}

/**
 * `text` with every line whose first character other than a space or tab is `#` emptied: how the
 * package's built-in texts are compiled in (the core without `annotated-builtins`). None of them
 * has a multi-line string, the one place the core's rule differs.
 */
export function blankComments(text) {
  return text.replace(/^[ \t]*#.*$/gm, '');
}

/** Decodes `\t \r \n \\ \xNN` escapes into bytes (a URL is arbitrary bytes). */
export function unescapeFixture(text) {
  const src = new TextEncoder().encode(text);
  const out = [];
  for (let i = 0; i < src.length; ) {
    if (src[i] === 0x5c && i + 1 < src.length) {
      const c = String.fromCharCode(src[i + 1]);
      const simple = { t: 0x09, r: 0x0d, n: 0x0a, '\\': 0x5c }[c];
      if (simple !== undefined) {
        out.push(simple);
        i += 2;
      } else if (c === 'x' && i + 3 < src.length) {
        out.push(parseInt(String.fromCharCode(src[i + 2], src[i + 3]), 16));
        i += 4;
      } else {
        throw new Error(`unknown escape \\${c} in ${text}`);
      }
    } else {
      out.push(src[i]);
      i += 1;
    }
  }
  return new Uint8Array(out);
}

/** `2026-11-25T12:30:00Z` → Unix milliseconds (fixtures only use UTC). */
export function utcMs(text) {
  if (!(text.endsWith('Z') && text.length === 20)) throw new Error(`fixture times are UTC: ${text}`);
  return Date.parse(text);
}

/**
 * The hot path, as the extension calls it: UTF-8 written straight into wasm memory, then a
 * number back. Accepts a string or raw bytes. Re-fetches the view if memory grew since.
 */
export function decide(sg, url, groupIndex, atSecs) {
  let input = sg.inputBuffer();
  let written;
  if (typeof url === 'string') {
    ({ written } = new TextEncoder().encodeInto(url, input));
  } else {
    input.set(url.subarray(0, input.length));
    written = Math.min(url.length, input.length);
  }
  return sg.decideEncoded(written, groupIndex, atSecs);
}

/** The number `decideEncoded` returns for a verdict: 0 allow, 1 block, 2 block-locked. */
export function decisionOf(verdict) {
  if (verdict.action === 'allow') return 0;
  return verdict.locked ? 2 : 1;
}

/**
 * Builds an engine for a fixture policy, compiling the lists it names from their fixture files
 * with `compileLists` (as crates/core/tests/engine_verdicts.rs does with the core's builder).
 */
export function engineFor(policyFixture) {
  const toml = fixtureText(policyFixture);
  const policyDir = dirname(join(FIXTURES, policyFixture));
  const { Schoolgate, compileLists } = schoolgate;
  // The policy's [[lists]] are read from the policy object: the package owns their parsing.
  const policy = Schoolgate.fromPolicy(toml, []).policy();
  const lists = policy.lists.map((l) => ({
    name: l.path,
    category: l.category,
    format: l.format,
    text: readFileSync(join(policyDir, l.path), 'utf8'),
  }));
  const compiled = compileLists(lists);
  if (compiled.rejectedCount !== 0) throw new Error(JSON.stringify(compiled.rejected));
  return Schoolgate.fromPolicy(toml, [compiled.bytes]);
}
