// Measures the force-installed extension at school scale: about a million listed domains (the real
// lists in ../shared/data when present, else generated ones), served as the Admin console's list
// sources. Not part of `node --test` (it takes minutes): run it by hand,
//
//   node tests/extension/bench.mjs
//
// and it prints a Markdown section for BENCHMARKS.md and writes artifacts/extension-bench.json.
// Measured: applying the lists (fetch, compile, build the engine, save, install DNR rules), the
// added delay per navigation (requestStart in the page, with the extension and without it), the
// delay right after the service worker was stopped (cold wake), the worker's own timings, and a
// page's ordinary images (100 of them, same origin: Resource Timing's requestStart − startTime,
// with and without the extension), which the DNR rules for harmful categories' embedded
// resources must never slow.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

import * as h from './helpers.mjs';

const SHARED = join(h.ROOT, '..', 'shared', 'data', 'lists');
const REAL = [
  ['ut1/gambling/domains', 'gambling'], ['ut1/games/domains', 'games'], ['ut1/shopping/domains', 'shopping'],
  ['ut1/dating/domains', 'dating'], ['ut1/vpn/domains', 'proxy-vpn'], ['ut1/redirector/domains', 'proxy-vpn'],
  ['ut1/malware/domains.2025-07-13', 'malware-hacking'], ['ut1/phishing/domains.2025-07-13', 'malware-hacking'],
  ['blocklistproject/phishing-nl.txt', 'malware-hacking'], ['blocklistproject/redirect.txt', 'proxy-vpn'],
  ['blocklistproject/drugs.txt', 'drugs'], ['blocklistproject/scam.txt', 'malware-hacking'],
  ['sinfonietta/pornography-hosts', 'pornography'],
];
const WARM_N = 15;
const COLD_N = 5;

const IMAGES = 100;

/**
 * Resource Timing of a page's images: `requestStart − startTime` of each, over `runs` loads.
 * `count` images (few: then connection queueing does not hide the per-request cost).
 */
async function imageTimes(ctx, server, runs = 3, count = IMAGES) {
  server.pages.set('www.school-portal.example/images.html', `<!doctype html><title>images</title>${Array.from({ length: count }, (_, i) => `<img src="/img/${i}.png" width="4" height="4">`).join('')}`);
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  for (let i = 0; i < IMAGES; i += 1) server.files.set(`/img/${i}.png`, { type: 'image/png', body: png });
  const out = [];
  const page = await ctx.newPage();
  for (let r = 0; r < runs; r += 1) {
    await h.go(page, `http://www.school-portal.example/images.html?run=${r}-${Date.now()}`, 30_000);
    await page.waitForLoadState('load');
    out.push(...await page.evaluate(() => performance.getEntriesByType('resource')
      .filter((e) => e.initiatorType === 'img').map((e) => e.requestStart - e.startTime)));
  }
  await page.close();
  return out;
}

/**
 * A/B in one browser, interleaved: a page's 6 images (one connection each, so no queueing) with the harmful categories' rules for
 * embedded resources (sw/dnr.js, `HARMFUL_CATEGORIES`) installed and removed, and what removing
 * and adding them again costs `updateDynamicRules`.
 */
async function embeddedAB(ctx, server, rounds = 8) {
  const sw = await h.worker(ctx);
  const toggle = (on) => sw.evaluate(async (wanted) => {
    const dnr = chrome.declarativeNetRequest;
    if (!globalThis.sgEmbeddedRules) {
      globalThis.sgEmbeddedRules = (await dnr.getDynamicRules()).filter((r) => r.action.type === 'block' && r.priority === 20
        && r.condition.resourceTypes?.includes('image') && r.condition.requestDomains?.length);
    }
    const rules = globalThis.sgEmbeddedRules;
    const t0 = performance.now();
    if (wanted) await dnr.updateDynamicRules({ addRules: rules });
    else await dnr.updateDynamicRules({ removeRuleIds: rules.map((r) => r.id) });
    return { ms: performance.now() - t0, rules: rules.length, domains: rules.reduce((n, r) => n + r.condition.requestDomains.length, 0) };
  }, on);
  const out = { with: [], without: [], removeMs: [], addMs: [] };
  for (let r = 0; r < rounds; r += 1) {
    out.with.push(...await imageTimes(ctx, server, 2, 6));
    const removed = await toggle(false);
    Object.assign(out, { rules: removed.rules, domains: removed.domains });
    out.removeMs.push(round(removed.ms));
    out.without.push(...await imageTimes(ctx, server, 2, 6));
    out.addMs.push(round((await toggle(true)).ms));
  }
  return {
    rules: out.rules, domains: out.domains, removeMs: out.removeMs, addMs: out.addMs,
    imageMedianWith: round(median(out.with)), imageMedianWithout: round(median(out.without)),
    imageP90With: round([...out.with].sort((x, y) => x - y)[Math.floor(out.with.length * 0.9)]),
    imageP90Without: round([...out.without].sort((x, y) => x - y)[Math.floor(out.without.length * 0.9)]),
  };
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const round = (x) => Math.round(x * 10) / 10;

function lists() {
  if (REAL.every(([p]) => existsSync(join(SHARED, p)))) {
    return { source: 'real lists from ../shared/data (UT1, Block List Project, Sinfonietta)', lists: REAL.map(([p, category]) => ({ name: p, category, text: readFileSync(join(SHARED, p), 'utf8') })) };
  }
  const out = [];
  for (let l = 0; l < 5; l += 1) {
    const lines = [];
    for (let i = 0; i < 200_000; i += 1) lines.push(`site${i}-l${l}.sgbench-${i % 997}.com`);
    out.push({ name: `generated-${l}`, category: ['gambling', 'games', 'malware-hacking', 'proxy-vpn', 'pornography'][l], text: `${lines.join('\n')}\n` });
  }
  return { source: 'generated (../shared/data absent): 5 lists of 200,000 domains', lists: out };
}

async function main() {
  const why = h.cannotRun();
  if (why) throw new Error(why);
  h.ensureBuilt();
  const { source, lists: data } = lists();
  const lines = data.reduce((n, l) => n + l.text.split('\n').length, 0);
  const server = await h.startServer();
  for (const l of data) server.files.set(`/lists/${encodeURIComponent(l.name)}`, { body: l.text });
  const result = { when: new Date().toISOString(), source, listLines: lines, machine: 'this VM: 2 cores shared with other jobs' };
  let ctx;
  try {
    // Baseline: the same navigations in a Chromium without the extension.
    {
      const { chromium } = createRequire(join(h.ROOT, 'package.json'))('playwright-core');
      const plain = await chromium.launchPersistentContext(h.tempDir('sg-plain-'), {
        executablePath: h.CHROMIUM,
        args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-quic', `--host-resolver-rules=MAP * 127.0.0.1:${server.port}, EXCLUDE localhost`],
      });
      result.baselineRequestStartMs = await h.requestStartTimes(plain, Array.from({ length: WARM_N }, (_, i) => `http://www.school-portal.example/base-${i}`));
      result.baselineImageRequestStartMs = await imageTimes(plain, server);
      await plain.close();
    }
    const crx = h.packCrx();
    const settings = { group: 'ks2', lists: data.map((l) => ({ url: `${server.origin}/lists/${encodeURIComponent(l.name)}`, category: l.category, format: 'auto', name: l.name })) };
    const t0 = Date.now();
    ({ ctx } = await h.launchForceInstalled({ server, crx, settings }));
    const s = await h.until(async () => {
      const st = await h.status(ctx);
      return st.source === 'managed' && st.status.lists.length === data.length && st.status.dnr.at > st.appliedAt && st;
    }, 'the lists and DNR rules', 600_000, 1_000);
    result.installToReadyMs = Date.now() - t0;
    result.apply = {
      listsApplyMs: round(s.status.timings.lastApplyMs),
      entries: s.status.lists.reduce((n, l) => n + l.entries, 0),
      dnrMs: round(s.status.dnr.ms), dnrRules: s.status.dnr.rules, dnrDomains: s.status.dnr.domains,
    };
    // Cold wakes: the worker stopped before each navigation.
    result.coldRequestStartMs = await h.requestStartTimes(ctx, Array.from({ length: COLD_N }, (_, i) => `http://www.school-portal.example/cold-${i}`), { stopFirst: true });
    const afterCold = await h.status(ctx);
    result.coldWorker = {
      engineStartupMs: round(afterCold.startup.totalMs),
      decodeMs: round(afterCold.startup.decodeMs), instantiateMs: round(afterCold.startup.instantiateMs), seedMs: round(afterCold.startup.seedMs), builtinListsSeeded: afterCold.startup.builtinListsSeeded, builtinEngineMs: round(afterCold.startup.builtinMs),
      workerStartToEngineMs: round(afterCold.startup.sinceWorkerStartMs),
      savedPolicyLoadMs: round(afterCold.status.timings.stateLoadMs),
      heldOnCheckingAtWake: afterCold.decisions.heldAtWake,
    };
    // A blocked-by-the-strictest-group page right after a wake: decided at once, or held?
    await h.stopWorkers(ctx);
    const page = await ctx.newPage();
    const tb = Date.now();
    await h.go(page, 'https://www.google.com/search?q=free+porn+videos');
    result.coldBlockedSearch = { blockedBy: (await h.blockPage(page, 30_000)).src, ms: Date.now() - tb };
    await page.close();
    // Warm: one worker life, so the decision times below are warm ones.
    await h.status(ctx);
    result.warmRequestStartMs = await h.requestStartTimes(ctx, Array.from({ length: WARM_N }, (_, i) => `http://www.school-portal.example/warm-${i}`));
    const warm = await h.status(ctx);
    result.imageRequestStartMs = await imageTimes(ctx, server);
    const afterImages = await h.status(ctx);
    // Images are never judged by the worker: only their pages were (one decision per load).
    result.workerDecisionsForImagePages = afterImages.decisions.count - warm.decisions.count;
    result.embeddedAB = await embeddedAB(ctx, server);
    result.workerDecision = { n: warm.decisions.n, p50Ms: warm.decisions.p50, p95Ms: warm.decisions.p95, maxMs: warm.decisions.max };
    result.medians = {
      baseline: round(median(result.baselineRequestStartMs)),
      warm: round(median(result.warmRequestStartMs)),
      cold: round(median(result.coldRequestStartMs)),
    };
    result.medians.addedWarm = round(result.medians.warm - result.medians.baseline);
    result.medians.addedCold = round(result.medians.cold - result.medians.baseline);
    result.medians.imageBaseline = round(median(result.baselineImageRequestStartMs));
    result.medians.image = round(median(result.imageRequestStartMs));
    result.medians.addedImage = round(result.medians.image - result.medians.imageBaseline);
  } finally {
    await ctx?.close().catch(() => {});
    h.removePolicy();
    await server.close();
    h.cleanUp();
  }
  mkdirSync(join(h.ROOT, 'artifacts'), { recursive: true });
  writeFileSync(join(h.ROOT, 'artifacts', 'extension-bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
