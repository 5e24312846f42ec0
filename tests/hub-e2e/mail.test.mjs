// E-mail to the DSL, against a real SMTP server on 127.0.0.1 (npm `smtp-server`, messages read
// with `mailparser`) and the real hub binary: a report's arrival is mailed within seconds, with a
// link and none of the report's pupil data; the SMTP password is used and never printed; a burst
// is capped; a mail server that is down or hangs never delays the 201, and the e-mail still
// arrives once the server is back.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import { startSmtp as startSmtpServer } from './smtp.mjs';

import { newReport, recordAdult, heldDetails, newReportId } from '../../shared-ui/report/model.js';
import * as hub from './hub.mjs';
import { skipOrFail } from '../ci.mjs';

const skip = skipOrFail(hub.hubMissing());
const PUBLIC_URL = 'https://hub.oak-hill.example';
const SMTP_USER = 'schoolgate-hub';
const SMTP_PASSWORD = 'smtp-test-password-9f3k2';
const DSL = 'dsl@oak-hill.example';
const DEPUTY = 'deputy.dsl@oak-hill.example';

/** A report as the extension makes it, full of pupil data the e-mail must not carry. */
function pupilReport(n = 0) {
  const atMs = Date.now();
  const press = {
    id: newReportId(atMs),
    atMs,
    source: 'page-button',
    url: `https://frightening-videos-${n}.example.net/watch?v=zq81`,
    title: `Scary clown video number ${n}`,
    navigations: [{ atMs: atMs - 30_000, url: 'https://search.example.com/search?q=clown+prank', transition: 'link' }],
    verdict: null,
    group: { name: 'ks2', label: 'Years 3 to 6' },
    identity: { email: `amelia.pupil${n}@oak-hill.example`, deviceAssetId: `CB-77${n}` },
    school: { name: 'Oak Hill Primary', policySource: 'managed' },
    engineVersion: 'test',
  };
  return recordAdult(newReport(press), {
    areas: ['content'], categories: ['scary-content'], feeling: 'upset',
    pupilWords: 'The clown jumped out and I could not sleep', actionTaken: 'Lid closed, pupil reassured', staffVerified: true,
  }, atMs + 1000, heldDetails(press));
}

/** Every piece of pupil data in `report` the e-mail must not show. */
function pupilFields(report) {
  const url = new URL(report.page.url);
  return [
    report.pupil.email, report.pupil.deviceAssetId, report.page.url, url.hostname, report.page.title,
    report.adult.pupilWords, report.adult.actionTaken, ...report.page.navigations.map((n) => n.url), 'clown',
  ].map((field) => {
    assert.equal(typeof field, 'string', 'the report holds every pupil field the test looks for');
    return field;
  });
}

/** The real SMTP server, wanting the hub's user and password. */
const startSmtp = (port = 0) => startSmtpServer({ user: SMTP_USER, password: SMTP_PASSWORD, port });

/** A port nothing listens on (yet). */
async function freePort() {
  const probe = net.createServer();
  await new Promise((ok) => probe.listen(0, '127.0.0.1', ok));
  const { port } = probe.address();
  await new Promise((ok) => probe.close(ok));
  return port;
}

function mailArgs(port, interval = 4) {
  return [
    '--public-url', `${PUBLIC_URL}/`, '--smtp-host', '127.0.0.1', '--smtp-port', String(port), '--smtp-tls', 'none',
    '--smtp-user', SMTP_USER, '--mail-from', 'Schoolgate Hub <hub@oak-hill.example>',
    '--notify-email', DSL, '--notify-email', DEPUTY, '--notify-interval', String(interval),
  ];
}
const ENV = { SCHOOLGATE_SMTP_PASSWORD: SMTP_PASSWORD };

describe('e-mail to the DSL (real SMTP server, real hub)', { skip, timeout: 120_000 }, () => {
  let smtp;
  let h;
  let key;

  before(async () => {
    smtp = await startSmtp();
    const dir = hub.dataDir();
    key = hub.addSigningKey(dir);
    h = await hub.startHub({ dir, args: mailArgs(smtp.port), env: ENV });
  });

  after(async () => {
    await h?.stop();
    await smtp?.close();
  });

  test('a report is mailed within seconds: a link to it, and none of the pupil data', async () => {
    const report = pupilReport(1);
    const t0 = Date.now();
    const answer = await hub.postReport(h.url, key, report);
    assert.equal(answer.status, 201);
    const mail = await hub.until(() => smtp.mails[0], 'the e-mail', 15_000);
    console.log(`e-mail arrived ${mail.at - t0} ms after the report was sent`);
    assert.ok(mail.at - t0 <= 5_000, `mailed ${mail.at - t0} ms after the report (at once: within 5 s)`);
    assert.deepEqual(mail.rcpt.sort(), [DEPUTY, DSL].sort(), 'both DSL addresses');
    assert.equal(mail.user, SMTP_USER, 'signed in to the mail server');
    assert.equal(mail.parsed.from.value[0].address, 'hub@oak-hill.example');
    assert.match(mail.parsed.subject, /report/);
    const link = `${PUBLIC_URL}/reports/${report.id}`;
    assert.ok(mail.parsed.text.includes(link), `the e-mail links the report: ${mail.parsed.text}`);
    for (const field of pupilFields(report)) {
      for (const text of [mail.raw, mail.parsed.text, mail.parsed.subject]) {
        assert.ok(!text.toLowerCase().includes(field.toLowerCase()), `the e-mail must not contain ${JSON.stringify(field)}`);
      }
    }
    assert.ok(!h.log().includes(SMTP_PASSWORD), 'the SMTP password is never printed');
    // The hub logs the sending once the mail server has answered, which may be just after the
    // mail server has the message.
    await hub.until(() => /DSL told by e-mail/.test(h.log()), 'the hub\'s log of the e-mail', 5_000);
  });

  test('a burst of 30 reports is gathered: at most two e-mails, every report counted', async () => {
    const before = smtp.mails.length;
    const reports = Array.from({ length: 30 }, (_, i) => pupilReport(100 + i));
    const answers = await Promise.all(reports.map((r) => hub.postReport(h.url, key, r)));
    assert.deepEqual(answers.map((a) => a.status), Array(30).fill(201));
    // The cap is one e-mail per --notify-interval (4 s here): wait out two intervals and more.
    await hub.sleep(12_000);
    const burst = smtp.mails.slice(before);
    assert.ok(burst.length >= 1 && burst.length <= 2, `${burst.length} e-mails for a burst of 30 (at most 2)`);
    let counted = 0;
    for (const mail of burst) {
      const links = mail.parsed.text.match(/\/reports\/[A-Za-z0-9-]+/g) ?? [];
      assert.ok(links.length <= 20, 'at most 20 links in one e-mail');
      const more = Number(/and (\d+) more/.exec(mail.parsed.text)?.[1] ?? 0);
      counted += links.length + more;
      for (const r of reports) for (const field of pupilFields(r)) assert.ok(!mail.raw.includes(field), `no ${field}`);
    }
    assert.equal(counted, 30, 'every report of the burst is in an e-mail (linked or counted)');
  });

  test('the mail server down, then hanging: the report still gets its 201 at once, and the e-mail arrives once the server is back', async () => {
    const port = await freePort();
    const dir = hub.dataDir();
    const key2 = hub.addSigningKey(dir);
    const down = await hub.startHub({ dir, args: mailArgs(port, 1), env: ENV });
    let hanging;
    let back;
    try {
      const report = pupilReport(2);
      let t0 = Date.now();
      assert.equal((await hub.postReport(down.url, key2, report)).status, 201, 'stored while mail is down');
      const downMs = Date.now() - t0;
      await hub.until(() => /could not e-mail the DSL/.test(down.log()), 'the failed send in the log', 15_000);
      assert.ok(!down.log().includes(SMTP_PASSWORD), 'the password is not in the log');

      // A server that accepts the connection and never speaks: still no wait for the pupil's report.
      const held = new Set();
      hanging = net.createServer((socket) => { held.add(socket); });
      await new Promise((ok) => hanging.listen(port, '127.0.0.1', ok));
      await hub.sleep(3_000);
      const second = pupilReport(3);
      t0 = Date.now();
      assert.equal((await hub.postReport(down.url, key2, second)).status, 201, 'stored while mail hangs');
      const hangMs = Date.now() - t0;
      console.log(`201 in ${downMs} ms with the mail server down, ${hangMs} ms with it hanging`);
      assert.ok(downMs < 5_000 && hangMs < 5_000, 'the answer never waits for mail');
      // Hang up on the hub's waiting conversation, then the real server returns on that port.
      const closed = new Promise((ok) => hanging.close(ok));
      for (const socket of held) socket.destroy();
      await closed;
      back = await startSmtp(port);
      const mail = await hub.until(() => back.mails.find((m) => m.parsed.text.includes(report.id) && m.parsed.text.includes(second.id)), 'the e-mail once the server is back', 60_000);
      assert.ok(mail, 'both reports, gathered into the retried e-mail');
      assert.ok(!mail.raw.includes(report.pupil.email), 'no pupil data');
      assert.equal(hub.hubCli(dir, ['reports', 'export', '--json']).includes(second.id), true, 'both reports stored');
    } finally {
      await down.stop();
      await back?.close();
    }
  });
});
