// The demo page's "Tell an adult" simulation, in Chromium: the press covers the simulated tab,
// the report carries the engine's real verdict, the adult's form needs the demo staff code, the
// child-abuse-imagery path keeps the address only, and the exports and signature are shown.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { demoSession, newPage, openDemo, screenshot } from './helpers.mjs';

const demo = demoSession();

test('tell an adult: the whole flow in the simulated tab', { skip: demo.skip }, async () => {
  const page = await newPage(demo.browser);
  try {
    await openDemo(page, demo.server.url);
    await page.selectOption('#sim-group', 'ks1');
    await page.fill('#sim-url', 'https://www.bet365.com/');
    await page.click('#sim-form button[type="submit"]');
    await page.click('#sim-page [data-action="press"]');
    await page.waitForSelector('#sim-page [data-cover="pupil"]');
    assert.equal(await page.textContent('#sim-page h1'), 'You did the right thing.');
    const first = JSON.parse(await page.textContent('[data-output="json"]'));
    assert.equal(first.revision, 1);
    assert.equal(first.pupil.group, 'ks1');
    assert.equal(first.filter.action, 'block', 'the engine\'s real verdict (a betting site is blocked for KS1)');
    assert.equal(first.filter.category, 'gambling');
    await screenshot(page.locator('#tell-adult'), 'tell-adult-cover');

    await page.click('#sim-page [data-action="adult"]');
    await page.fill('#sg-adult-code', '9999');
    await page.click('#sim-page .sg-adult-code button[type="submit"]');
    await page.waitForFunction(() => /not right/.test(document.querySelector('#sim-page .sg-adult-note')?.textContent ?? ''));
    await page.fill('#sg-adult-code', '1234');
    await page.click('#sim-page .sg-adult-code button[type="submit"]');
    await page.waitForSelector('#sim-page .sg-adult-form');
    // Nothing to submit until a category and the action are given.
    await page.click('#sim-page .sg-adult-form button[type="submit"]');
    assert.match(await page.textContent('#sim-page .sg-adult-note'), /Choose what the pupil saw/);
    await page.check('#sim-page input[value="csam"]');
    assert.equal(await page.isVisible('#sim-page .sg-csam'), true, 'the guidance shows');
    await page.check('#sim-page input[value="upset"]');
    await page.fill('#sg-action', 'Screen covered; DSL told.');
    await screenshot(page.locator('#tell-adult'), 'tell-adult-adult-form');
    await page.click('#sim-page .sg-adult-form button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('sim-output').dataset.revision === '2');
    const done = JSON.parse(await page.textContent('[data-output="json"]'));
    assert.equal(done.adult.suspectedCsam, true);
    assert.equal(done.adult.feeling, 'upset');
    assert.equal(done.page.title, null, 'the address only');
    assert.deepEqual(done.page.navigations, []);
    const csv = await page.textContent('[data-output="csv"]');
    assert.match(csv.split('\n')[0], /^report_id,revision,pressed_at/);
    // The signature shown is the HMAC-SHA256 of exactly the JSON sent, under the demo key.
    const request = await page.textContent('.sim-request');
    const sent = JSON.stringify(done);
    const expected = createHmac('sha256', 'demo-signing-key-not-secret').update(sent).digest('hex');
    assert.ok(request.includes(`sha256=${expected}`), 'the signature matches the body');
    assert.deepEqual(page.problems, [], 'the page logged errors');
  } finally {
    await page.close();
  }
});
