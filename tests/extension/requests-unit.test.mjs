// "Ask my teacher" (docs/requests.md), the extension's side of the contract, in Node: the signed
// question for answers matches the fixture the hub checks too (tests/fixtures/hub/
// answers-signature.json, crates/hub/src/requests.rs), the hub's address is found as events find
// it, and only the extension's own pages, never a frame or a web page, may ask a teacher.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { answersMessage, answersUrl, hubBase } from '../../extension/sw/requests-contract.js';
import { signBody } from '../../extension/report/sign.js';
import { admit } from '../../extension/sw/messages.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/hub/answers-signature.json', import.meta.url), 'utf8'));

test('the question for answers is signed exactly as the hub checks it', async () => {
  const message = answersMessage(fixture.device, fixture.user, fixture.group, fixture.orgUnit, fixture.time);
  assert.equal(message, fixture.message);
  assert.equal(await signBody(fixture.key, message), fixture.signature);
  const url = answersUrl('https://hub.oak-hill.example', fixture);
  assert.equal(url, `https://hub.oak-hill.example/api/v1/requests/answers?${fixture.query}`);
  // No account and no unit: empty lines, and empty values in the address.
  assert.equal(answersMessage('d-12345678', '', 'ks2', '', 5), 'schoolgate-answers/1\nd-12345678\n\nks2\n\n5');
});

test('requests go to the hub events go to', () => {
  assert.equal(hubBase({ hubUrl: 'https://hub.oak-hill.example/' }), 'https://hub.oak-hill.example');
  assert.equal(hubBase({ reportEndpoint: 'https://hub.oak-hill.example/api/v1/reports' }), 'https://hub.oak-hill.example');
  assert.equal(hubBase({ reportEndpoint: 'https://reports.example/receive' }), null);
  assert.equal(hubBase({}), null);
});

test('only our own pages in a tab may ask a teacher or follow the answer', () => {
  const id = 'abcdefghijklmnopabcdefghijklmnop';
  const page = { id, url: `chrome-extension://${id}/blocked.html?u=x`, origin: `chrome-extension://${id}`, frameId: 0 };
  const ask = { type: 'ask-teacher', url: 'https://www.coolmathgames.com/0-run' };
  const status = { type: 'ask-status', id: 'q-mi5x2k1a-1abc2def' };
  assert.equal(admit(ask, page, id).ok, true);
  assert.equal(admit(status, page, id).ok, true);
  assert.equal(admit(ask, { ...page, frameId: 3 }, id).ok, false, 'a framed block page cannot ask');
  assert.equal(admit(ask, { id, url: 'https://www.coolmathgames.com/', frameId: 0 }, id).ok, false, 'a content script cannot ask');
  assert.equal(admit(ask, { ...page, id: 'another-extension' }, id).ok, false);
  assert.equal(admit({ type: 'ask-status', id: '../x' }, page, id).ok, false);
  assert.equal(admit({ type: 'ask-teacher', url: 7 }, page, id).ok, false);
});
