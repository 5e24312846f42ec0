// Secrets and pupils' data on a pupil's device, in real Chromium with the real managed-policy file
// (issue 15): chrome://policy does not show the secrets; a web page that frames the block page
// can neither file a report nor block an address on the device; a hostile page script cannot take
// the "tell an adult" cover away; the staff code in the old unsalted form is refused with a
// message on the staff page; without a staff code, no report is shown on the device.
// The pure half (PBKDF2, the scrubber, revision 1) is tests/extension/secrets-unit.test.mjs.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

import * as h from './helpers.mjs';

const skip = h.cannotRun();
const T = { timeout: 180_000 };
const STAFF_CODE = '7314';
const SIGNING_KEY = 'test-only-signing-key-c0ffee-0123456789abcdef';
const GOOD = 'https://www.good-school-site.co.uk/lessons';

describe('secrets and staff-only data on a pupil\'s device', { skip: skip ?? false, timeout: 15 * 60_000 }, () => {
  let server;
  let ctx;

  const settings = (extra = {}) => ({
    group: 'ks1',
    schoolName: 'Oak Hill Primary (not a secret)',
    staffUnlockCodeHash: h.staffCodeValue(STAFF_CODE),
    reportSigningKey: SIGNING_KEY,
    ...extra,
  });

  async function newPage() {
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.log(`page error on ${page.url()}: ${e.message}`));
    return page;
  }

  /** Asks the worker as the staff page does (the staff page is the only sender it lists reports for). */
  let staffPage = null;
  async function asStaffPage(message) {
    if (!staffPage || staffPage.isClosed()) {
      staffPage = await newPage();
      await staffPage.goto(`chrome-extension://${h.EXT_ID}/staff.html`);
    }
    return staffPage.evaluate((m) => chrome.runtime.sendMessage(m), message);
  }

  async function applyPolicy(extra, ready) {
    await h.writePolicy(h.extensionPolicy(settings(extra)));
    await h.until(async () => ready(await h.status(ctx)), 'the new managed policy', 45_000, 250);
  }

  before(async () => {
    h.ensureBuilt();
    server = await h.startServer();
    await h.writePolicy(h.extensionPolicy(settings()));
    ({ ctx } = await h.launchUnpacked({ port: server.port }));
    await h.until(async () => {
      const s = await h.status(ctx);
      return s.group?.name === 'ks1' && s.staffUnlock && s;
    }, 'the managed policy (KS1, staff code)', 45_000, 250);
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    h.removePolicy();
    await server?.close();
    h.cleanUp();
  });

  test('chrome://policy shows the extension\'s settings but not its secrets (the signing key, the staff code\'s hash)', T, async () => {
    const page = await newPage();
    await page.goto('chrome://policy');
    // WebUI in shadow roots: read every text and attribute value, however deep, once the
    // extension's policies are listed; expand every "show more" first.
    const text = await h.until(async () => {
      await page.evaluate(() => {
        const walk = (root, out) => {
          for (const el of root.querySelectorAll('*')) {
            out.push(el);
            if (el.shadowRoot) walk(el.shadowRoot, out);
          }
          return out;
        };
        for (const el of walk(document, [])) {
          if (/show more|show value|expand/i.test(el.textContent ?? '') && (el.tagName === 'BUTTON' || el.getAttribute?.('role') === 'button' || el.tagName === 'CR-EXPAND-BUTTON')) el.click();
        }
      });
      const all = await page.evaluate(() => {
        const parts = [];
        const walk = (root) => {
          for (const node of root.childNodes) {
            if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent);
            if (node.nodeType === Node.ELEMENT_NODE) {
              for (const a of node.getAttributeNames()) parts.push(node.getAttribute(a));
              if ('value' in node && typeof node.value === 'string') parts.push(node.value);
              if (node.shadowRoot) walk(node.shadowRoot);
              walk(node);
            }
          }
        };
        walk(document);
        return parts.join('\n');
      });
      return all.includes('Oak Hill Primary (not a secret)') && all.includes('schoolName') && all;
    }, 'chrome://policy to list the extension\'s policies', 30_000, 500);
    await h.screenshot(page, 'chrome-policy');
    assert.ok(text.includes('reportSigningKey') && text.includes('staffUnlockCodeHash'), 'the secret keys are listed by name');
    assert.ok(!text.includes(SIGNING_KEY), 'the signing key is not shown');
    const value = h.staffCodeValue(STAFF_CODE);
    for (const part of [value, ...value.split('$').slice(2)]) assert.ok(!text.includes(part), `the staff code's hash is not shown (${part.slice(0, 12)}…)`);
    await page.close();
  });

  test('a web page that frames blocked.html?u=… can neither file a report nor block an address on the device', T, async () => {
    const framed = `chrome-extension://${h.EXT_ID}/blocked.html?src=dnr&u=https://www.bet365.com/framed`;
    server.pages.set('www.framing-page.co.uk/', `<!doctype html><title>Free games</title><h1>Click the big button!</h1><iframe id="f" src="${framed}" width="900" height="600"></iframe>`);
    const page = await newPage();
    await h.go(page, 'https://www.framing-page.co.uk/');
    const frame = await h.until(() => page.frames().find((f) => f.url().startsWith(h.blockPrefix)), 'the framed block page');
    await h.until(() => frame.evaluate(() => document.documentElement.dataset.ready === 'true' && Boolean(document.querySelector('.sg-page'))), 'the framed block page to render');
    await h.screenshot(page, 'framed-block-page');
    // The worker refuses the frame's messages (a report about any address, which would
    // also block that address on this device; an action; a staff code guess).
    const answers = await frame.evaluate(async (good) => Promise.all([
      chrome.runtime.sendMessage({ type: 'report-press', source: 'block-page', url: good }),
      chrome.runtime.sendMessage({ type: 'pupil-action', action: 'worried', url: good }),
      chrome.runtime.sendMessage({ type: 'staff-unlock', code: '7314' }),
    ]), GOOD);
    for (const a of answers) assert.match(a.error ?? '', /refused: .* inside a frame/, JSON.stringify(a));
    assert.equal(await frame.evaluate(() => document.documentElement.dataset.framed), 'true');
    // And what a clickjacking page would trick the pupil into pressing: nothing is there to press.
    assert.equal(await frame.locator('[data-action]').count(), 0, 'no buttons in a framed block page');
    assert.equal(await frame.locator('.sg-staff-open').count(), 0, 'no staff code box');
    const listed = await asStaffPage({ type: 'report-list', code: STAFF_CODE });
    assert.ok(Array.isArray(listed.reports), JSON.stringify(listed));
    assert.equal(listed.reports.filter((r) => /good-school-site|bet365\.com\/framed/.test(r.page.url)).length, 0, 'no report was filed');
    const open = await newPage();
    await h.go(open, GOOD);
    await h.until(() => open.url() === GOOD && open.evaluate(() => /Loaded/.test(document.body?.textContent ?? '')), 'the good site still opens', 15_000);

    // The same class without a frame: any web page can send a tab to blocked.html?u=<an address
    // of its choice>. A press there files a report (a pupil did press), but blocks the address
    // on this device only when the filter blocks it anyway.
    const chosen = `${GOOD}/chosen-by-a-page`;
    const pressed = await asStaffPage({ type: 'report-press', source: 'block-page', url: chosen });
    assert.ok(pressed.id, JSON.stringify(pressed));
    const report = (await asStaffPage({ type: 'report-list', code: STAFF_CODE })).reports.find((r) => r.id === pressed.id);
    assert.equal(report.blockedOnDevice, false);
    await h.go(open, chosen);
    await h.until(() => open.url() === chosen && open.evaluate(() => /Loaded/.test(document.body?.textContent ?? '')), 'the chosen address still opens', 15_000);
    await open.close();
    await page.close();
  });

  test('a hostile page script restyles, hides, removes and covers the "tell an adult" cover: it comes back at once, on top', T, async () => {
    server.pages.set('www.cover-breaker.co.uk/', `<!doctype html><title>Nothing to see</title><h1>Keep watching</h1>
<script>
window.attacks = {
  restyle(c) { c.style.setProperty('display', 'none', 'important'); c.setAttribute('style', 'display:none!important;opacity:0!important'); },
  hide(c) { c.hidePopover(); },
  remove(c) { c.remove(); },
  hidden(c) { c.hidden = true; c.setAttribute('inert', ''); c.removeAttribute('popover'); },
  sheet() { const s = document.createElement('style'); s.textContent = 'schoolgate-cover { display: none !important; clip-path: inset(50%) !important }'; document.head.append(s); },
  cover() {
    const d = document.createElement('div');
    d.id = 'bad-cover';
    d.setAttribute('popover', 'manual');
    d.style.cssText = 'position:fixed;inset:0;width:100vw;height:100vh;margin:0;background:red;z-index:2147483647';
    document.documentElement.append(d);
    d.showPopover();
  },
  shadowDialog() {
    const holder = document.createElement('div');
    const root = holder.attachShadow({ mode: 'closed' });
    const d = document.createElement('dialog');
    d.style.cssText = 'position:fixed;inset:0;width:100vw;height:100vh;max-width:none;max-height:none;margin:0;background:red';
    root.append(d);
    document.documentElement.append(holder);
    d.showModal();
  },
  dialog() {
    const d = document.createElement('dialog');
    d.style.cssText = 'position:fixed;inset:0;width:100vw;height:100vh;max-width:none;max-height:none;margin:0;background:red';
    document.documentElement.append(d);
    d.showModal();
  },
};
window.run = (name) => new Promise((resolve) => {
  const c = document.querySelector('schoolgate-cover');
  const t0 = performance.now();
  window.attacks[name](c);
  const onTop = () => [[0.5, 0.5], [0.05, 0.05], [0.95, 0.95]].every(([x, y]) => document.elementFromPoint(innerWidth * x, innerHeight * y)?.tagName === 'SCHOOLGATE-COVER');
  const check = () => (onTop() ? resolve(performance.now() - t0) : performance.now() - t0 > 2000 ? resolve(-1) : requestAnimationFrame(check));
  requestAnimationFrame(check);
});
</script>`);
    const page = await newPage();
    await h.go(page, 'https://www.cover-breaker.co.uk/');
    await h.until(() => page.evaluate(() => document.readyState === 'complete'), 'the page');
    const sw = await h.worker(ctx);
    const tabId = await sw.evaluate(async () => (await chrome.tabs.query({ url: 'https://www.cover-breaker.co.uk/' }))[0]?.id);
    await sw.evaluate((id) => globalThis.schoolgate.press(id, 'toolbar'), tabId);
    await h.until(() => page.evaluate(() => document.elementFromPoint(innerWidth / 2, innerHeight / 2)?.tagName === 'SCHOOLGATE-COVER'), 'the cover', 5_000, 10);
    assert.equal(await page.evaluate(() => document.querySelector('schoolgate-cover')?.dataset.reportId), undefined, 'the page cannot read the report id');
    for (const attack of ['restyle', 'hide', 'remove', 'hidden', 'sheet', 'cover', 'dialog']) {
      const ms = await page.evaluate((name) => window.run(name), attack);
      assert.ok(ms >= 0 && ms <= 250, `${attack}: the cover came back on top in ${ms.toFixed?.(1)} ms (must be at once)`);
    }
    await h.screenshot(page, 'cover-after-attacks');
    // Still the cover with the adult's form in it, in front of everything.
    const frame = await h.until(() => page.frames().find((f) => f.url().startsWith(`chrome-extension://${h.EXT_ID}/report.html`)), 'the cover page frame');
    await h.until(() => frame.evaluate(() => document.documentElement.dataset.ready === 'pupil'), 'the cover page');
    // Another page that frames this cover page (having learnt its address somehow) gets nothing:
    // the worker answers a framed cover page only in the tab where the pupil pressed.
    const coverUrl = frame.url();
    server.pages.set('www.cover-thief.co.uk/', `<!doctype html><title>Thief</title><iframe src="${coverUrl}" width="800" height="600"></iframe>`);
    const thief = await newPage();
    await h.go(thief, 'https://www.cover-thief.co.uk/');
    const stolen = await h.until(() => thief.frames().find((f) => f.url() === coverUrl), 'the stolen cover frame');
    const answers = await stolen.evaluate(async (a) => Promise.all([
      chrome.runtime.sendMessage({ type: 'report-info', id: a.id }),
      chrome.runtime.sendMessage({ type: 'report-unlock', id: a.id, code: a.code }),
      chrome.runtime.sendMessage({ type: 'report-record', id: a.id, code: a.code, record: { categories: ['other'], actionTaken: 'forged' } }),
    ]), { id: new URL(coverUrl).searchParams.get('id'), code: STAFF_CODE });
    for (const a of answers) assert.match(a.error ?? '', /not in the tab where the pupil pressed/, JSON.stringify(a));
    await thief.close();
    // What cannot be undone from the content script (a modal dialog in a closed shadow root makes
    // the cover inert): the tab leaves the page for the cover page itself.
    page.evaluate(() => window.attacks.shadowDialog()).catch(() => {});
    await h.until(() => page.url() === coverUrl, 'the tab to become the cover page', 5_000, 20);
    await h.until(() => page.evaluate(() => document.documentElement.dataset.ready === 'pupil'), 'the cover page in the tab');
    await page.close();
  });

  test('the staff code: the old unsalted SHA-256 is refused with a message; without a code no report is shown; the salted form works', T, async () => {
    const old = createHash('sha256').update(STAFF_CODE).digest('hex');
    await applyPolicy({ staffUnlockCodeHash: old }, (s) => (s.status.managedProblems ?? []).some((p) => /old unsalted/.test(p)));
    const page = await newPage();
    await page.goto(`chrome-extension://${h.EXT_ID}/staff.html`);
    await h.until(() => page.evaluate(() => /old unsalted SHA-256/.test(document.getElementById('last-error')?.textContent ?? '')), 'the staff page to say why the code is refused');
    await page.waitForSelector('#unlock:not([hidden])');
    await page.fill('#unlock-code', STAFF_CODE);
    await page.click('#unlock-form button');
    await h.until(() => page.evaluate(() => /old unsalted/.test(document.getElementById('unlock-status').textContent)), 'the unlock refused with the reason');
    await h.screenshot(page, 'staff-old-code-form');
    await page.fill('#reports-code', STAFF_CODE);
    await page.click('#reports-form button[type="submit"]');
    await h.until(() => page.evaluate(() => /old unsalted/.test(document.getElementById('reports-status').textContent)), 'the reports refused with the reason');
    assert.equal(await page.locator('.reports-table').count(), 0);

    await applyPolicy({ staffUnlockCodeHash: undefined }, (s) => !s.staffUnlock);
    await page.reload();
    await page.waitForSelector('html[data-ready="true"]');
    await page.click('#reports-form button[type="submit"]');
    await h.until(() => page.evaluate(() => /No staff code is set.*staffUnlockCodeHash/.test(document.getElementById('reports-status').textContent)), 'reports refused without a code, saying how to set one');
    assert.equal(await page.locator('.reports-table').count(), 0, 'no report is shown');
    await h.screenshot(page, 'staff-no-code-reports');

    await applyPolicy({}, (s) => s.staffUnlock && !(s.status.managedProblems ?? []).length);
    await page.reload();
    await page.waitForSelector('html[data-ready="true"]');
    await page.fill('#reports-code', STAFF_CODE);
    await page.click('#reports-form button[type="submit"]');
    await h.until(() => page.evaluate(() => /report\(s\) on this device/.test(document.getElementById('reports-status').textContent)), 'the reports with the salted code');
    await page.close();
  });
});
