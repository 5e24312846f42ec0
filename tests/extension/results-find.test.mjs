// The shared result finder (shared-ui/results/find.js), which the extension's content script and
// the demo page both use. Two parts:
// - Node only: which pages are results pages, and taking redirect wrappers off links.
// - Debian's Chromium without the extension (no root needed): the results, targets and
//   thumbnails found in each fixture page (tests/fixtures/results/), both on the live page (its
//   scripts run, as the content script sees it) and parsed with DOMParser (as the demo page
//   reads a teacher's saved page).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

import { ROOT, CHROMIUM, cleanUp } from './helpers.mjs';
import { skipOrFail } from '../ci.mjs';

const FIND_JS = join(ROOT, 'extension', 'results', 'find.js');
const FIXTURES = join(ROOT, 'tests', 'fixtures', 'results');
await import(FIND_JS);
const finder = globalThis.schoolgateResultFinder;

const U = {
  bbc: 'https://www.bbc.co.uk/bitesize/topics/volcanoes',
  natgeo: 'https://www.natgeokids.com/uk/discover/geography/physical-geography/volcano-facts/',
  natgeoDiscover: 'https://www.natgeokids.com/uk/discover/',
  roblox: 'https://www.roblox.com/games/1234/volcano-escape',
  bet365: 'https://www.bet365.com/volcano-odds',
  tiktok: 'https://www.tiktok.com/@volcanofacts',
  wiki: 'https://en.wikipedia.org/wiki/Volcano',
  coolmath: 'https://www.coolmathgames.com/0-volcano-run',
};

describe('result finder: pages and links (Node)', () => {
  test('recognises the results pages of the engines the core knows, and nothing else', () => {
    const cases = [
      ['https://www.google.com/search?q=volcanoes', 'google'],
      ['https://www.google.co.uk/search?q=volcanoes&udm=2', 'google'],
      ['https://www.google.com/maps', null],
      ['https://mail.google.com/mail/u/0/', null],
      ['https://www.bing.com/search?q=volcanoes', 'bing'],
      ['https://www.bing.com/images/search?q=volcanoes', 'bing'],
      ['https://duckduckgo.com/?q=volcanoes', 'duckduckgo'],
      ['https://duckduckgo.com/about', null],
      ['https://html.duckduckgo.com/html/?q=volcanoes', 'duckduckgo'],
      ['https://www.youtube.com/results?search_query=volcanoes', 'youtube'],
      ['https://www.youtube.com/watch?v=abc', null],
      ['https://www.kiddle.co/s.php?q=volcanoes', 'kiddle'],
      ['https://www.kiddle.co/i.php?q=volcanoes', 'kiddle'],
      ['https://swiggle.org.uk/search?q=volcanoes', 'swiggle'],
      ['https://www.google.com.evil.example/search?q=x', null],
      ['javascript:alert(1)', null],
      ['not a url', null],
    ];
    for (const [url, engine] of cases) assert.equal(finder.detectEngine(url), engine, url);
  });

  test('takes redirect wrappers off: Google, Bing (base64url), DuckDuckGo, YouTube, nested', () => {
    const b64 = (s) => `a1${Buffer.from(s).toString('base64url')}`;
    const cases = [
      ['/url?q=https://www.bet365.com/x&sa=U', 'https://www.google.com/search?q=a', 'https://www.bet365.com/x'],
      ['/url?sa=t&url=https%3A%2F%2Fwww.bet365.com%2Fy%3Fa%3D1', 'https://www.google.co.uk/search', 'https://www.bet365.com/y?a=1'],
      ['/imgres?imgurl=https://cdn.example/p.jpg&imgrefurl=https://www.roblox.com/page', 'https://www.google.com/search', 'https://www.roblox.com/page'],
      [`https://www.bing.com/ck/a?!&&p=1&u=${b64('https://www.tiktok.com/@a?x=1')}&ntb=1`, 'https://www.bing.com/search', 'https://www.tiktok.com/@a?x=1'],
      [`https://www.bing.com/ck/a?u=${b64('https://zażółć.example/ścieżka')}`, 'https://www.bing.com/search', new URL('https://zażółć.example/ścieżka').href],
      ['//duckduckgo.com/l/?uddg=https%3A%2F%2Fwww.roblox.com%2F&rut=abc', 'https://html.duckduckgo.com/html/', 'https://www.roblox.com/'],
      ['https://www.youtube.com/redirect?q=https://www.bet365.com/&v=x', 'https://www.youtube.com/results', 'https://www.bet365.com/'],
      [`https://www.google.com/url?q=${encodeURIComponent(`https://www.bing.com/ck/a?u=${b64('https://www.bet365.com/deep')}`)}`, 'https://x.example/', 'https://www.bet365.com/deep'],
      ['https://www.bbc.co.uk/page#section', 'https://x.example/', 'https://www.bbc.co.uk/page'],
      ['/url?q=javascript:alert(1)', 'https://www.google.com/search', 'https://www.google.com/url?q=javascript:alert(1)'],
      ['javascript:alert(1)', 'https://www.google.com/search', null],
      ['mailto:a@b.example', 'https://www.google.com/search', null],
    ];
    for (const [href, base, want] of cases) assert.equal(finder.unwrap(href, base), want, href);
  });

  test('reads the address of a saved results page', () => {
    assert.equal(finder.savedPageAddress('<!-- saved from url=(0041)https://www.google.com/search?q=volcanoes -->\n<html>', null), 'https://www.google.com/search?q=volcanoes');
    assert.equal(finder.savedPageAddress('<html>', null), null);
  });
});

// ---------------------------------------------------------------------------------------------

const require = createRequire(join(ROOT, 'package.json'));
let playwright = null;
try {
  playwright = require('playwright-core');
} catch {
  playwright = null;
}
const noBrowser = skipOrFail(!existsSync(CHROMIUM) ? `${CHROMIUM} is missing` : !playwright ? 'playwright-core is missing' : false);

/** What each fixture must give: [page address, engine, [[targets…], thumbnails] per result]. */
const EXPECTED = {
  'google-web.html': ['https://www.google.com/search?q=volcanoes', 'google', [
    [[U.bbc], 2], [[U.natgeo, U.natgeoDiscover], 2], [[U.roblox], 2], [[U.bet365], 2], [[U.tiktok], 2]]],
  'google-images.html': ['https://www.google.com/search?q=volcanoes&udm=2', 'google', [
    [[U.bbc], 1], [[U.bet365], 1], [[U.natgeo], 1], [[U.roblox], 1], [[U.tiktok], 1], [[U.wiki], 1]]],
  'bing-web.html': ['https://www.bing.com/search?q=volcanoes', 'bing', [
    [[U.bbc], 2], [[U.roblox], 2], [[U.natgeo], 2], [[U.bet365], 2], [[U.wiki], 2]]],
  'bing-images.html': ['https://www.bing.com/images/search?q=volcanoes', 'bing', [
    [[U.bbc], 1], [[U.tiktok], 1], [[U.roblox], 1], [[U.natgeo], 1], [[U.bet365], 1], [[U.wiki], 1]]],
  'duckduckgo.html': ['https://duckduckgo.com/?q=volcanoes', 'duckduckgo', [
    [['https://www.bbc.co.uk/', U.bbc], 1], [['https://www.natgeokids.com/', U.natgeo], 1],
    [['https://www.roblox.com/', U.roblox], 1], [['https://www.tiktok.com/', U.tiktok], 1]]],
  'kiddle.html': ['https://www.kiddle.co/s.php?q=volcanoes', 'kiddle', [[[U.bbc], 1], [[U.natgeo], 1], [[U.wiki], 1]]],
  'swiggle.html': ['https://swiggle.org.uk/search?q=volcanoes', 'swiggle', [[[U.bbc], 1], [[U.roblox], 1], [[U.natgeo], 1]]],
};
const yt = (p) => `https://www.youtube.com${p}`;
const YOUTUBE = [
  [[yt('/watch?v=VOLC4N0BBC1'), yt('/@bbcbitesize')], 1],
  [[yt('/shorts/SH0RTL4VA01'), yt('/@lavafacts')], 1],
  [[yt('/watch?v=VOLC4N0NG02'), yt('/@natgeo')], 1],
];

function summarise() {
  // Runs in the page: `window.__sgEngine`, `window.__sgBase` set by the caller.
  const f = globalThis.schoolgateResultFinder;
  const read = (doc) => f.findResults(doc, window.__sgEngine, window.__sgBase).results.map((r) => [r.targets, r.thumbnails.length]);
  const live = read(document);
  const parsed = read(new DOMParser().parseFromString(window.__sgHtml, 'text/html'));
  const detected = f.detectEngine(window.__sgBase);
  return { live, parsed, detected };
}

describe('result finder: fixture pages in Chromium', { skip: noBrowser }, () => {
  let browser;
  before(async () => {
    browser = await playwright.chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    cleanUp();
  });

  async function findIn(file, base, engine) {
    const html = readFileSync(join(FIXTURES, file), 'utf8');
    const page = await browser.newPage();
    // No network: thumbnails and anything else the page asks for get an empty answer.
    await page.route('**/*', (route) => route.fulfill({ status: 204, body: '' }));
    await page.setContent(html);
    await page.addScriptTag({ path: FIND_JS });
    await page.evaluate(([h, b, e]) => Object.assign(window, { __sgHtml: h, __sgBase: b, __sgEngine: e }), [html, base, engine]);
    const out = await page.evaluate(summarise);
    await page.close();
    return out;
  }

  for (const [file, [base, engine, want]] of Object.entries(EXPECTED)) {
    test(`${file}: every result, its real target and its thumbnails; live and parsed alike`, async () => {
      const { live, parsed, detected } = await findIn(file, base, engine);
      assert.equal(detected, engine);
      assert.deepEqual(live, want, 'on the live page');
      assert.deepEqual(parsed, want, 'parsed with DOMParser');
    });
  }

  test('youtube.html: results drawn by the page script, found by element name, with their channel links', async () => {
    const { live, parsed, detected } = await findIn('youtube.html', yt('/results?search_query=volcanoes'), 'youtube');
    assert.equal(detected, 'youtube');
    assert.deepEqual(live, YOUTUBE);
    assert.deepEqual(parsed, [], 'nothing in the HTML itself: YouTube draws its results from script');
  });
});
