// A test-local receiver for `schoolgate-events/1` batches (docs/events.md), on 127.0.0.1 over
// plain HTTP, standing in for the hub's `POST /api/v1/events` until the two are merged (then the
// browser tests can start the real hub instead and read its store). It checks exactly what the
// contract says the hub checks: the HMAC-SHA256 signature over the exact body bytes, the batch
// header, the schema and every field's shape; it stores each batch id once (a repeat answers 200
// and changes nothing) and answers 201 only once the batch is kept.
//
// `setBehaviour('ok' | 'unavailable' | 'refuse')`: 503 for every request, or no listener at all
// on the port (connections refused), to play a hub that is down.

import { createServer } from 'node:http';
import { verifyBody, SIGNATURE_HEADER } from '../../../extension/report/sign.js';

const MAX_BODY = 256 * 1024;
const ID = /^[A-Za-z0-9-]{8,64}$/;
const KINDS = {
  heartbeat: (e) => ['active', 'idle', 'locked'].includes(e.state),
  blocked: (e) => typeof e.url === 'string' && typeof e.host === 'string' && typeof e.rule === 'string' && ['search', 'link', 'typed', 'other'].includes(e.via),
  circumvention: (e) => typeof e.url === 'string' && typeof e.host === 'string' && ['proxy', 'translator', 'archive', 'ip-address', 'lookalike', 'vpn', 'other'].includes(e.method),
  'search-alert': (e) => typeof e.engine === 'string' && typeof e.terms === 'string' && ['safeguarding', 'self-harm', 'prevent', 'grooming'].includes(e.alert),
  'help-seeking': (e) => typeof e.engine === 'string' && typeof e.terms === 'string',
  'staff-flag': (e) => typeof e.url === 'string' && ['should-be-blocked', 'wrongly-blocked'].includes(e.flag) && typeof e.note === 'string' && e.note.length <= 500,
  override: (e) => ['granted', 'wrong-code', 'malformed', 'used', 'refused', 'wait', 'not-blocked', 'not-set'].includes(e.outcome) && typeof e.url === 'string' && !/[?#]/.test(e.url)
    && Object.entries(e).every(([k, v]) => ['id', 'at', 'kind'].includes(k) || v === null || typeof v === 'string'),
  visit: (e) => typeof e.host === 'string' && Object.keys(e).every((k) => ['id', 'at', 'kind', 'host'].includes(k)),
  'filter-check': (e) => ['daily', 'on-demand'].includes(e.trigger) && ['true', 'false'].includes(e.passed) && typeof e.results === 'string' && e.results.length <= 2048
    && (e.staffAccount === null || e.staffAccount === undefined || /@/.test(e.staffAccount))
    && Object.entries(e).every(([k, v]) => ['id', 'at', 'kind'].includes(k) || v === null || typeof v === 'string'),
};
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** Why `body` is not a valid `schoolgate-events/1` batch, or `null`. */
export function invalidBatch(body) {
  if (body?.schema !== 'schoolgate-events/1') return 'schema';
  if (typeof body.batch !== 'string' || !ID.test(body.batch)) return 'batch';
  if (typeof body.device !== 'string' || !ID.test(body.device)) return 'device';
  if (body.user !== null && typeof body.user !== 'string') return 'user';
  if (typeof body.group !== 'string' || typeof body.extensionVersion !== 'string') return 'group or extensionVersion';
  if (!RFC3339.test(body.sentAt ?? '')) return 'sentAt';
  if (!Array.isArray(body.events) || body.events.length < 1 || body.events.length > 500) return 'events: 1 to 500';
  for (const [i, e] of body.events.entries()) {
    if (typeof e?.id !== 'string' || !ID.test(e.id) || !RFC3339.test(e.at ?? '') || !Object.hasOwn(KINDS, e.kind)) return `events[${i}]`;
    if (!KINDS[e.kind](e)) return `events[${i}] (${e.kind}) fields`;
  }
  return null;
}

/** `maxBody`: the largest body taken, in bytes (the contract's 256 KiB unless a test plays a stricter hub). */
export async function startEventsReceiver({ key, host = '127.0.0.1', maxBody = MAX_BODY } = {}) {
  const state = {
    batches: new Map(), // batch id → body, stored once
    events: [], // every stored event, in arrival order, with the batch's envelope
    posts: [], // every request: {at, status, batch}
    rejected: [],
    behaviour: 'ok',
  };
  const handler = (req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size <= maxBody) chunks.push(c);
    });
    req.on('end', async () => {
      const reply = (status, text) => {
        state.posts.push({ at: Date.now(), status, batch: req.headers['x-schoolgate-batch-id'] ?? null });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
      };
      if (state.behaviour === 'unavailable') return reply(503, 'hub unavailable');
      if (req.method !== 'POST' || req.url !== '/api/v1/events') return reply(404, 'not here');
      if (size > maxBody) return reply(413, 'too large');
      const bytes = Buffer.concat(chunks);
      if (!(await verifyBody(key, bytes, req.headers[SIGNATURE_HEADER.toLowerCase()]))) {
        state.rejected.push('signature');
        return reply(401, 'bad signature');
      }
      let body;
      try {
        body = JSON.parse(bytes.toString('utf8'));
      } catch {
        state.rejected.push('json');
        return reply(400, 'not JSON');
      }
      if (req.headers['x-schoolgate-batch-id'] !== body?.batch) {
        state.rejected.push('batch header');
        return reply(400, 'X-Schoolgate-Batch-Id is not the body\'s batch');
      }
      const why = invalidBatch(body);
      if (why) {
        state.rejected.push(why);
        return reply(422, `not a valid schoolgate-events/1 batch: ${why}`);
      }
      if (state.batches.has(body.batch)) return reply(200, 'already stored');
      state.batches.set(body.batch, body);
      const { events, ...envelope } = body;
      for (const e of events) state.events.push({ ...e, envelope });
      return reply(201, 'stored');
    });
  };
  let server = createServer(handler);
  await new Promise((ok) => server.listen(0, host, ok));
  const { port } = server.address();
  const listening = () => server.listening;
  return {
    port,
    /** What the extension's managed `hubUrl` is set to. */
    hubUrl: `http://${host}:${port}`,
    state,
    /** Events stored, optionally of one kind. */
    events: (kind) => state.events.filter((e) => !kind || e.kind === kind),
    /** How many times each event id was stored (every value must be 1). */
    counts() {
      const out = new Map();
      for (const e of state.events) out.set(e.id, (out.get(e.id) ?? 0) + 1);
      return out;
    },
    async setBehaviour(behaviour) {
      state.behaviour = behaviour;
      if (behaviour === 'refuse' && listening()) {
        server.closeAllConnections?.();
        await new Promise((ok) => server.close(() => ok()));
      } else if (behaviour !== 'refuse' && !listening()) {
        server = createServer(handler);
        await new Promise((ok, no) => server.once('error', no).listen(port, host, ok));
      }
    },
    close() {
      if (!listening()) return Promise.resolve();
      server.closeAllConnections?.();
      return new Promise((ok) => server.close(() => ok()));
    },
  };
}
