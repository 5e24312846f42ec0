#!/usr/bin/env node
// A reference receiver for Schoolgate's safeguarding reports: what a school's endpoint must do,
// in one small file. It checks each request's HMAC-SHA256 signature against the shared key,
// refuses anything unsigned, tampered with or malformed, keeps the newest revision of each
// report id (retries and repeats are de-duplicated), and answers 2xx only once the report is
// stored. The extension's browser tests run it as the real endpoint.
//
//   node scripts/report-receiver.mjs --port 8787 --key-file key.txt [--out reports.jsonl]
//
// Put it behind HTTPS (a reverse proxy) in production: the extension sends reports only to an
// https:// endpoint (http:// is accepted for 127.0.0.1 and localhost, for testing).

import { createServer } from 'node:http';
import { appendFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { verifyBody, SIGNATURE_HEADER, REPORT_ID_HEADER } from '../shared-ui/report/sign.js';

const MAX_BODY = 1_000_000;

/**
 * Starts a receiver. `behaviour` can be changed while it runs (the tests do, to play a failing
 * endpoint): `ok`, `error` (500), `hang` (never answers), `garbage` (a reply that is not HTTP).
 * @returns {Promise<{port, url, reports: Map, accepted: number, duplicates: number, rejected: object[], requests: object[], setBehaviour, close}>}
 */
export async function startReceiver({ key, port = 0, host = '127.0.0.1', out = null } = {}) {
  const state = {
    reports: new Map(), // id → newest report
    revisions: [], // every new revision as received, in order (what a receiver that keeps all holds)
    deliveries: new Map(), // `${id}#${revision}` → times received with a good signature
    accepted: 0,
    duplicates: 0,
    rejected: [],
    requests: [],
    behaviour: 'ok',
  };
  const server = createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      state.requests.push({ at: Date.now(), method: req.method, id: req.headers[REPORT_ID_HEADER.toLowerCase()] ?? null, behaviour: state.behaviour, bytes: size });
      if (state.behaviour === 'hang') return; // the client's timeout must give up
      if (state.behaviour === 'garbage') {
        req.socket.end('THIS IS NOT HTTP\r\n\r\n\u0000\u0001');
        return;
      }
      if (state.behaviour === 'error') {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver unavailable');
        return;
      }
      const reply = (status, text) => res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
      if (req.method !== 'POST') return reply(405, 'POST only');
      if (size > MAX_BODY) return reply(413, 'too large');
      const signature = req.headers[SIGNATURE_HEADER.toLowerCase()];
      if (!(await verifyBody(key, body, signature))) {
        state.rejected.push({ at: Date.now(), why: 'bad signature', id: req.headers[REPORT_ID_HEADER.toLowerCase()] ?? null });
        return reply(401, 'bad signature');
      }
      let report;
      try {
        report = JSON.parse(body.toString('utf8'));
      } catch {
        state.rejected.push({ at: Date.now(), why: 'not JSON' });
        return reply(400, 'not JSON');
      }
      if (report?.schema !== 'schoolgate-report/1' || typeof report.id !== 'string' || !Number.isInteger(report.revision)) {
        state.rejected.push({ at: Date.now(), why: 'not a report' });
        return reply(400, 'not a Schoolgate report');
      }
      const k = `${report.id}#${report.revision}`;
      const seen = state.deliveries.get(k) ?? 0;
      state.deliveries.set(k, seen + 1);
      if (seen) {
        state.duplicates += 1;
        return reply(200, 'already have it');
      }
      const before = state.reports.get(report.id);
      if (!before || before.revision < report.revision) state.reports.set(report.id, report);
      state.revisions.push(report);
      state.accepted += 1;
      if (out) appendFileSync(out, `${JSON.stringify(report)}\n`);
      return reply(201, 'stored');
    });
  });
  await new Promise((ok) => server.listen(port, host, ok));
  const actual = server.address().port;
  return Object.assign(state, {
    port: actual,
    url: `http://${host}:${actual}/reports`,
    setBehaviour(b) {
      state.behaviour = b;
    },
    close: () => new Promise((ok) => {
      server.closeAllConnections?.();
      server.close(() => ok());
    }),
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const keyFile = arg('--key-file');
  if (!keyFile) {
    console.error('usage: node scripts/report-receiver.mjs --port 8787 --key-file key.txt [--out reports.jsonl]');
    process.exit(2);
  }
  const receiver = await startReceiver({ key: readFileSync(keyFile, 'utf8').trim(), port: Number(arg('--port') ?? 8787), out: arg('--out') ?? 'reports.jsonl' });
  console.log(`receiving Schoolgate reports on ${receiver.url} (writing ${arg('--out') ?? 'reports.jsonl'})`);
}
