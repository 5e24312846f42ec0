// The monitoring events' durable queue and its delivery to the hub (docs/events.md).
//
// - Every event is written to IndexedDB (`ev:<ms>:<seq>:<kind>`) before anything is sent, so a
//   stopped worker, a browser restart or a hub that is down loses nothing.
// - Sending moves up to 500 of the oldest events into one batch (`evb:<ms>:<batch id>`) in the
//   same transaction that deletes them from the queue: an event is in the queue or in a batch,
//   never both, never neither. The batch keeps its id (and its events) across every retry, so
//   the hub, which stores each batch id once, never gets an event twice.
// - One batch at a time, oldest first: while the hub is down, new events wait in the queue, where
//   the cap applies (5,000 events in all; the oldest `visit` and `heartbeat` go first, then the
//   oldest other events; never an alert).
// - Alerts, heartbeats and staff flags are sent at once; other events once the oldest has waited a minute.
//   Retries wait as reports' do (sw/report-delivery.js `backoffMs`: 2 s doubling to 15 min).
//   `timeScale()` (the managed `eventsTimeScale`, 1 unless a test sets it) divides both waits, so a
//   test can play an hour of a hub being down in a minute: it only ever makes them shorter.
// - A batch is at most 500 events and 256 KiB: the UTF-8 bytes of the whole body as signed and
//   sent. A hub that answers 413 (too large) gets the batch again as two halves, each under a new
//   batch id; a batch the hub refuses for good (400, 422; or 413 for one event) is set aside
//   (`evx:…`, kept on the device, counted in `status.setAside`, reported through `onRefused` to
//   the staff page's fault log) and the next batch goes. Any other refusal (401 while the key is
//   being fixed, 5xx, no answer) is retried: nothing is ever dropped for it.
//
// Pure of `chrome.*`: the store (sw/idb.js's shape), the sender, the clock and the scheduler are
// given, so tests/extension/events-unit.test.mjs runs it in Node.

import { singleRun } from './single-run.js';

/** Limits from docs/events.md. */
export const EVENT_LIMITS = Object.freeze({ cap: 5_000, batchEvents: 500, batchBytes: 256 * 1024, lingerMs: 60_000 });
export const SCHEMA = 'schoolgate-events/1';
/** Never dropped by the cap, and sent at once. */
export const ALERT_KINDS = new Set(['search-alert', 'circumvention']);
/** Dropped first when the queue is full. */
const CHEAP_KINDS = new Set(['visit', 'heartbeat']);
/** Sent at once (the hub's "gone silent" check needs the heartbeat on time; staff wait on a flag or a filter check). */
const URGENT_KINDS = new Set([...ALERT_KINDS, 'heartbeat', 'staff-flag', 'filter-check']);
const KINDS = new Set(['heartbeat', 'blocked', 'circumvention', 'search-alert', 'help-seeking', 'staff-flag', 'override', 'visit', 'filter-check']);

const EVENT_PREFIX = 'ev:';
const BATCH_PREFIX = 'evb:';
/** Batches the hub refused for good: kept, never sent again by themselves. */
export const SET_ASIDE_PREFIX = 'evx:';
/** Answers that say this batch will never be taken as it is (docs/events.md). */
const REFUSED_FOR_GOOD = new Set([400, 413, 422]);

const encoder = new TextEncoder();
/** What the size limit counts: UTF-8 bytes, as sent. */
export const utf8Bytes = (text) => encoder.encode(text).length;

const kindOfKey = (key) => key.slice(key.lastIndexOf(':') + 1);
const pad = (n, width) => String(Math.max(0, Math.floor(n))).padStart(width, '0');

/**
 * Which queued keys to drop so that `total` events fit under `cap`: the oldest `visit` and
 * `heartbeat` events first, then the oldest events that are not alerts; never an alert (pure).
 * @param {string[]} queued event keys, oldest first
 * @param {number} total events held (queued and in the batch being sent)
 */
export function keysToDrop(queued, total, cap = EVENT_LIMITS.cap) {
  let over = total - cap;
  if (over <= 0) return [];
  const drop = [];
  for (const pass of [(k) => CHEAP_KINDS.has(k), (k) => !ALERT_KINDS.has(k)]) {
    for (const key of queued) {
      if (over <= 0) break;
      if (pass(kindOfKey(key)) && !drop.includes(key)) {
        drop.push(key);
        over -= 1;
      }
    }
  }
  return drop;
}

/** The batch's body as sent (the exact bytes are signed). */
export function batchBody(batch, sentAtMs) {
  return JSON.stringify({ schema: SCHEMA, batch: batch.batch, ...batch.envelope, sentAt: new Date(sentAtMs).toISOString(), events: batch.events });
}

/**
 * @typedef {{batch: string, envelope: object, events: object[], attempts: number, nextAtMs: number, createdAtMs: number, lastError: ?string}} Batch
 * @typedef {{ok: boolean, status?: number, error?: string}} SendOutcome
 */

/**
 * The queue. `store`: `keys(prefix)`, `getMany(keys)`, `entries(prefix)`, `writeMany(puts,
 * deletes, {strict})` (sw/idb.js). `send(body, batchId)` → `{ok, status?, error?}` or `null`
 * when there is nowhere to send; `canSend()` says beforehand whether there is a hub and a key
 * (without them events wait in the queue, under its cap, and no batch is made). `envelope()` → `{device, user,
 * group, extensionVersion}`. `schedule(atMs | null)`: wake the worker then to flush again.
 */
/**
 * @param {{
 *   store: {keys: (prefix: string) => Promise<string[]>, getMany: (keys: string[]) => Promise<any[]>, entries: (prefix: string) => Promise<Array<[string, any]>>, writeMany: (puts: Array<[string, any]>, deletes: string[], options?: {strict?: boolean}) => Promise<unknown>},
 *   send: (body: string, batchId: string) => Promise<SendOutcome | null>,
 *   canSend?: () => boolean,
 *   envelope: () => Promise<object> | object,
 *   schedule?: (atMs: number | null) => void,
 *   now?: () => number,
 *   newId?: () => string,
 *   backoffMs: (attempts: number) => number,
 *   timeScale?: () => number,
 *   onError?: (error: unknown) => void,
 *   onRefused?: (message: string) => void,
 * }} options
 */
export function eventsQueue({ store, send, canSend = () => true, envelope, schedule = () => {}, now = Date.now, newId = () => crypto.randomUUID(), backoffMs, timeScale = () => 1, onError = () => {}, onRefused = () => {} }) {
  // Never slower than the contract's waits, whatever `timeScale` returns.
  const scale = () => {
    const s = Number(timeScale());
    return Number.isFinite(s) && s > 1 ? s : 1;
  };
  const lingerMs = () => EVENT_LIMITS.lingerMs / scale();
  /** What the staff page and the tests read. */
  const status = { queued: 0, inBatch: 0, sent: 0, dropped: 0, setAside: 0, lastSentAt: null, lastError: null, waiting: null };
  let index = null; // queued keys, oldest first, loaded once per wake
  let batchSize = 0;
  let seq = 0;
  /** @type {Promise<unknown>} */
  let writes = Promise.resolve();

  // Every change to the queue runs in this chain; sending (the network) runs outside it.
  /**
   * @template T
   * @param {() => T | Promise<T>} fn
   * @returns {Promise<T>}
   */
  const serial = (fn) => {
    const run = writes.then(fn);
    // The chain only orders changes; `run` carries the error to its own caller.
    writes = run.catch(() => {});
    return run;
  };
  const load = async () => {
    if (index) return index;
    index = await store.keys(EVENT_PREFIX);
    const batches = await store.entries(BATCH_PREFIX);
    batchSize = batches.reduce((n, [, b]) => n + b.events.length, 0);
    const setAside = await store.entries(SET_ASIDE_PREFIX);
    status.setAside = setAside.reduce((n, [, b]) => n + b.events.length, 0);
    status.queued = index.length;
    status.inBatch = batchSize;
    return index;
  };

  /**
   * Queues one event (`{kind, …fields}`); resolves once it is stored. Returns the stored event.
   * Alerts and heartbeats start a send at once.
   */
  async function record(fields) {
    if (!KINDS.has(fields?.kind)) throw new Error(`not an event kind: ${fields?.kind}`);
    const atMs = now();
    const event = { id: `e-${newId()}`, at: new Date(atMs).toISOString(), ...fields };
    await serial(async () => {
      const keys = await load();
      seq = (seq + 1) % 1_000_000;
      const key = `${EVENT_PREFIX}${pad(atMs, 15)}:${pad(seq, 6)}${newId().slice(0, 4)}:${event.kind}`;
      const total = keys.length + 1 + batchSize;
      const drop = total > EVENT_LIMITS.cap ? keysToDrop([...keys, key], total) : [];
      await store.writeMany([[key, event]], drop.filter((k) => k !== key), { strict: ALERT_KINDS.has(event.kind) });
      keys.push(key);
      if (drop.length) {
        const gone = new Set(drop);
        index = keys.filter((k) => !gone.has(k));
        status.dropped += drop.length;
      }
      status.queued = index.length;
    });
    if (URGENT_KINDS.has(event.kind)) flush({ force: ALERT_KINDS.has(event.kind) }).catch(onError);
    else schedule(atMs + lingerMs());
    return event;
  }

  /**
   * The oldest batch still to send; makes one from the queue when none is and one is due.
   * @param {(keys: string[]) => boolean} due
   * @returns {Promise<{key: string, batch: Batch} | null | typeof nextBatchAgain>}
   */
  const nextBatch = (due) => serial(async () => {
    const keys = await load();
    const batches = await store.entries(BATCH_PREFIX);
    if (batches.length) return { key: batches[0][0], batch: batches[0][1] };
    if (!keys.length || !due(keys)) return null;
    const take = keys.slice(0, EVENT_LIMITS.batchEvents);
    const values = await store.getMany(take);
    const atMs = now();
    const batch = { batch: `b-${newId()}`, envelope: await envelope(), events: [], attempts: 0, nextAtMs: atMs, createdAtMs: atMs, lastError: null };
    const { events } = batch;
    const taken = [];
    // The body with no events, then each event and its comma: the exact bytes (give or take the
    // one comma fewer) of the body as sent, whose `sentAt` has the same length whenever it is.
    let bytes = utf8Bytes(batchBody(batch, atMs));
    for (let i = 0; i < take.length; i += 1) {
      const event = values[i];
      if (event) {
        const size = utf8Bytes(JSON.stringify(event)) + 1;
        if (events.length && bytes + size > EVENT_LIMITS.batchBytes) break;
        bytes += size;
        events.push(event);
      }
      taken.push(take[i]); // a key with no event left is simply forgotten
    }
    const key = `${BATCH_PREFIX}${pad(atMs, 15)}:${batch.batch}`;
    await store.writeMany(events.length ? [[key, batch]] : [], taken, { strict: true });
    const gone = new Set(taken);
    index = keys.filter((k) => !gone.has(k));
    batchSize = events.length;
    Object.assign(status, { queued: index.length, inBatch: batchSize });
    return events.length ? { key, batch } : nextBatchAgain;
  });
  const nextBatchAgain = Symbol('empty batch');

  const drain = singleRun(flushOnce);
  /** Sends what is due (`force`: the waiting batch too, whatever its back-off); shares one run (sw/single-run.js). */
  function flush({ force = false } = {}) {
    return drain(force);
  }

  async function flushOnce(force) {
    if (!canSend()) {
      status.waiting = 'no hub address or no signing key: events wait on this device';
      return;
    }
    const due = (keys) => force || keys.length >= EVENT_LIMITS.batchEvents
      || keys.some((k) => URGENT_KINDS.has(kindOfKey(k)))
      || now() - Number(keys[0].slice(EVENT_PREFIX.length, EVENT_PREFIX.length + 15)) >= lingerMs();
    for (;;) {
      let next = await nextBatch(due);
      while (next === nextBatchAgain) next = await nextBatch(due);
      if (!next) break;
      const { key, batch } = next;
      if (!force && batch.nextAtMs > now()) {
        schedule(batch.nextAtMs);
        return;
      }
      let outcome;
      try {
        outcome = await send(batchBody(batch, now()), batch.batch);
      } catch (error) {
        outcome = { ok: false, error: String(error?.message ?? error) };
      }
      if (outcome === null) {
        status.waiting = 'no hub address or no signing key: events wait on this device';
        return;
      }
      status.waiting = null;
      if (outcome.ok) {
        await serial(async () => {
          await store.writeMany([], [key], { strict: true });
          batchSize = 0;
          status.inBatch = 0;
          status.sent += batch.events.length;
          status.lastSentAt = now();
        });
        force = false; // a forced send moves the waiting batch; the rest goes as usual
        continue;
      }
      if (outcome.status === 413 && batch.events.length > 1) {
        await serial(() => split(key, batch));
        continue;
      }
      if (REFUSED_FOR_GOOD.has(outcome.status)) {
        await serial(() => setAside(key, batch, outcome));
        continue;
      }
      const attempts = batch.attempts + 1;
      const retry = { ...batch, attempts, nextAtMs: now() + backoffMs(attempts) / scale(), lastError: outcome.error ?? `HTTP ${outcome.status}` };
      await serial(() => store.writeMany([[key, retry]], []));
      status.lastError = `${new Date(now()).toISOString()}: ${retry.lastError}`;
      schedule(retry.nextAtMs);
      return;
    }
    // Nothing to send now: wake when the oldest queued event has waited its minute.
    const keys = await serial(load);
    if (keys.length) schedule(Number(keys[0].slice(EVENT_PREFIX.length, EVENT_PREFIX.length + 15)) + lingerMs());
    else schedule(null);
  }

  /**
   * A batch the hub found too large goes again as two halves, oldest first, each under a new
   * batch id (the hub stored nothing of the one it refused), in one write with the old batch's removal.
   * @param {string} key
   * @param {Batch} batch
   */
  async function split(key, batch) {
    const half = Math.ceil(batch.events.length / 2);
    const atMs = now();
    const halves = [batch.events.slice(0, half), batch.events.slice(half)].map((events, i) => [
      `${key}/${i}`,
      { ...batch, batch: `b-${newId()}`, events, attempts: 0, nextAtMs: atMs, lastError: null, splitFrom: batch.batch },
    ]);
    await store.writeMany(/** @type {Array<[string, any]>} */ (halves), [key], { strict: true });
  }

  /**
   * A batch the hub refuses for good is kept on the device, counted and reported, and the
   * queue goes on with the next.
   * @param {string} key
   * @param {Batch} batch
   * @param {SendOutcome} outcome
   */
  async function setAside(key, batch, outcome) {
    const why = outcome.error ?? `HTTP ${outcome.status}`;
    const kept = { ...batch, attempts: batch.attempts + 1, lastError: why, setAsideAtMs: now() };
    await store.writeMany([[`${SET_ASIDE_PREFIX}${key.slice(BATCH_PREFIX.length)}`, kept]], [key], { strict: true });
    batchSize = Math.max(0, batchSize - batch.events.length);
    status.inBatch = batchSize;
    status.setAside += batch.events.length;
    status.lastError = `${new Date(now()).toISOString()}: ${why}`;
    onRefused(`the hub refused events batch ${batch.batch} for good (${why}): its ${batch.events.length} event(s) are kept on this device, set aside, and later events go on (${status.setAside} set aside in all)`);
  }

  /** Forgets the in-memory index (the tests' "worker restart"). */
  function reload() {
    index = null;
    batchSize = 0;
  }

  return { record, flush, status, reload, settled: () => serial(() => {}) };
}
