// Pupils' pages in every language (issue 19), in real Chromium. Force-installed with the managed
// `language` set to Urdu, a KS2 pupil's block page opens in Urdu, right to left; its language
// switch then shows the same page in each of the 13 languages, and each one must render every
// word (no raw message key, no empty text) without horizontal overflow at 1280×800, with Urdu and
// Arabic laid out right to left (`dir="rtl"`, the main action, "Go back", on the other side).
// The switch changes that page only: the worker's state is the same after it, and the next block
// page is in the managed language again; the cover after "tell a grown-up" goes on in the
// language the block page showed (Arabic, right to left, after the switch) and has the same switch. Without a managed
// language, the pages follow the browser's own language (`--lang=uk`, unpacked).
//
// Screenshots of every language: target/artifacts/locales/<locale>.png (not committed).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as h from './helpers.mjs';
import { skipOrFail } from '../ci.mjs';
import { LOCALES } from '../../shared-ui/ui/i18n.js';

const skip = skipOrFail(h.cannotRun());
const SHOTS = join(h.ROOT, 'target', 'artifacts', 'locales');
const VIEWPORT = { width: 1280, height: 800 };
const BLOCKED = 'http://www.bet365.com/locales';
const messages = (id) => JSON.parse(readFileSync(join(h.ROOT, 'shared-ui', '_locales', id, 'messages.json'), 'utf8'));
const word = (id, key) => messages(id)[key].message;

/** What the page shows, read in the page: words, emptiness, overflow, direction, the back button's box. */
function inspect() {
  const page = document.querySelector('.sg-page');
  const rawKey = /^[a-z0-9]+(_[a-z0-9]+)+$/;
  const texts = [];
  for (const root of [page, document.getElementById('sg-language')].filter(Boolean)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) texts.push(n.textContent.trim());
  }
  const shouldSay = [...page.querySelectorAll('h1, h2, button, .sg-say, .sg-reason, .sg-footer p'), ...document.querySelectorAll('#sg-language label, #sg-language option')];
  const labelled = [...page.querySelectorAll('[role="img"]')].map((n) => n.getAttribute('aria-label') ?? '');
  const width = document.documentElement.clientWidth;
  const outside = [...document.querySelectorAll('body *')].filter((n) => {
    const r = n.getBoundingClientRect();
    return r.width > 0 && (r.right > width + 1 || r.left < -1);
  }).map((n) => n.className || n.tagName);
  const back = page.querySelector('[data-action="back"]')?.getBoundingClientRect();
  return {
    locale: document.documentElement.dataset.locale,
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
    pageDir: page.dir,
    title: page.querySelector('h1')?.textContent.trim(),
    text: page.innerText,
    rawKeys: texts.filter((t) => rawKey.test(t)),
    empty: shouldSay.filter((n) => !n.textContent.trim()).map((n) => n.outerHTML.slice(0, 80)),
    unlabelled: labelled.filter((l) => !l.trim()).length,
    scrollWidth: document.documentElement.scrollWidth,
    width,
    outside,
    backCentre: back ? back.left + back.width / 2 : null,
  };
}

describe('pupils\' pages in every language', { skip, timeout: 10 * 60_000 }, () => {
  let server;
  let ctx;

  before(async () => {
    h.ensureBuilt();
    mkdirSync(SHOTS, { recursive: true });
    server = await h.startServer();
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    await server?.close();
    h.removePolicy();
    h.cleanUp();
  });

  test('force-installed, managed language ur: every language on the block page, Urdu and Arabic right to left; the switch changes that page only', { timeout: 5 * 60_000 }, async () => {
    ({ ctx } = await h.launchForceInstalled({ server, crx: h.packCrx(), settings: { group: 'ks2', language: 'ur' } }));
    const before = await h.until(async () => {
      const s = await h.status(ctx);
      return s.source === 'managed' && s.status.dnr.at && s;
    }, 'the managed policy', 60_000, 250);
    const page = await ctx.newPage();
    await page.setViewportSize(VIEWPORT);
    await h.go(page, BLOCKED);
    await h.blockPage(page);
    const first = await page.evaluate(inspect);
    assert.equal(first.locale, 'ur', 'the managed language, not the browser\'s');
    assert.deepEqual([first.lang, first.dir, first.title], ['ur', 'rtl', word('ur', 'ks2_title')]);

    const seen = {};
    for (const { id, lang, dir } of LOCALES) {
      await page.selectOption('#sg-language-select', id);
      await page.waitForSelector(`html[data-locale="${id}"][data-ready="true"] .sg-page`);
      const r = await page.evaluate(inspect);
      seen[id] = r;
      await page.screenshot({ path: join(SHOTS, `${id}.png`), fullPage: true });
      assert.deepEqual([r.lang, r.dir, r.pageDir], [lang, dir, dir], `${id}: lang and direction`);
      assert.equal(r.title, word(id, 'ks2_title'), `${id}: the page is in its language`);
      assert.ok(r.text.includes(word(id, 'ks2_reason_gambling')) && r.text.includes(word(id, 'go_back')), `${id}: the reason and the buttons`);
      assert.deepEqual(r.rawKeys, [], `${id}: no message key shown as text`);
      assert.deepEqual(r.empty, [], `${id}: no empty heading, paragraph, button or label`);
      assert.equal(r.unlabelled, 0, `${id}: every picture has words`);
      assert.ok(r.scrollWidth <= r.width, `${id}: no horizontal scrolling (${r.scrollWidth} > ${r.width})`);
      assert.deepEqual(r.outside, [], `${id}: nothing outside the window`);
    }
    // Right to left mirrors the layout: "Go back", the first action, moves to the other side.
    const middle = VIEWPORT.width / 2;
    for (const id of ['en_GB', 'pl', 'uk']) assert.ok(seen[id].backCentre < middle, `${id}: Go back on the left (${seen[id].backCentre})`);
    for (const id of ['ur', 'ar']) assert.ok(seen[id].backCentre > middle, `${id}: Go back on the right (${seen[id].backCentre})`);

    // The switch is this page's only: the worker's state is unchanged, and the next block page is
    // in the managed language again.
    const after = await h.status(ctx);
    assert.deepEqual([after.group?.name, after.source, after.appliedAt], [before.group?.name, before.source, before.appliedAt]);
    const next = await ctx.newPage();
    await next.setViewportSize(VIEWPORT);
    await h.go(next, `${BLOCKED}/again`);
    await h.blockPage(next);
    assert.equal((await next.evaluate(inspect)).locale, 'ur');
    await next.close();

    // The cover goes on in the block page's language, the adult's switch included (here Arabic,
    // not the managed Urdu), and has the same switch.
    await page.selectOption('#sg-language-select', 'ar');
    await page.waitForSelector('html[data-locale="ar"][data-ready="true"] .sg-page');
    await page.click('[data-action="worried"]');
    await h.until(() => page.url().includes('/report.html'), 'the cover page', 15_000);
    await page.waitForSelector('html[data-ready="pupil"] #sg-language-select');
    const cover = () => page.evaluate(() => {
      const main = document.querySelector('main.sg-cover');
      return [document.documentElement.dir, document.documentElement.lang, main.dir, main.lang, document.querySelector('h1').textContent];
    });
    assert.deepEqual(await cover(), ['rtl', 'ar', 'rtl', 'ar', word('ar', 'cover_praise')]);
    assert.equal(await page.inputValue('#sg-language-select'), 'ar', 'the cover\'s switch shows Arabic');
    await page.selectOption('#sg-language-select', 'pl');
    await page.waitForSelector('html[data-locale="pl"][data-ready="pupil"]');
    assert.deepEqual(await cover(), ['ltr', 'pl', 'ltr', 'pl', word('pl', 'cover_praise')]);
    await ctx.close();
    ctx = null;
    h.removePolicy();
  });

  test('without a managed language, the pages follow the browser\'s own language', { timeout: 2 * 60_000 }, async () => {
    ({ ctx } = await h.launchUnpacked({ port: server.port, args: ['--lang=uk'], env: { LANGUAGE: 'uk', LANG: 'uk_UA.UTF-8' } }));
    assert.match(await (await h.worker(ctx)).evaluate(() => chrome.i18n.getUILanguage()), /^uk\b/, 'Chromium runs in Ukrainian');
    const page = await ctx.newPage();
    await page.setViewportSize(VIEWPORT);
    await h.go(page, BLOCKED);
    await h.blockPage(page);
    const r = await page.evaluate(inspect);
    assert.deepEqual([r.locale, r.lang, r.dir, r.title], ['uk', 'uk', 'ltr', word('uk', 'ks2_title')]);
  });
});
