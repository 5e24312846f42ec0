#!/usr/bin/env node
// Screenshots of every page of the hub, as each role sees it, for a person to look at: the real
// hub binary on SQLite in a temporary directory, filled with fictional data (reports, events from
// a few Chromebooks, search alerts, filter checks passed and failed, "Ask my teacher" requests, a
// policy change proposed and approved, another waiting, the expected devices' list), and real
// Chromium at 1280×800 and at a 390-wide phone, full page. No real pupil data: every name, address
// and device below is made up.
//
//   node scripts/hub-screenshots.mjs [OUT_DIR]       (default: a new folder under /tmp)
//
// It prints the folder and each file (`<role>-<page>-<desktop|phone>.png`; a printable page also
// `…-printed.png`, in the browser's print media). Build the hub first
// (`cargo build -p schoolgate-hub`; HUB_BIN overrides). On a machine shared with the browser
// tests, hold their lock: `flock /tmp/sg-browser.lock node scripts/hub-screenshots.mjs`.

import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

import * as hub from '../tests/hub-e2e/hub.mjs';
import { signBody } from '../shared-ui/report/sign.js';

const require = createRequire(import.meta.url);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const PASSWORD = 'a long enough password 42';
const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'sg-hub-shots-'));
mkdirSync(out, { recursive: true });
const missing = hub.hubMissing();
if (missing) {
  console.error(missing);
  process.exit(2);
}

const minutesAgo = (m) => new Date(Date.now() - m * 60_000).toISOString();

/** A report like the extension's (the shared fixture's), with its own id, group and pupil. */
function report(n, { group, label, email, escalate = false, csam = false, url, title, minutes }) {
  const fixture = JSON.parse(readFileSync(join(hub.ROOT, 'tests', 'fixtures', 'hub', 'extension-signed-report.json'), 'utf8'));
  const body = JSON.parse(fixture.revisions[1].body);
  const at = minutesAgo(minutes);
  body.id = `r-shots${n}-${randomUUID().slice(0, 8)}`;
  body.revision = 1;
  body.createdAt = at;
  body.pupil = { ...body.pupil, group, groupLabel: label, email, deviceAssetId: `CB-00${40 + n}` };
  body.page = { url, title, navigations: [{ at, url: 'https://www.google.com/search?q=games', transition: 'link' }] };
  body.adult = { ...body.adult, at, escalateToDsl: escalate, suspectedCsam: csam };
  body.timeline = body.timeline.map((t) => ({ ...t, at }));
  if (!escalate && !csam) {
    body.adult = null;
    body.timeline = body.timeline.slice(0, 2);
  }
  return body;
}

/** Posts an "Ask my teacher" request as the extension does (docs/requests.md). */
async function ask(hubUrl, key, fields) {
  const body = JSON.stringify({
    schema: 'schoolgate-request/1', id: `q-${randomUUID()}`, device: 'd-shots-trolley-a-07', user: 'amara.b@oak-hill.example',
    group: 'ks2', orgUnit: '/Pupils/Year 4', at: new Date().toISOString(), rule: 'category', ...fields,
  });
  const res = await fetch(`${hubUrl}/api/v1/requests`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-schoolgate-signature': await signBody(key, body) }, body });
  if (res.status !== 201) throw new Error(`request refused (${res.status}): ${await res.text()}`);
}

/** Signs `page` in through the sign-in form. */
async function signIn(page, url, username, secret) {
  await page.goto(`${url}/login`);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', PASSWORD);
  // Each code signs in once: wait for a fresh step if this one was used.
  const step = Math.floor(Date.now() / 30_000);
  await page.fill('input[name="code"]', hub.totpCode(secret, step));
  await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/login'), { timeout: 10_000 }), page.click('form[action="/login"] button[type="submit"]')]);
}

const dir = hub.dataDir();
const key = hub.addSigningKey(dir, 'chromebooks');
const hubProcess = await hub.startHub({ dir });
const { chromium } = require('playwright-core');
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const shots = [];

/** Screenshots of `path` at each size in `context`'s page. */
async function shoot(page, role, path, name = path) {
  for (const [size, viewport] of Object.entries(SIZES)) {
    await page.setViewportSize(viewport);
    if (path) await page.goto(`${hubProcess.url}${path}`);
    const file = join(out, `${role}-${name.replace(/^\//, '').replace(/[^a-z0-9]+/gi, '-') || 'root'}-${size}.png`);
    await page.screenshot({ path: file, fullPage: true });
    shots.push(file);
  }
  // A printable page as it prints (the browser's print media: no menus, no forms).
  if (/print/.test(name)) {
    await page.setViewportSize(SIZES.desktop);
    await page.emulateMedia({ media: 'print' });
    const file = join(out, `${role}-${name.replace(/^\//, '').replace(/[^a-z0-9]+/gi, '-')}-printed.png`);
    await page.screenshot({ path: file, fullPage: true });
    shots.push(file);
    await page.emulateMedia({ media: 'screen' });
  }
}

try {
  // The DSL: first run through its page.
  const dslContext = await browser.newContext();
  const dsl = await dslContext.newPage();
  await dsl.goto(await hub.until(() => hubProcess.firstRun, 'the first-run link'));
  const dslSecret = await dsl.inputValue('input[name="totp_secret"]');
  await shoot(dsl, 'anyone', null, 'first-run');
  await dsl.fill('input[name="username"]', 'j.okafor.dsl');
  await dsl.fill('input[name="password"]', PASSWORD);
  await dsl.fill('input[name="password_again"]', PASSWORD);
  await dsl.fill('input[name="code"]', hub.totpCode(dslSecret, Math.floor(Date.now() / 30_000) - 1));
  await Promise.all([dsl.waitForURL(/\/login$/), dsl.click('button[type="submit"]')]);
  await shoot(dsl, 'anyone', null, 'sign-in');
  await signIn(dsl, hubProcess.url, 'j.okafor.dsl', dslSecret);

  // Reports, events, requests: what a school's week looks like, made up.
  const reports = [
    report(1, { group: 'ks2', label: 'Years 3 to 6', email: 'leo.m@oak-hill.example', escalate: true, url: 'https://scary-videos.example/clip/123', title: 'Scary clip', minutes: 90 }),
    report(2, { group: 'ks1', label: 'Years 1 and 2', email: 'ava.k@oak-hill.example', url: 'https://games.example/chat', title: 'Game chat', minutes: 60 * 26 }),
    report(3, { group: 'ks2', label: 'Years 3 to 6', email: 'sam.t@oak-hill.example', csam: true, url: 'https://unknown-host.example/', title: '', minutes: 30 }),
  ];
  for (const body of reports) {
    const res = await hub.postReport(hubProcess.url, key, body);
    if (res.status !== 201) throw new Error(`report refused (${res.status}): ${await res.text()}`);
  }
  const devices = [['d-shots-trolley-a-07', 'ks2', 'leo.m@oak-hill.example'], ['d-shots-trolley-b-12', 'ks1', 'ava.k@oak-hill.example'], ['d-shots-staff-03', 'staff', 'm.patel@oak-hill.example']];
  for (const [device, group, user] of devices) {
    const events = [
      { kind: 'heartbeat', state: 'active' },
      { kind: 'blocked', url: 'https://www.bet365.com/', host: 'www.bet365.com', category: 'gambling', rule: 'built-in/gambling.txt: bet365.com', via: 'typed' },
      { kind: 'filter-check', trigger: 'daily', passed: 'true', results: 'pass canary gambling: bet365.com goes to the block page\npass locked list child-abuse: loaded', staffAccount: null, groups: group, listsVersion: 'engine 0.4.0; built-in lists + 1 school list(s)' },
    ];
    if (group === 'ks2') {
      events.push({ kind: 'search-alert', engine: 'google', terms: 'how to join a gang', alert: 'safeguarding', reportId: null });
      events.push({ kind: 'help-seeking', engine: 'google', terms: 'i feel sad what do i do' });
      events.push({ kind: 'filter-check', trigger: 'on-demand', passed: 'false', results: 'pass canary gambling: bet365.com goes to the block page\nfail locked list child-abuse: never loaded', staffAccount: 'm.patel@oak-hill.example', groups: group, listsVersion: 'engine 0.4.0; built-in lists' });
    }
    const res = await hub.postEvents(hubProcess.url, key, events, { device, group, user });
    if (res.status !== 201) throw new Error(`events refused (${res.status}): ${await res.text()}`);
  }
  await ask(hubProcess.url, key, { url: 'https://www.coolmathgames.com/0-run-3', site: 'coolmathgames.com', category: 'games', categories: ['games'], reason: 'Games are blocked for Years 3 to 6 in lesson time.' });
  await ask(hubProcess.url, key, { url: 'https://www.youtube.com/watch', site: 'youtube.com', category: 'streaming', categories: ['streaming'], reason: 'Video sites are blocked for Years 3 to 6.', user: 'leo.m@oak-hill.example' });

  // The other roles: invited by the DSL, joined through their links.
  const people = [['a.brown.deputy', 'deputy-dsl'], ['m.patel', 'teacher'], ['r.singh.it', 'it-lead'], ['c.hughes.gov', 'governor']];
  const secrets = {};
  for (const [username, role] of people) {
    await dsl.goto(`${hubProcess.url}/accounts`);
    await dsl.fill('form[action="/accounts/invite"] input[name="username"]', username);
    await dsl.selectOption('form[action="/accounts/invite"] select[name="role"]', role);
    await Promise.all([dsl.waitForURL(/\/accounts\/invite$/), dsl.click('form[action="/accounts/invite"] button[type="submit"]')]);
    if (role === 'teacher') await shoot(dsl, 'dsl', null, 'accounts-invited');
    const link = await dsl.textContent('code.url');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    secrets[username] = await page.inputValue('input[name="totp_secret"]');
    await page.fill('input[name="password"]', PASSWORD);
    await page.fill('input[name="password_again"]', PASSWORD);
    await page.fill('input[name="code"]', hub.totpCode(secrets[username], Math.floor(Date.now() / 30_000) - 1));
    await Promise.all([page.waitForURL(/\/login$/), page.click('button[type="submit"]')]);
    await context.close();
  }
  await dsl.goto(`${hubProcess.url}/accounts`);
  await dsl.fill('form[action="/accounts/m.patel/groups"] input[name="groups"]', 'ks2, y4');
  await Promise.all([dsl.waitForURL(/\/accounts/), dsl.click('form[action="/accounts/m.patel/groups"] button[type="submit"]')]);

  // A policy change proposed by the DSL (its preview and an error shot on the way).
  await dsl.goto(`${hubProcess.url}/policy/edit`);
  await shoot(dsl, 'dsl', null, 'policy-edit');
  const original = await dsl.inputValue('textarea[name="policy"]');
  const editPost = () => dsl.waitForResponse((r) => r.url().endsWith('/policy/edit') && r.request().method() === 'POST');
  await dsl.fill('textarea[name="policy"]', `${original}\n[groups.ks1.categories]\ngames = "allow"\n`);
  await Promise.all([editPost(), dsl.click('button[value="preview"]')]);
  await shoot(dsl, 'dsl', null, 'policy-edit-preview');
  await dsl.fill('textarea[name="policy"]', '[categories]\ngambling = "sometimes"\n');
  await Promise.all([editPost(), dsl.click('button[value="propose"]')]);
  await shoot(dsl, 'dsl', null, 'policy-edit-error');
  await dsl.fill('textarea[name="policy"]', `${original}\n[groups.ks1.categories]\ngames = "allow"\n`);
  await dsl.fill('input[name="reason"]', 'Year 2 maths games in golden time (Mrs Patel asked)');
  await Promise.all([dsl.waitForURL(/\/policy\/proposals\/\d+$/), dsl.click('button[value="propose"]')]);
  const proposal = new URL(dsl.url()).pathname;
  await shoot(dsl, 'dsl', null, 'policy-proposal-own');

  // Each other role's pages, each in its own browser.
  const roles = {
    'deputy-dsl': ['a.brown.deputy', [proposal]],
    teacher: ['m.patel', ['/requests']],
    'it-lead': ['r.singh.it', [proposal, '/devices', '/filter-checks', '/keys', '/reports/monthly', '/policy/edit', '/sign-in-settings']],
    governor: ['c.hughes.gov', ['/figures', '/figures/term', '/filter-checks', '/filter-checks?print=1', '/policy/history']],
  };
  for (const [role, [username, paths]] of Object.entries(roles)) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, hubProcess.url, username, secrets[username]);
    for (const path of paths) await shoot(page, role, path);
    if (role === 'deputy-dsl') {
      // A deputy gives the DSL's change its second approval.
      await page.goto(`${hubProcess.url}${proposal}`);
      await Promise.all([page.waitForURL(/\/policy/), page.click(`form[action="${proposal}/approve"] button[type="submit"]`)]);
      await shoot(page, role, null, 'policy-approved');
    }
    if (role === 'it-lead') {
      // The IT lead pastes the expected devices (with an error first).
      await page.goto(`${hubProcess.url}/devices`);
      await page.fill('textarea[name="csv"]', 'Device ID,Annotated Asset ID\nd-shots-trolley-a-07,Trolley A slot 7\nnot a device!,Trolley A slot 8\n');
      await Promise.all([page.waitForResponse((r) => r.url().endsWith('/devices/expected')), page.click('form[action="/devices/expected"] button[type="submit"]')]);
      await shoot(page, role, null, 'devices-expected-error');
      await page.fill('textarea[name="csv"]', 'Device ID,Annotated Asset ID\nd-shots-trolley-a-07,Trolley A slot 7\nd-shots-trolley-a-08,Trolley A slot 8\nd-shots-trolley-b-12,Trolley B slot 12\n');
      await Promise.all([page.waitForURL(/\/devices/), page.click('form[action="/devices/expected"] button[type="submit"]')]);
      await shoot(page, role, '/devices', 'devices-with-list');
    }
    await context.close();
  }

  // The DSL's pages, last: they see the approved change, the alerts, everything.
  await dsl.goto(`${hubProcess.url}/alerts`);
  const alertPath = await dsl.getAttribute('a[href^="/alerts/"]', 'href');
  const reportPath = `/reports/${reports[0].id}`;
  for (const path of ['/inbox', reportPath, `${reportPath}/print`, '/alerts', alertPath, '/events', '/devices', '/digest', '/requests',
    '/filter-checks', '/filter-checks?print=1', '/reports/monthly', '/reports/monthly/print', '/figures', '/figures/term',
    '/policy', '/policy/history', '/policy/history/print', '/policy/settings', '/accounts', '/audit', '/exports/pupil', '/keys']) {
    await shoot(dsl, 'dsl', path);
  }
  await dslContext.close();
} finally {
  await browser.close();
  await hubProcess.stop();
}


console.log(out);
for (const file of shots) console.log(file);
