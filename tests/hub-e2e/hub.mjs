// The real hub binary for the Node tests: `schoolgate-hub serve` in a temporary data directory,
// on SQLite there or on a throwaway PostgreSQL (`hubData('postgres')`), a signing key made with
// its own CLI, reports signed as the extension signs them.
// scripts/test.sh builds the binary first (`cargo build -p schoolgate-hub`); HUB_BIN overrides.

import { spawn, execFile, execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { signBody } from '../../shared-ui/report/sign.js';

const execFileAsync = promisify(execFile);

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const HUB_BIN = process.env.HUB_BIN ?? join(ROOT, 'target', 'debug', 'schoolgate-hub');

/** Why the hub tests cannot run here (no binary), or null. Under CI=true that is a failure. */
export function hubMissing() {
  if (existsSync(HUB_BIN)) return null;
  const why = `no hub binary at ${HUB_BIN}: run \`cargo build -p schoolgate-hub\` first`;
  if (process.env.CI === 'true') throw new Error(why);
  return why;
}

/** A new, empty data directory (removed by `hub.stop()`). */
export function dataDir() {
  return mkdtempSync(join(tmpdir(), 'sg-hub-'));
}

/** The database URL each data directory's hub uses (`hubData`); none: SQLite in the directory. */
const databases = new Map();

/** The back ends a test runs its cases on (`for (const backend of hub.BACKENDS) describe(…)`). */
export const BACKENDS = ['sqlite', 'postgres'];

/**
 * A new, empty data directory for a hub on `backend`: 'sqlite' (the file in the directory) or
 * 'postgres' (a new database on this process's one throwaway PostgreSQL server, started on first
 * use). `startHub`, `hubCli` and `addSigningKey` given the directory use that database.
 */
export async function hubData(backend = 'sqlite') {
  const dir = dataDir();
  if (backend === 'postgres') databases.set(dir, await postgresDatabase());
  else if (backend !== 'sqlite') throw new Error(`no such back end: ${backend}`);
  return dir;
}

/** The `--database` arguments for the hub whose data directory is `dir`. */
function databaseArgs(dir) {
  return databases.has(dir) ? ['--database', databases.get(dir)] : [];
}

/** `schoolgate-hub --data DIR ARGS…` run to the end; its standard output. */
export function hubCli(dir, args, env = {}) {
  return execFileSync(HUB_BIN, ['--data', dir, ...databaseArgs(dir), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

// A throwaway PostgreSQL, as the Rust hub tests start one (crates/hub/tests/hub/support/pg.rs) and
// bench/hub/run.sh does: Debian's server, `initdb` in a temporary directory, listening on
// 127.0.0.1 on a free port with its socket in that directory, as the `postgres` user when root.
// One server per test process (a test file), a database per hub; stopped and removed when the
// process exits (or by `stopPostgres`).

/** The newest installed PostgreSQL's bin directory (PG_BIN overrides), or null. */
function postgresBin() {
  if (process.env.PG_BIN) return existsSync(join(process.env.PG_BIN, 'initdb')) ? process.env.PG_BIN : null;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(a) - Number(b));
  return versions.length ? join(base, versions.at(-1), 'bin') : null;
}

/** Why the PostgreSQL runs cannot run here, or null. Under CI=true that is a failure. */
export function postgresMissing() {
  if (postgresBin()) return null;
  const why = 'PostgreSQL is not installed (scripts/setup.sh installs it)';
  if (process.env.CI === 'true') throw new Error(why);
  return why;
}

/** Why the hub cannot run on `backend` here (no binary; no PostgreSQL), or null. */
export function backendMissing(backend) {
  return hubMissing() ?? (backend === 'postgres' ? postgresMissing() : null);
}

let postgres = null;

function freePort() {
  return new Promise((ok, fail) => {
    const probe = createTcpServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

/** Runs PostgreSQL's `tool` (as the postgres user when root); its output. */
function pgTool(tool, args) {
  const bin = join(postgres.bin, tool);
  const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileAsync(file, argv, { encoding: 'utf8' });
}

/** A new database on the throwaway server (started on first call): its URL. */
async function postgresDatabase() {
  const why = postgresMissing();
  if (why) throw new Error(why);
  if (!postgres) {
    const dir = mkdtempSync(join(tmpdir(), 'sg-pg-'));
    postgres = { bin: postgresBin(), dir, port: await freePort(), next: 0, started: false };
    process.once('exit', stopPostgres);
    // A file stopped from outside (its timeout, Ctrl-C) leaves no server running either.
    for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => { stopPostgres(); process.exit(128 + (signal === 'SIGINT' ? 2 : 15)); });
    if (process.getuid?.() === 0) execFileSync('chown', ['postgres:', dir]);
    else chmodSync(dir, 0o700);
    const data = join(dir, 'data');
    await pgTool('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync']);
    await pgTool('pg_ctl', ['-D', data, '-w', '-s', '-l', join(dir, 'server.log'), '-o',
      `-c listen_addresses=127.0.0.1 -c port=${postgres.port} -c unix_socket_directories=${dir} -c fsync=off`, 'start']);
    postgres.started = true;
  }
  postgres.next += 1;
  const name = `hub_e2e_${postgres.next}`;
  await pgTool('createdb', ['-h', '127.0.0.1', '-p', String(postgres.port), '-U', 'postgres', name]);
  return `postgres://postgres@127.0.0.1:${postgres.port}/${name}`;
}

/** Stops the throwaway PostgreSQL (if one was started) and removes its directory. */
export function stopPostgres() {
  if (!postgres) return;
  const { bin, dir, started } = postgres;
  postgres = null;
  if (started) {
    const pgCtl = join(bin, 'pg_ctl');
    const args = ['-D', join(dir, 'data'), '-s', '-m', 'immediate', 'stop'];
    try {
      if (process.getuid?.() === 0) execFileSync('runuser', ['-u', 'postgres', '--', pgCtl, ...args], { stdio: 'ignore' });
      else execFileSync(pgCtl, args, { stdio: 'ignore' });
    } catch { /* already gone */ }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** A new signing key (64 hex characters) made with the hub's own CLI. */
export function addSigningKey(dir, label = 'chromebooks') {
  return hubCli(dir, ['signing-key', 'add', '--label', label]).trim();
}

/**
 * Starts `schoolgate-hub serve --listen 127.0.0.1:0 ARGS…` in `dir`; resolves once it prints its
 * address (on `database`, a `--database` URL: by default the one `hubData` chose for `dir`, else
 * SQLite in `dir`). `hub.url`, `hub.firstRun` (the first-run link, printed just after the address while there is no account:
 * wait for it with `until`),
 * `hub.log()` (everything it printed), `hub.stop()`.
 */
export async function startHub({ dir = dataDir(), database = databases.get(dir), args = [], env = {}, removeDir = true, listen = '127.0.0.1:0' } = {}) {
  const child = spawn(HUB_BIN, ['--data', dir, ...(database ? ['--database', database] : []), 'serve', '--listen', listen, ...args], {
    env: { ...process.env, RUST_LOG: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk) => { output += chunk; });
  const hub = { dir, child, url: null, firstRun: null, log: () => output };
  const lines = createInterface({ input: child.stdout });
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the hub did not start:\n${output}`)), 30_000);
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`the hub exited (${code}):\n${output}`)); });
    lines.on('line', (line) => {
      output += `${line}\n`;
      const listening = /^schoolgate-hub listening on (http:\/\/\S+)$/.exec(line);
      if (listening) hub.url = listening[1];
      const setup = /^first-run link .*: (http:\/\/\S+)$/.exec(line);
      if (setup) hub.firstRun = setup[1];
      if (listening) { clearTimeout(timer); ok(); }
    });
  });
  hub.stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      await exited;
    }
    if (removeDir) rmSync(dir, { recursive: true, force: true });
  };
  return hub;
}

/** POSTs `report` to the hub as the extension does (signed with `key`); the response. */
export async function postReport(hubUrl, key, report) {
  const body = JSON.stringify(report);
  return fetch(`${hubUrl}/api/v1/reports`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-schoolgate-signature': await signBody(key, body),
      'x-schoolgate-report-id': report.id,
      'x-schoolgate-revision': String(report.revision),
    },
    body,
  });
}

/**
 * POSTs a `schoolgate-events/1` batch of `events` (each `{kind, …fields}`; ids and times added)
 * to the hub as the extension does (docs/events.md), signed with `key`; the response.
 */
export async function postEvents(hubUrl, key, events, envelope = {}) {
  const batch = `b-${randomUUID()}`;
  const at = new Date().toISOString();
  const body = JSON.stringify({
    schema: 'schoolgate-events/1',
    batch,
    device: 'd-test-device-0001',
    user: 'pupil.one@oak-hill.example',
    group: 'ks2',
    extensionVersion: '0.1.0',
    ...envelope,
    sentAt: at,
    events: events.map((e) => ({ id: `e-${randomUUID()}`, at, ...e })),
  });
  return fetch(`${hubUrl}/api/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-schoolgate-signature': await signBody(key, body), 'x-schoolgate-batch-id': batch },
    body,
  });
}

export function sleep(ms) {
  return new Promise((ok) => setTimeout(ok, ms));
}

/** Polls `fn` until it returns something truthy, or fails after `timeout` ms naming `what`. */
export async function until(fn, what, timeout = 15_000, every = 50) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

/** The RFC 6238 code (SHA-1, 6 digits, 30 s) for base32 `secret` at 30-second step `step`. */
export function totpCode(secret, step) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/**
 * Makes the DSL's account through the hub's first-run page (as a DSL would, with a code an
 * authenticator computes) and signs in through its sign-in page; the session cookie
 * (`name=value`) for reading the inbox.
 */
export async function signInDsl(hubProcess, { username = 'dsl', password = 'correct horse battery staple' } = {}) {
  const link = await until(() => hubProcess.firstRun, 'the first-run link');
  // As a browser: each form carries the page's CSRF token, and, before sign-in, the `sg_csrf`
  // cookie that came with the page (docs/hub.md, "CSRF").
  const open = async (url) => {
    const page = await fetch(url);
    const text = await page.text();
    const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(text)?.[1];
    const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('sg_csrf='));
    if (!csrf || !cookie) throw new Error(`no CSRF token on ${url}:\n${text}`);
    return { text, csrf, cookie };
  };
  const setup = await open(link);
  const secret = /name="totp_secret" value="([A-Z2-7=]+)"/.exec(setup.text)?.[1];
  if (!secret) throw new Error(`no TOTP key on the first-run page:\n${setup.text}`);
  const step = Math.floor(Date.now() / 1000 / 30);
  const form = (page, fields) => ({
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie },
    body: new URLSearchParams({ ...fields, csrf: page.csrf }).toString(),
  });
  // The current step's code makes the account and the next step's signs in (the hub allows one
  // step either side): each code works once, and each stays valid for 30 s or more however slow
  // the machine (the previous step's code expired when a step ended mid-form).
  const made = await fetch(link, form(setup, { username, password, password_again: password, totp_secret: secret, code: totpCode(secret, step) }));
  if (made.status !== 303) throw new Error(`first run refused (${made.status}): ${await made.text()}`);
  const login = await open(`${hubProcess.url}/login`);
  const signed = await fetch(`${hubProcess.url}/login`, form(login, { username, password, code: totpCode(secret, step + 1) }));
  const cookie = signed.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('sg_session='));
  if (signed.status !== 303 || !cookie) throw new Error(`sign-in refused (${signed.status}): ${await signed.text()}`);
  return cookie;
}

/** A hub page with the DSL's session: `{status, text}`. */
export async function dslPage(hubProcess, cookie, path) {
  const response = await fetch(`${hubProcess.url}${path}`, { headers: { cookie }, redirect: 'manual' });
  return { status: response.status, text: await response.text() };
}

/**
 * An HTTP server on 127.0.0.1 that can go away and come back on the same port, as a network
 * between a device and its hub does: `up()` listens (on a free port the first time), `down()`
 * stops listening and drops the open connections.
 */
export function switchableServer(handler) {
  let server = null;
  let port = 0;
  return {
    get port() { return port; },
    async up() {
      if (server) return;
      const starting = createServer(handler);
      await new Promise((ok, fail) => {
        starting.once('error', fail);
        starting.listen(port, '127.0.0.1', ok);
      });
      port = starting.address().port;
      server = starting;
    },
    async down() {
      const stopping = server;
      if (!stopping) return;
      server = null;
      stopping.closeAllConnections();
      await new Promise((ok) => stopping.close(ok));
    },
  };
}

/**
 * What a test forwarder passes on to the hub of a device's request: the body's type and every
 * Schoolgate header (reports' id and revision, events' batch id, a decision request's time), as
 * the device sent them.
 */
export function forwardedHeaders(req) {
  const headers = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'content-type' || name.startsWith('x-schoolgate-')) headers[name] = value;
  }
  return headers;
}

/**
 * The hub as the extension's report endpoint, for the browser tests: the real hub binary (SQLite,
 * a key made with its CLI) behind a test-only forwarding server on 127.0.0.1 that can play a
 * failing network (`up('error' | 'hang' | 'garbage')`: 500, no answer, not HTTP; `down()`: nothing
 * listening), and otherwise passes each request to the hub and its answer back unchanged.
 *
 * What the hub stored is read from the hub (`reports export --json`): `report(id)` (newest
 * revision's body), `exported()` (`{reports: Map id → body, revisions: [body…]}`). The forwarder
 * records only what crossed the network: `requests` (when, which id), `rejected` (the hub's 4xx
 * and 5xx answers), `deliveries` (`id#revision` → requests the hub answered 2xx).
 */
export async function startHubEndpoint() {
  const dir = dataDir();
  const key = addSigningKey(dir, 'chromebooks');
  const hubProcess = await startHub({ dir });
  const state = { behaviour: 'ok', requests: [], rejected: [], deliveries: new Map() };
  const forward = (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const id = req.headers['x-schoolgate-report-id'] ?? null;
      const revision = req.headers['x-schoolgate-revision'] ?? null;
      state.requests.push({ at: Date.now(), method: req.method, id, revision, behaviour: state.behaviour });
      if (state.behaviour === 'hang') return; // the client's timeout must give up
      if (state.behaviour === 'garbage') {
        req.socket.end('THIS IS NOT HTTP\r\n\r\n\u0000\u0001');
        return;
      }
      if (state.behaviour === 'error') {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('endpoint unavailable');
        return;
      }
      const headers = forwardedHeaders(req);
      let answer;
      let text;
      try {
        answer = await fetch(`${hubProcess.url}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : Buffer.concat(chunks) });
        text = await answer.text();
      } catch (error) {
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`the hub did not answer: ${error.message}`);
        return;
      }
      if (answer.status >= 400) state.rejected.push({ at: Date.now(), method: req.method, path: req.url, status: answer.status, id, why: text });
      else state.deliveries.set(`${id}#${revision}`, (state.deliveries.get(`${id}#${revision}`) ?? 0) + 1);
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
    });
  };
  const listening = switchableServer(forward);
  const endpoint = {
    key,
    hub: hubProcess,
    requests: state.requests,
    rejected: state.rejected,
    deliveries: state.deliveries,
    get port() { return listening.port; },
    get url() { return `http://127.0.0.1:${listening.port}/api/v1/reports`; },
    setBehaviour(behaviour) { state.behaviour = behaviour; },
    /** Listening (again, on the same port), behaving as `behaviour`. */
    async up(behaviour = 'ok') {
      state.behaviour = behaviour;
      await listening.up();
    },
    /** Nothing listening: the endpoint is down (the hub keeps what it has). */
    down: () => listening.down(),
    /** Everything the hub holds, read from the hub. */
    async exported() {
      const { stdout } = await execFileAsync(HUB_BIN, ['--data', dir, ...databaseArgs(dir), 'reports', 'export', '--json'], { maxBuffer: 1 << 28 });
      const doc = JSON.parse(stdout);
      return { reports: new Map(doc.reports.map((r) => [r.id, r.body])), revisions: doc.revisions.map((r) => r.body) };
    },
    /** The newest revision the hub holds of report `id`, or undefined. */
    async report(id) {
      return (await endpoint.exported()).reports.get(id);
    },
    async close() {
      await endpoint.down();
      await hubProcess.stop();
    },
  };
  await endpoint.up();
  return endpoint;
}
