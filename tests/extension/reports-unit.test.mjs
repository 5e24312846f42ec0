// The report's pure parts in Node: the record's rules (append-only after the adult, the
// child-abuse-imagery path, no image data ever), the exports (JSON, CSV, the printable facts),
// the signature (RFC 4231 test vector), the delivery back-off, and the message guard.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';

import {
  newReport, heldDetails, recordAdult, appendEvent, onlyAppends, checkNoImages, scrubImages, newReportId, readAdultRecord,
  ReportError, REPORT_SCHEMA, CONCERN_CATEGORIES, newSearchAlert,
} from '../../shared-ui/report/model.js';
import { exportJson, exportCsv, csvField, recordFacts, CSV_COLUMNS } from '../../shared-ui/report/export.js';
import { signBody, verifyBody } from '../../shared-ui/report/sign.js';
import { backoffMs, RETRY } from '../../extension/sw/report-delivery.js';
import { admit } from '../../extension/sw/messages.js';

const AT = Date.UTC(2026, 10, 25, 10, 3, 12);
const ID = 'deohikanlmjlhjfeohlmnkkldjepeklp';

function press(extra = {}) {
  return {
    id: 'r-test-0001',
    atMs: AT,
    source: 'page-button',
    url: 'https://www.example.org/odd?x=1#top',
    title: 'An odd page',
    navigations: [{ atMs: AT - 60_000, url: 'https://www.google.com/search?q=pets', transition: 'generated' }, { atMs: AT - 5_000, url: 'https://www.example.org/odd?x=1', transition: 'link' }],
    verdict: { action: 'allow', category: null, locked: false, reason: 'Allowed: not in any blocked category', rule: { kind: 'allowed' }, matches: [] },
    group: { name: 'ks1', label: 'Key Stage 1' },
    identity: { email: 'pupil.test@oakhill.example', deviceAssetId: 'OAK-CB-017' },
    school: { name: 'Oak Hill Primary', policySource: 'managed' },
    engineVersion: '0.1.0',
    ...extra,
  };
}

const sample = (extra = {}) => newReport(press(extra));
/** The adult's record on a sample, with the details the device held back. */
const completed = (extra, record, atMs) => recordAdult(sample(extra), record, atMs, heldDetails(press(extra)));

const adult = { areas: ['content'], categories: ['scary-content'], feeling: 'worried', pupilWords: 'It had a scary face', actionTaken: 'Screen covered; reassured', escalateToDsl: true, staffVerified: true };

test('a new report holds the facts of the press, in order, and no image data', () => {
  const r = sample();
  assert.equal(r.schema, REPORT_SCHEMA);
  assert.equal(r.revision, 1);
  assert.equal(r.createdAt, '2026-11-25T10:03:12.000Z');
  assert.deepEqual(r.page.navigations, [], 'held on the device until the adult has answered');
  assert.equal(r.page.details, 'held');
  assert.equal(heldDetails(press()).navigations.length, 2);
  assert.equal(r.filter.action, 'allow');
  assert.equal(r.pupil.email, 'pupil.test@oakhill.example');
  assert.deepEqual(r.timeline.map((e) => e.event), ['pressed', 'blocked-on-device']);
  assert.equal(r.adult, null);
  assert.throws(() => newReport({ id: 'bad id!', atMs: AT, source: 'toolbar', url: 'x' }), ReportError);
  assert.throws(() => newReport({ id: 'r-ok-123456', atMs: AT, source: 'somewhere', url: 'x' }), ReportError);
});

test('image data is cut out of addresses, titles and words, and a report holding any is refused', () => {
  const r = sample({ url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB', title: 'x /9j/4AAQSkZJRg y' });
  assert.equal(r.page.url, 'data:image/png', 'a data: URL keeps its media type only');
  assert.equal(heldDetails(press({ title: 'x /9j/4AAQSkZJRg y' })).title, 'x [removed] y');
  assert.equal(scrubImages('https://a.example/?img=data:image/gif;base64,R0lGODlhAQAB&b=2', 999), 'https://a.example/?img=data:image/gif&b=2');
  assert.throws(() => checkNoImages({ page: { screenshot: 'data:image/png;base64,AAAA' } }), /never hold image data/);
  const done = recordAdult(sample(), { ...adult, pupilWords: 'see iVBORw0KGgoAAAA' }, AT + 60_000);
  assert.equal(done.adult.pupilWords, 'see [removed]');
});

test('the adult records once; afterwards the record only grows at the end', () => {
  const r = sample();
  const done = recordAdult(r, adult, AT + 120_000);
  assert.equal(done.revision, 2);
  assert.equal(r.adult, null, 'the input is not changed');
  assert.deepEqual(done.timeline.map((e) => e.event), ['pressed', 'blocked-on-device', 'adult-recorded', 'escalated']);
  assert.throws(() => recordAdult(done, adult, AT + 130_000), /already completed/);
  const reviewed = appendEvent(done, 'unblocked-on-device', 'Reviewed by the DSL', AT + 200_000);
  assert.equal(reviewed.revision, 3);
  assert.ok(onlyAppends(done, reviewed));
  const rewritten = structuredClone(reviewed);
  rewritten.adult.actionTaken = 'something else';
  assert.equal(onlyAppends(done, rewritten), false, 'a changed fact is not an append');
  const reordered = structuredClone(reviewed);
  reordered.timeline.splice(0, 1);
  assert.equal(onlyAppends(done, reordered), false, 'a removed fact is not an append');
  // A clock that went backwards still keeps the timeline in order.
  const back = appendEvent(done, 'note', 'late', AT);
  assert.ok(back.timeline.at(-1).at >= done.timeline.at(-2).at);
});

test('the adult record is checked field by field', () => {
  assert.throws(() => readAdultRecord({ categories: [], actionTaken: 'x' }, AT), /categories/);
  assert.throws(() => readAdultRecord({ categories: ['nope'], actionTaken: 'x' }, AT), /unknown value/);
  assert.throws(() => readAdultRecord({ categories: ['other'], actionTaken: '  ' }, AT), /actionTaken/);
  assert.throws(() => readAdultRecord({ categories: ['other'], actionTaken: 'x', feeling: 'angry' }, AT), /feeling/);
  assert.throws(() => readAdultRecord({ categories: ['other'], actionTaken: 'x', pupilWords: 'word '.repeat(401) }, AT), /pupilWords/);
  assert.ok(CONCERN_CATEGORIES.includes('csam'));
});

test('suspected child sexual abuse imagery: the record keeps the address only', () => {
  const done = recordAdult(sample(), { ...adult, categories: ['csam'] }, AT + 60_000);
  assert.equal(done.adult.suspectedCsam, true);
  assert.equal(done.page.title, null);
  assert.deepEqual(done.page.navigations, []);
  assert.equal(done.page.url, 'https://www.example.org/odd?x=1#top');
  assert.ok(done.timeline.some((e) => e.event === 'csam-url-only'));
  const facts = recordFacts(done);
  assert.equal(facts.csam, true);
  assert.ok(!facts.chronology.some(([, text]) => text.includes('google.com')), 'the printable record lists no other address');
  assert.ok(facts.facts.some(([k, v]) => k === 'Page title' && /not kept/.test(v)));
});

test('exports: JSON with its schema, CSV safe from spreadsheet formulas, facts in time order', () => {
  const a = completed({}, adult, AT + 3000);
  const b = completed({ id: 'r-test-0002', atMs: AT + 1000, title: '=HYPERLINK("http://evil.example","click")' }, { ...adult, pupilWords: 'He said "hi",\nthen left' }, AT + 5000);
  const json = JSON.parse(exportJson([b, a], AT + 9999));
  assert.equal(json.schema, 'schoolgate-report-export/1');
  assert.deepEqual(json.reports.map((r) => r.id), ['r-test-0001', 'r-test-0002'], 'oldest first');
  const csv = exportCsv([b, a]);
  const lines = csv.split('\r\n');
  assert.equal(lines[0], CSV_COLUMNS.map(([n]) => n).join(','));
  assert.ok(csv.includes(`"'=HYPERLINK(""http://evil.example"",""click"")"`), 'a formula is neutralised and quoted');
  assert.ok(csv.includes('"He said ""hi"",\nthen left"'));
  assert.equal(csvField('-1+2'), "'-1+2");
  assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvField(null), '');
  const facts = recordFacts(a);
  const times = a.timeline.map((e) => e.at).concat(a.page.navigations.map((n) => n.at)).sort();
  assert.equal(facts.chronology.length, times.length);
  assert.match(facts.chronology[0][1], /google\.com/, 'how the pupil got there comes first');
});

test('signature: HMAC-SHA256 (RFC 4231 case 2), and a changed body fails', async () => {
  assert.equal(await signBody('Jefe', 'what do ya want for nothing?'), 'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  const body = JSON.stringify(sample());
  const sig = await signBody('k3y', body);
  assert.equal(sig, `sha256=${createHmac('sha256', 'k3y').update(body).digest('hex')}`, 'the same as Node\'s own HMAC');
  assert.equal(await verifyBody('k3y', body, sig), true);
  assert.equal(await verifyBody('k3y', body.replace('ks1', 'ks2'), sig), false);
  assert.equal(await verifyBody('other', body, sig), false);
  assert.equal(await verifyBody('k3y', body, 'sha256=zz'), false);
  assert.equal(await verifyBody('k3y', body, undefined), false);
});

test('delivery waits about twice as long each time, up to 15 minutes', () => {
  const mid = () => 0.5;
  assert.equal(backoffMs(1, mid), RETRY.firstMs);
  assert.equal(backoffMs(2, mid), 2 * RETRY.firstMs);
  assert.equal(backoffMs(5, mid), 16 * RETRY.firstMs);
  assert.equal(backoffMs(40, mid), RETRY.maxMs);
  assert.ok(backoffMs(3, () => 0) >= 0.8 * 4 * RETRY.firstMs && backoffMs(3, () => 0.999) <= 1.2 * 4 * RETRY.firstMs);
});

test('ids are distinct and carry no personal data', () => {
  const ids = new Set(Array.from({ length: 5000 }, () => newReportId(AT)));
  assert.equal(ids.size, 5000);
  for (const id of ids) assert.match(id, /^r-[0-9a-z]+-[0-9a-z]+$/);
});

test('messages: a press from our content script is admitted; the adult and staff messages only from our pages', () => {
  const page = { id: ID, url: 'https://www.example.org/x', tab: { id: 3 } };
  const cover = { id: ID, url: `chrome-extension://${ID}/report.html?id=r-1234567890`, origin: `chrome-extension://${ID}` };
  const staffPage = { id: ID, url: `chrome-extension://${ID}/staff.html`, origin: `chrome-extension://${ID}` };
  assert.equal(admit({ type: 'report-press', source: 'page-button', pressedAtMs: AT }, page, ID).ok, true);
  assert.equal(admit({ type: 'report-press', source: 'everywhere' }, page, ID).ok, false);
  assert.equal(admit({ type: 'report-press', source: 'page-button' }, { id: 'other', url: 'https://x' }, ID).ok, false);
  assert.equal(admit({ type: 'report-record', id: 'r-1234567890', code: '1', record: {} }, page, ID).ok, false, 'not from a web page');
  assert.equal(admit({ type: 'report-record', id: 'r-1234567890', code: '1', record: {} }, cover, ID).ok, true);
  assert.equal(admit({ type: 'report-info', id: '../../etc' }, cover, ID).ok, false);
  assert.equal(admit({ type: 'report-list', code: '1' }, cover, ID).ok, false, 'staff page only');
  assert.equal(admit({ type: 'report-list', code: '1' }, staffPage, ID).ok, true);
  assert.equal(admit({ type: 'report-review', code: '1', id: 'r-1234567890', decision: 'delete' }, staffPage, ID).ok, false);
});

test('storage short: a report goes to extension storage, then memory, with a warning; it is moved back when there is room', async () => {
  const { heldReports } = await import('../../extension/sw/report-held.js');
  const idbData = new Map();
  let idbFull = true;
  const idb = { putMany: async (entries) => {
    if (idbFull) throw Object.assign(new Error('QuotaExceededError: the disk is full'), { name: 'QuotaExceededError' });
    for (const [k, v] of entries) idbData.set(k, v);
  } };
  const localData = {};
  let localFull = false;
  const local = {
    set: async (o) => {
      if (localFull) throw new Error('QUOTA_BYTES quota exceeded');
      Object.assign(localData, structuredClone(o));
    },
    get: async () => structuredClone(localData),
    remove: async (k) => { delete localData[k]; },
  };
  const warnings = [];
  const store = heldReports({ idb, local, warn: (w) => warnings.push(w) });
  const entries = (id) => [[`report:${id}`, { id }], [`outbox:${id}`, { id, revision: 1 }]];

  assert.equal(await store.save('r-a-00000001', entries('r-a-00000001')), 'storage.local');
  assert.ok(localData['held:r-a-00000001']);
  assert.match(warnings.at(-1), /Storage is short/);
  localFull = true;
  assert.equal(await store.save('r-b-00000002', entries('r-b-00000002')), 'memory');
  assert.match(warnings.at(-1), /held in memory only\. Export them/);
  assert.deepEqual((await store.entries()).filter(([k]) => k.startsWith('report:')).map(([, v]) => v.id).sort(), ['r-a-00000001', 'r-b-00000002'], 'both still listed');

  assert.equal(await store.rescue(), false, 'no room yet: nothing lost');
  assert.equal((await store.entries()).length, 4);
  idbFull = false;
  assert.equal(await store.rescue(), true);
  assert.deepEqual([...idbData.keys()].sort(), ['outbox:r-a-00000001', 'outbox:r-b-00000002', 'report:r-a-00000001', 'report:r-b-00000002']);
  assert.equal((await store.entries()).length, 0, 'nothing held any more');
  assert.equal(warnings.at(-1), null, 'the warning is cleared');
  assert.equal(await store.save('r-c-00000003', entries('r-c-00000003')), 'indexeddb');
});

test('a search alert is a report of its own kind: the terms and the verdict, no press, no image, in every export', () => {
  const verdict = {
    action: 'block', category: 'pornography', locked: false, reason: 'Blocked for Key Stage 2: a pupil asking for help', rule: { kind: 'search' }, matches: [],
    flavour: 'help_seeking',
    alerts: [{ kind: 'safeguarding', category: 'pornography' }],
    search: {
      engine: 'google', kind: 'submitted', vertical: 'web', terms: 'I saw porn what do I do data:image/png;base64,iVBORw0KGgoAAAA', help_seeking: true,
      matches: [{ phrase: 'porn', category: 'pornography', weight: 200, lang: 'en' }, { phrase: 'homework', category: 'any', weight: -30, lang: 'en' }],
    },
  };
  const r = newSearchAlert({ id: 'r-test-alert-1', atMs: AT, url: 'https://www.google.com/search?q=I+saw+porn+what+do+I+do', verdict, group: { name: 'ks2', label: 'Key Stage 2' }, identity: {}, school: { name: 'Oak Hill Primary' }, engineVersion: '0.1.0' });
  assert.equal(r.source, 'search-alert');
  assert.equal(r.schema, REPORT_SCHEMA);
  assert.equal(r.blockedOnDevice, false);
  assert.equal(r.adult, null);
  assert.deepEqual(r.search.alerts, ['safeguarding:pornography']);
  assert.equal(r.search.helpSeeking, true);
  assert.deepEqual(r.search.matches.map((m) => m.phrase), ['porn'], 'only what counted against the search');
  assert.doesNotMatch(JSON.stringify(r), /iVBORw0KGgo|base64,/, 'image data cut from the terms');
  assert.match(r.timeline[0].detail, /safeguarding:pornography.*shown support/);
  assert.equal(r.timeline.length, 1, 'nobody pressed anything');
  assert.match(exportCsv([r]), /search_terms,search_alerts\r\n.*I saw porn what do I do.*,safeguarding:pornography\r\n$/s);
  const facts = Object.fromEntries(recordFacts(r).facts);
  assert.match(facts['Searched for'], /^I saw porn what do I do/);
  assert.equal(facts.Alerts, 'safeguarding:pornography');
  // Only a verdict that raised an alert makes one.
  assert.throws(() => newSearchAlert({ id: 'r-test-alert-2', atMs: AT, url: 'x', verdict: { ...verdict, alerts: [] } }), ReportError);
  // And no message can ask for one: the press sources are the pupil's, the worker makes alerts.
  const page = { id: ID, url: `chrome-extension://${ID}/blocked.html` };
  assert.equal(admit({ type: 'report-press', source: 'search-alert' }, page, ID).ok, false);
});

test('the hub\'s decisions: a signed GET per blocked report; unblock lifts the block, keep-blocked is recorded once', async () => {
  const { readFileSync } = await import('node:fs');
  const delivery = await import('../../extension/sw/report-delivery.js');
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/hub/decision-signature.json', import.meta.url), 'utf8'));
  assert.equal(delivery.decisionMessage(fixture.id, fixture.time), fixture.message);
  assert.equal(await signBody(fixture.key, delivery.decisionMessage(fixture.id, fixture.time)), fixture.signature, 'the hub checks the same bytes');
  assert.equal(delivery.decisionUrl('https://hub.example/api/v1/reports/?x=1', 'r-a'), 'https://hub.example/api/v1/reports/r-a/decision');

  const key = fixture.key;
  const answers = { 'r-unblock': 'unblock', 'r-keep': 'keep-blocked', 'r-kept': 'keep-blocked', 'r-open': 'undecided', 'r-lie': 'unblock' };
  const asked = [];
  const fetchImpl = async (url, init) => {
    const id = decodeURIComponent(new URL(url).pathname.split('/').at(-2));
    const secs = Number(init.headers['X-Schoolgate-Time']);
    asked.push(id);
    assert.equal(init.method, 'GET');
    assert.equal(init.redirect, 'error');
    assert.ok(await verifyBody(key, delivery.decisionMessage(id, secs), init.headers['X-Schoolgate-Signature']), 'signed with the report key');
    if (id === 'r-down') return new Response('no', { status: 503 });
    // An answer about another report is not taken for this one.
    const answerId = id === 'r-lie' ? 'r-other' : id;
    return new Response(JSON.stringify({ id: answerId, page: answers[id], decidedAt: null }), { status: 200 });
  };
  delivery.useSettings(() => ({ endpoint: 'https://hub.example/api/v1/reports', signingKey: key }));
  const reviews = [];
  delivery.useDecisions({
    blocked: async () => ['r-unblock', 'r-keep', 'r-kept', 'r-open', 'r-down', 'r-lie'].map((id) => ({ id, kept: id === 'r-kept' })),
    review: async (id, decision) => reviews.push([id, decision]),
  });
  assert.equal(await delivery.followDecisions(fetchImpl), 2);
  assert.deepEqual(asked, ['r-unblock', 'r-keep', 'r-kept', 'r-open', 'r-down', 'r-lie']);
  assert.deepEqual(reviews, [['r-unblock', 'unblock'], ['r-keep', 'keep']]);

  // Without an endpoint or a key, nothing is asked.
  delivery.useSettings(() => ({ endpoint: 'https://hub.example/api/v1/reports', signingKey: null }));
  asked.length = 0;
  assert.equal(await delivery.followDecisions(fetchImpl), 0);
  assert.deepEqual(asked, []);
});
