// The demo page's search results preview (www/preview.js): result addresses or a saved results
// page in, every group's verdict out, and one group's view of the results. Uses the fixture
// pages of tests/fixtures/results/ (the same ones the extension's browser tests serve).
//
//   scripts/build-wasm.sh && node --test tests/e2e/preview.test.mjs

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, demoSession, newPage, openDemo, screenshot } from './helpers.mjs';

const FIXTURES = join(ROOT, 'tests', 'fixtures', 'results');
const demo = demoSession();

function withPage(name, body) {
  test(name, { skip: demo.skip }, async () => {
    const page = await newPage(demo.browser);
    // Anything a pasted page could make this page fetch (its thumbnails, its scripts) is recorded.
    page.outside = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(demo.server.url) && !r.url().startsWith('data:')) page.outside.push(r.url());
    });
    try {
      await openDemo(page, demo.server.url);
      await body(page);
      assert.deepEqual(page.problems, [], 'the page logged errors');
      assert.deepEqual(page.outside, [], 'nothing was fetched from anywhere else');
    } finally {
      await page.close();
    }
  });
}

/** `{group: action}` per table row. */
async function table(page) {
  return page.$$eval('#preview-table tbody tr', (rows) => rows.map((tr) => ({
    url: tr.querySelector('.preview-url').textContent,
    ...Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.dataset.group, td.dataset.action])),
  })));
}

async function preview(page, text) {
  await page.fill('#preview-input', text);
  await page.click('#preview-button');
  await page.waitForFunction(() => document.getElementById('preview-status').textContent !== '');
}

describe('search results preview', () => {
  withPage('pasted addresses: every group side by side, redirect wrappers taken off, reasons shown', async (page) => {
    await preview(page, [
      'https://www.bbc.co.uk/bitesize/topics/volcanoes',
      'www.bet365.com/odds',
      'https://www.google.com/url?q=https://www.tiktok.com/@volcanofacts&sa=U',
      '',
      'https://en.wikipedia.org/wiki/Volcano',
    ].join('\n'));
    const rows = await table(page);
    assert.deepEqual(rows, [
      { url: 'https://www.bbc.co.uk/bitesize/topics/volcanoes', eyfs: 'allow', ks1: 'allow', ks2: 'allow', staff: 'allow' },
      { url: 'https://www.bet365.com/odds', eyfs: 'block', ks1: 'block', ks2: 'block', staff: 'block' },
      { url: 'https://www.tiktok.com/@volcanofacts', eyfs: 'block', ks1: 'block', ks2: 'block', staff: 'allow' },
      { url: 'https://en.wikipedia.org/wiki/Volcano', eyfs: 'allow', ks1: 'allow', ks2: 'allow', staff: 'allow' },
    ]);
    assert.match(await page.textContent('#preview-table tbody tr:nth-child(2) td[data-group="ks1"]'), /Blocked.*bet365\.com is listed as Gambling/);
    assert.match(await page.textContent('#preview-status'), /4 results; 2 blocked for at least one group/);
    await screenshot(page.locator('#preview'), 'preview-addresses');
  });

  withPage('a saved Google results page: results found, nothing of it runs or loads', async (page) => {
    const html = `<!-- saved from url=(0041)https://www.google.com/search?q=volcanoes -->\n${readFileSync(join(FIXTURES, 'google-web.html'), 'utf8')}`;
    await preview(page, html);
    assert.match(await page.textContent('#preview-status'), /5 results from a Google results page/);
    const rows = await table(page);
    assert.deepEqual(rows.map((r) => new URL(r.url).host), ['www.bbc.co.uk', 'www.natgeokids.com', 'www.roblox.com', 'www.bet365.com', 'www.tiktok.com']);
    assert.equal(rows[3].staff, 'block');
    assert.equal(await page.evaluate(() => Boolean(document.querySelector('#rso') || window.lazyLoad)), false, 'the saved page is not in this document and its scripts did not run');
    assert.match(await page.textContent('#preview-table tbody tr:first-child .preview-title'), /BBC Bitesize/);
  });

  withPage('viewed as one group: blocked results replaced by the pupils\' placeholder', async (page) => {
    await preview(page, 'https://www.bbc.co.uk/bitesize\nhttps://www.tiktok.com/@x\nhttps://www.bet365.com/');
    await page.selectOption('#preview-view', 'eyfs');
    const items = await page.$$eval('#preview-as li', (lis) => lis.map((li) => [li.dataset.action, li.textContent.trim()]));
    assert.deepEqual(items.map((i) => i[0]), ['allow', 'block', 'block']);
    assert.equal(items[1][1], 'This result is for grown-ups');
    await page.selectOption('#preview-view', 'staff');
    const staff = await page.$$eval('#preview-as li', (lis) => lis.map((li) => li.dataset.action));
    assert.deepEqual(staff, ['allow', 'allow', 'block']);
    await screenshot(page.locator('#preview'), 'preview-as-eyfs');
  });

  withPage('a saved page opened from a file, the engine worked out from its markup (Bing Images)', async (page) => {
    await page.setInputFiles('#preview-file', join(FIXTURES, 'bing-images.html'));
    await page.waitForFunction(() => /results/.test(document.getElementById('preview-status').textContent));
    assert.match(await page.textContent('#preview-status'), /6 results from a Bing results page/);
    const rows = await table(page);
    assert.deepEqual(rows.map((r) => r.eyfs), ['allow', 'block', 'block', 'allow', 'block', 'allow'], 'TikTok, Roblox and bet365 blocked for EYFS');
  });

  withPage('the preview is usable by keyboard alone', async (page) => {
    await page.focus('#preview-input');
    await page.keyboard.type('https://www.bet365.com/');
    for (const id of ['preview-file', 'preview-engine', 'preview-view', 'preview-button']) {
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.id), id);
    }
    await page.keyboard.press('Enter');
    await page.waitForSelector('#preview-table');
    assert.equal((await table(page)).length, 1);
  });
});
