// Before and after a change to the extension's worker, in one run: the same force-installed
// extension built from two trees (say, main and a branch), measured in turns, so that both are timed
// over the same stretch of this shared machine's time. Not part of `node --test` (it starts
// Chromium several times): run it by hand, after building both trees (scripts/build-wasm.sh),
//
//   node tests/extension/layout-bench.mjs before=/tmp/main/extension after=extension [rounds=3]
//
// and it prints a Markdown table for BENCHMARKS.md. Per tree and round, with the built-in policy
// and lists (group ks2, no list sources: the worker's own cost, not a list's):
//   - the added delay of a navigation with the worker awake (`requestStart − startTime` in the page,
//     median of WARM_N), and right after the worker was stopped (cold wake, median of COLD_N);
//   - the worker's own numbers from its status report: the judging time in the blocking listener
//     (p50 of every navigation it decided), and from the worker's start to its engine being ready
//     (`startup`, after the last cold wake).

import { resolve } from 'node:path';

import * as h from './helpers.mjs';

const WARM_N = 15;
const COLD_N = 5;
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const rounds = Number(args.rounds ?? 3);
delete args.rounds;
const trees = Object.entries(args).map(([name, dir]) => ({ name, dir: resolve(dir) }));
if (trees.length < 1) throw new Error('usage: node tests/extension/layout-bench.mjs before=<extension dir> after=<extension dir> [rounds=3]');

async function measure(tree, server, round) {
  const { ctx } = await h.launchForceInstalled({ server, crx: h.packCrx(tree.dir), settings: { group: 'ks2' } });
  const urls = (prefix, n) => Array.from({ length: n }, (_, i) => `http://www.school-portal.example/${tree.name}-${round}-${prefix}-${i}`);
  try {
    await h.status(ctx);
    await h.sleep(2_000);
    const warm = median(await h.requestStartTimes(ctx, urls('warm', WARM_N)));
    const judged = (await h.status(ctx)).decisions;
    const cold = median(await h.requestStartTimes(ctx, urls('cold', COLD_N), { stopFirst: true }));
    const { startup } = await h.status(ctx);
    return { warm, cold, judgeP50: judged?.p50 ?? NaN, judgeN: judged?.n ?? 0, startup };
  } finally {
    await ctx.close().catch(() => {});
    h.removePolicy();
  }
}

const why = h.cannotRun();
if (why) throw new Error(why);
const server = await h.startServer();
const results = Object.fromEntries(trees.map((t) => [t.name, []]));
try {
  for (let round = 0; round < rounds; round += 1) {
    // Who goes first alternates, round by round.
    const order = round % 2 ? [...trees].reverse() : trees;
    for (const tree of order) results[tree.name].push(await measure(tree, server, round));
  }
} finally {
  await server.close();
  h.cleanUp();
}

const fmt = (x) => (Number.isFinite(x) ? `${x.toFixed(2)} ms` : '–');
const startupMs = (s) => s?.sinceWorkerStartMs ?? null;
console.log(`Command: \`node tests/extension/layout-bench.mjs ${process.argv.slice(2).join(' ')}\` (${new Date().toISOString().slice(0, 16)}Z), headless Chromium, ${rounds} rounds in turns; each cell is the median over rounds (per round: median of ${WARM_N} warm and ${COLD_N} cold navigations).\n`);
console.log('| tree | navigation, worker awake (added delay) | judging in the listener, p50 | navigation right after the worker was stopped | worker start → engine ready |');
console.log('|---|---:|---:|---:|---:|');
for (const { name } of trees) {
  const r = results[name];
  const ready = r.map((x) => startupMs(x.startup)).filter((x) => x != null);
  console.log(`| ${name} | ${fmt(median(r.map((x) => x.warm)))} | ${fmt(median(r.map((x) => x.judgeP50)))} | ${fmt(median(r.map((x) => x.cold)))} | ${ready.length ? fmt(median(ready)) : '–'} |`);
}
console.log('\nEvery round:');
for (const { name } of trees) {
  for (const [i, x] of results[name].entries()) console.log(`- ${name} ${i + 1}: warm ${fmt(x.warm)}, judge p50 ${fmt(x.judgeP50)} (n ${x.judgeN}), cold ${fmt(x.cold)}, startup ${JSON.stringify(x.startup)}`);
}
