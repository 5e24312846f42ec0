// The loop back to the device, nothing mocked: a pupil reports a page in real Chromium with the
// real extension (the real hub binary as `reportEndpoint`, a key from the hub's own CLI); the
// page is blocked on that Chromebook at once, pending review; the DSL, signed in on the hub,
// presses "Unblock on the reporting device" on the report's page; at the device's next contact
// with the hub (its delivery alarm) the page opens again. The other answer, "keep blocked",
// leaves a second reported page blocked.
//
// Holds the machine-wide browser lock when run by hand:
//   flock /tmp/sg-browser.lock node --test --test-concurrency=1 tests/hub-e2e/decision-to-device.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import * as h from '../extension/helpers.mjs';
import * as hub from './hub.mjs';
import { skipOrFail } from '../ci.mjs';

const skip = skipOrFail(h.cannotRun() ?? hub.hubMissing());
const SITE = 'https://www.pets-and-plants.co.uk';

describe('the DSL\'s decision reaches the reporting device (real Chromium, real extension, real hub)', { skip, timeout: 5 * 60_000 }, () => {
  let server;
  let ctx;
  let hubProcess;
  let cookie;

  before(async () => {
    h.ensureBuilt();
    server = await h.startServer();
    for (const path of ['unblock-me', 'keep-me']) {
      server.pages.set(`www.pets-and-plants.co.uk/${path}`, `<!doctype html><title>${path}</title><h1>${path}</h1>`);
    }
    const dir = hub.dataDir();
    const key = hub.addSigningKey(dir, 'year-1');
    hubProcess = await hub.startHub({ dir });
    cookie = await hub.signInDsl(hubProcess);
    await h.writePolicy(h.extensionPolicy({
      group: 'ks1',
      reportEndpoint: `${hubProcess.url}/api/v1/reports`,
      reportSigningKey: key,
    }));
    ({ ctx } = await h.launchUnpacked({ port: server.port }));
    await h.until(async () => (await h.status(ctx)).reportEndpoint, 'the managed policy (the hub as endpoint)', 45_000, 250);
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    h.removePolicy();
    await hubProcess?.stop();
    await server?.close();
    h.cleanUp();
  });

  /** Presses the safety button on `url`; the report's id once the hub has it. */
  async function report(url) {
    const page = await ctx.newPage();
    await h.go(page, url);
    await h.until(() => page.evaluate(() => Boolean(document.querySelector('schoolgate-button'))), 'the safety button', 10_000);
    const box = await page.locator('schoolgate-button').boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const frame = await h.until(() => page.frames().find((f) => f.url().startsWith(`chrome-extension://${h.EXT_ID}/report.html`)), 'the cover', 5_000, 10);
    const id = new URL(frame.url()).searchParams.get('id');
    await h.until(async () => (await hub.dslPage(hubProcess, cookie, '/inbox')).text.includes(`/reports/${id}`), 'the report in the inbox', 30_000, 100);
    await page.close();
    return id;
  }

  /** Whether `url` is blocked on the device now (a fresh tab). */
  async function blockedKind(url) {
    const page = await ctx.newPage();
    await h.go(page, url);
    const kind = page.url().startsWith(`chrome-extension://${h.EXT_ID}/blocked.html`) ? (await h.blockPage(page)).kind : null;
    await page.close();
    return kind;
  }

  /** The DSL presses `kind` on the report's page, as a browser would (the page's CSRF token). */
  async function decide(id, kind) {
    const shown = await hub.dslPage(hubProcess, cookie, `/reports/${id}`);
    const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(shown.text)?.[1];
    assert.ok(csrf, 'the report page carries a CSRF token');
    assert.ok(shown.text.includes(`value="${kind}"`), `the report page offers ${kind}`);
    const answer = await fetch(`${hubProcess.url}/reports/${id}/case`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ kind, detail: '', csrf }).toString(),
    });
    assert.equal(answer.status, 303, await answer.text());
  }

  /** The device's next contact with the hub: its delivery alarm, due now. */
  async function nextContact() {
    const sw = await h.worker(ctx);
    await sw.evaluate(() => chrome.alarms.create('sg-deliver', { when: Date.now() + 50 }));
  }

  test('"Unblock on the reporting device" opens the page there at its next contact; "keep blocked" does not', async () => {
    const unblockId = await report(`${SITE}/unblock-me`);
    const keepId = await report(`${SITE}/keep-me`);
    assert.equal(await blockedKind(`${SITE}/unblock-me`), 'reported', 'blocked on the device at once, pending review');
    assert.equal(await blockedKind(`${SITE}/keep-me`), 'reported');

    await decide(unblockId, 'unblock-page');
    await decide(keepId, 'keep-blocked');
    const decidedAt = Date.now();
    await nextContact();
    await h.until(async () => (await blockedKind(`${SITE}/unblock-me`)) === null, 'the unblocked page opening on the device', 60_000, 500);
    console.log(`DSL's decision to the page opening on the device (one alarm): ${Date.now() - decidedAt} ms`);
    assert.equal(await blockedKind(`${SITE}/keep-me`), 'reported', 'the page the DSL kept blocked stays blocked');
  });
});
