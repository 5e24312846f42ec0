// List compilation through the wasm package, from the same fixture files as
// crates/core/tests/lists_fixtures.rs (`tests/fixtures/lists/expected.txt`), and the round trip
// compileLists → bytes → Schoolgate.fromPolicy.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { blankComments, fixtureLines, fixtureText, schoolgate } from './helpers.mjs';

const { Schoolgate, compileLists, parseList, listFormatFromFileName, builtinLists } = schoolgate;

const NO_BUILTIN = '[school]\nname = "Lists Test"\n';
const WITH_BUILTIN = 'builtin_lists = true\n[school]\nname = "Lists Test"\n';

test('expected.txt: each fixture list parses as the Rust core parses it', () => {
  const rows = fixtureLines('lists/expected.txt').map(([, l]) => l.split(' | ').map((c) => c.trim()));
  assert.ok(rows.length >= 6);
  for (const [file, given, format, entries, rejected, skipped, duplicates, keys] of rows) {
    const chosen = given === 'name' ? listFormatFromFileName(file) : given;
    assert.ok(chosen, `${file}: a list file name`);
    const out = compileLists([{ name: file, category: 'games', format: chosen, text: fixtureText(`lists/${file}`) }]);
    const [report] = out.lists;
    assert.equal(report.format, format, `${file}: format`);
    assert.equal(String(report.entries), entries, `${file}: entries`);
    assert.equal(out.rejected.map((r) => r.line).join(','), rejected, `${file}: rejected lines`);
    assert.equal(out.rejectedCount, out.rejected.length);
    assert.equal(String(report.skipped), skipped, `${file}: skipped`);
    assert.equal(String(report.duplicates), duplicates, `${file}: duplicates`);
    assert.ok(out.rejected.every((r) => r.source === file && r.reason !== '' && typeof r.text === 'string'));
    // parseList reads the same, and holds every key the Rust test requires.
    const parsed = parseList(file, fixtureText(`lists/${file}`), chosen);
    const { entries: parsedEntries, rejected: rejectedLines, rejectedCount, ...parsedReport } = parsed;
    assert.deepEqual(
      { ...parsedReport, entries: parsedEntries.length, rejected: rejectedCount },
      report,
      `${file}: parseList and compileLists agree`,
    );
    assert.deepEqual(rejectedLines, out.rejected);
    const have = parsed.entries.map((e) => e.key);
    for (const key of keys.split(', ')) assert.ok(have.includes(key), `${file}: missing ${key} in ${have}`);
    // Every expected key that is a host or URL prefix matches its own URL once loaded.
    const sg = Schoolgate.fromPolicy(NO_BUILTIN, [out.bytes]);
    for (const key of keys.split(', ').filter((k) => !/[()|]/.test(k))) {
      const v = sg.classify(`http://${key}`, 'staff', 0);
      assert.ok(v.matches.some((m) => m.key === key && m.category === 'games'), `${file}: ${key} → ${JSON.stringify(v.matches)}`);
    }
  }
});

test('compileLists → bytes → fromPolicy round trip, with the built-in lists as well', () => {
  const out = compileLists([
    { name: 'school-extra.txt', category: 'games', text: fixtureText('lists/school-extra.txt') },
    { name: 'mine', category: 'gambling', format: 'domains', text: 'example-casino.test\n\nnot a domain\n' },
  ]);
  assert.ok(out.bytes instanceof Uint8Array);
  assert.equal(new TextDecoder().decode(out.bytes.subarray(0, 7)), 'SGRULES');
  assert.equal(out.rejectedCount, 1);
  assert.deepEqual(out.rejected, [{ source: 'mine', line: 3, text: 'not a domain', reason: 'entry contains spaces' }]);
  // Bytes or an ArrayBuffer, several rulesets at once.
  const copy = out.bytes.slice().buffer;
  for (const rulesets of [[out.bytes], [copy], [out.bytes, compileLists([]).bytes]]) {
    const sg = Schoolgate.fromPolicy(WITH_BUILTIN, rulesets);
    const v = sg.classify('https://www.example-casino.test/', 'ks2', 0);
    assert.equal(v.action, 'block');
    assert.deepEqual(v.rule, {
      kind: 'category',
      entry: 'example-casino.test',
      source: 'mine',
      setting: v.rule.setting,
    });
    assert.equal(sg.classify('https://www.bet365.com/', 'ks2', 0).category, 'gambling', 'built-in lists still loaded');
  }
});

test('damaged rulesets are refused with a readable Error naming which one', () => {
  const { bytes } = compileLists([{ name: 'x', category: 'games', text: 'example.org\n' }]);
  const flipped = bytes.slice();
  flipped[flipped.length - 1] ^= 1;
  assert.throws(() => Schoolgate.fromPolicy(NO_BUILTIN, [bytes, flipped]), { name: 'Error', message: 'rulesets[1]: ruleset checksum mismatch' });
  assert.throws(() => Schoolgate.fromPolicy(NO_BUILTIN, [new Uint8Array(3)]), { message: /^rulesets\[0\]: / });
  assert.throws(() => Schoolgate.fromPolicy(NO_BUILTIN, ['example.org']), (e) => e instanceof TypeError && /rulesets\[0\] is not a Uint8Array/.test(e.message));
});

test('compileLists refuses what it cannot compile, with a readable Error', () => {
  assert.throws(() => compileLists([{ name: 'a', category: 'games', format: 'csv', text: '' }]), (e) => e instanceof Error && /^lists\[0\] \(a\): unknown list format `csv`/.test(e.message));
  assert.throws(() => compileLists([{ name: 'a', category: 'Not A Category!', text: 'example.org' }]), (e) => e instanceof Error && /^lists\[0\] \(a\): invalid category/.test(e.message));
  assert.throws(() => compileLists([{ name: 'a' }]), (e) => e instanceof TypeError && /compileLists expects/.test(e.message));
  assert.throws(() => compileLists('example.org'), TypeError);
});

test('listFormatFromFileName follows the CLI', () => {
  assert.equal(listFormatFromFileName('ut1/gambling/domains'), 'domains');
  assert.equal(listFormatFromFileName('domains.2025-07-13'), 'domains');
  assert.equal(listFormatFromFileName('pornography-hosts'), 'hosts');
  assert.equal(listFormatFromFileName('gambling.txt'), 'auto');
  assert.equal(listFormatFromFileName('LICENSE.pdf'), null);
});

test('builtinLists() are the core data files with their comment lines blanked, and compile to what new Schoolgate() blocks', () => {
  const lists = builtinLists();
  assert.ok(lists.length >= 15);
  for (const { category, file, text } of lists) {
    assert.equal(file, `${category}.txt`);
    assert.equal(text, blankComments(fixtureText(`../../crates/core/data/lists/${file}`)));
  }
  const gambling = lists.find((l) => l.category === 'gambling');
  const out = compileLists([{ name: 'g', category: 'gambling', format: 'domains', text: gambling.text }]);
  assert.equal(out.rejectedCount, 0);
  assert.ok(out.entries >= 20);
});

test('parseList names each entry kind as verdict matches do', () => {
  const hosts = parseList('h', '0.0.0.0 ads.example.com\n127.0.0.1 localhost\n');
  assert.equal(hosts.format, 'hosts');
  assert.deepEqual(hosts.entries, [{ kind: 'domain', key: 'ads.example.com' }]);
  assert.equal(hosts.rejectedCount, 1);
  const urls = parseList('u', 'Example.com/Games/\n', 'urls');
  assert.deepEqual(urls.entries, [{ kind: 'url-prefix', key: 'example.com/Games' }]);
  assert.equal(parseList('e', '(porn|xxx)\n', 'expressions').entries[0].kind, 'expression');
  assert.throws(() => parseList('x', '', 'csv'), /unknown list format `csv`/);
});

test('expression-matches.tsv: the browser\'s RegExp matches what regex-lite matches in the Rust core', () => {
  const out = compileLists([{ name: 'expressions', category: 'games', text: fixtureText('lists/expressions') }]);
  assert.equal(out.rejected.map((r) => r.line).join(','), '3,5', 'the same lines are refused as in Rust');
  assert.match(out.rejected[0].reason, /more than 2 unbounded repetitions/);
  const sg = Schoolgate.fromPolicy(NO_BUILTIN, [out.bytes]);
  const rows = fixtureLines('lists/expression-matches.tsv');
  assert.ok(rows.length >= 15);
  for (const [, line] of rows) {
    const [url, expected] = line.split('\t');
    // The verdict orders its matches by its own rules; which ones matched is what must agree.
    const found = sg.classify(url, 'staff', 0).matches.filter((m) => m.kind === 'expression').map((m) => m.key);
    assert.deepEqual(found.length ? found.sort() : ['-'], expected.split(', ').sort(), url);
  }
});

test('expressions: the shapes a backtracking engine could take exponential time on are refused, with the reason', () => {
  const out = compileLists([{
    name: 'risky', category: 'games', format: 'expressions',
    text: '(a+)+$\nporn(?!hub)\n(a)\\1\n[[:alpha:]]+casino\n\\_x\ncasino\n',
  }]);
  assert.deepEqual(out.rejected.map((r) => [r.line, r.reason.replace(/:.*/, '')]), [
    [1, 'invalid regular expression'], [2, 'invalid regular expression'], [3, 'invalid regular expression'],
    [4, 'invalid regular expression'], [5, 'invalid regular expression'],
  ]);
  assert.match(out.rejected[0].reason, /exponential time/);
  assert.match(out.rejected[1].reason, /lookaround/);
  assert.match(out.rejected[3].reason, /POSIX/);
  // `\_` is left to the engine: the browser's says what is wrong, without repeating the pattern.
  assert.equal(out.rejected[4].reason, 'invalid regular expression: Invalid escape');
  assert.equal(out.lists[0].entries, 1);
});
