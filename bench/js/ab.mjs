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
// Each URL is timed alone with each build, as the verdict bench times it (harness.mjs): the
// builds take turns round by round, the first rotating. On a shared machine speed drifts by tens
// of per cent over seconds, so two builds timed in separate runs cannot be compared to a few per
// cent; timed in turns, they meet the same drift. Prints each build's per-URL p50, p90 and mean
// (medians over the rounds, the timer's own cost taken off).

import { existsSync, readFileSync } from 'node:fs';

import { REQUESTS, SCHOOL_DAY, loadEngine, perItemMediansInterleaved, summary } from './harness.mjs';

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

/** One build's hot path, in an instance of its own. */
async function hotPath(dir, tag) {
  const { engine, groupIndex } = await loadEngine(dir, [ruleset], tag);
  const encoder = new TextEncoder();
  let input = engine.inputBuffer();
  return (url) => {
    if (input.byteLength === 0) input = engine.inputBuffer();
    const { written } = encoder.encodeInto(url, input);
    return engine.decideEncoded(written, groupIndex, SCHOOL_DAY);
  };
}

const calls = [await hotPath(pkgA, 'a'), await hotPath(pkgB, 'b')];
// The two builds must agree on every URL, or the comparison means nothing.
const differ = urls.filter((u) => calls[0](u) !== calls[1](u)).length;
const medians = perItemMediansInterleaved(
  urls.length,
  rounds,
  7,
  calls.map((call) => (i) => call(urls[i])),
);
const ns = (v) => `${v.toFixed(0)} ns`;
for (const [name, dir, perUrl] of [['A', pkgA, medians[0]], ['B', pkgB, medians[1]]]) {
  const s = summary(perUrl);
  console.log(`${name} ${dir}: p50 ${ns(s.p50)}, p90 ${ns(s.p90)}, mean ${ns(s.mean)}`);
}
console.log(`${urls.length} URLs, ${rounds} rounds; verdicts differ on ${differ} URLs`);
