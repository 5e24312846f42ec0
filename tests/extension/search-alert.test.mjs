// Help-seeking searches, end to end in real Chromium (issue 15): a pupil who searches "I saw porn
// what do I do" or "someone sent me a nude picture" sees an age-appropriate support page (the
// school's adults and the tell-an-adult button; Childline for KS2), never a plain block page,
// and the service worker itself makes a `search-alert` report for the DSL, saves it on the
// device and delivers it, signed, through the same outbox as every other report to the school's
// real hub: the `schoolgate-hub` binary on 127.0.0.1 with a temporary data directory and a
// signing key made with its own CLI (tests/hub-e2e/hub.mjs); what arrived is read back with
// `schoolgate-hub reports export --json`. The same search again makes no second report; an
// ordinary search makes none; a page cannot make one.
//
// Run alone (it writes the machine-wide managed policy), after `cargo build -p schoolgate-hub`
// (scripts/test.sh builds it first):
//   flock /tmp/sg-browser.lock node --test --test-concurrency=1 tests/extension/search-alert.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import * as h from './helpers.mjs';
import { addSigningKey, dataDir, hubCli, hubMissing, startHub } from '../hub-e2e/hub.mjs';

const skip = h.cannotRun() ?? hubMissing();
const T = { timeout: 180_000 };
const STAFF_CODE = '4821';
const KEY_LABEL = 'chromebooks';
const IMAGE = /data:image\/|base64,|iVBORw0KGgo|\/9j\/4|R0lGOD/;

describe('search alerts: help-seeking searches', { skip: skip ?? false, timeout: 15 * 60_000 }, () => {
  let server;
  let hub; // the real hub binary (tests/hub-e2e/hub.mjs)
  let key; // the signing key its CLI made
  let endpoint;
  let ctx;

  const settings = (group) => ({
    group,
    schoolName: 'Oak Hill Primary',
    staffUnlockCodeHash: h.staffCodeValue(STAFF_CODE),
    reportEndpoint: endpoint,
    reportSigningKey: key,
  });

  /** What the hub holds, read with its own CLI: every report's newest revision, as received. */
  const atHub = () => JSON.parse(hubCli(hub.dir, ['reports', 'export', '--json'])).reports;
  const searchAlerts = () => atHub().filter((r) => r.body.source === 'search-alert');
  const alertsFor = (terms) => searchAlerts().filter((r) => r.body.search?.terms === terms).map((r) => r.body);
  /** Reports the hub refused (it logs each refusal's status and reason, never its contents). */
  const refusals = () => hub.log().split('\n').filter((line) => line.includes('report refused'));

  /** The page's support content: kind, the help words' marker, text and buttons. */
  async function shown(page) {
    const base = await h.blockPage(page);
    const more = await page.evaluate(() => {
      const p = document.querySelector('.sg-page');
      return {
        help: p.dataset.help ?? null,
        buttons: [...p.querySelectorAll('[data-action]')].map((b) => b.dataset.action),
        tellAdult: p.querySelector('[data-action="worried"]')?.getAttribute('aria-label') ?? p.querySelector('[data-action="worried"]')?.textContent ?? null,
      };
    });
    return { ...base, ...more };
  }

  async function useGroup(group) {
    await h.writePolicy(h.extensionPolicy(settings(group)));
    let seen;
    await h.until(async () => {
      seen = await h.status(ctx);
      return seen.group?.name === group && seen.reportEndpoint === endpoint;
    }, `the managed policy (${group}, ${endpoint})`, 45_000, 250).catch((error) => {
      throw new Error(`${error.message}; the extension's status: ${JSON.stringify(seen)}`);
    });
  }

  before(async () => {
    h.ensureBuilt();
    server = await h.startServer();
    const dir = dataDir();
    key = addSigningKey(dir, KEY_LABEL);
    hub = await startHub({ dir });
    endpoint = `${hub.url}/api/v1/reports`;
    await h.writePolicy(h.extensionPolicy(settings('ks2')));
    ({ ctx } = await h.launchUnpacked({ port: server.port }));
    await useGroup('ks2');
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    h.removePolicy();
    await hub?.stop();
    await server?.close();
    h.cleanUp();
  });

  test('KS2 "I saw porn what do I do": support with Childline and the tell-an-adult button, and a search-alert report delivered to the school', T, async () => {
    const terms = 'I saw porn what do I do';
    const page = await ctx.newPage();
    const url = `https://www.google.com/search?q=${encodeURIComponent(terms).replace(/%20/g, '+')}`;
    await page.goto(url).catch(() => {});
    const s = await shown(page);
    assert.equal(s.audience, 'junior');
    assert.equal(s.kind, 'support', 'not a plain block page');
    assert.equal(s.help, 'true', 'the words for a pupil asking for help');
    assert.match(s.text, /You did the right thing asking for help/);
    assert.match(s.text, /0800 1111/, 'Childline for KS2');
    assert.equal(s.tellAdult, 'Turn off the screen and tell an adult');
    assert.equal(s.buttons[0], 'worried', 'the tell-an-adult button comes first');
    assert.doesNotMatch(s.text, /porn/i, 'the page does not repeat the search');
    await h.screenshot(page, 'search-help-seeking-ks2');

    const [got] = await h.until(() => alertsFor(terms).length && alertsFor(terms), 'the search alert at the hub', 30_000);
    assert.equal(got.source, 'search-alert');
    assert.equal(got.pupil.group, 'ks2');
    assert.equal(got.school.name, 'Oak Hill Primary');
    assert.equal(got.search.engine, 'google');
    assert.equal(got.search.helpSeeking, true);
    assert.equal(got.search.flavour, 'help_seeking');
    assert.deepEqual(got.search.alerts, ['safeguarding:pornography']);
    assert.ok(got.search.matches.some((m) => m.phrase === 'porn' && m.category === 'pornography'));
    assert.equal(got.filter.action, 'block');
    assert.equal(got.blockedOnDevice, false, 'a search alert blocks nothing more on the device');
    assert.equal(got.page.title, null);
    assert.equal(got.timeline[0].event, 'search-alert');
    assert.match(got.timeline[0].detail, /shown support/);
    assert.doesNotMatch(JSON.stringify(got), IMAGE, 'no image data');
    assert.deepEqual(refusals(), [], 'signed with the school key: the hub refused nothing');
    assert.equal(atHub().find((r) => r.id === got.id).signingKey, KEY_LABEL, 'signed with the key the hub made');

    // Saved on the device, like every report (the staff page lists it).
    const staff = await ctx.newPage();
    await staff.goto(`chrome-extension://${h.EXT_ID}/staff.html`);
    const listed = await staff.evaluate((code) => chrome.runtime.sendMessage({ type: 'report-list', code }), STAFF_CODE);
    assert.ok(listed.reports.some((r) => r.id === got.id && r.source === 'search-alert'), 'stored on the device');

    // The same search again (a reload) tells the DSL nothing new.
    await page.goto(url).catch(() => {});
    await h.blockPage(page);
    await h.sleep(3_000);
    assert.equal(alertsFor(terms).length, 1, 'one report for one search');
    await staff.close();
    await page.close();
  });

  test('an ordinary search makes no report, and a page cannot make one', T, async () => {
    const before = searchAlerts().length;
    const page = await ctx.newPage();
    await page.goto('https://www.google.com/search?q=what+do+I+do+for+my+science+homework').catch(() => {});
    await h.until(() => page.evaluate(() => document.body?.textContent?.includes('Loaded')).catch(() => false), 'the search results (the local server)');
    // Only the worker makes search alerts: a page asking for one is refused.
    const refused = await h.inExtension(ctx, () => chrome.runtime.sendMessage({ type: 'report-press', source: 'search-alert', url: 'https://www.google.com/search?q=I+want+to+die' }));
    assert.ok(refused?.error, `refused: ${JSON.stringify(refused)}`);
    await h.sleep(3_000);
    assert.equal(searchAlerts().length, before);
    await page.close();
  });

  test('KS2 asking for help about child abuse material: support, not the locked page, nobody asked to unblock it, and the DSL alerted', T, async () => {
    const terms = 'i saw child porn what do i do';
    const page = await ctx.newPage();
    await page.goto(`https://duckduckgo.com/?q=${terms.replace(/ /g, '+')}`).catch(() => {});
    const s = await shown(page);
    assert.equal(s.kind, 'support');
    assert.equal(s.help, 'true');
    assert.ok(!s.buttons.includes('ask-teacher'), `no "ask my teacher" for locked content: ${s.buttons}`);
    assert.equal(s.buttons[0], 'worried');
    const [got] = await h.until(() => alertsFor(terms).length && alertsFor(terms), 'the search alert at the hub', 30_000);
    assert.deepEqual(got.search.alerts, ['safeguarding:child-abuse']);
    assert.equal(got.filter.locked, true);
    await page.close();
  });

  test('KS1 "someone sent me a nude picture": the grown-ups around them, no phone line, and the DSL alerted', T, async () => {
    await useGroup('ks1');
    const terms = 'someone sent me a nude picture';
    const page = await ctx.newPage();
    await page.goto(`https://www.bing.com/search?q=${terms.replace(/ /g, '+')}`).catch(() => {});
    const s = await shown(page);
    assert.equal(s.audience, 'young');
    assert.equal(s.kind, 'support');
    assert.equal(s.help, 'true');
    assert.match(s.text, /Well done for asking/);
    assert.match(s.text, /grown-up at school or at home/);
    assert.doesNotMatch(s.text, /0800 1111/, 'no phone line for the youngest');
    assert.equal(s.buttons[0], 'worried', 'the tell-an-adult button comes first');
    await h.screenshot(page, 'search-help-seeking-ks1');
    const [got] = await h.until(() => alertsFor(terms).length && alertsFor(terms), 'the search alert at the hub', 30_000);
    assert.equal(got.pupil.group, 'ks1');
    assert.equal(got.search.engine, 'bing');
    assert.deepEqual(got.search.alerts, ['safeguarding:pornography']);
    await page.close();
  });

  test('a staff device\'s own searches make no report', T, async () => {
    await useGroup('staff');
    const terms = 'I want to die';
    const page = await ctx.newPage();
    await page.goto(`https://www.google.com/search?q=${terms.replace(/ /g, '+')}`).catch(() => {});
    const s = await shown(page);
    assert.equal(s.audience, 'staff');
    await h.sleep(3_000);
    assert.equal(alertsFor(terms).length, 0);
    await page.close();
  });
});
