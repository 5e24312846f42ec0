// The monitoring events' queue and contents (docs/events.md), in Node: the queue
// (sw/events-queue.js) over a key-value store with sw/idb.js's shape, delivering through the real
// `postSigned` (sw/report-delivery.js) over real HTTP to the test receiver that checks the HMAC and the
// schema (tests/extension/support/events-receiver.mjs); and what each event says
// (sw/events-describe.js). The browser tests (events.test.mjs) run the same code in Chromium.
//
//   node --test tests/extension/events-unit.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { eventsQueue, keysToDrop, EVENT_LIMITS, batchBody, utf8Bytes } from '../../extension/sw/events-queue.js';
import { eventsEndpoint, cutUrl, viaOf, describeBlock, describeSearch, describeOverride, circumventionMethod, ruleName } from '../../extension/sw/events-describe.js';
import { logEntry } from '../../extension/sw/override-guard.js';
import { backoffMs, postSigned, RETRY } from '../../extension/sw/report-delivery.js';
import { signBody, SIGNATURE_HEADER } from '../../extension/report/sign.js';
import { readManaged } from '../../extension/sw/config.js';
import { admit } from '../../extension/sw/messages.js';
import { startEventsReceiver, invalidBatch } from './support/events-receiver.mjs';

const KEY = 'test-only-events-signing-key-0123456789';

/** sw/idb.js's interface over a Map: sorted keys, all-or-nothing writes. */
function memoryStore() {
  const data = new Map();
  const sorted = (prefix) => [...data.keys()].filter((k) => k.startsWith(prefix)).sort();
  return {
    data,
    keys: async (prefix) => sorted(prefix),
    getMany: async (keys) => keys.map((k) => structuredClone(data.get(k))),
    entries: async (prefix) => sorted(prefix).map((k) => [k, structuredClone(data.get(k))]),
    writeMany: async (puts, deletes) => {
      for (const k of deletes) data.delete(k);
      for (const [k, v] of puts) data.set(k, structuredClone(v));
    },
  };
}

/** A queue as the worker makes one, with a clock the test moves. */
let n = 0; // ids unique across the test's "workers", as crypto.randomUUID()'s are
function makeQueue({ store, hub, clock = { ms: Date.parse('2026-12-07T09:00:00Z') }, sendImpl, onRefused, timeScale } = {}) {
  const send = sendImpl ?? (hub ? async (body, batchId) => postSigned(`${hub.hubUrl}/api/v1/events`, body, { [SIGNATURE_HEADER]: await signBody(KEY, body), 'X-Schoolgate-Batch-Id': batchId }) : async () => null);
  const scheduled = [];
  const queue = eventsQueue({
    store,
    send,
    canSend: () => Boolean(hub || sendImpl),
    envelope: async () => ({ device: 'd-test-device-0001', user: 'pupil.one@school.example', group: 'ks2', extensionVersion: '0.1.0' }),
    schedule: (at) => scheduled.push(at),
    now: () => clock.ms,
    newId: () => `0000${(n += 1).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`.slice(-36),
    backoffMs,
    timeScale,
    onRefused,
  });
  return { queue, clock, scheduled };
}

const blocked = (i) => ({ kind: 'blocked', url: `https://site${i}.example/`, host: `site${i}.example`, category: 'games', rule: 'built-in/games.txt: site.example', via: 'typed' });

test('cap: the oldest visit and heartbeat events go first, then the oldest others, never an alert', () => {
  const keys = ['ev:1:a:blocked', 'ev:2:a:visit', 'ev:3:a:search-alert', 'ev:4:a:heartbeat', 'ev:5:a:circumvention', 'ev:6:a:visit', 'ev:7:a:staff-flag'];
  assert.deepEqual(keysToDrop(keys, 7, 7), []);
  assert.deepEqual(keysToDrop(keys, 9, 7), ['ev:2:a:visit', 'ev:4:a:heartbeat']);
  assert.deepEqual(keysToDrop(keys, 11, 7), ['ev:2:a:visit', 'ev:4:a:heartbeat', 'ev:6:a:visit', 'ev:1:a:blocked']);
  // Only alerts left to drop: none is, the queue goes over its cap instead.
  assert.deepEqual(keysToDrop(keys, 20, 7), ['ev:2:a:visit', 'ev:4:a:heartbeat', 'ev:6:a:visit', 'ev:1:a:blocked', 'ev:7:a:staff-flag']);
});

test('cap: 5,000 events held; past it, visits and heartbeats are dropped before blocks, alerts are all kept', async () => {
  const store = memoryStore();
  const { queue, clock } = makeQueue({ store });
  // No hub: everything stays queued.
  for (let i = 0; i < 4_990; i += 1) {
    clock.ms += 1;
    await queue.record(i % 2 ? blocked(i) : { kind: 'visit', host: `v${i}.example` });
  }
  for (let i = 0; i < 30; i += 1) {
    clock.ms += 1;
    await queue.record({ kind: 'search-alert', engine: 'google', terms: `terms ${i}`, alert: 'prevent', reportId: null });
  }
  const held = [...store.data.values()];
  assert.equal(held.length, EVENT_LIMITS.cap);
  assert.equal(held.filter((e) => e.kind === 'search-alert').length, 30, 'every alert kept');
  assert.equal(held.filter((e) => e.kind === 'blocked').length, 2_495, 'no block dropped while a visit could be');
  assert.equal(held.filter((e) => e.kind === 'visit').length, 2_475);
  // The visits dropped are the oldest ones.
  assert.ok(!held.some((e) => e.kind === 'visit' && e.host === 'v0.example'));
  assert.ok(held.some((e) => e.kind === 'visit' && e.host === 'v4988.example'));
  assert.equal(queue.status.dropped, 20);
});

test('delivery: signed batches reach the receiver; a hub that refuses then answers 503 then comes back gets every event once, under one batch id per batch', async (t) => {
  const hub = await startEventsReceiver({ key: KEY });
  t.after(() => hub.close());
  const store = memoryStore();
  const { queue, clock } = makeQueue({ store, hub });
  await hub.setBehaviour('refuse');
  for (let i = 0; i < 3; i += 1) await queue.record(blocked(i));
  await queue.record({ kind: 'circumvention', url: 'https://translate.goog/', host: 'x.translate.goog', method: 'translator', category: 'pornography' });
  await queue.flush();
  assert.equal(hub.state.posts.length, 0, 'nothing listening');
  const [[, first]] = [...store.data].filter(([k]) => k.startsWith('evb:'));
  assert.equal(first.events.length, 4);
  assert.equal(first.attempts, 1);

  await hub.setBehaviour('unavailable');
  clock.ms += 60 * 60_000;
  await queue.flush();
  await queue.record({ kind: 'heartbeat', state: 'active' }); // waits behind the batch in flight
  clock.ms += 60 * 60_000;
  await queue.flush();
  const tried = hub.state.posts.filter((p) => p.status === 503).map((p) => p.batch);
  assert.ok(tried.length >= 2);
  assert.deepEqual(new Set(tried), new Set([first.batch]), 'the same batch id on every retry');

  await hub.setBehaviour('ok');
  clock.ms += 60 * 60_000;
  await queue.flush();
  assert.equal(hub.events().length, 5);
  assert.ok([...hub.counts().values()].every((c) => c === 1), 'each event once');
  assert.equal(hub.state.batches.get(first.batch).events.length, 4, 'the first batch kept its events');
  assert.deepEqual(hub.state.rejected, []);
  assert.deepEqual([...store.data.keys()], [], 'nothing left on the device');
});

test('refused for good: a batch the hub answers 422 is set aside (kept, counted, reported) and the next batch goes; a 401 is still retried', async (t) => {
  const hub = await startEventsReceiver({ key: KEY });
  t.after(() => hub.close());
  const store = memoryStore();
  const refused = [];
  const { queue } = makeQueue({ store, hub, onRefused: (m) => refused.push(m) });
  // A field the hub's contract refuses (`via` is not one of its four words): 422.
  await queue.record({ ...blocked(1), via: 'teleport' });
  await queue.flush({ force: true });
  assert.deepEqual(hub.state.posts.map((p) => p.status), [422]);
  assert.equal(queue.status.setAside, 1);
  assert.equal(refused.length, 1);
  assert.match(refused[0], /HTTP 422.*1 event\(s\) are kept on this device/);
  const aside = [...store.data].filter(([k]) => k.startsWith('evx:'));
  assert.equal(aside.length, 1, 'the refused batch is kept on the device');
  assert.equal(aside[0][1].events[0].via, 'teleport');

  // Later events are not stuck behind it.
  await queue.record(blocked(2));
  await queue.record({ kind: 'search-alert', engine: 'google', terms: 'how to join isis', alert: 'prevent', reportId: null });
  await queue.settled();
  await until(() => hub.events().length === 2);
  assert.deepEqual(hub.events().map((e) => e.kind), ['blocked', 'search-alert']);
  assert.equal(hub.state.posts.filter((p) => p.status === 422).length, 1, 'the set-aside batch is not sent again');

  // A worker restart still counts it.
  const two = makeQueue({ store, hub });
  await two.queue.settled();
  await two.queue.record(blocked(3));
  assert.equal(two.queue.status.setAside, 1);

  // A wrong key (401) is not "for good": the IT lead may fix it, so the batch waits and retries.
  const wrongKey = makeQueue({ store: memoryStore(), hub, sendImpl: async (body, batchId) => postSigned(`${hub.hubUrl}/api/v1/events`, body, { [SIGNATURE_HEADER]: await signBody('another-key-0123456789-0123456789', body), 'X-Schoolgate-Batch-Id': batchId }) });
  await wrongKey.queue.record({ kind: 'heartbeat', state: 'active' });
  await wrongKey.queue.flush({ force: true });
  assert.equal(hub.state.posts.at(-1).status, 401);
  assert.equal(wrongKey.queue.status.setAside, 0);
  assert.equal(wrongKey.queue.status.inBatch, 1, 'kept in flight, to be retried');
});

test('size: a batch of non-ASCII search terms stays within 256 KiB of UTF-8 for the whole signed body', async (t) => {
  const hub = await startEventsReceiver({ key: KEY });
  t.after(() => hub.close());
  const store = memoryStore();
  const bodies = [];
  const send = async (body, batchId) => {
    bodies.push(body);
    return postSigned(`${hub.hubUrl}/api/v1/events`, body, { [SIGNATURE_HEADER]: await signBody(KEY, body), 'X-Schoolgate-Batch-Id': batchId });
  };
  const { queue, clock } = makeQueue({ store, hub, sendImpl: send });
  // 3 UTF-8 bytes a character, 1 UTF-16 unit: 500 events of ~1.5 KB, 750 KB in all.
  const terms = (i) => `${i} ${'搜索词'.repeat(166)}`.slice(0, 500);
  for (let i = 0; i < 500; i += 1) await queue.record({ kind: 'help-seeking', engine: 'google', terms: terms(i) });
  clock.ms += EVENT_LIMITS.lingerMs;
  await queue.flush();
  await until(() => hub.events().length === 500);
  assert.ok(bodies.length >= 3, `split into ${bodies.length} bodies`);
  for (const body of bodies) {
    assert.ok(utf8Bytes(body) <= EVENT_LIMITS.batchBytes, `${utf8Bytes(body)} bytes`);
    assert.equal(Buffer.byteLength(body, 'utf8'), utf8Bytes(body));
  }
  // Full, not timid: every batch but the last is within one event of the limit.
  for (const body of bodies.slice(0, -1)) assert.ok(utf8Bytes(body) > EVENT_LIMITS.batchBytes - 2_000);
  assert.ok(hub.state.posts.every((p) => p.status === 201), 'no 413');
  assert.deepEqual(hub.events().map((e) => e.terms), Array.from({ length: 500 }, (_, i) => terms(i)));
});

test('size: a hub that answers 413 gets the batch again as halves under new batch ids, until each fits; every event once, in order', async (t) => {
  // A hub stricter than the contract (a proxy in front of it with a lower limit).
  const hub = await startEventsReceiver({ key: KEY, maxBody: 2_000 });
  t.after(() => hub.close());
  const store = memoryStore();
  const { queue } = makeQueue({ store, hub });
  for (let i = 0; i < 20; i += 1) await queue.record(blocked(i));
  await queue.flush({ force: true });
  await until(() => hub.events().length === 20);
  const statuses = hub.state.posts.map((p) => p.status);
  assert.ok(statuses.includes(413) && statuses.includes(201), statuses.join(' '));
  const stored = [...hub.state.batches.keys()];
  assert.ok(stored.length >= 2);
  assert.equal(new Set(stored).size, stored.length);
  const refusedIds = hub.state.posts.filter((p) => p.status === 413).map((p) => p.batch);
  assert.ok(refusedIds.every((id) => !hub.state.batches.has(id)), 'a split half never reuses the refused id');
  assert.deepEqual(hub.events().map((e) => e.host), Array.from({ length: 20 }, (_, i) => `site${i}.example`));
  assert.ok([...hub.counts().values()].every((c) => c === 1));
  assert.deepEqual([...store.data.keys()], [], 'nothing left on the device');
  assert.equal(queue.status.setAside, 0);
});

test('override: every teacher\'s code typed becomes an `override` event (outcome, page cut short, site, end) that the hub\'s contract takes', async (t) => {
  const hub = await startEventsReceiver({ key: KEY });
  t.after(() => hub.close());
  const atMs = Date.parse('2026-12-07T09:00:00Z');
  const grant = { site: 'youtube.com', starts_at: atMs / 1000, ends_at: atMs / 1000 + 1800, minutes: 30 };
  const granted = logEntry({ id: 'o-1', atMs, outcome: 'granted', url: 'https://www.youtube.com/watch?v=pupil-video', site: 'youtube.com', group: 'ks2', user: 'pupil.one@school.example', grant });
  const wrong = logEntry({ id: 'o-2', atMs, outcome: 'wrong-code', url: 'https://www.youtube.com/watch?v=x', site: 'youtube.com', group: 'ks2', reason: 'not a code for this school' });
  const event = describeOverride(granted);
  assert.deepEqual(event, {
    kind: 'override', outcome: 'granted', url: 'https://www.youtube.com/watch', site: 'youtube.com', approvedBy: "a teacher's code", reason: null,
    startsAt: '2026-12-07T09:00:00.000Z', endsAt: '2026-12-07T09:30:00.000Z',
  });
  assert.equal(describeOverride({ ...granted, outcome: 'something-new' }), null, 'only the outcomes the hub takes');
  const { queue } = makeQueue({ store: memoryStore(), hub });
  await queue.record(event);
  await queue.record(describeOverride(wrong));
  await queue.flush({ force: true });
  assert.deepEqual(hub.state.rejected, []);
  assert.deepEqual(hub.events().map((e) => [e.kind, e.outcome, e.reason]), [['override', 'granted', null], ['override', 'wrong-code', 'not a code for this school']]);
  assert.ok(!JSON.stringify(hub.events()).includes('pupil-video'), 'no query');
});

test('exactly once: a worker that stops after the hub stored a batch but before forgetting it sends the same batch again, and the hub keeps one copy', async (t) => {
  const hub = await startEventsReceiver({ key: KEY });
  t.after(() => hub.close());
  const store = memoryStore();
  // The worker dies between the hub's 201 and the delete: its write never happens.
  let dying = true;
  const realWrite = store.writeMany;
  store.writeMany = async (puts, deletes, opts) => {
    if (dying && puts.length === 0 && deletes.some((k) => k.startsWith('evb:'))) throw new Error('worker stopped');
    return realWrite(puts, deletes, opts);
  };
  const one = makeQueue({ store, hub });
  for (let i = 0; i < 7; i += 1) await one.queue.record(blocked(i));
  await one.queue.flush({ force: true }).catch(() => {});
  assert.equal(hub.state.batches.size, 1);

  // A new worker over the same database.
  dying = false;
  const two = makeQueue({ store, hub });
  await two.queue.record({ kind: 'staff-flag', url: 'https://ok.example/page', flag: 'wrongly-blocked', note: 'needed for science' });
  await two.queue.flush();
  await until(() => hub.events().length === 8);
  assert.deepEqual(hub.state.posts.map((p) => p.status), [201, 200, 201], 'the repeat answered "already stored"');
  assert.equal(hub.events().length, 8);
  assert.ok([...hub.counts().values()].every((c) => c === 1));
  assert.deepEqual([...store.data.keys()], []);
});

test('worker restart mid-queue: events queued and a batch in flight are all delivered by the next worker', async (t) => {
  const hub = await startEventsReceiver({ key: KEY });
  t.after(() => hub.close());
  const store = memoryStore();
  await hub.setBehaviour('unavailable');
  const one = makeQueue({ store, hub });
  for (let i = 0; i < 620; i += 1) await one.queue.record(blocked(i));
  await one.queue.flush({ force: true });
  const inFlight = [...store.data].filter(([k]) => k.startsWith('evb:'));
  assert.equal(inFlight.length, 1);
  assert.equal(inFlight[0][1].events.length, EVENT_LIMITS.batchEvents, 'at most 500 events a batch');
  // The old worker is gone; the new one finds everything in the store.
  await hub.setBehaviour('ok');
  const two = makeQueue({ store, hub });
  two.clock.ms += 60 * 60_000;
  await two.queue.flush();
  assert.equal(hub.events().length, 620);
  assert.equal(hub.state.batches.get(inFlight[0][1].batch).events.length, 500);
  assert.ok([...hub.counts().values()].every((c) => c === 1));
  // Oldest first, in order.
  assert.deepEqual(hub.events().map((e) => e.host), Array.from({ length: 620 }, (_, i) => `site${i}.example`));
});

test('timing: alerts and heartbeats go at once; other events once the oldest has waited a minute', async (t) => {
  const hub = await startEventsReceiver({ key: KEY });
  t.after(() => hub.close());
  const { queue, clock, scheduled } = makeQueue({ store: memoryStore(), hub });
  await queue.record(blocked(1));
  await queue.flush();
  assert.equal(hub.events().length, 0, 'a block waits for company');
  assert.equal(scheduled.at(-1), clock.ms + EVENT_LIMITS.lingerMs, 'and asks to be woken within the minute');
  clock.ms += EVENT_LIMITS.lingerMs;
  await queue.flush();
  assert.equal(hub.events().length, 1);
  await queue.record({ kind: 'search-alert', engine: 'google', terms: 'how to join isis', alert: 'prevent', reportId: 'r-abcdef12' });
  await queue.settled();
  await until(() => hub.events().length === 2);
  await queue.record({ kind: 'heartbeat', state: 'idle' });
  await until(() => hub.events().length === 3);
});

test('the retry waits are the reports\' (2 s doubling to 15 min), and a body is the contract\'s', async () => {
  const hub = await startEventsReceiver({ key: KEY });
  await hub.close();
  const store = memoryStore();
  const { queue, clock } = makeQueue({ store, hub });
  await queue.record({ kind: 'circumvention', url: 'https://1.2.3.4/', host: '1.2.3.4', method: 'ip-address', category: 'ip-address' });
  await queue.flush();
  const [[, batch]] = [...store.data].filter(([k]) => k.startsWith('evb:'));
  const wait = batch.nextAtMs - clock.ms;
  assert.ok(wait >= RETRY.firstMs * 0.8 && wait <= RETRY.firstMs * 1.2, `first wait ${wait}`);
  const body = JSON.parse(batchBody(batch, clock.ms));
  assert.equal(invalidBatch(body), null);
  assert.match(body.batch, /^b-[0-9a-f-]{36}$/);
  assert.equal(body.schema, 'schoolgate-events/1');
});

test('eventsTimeScale (tests only): the linger and every retry wait are divided by it, never lengthened; the managed value is bounded', async () => {
  // A hub that cannot be reached: the waits the back-off asks for, attempt by attempt.
  const waits = async (timeScale) => {
    const hub = await startEventsReceiver({ key: KEY });
    await hub.close();
    const store = memoryStore();
    const { queue, clock, scheduled } = makeQueue({ store, hub, timeScale });
    await queue.record(blocked(1));
    const linger = scheduled.at(-1) - clock.ms;
    const seen = [];
    for (let attempt = 1; attempt <= 12; attempt += 1) {
      await queue.flush({ force: attempt === 1 });
      const [[, batch]] = [...store.data].filter(([k]) => k.startsWith('evb:'));
      seen.push(batch.nextAtMs - clock.ms);
      clock.ms = batch.nextAtMs;
    }
    return { linger, seen };
  };
  const normal = await waits(undefined);
  assert.equal(normal.linger, EVENT_LIMITS.lingerMs);
  const fast = await waits(() => 60);
  assert.equal(fast.linger, EVENT_LIMITS.lingerMs / 60, 'a minute becomes a second');
  for (let i = 0; i < 12; i += 1) {
    const base = Math.min(RETRY.maxMs, RETRY.firstMs * 2 ** i);
    assert.ok(normal.seen[i] >= base * 0.8 && normal.seen[i] <= base * 1.2, `attempt ${i + 1}: ${normal.seen[i]} ms`);
    assert.ok(fast.seen[i] >= (base * 0.8) / 60 && fast.seen[i] <= (base * 1.2) / 60, `attempt ${i + 1} at 60×: ${fast.seen[i]} ms`);
  }
  assert.ok(fast.seen.at(-1) >= (RETRY.maxMs * 0.8) / 60, 'the back-off reaches its 15-minute cap, scaled');
  // Nothing makes the waits longer than the contract's.
  for (const odd of [() => 0.5, () => -3, () => NaN, () => 'x']) assert.equal((await waits(odd)).linger, EVENT_LIMITS.lingerMs);

  assert.equal(readManaged({ eventsTimeScale: 60 }).config.eventsTimeScale, 60);
  assert.equal(readManaged({}).config.eventsTimeScale, undefined, 'unset unless the Admin console sets it');
  for (const bad of [0, 121, 1.5, '60', true]) {
    const read = readManaged({ eventsTimeScale: bad });
    assert.equal(read.config.eventsTimeScale, undefined, JSON.stringify(bad));
    assert.match(read.problems.join('\n'), /eventsTimeScale: expected a whole number from 1 to 120/);
  }
});

test('where events go: hubUrl, else the reports hub; hubUrl and logVisits are checked with the other managed settings', () => {
  assert.equal(eventsEndpoint({ hubUrl: 'https://hub.school.example' }), 'https://hub.school.example/api/v1/events');
  assert.equal(eventsEndpoint({ hubUrl: 'https://hub.school.example/', reportEndpoint: 'https://other.example/api/v1/reports' }), 'https://hub.school.example/api/v1/events');
  assert.equal(eventsEndpoint({ reportEndpoint: 'https://hub.school.example/api/v1/reports' }), 'https://hub.school.example/api/v1/events');
  assert.equal(eventsEndpoint({ reportEndpoint: 'https://receiver.example/reports' }), null);
  assert.equal(eventsEndpoint({}), null);

  const good = readManaged({ hubUrl: 'https://hub.school.example/', logVisits: true });
  assert.equal(good.config.hubUrl, 'https://hub.school.example');
  assert.equal(good.config.logVisits, true);
  assert.deepEqual(good.problems, []);
  assert.equal(readManaged({ hubUrl: 'http://127.0.0.1:8080' }).config.hubUrl, 'http://127.0.0.1:8080');
  const bad = readManaged({ hubUrl: 'http://hub.school.example', logVisits: 'yes' });
  assert.equal(bad.config.hubUrl, undefined);
  assert.equal(bad.config.logVisits, undefined);
  assert.match(bad.problems.join('\n'), /hubUrl: must be https:\/\//);
  assert.match(bad.problems.join('\n'), /logVisits: expected true or false/);
  assert.match(readManaged({ hubUrl: 'https://hub.example/?x=1' }).problems.join('\n'), /hubUrl: .*without \? or #/);
  assert.equal(readManaged({}).config.logVisits, undefined, 'off unless the school sets it');
});

test('what a block says: scheme://host/path only, the rule, how the pupil got there, and circumvention', () => {
  assert.equal(cutUrl('https://user:pw@www.example.com:8443/a/b?q=secret#frag'), 'https://www.example.com:8443/a/b');
  assert.equal(cutUrl('data:text/html,<h1>hi</h1>'), 'data:');
  assert.equal(viaOf('link', true), 'search');
  assert.equal(viaOf('link', false), 'link');
  assert.equal(viaOf('typed', true), 'typed');
  assert.equal(viaOf('generated', false), 'typed');
  assert.equal(viaOf('auto_subframe', false), 'other');
  const verdict = {
    action: 'block', category: 'pornography', locked: false, carried: { via: 'google-translate', url: 'https://porn.example/' }, lookalike_of: null,
    rule: { kind: 'category', entry: 'porn.example', source: 'built-in/pornography.txt', setting: 'pornography: block' }, search: null,
  };
  const events = describeBlock(verdict, 'https://porn-example.translate.goog/page?_x_tr_sl=auto', 'search');
  assert.deepEqual(events, [
    { kind: 'blocked', url: 'https://porn-example.translate.goog/page', host: 'porn-example.translate.goog', category: 'pornography', rule: 'built-in/pornography.txt: porn.example', via: 'search' },
    { kind: 'circumvention', url: 'https://porn-example.translate.goog/page', host: 'porn-example.translate.goog', method: 'translator', category: 'pornography' },
  ]);
  assert.equal(circumventionMethod({ ...verdict, carried: { via: 'web-archive' } }), 'archive');
  assert.equal(circumventionMethod({ ...verdict, carried: { via: 'startpage-anonymous-view' } }), 'proxy');
  assert.equal(circumventionMethod({ ...verdict, carried: null, lookalike_of: 'google.com' }), 'lookalike');
  assert.equal(circumventionMethod({ ...verdict, carried: null, category: 'ip-address' }), 'ip-address');
  assert.equal(circumventionMethod({ ...verdict, carried: null, category: 'proxy-vpn' }), 'proxy');
  // A search result's redirect link is how a results page works, not an attempt.
  assert.equal(circumventionMethod({ ...verdict, carried: { via: 'google-redirect' } }), null);
  assert.equal(circumventionMethod({ ...verdict, carried: null }), null);
  assert.deepEqual(describeBlock({ ...verdict, action: 'allow' }, 'https://a.example/', 'typed'), []);
  assert.equal(ruleName({ kind: 'group-deny', entry: 'roblox.com', setting: 'groups.ks2.deny' }), 'groups.ks2.deny: roblox.com');
  assert.equal(ruleName({ kind: 'search', engine: 'google', phrases: ['join isis'], setting: 'threshold 10' }), 'search (google): join isis');
});

test('what a search says: one search-alert per alert raised (with the report id), and help-seeking', () => {
  const search = { engine: 'google', kind: 'submitted', terms: 'I Saw PORN what do i do', normalized: { text: 'i saw porn what do i do' } };
  const v = { search, flavour: 'help_seeking', alerts: [{ kind: 'safeguarding', category: 'pornography' }, { kind: 'prevent' }] };
  assert.deepEqual(describeSearch(v, 'r-1234abcd'), [
    { kind: 'search-alert', engine: 'google', terms: 'i saw porn what do i do', alert: 'prevent', reportId: 'r-1234abcd' },
    { kind: 'search-alert', engine: 'google', terms: 'i saw porn what do i do', alert: 'safeguarding', reportId: 'r-1234abcd' },
    { kind: 'help-seeking', engine: 'google', terms: 'i saw porn what do i do' },
  ]);
  assert.deepEqual(describeSearch({ search, alerts: [{ kind: 'safeguarding', category: 'self-harm' }] }).map((e) => e.alert), ['self-harm']);
  assert.deepEqual(describeSearch({ search: { ...search, kind: 'suggest' }, alerts: [{ kind: 'prevent' }] }), []);
});

test('staff flags: only the staff page may send one; a web page, a content script or another page of ours cannot', () => {
  const own = 'abcdefghijklmnopabcdefghijklmnop';
  const flag = { type: 'staff-flag', code: '4821', url: 'https://games.example/', flag: 'should-be-blocked', note: 'pupils play this in lessons' };
  const staff = { id: own, url: `chrome-extension://${own}/staff.html`, origin: `chrome-extension://${own}` };
  assert.equal(admit(flag, staff, own).ok, true);
  assert.equal(admit(flag, { id: own, url: `chrome-extension://${own}/blocked.html?u=x`, origin: `chrome-extension://${own}` }, own).ok, false);
  assert.equal(admit(flag, { id: own, url: 'https://evil.example/', tab: { id: 3 } }, own).ok, false);
  assert.equal(admit(flag, { id: 'someoneelse', url: 'https://evil.example/' }, own).ok, false);
  assert.equal(admit({ ...flag, flag: 'unblock-everything' }, staff, own).ok, false);
  assert.equal(admit({ ...flag, note: 'x'.repeat(501) }, staff, own).ok, false);
  assert.equal(admit({ ...flag, url: 'javascript:alert(1)' }, staff, own).ok, false);
});

async function until(fn, timeout = 5_000) {
  const deadline = Date.now() + timeout;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
