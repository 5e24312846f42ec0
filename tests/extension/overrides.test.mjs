// Teachers' override codes in real Chromium (issue 18), with the extension force-installed by
// policy and its managed configuration (overrideSecret, a policy with override_minutes = 1 and
// never_override) in the machine-wide policy file. The codes are computed here with WebCrypto
// (tests/js/override-codes.mjs), independently of the core. The local server's request log is
// the proof: a page that stays blocked is never requested.
//
// A right code opens the page (and its site's other pages) for the group, a wrong one does not,
// a code for another site does not, a locked page never opens (the block page offers no code,
// and the worker refuses a right one sent straight to it), a never-override page on the opened
// site stays blocked, the override ends on time (the open tab goes back to the block page), the
// same code never works twice, five wrong codes make the pupil wait across a worker restart,
// the secret never reaches a page, and the staff page lists every use with when it ended; every
// code typed also reaches the school's hub as an `override` event (docs/events.md), played by the
// test receiver that checks each batch's signature and shape (support/events-receiver.mjs).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import * as h from './helpers.mjs';
import { skipOrFail } from '../ci.mjs';
import { codeFor } from '../js/override-codes.mjs';
import { startEventsReceiver } from './support/events-receiver.mjs';

const skip = skipOrFail(h.cannotRun());
const T = { timeout: 120_000 };
const SECRET = `sgo1-${'3c1f9ad2e47b0865'.repeat(4)}`;
const POLICY = `never_override = ["pornography"]
override_minutes = 1

[school]
name = "Oak Hill Primary"

[categories]
games = "block"
`;
const GAME = 'https://www.coolmathgames.com/0-run';
const OTHER_GAME = 'https://www.roblox.com/games';
const NEVER = 'https://www.coolmathgames.com/adult/page';
const LOCKED = 'https://abuse-standin.example/';
const now = () => Math.floor(Date.now() / 1000);
const EVENTS_KEY = 'test-only-signing-key-overrides-0123456789';

describe('teachers\' override codes, force-installed', { skip, timeout: 15 * 60_000 }, () => {
  let server;
  let hub;
  let ctx;
  let grantedAt = 0;
  let usedCode = null;

  before(async () => {
    h.ensureBuilt();
    server = await h.startServer();
    hub = await startEventsReceiver({ key: EVENTS_KEY });
    const lists = h.serveStandInLists(server);
    const crx = h.packCrx();
    ({ ctx } = await h.launchForceInstalled({
      server,
      crx,
      settings: {
        group: 'ks2',
        policyToml: POLICY,
        overrideSecret: SECRET,
        hubUrl: hub.hubUrl,
        reportSigningKey: EVENTS_KEY,
        lists,
      },
    }));
    await h.untilManagedWithLists(ctx, lists.length);
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    h.removePolicy();
    await hub?.close();
    await server?.close();
    h.cleanUp();
  });

  const requested = (needle) => server.requests((e) => e.url.includes(needle)).map((e) => e.url);

  /** Types `code` on the block page shown in `page`; returns the page's answer (`data-override`). */
  async function typeCode(page, code) {
    await page.waitForSelector('#sg-teacher-code', { timeout: 15_000 });
    const openButton = await page.$('#sg-teacher-code .sg-teacher-code-open:not([hidden])');
    if (openButton) await openButton.click();
    await page.evaluate(() => delete document.documentElement.dataset.override);
    await page.fill('#sg-teacher-code-input', code);
    await page.click('#sg-teacher-code button[type=submit]');
    return h.until(() => page.evaluate(() => document.documentElement.dataset.override).catch(() => null), 'the answer to the code');
  }

  test('a locked page offers no code, and the worker refuses a right code sent straight to it', T, async () => {
    server.clear();
    const page = await ctx.newPage();
    await h.go(page, LOCKED);
    await h.blockPage(page);
    assert.equal(await page.$('#sg-teacher-code'), null, 'no teacher\'s code on a locked page');
    const { code } = await codeFor(SECRET, 'abuse-standin.example', 'ks2', now());
    const answer = await page.evaluate(([url, c]) => chrome.runtime.sendMessage({ type: 'override-code', url, code: c }), [LOCKED, code]);
    assert.equal(answer.ok, false);
    assert.equal(answer.outcome, 'refused');
    assert.match(answer.message, /locked/);
    await h.go(page, LOCKED);
    await h.blockPage(page);
    assert.deepEqual(requested('abuse-standin'), [], 'the locked site was never requested');
    await page.close();
  });

  test('a wrong code and a code for another site do not open the page', T, async () => {
    server.clear();
    const page = await ctx.newPage();
    await h.go(page, GAME);
    await h.blockPage(page);
    const right = (await codeFor(SECRET, 'coolmathgames.com', 'ks2', now())).code;
    const wrong = right === '000000' ? '000001' : '000000';
    assert.equal(await typeCode(page, wrong), 'wrong-code');
    assert.match(await page.textContent('#sg-teacher-code-status'), /not right/);
    const forOtherSite = (await codeFor(SECRET, 'roblox.com', 'ks2', now())).code;
    assert.equal(await typeCode(page, forOtherSite), 'wrong-code');
    const forOtherGroup = (await codeFor(SECRET, 'coolmathgames.com', 'ks1', now())).code;
    assert.equal(await typeCode(page, forOtherGroup), 'wrong-code');
    assert.ok(page.url().startsWith(h.blockPrefix));
    await h.go(page, GAME);
    await h.blockPage(page);
    assert.deepEqual(requested('coolmathgames'), [], 'never requested');
    await page.close();
  });

  test('the right code opens the page and its site, never its never-override pages or another site; no page sees the secret', T, async () => {
    server.clear();
    const page = await ctx.newPage();
    await h.go(page, GAME);
    await h.blockPage(page);
    const explained = await page.evaluate((u) => chrome.runtime.sendMessage({ type: 'explain', url: u }), GAME);
    assert.equal(explained.teacherCode.available, true);
    assert.equal(explained.teacherCode.site, 'coolmathgames.com');
    const status = await page.evaluate(() => chrome.runtime.sendMessage({ type: 'status' }));
    for (const answer of [explained, status]) assert.ok(!JSON.stringify(answer).includes(SECRET.slice(5, 25)), 'the secret is never sent to a page');
    usedCode = (await codeFor(SECRET, 'coolmathgames.com', 'ks2', now())).code;
    assert.equal(await typeCode(page, usedCode), 'granted');
    grantedAt = Date.now();
    await h.until(() => page.url() === GAME, 'the page itself', 15_000);
    await h.until(() => requested('/0-run').length, 'the page requested from the server');
    assert.match(await page.textContent('h1'), /Loaded www\.coolmathgames\.com\/0-run/);
    // Another page and another subdomain of the same site.
    await h.go(page, 'https://coolmathgames.com/1-other');
    await h.until(() => page.url() === 'https://coolmathgames.com/1-other', 'another page of the site');
    // A never-override page on the opened site, and another blocked site, stay blocked.
    await h.go(page, NEVER);
    await h.blockPage(page);
    assert.equal(await page.$('#sg-teacher-code'), null, 'no code for a never-override page');
    await h.go(page, OTHER_GAME);
    await h.blockPage(page);
    assert.deepEqual(requested('/adult/'), []);
    assert.deepEqual(requested('roblox'), []);
    await h.go(page, GAME);
    await h.until(() => page.url() === GAME, 'back on the opened page');
    const report = await (async () => {
      const staff = await ctx.newPage();
      await staff.goto(`chrome-extension://${h.EXT_ID}/staff.html`);
      const r = await staff.evaluate(() => chrome.runtime.sendMessage({ type: 'overrides-list' }));
      await staff.close();
      return r;
    })();
    assert.equal(report.active.length, 1);
    assert.equal(report.active[0].site, 'coolmathgames.com');
    assert.equal(report.active[0].group, 'ks2');
    const ends = Date.parse(report.active[0].endsAt);
    assert.ok(Math.abs(ends - (grantedAt + 60_000)) < 5_000, 'override_minutes = 1');
    // Leave the page open: the next test watches it end.
    page.sgKeep = true;
  });

  test('the override ends on time: the open tab goes back to the block page and the site is blocked again', { timeout: 150_000 }, async () => {
    const page = ctx.pages().find((p) => p.url() === GAME);
    assert.ok(page, 'the opened page is still open');
    const endsAt = grantedAt + 60_000;
    await h.until(() => page.url().startsWith(h.blockPrefix), 'the open tab to go to the block page', 90_000, 250);
    const late = Date.now() - endsAt;
    assert.ok(late < 15_000, `ended ${late} ms after its end`);
    assert.equal(new URL(page.url()).searchParams.get('src'), 'override-ended');
    server.clear();
    await h.go(page, 'https://coolmathgames.com/2-after');
    await h.blockPage(page);
    assert.deepEqual(requested('coolmathgames'), [], 'nothing of the site after the end');
    // The same code, still inside its time window, never works twice.
    await h.go(page, GAME);
    await h.blockPage(page);
    assert.equal(await typeCode(page, usedCode), 'used');
    assert.match(await page.textContent('#sg-teacher-code-status'), /used/);
    await page.close();
  });

  test('five wrong codes make the pupil wait, even after the worker restarts, and the right code waits too', T, async () => {
    const page = await ctx.newPage();
    await h.go(page, OTHER_GAME);
    await h.blockPage(page);
    const right = (await codeFor(SECRET, 'roblox.com', 'ks2', now())).code;
    const wrongs = ['111111', '222222', '333333', '444444', '555555', '666666'].filter((c) => c !== right).slice(0, 5);
    const answers = [];
    for (const c of wrongs) answers.push(await typeCode(page, c));
    assert.deepEqual(answers, ['wrong-code', 'wrong-code', 'wrong-code', 'wrong-code', 'wait']);
    assert.match(await page.textContent('#sg-teacher-code-status'), /Try again in 5 minutes/);
    await h.stopWorkers(ctx);
    await h.go(page, OTHER_GAME);
    await h.blockPage(page);
    assert.equal(await typeCode(page, right), 'wait', 'the wait survives a worker restart');
    assert.deepEqual(requested('roblox'), []);
    await page.close();
  });

  test('the staff page lists every code typed: who approved, the scope, and when it ended', T, async () => {
    const staff = await ctx.newPage();
    await staff.goto(`chrome-extension://${h.EXT_ID}/staff.html`);
    const report = await staff.evaluate(() => chrome.runtime.sendMessage({ type: 'overrides-list' }));
    assert.equal(report.configured, true);
    assert.deepEqual(report.active, []);
    assert.ok(report.waitMs > 0);
    const granted = report.log.filter((e) => e.outcome === 'granted');
    assert.equal(granted.length, 1);
    assert.equal(granted[0].approvedBy, "a teacher's code");
    assert.equal(granted[0].site, 'coolmathgames.com');
    assert.equal(granted[0].group, 'ks2');
    assert.equal(granted[0].url, GAME);
    assert.equal(granted[0].minutes, 1);
    assert.equal(granted[0].endedAt, granted[0].endsAt, 'it ended at its end time');
    assert.ok(report.log.some((e) => e.outcome === 'refused' && e.site === 'abuse-standin.example'));
    assert.ok(report.log.filter((e) => e.outcome === 'wrong-code').length >= 7);
    await staff.waitForSelector('#sg-overrides li', { timeout: 10_000 });
    assert.match(await staff.textContent('#sg-overrides'), /coolmathgames\.com/);
    await staff.close();
  });

  test('every code typed reached the school\'s hub as an override event, signed, with its outcome, page and span', T, async () => {
    const staff = await ctx.newPage();
    await staff.goto(`chrome-extension://${h.EXT_ID}/staff.html`);
    const { log } = await staff.evaluate(() => chrome.runtime.sendMessage({ type: 'overrides-list' }));
    await staff.close();
    // Override events are not urgent: they go with the next batch, within a minute.
    const sent = await h.until(() => {
      const got = hub.events('override');
      return got.length >= log.length && got;
    }, `all ${log.length} override events at the hub`, 90_000, 500);
    assert.deepEqual(hub.state.rejected, [], 'the contract took every batch');
    assert.deepEqual(sent.map((e) => e.outcome).sort(), log.map((e) => e.outcome).sort(), 'one event per code typed');
    const granted = sent.find((e) => e.outcome === 'granted');
    assert.equal(granted.site, 'coolmathgames.com');
    assert.equal(granted.url, GAME);
    assert.equal(granted.approvedBy, "a teacher's code");
    assert.equal(granted.envelope.group, 'ks2');
    assert.equal(Date.parse(granted.endsAt) - Date.parse(granted.startsAt), 60_000, 'override_minutes = 1');
    assert.ok(sent.some((e) => e.outcome === 'refused' && e.site === 'abuse-standin.example'));
    assert.ok(!JSON.stringify(sent).includes(SECRET), 'the secret is never sent');
  });
});
