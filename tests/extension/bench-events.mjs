// The extension's added cost per blocked navigation from monitoring events (issue 17,
// BENCHMARKS.md "Monitoring events"), in Node with the extension's own wasm package: what the
// worker runs when a block page commits (sw/events.js `onCommitted` → the verdict again, the
// events it makes) and the queue's own work per event (sw/events-queue.js, over an in-memory
// store: IndexedDB's write is asynchronous and off the navigation's path). Also what an allowed
// navigation meets: one frame check and one prefix comparison.
//
//   node tests/extension/bench-events.mjs [rounds]

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describeBlock, viaOf } from '../../extension/sw/events-describe.js';
import { eventsQueue } from '../../extension/sw/events-queue.js';
import { readPageAddress } from '../../extension/pages/page-address.js';

const EXT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'extension');
const pkg = await import(join(EXT, 'pkg', 'schoolgate.js'));
pkg.initSync({ module: readFileSync(join(EXT, 'pkg', 'schoolgate_bg.wasm')) });
const sg = new pkg.Schoolgate();
const rounds = Number(process.argv[2] ?? 2_000);
const BLOCK = 'chrome-extension://deohikanlmjlhjfeohlmnkkldjepeklp/blocked.html';

const blocked = [
  'https://www.bet365.com/bets?stake=10',
  'https://www-bet365-com.translate.goog/wrapped?_x_tr_sl=auto',
  'http://10.9.8.7/admin',
  'https://www.google.com/search?q=free+porn+videos',
  'https://web.archive.org/web/2020/https://www.pornhub.com/',
];
for (const u of blocked) if (sg.classify(u, 'ks2', Date.now()).action !== 'block') throw new Error(`not blocked for ks2: ${u}`);

const store = { keys: async () => [], getMany: async () => [], entries: async () => [], writeMany: async () => {} };
const newQueue = () => eventsQueue({ store, send: async () => null, canSend: () => false, envelope: async () => ({}), schedule: () => {}, backoffMs: () => 1_000 });
let queue = newQueue();

const percentile = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

// Per blocked navigation: the block page's address read, the verdict again, the events made, and
// each event queued (JS work; the IndexedDB write itself is asynchronous).
const perBlock = [];
const perVerdict = [];
const perQueue = [];
for (let r = 0; r < rounds; r += 1) {
  // A queue the hub keeps emptying (a new one every 500 blocks): the usual case.
  if (r % 500 === 0) queue = newQueue();
  const url = blocked[r % blocked.length];
  const committed = `${BLOCK}?src=webrequest&u=${url}`;
  const t0 = performance.now();
  const { url: original } = readPageAddress(committed);
  const verdict = sg.classify(original, 'ks2', Date.now());
  const events = describeBlock(verdict, original, viaOf('link', false));
  const tq = performance.now();
  for (const e of events) await queue.record(e);
  const t2 = performance.now();
  perBlock.push(t2 - t0);
  perVerdict.push(tq - t0);
  perQueue.push(t2 - tq);
}

// The worst case: the hub down long enough for the queue to be full (5,000 events), so every new
// event also picks the oldest one to drop.
const full = newQueue();
for (let i = 0; i < 5_000; i += 1) await full.record({ kind: 'blocked', url: 'https://a.example/', host: 'a.example', category: null, rule: 'x', via: 'link' });
const atCap = [];
for (let i = 0; i < 500; i += 1) {
  const t = performance.now();
  await full.record({ kind: 'blocked', url: 'https://a.example/', host: 'a.example', category: null, rule: 'x', via: 'link' });
  atCap.push(performance.now() - t);
}

// Per allowed navigation (logVisits off): the whole of what sw/events.js's onCommitted does.
const allowed = { frameId: 0, url: 'https://www.bbc.co.uk/bitesize', transitionType: 'link' };
const extras = { logVisits: undefined };
const N = 1_000_000;
const t1 = performance.now();
let hits = 0;
for (let i = 0; i < N; i += 1) {
  if (allowed.frameId !== 0) continue;
  if (allowed.url.startsWith(BLOCK)) hits += 1;
  else if (extras.logVisits === true) hits += 2;
}
const allowedNs = ((performance.now() - t1) / N) * 1e6;

const out = {
  rounds,
  blockedMs: { median: percentile(perBlock, 0.5), p95: percentile(perBlock, 0.95), max: Math.max(...perBlock) },
  verdictAndEventsMs: { median: percentile(perVerdict, 0.5), p95: percentile(perVerdict, 0.95) },
  queueMs: { median: percentile(perQueue, 0.5), p95: percentile(perQueue, 0.95) },
  queueFullMs: { median: percentile(atCap, 0.5), p95: percentile(atCap, 0.95) },
  allowedNs: Number(allowedNs.toFixed(1)),
  checksum: hits,
};
console.log(JSON.stringify(out, null, 2));
