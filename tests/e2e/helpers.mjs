// Shared set-up for the browser tests: the demo's static server, Debian's Chromium through
// playwright-core, pages that record console errors, screenshots and an in-page contrast check.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { before, after } from 'node:test';

import { skipOrFail } from '../ci.mjs';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const SCREENSHOTS = join(ROOT, 'artifacts', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const require = createRequire(join(ROOT, 'package.json'));

/** What must exist before the page can be served, and the command that makes it. */
export function missingBuild() {
  const needed = ['www/index.html', 'www/pkg/schoolgate.js', 'www/ui/interstitial.js', 'www/_locales/en_GB/messages.json', 'www/results/find.js', 'www/report/model.js'];
  return needed.filter((p) => !existsSync(join(ROOT, p)));
}

export function loadPlaywright() {
  return require('playwright-core');
}

/** Starts `scripts/serve.mjs` on a free 127.0.0.1 port; resolves with `{url, stop}`. */
export function startServer() {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'serve.mjs'), '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`serve.mjs printed no address in 10 s: ${out}`)), 10_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({
          url: m[1],
          stop: () => new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', done);
            child.kill('SIGTERM');
          }),
        });
      }
    });
    child.stderr.on('data', (chunk) => { out += chunk; });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`serve.mjs exited with ${code}: ${out}`));
    });
  });
}

export const LAUNCH_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

/** Launches Chromium; the caller closes it. Leftover /tmp/org.chromium.Chromium.* are removed by `cleanChromiumTemp`. */
export async function launch() {
  const { chromium } = loadPlaywright();
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}

/** Removes the profile folders headless Chromium leaves in /tmp, created after `since` (ms). */
export function cleanChromiumTemp(since) {
  const dir = tmpdir();
  for (const name of readdirSync(dir)) {
    if (!name.startsWith('org.chromium.Chromium.')) continue;
    const path = join(dir, name);
    try {
      const { mtimeMs } = statSync(path);
      if (mtimeMs >= since) rmSync(path, { recursive: true, force: true });
    } catch {
      // already gone
    }
  }
}

/**
 * A new page in its own context, recording console errors and uncaught exceptions (from the page
 * and its frames) in `page.problems`.
 */
export async function newPage(browser, { viewport = { width: 1366, height: 768 }, locale = 'en-GB' } = {}) {
  const context = await browser.newContext({ viewport, locale, timezoneId: 'Europe/London' });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (error) => page.problems.push(`uncaught: ${error.message}`));
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? '';
    // A frame replaced or a page closed mid-load aborts its requests: not a fault of the page.
    if (!/ERR_ABORTED/.test(failure)) page.problems.push(`request failed: ${request.url()} ${failure}`);
  });
  page.close = ((close) => async () => {
    await close();
    await context.close();
  })(page.close.bind(page));
  return page;
}

/** Opens the demo at `path` and waits until everything on it is set up. */
export async function openDemo(page, base, path = '') {
  await page.goto(base + path);
  await page.waitForFunction(() => document.documentElement.dataset.complete === 'true' || document.documentElement.dataset.ready === 'failed', null, { timeout: 15_000 });
  const state = await page.evaluate(() => document.documentElement.dataset.ready);
  if (state === 'failed') {
    throw new Error(`the demo failed to start: ${await page.textContent('#engine-status')}`);
  }
}

export async function screenshot(target, name, options = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await target.screenshot({ path, ...options });
  return path;
}

/**
 * Text whose contrast with its background is below WCAG AA, in the page or frame: `[]` when all
 * is well. Backgrounds are found by walking up to the first opaque ancestor; text over images or
 * gradients is not judged.
 */
export async function contrastFailures(frame, selector = 'body') {
  return frame.evaluate((sel) => {
    const parse = (c) => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return null;
      const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r, g, b, a };
    };
    const lum = ({ r, g, b }) => {
      const f = (v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let n = el; n; n = n.parentElement) {
        const bg = parse(getComputedStyle(n).backgroundColor);
        if (bg && bg.a >= 0.99) return bg;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const out = [];
    const root = document.querySelector(sel);
    if (!root) return out;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      const el = t.parentElement;
      if (!el || seen.has(el) || !t.textContent.trim()) continue;
      seen.add(el);
      const style = getComputedStyle(el);
      const rect = el.getBoundingClientRect();
      if (style.visibility === 'hidden' || style.display === 'none' || rect.width === 0 || rect.height === 0) continue;
      if (el.closest('[hidden], .visually-hidden, option, select')) continue;
      const fg = parse(style.color);
      if (!fg) continue;
      const bg = background(el);
      const l1 = lum(fg);
      const l2 = lum(bg);
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      const size = parseFloat(style.fontSize);
      const bold = Number(style.fontWeight) >= 700;
      const large = size >= 24 || (bold && size >= 18.66);
      const need = large ? 3 : 4.5;
      if (ratio + 0.01 < need) out.push(`${ratio.toFixed(2)} < ${need}: “${t.textContent.trim().slice(0, 40)}” (${el.tagName.toLowerCase()}.${el.className})`);
    }
    return out;
  }, selector);
}

/**
 * The demo page's server and a Chromium for the test file that calls this (at its top level):
 * both start before its first test and stop after its last. `skip` says why the tests cannot run
 * (the package is not built), or is `false`. Read `server` and `browser` inside tests.
 */
export function demoSession() {
  const missing = missingBuild();
  const started = Date.now();
  const session = {
    server: null,
    browser: null,
    skip: skipOrFail(missing.length ? `not built (missing ${missing.join(', ')}): run scripts/build-wasm.sh` : false),
  };
  before(async () => {
    if (missing.length) return;
    session.server = await startServer();
    session.browser = await launch();
  });
  after(async () => {
    await session.browser?.close();
    await session.server?.stop();
    cleanChromiumTemp(started);
  });
  return session;
}
