// The school's policy from the hub to the device, nothing mocked (issue 18): real Chromium with
// the real extension, managed with only `hubUrl` and `hubPolicyKey` (what the real hub binary's
// `schoolgate-hub policy-key` prints). A site the Admin console's policy allows opens; in the hub
// the DSL proposes a policy that blocks it for the group and a second person (a deputy) approves;
// at the device's next wake it has taken the signed policy, the site is blocked, and the device's
// staff page and the hub's history both name the two approvers. Asked again, the hub answers 304
// (the device sends the version in force as `If-None-Match`).
//
// Then the hub publishes version 2 and a forwarder on 127.0.0.1 between the device and the hub
// (the device's `hubUrl`) alters the payload of the hub's real bundle on the way, keeping its
// signature: the device refuses it, version 1 stays in force (the site stays blocked) and the
// staff page shows the refusal. With the forwarder honest again, version 2 is taken.
// Run with the hub on SQLite and on PostgreSQL.
//
//   flock /tmp/sg-browser.lock node --test --test-concurrency=1 tests/hub-e2e/policy-to-device.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';

import * as h from '../extension/helpers.mjs';
import * as hub from './hub.mjs';
import { skipOrFail } from '../ci.mjs';

const SITE = 'https://www.pets-and-plants.co.uk';
const PASSWORD = 'a long enough password for the deputy';
const POLICY = '# Oak Hill Primary: from the hub\n[school]\nname = "Oak Hill Primary"\n\n[groups.ks2]\ndeny = ["pets-and-plants.co.uk"]\n';
const POLICY_2 = POLICY.replace('deny = ["pets-and-plants.co.uk"]', 'deny = ["pets-and-plants.co.uk", "games-hub.example"]');

/**
 * A forwarder on 127.0.0.1 between the device and the real hub: every request passes to the hub
 * and its answer back unchanged, except that with `tamper` set the payload of a policy bundle is
 * altered on the way (its signature kept), as someone on the network would. `policyAnswers`: the
 * status of each `/api/v1/policy` answer the device got.
 */
async function startForwarder(hubUrl) {
  const state = { tamper: null, policyAnswers: [] };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const headers = { ...req.headers };
      for (const name of ['host', 'connection', 'content-length', 'accept-encoding']) delete headers[name];
      let answer;
      try {
        answer = await fetch(`${hubUrl}${req.url}`, { method: req.method, headers, redirect: 'manual', body: ['GET', 'HEAD'].includes(req.method) ? undefined : Buffer.concat(chunks) });
      } catch (error) {
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`the hub did not answer: ${error.message}`);
        return;
      }
      let body = Buffer.from(await answer.arrayBuffer());
      if (req.url === '/api/v1/policy') {
        state.policyAnswers.push(answer.status);
        if (answer.status === 200 && state.tamper) {
          const bundle = JSON.parse(body.toString());
          const payload = JSON.parse(Buffer.from(bundle.payload, 'base64url').toString());
          bundle.payload = Buffer.from(JSON.stringify(state.tamper(payload))).toString('base64url');
          body = Buffer.from(JSON.stringify(bundle));
        }
      }
      const out = {};
      for (const name of ['content-type', 'etag', 'cache-control', 'location']) {
        if (answer.headers.has(name)) out[name] = answer.headers.get(name);
      }
      res.writeHead(answer.status, out).end(answer.status === 304 ? undefined : body);
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    state,
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => { server.closeAllConnections(); return new Promise((ok) => server.close(ok)); },
  };
}

/** A hub page's text and CSRF token, with `cookie`. */
async function open(hubProcess, path, cookie) {
  const response = await fetch(`${hubProcess.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  const text = await response.text();
  const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(text)?.[1];
  const fresh = response.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('sg_csrf='));
  return { status: response.status, text, csrf, cookie: [cookie, fresh].filter(Boolean).join('; ') };
}

/** Posts `fields` (with the page's CSRF token) as a browser would; the response. */
function post(hubProcess, path, page, fields) {
  return fetch(`${hubProcess.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie },
    body: new URLSearchParams({ ...fields, csrf: page.csrf }).toString(),
  });
}

/** The DSL invites a deputy DSL, who joins and signs in; the deputy's session cookie. */
async function deputySession(hubProcess, dsl) {
  const accounts = await open(hubProcess, '/accounts', dsl);
  const invited = await post(hubProcess, '/accounts/invite', accounts, { username: 'deputy', role: 'deputy-dsl' });
  const link = /(\/join\/[0-9a-f]+)/.exec(await invited.text())?.[1];
  assert.ok(link, 'the invitation link');
  const join = await open(hubProcess, link);
  const secret = /name="totp_secret" value="([A-Z2-7=]+)"/.exec(join.text)?.[1];
  const step = Math.floor(Date.now() / 30_000);
  const joined = await post(hubProcess, link, join, { password: PASSWORD, password_again: PASSWORD, totp_secret: secret, code: hub.totpCode(secret, step) });
  assert.equal(joined.status, 303, await joined.text());
  const login = await open(hubProcess, '/login');
  const signed = await post(hubProcess, '/login', login, { username: 'deputy', password: PASSWORD, code: hub.totpCode(secret, step + 1) });
  assert.equal(signed.status, 303, await signed.text());
  return signed.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('sg_session='));
}

after(() => hub.stopPostgres());

for (const backend of hub.BACKENDS) describe(`a policy approved by two people in the hub reaches the device (real Chromium, real extension, real hub on ${backend})`, { skip: skipOrFail(h.cannotRun() ?? hub.backendMissing(backend)), timeout: 5 * 60_000 }, () => {
  let server;
  let ctx;
  let hubProcess;
  let dsl;
  let deputy;
  let forwarder;
  let staffTab;

  before(async () => {
    h.ensureBuilt();
    server = await h.startServer();
    server.pages.set('www.pets-and-plants.co.uk/tudors', '<!doctype html><title>Tudor gardens</title><h1>Tudor gardens</h1>');
    const dir = await hub.hubData(backend);
    hubProcess = await hub.startHub({ dir });
    dsl = await hub.signInDsl(hubProcess);
    deputy = await deputySession(hubProcess, dsl);
    const publicKey = hub.hubCli(dir, ['policy-key']).trim();
    assert.match(publicKey, /^[A-Za-z0-9_-]{43}$/);
    forwarder = await startForwarder(hubProcess.url);
    await h.writePolicy(h.extensionPolicy({ group: 'ks2', hubUrl: forwarder.url, hubPolicyKey: publicKey }));
    ({ ctx } = await h.launchUnpacked({ port: server.port }));
    // The device runs the Admin console's settings (hubUrl and hubPolicyKey) before anything is asked of it.
    await h.until(async () => (await h.status(ctx)).source === 'managed', 'the managed policy', 30_000, 250);
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    h.removePolicy();
    await forwarder?.close();
    await hubProcess?.stop();
    await server?.close();
    h.cleanUp();
  });

  /** Whether `url` is blocked on the device now (a fresh tab). */
  async function blocked(url) {
    const page = await ctx.newPage();
    await h.go(page, url);
    const isBlocked = page.url().startsWith(h.blockPrefix);
    await page.close();
    return isBlocked;
  }

  /** Proposes `policy` as the DSL; the DSL and the deputy approve it (the school's rule: two people). */
  async function proposeAndApprove(policy, reason) {
    const edit = await open(hubProcess, '/policy/edit', dsl);
    const proposed = await post(hubProcess, '/policy/edit', edit, { op: 'propose', policy, reason });
    assert.equal(proposed.status, 303, await proposed.text());
    const proposal = proposed.headers.get('location');
    for (const cookie of [dsl, deputy]) {
      const page = await open(hubProcess, proposal, cookie);
      const approved = await post(hubProcess, `${proposal}/approve`, page, {});
      assert.equal(approved.status, 303, await approved.text());
    }
  }

  /** Asks the worker to fetch the hub's policy now, as the staff page's "refresh" does; its status. */
  async function refresh() {
    if (!staffTab || staffTab.isClosed()) {
      staffTab = await ctx.newPage();
      await h.go(staffTab, `chrome-extension://${h.EXT_ID}/staff.html`);
    }
    return staffTab.evaluate(() => chrome.runtime.sendMessage({ type: 'refresh' }));
  }

  /** The staff page's policy facts and fault log, as text. */
  async function staffPage() {
    const page = await ctx.newPage();
    await h.go(page, `chrome-extension://${h.EXT_ID}/staff.html`);
    await page.waitForSelector('html[data-ready="true"]');
    const text = await page.evaluate(() => ({ facts: document.getElementById('policy-facts').innerText, faults: document.getElementById('failures').innerText }));
    await page.close();
    return text;
  }

  test('two approvals in the hub, and the site the Admin console allowed is blocked on the device', async () => {
    assert.equal(await blocked(`${SITE}/tudors`), false, 'allowed before the hub publishes anything');

    await proposeAndApprove(POLICY, 'Block the pets site for KS2');
    const bundle = await fetch(`${hubProcess.url}/api/v1/policy`);
    assert.equal(bundle.status, 200, 'published as version 1');
    const publishedAt = Date.now();

    // The device's next wake: its worker stopped, the next navigation starts it again.
    await h.stopWorkers(ctx);
    await h.until(async () => blocked(`${SITE}/tudors`), 'the hub\'s policy blocking the site on the device', 60_000, 1000);
    console.log(`approval to blocked on the device (one wake): ${Date.now() - publishedAt} ms`);

    // The history names both approvers.
    const history = await open(hubProcess, '/policy/history', dsl);
    assert.ok(history.text.includes('<strong>dsl</strong>') && history.text.includes('<strong>deputy</strong>'), 'both names in the history');
    // And the device names them: what it verified, not what it was told apart from the bundle.
    const st = await h.status(ctx);
    assert.equal(st.hubPolicy.inForce?.version, 1);
    assert.deepEqual(st.hubPolicy.inForce.approvedBy, ['dsl', 'deputy']);
    assert.match((await staffPage()).facts, /Version 1 from the hub, published .*, approved by dsl and deputy: "Block the pets site for KS2"/);

    // Asked again with version 1 in force: the hub's ETag says unchanged, nothing is downloaded.
    const answers = forwarder.state.policyAnswers.length;
    const again = await refresh();
    assert.equal(again.hubPolicy.lastCheck?.result, 'unchanged');
    assert.deepEqual(forwarder.state.policyAnswers.slice(answers), [304]);
  });

  test('version 2 altered on the way is refused: version 1 stays, and the staff page says why', async () => {
    // What someone on the network would want: the hub's version 2, with the pets site let through.
    forwarder.state.tamper = (payload) => ({ ...payload, policy: payload.policy.replace('"pets-and-plants.co.uk", ', '') });
    const since = Date.now();
    await proposeAndApprove(POLICY_2, 'Block the games site for KS2 too');
    const refusal = await h.until(async () => {
      const st = await refresh();
      return st?.hubPolicy?.refusal?.at >= since && st.hubPolicy;
    }, 'the altered bundle to be refused', 30_000, 250);
    assert.match(refusal.refusal.message, /altered after it was signed; version 1 stays in force/);
    assert.equal(refusal.inForce?.version, 1, 'the last good version stays');
    assert.equal(await blocked(`${SITE}/tudors`), true, 'still blocked by version 1');
    const staff = await staffPage();
    assert.match(staff.facts, /Version 1 from the hub/);
    assert.match(staff.facts, /Last policy refused from the hub\s+.*the signature does not verify .*altered after it was signed/);
    assert.match(staff.faults, /refusing a policy bundle from the hub: the signature does not verify/);

    // The network honest again: the hub's own version 2 is taken.
    forwarder.state.tamper = null;
    const taken = await h.until(async () => {
      const st = await refresh();
      return st?.hubPolicy?.inForce?.version === 2 && st.hubPolicy;
    }, 'version 2 to be taken', 30_000, 250);
    assert.deepEqual(taken.inForce.approvedBy, ['dsl', 'deputy']);
    assert.equal(await blocked('https://games-hub.example/'), true, 'version 2 blocks the games site');
  });
});
