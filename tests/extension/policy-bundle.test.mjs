// The school's policy from its hub as a signed bundle (issue 18, docs/policy-bundle.md), in real
// Chromium with the extension force-installed and `hubUrl` + `hubPolicyKey` in the real managed
// policy file. A small test-local hub on 127.0.0.1 serves `GET /api/v1/policy` as the contract
// says (ETag "v<version>", If-None-Match → 304, 404 before anything is published), with bundles
// signed here by Node's own crypto, independently of the extension's WebCrypto code; the key pairs
// are made afresh for this run (test-only). The real hub binary's version of this test is the
// hub's own (crates/hub). The local server's request log is the proof that a blocked host was
// never requested.
//
// Nothing published → the Admin console's policy (the host loads); version 1 blocks a host the
// Admin console's policy allows, and the staff page says "Version 1 from the hub…"; then refused,
// each with the version in force kept and the refusal on the staff page and in the fault log:
// another key, a payload altered after signing, a policy the core refuses, an older version; a
// locked list is never loosened by a bundle's `allow`; the hub unreachable across a worker
// restart keeps the last good bundle from storage.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';

import * as h from './helpers.mjs';
import { skipOrFail } from '../ci.mjs';

const skip = skipOrFail(h.cannotRun());
const T = { timeout: 120_000 };

const ADMIN_POLICY = `[school]
name = "Admin Console Primary"
`;
const HUB_HOST = 'blocked-by-hub.example';
const HUB_HOST_2 = 'second-by-hub.example';
const LOCKED_HOST = 'abuse-standin.example';
const hubPolicy = (denied, extra = '') => `[school]
name = "Hub Primary"

[groups.ks2]
deny = [${denied.map((d) => JSON.stringify(d)).join(', ')}]
allow = ["${LOCKED_HOST}"]
${extra}`;

const hubKey = generateKeyPairSync('ed25519');
const otherKey = generateKeyPairSync('ed25519');
const rawPublic = (publicKey) => Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');

/** A bundle as the hub publishes it; `alter` changes the payload's bytes after signing. */
function bundle(version, policy, { by = hubKey, alter = null } = {}) {
  const payload = Buffer.from(JSON.stringify({
    format: 'schoolgate-policy/1', version, publishedAt: '2026-12-07T10:15:00Z', school: 'Hub Primary',
    policy, reason: `Test version ${version}`, approvedBy: ['Alice DSL', 'Bob Head'],
  }));
  const signature = sign(null, payload, by.privateKey);
  const keyId = createHash('sha256').update(rawPublic(by.publicKey)).digest('hex').slice(0, 16);
  const sent = alter ? Buffer.from(alter(payload.toString())) : payload;
  return { version, body: JSON.stringify({ format: 'schoolgate-policy-bundle/1', payload: sent.toString('base64url'), signature: signature.toString('base64url'), keyId }) };
}

/** The test-local hub: serves `current` (or 404 when null); `down` drops every connection. */
async function startHub() {
  const hub = { current: null, down: false, log: [] };
  const server = createServer((req, res) => {
    hub.log.push({ path: req.url, ifNoneMatch: req.headers['if-none-match'] ?? null, at: Date.now() });
    if (hub.down) return req.socket.destroy();
    if (req.url !== '/api/v1/policy') {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end('{"error":"not here"}');
    }
    if (!hub.current) {
      res.writeHead(404, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
      return res.end('{"error":"no policy has been published yet"}');
    }
    const etag = `"v${hub.current.version}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache', etag });
    return res.end(hub.current.body);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  hub.url = `http://127.0.0.1:${server.address().port}`;
  hub.close = () => {
    server.closeAllConnections?.();
    return new Promise((ok) => server.close(() => ok()));
  };
  return hub;
}

describe('the hub\'s signed policy, force-installed', { skip, timeout: 15 * 60_000 }, () => {
  let server;
  let hub;
  let ctx;

  before(async () => {
    h.ensureBuilt();
    server = await h.startServer();
    hub = await startHub();
    server.files.set('/lists/iwf-test.txt', { body: `${LOCKED_HOST}\n` });
    const crx = h.packCrx();
    ({ ctx } = await h.launchForceInstalled({
      server,
      crx,
      settings: {
        group: 'ks2',
        policyToml: ADMIN_POLICY,
        hubUrl: hub.url,
        hubPolicyKey: rawPublic(hubKey.publicKey).toString('base64url'),
        lists: [{ url: `${server.origin}/lists/iwf-test.txt`, category: 'child-abuse', format: 'domains', name: 'IWF test stand-in' }],
      },
    }));
    await h.until(async () => {
      const s = await h.status(ctx);
      return s.source === 'managed' && s.status.dnr.at && s.hubPolicy?.configured && s.hubPolicy.published === false && s;
    }, 'the Admin console\'s policy, and the hub asked (nothing published yet)', 60_000, 250);
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    h.removePolicy();
    await hub?.close();
    await server?.close();
    h.cleanUp();
  });

  const requested = (host) => server.requests((e) => e.host === host).length;
  let staffTab = null;
  /** Asks the worker to fetch everything again now, as the staff page's button does (only it may). */
  async function refresh() {
    if (!staffTab || staffTab.isClosed()) {
      staffTab = await ctx.newPage();
      await staffTab.goto(`chrome-extension://${h.EXT_ID}/staff.html`);
    }
    const answer = await staffTab.evaluate(() => chrome.runtime.sendMessage({ type: 'refresh' }));
    assert.equal(answer?.error, undefined, 'the worker did the refresh');
  }

  /** Opens `https://host/` in a new page: `'blocked'` (never requested) or `'loaded'`. */
  async function visit(host) {
    const before = requested(host);
    const page = await ctx.newPage();
    await h.go(page, `https://${host}/`);
    await h.until(() => page.url().startsWith(h.blockPrefix) || page.url() === `https://${host}/`, `${host} to settle`);
    let outcome = 'loaded';
    if (page.url().startsWith(h.blockPrefix)) {
      await h.blockPage(page);
      outcome = 'blocked';
      assert.equal(requested(host), before, `${host} was never requested`);
    }
    await page.close();
    return outcome;
  }

  /** The staff page's "Policy in force" facts and its fault log, as text. */
  async function staffPage() {
    const page = await ctx.newPage();
    await page.goto(`chrome-extension://${h.EXT_ID}/staff.html`);
    await page.waitForSelector('html[data-ready="true"]');
    const text = await page.evaluate(() => ({ facts: document.getElementById('policy-facts').innerText, faults: document.getElementById('failures').innerText }));
    await page.close();
    return text;
  }

  /** Serves `next`, asks the worker to fetch it, and waits for a refusal newer than now. */
  async function refused(next) {
    const since = Date.now();
    hub.current = next;
    await refresh();
    return h.until(async () => {
      const s = await h.status(ctx);
      return s.hubPolicy.refusal?.at >= since && s;
    }, 'the bundle to be refused', 30_000, 250);
  }

  test('(a) version 1 from the hub blocks a host the Admin console\'s policy allows; the staff page names it', T, async () => {
    assert.equal(await visit(HUB_HOST), 'loaded', 'the Admin console\'s policy allows the host');
    assert.match((await staffPage()).facts, /From the Admin console \(no hub policy\); the hub has not published a policy yet/);
    hub.current = bundle(1, hubPolicy([HUB_HOST]));
    await refresh();
    const s = await h.until(async () => {
      const st = await h.status(ctx);
      return st.hubPolicy.inForce?.version === 1 && st.policyToml?.includes(HUB_HOST) && st;
    }, 'version 1 in force', 30_000, 250);
    assert.equal(s.schoolName, 'Hub Primary', 'the bundle\'s policy replaced the managed policyToml');
    assert.equal(s.group.name, 'ks2', 'the group still comes from the Admin console');
    assert.equal(await visit(HUB_HOST), 'blocked');
    const staff = await staffPage();
    assert.match(staff.facts, /Version 1 from the hub, published .*2026.*, approved by Alice DSL and Bob Head: "Test version 1"/);
  });

  test('a bundle\'s allow never loosens a locked list', T, async () => {
    const s = await h.status(ctx);
    assert.match(s.policyToml, new RegExp(`allow = \\["${LOCKED_HOST}"\\]`), 'the policy in force tries to allow the locked host');
    assert.equal(await visit(LOCKED_HOST), 'blocked');
    assert.equal(requested(LOCKED_HOST), 0);
  });

  test('(b) version 2 signed by another key is refused; version 1 stays and the staff page says why', T, async () => {
    const s = await refused(bundle(2, hubPolicy([]), { by: otherKey }));
    assert.match(s.hubPolicy.refusal.message, /signature does not verify: signed by another key.*version 1 stays in force/);
    assert.equal(s.hubPolicy.inForce.version, 1);
    assert.equal(await visit(HUB_HOST), 'blocked');
    const staff = await staffPage();
    assert.match(staff.facts, /Version 1 from the hub/);
    assert.match(staff.facts, /Last policy refused from the hub\s+.*signature does not verify/);
    assert.match(staff.faults, /refusing a policy bundle from the hub: the signature does not verify/);
  });

  test('(c) version 2 altered after signing is refused; version 1 stays', T, async () => {
    const s = await refused(bundle(2, hubPolicy([HUB_HOST]), { alter: (text) => text.replace(HUB_HOST, 'nothing.example') }));
    assert.match(s.hubPolicy.refusal.message, /altered after it was signed; version 1 stays in force/);
    assert.equal(s.hubPolicy.inForce.version, 1);
    assert.equal(await visit(HUB_HOST), 'blocked');
  });

  test('(e) a signed version 2 whose policy the core refuses is refused; version 1 stays', T, async () => {
    const s = await refused(bundle(2, hubPolicy([], '[categories]\n"child-abuse" = "allow"\n')));
    assert.match(s.hubPolicy.refusal.message, /version 2: the policy has errors \(.*child-abuse.*locked.*\); version 1 stays in force/);
    assert.equal(s.hubPolicy.inForce.version, 1);
    assert.equal(await visit(HUB_HOST), 'blocked');
    assert.match((await staffPage()).facts, /Version 1 from the hub/);
  });

  test('(d) once version 2 is in force, version 1 again is refused (versions only increase)', T, async () => {
    hub.current = bundle(2, hubPolicy([HUB_HOST, HUB_HOST_2]));
    await refresh();
    await h.until(async () => (await h.status(ctx)).hubPolicy.inForce?.version === 2, 'version 2 in force', 30_000, 250);
    assert.equal(await visit(HUB_HOST_2), 'blocked');
    const fetches = hub.log.length;
    await refresh();
    assert.equal(hub.log.at(-1).ifNoneMatch, '"v2"', 'the device asks with the version it holds');
    assert.ok(hub.log.length > fetches);
    const s = await refused(bundle(1, hubPolicy([HUB_HOST])));
    assert.match(s.hubPolicy.refusal.message, /version 1 is older than version 2, the one in force/);
    assert.equal(s.hubPolicy.inForce.version, 2);
    assert.equal(await visit(HUB_HOST_2), 'blocked');
  });

  test('(f) the hub unreachable: after a worker restart the last good bundle stays, from storage', T, async () => {
    hub.down = true;
    const asked = hub.log.length;
    await h.stopWorkers(ctx);
    // The woken worker asks the hub at start-up and finds it down.
    assert.equal(await visit(HUB_HOST_2), 'blocked');
    const s = await h.until(async () => {
      const st = await h.status(ctx);
      return st.hubPolicy.fetchError && st;
    }, 'the worker to find the hub unreachable', 60_000, 250);
    assert.ok(hub.log.length > asked, 'the woken worker asked the hub');
    assert.match(s.hubPolicy.fetchError, /version 2 stays in force/);
    assert.equal(s.hubPolicy.inForce.version, 2, 'read again from chrome.storage.local and verified');
    assert.match(s.policyToml, new RegExp(HUB_HOST_2));
    assert.equal(await visit(HUB_HOST), 'blocked');
    assert.equal(await visit(LOCKED_HOST), 'blocked');
    const staff = await staffPage();
    assert.match(staff.facts, /Version 2 from the hub/);
    assert.match(staff.faults, /fetching the policy from the hub: .*version 2 stays in force/);
  });
});
