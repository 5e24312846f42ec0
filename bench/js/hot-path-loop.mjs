#!/usr/bin/env node
// The hot path in a plain loop, for counting the instructions a verdict takes under callgrind,
// which repeat to a few in a thousand where times on a shared machine move by tens of per cent:
//
//   for n in 1 11; do
//     PKG=pkg valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//       node --predictable --random-seed=1 --hash-seed=1 --no-liftoff --no-wasm-tier-up \
//       bench/js/hot-path-loop.mjs RULESET_FILE $n
//   done
//
// The difference of the two totals divided by 10 × 3,000 is the cost of one verdict: the first
// 3,000 real browser requests, each judged `ROUNDS` times. The URLs are encoded before the loop
// and copied into the engine's input buffer (`set`, a fixed cost), so the count is the core's
// work plus the call, not TextEncoder's, which valgrind's emulated CPU makes misleadingly slow.
// `--predictable` and the seeds make V8 deterministic; `--no-liftoff --no-wasm-tier-up` compiles
// the wasm with the optimising compiler only, as it runs once warm. PKG defaults to pkg/.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REQUESTS, ROOT, SCHOOL_DAY, loadEngine } from './harness.mjs';

const [rulesetFile, rounds] = process.argv.slice(2);
if (!rulesetFile || !rounds) {
  console.error('usage: node bench/js/hot-path-loop.mjs RULESET_FILE ROUNDS (see the comment at the top)');
  process.exit(2);
}
if (!existsSync(REQUESTS)) {
  console.log(`skipped: ${REQUESTS} is not present`);
  process.exit(0);
}
const { engine, groupIndex } = await loadEngine(process.env.PKG ?? join(ROOT, 'pkg'), [readFileSync(rulesetFile)]);
const input = engine.inputBuffer();
const encoder = new TextEncoder();
const urls = JSON.parse(readFileSync(REQUESTS, 'utf8'))
  .slice(0, 3000)
  .map((r) => encoder.encode(r.url));
let blocked = 0;
for (let r = 0; r < Number(rounds); r++) {
  for (const url of urls) {
    input.set(url);
    blocked += engine.decideEncoded(url.length, groupIndex, SCHOOL_DAY) === 0 ? 0 : 1;
  }
}
console.log(`${blocked} blocked verdicts`);
