// Shared set-up for the extension's browser tests: one local server that speaks HTTP and HTTPS on
// the same 127.0.0.1 port and logs every request it gets, Chromium (Debian's, through
// playwright-core) with the extension loaded unpacked or force-installed from a packed CRX, the
// machine-wide managed policy file (written under a lock and always removed), and small waits.

import { spawnSync, execFileSync } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const EXT_DIR = join(ROOT, 'extension');
export const TEST_KEY = join(ROOT, 'tests', 'extension', 'test-only-key.pem');
/** The id the manifest's `"key"` pins (the public half of the test-only key). */
export const EXT_ID = 'deohikanlmjlhjfeohlmnkkldjepeklp';
export const SCREENSHOTS = join(ROOT, 'artifacts', 'screenshots', 'extension');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const POLICY_DIR = '/etc/chromium/policies/managed';
const POLICY_FILE = join(POLICY_DIR, 'schoolgate-test.json');
const POLICY_LOCK = join(tmpdir(), 'schoolgate-chromium-policy.lock');

const require = createRequire(join(ROOT, 'package.json'));
const started = Date.now();
const temps = [];

// ---------------------------------------------------------------------------------------------
// What must exist

/** Why the browser tests cannot run here, or `null`. */
export function cannotRun() {
  if (!existsSync(join(EXT_DIR, 'pkg', 'schoolgate.js'))) return 'extension/pkg/ is missing: run scripts/build-wasm.sh';
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing: run scripts/setup.sh`;
  try {
    require.resolve('playwright-core');
  } catch {
    return 'playwright-core is missing: run scripts/setup.sh (npm ci)';
  }
  if (process.getuid?.() !== 0) return 'the managed policy file needs root (/etc/chromium/policies/managed)';
  return null;
}

/** Builds extension/wasm-bytes.js, the shared UI's copies and the bundled worker when missing or older than their sources. */
export function ensureBuilt() {
  const wasm = join(EXT_DIR, 'pkg', 'schoolgate_bg.wasm');
  const bytes = join(EXT_DIR, 'wasm-bytes.js');
  const stale = !existsSync(bytes) || statSync(bytes).mtimeMs < statSync(wasm).mtimeMs
    || !existsSync(join(EXT_DIR, 'tester', 'tester.js'))
    || statSync(join(EXT_DIR, 'tester', 'tester.js')).mtimeMs < statSync(join(ROOT, 'shared-ui', 'tester', 'tester.js')).mtimeMs;
  // The worker Chrome runs is the bundle (scripts/bundle-worker.mjs): older than any module of
  // the worker or the shared UI it imports, it is built again.
  const worker = join(EXT_DIR, 'worker.js');
  const newest = (dir) => Math.max(0, ...readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => statSync(join(dir, f)).mtimeMs));
  const sources = [join(EXT_DIR, 'sw'), join(ROOT, 'shared-ui', 'report'), join(ROOT, 'shared-ui', 'ui'), join(EXT_DIR, 'pages')];
  const workerStale = !existsSync(worker) || statSync(worker).mtimeMs < Math.max(statSync(join(EXT_DIR, 'background.js')).mtimeMs, ...sources.map(newest));
  if (stale || workerStale) execFileSync('bash', [join(ROOT, 'scripts', 'build-extension.sh')], { stdio: 'inherit' });
}

export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/**
 * The managed `staffUnlockCodeHash` for a test staff code, from the vectors the CLI's tests share
 * (tests/fixtures/staff-code/vectors.json): salted PBKDF2, as `schoolgate staff-code` prints.
 */
export function staffCodeValue(code) {
  const { vectors } = JSON.parse(readFileSync(join(ROOT, 'tests', 'fixtures', 'staff-code', 'vectors.json'), 'utf8'));
  const found = vectors.find((v) => v.code === code);
  if (!found) throw new Error(`no staff-code vector for ${code}: add one to tests/fixtures/staff-code/vectors.json`);
  return found.value;
}

// ---------------------------------------------------------------------------------------------
// The local server: HTTP and HTTPS on one port, every request logged.

function selfSignedCert() {
  const dir = tempDir('sg-cert-');
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=schoolgate-test', '-addext', 'subjectAltName=DNS:*.com,DNS:localhost,IP:127.0.0.1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

/**
 * Starts the server. Every request is logged as `{scheme, host, path, url, headers, at}`.
 * `pages` maps a path (or `host + path`) to HTML; `files` maps a path to `{type, body, status, cacheable}`.
 */
export async function startServer() {
  const log = [];
  const pages = new Map();
  const files = new Map();
  const handler = (scheme) => (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const entry = { scheme, host, path: req.url, url: `${scheme}://${host}${req.url}`, headers: req.headers, at: Date.now() };
    log.push(entry);
    const pathOnly = req.url.split('?')[0];
    const file = files.get(`${host}${pathOnly}`) ?? files.get(pathOnly);
    if (file) {
      // `cacheable`: no `no-store`, so the page may enter the back/forward cache (Chrome keeps
      // no-store pages out of it).
      res.writeHead(file.status ?? 200, { 'content-type': file.type ?? 'text/plain', ...(file.cacheable ? {} : { 'cache-control': 'no-store' }) });
      res.end(typeof file.body === 'function' ? file.body(req) : file.body);
      return;
    }
    const html = pages.get(`${host}${pathOnly}`) ?? pages.get(pathOnly)
      ?? `<!doctype html><title>ok ${host}${req.url}</title><body><h1>Loaded ${host}${req.url.replace(/</g, '&lt;')}</h1></body>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  };
  const http = createHttpServer({ keepAliveTimeout: 1000 }, handler('http'));
  const https = createHttpsServer({ ...selfSignedCert(), keepAliveTimeout: 1000 }, handler('https'));
  const front = createNetServer((socket) => {
    // Peek at the first byte without consuming it: 0x16 starts a TLS handshake.
    socket.once('readable', () => {
      const first = socket.read(1);
      if (!first) return socket.destroy();
      socket.unshift(first);
      (first[0] === 0x16 ? https : http).emit('connection', socket);
    });
    socket.on('error', () => {});
  });
  await new Promise((ok) => front.listen(0, '127.0.0.1', ok));
  const { port } = front.address();
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    log,
    pages,
    files,
    /** Requests whose URL (without the port) matches. */
    requests(match) {
      return log.filter((e) => (typeof match === 'string' ? e.url.includes(match) : match(e)));
    },
    /** Drops the log (between steps of a test). */
    clear() {
      log.length = 0;
    },
    close() {
      http.closeAllConnections?.();
      https.closeAllConnections?.();
      return new Promise((ok) => front.close(() => ok()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The machine-wide managed policy file, under a lock (never two policy-using browsers at once).

let holdingLock = false;

async function lockPolicy() {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(POLICY_LOCK);
      writeFileSync(join(POLICY_LOCK, 'pid'), String(process.pid));
      holdingLock = true;
      return;
    } catch {
      // Taken: by a live process, wait; by a dead one, take it over.
      let pid = 0;
      try {
        pid = Number(readFileSync(join(POLICY_LOCK, 'pid'), 'utf8'));
      } catch {
        pid = 0;
      }
      let alive = false;
      try {
        if (pid) process.kill(pid, 0);
        alive = pid > 0;
      } catch {
        alive = false;
      }
      if (!alive) rmSync(POLICY_LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error('the managed policy lock is held by another test run');
      else await sleep(1000);
    }
  }
}

/** Writes the managed policy Chromium reads (machine-wide). Takes the lock the first time. */
export async function writePolicy(policy) {
  if (!holdingLock) await lockPolicy();
  mkdirSync(POLICY_DIR, { recursive: true });
  const tmp = `${POLICY_FILE}.tmp`;
  writeFileSync(tmp, JSON.stringify(policy, null, 2));
  execFileSync('mv', [tmp, POLICY_FILE]);
}

/** `{"3rdparty": {"extensions": {id: settings}}}`: what the Admin console pushes to the extension. */
export function extensionPolicy(settings, extra = {}) {
  return { ...extra, '3rdparty': { extensions: { [EXT_ID]: settings } } };
}

/**
 * Removes the policy file and releases the lock. Safe to call twice. Only the process that wrote
 * the policy removes it: a unit test that merely imports this module (for ROOT, say) and exits
 * must not delete the file a browser test running meanwhile under the lock depends on (Chrome
 * uninstalls a force-installed extension the moment its policy goes).
 */
export function removePolicy() {
  if (!holdingLock) return;
  rmSync(POLICY_FILE, { force: true });
  rmSync(`${POLICY_FILE}.tmp`, { force: true });
  rmSync(POLICY_LOCK, { recursive: true, force: true });
  holdingLock = false;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    removePolicy();
    process.exit(130);
  });
}
process.once('exit', () => removePolicy());

// ---------------------------------------------------------------------------------------------
// Chromium

const COMMON_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic', '--ignore-certificate-errors', '--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable'];

function resolverArgs(port) {
  return [`--host-resolver-rules=MAP * 127.0.0.1:${port}, EXCLUDE localhost, EXCLUDE 127.0.0.1`];
}

/**
 * Chromium with the extension loaded unpacked (as a developer or a school trying it would).
 * Write the policy first (`writePolicy`) if the test needs a managed configuration. Pass the
 * same `profile` (from `tempDir`) again to reopen the browser on the same profile; `args` and
 * `env` are added to Chromium's (`--lang=uk`, say).
 */
export async function launchUnpacked({ port, extDir = EXT_DIR, profile = tempDir('sg-profile-'), args = [], env }) {
  const { chromium } = require('playwright-core');
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [...COMMON_ARGS, '--disable-background-networking', `--disable-extensions-except=${extDir}`, `--load-extension=${extDir}`, ...resolverArgs(port), ...args],
    ...(env ? { env: { ...process.env, ...env } } : {}),
    viewport: { width: 1024, height: 720 },
  });
  return { ctx, sw: await worker(ctx) };
}

/** Packs `extDir` into a CRX signed with the test-only key; returns its bytes. */
export function packCrx(extDir = EXT_DIR) {
  const dir = tempDir('sg-pack-');
  const copy = join(dir, 'schoolgate');
  cpSync(extDir, copy, { recursive: true });
  const r = spawnSync('/usr/lib/chromium/chromium', ['--no-sandbox', '--headless=new', `--pack-extension=${copy}`, `--pack-extension-key=${TEST_KEY}`], { encoding: 'utf8', timeout: 60_000 });
  const crx = `${copy}.crx`;
  if (!existsSync(crx)) throw new Error(`packing failed: ${r.stderr}`);
  return readFileSync(crx);
}

/**
 * Chromium with the extension force-installed by policy (ExtensionInstallForcelist) from a CRX
 * on the local update server, as the Google Admin console does. Background networking must stay
 * on: the update check is background networking.
 */
export async function launchForceInstalled({ server, crx, settings, extraPolicy = {} }) {
  const version = JSON.parse(readFileSync(join(EXT_DIR, 'manifest.json'), 'utf8')).version;
  server.files.set('/updates.xml', {
    type: 'text/xml',
    body: `<?xml version='1.0' encoding='UTF-8'?><gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'><app appid='${EXT_ID}'><updatecheck codebase='${server.origin}/schoolgate.crx' version='${version}' /></app></gupdate>`,
  });
  server.files.set('/schoolgate.crx', { type: 'application/x-chrome-extension', body: crx });
  await writePolicy(extensionPolicy(settings, {
    ExtensionInstallForcelist: [`${EXT_ID};${server.origin}/updates.xml`],
    DeveloperToolsAvailability: 1,
    ...extraPolicy,
  }));
  const { chromium } = require('playwright-core');
  const profile = tempDir('sg-profile-');
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    // Playwright turns the back/forward cache off; a school's Chrome has it on, and the
    // extension must judge pages restored from it, so keep it as real Chrome does.
    ignoreDefaultArgs: ['--disable-extensions', '--disable-background-networking', '--disable-component-update', '--disable-back-forward-cache'],
    args: [...COMMON_ARGS, ...resolverArgs(server.port)],
    viewport: { width: 1024, height: 720 },
  });
  return { ctx, sw: await worker(ctx, 90_000), profile };
}

/**
 * The process id of the browser launched on `profile` (its main process: the one given that
 * `--user-data-dir` and no `--type`), read from /proc; null if none is running.
 */
export function browserPid(profile) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args;
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    if (args.includes(`--user-data-dir=${profile}`) && !args.some((a) => a.startsWith('--type='))) return Number(entry);
  }
  return null;
}

/** The extension's service worker (waits for it to start). */
export async function worker(ctx, timeout = 30_000, not = null) {
  const mine = (w) => w !== not && w.url().startsWith(`chrome-extension://${EXT_ID}/`);
  const found = ctx.serviceWorkers().find(mine);
  if (found) return found;
  const deadline = Date.now() + timeout;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error('the extension service worker did not start');
    const w = await ctx.waitForEvent('serviceworker', { timeout: left });
    if (mine(w)) return w;
  }
}

const probes = new WeakMap();

/**
 * Runs `fn(arg)` in one of the extension's own pages (a quiet one, kept open per context), where
 * `chrome.runtime.sendMessage` reaches the service worker. Unlike a Playwright handle on the
 * worker, this keeps working after the worker has been stopped and woken again.
 */
export async function inExtension(ctx, fn, arg) {
  let page = probes.get(ctx);
  if (!page || page.isClosed()) {
    page = await ctx.newPage();
    await page.goto(`chrome-extension://${EXT_ID}/checking.html`);
    probes.set(ctx, page);
  }
  return page.evaluate(fn, arg);
}

/** The worker's status report (what the staff page shows). */
export async function status(ctx) {
  return inExtension(ctx, () => chrome.runtime.sendMessage({ type: 'status' }));
}

/**
 * Stops every service worker of the profile, as Chrome does to an idle worker after ~30 s, and
 * waits until the extension's worker reports "stopped". Playwright's handle for the old worker
 * goes stale: get the woken one with `worker(ctx, …, old)`.
 */
export async function stopWorkers(ctx) {
  const page = ctx.pages()[0] ?? await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  // Whether each version of the extension's worker has been seen stopped since the command: an
  // event (an alarm, a request of the page under test) may start it again at once, and that is
  // still a worker that was stopped and woken.
  const stoppedOnce = new Map();
  cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
    for (const v of e.versions) {
      if (!v.scriptURL.includes(EXT_ID)) continue;
      stoppedOnce.set(v.versionId, stoppedOnce.get(v.versionId) || v.runningStatus === 'stopped');
    }
  });
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await until(() => stoppedOnce.size && [...stoppedOnce.values()].every(Boolean), 'the extension worker to stop', 10_000, 50);
  await cdp.send('ServiceWorker.disable').catch(() => {});
  await cdp.detach().catch(() => {});
}

/**
 * `requestStart − startTime` of a navigation to each URL in turn, in one new page: the delay before
 * the request leaves, which is what a blocking listener adds. With `stopFirst`, the extension's
 * worker is stopped before each navigation (a cold wake).
 */
export async function requestStartTimes(ctx, urls, { stopFirst = false } = {}) {
  const page = await ctx.newPage();
  const out = [];
  for (const url of urls) {
    if (stopFirst) await stopWorkers(ctx);
    await go(page, url, 30_000);
    await until(() => page.url() === url, `${url} to load`, 30_000);
    out.push(await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0];
      return n.requestStart - n.startTime;
    }));
  }
  await page.close();
  return out;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** `page.goto` that does not throw when the extension redirects the navigation (ERR_ABORTED). */
export async function go(page, url, timeout = 15_000) {
  await page.goto(url, { timeout }).catch(() => {});
}

/** Polls until `fn()` is truthy; returns its value or throws with `what`. */
export async function until(fn, what, timeout = 15_000, every = 100) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last?.message ?? JSON.stringify(last)?.slice(0, 200)})`);
    await sleep(every);
  }
}

/**
 * The two stand-in lists the teachers' override tests block with, served by `server`: a locked
 * one (`child-abuse`: abuse-standin.example) and a never-override one (`pornography`:
 * coolmathgames.com/adult/). Their entries for the managed `lists` setting.
 */
export function serveStandInLists(server) {
  server.files.set('/lists/iwf-test.txt', { body: 'abuse-standin.example\n' });
  server.files.set('/lists/adult-test.txt', { body: 'coolmathgames.com/adult/\n' });
  return [
    { url: `${server.origin}/lists/iwf-test.txt`, category: 'child-abuse', format: 'domains', name: 'IWF test stand-in' },
    { url: `${server.origin}/lists/adult-test.txt`, category: 'pornography', format: 'urls', name: 'Adult test stand-in' },
  ];
}

/** Waits until the extension runs its managed policy with `count` lists, each loaded, and its DNR rules; its status. */
export function untilManagedWithLists(ctx, count, timeout = 60_000) {
  return until(async () => {
    const s = await status(ctx);
    return s.source === 'managed' && s.status.dnr.at && s.status.lists.length === count && s.status.lists.every((l) => l.entries > 0) && s;
  }, 'the managed policy, its lists and the DNR rules', timeout, 250);
}

export const blockPrefix = `chrome-extension://${EXT_ID}/blocked.html`;
export const checkingPrefix = `chrome-extension://${EXT_ID}/checking.html`;

/** Waits until `page` shows the block page, rendered; returns the page's data attributes. */
export async function blockPage(page, timeout = 15_000) {
  await until(() => page.url().startsWith(blockPrefix), `the block page (at ${page.url()})`, timeout);
  await page.waitForSelector('html[data-ready="true"] .sg-page', { timeout });
  return page.evaluate(() => ({
    audience: document.querySelector('.sg-page')?.dataset.audience,
    kind: document.querySelector('.sg-page')?.dataset.kind,
    src: document.documentElement.dataset.src,
    title: document.querySelector('h1')?.textContent,
    text: document.querySelector('.sg-page')?.innerText,
  }));
}

export function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Removes this run's temporary folders and headless Chromium's leftovers in /tmp. */
export function cleanUp() {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('org.chromium.Chromium.')) continue;
    const path = join(tmpdir(), name);
    try {
      if (statSync(path).mtimeMs >= started) rmSync(path, { recursive: true, force: true });
    } catch {
      // gone already
    }
  }
}

/** The TOML of the built-in policy with `[groups.ks2.categories] games = …` changed. */
export function policyWithGames(defaultToml, gamesAction) {
  const re = /games = \{ allow_at = \[[\s\S]*?\] \}/;
  if (!re.test(defaultToml)) throw new Error('the built-in policy no longer has the KS2 games window this test edits');
  return defaultToml.replace(re, `games = ${gamesAction}`);
}
