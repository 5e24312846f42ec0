// If the engine cannot start, pupils see a calm "checking…" page, never an unfiltered web.
// A copy of the extension with its wasm replaced by bytes that are not WebAssembly is loaded
// unpacked (no managed policy needed); every page must stop at "checking…" and the server must
// never see the request.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import * as h from './helpers.mjs';

const skip = h.cannotRun();
let server;
let ctx;

after(async () => {
  await ctx?.close().catch(() => {});
  await server?.close();
  h.cleanUp();
});

test('an engine that cannot start holds every page on "checking…"', { skip: skip ?? false, timeout: 120_000 }, async () => {
  h.ensureBuilt();
  const broken = join(h.tempDir('sg-broken-'), 'extension');
  cpSync(h.EXT_DIR, broken, { recursive: true });
  writeFileSync(join(broken, 'wasm-bytes.js'), 'export const WASM_BASE64 = "bm90IHdhc20=";\n');
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
