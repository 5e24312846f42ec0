// The hub down for an hour, then back: every event arrives once (issue 17), nothing mocked. The
// real extension, force-installed by policy in real Chromium, sends its events to the real hub
// binary; the hub is stopped (its process ends: nothing listens at the device's hubUrl) while the
// pupil is blocked, tries a translator and a raw IP address, and searches (alerts, help) for a
// simulated hour; then it is started again on the same data.
//
// The hour: the managed setting `eventsTimeScale: 60` (docs/events.md, "Testing delivery") divides
// the events queue's waits by 60, so the minute's linger is a second and the retries' 2 s doubling
// to 15 minutes is 33 ms doubling to 15 s: the back-off climbs to its cap and stays there, as it
// would over a real hour, in a minute.
//
// Between the device and the hub sits a test-only forwarder on the device's hubUrl (down while
// the hub is down) that records what crossed the network and, once the hub is back, loses the
// hub's answer to the first batch (the connection drops after the hub committed it): the device
// must send that batch again under the same batch id, and the hub answer 200.
//
// Holds the machine-wide browser lock when run by hand:
//   flock /tmp/sg-browser.lock node --test --test-concurrency=1 tests/hub-e2e/hub-down-events.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import * as h from '../extension/helpers.mjs';
import * as hub from './hub.mjs';
import { skipOrFail } from '../ci.mjs';

const sqliteMissing = () => {
  try {
    execFileSync('sqlite3', ['-version']);
    return null;
  } catch {
    const why = 'no sqlite3 command (scripts/setup.sh installs it)';
    if (process.env.CI === 'true') throw new Error(why);
    return why;
  }
};
const skip = skipOrFail(h.cannotRun() ?? hub.hubMissing() ?? sqliteMissing());
const TIME_SCALE = 60;
const HOUR_MS = 3_600_000 / TIME_SCALE;
const CAP_MS = 15 * 60_000 / TIME_SCALE;

/**
 * A forwarder on 127.0.0.1 in front of the hub: `up(target)` listens (on the same port each
 * time), `down()` stops listening. `posts`: every batch it was sent ({batch, ids, status, answer}).
 * `loseAnswers`: that many of the next batches the hub answers 2xx lose their answer on the way back.
 */
async function startForwarder() {
  const state = { target: null, posts: [], loseAnswers: 0 };
  const handle = (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const post = { batch: req.headers['x-schoolgate-batch-id'], ids: [], status: null, answer: null, lost: false };
      try {
        post.ids = JSON.parse(body.toString('utf8')).events.map((e) => e.id);
      } catch { /* not a batch: the hub says so */ }
      state.posts.push(post);
      try {
        const answer = await fetch(`${state.target}${req.url}`, { method: req.method, headers: hub.forwardedHeaders(req), body });
        post.status = answer.status;
        post.answer = await answer.text();
      } catch (error) {
        post.status = 502;
        res.writeHead(502).end(String(error));
        return;
      }
      if (post.status < 300 && state.loseAnswers > 0) {
        state.loseAnswers -= 1;
        post.lost = true;
        req.socket.destroy(); // the hub committed it; the device never hears so
        return;
      }
      res.writeHead(post.status, { 'content-type': 'application/json' }).end(post.answer);
    });
  };
  const listening = hub.switchableServer(handle);
  return {
    state,
    get url() { return `http://127.0.0.1:${listening.port}`; },
    async up(target) {
      state.target = target;
      await listening.up();
    },
    down: () => listening.down(),
  };
}

/** The events the device holds (queued, in a batch, set aside), read in the extension's own page. */
const held = (ctx) => h.inExtension(ctx, () => new Promise((resolve, reject) => {
  const open = indexedDB.open('schoolgate', 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const store = open.result.transaction('kv').objectStore('kv');
    const read = (prefix) => new Promise((ok) => {
      const all = store.getAll(IDBKeyRange.bound(prefix, `${prefix}\uffff`));
      all.onsuccess = () => ok(all.result);
    });
    Promise.all([read('ev:'), read('evb:'), read('evx:')]).then(([queued, batches, setAside]) => resolve({ queued, batches, setAside }));
  };
}));

describe('the hub down for an hour of events, then back: every event arrives once (real Chromium, real hub)', { skip, timeout: 8 * 60_000 }, () => {
  let server;
  let forwarder;
  let hubProcess;
  let dir;
  let ctx;

  before(async () => {
    h.ensureBuilt();
    server = await h.startServer();
    dir = hub.dataDir();
    const key = hub.addSigningKey(dir, 'chromebooks');
    hubProcess = await hub.startHub({ dir, removeDir: false });
    forwarder = await startForwarder();
    await forwarder.up(hubProcess.url);
    ({ ctx } = await h.launchForceInstalled({
      server,
      crx: h.packCrx(),
      settings: { group: 'ks2', schoolName: 'Oak Hill Primary', hubUrl: forwarder.url, reportSigningKey: key, eventsTimeScale: TIME_SCALE },
    }));
    await h.until(async () => {
      const s = await h.status(ctx);
      return s.source === 'managed' && s.events?.endpoint === `${forwarder.url}/api/v1/events` && s;
    }, 'the managed policy (the hub for events)', 60_000, 250);
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    h.removePolicy();
    await forwarder?.down();
    await hubProcess?.stop();
    await server?.close();
    h.cleanUp();
  });

  /** Every event id the hub holds, with how many times (from its database). */
  const stored = () => {
    const out = execFileSync('sqlite3', ['-readonly', join(dir, 'hub.sqlite3'), 'SELECT event_id, kind, COUNT(*) FROM events GROUP BY device, event_id, kind'], { encoding: 'utf8' });
    return out.trim().split('\n').filter(Boolean).map((line) => line.split('|')).map(([id, kind, n]) => ({ id, kind, n: Number(n) }));
  };

  test('an hour of blocks, attempts and searches with the hub stopped reaches it once it is back: each event once, the retried batch answered 200', async () => {
    // Talking to the hub first: its first heartbeat is in.
    await h.until(() => forwarder.state.posts.some((p) => p.status === 201), 'the first batch stored', 30_000, 250);
    const before = new Set(stored().map((e) => e.id));

    // The hub stops: its process ends, and nothing listens at the device's hubUrl.
    await forwarder.down();
    await hubProcess.stop();
    const postsBefore = forwarder.state.posts.length;

    // The hour: pupils keep working for the first two thirds of it; the last third is quiet, so
    // the waiting batch's back-off is seen at its cap.
    const page = await ctx.newPage();
    const startedAt = Date.now();
    const visits = [
      (i) => `https://www.bet365.com/hour-${i}?stake=5`,
      (i) => `https://www-bet365-com.translate.goog/hour-${i}`,
      (i) => `http://10.4.4.${i}/hour`,
      (i) => `https://www.pokerstars.uk/hour-${i}`,
    ];
    const searches = ['join isis', 'I saw porn what do I do', 'how to kill myself'];
    let navigations = 0;
    for (let i = 0; Date.now() - startedAt < (HOUR_MS * 2) / 3; i += 1) {
      const search = i % 5 === 4 ? searches[(i / 5) | 0] : undefined;
      await h.go(page, search ? `https://www.google.com/search?q=${encodeURIComponent(search)}` : visits[i % visits.length](i));
      await h.blockPage(page);
      navigations += 1;
      await h.sleep(1_500);
    }
    await h.sleep(Math.max(0, HOUR_MS - (Date.now() - startedAt)));

    // What the device holds after the hour, and how its back-off stands.
    const hour = await held(ctx);
    assert.equal(hour.setAside.length, 0);
    assert.equal(hour.batches.length, 1, 'one batch at a time, retried');
    const [waiting] = hour.batches;
    const status = (await h.status(ctx)).events;
    const lastTry = Date.parse(status.lastError.split(': ')[0]);
    const wait = waiting.nextAtMs - lastTry;
    console.log(`an hour (${HOUR_MS / 1000} s at ${TIME_SCALE}×): ${navigations} blocked navigations; the waiting batch tried ${waiting.attempts} times, now waits ${wait} ms (cap ${CAP_MS} ms); ${hour.queued.length} events queued behind it`);
    assert.ok(waiting.attempts >= 10, `the back-off climbed (${waiting.attempts} attempts)`);
    assert.ok(wait >= CAP_MS * 0.8 && wait <= CAP_MS * 1.2, `the wait is at the 15-minute cap, scaled: ${wait} ms`);
    assert.equal(forwarder.state.posts.length, postsBefore, 'nothing reached the hub while it was down');
    const made = [...waiting.events, ...hour.queued].map((e) => e.id);
    const kinds = new Set([...waiting.events, ...hour.queued].map((e) => e.kind));
    for (const kind of ['blocked', 'circumvention', 'search-alert', 'help-seeking']) assert.ok(kinds.has(kind), `the hour made ${kind} events`);
    assert.ok(made.length >= 15, `many events (${made.length})`);

    // Back: the hub starts again on the same data; the first answer it gives is lost on the way.
    hubProcess = await hub.startHub({ dir, removeDir: true });
    forwarder.state.loseAnswers = 1;
    await forwarder.up(hubProcess.url);
    await h.until(async () => {
      const now = await held(ctx);
      return now.queued.length === 0 && now.batches.length === 0 && made.every((id) => forwarder.state.posts.some((p) => p.status < 300 && p.ids.includes(id)));
    }, 'every event of the hour delivered', CAP_MS * 4 + 60_000, 500);

    // The batch whose answer was lost went again under its id, and the hub answered 200.
    const after = forwarder.state.posts.slice(postsBefore);
    const lost = after.find((p) => p.lost);
    assert.ok(lost && lost.status === 201, 'the hub stored the first batch (its answer lost)');
    const again = after.filter((p) => p.batch === lost.batch);
    assert.deepEqual(again.map((p) => p.status), [201, 200], `the same batch id sent again: ${JSON.stringify(again.map((p) => [p.status, p.answer]))}`);
    assert.deepEqual(JSON.parse(again[1].answer), { status: 'unchanged', batch: lost.batch });
    assert.equal(lost.batch, waiting.batch, 'the batch retried all hour is the first stored');
    // Every event in exactly one stored batch: none in two, none lost.
    const carried = new Map();
    for (const post of after.filter((p) => p.status === 201)) for (const id of post.ids) carried.set(id, (carried.get(id) ?? 0) + 1);
    assert.deepEqual(made.filter((id) => carried.get(id) !== 1), [], 'each event of the hour in one stored batch');
    const newEvents = after.filter((p) => p.status === 201).reduce((n, p) => n + JSON.parse(p.answer).events, 0);
    assert.equal(newEvents, carried.size, 'the hub counted each as new');
    // And in the hub's database: each once, nothing of before repeated.
    const rows = stored();
    assert.deepEqual(rows.filter((r) => r.n !== 1), []);
    const ids = new Set(rows.map((r) => r.id));
    assert.deepEqual(made.filter((id) => !ids.has(id)), [], 'every event of the hour is in the hub');
    assert.equal(rows.length, before.size + carried.size, 'nothing else, nothing twice');
    await page.close();
  });
});
