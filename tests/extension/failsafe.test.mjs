// If the engine cannot start, pupils see a calm "checking…" page, never an unfiltered web.
// A copy of the extension with its wasm replaced by bytes that are not WebAssembly is loaded
// unpacked (no managed policy needed); every page must stop at "checking…" and the server must
// never see the request.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { writeWorker } from '../../scripts/bundle-worker.mjs';
import * as h from './helpers.mjs';
import { skipOrFail } from '../ci.mjs';

const skip = skipOrFail(h.cannotRun());
let server;
let ctx;

after(async () => {
  await ctx?.close().catch(() => {});
  await server?.close();
  h.cleanUp();
});

test('an engine that cannot start holds every page on "checking…"', { skip, timeout: 120_000 }, async () => {
  h.ensureBuilt();
  const broken = join(h.tempDir('sg-broken-'), 'extension');
  cpSync(h.EXT_DIR, broken, { recursive: true });
  writeFileSync(join(broken, 'wasm-bytes.js'), 'export const WASM_BASE64 = "bm90IHdhc20=";\n');
  await writeWorker(broken);
  server = await h.startServer();
  ({ ctx } = await h.launchUnpacked({ port: server.port, extDir: broken }));
  const s = await h.until(() => h.status(ctx), 'the status report');
  assert.match(s.startup.error, /the engine could not start/);
  const page = await ctx.newPage();
  for (const url of ['http://www.school-portal.example/anything', 'https://www.bbc.co.uk/bitesize']) {
    await h.go(page, url);
    await h.until(() => page.url().startsWith(h.checkingPrefix), `the checking page for ${url}`);
    await page.waitForSelector('html[data-ready="true"] .sg-checking');
  }
  await h.sleep(3_000);
  assert.ok(page.url().startsWith(h.checkingPrefix), 'still checking, never let through');
  await h.screenshot(page, 'checking-engine-failed');
  assert.deepEqual(server.requests((e) => e.host.endsWith('.example') || e.host.includes('bbc')).map((e) => e.url), []);
});

test('built-in lists the engine refuses to seed are compiled at start instead, and the staff page says so', { skip, timeout: 120_000 }, async () => {
  await ctx?.close().catch(() => {});
  h.ensureBuilt();
  const stale = join(h.tempDir('sg-stale-'), 'extension');
  cpSync(h.EXT_DIR, stale, { recursive: true });
  // Bytes that are not a ruleset, as a damaged or hand-edited file would be.
  writeFileSync(join(stale, 'builtin-rules.js'), 'export const BUILTIN_RULES_BASE64 = "bm90IGEgcnVsZXNldA==";\n');
  await writeWorker(stale);
  server ??= await h.startServer();
  ({ ctx } = await h.launchUnpacked({ port: server.port, extDir: stale }));
  const s = await h.until(async () => {
    const st = await h.status(ctx);
    return st.status.dnr.at && st;
  }, 'the status report with DNR rules', 30_000);
  assert.equal(s.startup.error, null, 'the engine started');
  assert.equal(s.startup.builtinListsSeeded, false);
  assert.match(s.startup.seedError, /cannot seed the built-in lists/);
  // The engine compiled the built-in lists itself: the worker's own verdict names the entry.
  const { verdict } = await h.inExtension(ctx, (url) => chrome.runtime.sendMessage({ type: 'explain', url }), 'https://www.pornhub.com/');
  assert.equal(verdict.action, 'block');
  assert.ok(verdict.matches.some((m) => m.key === 'pornhub.com' && m.source === 'built-in/pornography.txt'), JSON.stringify(verdict.matches));
  const page = await ctx.newPage();
  await h.go(page, `chrome-extension://${h.EXT_ID}/staff.html`);
  await page.waitForSelector('html[data-ready="true"]');
  assert.match(await page.locator('#policy').innerText(), /Built-in lists\s+compiled at start \(the build's copy was refused: cannot seed/);
  await page.close();
});
