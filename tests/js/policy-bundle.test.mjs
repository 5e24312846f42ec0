// The device's side of the signed policy bundle (docs/policy-bundle.md, extension/sw/policy-bundle.js),
// its pure parts in Node: base64url, the envelope and the payload, versions that only increase,
// formats it does not know, and the signature checked with WebCrypto Ed25519 (as Chromium does)
// against bundles signed by Node's own crypto with TEST-ONLY keys
// (tests/fixtures/policy-bundle-device/, made by its generate.mjs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  base64urlDecode, parsePublicKey, parseEnvelope, parsePayload, checkVersion, readBundle, keyIdOf, describeHubPolicy,
  BUNDLE_FORMAT, PAYLOAD_FORMAT,
} from '../../extension/sw/policy-bundle.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const vectors = JSON.parse(readFileSync(join(ROOT, 'tests', 'fixtures', 'policy-bundle-device', 'vectors.json'), 'utf8'));
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const key = parsePublicKey(vectors.publicKey).key;

test('base64url: RFC 4648 vectors decode; padding, other alphabets and impossible lengths are refused', () => {
  for (const { text, hex: want } of vectors.base64url) assert.equal(hex(base64urlDecode(text)), want, text);
  for (const text of vectors.base64urlRefused) assert.equal(base64urlDecode(text), null, JSON.stringify(text));
  // Round trip over every byte value, against Node's own encoder.
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  for (let n = 0; n <= all.length; n += 37) assert.equal(hex(base64urlDecode(all.subarray(0, n).toString('base64url'))), all.subarray(0, n).toString('hex'));
});

test('the hub\'s public key: 32 bytes of base64url, nothing else', async () => {
  assert.equal(key.length, 32);
  assert.equal(await keyIdOf(key), vectors.keyId, 'keyId: SHA-256 of the raw key, 16 hex characters');
  assert.ok(parsePublicKey(` ${vectors.publicKey}\n`).key, 'spaces around it are forgiven');
  for (const bad of ['', `${vectors.publicKey}=`, vectors.publicKey.slice(0, 42), Buffer.from(key).toString('base64').replace(/=+$/, '').replace(/[A-Za-z0-9_-]/g, '') || 'a+b/', 'AAAA', null]) {
    assert.match(parsePublicKey(bad).error ?? '', /43 characters of base64url/, JSON.stringify(bad));
  }
});

for (const c of vectors.cases) {
  test(`bundle: ${c.name}`, async () => {
    const got = await readBundle(c.body, key, c.inForce);
    if (c.expect.ok) {
      assert.equal(got.ok, true, got.error);
      assert.equal(got.order, c.expect.order);
      assert.equal(got.payload.version, c.expect.version);
      assert.equal(got.payload.policy, vectors.policy);
      assert.deepEqual(got.payload.approvedBy, ['Alice DSL', 'Bob Head']);
    } else {
      assert.equal(got.ok, false, `refused: ${c.name}`);
      assert.ok(got.error.includes(c.expect.error), `${got.error} should say ${c.expect.error}`);
    }
  });
}

// The hub's own vectors (tests/fixtures/policy-bundle/, RFC 8032 test keys), which the hub checks
// too (crates/hub/tests/hub/policy_change.rs): the device's real reading code over every one, so
// both sides provably agree on what is accepted and what is refused, and why.
const hubVectors = JSON.parse(readFileSync(join(ROOT, 'tests', 'fixtures', 'policy-bundle', 'vectors.json'), 'utf8'));
/** The device's words for each reason the hub's vectors give. */
const DEVICE_REASON = {
  'bad signature': /^the signature does not verify/,
  'unknown format': /format .* is not one this device knows/,
};

test('the hub\'s shared vectors: the valid bundle accepted with its payload, each other one refused for its reason', async () => {
  assert.ok(hubVectors.vectors.length >= 6, 'every vector is here');
  const reasons = new Set();
  for (const v of hubVectors.vectors) {
    const parsed = parsePublicKey(v.publicKey);
    assert.ok(parsed.key, `${v.name}: the managed key reads`);
    // As the hub serves it: JSON text on the wire.
    const got = await readBundle(JSON.stringify(v.bundle), parsed.key, 0);
    if (v.valid) {
      assert.equal(got.ok, true, `${v.name}: ${got.error}`);
      assert.equal(got.order, 'newer');
      assert.deepEqual(got.payload, {
        version: v.payload.version, publishedAt: v.payload.publishedAt, school: v.payload.school,
        policy: v.payload.policy, reason: v.payload.reason, approvedBy: v.payload.approvedBy,
      }, v.name);
      assert.equal(new TextDecoder().decode(parseEnvelope(v.bundle).payload), hubVectors.payloadBytesUtf8, 'the signed bytes are the payload\'s exact bytes');
      assert.equal(await keyIdOf(parsed.key), v.bundle.keyId, 'keyId computed the same way');
      // In force already: the same version is unchanged, a newer one in force refuses it.
      assert.equal((await readBundle(JSON.stringify(v.bundle), parsed.key, v.payload.version)).order, 'same');
      assert.match((await readBundle(JSON.stringify(v.bundle), parsed.key, v.payload.version + 1)).error, /older than version/);
    } else {
      assert.equal(got.ok, false, `${v.name} must be refused`);
      assert.ok(DEVICE_REASON[v.why], `${v.name}: a reason the device test knows (${v.why})`);
      assert.match(got.error, DEVICE_REASON[v.why], `${v.name}: ${got.error}`);
      reasons.add(v.why);
    }
  }
  assert.deepEqual([...reasons].sort(), Object.keys(DEVICE_REASON).sort(), 'both kinds of refusal are covered');
  assert.equal(hubVectors.vectors.filter((v) => v.valid).length, 1);
});

test('a good bundle checked against another key is refused (the managed key is the only one trusted)', async () => {
  const other = parsePublicKey(vectors.otherPublicKey).key;
  const good = vectors.cases.find((c) => c.name.startsWith('good version 1'));
  const got = await readBundle(good.body, other, 0);
  assert.equal(got.ok, false);
  assert.match(got.error, /signed by another key \(key id 833ec770f2ff0c9a/);
});

test('the envelope: formats are exact; the payload is not read before its signature', () => {
  assert.equal(BUNDLE_FORMAT, 'schoolgate-policy-bundle/1');
  assert.equal(PAYLOAD_FORMAT, 'schoolgate-policy/1');
  const good = JSON.parse(vectors.cases[0].body);
  const env = parseEnvelope(good);
  assert.equal(env.ok, true);
  assert.equal(env.signature.length, 64);
  assert.equal(env.keyId, vectors.keyId);
  assert.equal(parseEnvelope({ ...good, format: 'Schoolgate-Policy-Bundle/1' }).ok, false);
  assert.equal(parseEnvelope({ ...good, payload: '' }).ok, false);
  assert.equal(parseEnvelope({ ...good, payload: 7 }).ok, false);
  assert.equal(parseEnvelope(null).ok, false);
});

test('the payload: fields read, long texts cut, a policy over 1 MB refused', () => {
  const enc = (p) => new TextEncoder().encode(JSON.stringify(p));
  const base = { format: 'schoolgate-policy/1', version: 3, publishedAt: '2026-12-07T10:15:00Z', policy: '[school]\nname = "X"\n' };
  const read = parsePayload(enc({ ...base, reason: 'r'.repeat(500), approvedBy: ['A', 7, 'B'] }));
  assert.equal(read.ok, true);
  assert.equal(read.payload.reason.length, 200);
  assert.deepEqual(read.payload.approvedBy, ['A', 'B']);
  assert.equal(read.payload.school, '');
  const big = parsePayload(enc({ ...base, policy: `# ${'x'.repeat(1024 * 1024)}` }));
  assert.equal(big.ok, false);
  assert.match(big.error, /larger than 1024 KB/);
  assert.equal(parsePayload(enc({ ...base, version: Number.MAX_SAFE_INTEGER + 2 })).ok, false, 'versions past 2^53 are not whole numbers JSON can carry');
});

test('versions only ever increase', () => {
  assert.deepEqual(checkVersion(1, 0), { ok: true, order: 'newer' });
  assert.deepEqual(checkVersion(8, 7), { ok: true, order: 'newer' });
  assert.deepEqual(checkVersion(7, 7), { ok: true, order: 'same' });
  const older = checkVersion(6, 7);
  assert.equal(older.ok, false);
  assert.match(older.error, /version 6 is older than version 7, the one in force/);
});

test('the staff page\'s words: the version in force, or the Admin console, and the last refusal', () => {
  const when = (t) => new Date(t).toISOString();
  const inForce = { version: 7, publishedAt: '2026-12-07T10:15:00Z', reason: 'Allow the Year 6 Tudor project site', approvedBy: ['Alice DSL', 'Bob Head', 'Cara Chair'] };
  assert.deepEqual(describeHubPolicy({ configured: true, inForce, refusal: null }, when), {
    inForce: 'Version 7 from the hub, published 2026-12-07T10:15:00.000Z, approved by Alice DSL, Bob Head and Cara Chair: "Allow the Year 6 Tudor project site"',
    refusal: null,
  });
  assert.equal(describeHubPolicy({ configured: false, inForce: null }, when).inForce, 'From the Admin console (no hub policy)');
  assert.equal(describeHubPolicy({ configured: true, inForce: null, published: false }, when).inForce, 'From the Admin console (no hub policy); the hub has not published a policy yet');
  assert.equal(describeHubPolicy({ inForce: { version: 1, publishedAt: 'soon', approvedBy: [] }, refusal: { at: 0, message: 'version 2: bad' } }, when).refusal, '1970-01-01T00:00:00.000Z: version 2: bad');
  assert.equal(describeHubPolicy(undefined, when).inForce, 'From the Admin console (no hub policy)');
});

test('the Admin console\'s hubPolicyKey: read, trimmed, quoted when wrong (it is not a secret)', async () => {
  const { readManaged } = await import('../../extension/sw/config.js');
  const ok = readManaged({ hubUrl: 'https://hub.school.example', hubPolicyKey: ` ${vectors.publicKey} ` });
  assert.equal(ok.config.hubPolicyKey, vectors.publicKey);
  assert.deepEqual(ok.problems, []);
  const bad = readManaged({ hubPolicyKey: 'not-a-key' });
  assert.equal(bad.config.hubPolicyKey, undefined);
  assert.match(bad.problems.join('\n'), /^hubPolicyKey: expected the hub's public key: 43 characters of base64url.*found "not-a-key"/m);
  assert.deepEqual(bad.invalid, [], 'a wrong key is not an enforcing key: the Admin console\'s own policy stays');
  const schema = JSON.parse(readFileSync(join(ROOT, 'extension', 'managed_schema.json'), 'utf8'));
  assert.equal(schema.properties.hubPolicyKey.type, 'string');
  assert.equal(schema.properties.hubPolicyKey.sensitiveValue, undefined, 'a public key, not a secret');
});
