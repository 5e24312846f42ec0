// Monitoring events (docs/events.md, issue 17), end to end in real Chromium with the extension
// force-installed by policy from a CRX, its managed configuration (`hubUrl`, the signing key) in
// the same machine-wide policy file. The hub is played by a test-local receiver on 127.0.0.1
// (support/events-receiver.mjs) that checks every batch's HMAC and shape and stores each batch id
// once; it stands in for the hub's POST /api/v1/events until the two are merged.
//
// The managed `eventsTimeScale: 60` (docs/events.md, "Testing delivery") makes the queue's minute
// a second and its back-off 60 times shorter, so no test waits a minute for an ordinary event; the
// waits themselves are pinned in Node (events-unit.test.mjs).
//
// Run alone (it writes the machine-wide managed policy):
//   flock /tmp/sg-browser.lock node --test --test-concurrency=1 tests/extension/events.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as h from './helpers.mjs';
import { skipOrFail } from '../ci.mjs';
import { startEventsReceiver } from './support/events-receiver.mjs';

const skip = skipOrFail(h.cannotRun());
const T = { timeout: 240_000 };
const KEY = 'test-only-signing-key-events-0123456789';
const STAFF_CODE = '4821';
const english = JSON.parse(readFileSync(join(h.EXT_DIR, '_locales', 'en_GB', 'messages.json'), 'utf8'));

describe('monitoring events, force-installed', { skip, timeout: 20 * 60_000 }, () => {
  let server;
  let hub;
  let ctx;
  const settings = (extra = {}) => ({
    group: 'ks2',
    schoolName: 'Oak Hill Primary',
    staffUnlockCodeHash: h.staffCodeValue(STAFF_CODE),
    hubUrl: hub.hubUrl,
    reportSigningKey: KEY,
    eventsTimeScale: 60,
    ...extra,
  });
  // A change of settings keeps the force-install (a policy without it uninstalls the extension).
  const rewritePolicy = (extra) => h.writePolicy(h.extensionPolicy(settings(extra), {
    ExtensionInstallForcelist: [`${h.EXT_ID};${server.origin}/updates.xml`],
    DeveloperToolsAvailability: 1,
  }));
  const waitFor = (what, fn, timeout = 20_000) => h.until(fn, what, timeout, 200);
  const eventsAt = (kind, host) => hub.events(kind).filter((e) => !host || e.host === host);
  const once = () => [...hub.counts().entries()].filter(([, n]) => n !== 1);

  before(async () => {
    h.ensureBuilt();
    server = await h.startServer();
    hub = await startEventsReceiver({ key: KEY });
    server.pages.set('www.school-portal.example/links.html', '<!doctype html><title>links</title><a id="bet" href="https://www.bet365.com/from-a-link?ref=portal">odds</a>');
    ({ ctx } = await h.launchForceInstalled({ server, crx: h.packCrx(), settings: settings() }));
    await h.until(async () => {
      const s = await h.status(ctx);
      return s.source === 'managed' && s.events?.endpoint === `${hub.hubUrl}/api/v1/events` && s;
    }, 'the managed policy with hubUrl', 60_000, 250);
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    h.removePolicy();
    await hub?.close();
    await server?.close();
    h.cleanUp();
  });

  test('a heartbeat arrives at start, signed, from this device, with the contract\'s envelope', T, async () => {
    const [beat] = await waitFor('a heartbeat', () => eventsAt('heartbeat').length && eventsAt('heartbeat'));
    assert.ok(['active', 'idle', 'locked'].includes(beat.state));
    assert.match(beat.envelope.device, /^[A-Za-z0-9-]{8,64}$/);
    assert.equal(beat.envelope.group, 'ks2');
    assert.equal(beat.envelope.user, null, 'no managed account signed in to this test profile');
    assert.equal(beat.envelope.extensionVersion, JSON.parse(readFileSync(join(h.EXT_DIR, 'manifest.json'), 'utf8')).version);
    assert.deepEqual(hub.state.rejected, []);
  });

  test('pupils are told once, in their words, that the school can see what is blocked', T, async () => {
    const notice = await waitFor('the first-run notice', () => ctx.pages().find((p) => p.url().includes('/notice.html')));
    await notice.waitForSelector('html[data-ready="true"] h1');
    assert.equal(await notice.textContent('h1'), english.notice_title_junior.message);
    assert.match(notice.url(), /age=ks2/);
    await notice.close();
  });

  test('a blocked navigation makes a `blocked` event (no query), and the block page says the school can see it', T, async () => {
    const page = await ctx.newPage();
    await h.go(page, 'https://www.bet365.com/bets?stake=10');
    const shown = await h.blockPage(page);
    assert.equal(shown.audience, 'junior');
    assert.equal(await page.textContent('.sg-school-sees'), english.sees_junior.message);
    // From a link on a page: `via: link`.
    await h.go(page, 'http://www.school-portal.example/links.html');
    await page.click('#bet');
    await h.blockPage(page);
    const [typed, link] = await waitFor('two blocked events (within the queue\'s second)', () => eventsAt('blocked', 'www.bet365.com').length >= 2 && eventsAt('blocked', 'www.bet365.com'), 30_000);
    assert.equal(typed.url, 'https://www.bet365.com/bets');
    assert.equal(typed.category, 'gambling');
    assert.match(typed.rule, /gambling/);
    // (Playwright's goto is not the address bar: Chrome calls it `typed` or `link`.)
    assert.ok(['typed', 'link'].includes(typed.via), typed.via);
    assert.equal(link.url, 'https://www.bet365.com/from-a-link');
    assert.equal(link.via, 'link');
    assert.ok(!JSON.stringify(hub.events()).includes('stake=10'), 'no query string');
    assert.deepEqual(once(), []);
    await page.close();
  });

  test('a translator or a raw IP address makes `circumvention` (sent at once) as well as `blocked`', T, async () => {
    const page = await ctx.newPage();
    await h.go(page, 'https://www-bet365-com.translate.goog/wrapped?_x_tr_sl=auto');
    await h.blockPage(page);
    const [c] = await waitFor('a translator circumvention', () => eventsAt('circumvention', 'www-bet365-com.translate.goog').length && eventsAt('circumvention', 'www-bet365-com.translate.goog'), 15_000);
    assert.equal(c.method, 'translator');
    assert.equal(eventsAt('blocked', 'www-bet365-com.translate.goog').length, 1, 'the block went with it');
    await h.go(page, 'http://10.9.8.7/admin');
    await h.blockPage(page);
    const [ip] = await waitFor('an IP-address circumvention', () => eventsAt('circumvention', '10.9.8.7').length && eventsAt('circumvention', '10.9.8.7'), 15_000);
    assert.equal(ip.method, 'ip-address');
    assert.deepEqual(once(), []);
    await page.close();
  });

  test('a search that raises an alert makes `search-alert` with its report id, and `help-seeking`', T, async () => {
    const page = await ctx.newPage();
    await h.go(page, 'https://www.google.com/search?q=I+saw+porn+what+do+I+do');
    await h.blockPage(page);
    const [alert] = await waitFor('a search alert', () => eventsAt('search-alert').length && eventsAt('search-alert'), 15_000);
    assert.equal(alert.engine, 'google');
    assert.match(alert.terms, /porn/);
    assert.match(alert.reportId, /^[A-Za-z0-9-]{8,64}$/);
    const help = await waitFor('help-seeking', () => eventsAt('help-seeking')[0], 30_000);
    assert.equal(help.terms, alert.terms);
    await page.close();
  });

  test('the hub refusing connections, then answering 503, then back: every event arrives once', T, async () => {
    await hub.setBehaviour('refuse');
    const page = await ctx.newPage();
    for (let i = 0; i < 3; i += 1) {
      await h.go(page, `https://www-bet365-com.translate.goog/while-down-${i}`);
      await h.blockPage(page);
    }
    await h.go(page, 'http://10.1.1.1/while-down');
    await h.blockPage(page);
    await h.sleep(6_000);
    await hub.setBehaviour('unavailable');
    await waitFor('a retry answered 503', () => hub.state.posts.some((p) => p.status === 503), 60_000);
    const before = hub.events().length;
    await hub.setBehaviour('ok');
    await waitFor('the events sent while the hub was down', () => eventsAt('circumvention', '10.1.1.1').length, 120_000);
    assert.ok(hub.events().length > before);
    const down = hub.events('circumvention').filter((e) => /while-down-\d$/.test(e.url)).map((e) => e.url).sort();
    assert.deepEqual(down, [0, 1, 2].map((i) => `https://www-bet365-com.translate.goog/while-down-${i}`));
    const retried = hub.state.posts.filter((p) => p.status === 503).map((p) => p.batch);
    assert.ok(retried.every((b) => hub.state.batches.has(b)), 'the batch that failed arrived under the same id');
    assert.deepEqual(once(), []);
    assert.deepEqual(hub.state.rejected, []);
    await page.close();
  });

  test('a worker stopped with events waiting loses none: the next wake sends them once', T, async () => {
    await hub.setBehaviour('unavailable');
    const page = await ctx.newPage();
    await h.go(page, 'http://10.2.2.2/before-stop');
    await h.blockPage(page);
    await waitFor('the device to try and fail', () => hub.state.posts.filter((p) => p.status === 503).length >= 2, 60_000);
    await h.stopWorkers(ctx);
    await hub.setBehaviour('ok');
    // Any wake (here the staff page asking for the status) sends what was saved.
    await h.status(ctx);
    await waitFor('the events saved before the stop', () => eventsAt('circumvention', '10.2.2.2').length, 120_000);
    assert.equal(eventsAt('blocked', '10.2.2.2').length, 1);
    assert.deepEqual(once(), []);
    await page.close();
  });

  test('a staff flag from the staff page, behind the staff code; a wrong code sends nothing', T, async () => {
    const page = await ctx.newPage();
    await page.goto(`chrome-extension://${h.EXT_ID}/staff.html`);
    await page.fill('#flag-url', 'https://games.example/play?level=3');
    await page.selectOption('#flag-kind', 'should-be-blocked');
    await page.fill('#flag-note', 'pupils play this in lessons');
    await page.fill('#flag-code', '0000');
    await page.click('#flag-form button[type=submit]');
    await waitFor('the refusal', async () => /not right|wait/i.test(await page.textContent('#flag-status')));
    await page.fill('#flag-code', STAFF_CODE);
    await page.click('#flag-form button[type=submit]');
    const flag = await waitFor('a staff flag', () => eventsAt('staff-flag')[0], 15_000);
    assert.deepEqual({ url: flag.url, flag: flag.flag, note: flag.note }, { url: 'https://games.example/play', flag: 'should-be-blocked', note: 'pupils play this in lessons' });
    assert.equal(eventsAt('staff-flag').length, 1, 'the wrong code made none');
    await page.close();
  });

  test('an allowed navigation runs none of the events code and queues nothing; a blocked one does', T, async () => {
    const path = async () => (await h.status(ctx)).events.path;
    const page = await ctx.newPage();
    const before = await path();
    for (let i = 0; i < 12; i += 1) await h.go(page, `http://www.school-portal.example/lesson-${i}?pupil=7`);
    await h.sleep(1_000);
    const after = await path();
    assert.equal(after.blockPages, before.blockPages, 'no block page judged');
    // Only the heartbeat's own timer may have queued something meanwhile.
    const { heartbeat: _a, ...queuedBefore } = before.recorded;
    const { heartbeat: _b, ...queuedAfter } = after.recorded;
    assert.deepEqual(queuedAfter, queuedBefore, 'nothing queued for an allowed page');
    assert.equal(after.workMs.length, before.workMs.length);
    // The counters are live: a blocked navigation moves them.
    await h.go(page, 'https://www.bet365.com/counted');
    await h.blockPage(page);
    const blocked = await h.until(async () => {
      const now = await path();
      return now.blockPages === before.blockPages + 1 && now;
    }, 'the block page judged for its event', 10_000, 100);
    assert.equal(blocked.recorded.blocked, (before.recorded.blocked ?? 0) + 1);
    await page.close();
  });

  test('visits: none by default; with logVisits, host names only', T, async () => {
    const page = await ctx.newPage();
    await h.go(page, 'http://www.school-portal.example/reading?pupil=7');
    await h.sleep(1_500);
    assert.equal(eventsAt('visit').length, 0);
    await rewritePolicy({ logVisits: true });
    await h.until(async () => (await h.status(ctx)).events?.logVisits, 'logVisits on', 45_000, 250);
    await h.go(page, 'http://www.school-portal.example/maths?pupil=7');
    const visit = await waitFor('a visit', () => eventsAt('visit', 'www.school-portal.example')[0], 30_000);
    assert.deepEqual(Object.keys(visit).sort(), ['at', 'envelope', 'host', 'id', 'kind']);
    await page.close();
  });

  test('KS1 (and EYFS): the block page\'s line is in words for the young', T, async () => {
    await rewritePolicy({ group: 'ks1' });
    await h.until(async () => (await h.status(ctx)).group?.name === 'ks1', 'group ks1', 45_000, 250);
    const page = await ctx.newPage();
    await h.go(page, 'https://www.bet365.com/young');
    const shown = await h.blockPage(page);
    assert.equal(shown.audience, 'young');
    assert.equal(await page.textContent('.sg-school-sees'), english.sees_young.message);
    await page.close();
  });
});
