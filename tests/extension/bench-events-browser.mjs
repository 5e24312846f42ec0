// The extension's added cost per blocked navigation from monitoring events, in real Chromium
// (issue 17, BENCHMARKS.md "Monitoring events"): the force-installed extension, its events going to
// a test receiver (support/events-receiver.mjs), N blocked navigations cycling through a listed
// site, a translator, a raw IP address, a blocked search and an archive; the worker's own timer
// around its events path (sw/events.js `onBlockPage`: the verdict again, the events made, the
// queue's synchronous work; `eventsStatus().path.workMs`), then N allowed navigations, which
// must leave the path's counters where they were. The worker's clock is coarsened to 0.1 ms, so
// the mean over many navigations says more than the median.
//
//   flock /tmp/sg-browser.lock node tests/extension/bench-events-browser.mjs [navigations]

import * as h from './helpers.mjs';
import { startEventsReceiver } from './support/events-receiver.mjs';

const N = Number(process.argv[2] ?? 200);
const KEY = 'test-only-signing-key-events-bench-0123456789';
const BLOCKED = [
  (i) => `https://www.bet365.com/bench-${i}?stake=10`,
  (i) => `https://www-bet365-com.translate.goog/bench-${i}`,
  (i) => `http://10.9.${(i >> 8) & 255}.${i & 255}/bench`,
  (i) => `https://www.google.com/search?q=free+porn+videos+${i}`,
  (i) => `https://web.archive.org/web/2020/https://www.pornhub.com/${i}`,
];

h.ensureBuilt();
const server = await h.startServer();
const hub = await startEventsReceiver({ key: KEY });
const { ctx } = await h.launchForceInstalled({
  server,
  crx: h.packCrx(),
  settings: { group: 'ks2', schoolName: 'Oak Hill Primary', hubUrl: hub.hubUrl, reportSigningKey: KEY, eventsTimeScale: 60 },
});
try {
  await h.until(async () => (await h.status(ctx)).events?.endpoint, 'the managed policy', 60_000, 250);
  const page = await ctx.newPage();
  const path = async () => (await h.status(ctx)).events.path;
  const start = await path();
  for (let i = 0; i < N; i += 1) {
    await h.go(page, BLOCKED[i % BLOCKED.length](i));
    await h.blockPage(page);
  }
  const after = await h.until(async () => {
    const p = await path();
    return p.blockPages >= start.blockPages + N && p;
  }, 'every block page judged', 30_000, 200);
  const ms = after.workMs.slice(-N).sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.floor(ms.length * q))];
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  for (let i = 0; i < N; i += 1) await h.go(page, `http://www.school-portal.example/allowed-${i}?pupil=7`);
  await h.sleep(1_000);
  const allowed = await path();
  const { heartbeat: _a, ...queuedBefore } = after.recorded;
  const { heartbeat: _b, ...queuedAfter } = allowed.recorded;
  const untouched = allowed.blockPages === after.blockPages && JSON.stringify(queuedAfter) === JSON.stringify(queuedBefore);
  console.log(JSON.stringify({
    navigations: N,
    blockedMs: { median: at(0.5), p95: at(0.95), max: ms.at(-1), mean: Number(mean.toFixed(4)) },
    eventsQueued: Object.fromEntries(Object.entries(after.recorded).map(([k, v]) => [k, v - (start.recorded[k] ?? 0)])),
    allowedNavigations: N,
    allowedTouchedTheEventsPath: !untouched,
    load: (await import('node:os')).loadavg().map((l) => l.toFixed(2)),
  }, null, 2));
  if (!untouched) process.exitCode = 1;
} finally {
  await ctx.close().catch(() => {});
  h.removePolicy();
  await hub.close();
  await server.close();
  h.cleanUp();
}
