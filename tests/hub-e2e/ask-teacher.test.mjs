// "Ask my teacher" through the hub (issue 18, docs/requests.md), nothing mocked: real Chromium
// with the extension force-installed by policy (its managed configuration in the machine-wide
// policy file), the real hub binary on SQLite and again on PostgreSQL (a key from its own CLI as `reportSigningKey`, its
// address as `hubUrl`), a teacher of the group (an account the DSL made with the Teacher role)
// signed in on the hub's /requests page.
//
// - A pupil presses "Ask my teacher" on a block page; the request is on the hub's /requests page
//   within a few seconds (pressed twice: one request). The teacher approves it for 2 minutes (1
//   minute on PostgreSQL: the same path, a shorter wait); the block page says "Your teacher said
//   yes" and the page opens on the pupil's device within 10 seconds; when the time is up, the open tab goes back to the block page and the page is
//   blocked again.
// - A declined request: the block page says "Not this time", and the page stays blocked.
// - A never-override page (a `pornography` test list): no button, and nothing reaches the hub.
// - A locked page (a locked-list test host): no "Ask my teacher" button; the hub refuses a
//   request for it; an approval forged at the hub (a request that lies about its category,
//   approved for the whole group) is refused by the device's own guard and never opens it.
//
// - The staff device (docs/requests.md): the teacher gets a one-time pairing code on the hub's
//   /account/devices page and types it on the extension's staff page (behind the staff code; a
//   wrong pairing code stores nothing); a pupil's request appears there; approved there, the
//   pupil's page opens within 10 s, recorded on the hub as the teacher via that device; declined
//   there, "Not this time"; the hub unreachable for a moment: said, the connection kept; after
//   "Disconnect" on the hub, the staff page can neither list nor answer. One browser plays the
//   pupil's device and the teacher's (CI time): the hub cannot tell devices apart by anything
//   they say, which is the point of the pairing.
//
// The local server's request log is the proof that a blocked page was never requested.
// Holds the machine-wide browser lock when run by hand:
//   flock /tmp/sg-browser.lock node --test --test-concurrency=1 tests/hub-e2e/ask-teacher.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import * as h from '../extension/helpers.mjs';
import * as hub from './hub.mjs';
import { signBody } from '../../shared-ui/report/sign.js';
import { skipOrFail } from '../ci.mjs';

const POLICY = `never_override = ["pornography"]

[school]
name = "Oak Hill Primary"

[categories]
games = "block"
`;
const GAME = 'https://www.coolmathgames.com/0-run';
const OTHER_GAME = 'https://www.roblox.com/games';
const LOCKED = 'https://abuse-standin.example/';
const NEVER = 'https://www.coolmathgames.com/adult/page';
/** Asked for on the pupil's device and answered on the staff page (two more games sites). */
const STAFF_APPROVED = 'https://www.epicgames.com/store';
const STAFF_DECLINED = 'https://hypixel.net/forums';
const STAFF_CODE = '4821';
/** Progress on standard error (seen as it happens, where TAP waits for each test's end). */
const progress = (...words) => process.stderr.write(`[ask-teacher ${new Date().toISOString()}] ${words.join(' ')}\n`);
const MESSAGES = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(new URL('../../shared-ui/_locales/en_GB/messages.json', import.meta.url), 'utf8')));

/**
 * A teacher's account, as the DSL makes one: invited with the Teacher role on /accounts, joined
 * through the one-time link with a code an authenticator computes, given `groups`, signed in.
 * Their session cookie.
 */
async function signInTeacher(hubProcess, dsl, { username, groups, password = 'a teacher\'s long pass phrase' }) {
  const open = async (path, cookie) => {
    const res = await fetch(`${hubProcess.url}${path}`, { headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(text)?.[1];
    const fresh = res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('sg_csrf='));
    if (!csrf) throw new Error(`no CSRF token on ${path}:\n${text}`);
    return { text, csrf, cookie: [cookie, fresh].filter(Boolean).join('; ') };
  };
  const post = (path, page, fields) => fetch(`${hubProcess.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie },
    body: new URLSearchParams({ ...fields, csrf: page.csrf }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const accounts = await open('/accounts', dsl);
  const invited = await post('/accounts/invite', accounts, { username, role: 'teacher' });
  const link = /\/join\/([A-Za-z0-9_-]+)/.exec(await invited.text())?.[0];
  assert.ok(link, 'the invitation link');
  const join = await open(link);
  const secret = /name="totp_secret" value="([A-Z2-7=]+)"/.exec(join.text)?.[1];
  const step = Math.floor(Date.now() / 1000 / 30);
  const joined = await post(link, join, { password, password_again: password, totp_secret: secret, code: hub.totpCode(secret, step) });
  assert.equal(joined.status, 303, await joined.text());
  const set = await post(`/accounts/${username}/groups`, await open('/accounts', dsl), { groups });
  assert.equal(set.status, 303, await set.text());
  const login = await open('/login');
  const signed = await post('/login', login, { username, password, code: hub.totpCode(secret, step + 1) });
  const cookie = signed.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('sg_session='));
  assert.ok(signed.status === 303 && cookie, `the teacher signed in (${signed.status})`);
  return cookie;
}

after(() => hub.stopPostgres());

/** How long the teacher approves the first request for: the shortest approval where that saves time. */
const APPROVAL_MINUTES = { sqlite: 2, postgres: 1 };

for (const backend of hub.BACKENDS) describe(`"Ask my teacher" through the hub (real Chromium, force-installed extension, real hub on ${backend})`, { skip: skipOrFail(h.cannotRun() ?? hub.backendMissing(backend)), timeout: 10 * 60_000 }, () => {
  const minutes = APPROVAL_MINUTES[backend];

  let server;
  let ctx;
  let hubProcess;
  let cookie;
  let key;

  before(async () => {
    h.ensureBuilt();
    server = await h.startServer();
    const lists = h.serveStandInLists(server);
    const dir = await hub.hubData(backend);
    key = hub.addSigningKey(dir, 'chromebooks');
    hubProcess = await hub.startHub({ dir });
    const dsl = await hub.signInDsl(hubProcess);
    // The teacher of the KS2 group answers; the DSL could too (every group).
    cookie = await signInTeacher(hubProcess, dsl, { username: 'mrs-patel', groups: 'ks2, y4' });
    progress('hub up, a teacher signed in; packing the extension');
    const crx = h.packCrx();
    ({ ctx } = await h.launchForceInstalled({
      server,
      crx,
      settings: {
        group: 'ks2',
        policyToml: POLICY,
        hubUrl: hubProcess.url,
        reportSigningKey: key,
        orgUnit: '/Pupils/Oak Class',
        staffUnlockCodeHash: h.staffCodeValue(STAFF_CODE),
        lists,
      },
    }));
    progress('browser up; waiting for the managed policy');
    await h.untilManagedWithLists(ctx, lists.length);
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    h.removePolicy();
    await hubProcess?.stop();
    await server?.close();
    h.cleanUp();
  });

  const requested = (needle, since = 0) => server.requests((e) => e.url.includes(needle) && e.at >= since).map((e) => e.url);

  /** The open requests on the hub's /requests page for `url`: their ids. */
  async function openRequestsFor(url) {
    const response = await fetch(`${hubProcess.url}/requests`, { headers: { cookie }, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    const { status, text } = { status: response.status, text: await response.text() };
    assert.equal(status, 200, text);
    const open = text.split('Answered lately')[0];
    return open.split('<tr data-request="').slice(1).filter((row) => row.includes(`>${url}<`)).map((row) => row.slice(0, row.indexOf('"')));
  }

  /** The teacher answers request `id` on the /requests page, as a browser would (its CSRF token). */
  async function answer(id, fields) {
    const shown = await hub.dslPage(hubProcess, cookie, '/requests');
    const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(shown.text)?.[1];
    assert.ok(csrf, 'the requests page carries a CSRF token');
    return fetch(`${hubProcess.url}/requests/${id}/answer`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ ...fields, csrf }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
  }

  /** Presses "Ask my teacher" on the block page shown in `page` (`times` presses); the hub's request id. */
  async function askOn(page, url, times = 1) {
    await h.blockPage(page);
    const pressedAt = Date.now();
    for (let i = 0; i < times; i += 1) {
      await page.click('[data-action="ask-teacher"]');
      await h.until(() => page.evaluate(() => document.documentElement.dataset.ask === 'open'), 'the page waiting for an answer', 10_000);
    }
    const ids = await h.until(async () => {
      const found = await openRequestsFor(url);
      return found.length ? found : null;
    }, 'the request on the hub\'s /requests page', 15_000, 200);
    const took = Date.now() - pressedAt;
    console.log(`press to the hub's /requests page: ${took} ms`);
    assert.ok(took < 10_000, `on the hub within a few seconds (${took} ms)`);
    await h.sleep(1_000);
    assert.equal((await openRequestsFor(url)).length, 1, 'one request, however often it was pressed');
    return ids[0];
  }

  test(`ask → approve for ${minutes} minute(s) → the page opens within 10 s ("Your teacher said yes") → blocked again at the end`, async () => {
    const page = await ctx.newPage();
    await h.go(page, GAME);
    const id = await askOn(page, GAME, 2);
    progress('request on the hub', id);
    const approvedAt = Date.now();
    const approved = await answer(id, { decision: 'approve', scope: 'pupil', minutes: String(minutes), note: 'for the maths lesson' });
    assert.equal(approved.status, 303, await approved.text());
    // What the block page says, caught before it goes on to the page.
    const said = await h.until(() => page.evaluate(() => (document.documentElement.dataset.ask === 'approved' ? document.getElementById('sg-ask-answer')?.textContent : null)).catch(() => null), '"Your teacher said yes"', 12_000, 50);
    assert.equal(said, MESSAGES.ask_teacher_yes.message);
    assert.match(said, /Your teacher said yes/);
    await h.until(() => page.url() === GAME && requested('coolmathgames.com/0-run', approvedAt).length > 0, 'the page opening on the pupil\'s device', 12_000, 50);
    const took = Date.now() - approvedAt;
    console.log(`approval to the page open on the device (${backend}): ${took} ms`);
    assert.ok(took <= 10_000, `opened within 10 s (${took} ms)`);
    assert.match(await page.textContent('h1'), /Loaded www\.coolmathgames\.com\/0-run/);

    // The hub recorded who approved, the scope and the end; the device recorded it too.
    const record = await hub.dslPage(hubProcess, cookie, '/requests');
    assert.ok(record.text.includes('for the maths lesson'), 'the note is on the hub');
    const log = await h.inExtension(ctx, async () => (await chrome.storage.local.get('teacherOverrideLog')).teacherOverrideLog ?? []);
    const entry = log.find((e) => e.requestId === id);
    assert.ok(entry, `the device's override record names the request: ${JSON.stringify(log)}`);
    assert.equal(entry.outcome, 'granted');
    assert.equal(entry.route, 'hub');
    const endsAtMs = Date.parse(entry.endsAt);
    assert.ok(Math.abs(endsAtMs - approvedAt - minutes * 60_000) < 15_000, `ends ${minutes} minute(s) after the approval: ${entry.endsAt}`);

    progress('page open; waiting for the end');
    // The end: the open tab goes back to the block page, and a fresh visit is blocked.
    await h.until(() => page.url().startsWith(h.blockPrefix), 'the tab back on the block page at the end', endsAtMs - Date.now() + 60_000, 250);
    assert.ok(Date.now() >= endsAtMs - 1_000, 'not before the end');
    const after = Date.now();
    const again = await ctx.newPage();
    await h.go(again, GAME);
    await h.blockPage(again);
    assert.deepEqual(requested('coolmathgames.com/0-run', after), [], 'blocked again: never requested after the end');
    await again.close();
    await page.close();
  });

  test('a declined request: "Not this time", and the page stays blocked', async () => {
    const page = await ctx.newPage();
    await h.go(page, OTHER_GAME);
    const id = await askOn(page, OTHER_GAME);
    progress('second request on the hub', id);
    const declinedAt = Date.now();
    const declined = await answer(id, { decision: 'decline', note: 'not in this lesson' });
    assert.equal(declined.status, 303, await declined.text());
    const said = await h.until(() => page.evaluate(() => (document.documentElement.dataset.ask === 'declined' ? document.getElementById('sg-ask-answer')?.textContent : null)).catch(() => null), '"Not this time"', 12_000, 100);
    assert.equal(said, MESSAGES.ask_teacher_no.message);
    assert.match(said, /Not this time/);
    await h.sleep(2_000);
    assert.ok(page.url().startsWith(h.blockPrefix), 'still the block page');
    await h.go(page, OTHER_GAME);
    await h.blockPage(page);
    assert.deepEqual(requested('roblox.com', declinedAt), [], 'never requested');
    await page.close();
  });

  /** A pairing code from the hub's /account/devices page, as the signed-in teacher gets it. */
  async function pairingCode() {
    const shown = await hub.dslPage(hubProcess, cookie, '/account/devices');
    assert.equal(shown.status, 200, shown.text);
    const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(shown.text)?.[1];
    const made = await fetch(`${hubProcess.url}/account/devices/pair`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ csrf }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await made.text();
    assert.equal(made.status, 200, text);
    const code = /id="pairing-code">([A-Z0-9-]{9})</.exec(text)?.[1];
    assert.ok(code, `a pairing code on the page:\n${text}`);
    return code;
  }

  test('the staff device: paired with a code from the hub, it lists the request, approves (open within 10 s) and declines as the teacher; disconnected on the hub, it can do nothing', async () => {
    const staff = await ctx.newPage();
    await h.go(staff, `chrome-extension://${h.EXT_ID}/staff.html`);
    const state = () => staff.evaluate(() => document.documentElement.dataset.staffRequests ?? null);
    const statusText = () => staff.textContent('#sr-status');
    const kept = () => h.inExtension(ctx, async () => ({ local: (await chrome.storage.local.get('staffHubDevice')).staffHubDevice ?? null, sync: await chrome.storage.sync.get(null) }));
    const show = async () => {
      await staff.evaluate(() => { document.getElementById('sr-status').textContent = ''; });
      await staff.click('#sr-form button[type="submit"]');
      await h.until(async () => !['', 'Checking…'].includes(await statusText()), 'the staff page\'s answer', 30_000, 100);
    };
    // A wrong staff code: nothing shown, no pairing offered.
    await staff.fill('#sr-code', '0000');
    await show();
    assert.match(await statusText(), /not right/);
    assert.equal(await staff.isVisible('#sr-pair-form'), false, 'nothing before the staff code');
    await staff.fill('#sr-code', STAFF_CODE);
    await show();
    assert.equal(await state(), 'not-connected');
    assert.match(await statusText(), /not connected to your hub account/);
    // A wrong pairing code: a clear refusal, nothing stored.
    await staff.fill('#sr-pairing', 'ABCD-EFGH');
    await staff.click('#sr-pair-form button[type="submit"]');
    await h.until(async () => /not right|expired|used already/.test(await statusText()), 'the wrong code refused', 15_000, 100);
    assert.equal((await kept()).local, null, 'nothing stored for a wrong code');
    // The teacher's code from the hub.
    await staff.fill('#sr-pairing', (await pairingCode()).toLowerCase());
    await staff.click('#sr-pair-form button[type="submit"]');
    await h.until(async () => (await state()) === 'connected', 'the staff page connected', 30_000, 100);
    assert.match(await staff.textContent('#sr-connection'), /Connected as mrs-patel/);
    const connection = (await kept()).local;
    assert.match(connection.token, /^[0-9a-f]{64}$/, 'the hub\'s token, in local storage');
    assert.equal(connection.hub, hubProcess.url);
    assert.deepEqual((await kept()).sync, {}, 'never in sync storage');
    assert.equal((await staff.content()).includes(connection.token), false, 'never on screen');
    progress('staff page connected', connection.device.id);

    /** The pupil asks on a block page; the request's row on the staff page (its id). */
    const askAndList = async (pupil, url) => {
      await h.go(pupil, url);
      const id = await askOn(pupil, url);
      await show();
      await h.until(() => staff.$(`#sr-table tr[data-request="${id}"]`), 'the request on the staff page', 15_000, 100);
      return id;
    };
    const pupil = await ctx.newPage();
    const approvedId = await askAndList(pupil, STAFF_APPROVED);
    const row = `#sr-table tr[data-request="${approvedId}"]`;
    assert.match(await staff.textContent(row), /epicgames\.com\/store/);
    assert.equal(await staff.inputValue(`${row} input[name="minutes"]`), '60', 'an hour unless the teacher says');
    await h.screenshot(staff, `staff-page-pupils-requests-${backend}`);
    await staff.fill(`${row} input[name="minutes"]`, '30');
    await staff.fill(`${row} input[name="note"]`, 'from my Chromebook');
    const approvedAt = Date.now();
    await staff.click(`${row} button[data-decision="approve"]`);
    const said = await h.until(() => pupil.evaluate(() => (document.documentElement.dataset.ask === 'approved' ? document.getElementById('sg-ask-answer')?.textContent : null)).catch(() => null), '"Your teacher said yes"', 12_000, 50);
    assert.equal(said, MESSAGES.ask_teacher_yes.message);
    await h.until(() => pupil.url() === STAFF_APPROVED && requested('epicgames.com/store', approvedAt).length > 0, 'the page opening on the pupil\'s device', 12_000, 50);
    const took = Date.now() - approvedAt;
    console.log(`staff page approval to the page open on the device (${backend}): ${took} ms`);
    assert.ok(took <= 10_000, `opened within 10 s (${took} ms)`);
    await h.until(async () => /Approved until/.test(await statusText()), 'the staff page saying until when', 10_000, 100);
    // The hub recorded the teacher's account and the device it came through.
    const record = (await hub.dslPage(hubProcess, cookie, '/requests')).text.split('Answered lately')[1];
    const line = record.split('<tr data-request="').find((r) => r.startsWith(approvedId));
    assert.ok(line?.includes('mrs-patel') && line.includes(`via staff device ${connection.device.id}`) && line.includes('from my Chromebook'), line);

    const declinedId = await askAndList(pupil, STAFF_DECLINED);
    await staff.click(`#sr-table tr[data-request="${declinedId}"] button[data-decision="decline"]`);
    const no = await h.until(() => pupil.evaluate(() => (document.documentElement.dataset.ask === 'declined' ? document.getElementById('sg-ask-answer')?.textContent : null)).catch(() => null), '"Not this time"', 12_000, 100);
    assert.equal(no, MESSAGES.ask_teacher_no.message);
    await pupil.close();

    // The hub unreachable for a moment (stopped, then started again on the same address and
    // data): the staff page says so, and keeps the connection.
    const address = new URL(hubProcess.url).host;
    const stopped = new Promise((ok) => hubProcess.child.once('exit', ok));
    hubProcess.child.kill('SIGTERM');
    await stopped;
    await show();
    assert.match(await statusText(), /could not be reached/);
    assert.equal((await kept()).local.token, connection.token, 'the connection is kept');
    hubProcess = await hub.startHub({ dir: hubProcess.dir, listen: address });
    await show();
    assert.equal(await state(), 'connected', await statusText());

    // One more request (sent as a device sends it), listed; then the teacher disconnects the
    // device on the hub: the staff page can neither answer it nor list again.
    const body = JSON.stringify({
      schema: 'schoolgate-request/1', id: `q-${randomUUID()}`, device: 'd-another-00000001', user: null, group: 'ks2', orgUnit: null,
      url: 'https://www.friv.com/', site: 'friv.com', category: 'games', categories: ['games'], rule: 'category', reason: 'Games', at: new Date().toISOString(),
    });
    const sent = await fetch(`${hubProcess.url}/api/v1/requests`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-schoolgate-signature': await signBody(key, body) }, body });
    assert.equal(sent.status, 201, await sent.text());
    const lastId = JSON.parse(body).id;
    await show();
    await h.until(() => staff.$(`#sr-table tr[data-request="${lastId}"]`), 'the last request on the staff page', 15_000, 100);
    const devices = await hub.dslPage(hubProcess, cookie, '/account/devices');
    assert.ok(devices.text.includes(`data-device="${connection.device.id}"`), 'the device on the hub page');
    const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(devices.text)?.[1];
    const gone = await fetch(`${hubProcess.url}/account/devices/${connection.device.id}/disconnect`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: new URLSearchParams({ csrf }).toString(),
    });
    assert.equal(gone.status, 303, await gone.text());
    await staff.click(`#sr-table tr[data-request="${lastId}"] button[data-decision="approve"]`);
    await h.until(async () => (await state()) === 'not-connected', 'the staff page no longer connected', 15_000, 100);
    assert.equal(await statusText(), 'This device is no longer connected — connect it again from the hub.');
    assert.equal(await staff.$('#sr-table'), null, 'the list is gone');
    assert.equal(await staff.isVisible('#sr-pair-form'), true, 'connect again');
    assert.equal((await kept()).local.token, undefined, 'the dead token is forgotten');
    await show();
    assert.equal(await state(), 'not-connected');
    assert.match(await statusText(), /no longer connected/);
    assert.ok((await openRequestsFor('https://www.friv.com/')).includes(lastId), 'still open on the hub');
    await staff.close();
  });

  test('a never-override page: no "Ask my teacher", and a press sent straight to the worker sends nothing', async () => {
    server.clear();
    const page = await ctx.newPage();
    await h.go(page, NEVER);
    await h.blockPage(page);
    assert.equal(await page.$('[data-action="ask-teacher"]'), null, 'no "Ask my teacher" on a never-override page');
    const straight = await page.evaluate((url) => chrome.runtime.sendMessage({ type: 'ask-teacher', url }), NEVER);
    assert.equal(straight.sent, false);
    assert.match(straight.refused, /never_override/);
    assert.deepEqual(await openRequestsFor('https://www.coolmathgames.com/adult/page'), [], 'nothing reached the hub');
    assert.deepEqual(requested('coolmathgames.com/adult'), [], 'never requested');
    await page.close();
  });

  test('a locked page: no "Ask my teacher", the hub refuses a request for it, and an approval forged at the hub never opens it', async () => {
    server.clear();
    const page = await ctx.newPage();
    await h.go(page, LOCKED);
    const shown = await h.blockPage(page);
    assert.equal(shown.kind, 'locked');
    assert.equal(await page.$('[data-action="ask-teacher"]'), null, 'no "Ask my teacher" on a locked page');
    // Sent straight to the worker: refused, nothing sent.
    const straight = await page.evaluate((url) => chrome.runtime.sendMessage({ type: 'ask-teacher', url }), LOCKED);
    assert.equal(straight.sent, false);
    assert.match(straight.refused, /locked/);

    const post = async (fields) => {
      const body = JSON.stringify({
        schema: 'schoolgate-request/1', id: `q-${randomUUID()}`, device: 'd-forger-00000001', user: null, group: 'ks2', orgUnit: null,
        url: LOCKED, site: 'abuse-standin.example', rule: 'category', reason: 'forged', at: new Date().toISOString(), ...fields,
      });
      const res = await fetch(`${hubProcess.url}/api/v1/requests`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-schoolgate-signature': await signBody(key, body) }, body });
      return { status: res.status, text: await res.text(), id: JSON.parse(body).id };
    };
    progress('locked page checked on the device');
    const honest = await post({ category: 'child-abuse', categories: ['child-abuse'] });
    assert.equal(honest.status, 422, honest.text);
    assert.match(honest.text, /locked/);
    // A request that lies about the category reaches the hub; approved for the whole group.
    const lie = await post({ category: 'games', categories: ['games'] });
    assert.equal(lie.status, 201, lie.text);
    const approved = await answer(lie.id, { decision: 'approve', scope: 'group', minutes: '30' });
    assert.equal(approved.status, 303, await approved.text());
    // The device's next contact (its heartbeat alarm) fetches the approval; its own guard refuses it.
    await h.inExtension(ctx, () => chrome.alarms.create('sg-heartbeat', { when: Date.now() + 50 }));
    const refused = await h.until(async () => {
      const log = await h.inExtension(ctx, async () => (await chrome.storage.local.get('teacherOverrideLog')).teacherOverrideLog ?? []);
      return log.find((e) => e.requestId === lie.id);
    }, 'the device refusing the forged approval', 90_000, 250);
    assert.equal(refused.outcome, 'refused');
    assert.equal(refused.route, 'hub');
    assert.match(refused.reason, /locked/);
    await h.go(page, LOCKED);
    assert.equal((await h.blockPage(page)).kind, 'locked');
    assert.deepEqual(requested('abuse-standin'), [], 'the locked site was never requested');
    await page.close();
  });
});
