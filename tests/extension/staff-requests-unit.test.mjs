// The staff device (docs/requests.md, "The staff device"), the extension's pure parts in Node:
// pairing codes read as the hub reads them, the hub's token kept only for the hub it came from
// and never handed to the page, a 401 forgetting it, the answer's body as the hub's route reads
// it, and only the extension's own staff page in a tab (never a frame, another page of ours, a
// content script or a web page) may pair, list or answer.
// The real-Chromium half is tests/hub-e2e/ask-teacher.test.mjs ("the staff device").

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  normalisePairingCode, usableConnection, connectionFrom, publicConnection, refusal, pairRequest, answerRequest, listUrl,
  CODE_ALPHABET, NOT_CONNECTED,
} from '../../extension/sw/staff-hub.js';
import { admit } from '../../extension/sw/messages.js';

const HUB = 'https://hub.oak-hill.example';
const TOKEN = 'ab'.repeat(32);

test('a pairing code is read as the hub reads it: any case, spaces and dashes, no look-alike letters', () => {
  assert.equal(normalisePairingCode(' abcd-efgh '), 'ABCDEFGH');
  assert.equal(normalisePairingCode('KMNP QRST'), 'KMNPQRST');
  for (const bad of ['', 'ABCD-EFG', 'ABCD-EFGHJ', 'ABCD-EFG0', 'ABCD-EFGI', 'ABCD-EFGL', 'ABCD-EFGO', null, 12345678]) {
    assert.equal(normalisePairingCode(bad), null, String(bad));
  }
  // The hub's alphabet (crates/hub/src/staff_devices.rs), no 0 O 1 I L.
  assert.equal(CODE_ALPHABET.length, 31);
  assert.doesNotMatch(CODE_ALPHABET, /[01ILO]/);
});

test('the token is kept with its hub, used only with that hub, and never handed to the page', () => {
  const reply = { token: TOKEN, account: 'mrs-patel', device: { id: 'sd-0123456789ab', label: 'Chromebook d-1' }, expiresAt: '2027-04-06T10:00:00.000Z' };
  const kept = connectionFrom(HUB, reply, 5);
  assert.equal(kept.hub, HUB);
  assert.equal(kept.token, TOKEN);
  assert.equal(usableConnection(kept, HUB), true);
  assert.equal(usableConnection(kept, 'https://other-hub.example'), false, 'another hub never gets it');
  assert.equal(usableConnection(null, HUB), false);
  assert.equal(usableConnection({ ...kept, token: 'short' }, HUB), false);
  const shown = publicConnection(kept);
  assert.equal(JSON.stringify(shown).includes(TOKEN), false, 'the page never sees the token');
  assert.equal(shown.account, 'mrs-patel');
  assert.equal(connectionFrom(HUB, { error: 'used already' }, 5), null, 'a refusal stores nothing');
  assert.equal(connectionFrom(HUB, { token: 'not hex' }, 5), null);
});

test('a 401 forgets the token and says to connect again; other refusals keep it and say the hub\'s words', () => {
  assert.deepEqual(refusal(401, 'whatever'), { forget: true, error: NOT_CONNECTED });
  assert.match(NOT_CONNECTED, /no longer connected — connect it again from the hub/);
  assert.deepEqual(refusal(409, 'Someone answered this request a moment ago.'), { forget: false, error: 'Someone answered this request a moment ago.' });
  assert.deepEqual(refusal(503, undefined), { forget: false, error: 'the hub answered HTTP 503' });
});

test('the requests go to the hub\'s staff routes with the bodies its routes read', () => {
  assert.deepEqual(pairRequest(HUB, 'ABCDEFGH', 'Chromebook d-1'), { url: `${HUB}/api/v1/staff-devices/pair`, body: '{"code":"ABCDEFGH","label":"Chromebook d-1"}' });
  assert.equal(listUrl(HUB), `${HUB}/api/v1/staff/requests`);
  const yes = answerRequest(HUB, { id: 'q-mi5x2k1a-1abc2def', decision: 'approve', scope: 'group', minutes: '45', note: 'maths' });
  assert.equal(yes.url, `${HUB}/api/v1/staff/requests/q-mi5x2k1a-1abc2def/answer`);
  assert.deepEqual(JSON.parse(yes.body), { decision: 'approve', scope: 'group', minutes: 45, note: 'maths' });
  assert.deepEqual(JSON.parse(answerRequest(HUB, { id: 'q-1', decision: 'approve', scope: 'pupil', minutes: '' }).body).minutes, null, 'the hub\'s default');
  assert.deepEqual(JSON.parse(answerRequest(HUB, { id: 'q-1', decision: 'decline', scope: 'pupil', minutes: '60' }).body), { decision: 'decline', note: '' });
});

// (That the router answers exactly the types admitted: tests/extension/layout-unit.test.mjs.)
test('only the staff page in a tab may pair, list or answer', () => {
  const id = 'abcdefghijklmnopabcdefghijklmnop';
  const staff = { id, url: `chrome-extension://${id}/staff.html`, origin: `chrome-extension://${id}`, frameId: 0 };
  const messages = [
    { type: 'staff-pair', code: '1234', pairingCode: 'ABCD-EFGH' },
    { type: 'staff-requests', code: '1234' },
    { type: 'staff-answer', code: '1234', id: 'q-mi5x2k1a-1abc2def', decision: 'approve', scope: 'pupil', minutes: '60', note: '' },
  ];
  for (const m of messages) {
    assert.equal(admit(m, staff, id).ok, true, m.type);
    assert.equal(admit(m, { ...staff, frameId: 2 }, id).ok, false, `${m.type}: the staff page inside a frame`);
    assert.equal(admit(m, { ...staff, url: `chrome-extension://${id}/blocked.html` }, id).ok, false, `${m.type}: the block page`);
    assert.equal(admit(m, { id, url: 'https://www.example.com/', frameId: 0 }, id).ok, false, `${m.type}: a content script`);
    assert.equal(admit(m, { id: 'another-extension', url: 'https://www.example.com/' }, id).ok, false, `${m.type}: a web page`);
  }
  const bad = [
    { type: 'staff-answer', code: '1', id: 'q-mi5x2k1a-1abc2def', decision: 'open-everything' },
    { type: 'staff-answer', code: '1', id: 'q-mi5x2k1a-1abc2def', decision: 'approve', scope: 'school' },
    { type: 'staff-answer', code: '1', id: 'q-mi5x2k1a-1abc2def', decision: 'approve', minutes: '-5' },
    { type: 'staff-answer', code: '1', id: '../../admin', decision: 'approve' },
    { type: 'staff-pair', code: '1', pairingCode: 'x'.repeat(41) },
  ];
  for (const m of bad) assert.equal(admit(m, staff, id).ok, false, JSON.stringify(m));
});
