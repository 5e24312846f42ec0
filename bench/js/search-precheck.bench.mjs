// The worker's "may this host carry a search?" pre-check (extension/sw/search-hosts.js), which runs
// for every page navigation, against the hand-written regular expressions it replaced in issue 20
// (kept here only to compare), over the hosts of the real requests in ../shared/data (this bench
// says so and stops without them). Run by hand after scripts/build-wasm.sh:
//
//   node bench/js/search-precheck.bench.mjs

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const data = join(ROOT, '..', 'shared', 'data', 'requests', 'matching-test-requests.json');
if (!existsSync(data)) {
  console.log(`skipped: ${data} is absent (../shared/data)`);
  process.exit(0);
}
const { maySearch } = await import('../../extension/sw/search-hosts.js');
// Before issue 20 (sw/navigation.js and sw/search-alerts.js), for comparison only.
const BEFORE_NAVIGATION = /(^|\.)(google\.[a-z.]+|bing\.com|duckduckgo\.com|search\.yahoo\.com|search\.brave\.com|qwant\.com|startpage\.com|youtube\.com)$/;
const BEFORE_ALERTS = /(^|\.)(google|bing|duckduckgo|yahoo|yandex|ya|ecosia|brave|qwant|startpage|baidu|youtube|youtube-nocookie|googleapis|wikipedia|kiddle|swiggle)(\.[a-z]{2,3}){1,2}$/;
const HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i;
const hosts = JSON.parse(readFileSync(data, 'utf8')).map((r) => HOST.exec(r.url)?.[1]?.toLowerCase() ?? '');
const CHECKS = [
  ['before: the navigation pre-check (a hand-written regex)', (h) => BEFORE_NAVIGATION.test(h)],
  ['before: the search-alert pre-check (a hand-written regex)', (h) => BEFORE_ALERTS.test(h)],
  ["after: maySearch (built from the core's engine table)", maySearch],
];
const PASSES = 31;
const times = CHECKS.map(() => []);
const passing = CHECKS.map(() => 0);
// In turns, pass by pass, so all are timed over the same stretch of this shared machine's time.
for (let p = 0; p < PASSES; p += 1) {
  CHECKS.forEach(([, check], i) => {
    let n = 0;
    const t0 = process.hrtime.bigint();
    for (const h of hosts) if (check(h)) n += 1;
    times[i].push(Number(process.hrtime.bigint() - t0) / hosts.length);
    passing[i] = n;
  });
}
console.log(`Command: \`node bench/js/search-precheck.bench.mjs\` (${new Date().toISOString().slice(0, 10)}), Node ${process.version}, ${hosts.length} real request hosts, median of ${PASSES} passes in turns.\n`);
console.log('| pre-check | per host | hosts passed |\n|---|---:|---:|');
CHECKS.forEach(([name], i) => console.log(`| ${name} | ${[...times[i]].sort((a, b) => a - b)[PASSES >> 1].toFixed(1)} ns | ${passing[i]} |`));
