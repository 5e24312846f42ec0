// The four block-page designs (issue 19: EYFS, KS1, KS2, staff), the cover, the adult's form, the
// staff page and the demo page, in real Chromium with the extension loaded and the Admin
// console's configuration in the managed-policy file:
// - each tier's real block page (blocked.html, for a real blocked navigation) in each of the 13
//   languages (the page's own language switch, one page per tier): its own design, no message key
//   shown, no English where the language has its own words, no element without words, no
//   horizontal overflow at 1280×800, axe-core (npm `axe-core`, injected) finds no serious or
//   critical violation, Urdu and Arabic right to left with the main action on the other side;
//   Tab reaches the main press in English, Arabic, Urdu and Lithuanian; screenshots in
//   target/artifacts/tiers/<tier>-<locale>.png (not committed);
// - text zoomed to 200 % (the root font size doubled): still no horizontal overflow and no text
//   cut off, in every tier and language;
// - "Report to CEOP" (CEOP's reporting page, a named link-button) on the KS2 block page in every
//   language, the KS2 cover and the adult's form; never on the EYFS or KS1 pages or covers;
// - EYFS: the picture, "Hear it" (speaks only when pressed, in the page's language) and "Tell a
//   grown-up", each with its name;
// - the keyboard only: Tab reaches the tell-an-adult press and Enter presses it; the cover's "For
//   the grown-up", the staff code and the adult's form are completed with Tab, Space, typing and
//   Enter; the staff page's code fields and buttons are reached; every stop visibly marked;
// - `prefers-reduced-motion: reduce`: nothing on the block pages or the cover moves for longer
//   than 0.01 s.
//
// Holds the machine-wide browser lock when run by hand:
//   flock /tmp/sg-browser.lock node --test --test-concurrency=1 tests/extension/a11y-tiers.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import * as h from './helpers.mjs';
import { startServer as startDemoServer, launch as launchPlain } from '../e2e/helpers.mjs';
import { skipOrFail } from '../ci.mjs';
import { LOCALES, DEFAULT_LOCALE } from '../../shared-ui/ui/i18n.js';

const require = createRequire(import.meta.url);
const skip = skipOrFail(h.cannotRun());
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const ARTIFACTS = join(h.ROOT, 'target', 'artifacts', 'tiers');
const STAFF_CODE = '7314';
const CEOP = 'https://www.ceop.police.uk/CEOP-Reporting/';
const T = { timeout: 180_000 };
const VIEWPORT = { width: 1280, height: 800 };
const TIERS = ['eyfs', 'ks1', 'ks2', 'staff'];
/** Languages whose pages are also walked with the keyboard: English, both right-to-left ones, long words. */
const KEYBOARD = ['en_GB', 'ar', 'ur', 'lt'];
const messagesOf = (id) => JSON.parse(readFileSync(join(h.ROOT, 'shared-ui', '_locales', id, 'messages.json'), 'utf8'));
const english = messagesOf(DEFAULT_LOCALE);
const polish = messagesOf('pl');

/**
 * English messages that `id` words differently: any of them on a page in `id` is a key the
 * translation lacks (the pages put English underneath a missing key). Messages with placeholders
 * are left out (the page shows them filled in).
 */
function untranslated(id) {
  if (id === DEFAULT_LOCALE) return [];
  const theirs = messagesOf(id);
  return Object.entries(english)
    .filter(([key, e]) => !e.message.includes('$') && e.message.trim() && theirs[key]?.message !== e.message)
    .map(([, e]) => e.message.trim());
}

/**
 * What the block page shows, read in the page: its design, language and direction, words, the
 * CEOP links, and the words that give a missing translation away (`englishOnly`: `untranslated`).
 * @param {string[]} englishOnly
 */
function readPage(englishOnly) {
  const root = document.documentElement;
  const p = /** @type {HTMLElement} */ (document.querySelector('.sg-page'));
  const parts = [p, document.getElementById('sg-language'), document.getElementById('sg-staff')].filter(Boolean);
  const texts = [];
  for (const part of parts) {
    const walker = document.createTreeWalker(part, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) texts.push(n.textContent.trim());
    for (const n of part.querySelectorAll('[aria-label], [title], [alt]')) {
      for (const a of ['aria-label', 'title', 'alt']) if (n.hasAttribute(a)) texts.push(n.getAttribute(a).trim());
    }
  }
  const foreign = new Set(englishOnly);
  // Live regions (a form's note, the page's status) stay empty until they have something to say.
  const shouldSay = parts.flatMap((part) => [...part.querySelectorAll('button, a, h1, h2, p, dt, dd, label, option, [role="img"]')])
    .filter((n) => !n.closest('[role="status"], [role="alert"], [aria-live]'));
  const centre = (node) => {
    const box = node?.getBoundingClientRect();
    return box ? box.left + box.width / 2 : null;
  };
  // The main action (the first of the row), its box, and its icon and words.
  const mainAction = p.querySelector('.sg-actions [data-action]');
  const main = mainAction?.getBoundingClientRect();
  const hero = [...(p.querySelector('.sg-hero')?.children ?? [])];
  // Childline's number as the eye reads it: "0800" must come before "1111" in any direction.
  const number = p.querySelector('.sg-phone')?.firstChild;
  const part = (from, to) => {
    const range = document.createRange();
    range.setStart(number, from);
    range.setEnd(number, to);
    return range.getBoundingClientRect();
  };
  return {
    tier: p.dataset.tier, kind: p.dataset.kind,
    locale: root.dataset.locale, lang: root.lang, dir: root.dir, pageDir: p.dir,
    text: p.innerText,
    actions: [...p.querySelectorAll('[data-action]')].map((b) => /** @type {HTMLElement} */ (b).dataset.action),
    ceop: [...document.querySelectorAll('a[href*="ceop.police.uk"]')].map((a) => ({
      href: /** @type {HTMLAnchorElement} */ (a).href, text: a.textContent.trim(), label: a.getAttribute('aria-label'),
      target: a.getAttribute('target'), rel: a.getAttribute('rel'),
    })),
    childline: /0800 1111/.test(p.innerText),
    rawKeys: texts.filter((t) => /^[a-z0-9]+(_[a-z0-9]+)+$/.test(t)),
    english: [...new Set(texts.filter((t) => foreign.has(t)))],
    blanks: shouldSay.filter((n) => !n.textContent.trim() && !n.getAttribute('aria-label')).map((n) => n.outerHTML.slice(0, 80)),
    mainCentre: centre(mainAction),
    mainSpansMiddle: main ? main.left < window.innerWidth / 2 && main.right > window.innerWidth / 2 : null,
    mainIcon: centre(mainAction?.querySelector('svg')),
    mainWords: centre(mainAction?.querySelector('span')),
    hero: hero.length > 1 ? [centre(hero[0]), centre(hero[hero.length - 1])] : null,
    phone: number?.textContent === '0800 1111' ? part(0, 4).left < part(5, 9).left : null,
  };
}

/** What each tier's page must say (and must not), in the page's language `words`. */
const tierSays = {
  // EYFS: wordless first. A picture, "Hear it" and "Tell a grown-up" (the tell-an-adult press),
  // Go back; no phone line, no CEOP, no "ask my teacher".
  eyfs(shown, words, what) {
    assert.deepEqual(shown.ceop, [], `${what}: no CEOP`);
    assert.equal(shown.childline, false, `${what}: no phone line`);
    assert.ok(!shown.actions.includes('ask-teacher'), `${what}: no "ask my teacher"`);
    assert.deepEqual(shown.actions.filter((a) => a === 'worried'), ['worried'], `${what}: one tell-a-grown-up button`);
    for (const key of ['hear_it', 'tell_grown_up', 'young_say']) assert.ok(shown.text.includes(words[key].message), `${what}: ${key}`);
  },
  // KS1: short words; the grown-ups around them, still no phone line or CEOP.
  ks1(shown, words, what) {
    assert.deepEqual(shown.ceop, [], `${what}: no CEOP`);
    assert.equal(shown.childline, false, `${what}: no phone line`);
    assert.ok(shown.text.includes(words.young_say.message), `${what}: the short sentence`);
  },
  // KS2: the reason, what to do, Childline and one "Report to CEOP" button named from its words.
  ks2(shown, words, what) {
    assert.ok(shown.text.includes(words.ks2_reason_gambling.message), `${what}: the reason in plain words`);
    assert.ok(shown.text.includes(words.ks2_todo.message), `${what}: what to do`);
    assert.equal(shown.childline, true, `${what}: Childline`);
    assert.deepEqual(shown.ceop, [{ href: CEOP, text: words.ceop_link.message, label: words.ceop_link_label.message, target: '_blank', rel: 'noopener noreferrer' }], `${what}: one Report to CEOP button`);
    assert.ok(words.ceop_link_label.message.startsWith(words.ceop_link.message), `${what}: the CEOP button's name starts with its words`);
  },
  // Staff: the exact rule, list entry and list, category and how to change it.
  staff(shown, words, what) {
    for (const key of ['staff_category', 'staff_rule', 'staff_entry', 'staff_source', 'staff_change', 'staff_change_text']) {
      assert.ok(shown.text.includes(words[key].message), `${what}: ${key}`);
    }
    assert.match(shown.text, /bet365\.com/);
    assert.match(shown.text, /built-in\/gambling\.txt/);
    assert.deepEqual(shown.ceop, [], `${what}: no CEOP`);
  },
};

/** axe-core's serious and critical violations on `page`, as readable lines. */
async function axeProblems(page) {
  // Through DevTools, which the extension pages' script policy does not apply to (no bypass of it
  // for the pages themselves: they run under their real CSP).
  if (!(await page.evaluate(() => Boolean(window.axe)))) {
    const cdp = await page.context().newCDPSession(page);
    const { exceptionDetails } = await cdp.send('Runtime.evaluate', { expression: AXE_SOURCE });
    await cdp.detach();
    assert.equal(exceptionDetails, undefined, 'axe-core loads');
  }
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/**
 * What overflows: the page wider than the window, or an element whose text is cut off (its
 * content wider or taller than its box while it hides the overflow).
 */
function layoutProblems(page) {
  return page.evaluate(() => {
    const out = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1) out.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
    for (const node of document.querySelectorAll('.sg-page *')) {
      if (node.closest('.sg-visually-hidden') || node.closest('svg')) continue;
      const style = getComputedStyle(node);
      const clips = ['hidden', 'clip'].includes(style.overflowX) || ['hidden', 'clip'].includes(style.overflowY);
      if (clips && (node.scrollWidth > node.clientWidth + 1 || node.scrollHeight > node.clientHeight + 1)) {
        out.push(`text cut off in ${node.tagName.toLowerCase()}.${node.className}: "${node.textContent.trim().slice(0, 40)}"`);
      }
      const box = node.getBoundingClientRect();
      if (box.width > 0 && box.right > root.clientWidth + 1) out.push(`${node.tagName.toLowerCase()}.${node.className} runs off the page (${Math.round(box.right)} > ${root.clientWidth})`);
    }
    return out;
  });
}

/** The buttons and links inside `selector` with their accessible names (Chromium's accessibility tree). */
async function names(page, selector) {
  const tree = await page.locator(selector).first().ariaSnapshot();
  return [...tree.matchAll(/- (button|link) "((?:[^"\\]|\\.)*)"/g)].map(([, role, name]) => ({ role, name: name.replace(/\\(.)/g, '$1') }));
}

/** Presses Tab until `predicate(focused)` holds; every stop on the way must be visibly marked. */
async function tabTo(page, predicate, what, most = 40) {
  for (let i = 0; i < most; i += 1) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
      return {
        tag: el.tagName, id: el.id, action: el.dataset?.action ?? null, link: el.dataset?.link ?? null,
        type: el.getAttribute('type'), value: el.getAttribute('value'), text: el.textContent.trim().slice(0, 60),
        visible: outlined || style.boxShadow !== 'none', focusVisible: el.matches(':focus-visible'),
      };
    });
    if (!focus) continue;
    assert.ok(focus.focusVisible, `the focused ${focus.tag} ${focus.id || focus.text} matches :focus-visible`);
    assert.ok(focus.visible, `the focused ${focus.tag} ${focus.id || focus.text} is visibly marked (outline or ring)`);
    if (predicate(focus)) return focus;
  }
  throw new Error(`Tab never reached ${what}`);
}

/** Elements that animate or transition for longer than 0.01 s (what reduced motion must stop). */
function moving(page) {
  return page.evaluate(() => {
    const seconds = (list) => Math.max(...list.split(',').map((s) => (s.trim().endsWith('ms') ? parseFloat(s) / 1000 : parseFloat(s)) || 0));
    const out = [];
    for (const node of document.querySelectorAll('*')) {
      const style = getComputedStyle(node);
      const anim = style.animationName !== 'none' && seconds(style.animationDuration) > 0.01;
      const trans = seconds(style.transitionDuration) > 0.01 && style.transitionProperty !== 'none';
      if (anim || trans) out.push(`${node.tagName.toLowerCase()}.${node.getAttribute('class') ?? ''}: ${anim ? `animation ${style.animationName} ${style.animationDuration}` : `transition ${style.transitionDuration}`}`);
    }
    return out;
  });
}

describe('page tiers and accessibility (real Chromium, the extension, the managed policy)', { skip, timeout: 20 * 60_000 }, () => {
  let server;
  let demo;
  let ctx;
  const settings = (extra = {}) => ({
    group: 'ks2',
    schoolName: 'Oak Hill Primary',
    staffUnlockCodeHash: h.staffCodeValue(STAFF_CODE),
    ...extra,
  });

  let written = '';
  /** Writes a new managed configuration (when it differs) and waits until the worker applied it. */
  async function useSettings(extra) {
    const policy = h.extensionPolicy(settings(extra));
    if (JSON.stringify(policy) === written) return;
    written = JSON.stringify(policy);
    const before = (await h.status(ctx)).appliedAt;
    await h.writePolicy(policy);
    await h.until(async () => {
      const s = await h.status(ctx);
      return s.source === 'managed' && s.appliedAt !== before && s.group?.name === extra.group && s.status.dnr.at > s.appliedAt && s;
    }, `the settings ${JSON.stringify(extra)}`, 45_000, 250);
  }

  async function newPage() {
    const page = await ctx.newPage();
    page.problems = [];
    page.on('pageerror', (e) => page.problems.push(`page error on ${page.url()}: ${e.message}`));
    return page;
  }

  /** Opens a blocked address and waits for its block page; returns what the page shows. */
  async function blockPageFor(page, url) {
    await h.go(page, url);
    await h.blockPage(page);
    return page.evaluate(() => {
      const p = document.querySelector('.sg-page');
      return {
        tier: p.dataset.tier, audience: p.dataset.audience, kind: p.dataset.kind, lang: p.getAttribute('lang'),
        text: p.innerText, actions: [...p.querySelectorAll('[data-action]')].map((b) => b.dataset.action),
        ceop: [...document.querySelectorAll('a[href*="ceop.police.uk"]')].map((a) => ({ href: a.href, text: a.textContent.trim(), target: a.target, rel: a.rel })),
        childline: /0800 1111/.test(p.innerText),
      };
    });
  }

  async function shoot(page, name) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  /** The same page with text at 200 %: nothing runs off sideways, nothing is cut off. */
  async function zoomed(page, what, shot = null) {
    await page.evaluate(() => { document.documentElement.style.fontSize = '200%'; });
    assert.deepEqual(await layoutProblems(page), [], `${what} at 200 % text`);
    if (shot) await shoot(page, shot);
    return page.evaluate(() => { document.documentElement.style.fontSize = ''; });
  }

  before(async () => {
    h.ensureBuilt();
    server = await h.startServer();
    demo = await startDemoServer();
    ({ ctx } = await h.launchUnpacked({ port: server.port }));
    await h.until(async () => (await h.status(ctx)).status.dnr.at, 'the first DNR rules', 30_000, 250);
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    h.removePolicy();
    await server?.close();
    await demo?.stop();
    h.cleanUp();
  });

  for (const tier of TIERS) {
    test(`${tier}: its own page in all ${LOCALES.length} languages (every word translated, no overflow at 1280×800 or 200 % text, axe clean, CEOP only for KS2, Urdu and Arabic mirrored)`, T, async () => {
      await useSettings({ group: tier });
      const page = await newPage();
      await page.setViewportSize(VIEWPORT);
      await page.emulateMedia({ reducedMotion: 'reduce' });
      await h.go(page, `http://www.bet365.com/${tier}-languages`);
      await h.blockPage(page);
      for (const { id, lang, dir } of LOCALES) {
        const words = messagesOf(id);
        const what = `${tier} (${id})`;
        // No managed language: the page opens in the browser's (English), then the switch.
        if (id !== DEFAULT_LOCALE) {
          await page.selectOption('#sg-language-select', id);
          await page.waitForSelector(`html[data-locale="${id}"][data-ready="true"] .sg-page`);
          // The "Staff" button follows the switch a moment later (pupils' pages only).
          await page.waitForFunction((label) => {
            const box = document.getElementById('sg-staff');
            return !box || box.hidden || box.textContent.includes(label);
          }, words.ext_staff_button.message);
        }
        const shown = await page.evaluate(readPage, untranslated(id));
        assert.deepEqual([shown.locale, shown.lang, shown.dir, shown.pageDir], [id, lang, dir, dir], `${what}: language and direction`);
        assert.equal(shown.tier, tier, `${what}: its own page design`);
        assert.equal(shown.kind, 'category');
        assert.deepEqual(shown.rawKeys, [], `${what}: no message key shown as text`);
        assert.deepEqual(shown.english, [], `${what}: no English where the language has its own words`);
        assert.deepEqual(shown.blanks, [], `${what}: no element left without words`);
        assert.deepEqual(await layoutProblems(page), [], `${what}: nothing runs off the page at 1280×800`);
        assert.deepEqual(await axeProblems(page), [], `${what}: axe-core`);
        assert.deepEqual(await moving(page), [], `${what}: nothing moves with reduced motion`);
        await shoot(page, `${tier}-${id}`);
        await zoomed(page, what, id === DEFAULT_LOCALE ? `${tier}-200pc` : null);
        tierSays[tier](shown, words, what);
        // Right to left mirrors the page: the main action (the first of its row) on the other side
        // of the middle (where the buttons are a row, not a column), its icon after its words,
        // the pictures swapped; numbers still read left to right.
        const rtl = dir === 'rtl';
        const middle = VIEWPORT.width / 2;
        if (!shown.mainSpansMiddle) assert.ok(rtl ? shown.mainCentre > middle : shown.mainCentre < middle, `${what}: the main action on the ${rtl ? 'right' : 'left'} (${shown.mainCentre})`);
        assert.ok(rtl ? shown.mainIcon > shown.mainWords : shown.mainIcon < shown.mainWords, `${what}: the main action's icon ${rtl ? 'right' : 'left'} of its words`);
        if (shown.hero) assert.ok(rtl ? shown.hero[0] > shown.hero[1] : shown.hero[0] < shown.hero[1], `${what}: the pictures ${rtl ? 'mirrored' : 'in order'} (${shown.hero})`);
        if (tier === 'ks2') assert.equal(shown.phone, true, `${what}: Childline's number reads 0800 1111`);
        if (KEYBOARD.includes(id)) {
          // Tab from the top reaches the page's main press, every stop visibly marked.
          await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement)?.blur());
          await tabTo(page, (f) => f.action === (tier === 'staff' ? 'wrongly-blocked' : 'worried'), `${what}: its main press`);
        }
      }
      assert.deepEqual(page.problems, []);
      await page.close();
    });
  }

  test('EYFS: the buttons\' names, "Hear it" speaks only when pressed, in the page\'s language', T, async () => {
    await useSettings({ group: 'eyfs', locale: 'pl' });
    const page = await newPage();
    // Count what the page asks the speech engine to say (the browser's own speechSynthesis, watched).
    await page.addInitScript(() => {
      window.sgSpoken = [];
      const speak = SpeechSynthesis.prototype.speak;
      SpeechSynthesis.prototype.speak = function watched(u) {
        window.sgSpoken.push({ text: u.text, lang: u.lang, voice: u.voice?.lang ?? null });
        return speak.call(this, u);
      };
    });
    await blockPageFor(page, 'http://www.bet365.com/eyfs-speech');
    assert.equal(await page.evaluate(() => Array.isArray(window.sgSpoken)), true, 'the watch is in place');
    const buttons = await names(page, '.sg-page .sg-actions');
    assert.deepEqual(buttons.map((b) => b.name), [polish.hear_it.message, polish.tell_grown_up.message, polish.go_back.message], 'the EYFS buttons, by name');
    assert.ok(buttons.every((b) => b.role === 'button'));
    const pictures = await page.$$eval('.sg-hero svg[role="img"]', (svgs) => svgs.map((s) => s.getAttribute('aria-label')));
    assert.deepEqual(pictures, [polish.owl_calm.message, polish.picture_tell_adult.message], 'the pictures are named');
    assert.equal(await page.evaluate(() => document.querySelectorAll('img, image, [style*="url("]').length), 0, 'the pictures are drawn inline: no image file');
    await page.waitForTimeout(1_000);
    assert.deepEqual(await page.evaluate(() => window.sgSpoken), [], 'nothing is spoken on its own');
    await page.click('[data-action="read-aloud"]');
    const spoken = await page.evaluate(() => window.sgSpoken);
    assert.equal(spoken.length, 1);
    assert.equal(spoken[0].text, polish.young_say.message, 'one sentence, the page\'s');
    assert.equal(spoken[0].lang, 'pl', 'in the page\'s language');
    const voices = await page.evaluate(() => speechSynthesis.getVoices().map((v) => v.lang));
    if (voices.some((l) => /^pl/i.test(l))) assert.match(spoken[0].voice ?? '', /^pl/i, 'a Polish voice when the browser has one');
    else assert.equal(spoken[0].voice, null, `no Polish voice here (${voices.length} voices): the default`);
    await page.close();
  });

  test('the keyboard only: KS2 page → the press → the cover (CEOP) → the adult\'s form, completed; EYFS cover without CEOP', T, async () => {
    await useSettings({ group: 'ks2' });
    const page = await newPage();
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await blockPageFor(page, 'http://www.bet365.com/keyboard');
    const ceop = await names(page, '.sg-help');
    assert.equal(ceop.filter((c) => c.role === 'link' && c.name.includes('CEOP')).length, 1, JSON.stringify(ceop));
    assert.ok(ceop.find((c) => c.name.includes('CEOP')).name.startsWith(english.ceop_link.message), `the CEOP button's name starts with its words: ${JSON.stringify(ceop)}`);
    // Tab to "I saw something worrying" (the press on a KS2 page) and press Enter.
    await tabTo(page, (f) => f.action === 'worried', 'the tell-an-adult press');
    await page.keyboard.press('Enter');
    await h.until(() => page.url().includes('/report.html?id='), 'the cover page after Enter', 15_000);
    await page.waitForSelector('html[data-ready="pupil"]');
    const cover = await page.evaluate(() => ({
      ceop: [...document.querySelectorAll('a[data-link="ceop"]')].map((a) => a.href),
      childline: /0800 1111/.test(document.body.innerText),
    }));
    assert.deepEqual(cover.ceop, [CEOP], 'the KS2 cover has Report to CEOP');
    assert.equal(cover.childline, true, 'the KS2 cover has Childline');
    assert.deepEqual(await moving(page), [], 'nothing on the cover moves with reduced motion');
    assert.deepEqual(await axeProblems(page), [], 'the KS2 cover: axe-core');
    await zoomed(page, 'the KS2 cover');
    await shoot(page, 'ks2-cover');
    // "For the grown-up", the staff code, then the form with Tab, Space, typing and Enter.
    await tabTo(page, (f) => f.action === 'adult', '"For the grown-up"');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#sg-adult-code');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'sg-adult-code', 'the code field has the focus');
    await page.keyboard.type(STAFF_CODE);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.sg-adult-form');
    assert.deepEqual(await axeProblems(page), [], 'the adult\'s form: axe-core');
    const adultCeop = await page.evaluate(() => [...document.querySelectorAll('.sg-adult-form a[data-link="ceop"]')].map((a) => a.href));
    assert.deepEqual(adultCeop, [CEOP], 'the adult\'s form has Report to CEOP');
    await shoot(page, 'adult-form');
    await tabTo(page, (f) => f.link === 'ceop', 'Report to CEOP on the adult\'s form');
    await tabTo(page, (f) => f.type === 'checkbox' && f.value === 'contact', 'the "contact" area');
    await page.keyboard.press('Space');
    await tabTo(page, (f) => f.type === 'checkbox' && f.value === 'stranger-contact', 'the "stranger contact" concern');
    await page.keyboard.press('Space');
    await tabTo(page, (f) => f.type === 'radio', 'the feelings scale');
    await page.keyboard.press('ArrowRight');
    await tabTo(page, (f) => f.id === 'sg-words', 'the pupil\'s words');
    await page.keyboard.type('A man in a game asked for my photo');
    await tabTo(page, (f) => f.id === 'sg-action', 'what was done');
    await page.keyboard.type('Screen covered, DSL told at once.');
    await tabTo(page, (f) => f.type === 'submit', 'the submit button');
    const id = new URL(page.url()).searchParams.get('id');
    await page.keyboard.press('Enter');
    // The tab goes to the block page once the adult has acted.
    await h.until(async () => {
      if (page.url().startsWith(h.blockPrefix)) return true;
      const note = await page.evaluate(() => document.querySelector('.sg-adult-note')?.textContent).catch(() => '');
      if (note) throw new Error(`the record was refused: ${note}`);
      return false;
    }, 'the tab to go to the block page', 15_000);
    // Read back on the staff page (the one page the worker lists reports to), with the staff code.
    const staffPage = await newPage();
    await h.go(staffPage, `chrome-extension://${h.EXT_ID}/staff.html`);
    const saved = await h.until(() => staffPage.evaluate(async ([reportId, code]) => {
      const answer = await chrome.runtime.sendMessage({ type: 'report-list', code });
      return answer.reports?.find((r) => r.id === reportId && r.adult) ?? null;
    }, [id, STAFF_CODE]), 'the adult\'s record on this device');
    await staffPage.close();
    assert.deepEqual(
      { areas: saved.adult?.areas, categories: saved.adult?.categories, feeling: saved.adult?.feeling, words: saved.adult?.pupilWords, action: saved.adult?.actionTaken },
      { areas: ['contact'], categories: ['stranger-contact'], feeling: 'okay', words: 'A man in a game asked for my photo', action: 'Screen covered, DSL told at once.' },
      `the record the keyboard filled in: ${JSON.stringify(saved).slice(0, 600)}`,
    );

    // The EYFS pupil's cover: no CEOP, no phone line; axe clean.
    await useSettings({ group: 'eyfs' });
    await blockPageFor(page, 'http://www.bet365.com/eyfs-cover');
    await tabTo(page, (f) => f.action === 'worried', 'the EYFS tell-a-grown-up press');
    await page.keyboard.press('Enter');
    await h.until(() => page.url().includes('/report.html?id=') && !page.url().includes(id), 'the EYFS cover', 15_000);
    await page.waitForSelector('html[data-ready="pupil"]');
    assert.equal(await page.locator('a[href*="ceop.police.uk"]').count(), 0, 'no CEOP on the EYFS cover');
    assert.equal(/0800 1111/.test(await page.innerText('body')), false, 'no phone line on the EYFS cover');
    assert.deepEqual(await axeProblems(page), [], 'the EYFS cover: axe-core');
    assert.deepEqual(await moving(page), [], 'nothing on the EYFS cover moves with reduced motion');
    await zoomed(page, 'the EYFS cover');
    await shoot(page, 'eyfs-cover');
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('the staff page and the demo page: axe clean; the staff page\'s code fields and buttons reached by Tab', T, async () => {
    const page = await newPage();
    await h.go(page, `chrome-extension://${h.EXT_ID}/staff.html`);
    await page.waitForSelector('html[data-ready="true"]');
    assert.deepEqual(await axeProblems(page), [], 'the staff page: axe-core');
    await tabTo(page, (f) => f.id === 'unlock-code', 'the staff code field', 80);
    await page.keyboard.type(STAFF_CODE);
    await tabTo(page, (f) => f.tag === 'BUTTON' && f.type === 'submit', 'its Unlock button', 5);
    await tabTo(page, (f) => f.id === 'reports-code', 'the reports\' code field', 80);
    await tabTo(page, (f) => f.id === 'reports-send', '"Send waiting reports now"', 5);
    await tabTo(page, (f) => f.id === 'flag-code', 'the staff flag\'s code field', 80);

    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('the demo page (its own browser, no extension: pupils\' filters block 127.0.0.1): axe clean, the gallery shows each tier', T, async () => {
    const browser = await launchPlain();
    try {
      const page = await browser.newPage();
      await page.emulateMedia({ reducedMotion: 'reduce' });
      await page.goto(demo.url);
      await page.waitForFunction(() => document.documentElement.dataset.complete === 'true', null, { timeout: 30_000 });
      assert.deepEqual(await axeProblems(page), [], 'the demo page: axe-core');
      const tiers = await page.$$eval('#gallery-body .gallery-group', (groups) => groups.map((g) => g.dataset.tier));
      assert.deepEqual(tiers.sort(), ['eyfs', 'ks1', 'ks2', 'staff'], 'the gallery shows each tier');
      // Each tier's gallery frame: axe clean and its own design.
      for (const tier of ['eyfs', 'ks1', 'ks2', 'staff']) {
        const item = `#gallery-body .gallery-group[data-tier="${tier}"] .gallery-item[data-kind="gambling"]`;
        await page.locator(item).scrollIntoViewIfNeeded();
        // A locator, not a handle: the gallery may be built again (the engine's policy loaded), and
        // a handle would keep the first, detached frame, which never becomes ready.
        const frame = page.frameLocator(`${item} iframe`);
        await frame.locator('html[data-ready="true"]').waitFor({ state: 'attached', timeout: 60_000 });
        assert.equal(await frame.locator('.sg-page').getAttribute('data-tier'), tier);
        assert.equal(await frame.locator('a[href*="ceop.police.uk"]').count(), tier === 'ks2' ? 1 : 0, `${tier}: CEOP only on KS2`);
      }
      await page.close();
    } finally {
      await browser.close();
    }
  });
});
