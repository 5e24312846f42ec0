// Secrets and pupils' data on a pupil's device, the pure parts in Node (issue 15): the staff code
// (salted PBKDF2, the old unsalted form refused, guessing slowed), the managed schema's
// sensitive values, the image scrubber as an allow-list (every image format in every encoding),
// revision 1 of a report holding back what suspected abuse imagery must never leave, and the
// message guard refusing our pages inside a web page's frame.
// The real-Chromium half is tests/extension/secrets.test.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  parseStaffCodeHash, makeStaffCodeHash, staffCodeChecker, WRONG_CODES, DEFAULT_ITERATIONS, MIN_ITERATIONS,
} from '../../extension/sw/staff-code.js';
import { readManaged } from '../../extension/sw/config.js';
import { scrubImages, cutReason, CUT, MAX_PIECE } from '../../shared-ui/report/scrub.js';
import { newReport, heldDetails, recordAdult, checkNoImages, appendEvent } from '../../shared-ui/report/model.js';
import { admit } from '../../extension/sw/messages.js';

const ROOT = join(import.meta.dirname, '..', '..');
const VECTORS = JSON.parse(readFileSync(join(ROOT, 'tests', 'fixtures', 'staff-code', 'vectors.json'), 'utf8')).vectors;
const ID = 'deohikanlmjlhjfeohlmnkkldjepeklp';

// ---------------------------------------------------------------------------------------------
// The staff code

test('staff code: the shared vectors verify, and a value made here is what Node\'s own PBKDF2 gives', async () => {
  for (const v of VECTORS) {
    const parsed = parseStaffCodeHash(v.value);
    assert.equal(parsed.ok, true, parsed.error);
    assert.equal(parsed.iterations, v.iterations);
    const checker = staffCodeChecker();
    assert.deepEqual(await checker.check(v.value, v.code), { set: true, ok: true });
    assert.equal((await checker.check(v.value, `${v.code}0`)).ok, false);
  }
  const salt = Uint8Array.from({ length: 16 }, (_, i) => 255 - i);
  const made = await makeStaffCodeHash(' 2468 ', { iterations: MIN_ITERATIONS, salt });
  const expected = pbkdf2Sync('2468', Buffer.from(salt), MIN_ITERATIONS, 32, 'sha256').toString('base64');
  assert.equal(made, `pbkdf2-sha256$${MIN_ITERATIONS}$${Buffer.from(salt).toString('base64')}$${expected}`);
  // The default: salted afresh every time, the documented work factor.
  const a = await makeStaffCodeHash('2468', { iterations: MIN_ITERATIONS });
  const b = await makeStaffCodeHash('2468', { iterations: MIN_ITERATIONS });
  assert.notEqual(a, b, 'a random salt each time');
  assert.equal(DEFAULT_ITERATIONS, 600_000);
});

test('staff code: the old unsalted SHA-256 is refused with a message that says how to replace it; malformed values are refused', async () => {
  const old = '8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92'; // SHA-256 of "123456"
  const parsed = parseStaffCodeHash(old);
  assert.equal(parsed.ok, false);
  assert.match(parsed.error, /old unsalted SHA-256.*schoolgate staff-code/);
  const checked = await staffCodeChecker().check(old, '123456');
  assert.deepEqual({ set: checked.set, ok: checked.ok }, { set: true, ok: false }, 'no silent fallback: even the right code is refused');
  assert.match(checked.error, /old unsalted/);
  // The configuration keeps the value (so a code counts as set: fail closed) and says why it is unusable.
  const { config, problems } = readManaged({ staffUnlockCodeHash: old });
  assert.equal(config.staffUnlockCodeHash, old);
  assert.ok(problems.some((p) => /old unsalted SHA-256/.test(p)), problems.join('\n'));
  const good = VECTORS[0].value;
  const [, , salt, hash] = good.split('$');
  for (const bad of [
    `pbkdf2-sha256$1000$${salt}$${hash}`, // too few iterations
    `pbkdf2-sha256$99999999999$${salt}$${hash}`,
    `pbkdf2-sha256$600000$AAEC$${hash}`, // a salt too short
    `pbkdf2-sha256$600000$${salt}$AAEC`, // a hash of the wrong length
    `pbkdf2-sha1$600000$${salt}$${hash}`,
    `pbkdf2-sha256$600000$${salt}`,
    'hunter2',
  ]) {
    assert.equal(parseStaffCodeHash(bad).ok, false, bad);
    assert.equal((await staffCodeChecker().check(bad, VECTORS[0].code)).ok, false, bad);
    assert.equal(readManaged({ staffUnlockCodeHash: bad }).problems.length, 1, bad);
  }
  assert.deepEqual(readManaged({ staffUnlockCodeHash: good }).problems, []);
  assert.deepEqual(await staffCodeChecker().check(undefined, 'x'), { set: false, ok: false }, 'no code set');
});

test('staff code: after five wrong codes every code waits a minute, the right one too', async () => {
  let now = 1_000_000;
  const checker = staffCodeChecker({ now: () => now });
  const { value, code } = VECTORS[0];
  for (let i = 0; i < WRONG_CODES.allowed; i += 1) assert.equal((await checker.check(value, String(1000 + i))).ok, false);
  const locked = await checker.check(value, code);
  assert.equal(locked.ok, false);
  assert.match(locked.error, /wait a minute/);
  now += WRONG_CODES.waitMs - 1;
  assert.equal((await checker.check(value, code)).ok, false, 'still waiting');
  now += 2;
  assert.equal((await checker.check(value, code)).ok, true);
  assert.equal((await checker.check(value, '')).ok, false, 'an empty code is never right');
});

// ---------------------------------------------------------------------------------------------
// chrome://policy: every secret is a sensitive value

test('managed schema: every secret is marked sensitiveValue (hidden on chrome://policy), and nothing else', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'extension', 'managed_schema.json'), 'utf8'));
  const sensitive = Object.entries(schema.properties).filter(([, v]) => v.sensitiveValue === true).map(([k]) => k).sort();
  assert.deepEqual(sensitive, ['overrideSecret', 'reportSigningKey', 'staffUnlockCodeHash']);
  // A future secret: any key whose name says key, secret, hash, token, password or code. The
  // one exception is a public key (the hub's policy key only checks signatures, it cannot make
  // one), and its description must say it is not a secret.
  const PUBLIC_KEYS = new Set(['hubPolicyKey']);
  for (const [key, value] of Object.entries(schema.properties)) {
    if (PUBLIC_KEYS.has(key)) {
      assert.equal(value.sensitiveValue, undefined, `${key} is public`);
      assert.match(value.description, /Not a secret/);
      continue;
    }
    if (/key|secret|hash|token|password|code/i.test(key)) assert.equal(value.sensitiveValue, true, `${key} looks secret: mark it "sensitiveValue": true`);
  }
});

// ---------------------------------------------------------------------------------------------
// The image scrubber

const bytes = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const filler = Buffer.alloc(40, 0x07);
/** A few bytes of each format the issue names: enough to carry its signature. */
const IMAGES = {
  png: bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], filler),
  jpeg: bytes([0xff, 0xd8, 0xff, 0xe0], '\u0000\u0010JFIF', filler),
  gif: bytes('GIF89a', [1, 0, 1, 0], filler),
  webp: bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 ', filler),
  avif: bytes([0, 0, 0, 0x1c], 'ftypavif', filler),
  bmp: bytes('BM', [0x3a, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0], filler),
  svg: bytes('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><path d="M0 0h9v9z"/></svg>'),
};
const b64 = (b) => b.toString('base64');
const b64url = (b) => b.toString('base64url');
const pct = (b) => [...b].map((x) => `%${x.toString(16).padStart(2, '0').toUpperCase()}`).join('');

/** What must survive: the scrubber is an allow-list, but not of nothing. */
const KEPT = [
  'https://www.example.org/odd?x=1#top',
  'https://www.google.com/search?q=how+to+draw+a+cat&safe=active',
  'https://pl.wikipedia.org/wiki/%C5%BB%C3%B3%C5%82w',
  'https://www.bbc.co.uk/bitesize/topics/zkcqn39/articles/z3xq6sg',
  'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
  'It had a scary face and it said my name',
  'Metadata: explained',
];

test('the scrubber keeps plain addresses and words as they are', () => {
  for (const text of KEPT) assert.equal(scrubImages(text), text);
});

test('the scrubber cuts every image format, raw, base64, base64url and percent-encoded, in any place, and data: URLs lose their payload', () => {
  for (const [format, image] of Object.entries(IMAGES)) {
    const shapes = {
      base64: b64(image),
      base64url: b64url(image),
      'base64, misaligned': `x${b64(image)}`,
      'base64, percent-encoded': encodeURIComponent(b64(image)),
      percent: pct(image),
      'data: URL': `data:image/${format};base64,${b64(image)}`,
      'data: URL, percent-encoded': encodeURIComponent(`data:image/${format};base64,${b64(image)}`),
    };
    if (format === 'svg') {
      shapes.inline = image.toString('latin1');
      shapes['data: URL, utf8'] = `data:image/svg+xml,${image.toString('latin1')}`;
    }
    for (const [shape, data] of Object.entries(shapes)) {
      for (const text of [data, `https://img.example/a/b?pic=${data}&size=2`, `https://img.example/p/${data}`, `Look ${data} here`]) {
        const out = scrubImages(text, 8192);
        const what = `${format} as ${shape} in ${JSON.stringify(text.slice(0, 60))}: ${JSON.stringify(out)}`;
        assert.ok(out.length < text.length, what);
        assert.equal(scrubImages(out), out, `applying it again changes nothing (${what})`);
        // Nothing of the payload is left: no run of 8 of its characters survives.
        const payload = shape.startsWith('data') ? b64(image) : data;
        for (let i = 0; i + 8 <= payload.length; i += 8) {
          const run = payload.slice(i, i + 8);
          if (!/^[A-Za-z0-9]{8}$/.test(run) || /^[a-z]+$/.test(run)) continue; // words of the SVG markup, say
          assert.ok(!out.includes(run), `${what} still holds ${run}`);
        }
        assert.throws(() => checkNoImages({ page: { url: text } }), /never hold image data/, what);
        assert.doesNotThrow(() => checkNoImages({ page: { url: out } }), what);
      }
    }
  }
  // A data: URL of any kind keeps its media type and nothing else.
  assert.equal(scrubImages('data:text/html,<h1>Hello</h1>'), 'data:text/html');
  assert.equal(scrubImages('data:image/png;base64,iVBORw0KGgo'), 'data:image/png');
  assert.equal(scrubImages('data:,plain'), 'data:');
  assert.equal(scrubImages('https://a.example/?img=data:image/gif;base64,R0lGODlhAQAB&b=2'), 'https://a.example/?img=data:image/gif&b=2');
});

test('the scrubber cuts what is long or binary-looking, whatever it is', () => {
  assert.equal(cutReason('a'.repeat(MAX_PIECE + 1)), 'long');
  assert.equal(scrubImages(`https://x.example/?blob=${'Zm9v'.repeat(100)}`), `https://x.example/?blob=${CUT}`);
  assert.equal(cutReason('ab\u0001cd'), 'binary');
  assert.equal(cutReason('ab\ufffdcd'), 'binary');
  assert.equal(cutReason('%FF%FE%00%01'), 'binary', 'percent-escapes that are not text');
  assert.equal(scrubImages('title \u0000\u0001\u0002 end'), `title ${CUT} end`);
  // An unknown format, long, in base64 with slashes: cut whole, not in fragments.
  const unknown = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 37) % 256)).toString('base64');
  assert.ok(unknown.includes('/'));
  assert.equal(scrubImages(`https://x.example/${unknown}`), `https://x.example/${CUT}`);
});

// ---------------------------------------------------------------------------------------------
// Revision 1 holds back the title, navigations and list matches

const AT = Date.UTC(2026, 10, 25, 10, 3, 12);
const PRESS = {
  id: 'r-test-0099',
  atMs: AT,
  source: 'page-button',
  url: 'https://www.example.org/odd?x=1',
  title: 'A distinctive page title',
  navigations: [{ atMs: AT - 60_000, url: 'https://www.google.com/search?q=distinctive+search', transition: 'generated' }],
  verdict: { action: 'allow', category: 'games', reason: 'Allowed', rule: { kind: 'allowed' }, matches: [{ category: 'games', source: 'distinctive-list', key: 'example.org' }] },
  group: { name: 'ks2', label: 'KS2' },
  identity: { email: null, deviceAssetId: null },
};
const RECORD = { areas: ['content'], actionTaken: 'Screen covered; DSL told.', escalateToDsl: true };
const HELD = /distinctive/;

test('revision 1 carries no title, navigations or list matches; a receiver that keeps every revision never holds them when the adult suspects abuse imagery', () => {
  const r1 = newReport(PRESS);
  const held = heldDetails(PRESS);
  assert.ok(!HELD.test(JSON.stringify(r1)), JSON.stringify(r1));
  assert.equal(r1.page.details, 'held');
  assert.ok(HELD.test(JSON.stringify(held)), 'the device keeps them');

  const receiver = [r1];
  const yes = recordAdult(r1, { ...RECORD, categories: ['csam'] }, AT + 60_000, held);
  receiver.push(yes, appendEvent(yes, 'kept-blocked', 'Reviewed', AT + 120_000));
  for (const revision of receiver) assert.ok(!HELD.test(JSON.stringify(revision)), `revision ${revision.revision} holds a held detail`);
  assert.equal(yes.page.details, 'not-kept');

  const no = recordAdult(r1, { ...RECORD, categories: ['scary-content'] }, AT + 60_000, held);
  assert.equal(no.revision, 2);
  assert.equal(no.page.details, 'added');
  assert.equal(no.page.title, 'A distinctive page title');
  assert.equal(no.page.navigations[0].url, 'https://www.google.com/search?q=distinctive+search');
  assert.equal(no.filter.matches[0].list, 'distinctive-list');
});

// ---------------------------------------------------------------------------------------------
// Our pages inside a web page's frame

test('messages: a block page inside a web page\'s frame can neither report, record nor unlock; the cover page framed by our content script can', () => {
  const framedBlock = { id: ID, url: `chrome-extension://${ID}/blocked.html?src=dnr&u=https://good.example/`, origin: `chrome-extension://${ID}`, frameId: 3, tab: { id: 7 } };
  const topBlock = { ...framedBlock, frameId: 0 };
  const framedCover = { id: ID, url: `chrome-extension://${ID}/report.html?id=r-1234567890`, origin: `chrome-extension://${ID}`, frameId: 5, tab: { id: 7 } };
  for (const message of [
    { type: 'report-press', source: 'block-page', url: 'https://good.example/' },
    { type: 'pupil-action', action: 'wrongly-blocked', url: 'https://good.example/' },
    { type: 'staff-unlock', code: '1234' },
  ]) {
    assert.equal(admit(message, framedBlock, ID).ok, false, `${message.type} from a framed block page`);
    assert.equal(admit(message, topBlock, ID).ok, true, `${message.type} from the block page in its tab`);
  }
  assert.equal(admit({ type: 'explain', url: 'https://good.example/' }, framedBlock, ID).ok, true, 'it may still say why the frame is blocked');
  assert.equal(admit({ type: 'report-record', id: 'r-1234567890', record: {} }, framedBlock, ID).ok, false);
  assert.equal(admit({ type: 'report-record', id: 'r-1234567890', record: {} }, framedCover, ID).ok, true, 'checked against the press\'s tab in the worker');
  assert.equal(admit({ type: 'report-press', source: 'block-page' }, framedCover, ID).ok, false);
});
