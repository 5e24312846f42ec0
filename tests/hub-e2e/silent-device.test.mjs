// A device whose extension stops is flagged (issue 17), nothing mocked: the real extension,
// force-installed by policy in real Chromium, sends heartbeats and events to the real hub binary;
// then the browser is killed with SIGKILL, which is what a pupil's "kill tool" can do at most to a
// force-installed extension (it cannot be disabled or removed by the user; chrome.management is
// not given to another extension; the worker dies with the browser). The hub, told by
// `--silent-after 20` to flag an active device after 20 s of silence (10 minutes unless set),
// marks it on /devices (which states that threshold, "20 seconds") and e-mails the IT lead (a real SMTP server) a count and a link, nothing
// about who used it. While the browser ran and kept talking, it was never flagged.
//
// Holds the machine-wide browser lock when run by hand:
//   flock /tmp/sg-browser.lock node --test --test-concurrency=1 tests/hub-e2e/silent-device.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import * as h from '../extension/helpers.mjs';
import * as hub from './hub.mjs';
import { startSmtp } from './smtp.mjs';
import { skipOrFail } from '../ci.mjs';

const skip = skipOrFail(h.cannotRun() ?? hub.hubMissing());
const SILENT_AFTER_S = 20;
const PUBLIC_URL = 'https://hub.oak-hill.example';
const SMTP_USER = 'schoolgate-hub';
const SMTP_PASSWORD = 'smtp-test-password-silent-4k9';
const IT_LEAD = 'it@oak-hill.example';

describe('a device whose browser is killed is flagged on /devices and the IT lead is e-mailed (real Chromium, real hub, real SMTP)', { skip, timeout: 5 * 60_000 }, () => {
  let server;
  let smtp;
  let hubProcess;
  let cookie;
  let ctx;
  let profile;
  let killed = false;

  before(async () => {
    h.ensureBuilt();
    server = await h.startServer();
    smtp = await startSmtp({ user: SMTP_USER, password: SMTP_PASSWORD });
    const dir = hub.dataDir();
    const key = hub.addSigningKey(dir, 'chromebooks');
    hubProcess = await hub.startHub({
      dir,
      args: [
        '--silent-after', String(SILENT_AFTER_S),
        '--public-url', `${PUBLIC_URL}/`, '--smtp-host', '127.0.0.1', '--smtp-port', String(smtp.port), '--smtp-tls', 'none',
        '--smtp-user', SMTP_USER, '--mail-from', 'Schoolgate Hub <hub@oak-hill.example>', '--notify-email', 'dsl@oak-hill.example',
        '--it-lead-email', IT_LEAD,
      ],
      env: { SCHOOLGATE_SMTP_PASSWORD: SMTP_PASSWORD },
    });
    cookie = await hub.signInDsl(hubProcess);
    ({ ctx, profile } = await h.launchForceInstalled({
      server,
      crx: h.packCrx(),
      settings: { group: 'ks2', schoolName: 'Oak Hill Primary', hubUrl: hubProcess.url, reportSigningKey: key },
    }));
    await h.until(async () => {
      const s = await h.status(ctx);
      return s.source === 'managed' && s.events?.endpoint === `${hubProcess.url}/api/v1/events` && s;
    }, 'the managed policy (the hub for events)', 60_000, 250);
  });

  after(async () => {
    if (!killed) await ctx?.close().catch(() => {});
    h.removePolicy();
    await hubProcess?.stop();
    await smtp?.close();
    await server?.close();
    h.cleanUp();
  });

  const devices = async () => (await hub.dslPage(hubProcess, cookie, '/devices')).text;

  test(`alive: heard from, never flagged; killed: flagged within ${SILENT_AFTER_S} s and a quarter, and the IT lead told`, async () => {
    // The device's first heartbeat says it is in use.
    await h.until(async () => /<td>Years 3 to 6 \(ks2\)<\/td>/.test(await devices()), 'the device on /devices', 30_000, 250);
    assert.match(await devices(), /active/, 'its last heartbeat said active (only an active device is flagged)');

    // Alive for longer than the threshold: a pupil keeps working (an attempt to get round the
    // filter is sent at once), so the hub keeps hearing from it and never flags it.
    const page = await ctx.newPage();
    const aliveUntil = Date.now() + (SILENT_AFTER_S + 10) * 1000;
    for (let i = 0; Date.now() < aliveUntil; i += 1) {
      await h.go(page, `http://10.3.3.${i % 200}/still-here`);
      await h.blockPage(page);
      await h.sleep(4_000);
      assert.match(await devices(), /No device has gone silent/, `flagged while alive (after ${i + 1} navigations)`);
    }
    const toItLead = () => smtp.mails.filter((m) => m.rcpt.includes(IT_LEAD));
    assert.equal(toItLead().length, 0, 'no e-mail to the IT lead while the device talks');

    // The browser dies at once, extension and all.
    const pid = h.browserPid(profile);
    assert.ok(pid, 'the browser\'s process');
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    killed = true;
    await h.until(() => h.browserPid(profile) === null, 'the browser gone', 10_000, 100);

    const shown = await h.until(async () => {
      const text = await devices();
      return /1 device stopped reporting while in use/.test(text) && text;
    }, 'the device flagged on /devices', (SILENT_AFTER_S + 30) * 1000, 500);
    const flaggedMs = Date.now() - killedAt;
    assert.match(shown, /class="flagged"/);
    assert.match(shown, /since <time datetime="\d{4}-\d\d-\d\dT/);
    // The page states the threshold in force (`--silent-after`), not the default's 10 minutes.
    assert.match(shown, new RegExp(`has sent nothing for ${SILENT_AFTER_S} seconds is flagged`));
    const mail = await h.until(() => toItLead()[0], 'the e-mail to the IT lead', 30_000, 200);
    console.log(`killed → flagged on /devices after ${flaggedMs} ms, e-mailed after ${mail.at - killedAt} ms (threshold ${SILENT_AFTER_S} s)`);
    assert.ok(flaggedMs >= (SILENT_AFTER_S - 8) * 1000, `not flagged before it had been silent ${SILENT_AFTER_S} s (${flaggedMs} ms)`);
    assert.deepEqual(mail.rcpt, [IT_LEAD]);
    assert.match(mail.parsed.subject, /a device has gone silent/);
    assert.ok(mail.parsed.text.includes(`${PUBLIC_URL}/devices`), mail.parsed.text);
    // Nothing about who used it, or what they did.
    for (const text of [mail.raw, mail.parsed.text]) {
      for (const word of ['ks2', '10.3.3', 'still-here', 'pupil']) assert.ok(!text.includes(word), `the e-mail must not contain ${word}`);
    }
    assert.equal(toItLead().length, 1, 'told once');
  });
});
