// Non-ASCII input through the wasm package. The package's core is built without Unicode tables:
// NFKC/NFD, combining marks and IDNA come from JavaScript (crates/wasm/src/unicode.rs), while the
// Rust tests and the CLI use the tables. These tests pin the two to the same answers: the fixture
// rows with non-ASCII hosts or search text (also judged by canon/engine/search.test.mjs, here
// counted so they cannot quietly disappear), and the cases of crates/core/src/unicode.rs's test
// `the_table_answers_that_tests_js_unicode_pins` (its expectations are the CLI's, tables on).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { fixtureLines, schoolgate, unescapeFixture } from './helpers.mjs';

const { Schoolgate, canonicalize } = schoolgate;
const sg = new Schoolgate();
const AT = Date.parse('2026-11-25T10:00:00Z');

/** A fixture field has non-ASCII text, written as UTF-8, `\xNN` (NN ≥ 80) or `\u{…}`. */
const nonAscii = (text) => /[^\x00-\x7f]|\\x[89a-f][0-9a-f]|\\u\{/i.test(text);
const unescapeSearch = (f) => f.replace(/\\u\{([0-9a-fA-F]+)\}/g, (_, hex) => String.fromCodePoint(parseInt(hex, 16)));

function canonOrWhy(url) {
  try {
    return canonicalize(url);
  } catch (e) {
    return `invalid: ${e.message.replace(/^invalid URL: /, '')}`;
  }
}

function report(failures) {
  assert.ok(failures.length === 0, `\n${failures.join('\n')}`);
}

test('canon.tsv and engine.tsv: rows with non-ASCII hosts agree with the Rust core', () => {
  const failures = [];
  const canonRows = fixtureLines('canon.tsv').filter(([, line]) => nonAscii(line.split('\t')[0]));
  assert.ok(canonRows.length >= 6, `only ${canonRows.length} non-ASCII canon rows`);
  for (const [n, line] of canonRows) {
    const [input, want] = line.split('\t');
    const got = canonOrWhy(unescapeFixture(input));
    const ok = want.startsWith('invalid: ') ? got.startsWith('invalid: ') && got.includes(want.slice(9)) : got === want;
    if (!ok) failures.push(`canon.tsv:${n}: ${input}: want ${want}, got ${got}`);
  }
  const engineRows = fixtureLines('verdicts/engine.tsv').filter(([, line]) => nonAscii(line.split('\t')[0]));
  assert.ok(engineRows.length >= 5, `only ${engineRows.length} non-ASCII engine rows`);
  for (const [n, line] of engineRows) {
    const [url, group, at, action, category, rule, check] = line.split('\t');
    const v = sg.classify(unescapeFixture(url), group, Date.parse(at));
    const got = [v.action, v.category ?? '-', v.rule.kind];
    if (check?.startsWith('lookalike=')) got.push(`lookalike=${v.lookalike_of}`);
    const want = [action, category, rule, ...(check?.startsWith('lookalike=') ? [check] : [])];
    if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`engine.tsv:${n}: ${url}: want ${want}, got ${got} (${v.reason})`);
  }
  report(failures);
});

test('search fixtures: rows with non-ASCII text are judged as the Rust core judges them', () => {
  const failures = [];
  const rows = (name) => fixtureLines(`search/${name}`).filter(([, line]) => nonAscii(line));
  const blockRows = rows('must-block.tsv');
  const allowRows = rows('must-allow.tsv');
  assert.ok(blockRows.length >= 30 && allowRows.length >= 8, `${blockRows.length} + ${allowRows.length} rows`);
  for (const [n, line] of blockRows) {
    const [group, query, category] = line.split('\t').map(unescapeSearch);
    const v = sg.judgeSearch(query, group);
    if (!v.blocked || !v.blocking_categories.includes(category)) failures.push(`must-block.tsv:${n}: ${JSON.stringify(query)} read as ${JSON.stringify(v.normalized.text)}`);
  }
  for (const [n, line] of allowRows) {
    const [group, query] = line.split('\t').map(unescapeSearch);
    const v = sg.judgeSearch(query, group);
    if (v.blocked) failures.push(`must-allow.tsv:${n}: ${JSON.stringify(query)} blocked as ${v.blocking_categories}`);
  }
  report(failures);
});

// `schoolgate canon` (tables on) gives these; the package must too.
const HOSTS = [
  ['http://XN--BCHER-KVA.de/', 'http://xn--bcher-kva.de/'],
  ['http://ＥＸＡＭＰＬＥ．ｃｏｍ/', 'http://example.com/'],
  ['http://мойсайт.рф/', 'http://xn--80arbjktj.xn--p1ai/'],
  ['http://a.b%E3%80%82c/', 'http://a.b.c/'],
  ['http://１２７．０．０．１/', 'http://127.0.0.1/'],
  ['http://０ｘ７ｆ．１/', 'http://127.0.0.1/'],
  // U+0338 composes `<` into `≮`, which hosts may contain: not refused as a forbidden `<`.
  ['http://a%3C%CC%B8b.com/', 'http://xn--ab-tjv.com/'],
  ['http://a≮b.com/', 'http://xn--ab-tjv.com/'],
  ['http://xn--abc-.de/', 'invalid'],
  ['http://xn--a.de/', 'invalid'],
  // The tables say "not a valid IPv4 address"; the URL parser only says it refused the host.
  ['http://１．２．３．４．５/', 'invalid'],
];

test('IDN hosts: the package reads them as the Rust core does', () => {
  const failures = [];
  for (const [url, want] of HOSTS) {
    const got = canonOrWhy(url);
    const ok = want === 'invalid' ? got.startsWith('invalid: invalid host') : got === want;
    if (!ok) failures.push(`${url}: want ${want}, got ${got}`);
  }
  report(failures);
});

test('where URL parsers differ from the tables (the bidi rule), the package reads hosts as its JavaScript engine does', () => {
  // The tables (so the CLI) apply UTS #46's bidi rule and refuse these; Node 20's URL parser does
  // not. In a browser the package therefore judges exactly the host the browser would connect to,
  // and refuses exactly the hosts the browser refuses.
  for (const host of ['١٢٣.com', 'abc.١٢٣', '1שלום.com']) {
    let engine;
    try {
      engine = `http://${new URL(`http://${host}/`).hostname}/`;
    } catch {
      engine = null;
    }
    const got = canonOrWhy(`http://${host}/`);
    if (engine === null) assert.match(got, /^invalid: invalid host/, host);
    else assert.equal(got, engine, host);
  }
});

test("hosts whose decoded text a URL parser would split differently are refused, never re-read", () => {
  // Handing `evil.example/.bücher.de` to `new URL("http://" + host)` would give the host
  // `evil.example`: such hosts must be refused before JavaScript sees them, as the tables refuse them.
  for (const url of [
    'http://evil.example%2F.b%C3%BCcher.de/',
    'http://b%C3%BCcher.de%40evil.example/',
    'http://b%C3%BCcher.de%3A8080/',
    'http://b%C3%BCcher%09.de/',
    'http://%C3%BC%23.de/',
    'http://%C3%BC%5B.de/',
    'http://%C3%BC.de%5C.evil/',
    'http://evil.example／bücher.de/',
  ]) {
    assert.match(canonOrWhy(url), /^invalid: invalid host: .* is not a valid internationalised host name$/, url);
    const v = sg.classify(url, 'ks2', AT);
    assert.ok(v.action === 'block' && v.rule.kind === 'unparseable', `${url}: ${v.reason}`);
  }
});

test('lookalikes: accents come off through JavaScript NFD and \\p{M}', () => {
  const v = sg.classify('https://facébook.com/', 'ks2', AT);
  assert.equal(v.canonical, 'https://xn--facbook-dya.com/');
  assert.equal(v.lookalike_of, 'facebook.com');
  assert.equal(v.action, 'block');
  assert.equal(sg.classify('https://www.ｆａｃｅｂｏｏｋ.com/', 'ks2', AT).canonical, 'https://www.facebook.com/');
});

// `schoolgate search` (tables on) reads these so: [query, text, readings].
const SEARCHES = [
  ['ｐｏｒｎ', 'porn', []],
  ['𝐩𝐨𝐫𝐧', 'porn', []],
  ['ⓟⓞⓡⓝ', 'porn', []],
  ['p\u0302o\u0301\u0303rn', 'porn', []],
  ['\u0440orn', 'porn', []],
  ['Samobójstwo', 'samobojstwo', []],
  ['Straße', 'strasse', []],
  ['ﬁlm', 'film', []],
  ['café crème', 'cafe creme', []],
  ['İstanbul', 'istanbul', []],
  ['Ὀδυσσεύς', 'οδυσσευς', []],
  ['Привет мир', 'привет мир', ['npubet mup']],
  ['नमस्ते दुनिया', 'नमस्ते दुनिया', []],
  ['한국어', '한국어', []],
];

test('search text: fullwidth, styled, accented and lookalike letters read as the Rust core reads them', () => {
  const failures = [];
  for (const [query, text, readings] of SEARCHES) {
    const n = sg.judgeSearch(query, 'ks2').normalized;
    const got = [n.text, n.readings.map((r) => r.text)];
    if (JSON.stringify(got) !== JSON.stringify([text, readings])) failures.push(`${JSON.stringify(query)}: want ${JSON.stringify([text, readings])}, got ${JSON.stringify(got)}`);
  }
  report(failures);
  assert.equal(sg.judgeSearch('ｐｏｒｎ', 'ks2').blocked, true);
});
