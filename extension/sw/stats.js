// Timings of the worker's decisions: the staff page and the benchmarks read these.

export const stats = {
  decisions: 0,
  heldAtWake: 0,
  /** ms from the worker's start to its first webRequest event */
  firstEventMs: /** @type {number|null} */ (null),
  ring: new Float64Array(512),
};

/** One decision took `ms`. */
export function record(ms) {
  stats.ring[stats.decisions % stats.ring.length] = ms;
  stats.decisions += 1;
}

/** The last 512 decisions' median, 95th percentile and maximum, or null before the first. */
export function percentiles() {
  const n = Math.min(stats.decisions, stats.ring.length);
  if (!n) return null;
  const sorted = Array.from(stats.ring.subarray(0, n)).sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(n - 1, Math.floor(p * n))];
  return { n, p50: at(0.5), p95: at(0.95), max: sorted[n - 1] };
}
