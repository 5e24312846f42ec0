// What the Node benches share: the real requests' file, the moment and group every verdict is
// for, timing each item alone as crates/bench's `per_item_medians` does, and loading a built
// package's hot path.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DATA = join(ROOT, '..', 'shared', 'data');
/** The real browser requests (../shared/data/requests). */
export const REQUESTS = join(DATA, 'requests', 'matching-test-requests.json');
/** Tuesday 25 November 2025, 09:00 UTC: a school-day moment, as crates/bench's SCHOOL_DAY. */
export const SCHOOL_DAY = 1_764_061_200;
/** The group every verdict is for, as crates/bench's GROUP. */
export const GROUP = 'ks2';

/** Median of an array of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Nearest-rank percentiles, as crates/bench's `Summary::of`. */
export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length, Math.max(1, Math.ceil(p * s.length))) - 1];
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

/** Median cost of an empty pair of timer reads, in nanoseconds. */
function timerOverheadNs() {
  const samples = [];
  for (let i = 0; i < 10_001; i++) {
    const t = performance.now();
    samples.push((performance.now() - t) * 1e6);
  }
  return median(samples);
}

/** Deterministic shuffle (xorshift), so runs time URLs in comparable orders. */
function shuffler(seed) {
  let x = BigInt(seed) | 1n;
  const next = () => {
    x ^= (x << 13n) & 0xffffffffffffffffn;
    x ^= x >> 7n;
    x ^= (x << 17n) & 0xffffffffffffffffn;
    return Number(x & 0xffffffffn);
  };
  return (a) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = next() % (i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
  };
}

/**
 * Each item timed alone with each of `calls` (functions of the item's index), `rounds` times in a
 * fresh shuffled order, minus the timer's own cost; returns, for each call, every item's median
 * in ns. The calls take turns round by round (each runs over all items in the round's order, who
 * goes first rotating), so that they are timed over the same stretch of time: on a shared machine
 * speed drifts over seconds, and timing one engine's rounds after the other's would fold that
 * drift into their ratio. Within its turn each call has the caches to itself, as in a run of its
 * own.
 */
export function perItemMediansInterleaved(count, rounds, seed, calls) {
  const overhead = timerOverheadNs();
  const shuffle = shuffler(seed);
  const order = Array.from({ length: count }, (_, i) => i);
  const samples = calls.map(() => Array.from({ length: count }, () => []));
  for (const call of calls) for (const i of order) call(i); // untimed: lazy initialisation and JIT warm-up
  for (let r = 0; r < rounds; r++) {
    shuffle(order);
    for (let k = 0; k < calls.length; k++) {
      const c = (k + r) % calls.length;
      const call = calls[c];
      for (const i of order) {
        const t = performance.now();
        call(i);
        const ns = (performance.now() - t) * 1e6;
        samples[c][i].push(Math.max(0, ns - overhead));
      }
    }
  }
  return samples.map((perItem) => perItem.map(median));
}

/** `perItemMediansInterleaved` for one call of the item itself. */
export function perItemMedians(items, rounds, seed, call) {
  return perItemMediansInterleaved(items.length, rounds, seed, [(i) => call(items[i])])[0];
}

/**
 * The package built in `folder` (schoolgate.js and schoolgate_bg.wasm, as scripts/build-wasm.sh
 * leaves in pkg/), instantiated, with an engine of the built-in policy and `rulesets` beside the
 * built-in lists. `tag` keeps two packages' modules apart in one process.
 */
export async function loadEngine(folder, rulesets, tag = '') {
  const dir = resolve(folder);
  const url = pathToFileURL(join(dir, 'schoolgate.js')).href;
  const sg = await import(tag ? `${url}?${tag}` : url);
  sg.initSync({ module: readFileSync(join(dir, 'schoolgate_bg.wasm')) });
  const engine = sg.Schoolgate.fromPolicy(sg.defaultPolicyToml(), rulesets);
  const groupIndex = engine.groups().findIndex((g) => g.name === GROUP);
  return { sg, engine, groupIndex };
}
