// The school's paperwork stays true to the product (issue 19): the privacy notice names every field
// the Chromebook sends (read from the contracts, docs/reports.md and docs/events.md), every command
// a doc names exists in the CLIs (read from their clap definitions), every relative link in
// README.md and docs/*.md leads somewhere, and the pupils' agreements use the words pupils really
// see. Each check is also run on a broken copy, to see it fail.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import {
  ROOT,
  anchors,
  brokenLinks,
  cliTree,
  commandsNamed,
  contractFields,
  fieldsInCell,
  markdownFiles,
  missingFromNotice,
  read,
  unknownCommands,
} from './docs-check.mjs';

const PAPERWORK = ['docs/privacy-notice.md', 'docs/dpia.md', 'docs/acceptable-use-ks1.md', 'docs/acceptable-use-ks2.md', 'docs/a-day-with-schoolgate.md'];

test('the paperwork exists', () => {
  for (const path of PAPERWORK) assert.ok(existsSync(join(ROOT, path)), `${path} is missing`);
});

test('the field tables of the reports and events contracts are read whole', () => {
  const { reportFields, batchFields, kinds } = contractFields();
  for (const f of ['createdAt', 'pupil.email', 'pupil.deviceAssetId', 'page.url', 'page.navigations[]', 'filter.category', 'search', 'adult', 'timeline[]']) {
    assert.ok(reportFields.includes(f), `report field ${f} not found in docs/reports.md`);
  }
  assert.deepEqual(batchFields, ['schema', 'batch', 'device', 'user', 'group', 'extensionVersion', 'sentAt', 'events']);
  assert.deepEqual(kinds.map((k) => k.kind), ['heartbeat', 'blocked', 'circumvention', 'search-alert', 'help-seeking', 'staff-flag', 'override', 'visit', 'filter-check']);
  assert.deepEqual(kinds.find((k) => k.kind === 'filter-check').fields, ['trigger', 'passed', 'results', 'staffAccount', 'groups', 'listsVersion']);
  assert.deepEqual(kinds.find((k) => k.kind === 'blocked').fields, ['url', 'host', 'category', 'rule', 'via']);
  assert.deepEqual(kinds.find((k) => k.kind === 'override').fields, ['outcome', 'url', 'site', 'approvedBy', 'reason', 'startsAt', 'endsAt']);
});

test('an event kind\'s fields are told from their values and explanations', () => {
  assert.deepEqual(fieldsInCell('`state`: `active`, `idle` or `locked` (`chrome.idle`)'), ['state']);
  assert.deepEqual(fieldsInCell('`url`, `flag`: `should-be-blocked` or `wrongly-blocked`, `note` (≤ 500 characters)'), ['url', 'flag', 'note']);
  assert.deepEqual(fieldsInCell('`engine`, `terms` (normalised by the core), `alert`: `a`, `b` or `c`, `reportId` (the `search-alert` report)'), ['engine', 'terms', 'alert', 'reportId']);
});

test('the privacy notice names every field a report and an event carry', () => {
  assert.deepEqual(missingFromNotice(read('docs/privacy-notice.md')), []);
});

test('a privacy notice without one field is caught, whichever field it is', () => {
  const notice = read('docs/privacy-notice.md');
  const contract = contractFields();
  const names = new Set([...contract.reportFields, ...contract.batchFields]);
  for (const name of names) {
    const without = notice.replaceAll('`' + name + '`', name);
    const missing = missingFromNotice(without, contract);
    assert.ok(missing.some((m) => m.includes('`' + name + '`')), `removing \`${name}\` from the notice went unnoticed`);
  }
  for (const { kind, fields } of contract.kinds) {
    // Take one field off the kind's own line: the notice no longer says which event carries it.
    const lines = notice.split('\n');
    const at = lines.findIndex((l) => l.includes('`' + kind + '`') && fields.every((f) => l.includes('`' + f + '`')));
    const last = fields[fields.length - 1];
    lines[at] = lines[at].replaceAll('`' + last + '`', last);
    const missing = missingFromNotice(lines.join('\n'), contract);
    assert.ok(missing.some((m) => m.startsWith(`event kind \`${kind}\``)), `removing \`${last}\` from the \`${kind}\` line went unnoticed`);
  }
});

test('a field added to a contract must be added to the notice', () => {
  const reports = read('docs/reports.md').replace('| `blockedOnDevice` |', '| `pupil.shoeSize` | made up for this test | none |\n| `blockedOnDevice` |');
  const events = read('docs/events.md').replace('| `visit` | `host` only |', '| `visit` | `host`, `colour` |');
  const missing = missingFromNotice(read('docs/privacy-notice.md'), contractFields(reports, events));
  assert.ok(missing.includes('report field `pupil.shoeSize`'), missing.join('\n'));
  assert.ok(missing.some((m) => m.startsWith('event kind `visit`')), missing.join('\n'));
});

test('the command lines are read from the CLIs\' sources', () => {
  const tree = cliTree();
  for (const c of ['canon', 'check-policy', 'classify', 'compile', 'search', 'staff-code', 'override-code']) assert.ok(tree.schoolgate.has(c), c);
  for (const c of ['serve', 'migrate', 'backup', 'signing-key', 'audit', 'retention', 'reports']) assert.ok(tree['schoolgate-hub'].has(c), c);
  assert.deepEqual([...tree['schoolgate-hub'].get('signing-key')].sort(), ['add', 'list', 'revoke']);
});

test('every command README.md and docs/*.md name exists', () => {
  const tree = cliTree();
  const problems = markdownFiles().flatMap((path) => unknownCommands(read(path), tree).map((p) => `${path}: ${p}`));
  assert.deepEqual(problems, []);
  // The paperwork does name commands, so the check above is not vacuous for it.
  assert.ok(commandsNamed(read('docs/a-day-with-schoolgate.md')).length >= 5);
});

test('a command that does not exist is caught, and a user or a path named like the program is not a command', () => {
  const text = [
    '```sh',
    'sudo -u schoolgate-hub schoolgate-hub --data /var/lib/schoolgate-hub backup --to x.sqlite3',
    'sudo useradd --system --home /var/lib/schoolgate-hub --create-home schoolgate-hub',
    'ExecStart=/usr/local/bin/schoolgate-hub serve --listen 127.0.0.1:8787',
    'schoolgate-hub events purge',
    'schoolgate-hub signing-key rotate --label x',
    '```',
    'Run `target/release/schoolgate explain https://example.com/` and `schoolgate-hub audit verify`.',
  ].join('\n');
  assert.deepEqual(unknownCommands(text).map((p) => p.split(' (in')[0]), [
    '`schoolgate-hub events` is not a command',
    '`schoolgate-hub signing-key rotate` names no signing-key subcommand',
    '`schoolgate explain` is not a command',
  ]);
});

test('every relative link in README.md and docs/*.md leads to a file, and to a heading when it names one', () => {
  assert.deepEqual(markdownFiles().flatMap((path) => brokenLinks(path)), []);
});

test('a link to a missing file or heading is caught', () => {
  const text = '[a](nowhere.md), [b](hub.md#no-such-heading), [c](hub.md#https), [d](#who-we-are), [e](https://example.com/x.md)\n\n## Who we are\n';
  assert.deepEqual(brokenLinks('docs/privacy-notice.md', text), [
    'docs/privacy-notice.md: [nowhere.md] leads to a missing file',
    'docs/privacy-notice.md: [hub.md#no-such-heading] leads to a missing heading',
  ]);
  assert.ok(anchors('### `[groups.NAME]`\n## 11. Upgrading: what changed\n## A\n## A\n').has('a-1'));
});

test('README points each role to its paperwork', () => {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('### Which document is mine?'));
  assert.ok(readme.indexOf('### Which document is mine?') > readme.indexOf('## Where to start, by role'), 'the pointer is in the roles section');
  for (const role of ['parent', 'pupil', 'Designated Safeguarding Lead', 'teacher', 'IT lead', 'governor']) {
    const row = section.split('\n').find((l) => l.startsWith('|') && l.split('|')[1].toLowerCase().includes(role.toLowerCase()));
    assert.ok(row, `no row for ${role}`);
    assert.match(row, /\]\(docs\/[a-z0-9-]+\.md/, `the ${role} row links no document`);
  }
  for (const path of PAPERWORK) assert.ok(section.includes(`](${path}`), `README does not point to ${path}`);
  // The opening (the two commands) stays where it was.
  assert.ok(readme.indexOf('## The two commands') < readme.indexOf('## Where to start, by role'));
});

test('the pupils\' agreements use the words pupils see, and the shortcut the extension has', () => {
  const messages = JSON.parse(read('extension/_locales/en_GB/messages.json'));
  const say = (key) => messages[key].message;
  const manifest = JSON.parse(read('extension/manifest.json'));
  const shortcut = Object.values(manifest.commands).map((c) => c.suggested_key?.chromeos).find(Boolean);
  const ks1 = read('docs/acceptable-use-ks1.md');
  const ks2 = read('docs/acceptable-use-ks2.md');
  for (const key of ['young_title', 'young_say', 'go_back', 'read_aloud', 'tell_grown_up', 'cover_praise', 'cover_tell']) {
    assert.ok(ks1.includes(say(key)), `KS1 agreement lacks "${say(key)}" (${key})`);
  }
  for (const key of ['ks2_title', 'go_back', 'ask_teacher', 'worried', 'ks2_title_time', 'locked_title', 'help_title', 'cover_praise', 'cover_tell', 'childline_number', 'ceop_link']) {
    assert.ok(ks2.includes(say(key)), `KS2 agreement lacks "${say(key)}" (${key})`);
  }
  assert.ok(ks2.includes(shortcut.replaceAll('+', ' + ')) || ks2.includes(shortcut), `KS2 agreement lacks the shortcut ${shortcut}`);
  assert.match(ks2, /CEOP/);
  // Young children are pointed to the grown-ups around them, not to a phone line (as the block page does).
  assert.doesNotMatch(ks1, /0800|Childline/);
});

test('the retention the paperwork states is the hub\'s default', () => {
  const years = /DEFAULT_REPORT_YEARS: u32 = (\d+);/.exec(read('crates/hub/src/retention.rs'))[1];
  for (const path of ['docs/privacy-notice.md', 'docs/dpia.md']) assert.match(read(path), new RegExp(`\\b${years} years\\b`), path);
});
