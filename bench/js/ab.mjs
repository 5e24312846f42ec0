#!/usr/bin/env node
// Two builds of the WebAssembly package, side by side in one process, on the hot path as the
// extension calls it: is a change faster?
//
//   node bench/js/ab.mjs PKG_A PKG_B RULESET_FILE [--rounds N]
//
// PKG_A and PKG_B are folders holding a built package (schoolgate.js and schoolgate_bg.wasm, as
// scripts/build-wasm.sh leaves in pkg/; copy one away before building the other). RULESET_FILE is
// a compiled ruleset both engines load beside the built-in lists, e.g. the real lists written by
// `cargo run --release -p schoolgate-bench --example write_ruleset -- FILE`. The URLs are the real
// browser requests of ../shared/data/requests.
//
// Each URL is timed alone with each build, in a fresh shuffled order each round; the builds take
// turns round by round, the first rotating. On a shared machine speed drifts by tens of per cent
// over seconds, so two builds timed in separate runs cannot be compared to a few per cent; timed
// in turns, they meet the same drift. Prints each build's per-URL p50, p90 and mean (medians over
// the rounds; the timer's own cost is included in both alike).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REQUESTS = join(ROOT, '..', 'shared', 'data', 'requests', 'matching-test-requests.json');
const SCHOOL_DAY = 1_764_061_200;

const args = process.argv.slice(2);
const at = args.indexOf('--rounds');
const rounds = at >= 0 ? Number(args[at + 1]) : 11;
const [pkgA, pkgB, rulesetFile] = at >= 0 ? args.filter((_, i) => i !== at && i !== at + 1) : args;
if (!pkgA || !pkgB || !rulesetFile) {
  console.error('usage: node bench/js/ab.mjs PKG_A PKG_B RULESET_FILE [--rounds N]');
  process.exit(2);
}
if (!existsSync(REQUESTS)) {
  console.log(`skipped: ${REQUESTS} is not present`);
  process.exit(0);
}
const urls = JSON.parse(readFileSync(REQUESTS, 'utf8')).map((r) => r.url);
const ruleset = readFileSync(rulesetFile);

/** One build's hot path, in an instance of its own (the query string keeps the modules apart). */
async function hotPath(dir, tag) {
  const folder = resolve(dir);
  const sg = await import(`${pathToFileURL(join(folder, 'schoolgate.js')).href}?${tag}`);
  sg.initSync({ module: readFileSync(join(folder, 'schoolgate_bg.wasm')) });
  const engine = sg.Schoolgate.fromPolicy(sg.defaultPolicyToml(), [ruleset]);
  const group = engine.groups().findIndex((g) => g.name === 'ks2');
  const encoder = new TextEncoder();
  let input = engine.inputBuffer();
  return (url) => {
    if (input.byteLength === 0) input = engine.inputBuffer();
    const { written } = encoder.encodeInto(url, input);
    return engine.decideEncoded(written, group, SCHOOL_DAY);
  };
}

const calls = [await hotPath(pkgA, 'a'), await hotPath(pkgB, 'b')];
// The two builds must agree on every URL, or the comparison means nothing.
const differ = urls.filter((u) => calls[0](u) !== calls[1](u)).length;
const samples = calls.map(() => urls.map(() => []));
let seed = 7;
const order = urls.map((_, i) => i);
for (let r = 0; r < rounds; r++) {
  for (let i = order.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let k = 0; k < calls.length; k++) {
    const c = (k + r) % calls.length;
    const call = calls[c];
    for (const i of order) {
      const t = performance.now();
      call(urls[i]);
      samples[c][i].push((performance.now() - t) * 1e6);
    }
  }
}
const sorted = (v) => [...v].sort((a, b) => a - b);
const at50 = (v) => sorted(v)[v.length >> 1];
const pct = (v, p) => sorted(v)[Math.floor(p * (v.length - 1))];
for (const [name, dir, s] of [['A', pkgA, samples[0]], ['B', pkgB, samples[1]]]) {
  const medians = s.map(at50);
  const mean = medians.reduce((a, b) => a + b, 0) / medians.length;
  console.log(`${name} ${dir}: p50 ${at50(medians).toFixed(0)} ns, p90 ${pct(medians, 0.9).toFixed(0)} ns, mean ${mean.toFixed(0)} ns`);
}
console.log(`${urls.length} URLs, ${rounds} rounds; verdicts differ on ${differ} URLs`);
