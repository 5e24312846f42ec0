// Every page of the hub in real Chromium: axe-core (npm `axe-core`, injected into the page) finds
// no serious or critical violation on the first-run page, the sign-in page, the inbox, a report's
// page with its case forms, its printable record, the audit log, the subject-access form, the
// accounts page, sign-in settings, keys, figures, the monitoring pages (search alerts, an alert's
// page, all events, devices, the digest, the term's figures, the filter check log and its
// printable version, the inbox with an open alert at its top, the monthly report and its printable
// version; the DSL is the one role that sees them all), the policy pages (the editor with its
// preview and an error, a proposal, the policy, its history and printable log, the approval rule)
// and the "link does not work" page; the inbox and the alerts on a 390-wide phone, no wider than
// the screen; and the DSL uses them all with the keyboard only (Tab,
// typing, Enter), each focused control visibly marked.
//
// Holds the machine-wide browser lock when run by hand:
//   flock /tmp/sg-browser.lock node --test --test-concurrency=1 tests/hub-e2e/pages.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import * as h from '../extension/helpers.mjs';
import * as hub from './hub.mjs';
import { skipOrFail } from '../ci.mjs';

const require = createRequire(import.meta.url);
const skip = skipOrFail(h.cannotRun() ?? hub.hubMissing());
const AXE = require.resolve('axe-core/axe.min.js');
const PASSWORD = 'a long enough password 42';

/** axe-core's serious and critical violations on `page`, as readable lines. */
async function axeProblems(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Presses Tab until `predicate(activeElement)` holds; checks each stop has a visible focus mark. */
async function tabTo(page, predicate, what, most = 30) {
  for (let i = 0; i < most; i += 1) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
      return { tag: el.tagName, name: el.getAttribute('name'), text: el.textContent.trim().slice(0, 60), href: el.getAttribute('href'), type: el.getAttribute('type'), visible: outlined || style.boxShadow !== 'none' };
    });
    if (!focus) continue;
    assert.ok(focus.visible, `the focused ${focus.tag} ${focus.name ?? focus.text} is visibly marked`);
    if (predicate(focus)) return focus;
  }
  throw new Error(`Tab never reached ${what}`);
}

async function typeInto(page, name, text) {
  await tabTo(page, (f) => f.name === name, `the ${name} field`);
  await page.keyboard.type(text);
}

describe('the hub\'s pages: axe-core and the keyboard (real Chromium)', { skip, timeout: 5 * 60_000 }, () => {
  let browser;
  let page;
  let hubProcess;
  let key;
  let reportId;
  const checked = {};
  const invitations = {};

  before(async () => {
    const { chromium } = require('playwright-core');
    const dir = hub.dataDir();
    key = hub.addSigningKey(dir);
    hubProcess = await hub.startHub({ dir });
    browser = await chromium.launch({ executablePath: h.CHROMIUM, args: ['--no-sandbox'] });
    // The hub's pages allow no script at all (CSP); only axe-core, injected by the test, needs this.
    page = await browser.newPage({ bypassCSP: true });
  });

  after(async () => {
    console.log(`axe-core checked: ${JSON.stringify(checked)}`);
    await browser?.close();
    await hubProcess?.stop();
  });

  test('first run and sign-in, with the keyboard only; no serious axe violation on either', async () => {
    const link = await hub.until(() => hubProcess.firstRun, 'the first-run link');
    await page.goto(link);
    assert.deepEqual(await axeProblems(page), [], 'the first-run page');
    checked.firstRun = true;
    const secret = await page.inputValue('input[name="totp_secret"]');
    await typeInto(page, 'username', 'dsl');
    await typeInto(page, 'password', PASSWORD);
    await typeInto(page, 'password_again', PASSWORD);
    const step = Math.floor(Date.now() / 30_000);
    await typeInto(page, 'code', hub.totpCode(secret, step));
    await Promise.all([page.waitForURL(/\/login$/, { timeout: 10_000 }), page.keyboard.press('Enter')]);

    assert.deepEqual(await axeProblems(page), [], 'the sign-in page');
    checked.signIn = true;
    // A wrong code: the error is announced, and the page is still clean.
    await typeInto(page, 'username', 'dsl');
    await typeInto(page, 'password', PASSWORD);
    await typeInto(page, 'code', '000000');
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'), page.keyboard.press('Enter')]);
    await page.waitForSelector('[role="alert"]');
    assert.deepEqual(await axeProblems(page), [], 'the sign-in page with its error');

    await typeInto(page, 'username', 'dsl');
    await typeInto(page, 'password', PASSWORD);
    await typeInto(page, 'code', hub.totpCode(secret, step + 1));
    await Promise.all([page.waitForURL(/\/inbox$/), page.keyboard.press('Enter')]);
  });

  test('the inbox and a report\'s page, with the keyboard only; no serious axe violation', async () => {
    const fixture = JSON.parse(readFileSync(join(hub.ROOT, 'tests', 'fixtures', 'hub', 'extension-signed-report.json'), 'utf8'));
    const body = JSON.parse(fixture.revisions[1].body);
    reportId = body.id;
    assert.equal((await hub.postReport(hubProcess.url, key, body)).status, 201);
    await page.goto(`${hubProcess.url}/inbox`);
    assert.ok(page.url().endsWith('/inbox'), `signed in (at ${page.url()})`);
    assert.deepEqual(await axeProblems(page), [], 'the inbox');
    checked.inbox = true;

    await tabTo(page, (f) => f.href === `/reports/${reportId}`, 'the report\'s link');
    await Promise.all([page.waitForURL(new RegExp(`/reports/${reportId}$`)), page.keyboard.press('Enter')]);
    assert.deepEqual(await axeProblems(page), [], 'a report\'s page');
    checked.report = true;

    // The other pages the DSL opens (roles and accounts, sign-in settings, keys, figures; the
    // audit log, the exports' form, a printable record), each with no serious axe violation.
    // The monitoring pages (docs/events.md), with events to show: a device's heartbeat, a block,
    // a Prevent search alert and its page.
    const stored = await hub.postEvents(hubProcess.url, key, [
      { kind: 'heartbeat', state: 'active' },
      { kind: 'blocked', url: 'https://www.bet365.com/', host: 'www.bet365.com', category: 'gambling', rule: 'built-in/gambling.txt: bet365.com', via: 'typed' },
      { kind: 'search-alert', engine: 'google', terms: 'join isis', alert: 'prevent', reportId: null },
      { kind: 'help-seeking', engine: 'google', terms: 'i feel sad what do i do' },
      // selftest: a failed filter check, so the log shows its alert, results and note form.
      { kind: 'filter-check', trigger: 'daily', passed: 'false', results: 'pass canary gambling: bet365.com goes to the block page\nfail locked list child-abuse: never loaded', staffAccount: null, groups: 'ks2', listsVersion: 'engine 0.4.0; built-in lists + 1 school list(s)' },
    ]);
    assert.equal(stored.status, 201, await stored.text());
    await page.goto(`${hubProcess.url}/alerts`);
    const alertPath = await page.getAttribute('a[href^="/alerts/"]', 'href');
    assert.match(alertPath, /^\/alerts\/\d+$/);

    for (const path of [
      `/reports/${reportId}/print`,
      '/audit',
      '/exports/pupil',
      '/accounts',
      '/sign-in-settings',
      '/keys',
      '/figures',
      '/alerts',
      alertPath,
      '/events',
      '/devices',
      '/digest',
      '/figures/term',
      '/filter-checks',
      '/filter-checks?print=1',
      // digest: the inbox with an open search alert at its top, the monthly report and its
      // printable version.
      '/inbox',
      '/reports/monthly',
      '/reports/monthly/print',
    ]) {
      await page.goto(`${hubProcess.url}${path}`);
      assert.ok(page.url().endsWith(path), `${path} opened (at ${page.url()})`);
      assert.deepEqual(await axeProblems(page), [], path);
      checked[path] = true;
    }
    // looks: a DSL reads alerts on a phone: at 390 wide the inbox's tables (and the filter check log's) stand as labelled
    // cards (hub.css), no wider than the screen, and axe finds nothing serious there either.
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/inbox', '/alerts', alertPath, '/filter-checks']) {
      await page.goto(`${hubProcess.url}${path}`);
      assert.deepEqual(await axeProblems(page), [], `${path} on a phone`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${path} on a phone is no wider than the screen (${overflow}px too wide)`);
      checked[`${path} on a phone`] = true;
    }
    await page.setViewportSize({ width: 1280, height: 720 });
    // policyhub: the policy pages (issue 18): the editor, with its preview and with an error,
    // a proposal waiting for approval, the policy in force, its history, the printable log and
    // the approval rule.
    await page.goto(`${hubProcess.url}/policy/edit`);
    assert.deepEqual(await axeProblems(page), [], '/policy/edit');
    const editPost = () => page.waitForResponse((r) => r.url().endsWith('/policy/edit') && r.request().method() === 'POST');
    await Promise.all([editPost(), page.click('button[value="preview"]')]);
    await page.waitForSelector('text=What this changes, for each group');
    assert.deepEqual(await axeProblems(page), [], '/policy/edit with its preview');
    await page.fill('textarea[name="policy"]', '[school]\nname = "Oak Hill Primary"\n\n[categories]\ngambling = "sometimes"\n');
    await page.fill('input[name="reason"]', 'A test of the error');
    await Promise.all([editPost(), page.click('button[value="propose"]')]);
    await page.waitForSelector('.error');
    assert.deepEqual(await axeProblems(page), [], '/policy/edit with an error');
    await page.fill('textarea[name="policy"]', '[school]\nname = "Oak Hill Primary"\n\n[groups.ks1.categories]\ngames = "allow"\n');
    await Promise.all([page.waitForURL(/\/policy\/proposals\/\d+$/), page.click('button[value="propose"]')]);
    assert.deepEqual(await axeProblems(page), [], 'a policy proposal');
    checked['/policy/proposals/N'] = true;
    for (const path of ['/policy', '/policy/history', '/policy/history/print', '/policy/settings']) {
      await page.goto(`${hubProcess.url}${path}`);
      assert.ok(page.url().endsWith(path), `${path} opened (at ${page.url()})`);
      assert.deepEqual(await axeProblems(page), [], path);
      checked[path] = true;
    }
    // Invitations for the two other roles whose pages are checked below.
    for (const [username, role] of [['it.lead', 'it-lead'], ['governor.one', 'governor']]) {
      await page.goto(`${hubProcess.url}/accounts`);
      await page.fill('input[name="username"]', username);
      await page.selectOption('select[name="role"]', role);
      await Promise.all([page.waitForURL(/\/accounts\/invite$/), page.click('form[action="/accounts/invite"] button[type="submit"]')]);
      invitations[role] = await page.textContent('code.url');
    }
    await page.goto(`${hubProcess.url}/reports/${reportId}`);
    await tabTo(page, (f) => f.href === '/inbox', 'the way back to the inbox');
    await Promise.all([page.waitForURL(/\/inbox$/), page.keyboard.press('Enter')]);
    await tabTo(page, (f) => f.tag === 'BUTTON' && /Sign out/.test(f.text), 'Sign out');
    await Promise.all([page.waitForURL(/\/login$/), page.keyboard.press('Enter')]);
    await page.goto(`${hubProcess.url}/inbox`);
    assert.ok(page.url().endsWith('/login'), 'signed out');
  });

  test('the IT lead\'s devices page and the governor\'s term figures, each as that role: no serious axe violation', async () => {
    const signedInAt = {};
    // The IT lead also proposes policy changes; governors also read the policy's history.
    for (const [role, paths] of [['it-lead', ['/devices', '/filter-checks', '/policy/edit']], ['governor', ['/figures/term', '/filter-checks', '/filter-checks?print=1', '/policy/history']]]) {
      const context = await browser.newContext({ bypassCSP: true });
      try {
        const other = await context.newPage();
        await other.goto(invitations[role]);
        assert.deepEqual(await axeProblems(other), [], `the join page (${role})`);
        const secret = await other.inputValue('input[name="totp_secret"]');
        const step = Math.floor(Date.now() / 30_000);
        await other.fill('input[name="password"]', PASSWORD);
        await other.fill('input[name="password_again"]', PASSWORD);
        await other.fill('input[name="code"]', hub.totpCode(secret, step));
        await Promise.all([other.waitForURL(/\/login$/, { timeout: 10_000 }), other.click('button[type="submit"]')]);
        const username = role === 'it-lead' ? 'it.lead' : 'governor.one';
        await other.fill('input[name="username"]', username);
        await other.fill('input[name="password"]', PASSWORD);
        await other.fill('input[name="code"]', hub.totpCode(secret, step + 1));
        await Promise.all([other.waitForURL((u) => !u.pathname.endsWith('/login'), { timeout: 10_000 }), other.click('button[type="submit"]')]);
        signedInAt[role] = new URL(other.url()).pathname;
        for (const path of paths) {
          await other.goto(`${hubProcess.url}${path}`);
          assert.ok(other.url().endsWith(path), `${path} opened as ${role} (at ${other.url()})`);
          assert.equal(await other.locator('h1').count() > 0, true);
          assert.deepEqual(await axeProblems(other), [], `${path} as ${role}`);
          checked[`${path} as ${role} (signed in at ${signedInAt[role]})`] = true;
        }
      } finally {
        await context.close();
      }
    }
  });

  test('the used first-run link: no serious axe violation', async () => {
    await page.goto(hubProcess.firstRun);
    assert.match(await page.textContent('h1'), /does not work/);
    assert.deepEqual(await axeProblems(page), [], 'the "link does not work" page');
    checked.usedLink = true;
  });
});
