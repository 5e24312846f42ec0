// The filter check log end to end, nothing mocked (issue 17, "self-test"): in real Chromium with
// the real extension force-installed by policy (its `hubUrl` the real hub binary, its signing key
// made by the hub's own CLI, a locked "child-abuse" list served by the test server), a member of
// staff presses "Run the filter check now" on the staff page with the staff code: the check
// passes and the hub's /filter-checks shows a passed, on-demand check for that device. Then the
// Admin console points the locked list at a source that serves an empty list: the next check
// fails, the hub shows it failed (at the top of the log and on /devices), and a real SMTP server
// receives the IT lead's e-mail, a link and nothing else.
//
// Holds the machine-wide browser lock when run by hand:
//   flock /tmp/sg-browser.lock node --test --test-concurrency=1 tests/hub-e2e/filter-check.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import * as h from '../extension/helpers.mjs';
import * as hub from './hub.mjs';
import { startSmtp } from './smtp.mjs';
import { skipOrFail } from '../ci.mjs';

const skip = skipOrFail(h.cannotRun() ?? hub.hubMissing());
const PUBLIC_URL = 'https://hub.oak-hill.example';
const SMTP_USER = 'schoolgate-hub';
const SMTP_PASSWORD = 'smtp-test-password-checks-5k1';
const IT_LEAD = 'it.lead@oak-hill.example';
const STAFF_CODE = '4821';
const CANARY = 'abuse-standin.example';

describe('the filter check: staff page → hub log, and a broken locked list fails it and mails the IT lead (real Chromium, force-installed, real hub, real SMTP)', { skip, timeout: 6 * 60_000 }, () => {
  let server;
  let smtp;
  let hubProcess;
  let cookie;
  let ctx;
  let settings;
  let device;

  const lockedList = (path) => ({ url: `${server.origin}${path}`, category: 'child-abuse', format: 'domains', name: 'IWF test stand-in' });

  /** Presses "Run the filter check now" on the staff page; the status line it ends with. */
  async function runFromStaffPage() {
    const page = await ctx.newPage();
    try {
      await page.goto(`chrome-extension://${h.EXT_ID}/staff.html`);
      await page.fill('#self-test-code', STAFF_CODE);
      await page.click('#self-test-form button[type="submit"]');
      await page.waitForFunction(() => /passed|FAILED|Not run/.test(document.getElementById('self-test-status').textContent), null, { timeout: 90_000 });
      return {
        status: await page.textContent('#self-test-status'),
        last: await page.textContent('#self-test-last'),
        results: await page.textContent('#self-test-results'),
      };
    } finally {
      await page.close();
    }
  }

  before(async () => {
    h.ensureBuilt();
    server = await h.startServer();
    server.files.set('/lists/iwf-test.txt', { body: `# IWF test stand-in\n${CANARY}\nanother-standin.example\n` });
    // What a moved or broken list address serves: a page with no usable entry.
    server.files.set('/lists/iwf-moved.txt', { type: 'text/html', body: '' });
    smtp = await startSmtp({ user: SMTP_USER, password: SMTP_PASSWORD });
    const dir = hub.dataDir();
    const key = hub.addSigningKey(dir, 'chromebooks');
    hubProcess = await hub.startHub({
      dir,
      args: [
        '--public-url', `${PUBLIC_URL}/`, '--smtp-host', '127.0.0.1', '--smtp-port', String(smtp.port), '--smtp-tls', 'none',
        '--smtp-user', SMTP_USER, '--mail-from', 'Schoolgate Hub <hub@oak-hill.example>', '--notify-email', 'dsl@oak-hill.example',
        '--it-lead-email', IT_LEAD,
      ],
      env: { SCHOOLGATE_SMTP_PASSWORD: SMTP_PASSWORD },
    });
    cookie = await hub.signInDsl(hubProcess);
    settings = {
      group: 'ks2',
      schoolName: 'Oak Hill Primary',
      hubUrl: hubProcess.url,
      reportEndpoint: `${hubProcess.url}/api/v1/reports`,
      reportSigningKey: key,
      staffUnlockCodeHash: h.staffCodeValue(STAFF_CODE),
      lists: [lockedList('/lists/iwf-test.txt')],
    };
    ({ ctx } = await h.launchForceInstalled({ server, crx: h.packCrx(), settings }));
    let last;
    await h.until(async () => {
      last = await h.status(ctx);
      const iwf = last.status?.lists?.find((l) => l.category === 'child-abuse');
      return last.source === 'managed' && last.events?.endpoint === `${hubProcess.url}/api/v1/events` && iwf?.entries > 0 && !iwf.error && last.status?.dnr?.at && last;
    }, 'the managed policy with its locked list loaded', 60_000, 250).catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(last)}`); });
  });

  after(async () => {
    await ctx?.close().catch(() => {});
    h.removePolicy();
    await hubProcess?.stop();
    await smtp?.close();
    await server?.close();
    h.cleanUp();
  });

  test('the on-demand check passes and the hub logs it as passed for this device', async () => {
    // A wrong staff code runs nothing.
    const page = await ctx.newPage();
    await page.goto(`chrome-extension://${h.EXT_ID}/staff.html`);
    await page.fill('#self-test-code', '0000');
    await page.click('#self-test-form button[type="submit"]');
    await page.waitForFunction(() => /Not run/.test(document.getElementById('self-test-status').textContent), null, { timeout: 30_000 });
    await page.close();

    const ran = await runFromStaffPage();
    assert.match(ran.status, /passed/, `the check passed: ${ran.results}`);
    assert.match(ran.last, /Last filter check: .*on demand.*passed/);
    // The canary is the locked list's own first entry, judged and installed for real.
    assert.ok(ran.results.includes(CANARY), ran.results);
    assert.match(ran.results, /safesearch google/);
    assert.match(ran.results, /block page/);

    const log = await h.until(async () => {
      const shown = await hub.dslPage(hubProcess, cookie, '/filter-checks');
      return /id="check-\d+"/.test(shown.text) && shown;
    }, 'the check on the hub\'s /filter-checks', 30_000, 250);
    assert.equal(log.status, 200);
    assert.match(log.text, /Every device's latest filter check passed/);
    assert.match(log.text, /\(on demand\)/);
    assert.ok(log.text.includes(CANARY), 'each result is logged');
    assert.ok(!/FAILED/.test(log.text), 'nothing failed');
    assert.equal(smtp.mails.length, 0, 'a passing check mails no one');
    device = /<td[^>]*>(d-[A-Za-z0-9-]+|[A-Za-z0-9-]{8,64})<\/td><td[^>]*>Years 3 to 6 \(ks2\)<\/td>/.exec(log.text)?.[1] ?? null;
    assert.ok(device, 'the device and its group are named');
  });

  test('a locked list pointed at an empty source: the next check fails, the hub shows it and the IT lead is e-mailed', async () => {
    settings = { ...settings, lists: [lockedList('/lists/iwf-moved.txt')] };
    await h.writePolicy(h.extensionPolicy(settings, {
      ExtensionInstallForcelist: [`${h.EXT_ID};${server.origin}/updates.xml`],
      DeveloperToolsAvailability: 1,
    }));
    let last;
    await h.until(async () => {
      last = await h.status(ctx);
      return (last.status?.alarms ?? []).some((a) => a.includes('iwf-moved.txt')) && last;
    }, 'the extension to take the broken list (an alarm on the staff page)', 60_000, 250).catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(last?.status?.alarms)}`); });

    const checkedAt = Date.now();
    const ran = await runFromStaffPage();
    assert.match(ran.status, /FAILED/, ran.results);
    assert.match(ran.results, /FAILED locked list child-abuse/);
    assert.ok(ran.results.includes('iwf-moved.txt'), ran.results);

    const log = await h.until(async () => {
      const shown = await hub.dslPage(hubProcess, cookie, '/filter-checks');
      return /failed their latest filter check/.test(shown.text) && shown;
    }, 'the failed check at the top of /filter-checks', 30_000, 250);
    assert.match(log.text, /role="alert"/);
    assert.match(log.text, /FAILED: <\/strong>locked list child-abuse/);
    const devices = await hub.dslPage(hubProcess, cookie, '/devices');
    assert.match(devices.text, /failed their latest filter check/);

    const mail = await h.until(() => smtp.mails.find((m) => m.rcpt.includes(IT_LEAD)), 'the IT lead\'s e-mail', 30_000, 100);
    console.log(`a failed filter check to the IT lead's inbox: ${mail.at - checkedAt} ms after the press`);
    assert.deepEqual(mail.rcpt, [IT_LEAD]);
    assert.match(mail.parsed.subject, /filter check failed/);
    assert.match(mail.parsed.text, /https:\/\/hub\.oak-hill\.example\/filter-checks#check-\d+/);
    for (const detail of [CANARY, 'iwf', 'child-abuse', device ?? 'no-device']) {
      assert.ok(!mail.raw.toLowerCase().includes(detail.toLowerCase()), `the e-mail must not carry ${detail}`);
    }
    assert.ok(!hubProcess.log().includes(SMTP_PASSWORD), 'the SMTP password is never printed');
  });
});
