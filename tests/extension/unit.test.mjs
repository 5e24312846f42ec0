// The extension's pure modules, in Node (no browser): the managed configuration reader, the
// message guard, the list reader and the DNR rule planner (with the real wasm engine).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { ROOT } from './helpers.mjs';
import { skipOrFail } from '../ci.mjs';
import { readManaged, configKey, engineConfig, effectiveConfig, checkAddress, lockedIntent, LIMITS, STRICTEST_GROUP } from '../../extension/sw/config.js';
import { admit, senderKind } from '../../extension/sw/messages.js';
import { readListForDnr, readPolicyEntries, cleanHost } from '../../extension/sw/listdomains.js';
import { planRules, applyPlan, PRIORITY, probeCategories, THUMBNAIL_MARK, HARMFUL_CATEGORIES } from '../../extension/sw/dnr.js';
import { readPageAddress } from '../../extension/pages/page-address.js';

const ID = 'deohikanlmjlhjfeohlmnkkldjepeklp';
const PKG = join(ROOT, 'extension', 'pkg', 'schoolgate.js');
const havePkg = existsSync(PKG);
const noPkg = skipOrFail(!havePkg && 'extension/pkg is missing: run scripts/build-wasm.sh');
let pkg = null;
if (havePkg) {
  pkg = await import(PKG);
  pkg.initSync({ module: readFileSync(join(ROOT, 'extension', 'pkg', 'schoolgate_bg.wasm')) });
}
const WED_10 = Date.UTC(2026, 10, 25, 10, 0); // Wednesday 25 November 2026, 10:00 UK time
const WED_1230 = Date.UTC(2026, 10, 25, 12, 30);

test('managed configuration: good values are kept, bad ones reported and left out', () => {
  const { config, problems, empty } = readManaged({
    group: 'ks1',
    policyToml: '[school]\nname = "x"\n',
    lists: [
      { url: 'https://lists.example.org/gambling.txt', category: 'gambling' },
      { url: 'ftp://x/y', category: 'gambling' },
      { url: 'https://x.example/iwf', category: 'child-abuse', format: 'domains', name: 'IWF' },
      { url: 'https://x.example/z', category: 'Bad Category' },
    ],
    staffUnlockCodeHash: 'pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw==$wmpH7CpIGbsLmht6VKVaCLZoFloVcHYAdmA4DgEdAUg=',
    locale: 'fr',
    schoolName: 'St Mary\'s',
    surprise: true,
  });
  assert.equal(empty, false);
  assert.equal(config.group, 'ks1');
  assert.equal(config.staffUnlockCodeHash, 'pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw==$wmpH7CpIGbsLmht6VKVaCLZoFloVcHYAdmA4DgEdAUg=');
  assert.equal(config.locale, undefined);
  assert.deepEqual(config.lists, [
    { url: 'https://lists.example.org/gambling.txt', category: 'gambling', format: 'auto' },
    { url: 'https://x.example/iwf', category: 'child-abuse', format: 'domains', name: 'IWF' },
  ]);
  assert.equal(problems.length, 4, problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('locale:')));
  assert.ok(problems.some((p) => p.startsWith('surprise:')));
  assert.equal(readManaged({}).empty, true);
  assert.equal(readManaged(undefined).empty, true);
  // The pupils' pages' language: every language the shared UI has; `locale` is its older name.
  for (const language of ['en_GB', 'pl', 'ro', 'ur', 'pa', 'bn', 'ar', 'pt_PT', 'es', 'lt', 'so', 'uk', 'tr']) {
    assert.equal(readManaged({ language }).config.language, language);
  }
  const wrongLanguage = readManaged({ language: 'pt-BR', locale: 'pl' });
  assert.equal(wrongLanguage.config.language, undefined);
  assert.equal(wrongLanguage.config.locale, 'pl');
  assert.ok(wrongLanguage.problems.some((p) => p.startsWith('language:')));
  // The same configuration in another key order is the same configuration.
  assert.equal(configKey(engineConfig({ group: 'a', lists: [] })), configKey(engineConfig({ lists: [], group: 'a' })));
});

test('managed configuration: an invalid group, policy or list keeps its last good value, never a weaker one', () => {
  const lastGood = {
    group: 'eyfs',
    policyToml: '[school]\nname = "good"\n',
    lists: [
      { url: 'https://lists.example.org/iwf.txt', category: 'child-abuse', format: 'domains', name: 'IWF' },
      { url: 'https://lists.example.org/gambling.txt', category: 'gambling', format: 'auto' },
    ],
  };
  const typo = readManaged({
    group: 'EYFS',
    policyToml: '   ',
    lists: [
      { url: 'https://lists.example.org/gambling.txt', category: 'gambling' },
      { url: 'https://lists.example.org/new-drugs.txt', category: 'drugs' },
      { url: 'http://lists.example.org/iwf.txt', category: 'child-abuse', format: 'domains', name: 'IWF' },
    ],
  });
  assert.deepEqual(typo.invalid.sort(), ['group', 'lists', 'policyToml']);
  // The staff page names the bad key and why.
  assert.ok(typo.problems.some((p) => p.startsWith('group: expected a group name') && p.includes('"EYFS"')), typo.problems.join('\n'));
  assert.ok(typo.problems.some((p) => p.startsWith('policyToml: expected')));
  assert.ok(typo.problems.some((p) => p.startsWith('lists[2].url: must be https://')));
  // A locked list with a bad address is an alarm, not a drop.
  assert.equal(typo.alarms.length, 1);
  assert.match(typo.alarms[0], /lists\[2\] looks like the locked "child-abuse" list/);

  const kept = effectiveConfig(typo.config, typo.invalid, lastGood);
  assert.equal(kept.group, 'eyfs', 'the last good group, not the default KS2');
  assert.equal(kept.policyToml, lastGood.policyToml, 'the last good policy, not the built-in one');
  assert.deepEqual(kept.lists.map((l) => `${l.category} ${l.url}`), [
    'child-abuse https://lists.example.org/iwf.txt',
    'gambling https://lists.example.org/gambling.txt',
    'drugs https://lists.example.org/new-drugs.txt',
  ], 'every last good list stays (the locked one too), and the valid new one is added');
  assert.equal(kept.kept.length, 3);
  assert.ok(kept.kept.some((k) => k.startsWith('group: the last good group ("eyfs")')));

  // Nothing good was ever applied: the strictest pupil group, the built-in policy, the valid lists.
  const fresh = effectiveConfig(typo.config, typo.invalid, null);
  assert.equal(fresh.group, STRICTEST_GROUP);
  assert.equal(fresh.policyToml, null);
  assert.deepEqual(fresh.lists.map((l) => l.category), ['gambling', 'drugs']);

  // Valid values are taken as they are.
  const good = readManaged({ group: 'ks1', lists: [{ url: 'https://lists.example.org/a.txt', category: 'games' }] });
  assert.deepEqual(good.invalid, []);
  const applied = effectiveConfig(good.config, good.invalid, lastGood);
  assert.equal(applied.group, 'ks1');
  assert.equal(applied.policyToml, null);
  assert.deepEqual(applied.lists, [{ url: 'https://lists.example.org/a.txt', category: 'games', format: 'auto' }]);
  assert.deepEqual(applied.kept, []);

  // `lists` not received at all while other settings were (Chrome drops a whole value that does
  // not match the schema): the last good lists stay, with an alarm for a locked one; [] removes them.
  const dropped = readManaged({ group: 'eyfs' });
  const keptLists = effectiveConfig(dropped.config, dropped.invalid, lastGood);
  assert.deepEqual(keptLists.lists, lastGood.lists);
  assert.match(keptLists.kept[0], /^lists: not received .*set lists to \[\]/);
  assert.match(keptLists.alarms[0], /locked list https:\/\/lists\.example\.org\/iwf\.txt/);
  const cleared = readManaged({ group: 'eyfs', lists: [] });
  assert.deepEqual(effectiveConfig(cleared.config, cleared.invalid, lastGood).lists, []);
  assert.deepEqual(effectiveConfig(dropped.config, dropped.invalid, null).lists, [], 'nothing to keep on a new device');

  // `lists` that is not an array, or has too many entries, keeps the last good lists.
  for (const lists of [{ url: 'https://lists.example.org/a.txt' }, 'https://lists.example.org/a.txt',
    Array.from({ length: LIMITS.lists + 1 }, (_, i) => ({ url: `https://lists.example.org/${i}.txt`, category: 'games' }))]) {
    const r = readManaged({ lists });
    assert.deepEqual(r.invalid, ['lists'], JSON.stringify(lists).slice(0, 60));
    assert.ok(r.problems.some((p) => p.startsWith('lists: ')), r.problems.join('\n'));
    assert.deepEqual(effectiveConfig(r.config, r.invalid, lastGood).lists.slice(0, 2), lastGood.lists);
  }
});

test('managed_schema.json: Chrome passes every value of an enforcing setting through, so the reader can name a typo', () => {
  // Chrome drops a value that does not match the schema without telling the extension: an enum
  // or pattern there would turn a typo into a silently missing setting.
  const schema = JSON.parse(readFileSync(join(ROOT, 'extension', 'managed_schema.json'), 'utf8'));
  const constrained = [];
  const walk = (node, path) => {
    for (const k of ['enum', 'pattern', 'minLength', 'maxLength', 'minItems', 'maxItems', 'required']) if (node[k] !== undefined) constrained.push(`${path}.${k}`);
    for (const [name, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${name}`);
    if (node.items) walk(node.items, `${path}[]`);
  };
  for (const key of ['group', 'policyToml', 'lists']) walk(schema.properties[key], key);
  assert.deepEqual(constrained, []);
});

test('managed configuration: locked lists with a misspelt category or a bad address are alarms', () => {
  for (const category of ['child_abuse', 'Child-Abuse', 'child-abuses', 'childabuse', 'terrorism', 'terrorist_content', 'iwf']) {
    const r = readManaged({ lists: [{ url: 'https://lists.example.org/l.txt', category }] });
    assert.deepEqual(r.invalid, ['lists'], category);
    assert.equal(r.alarms.length, 1, `${category}: ${r.problems}`);
    assert.equal(r.config.lists.length, 0, `${category}: never applied as an ordinary category`);
  }
  // A list named or addressed as IWF/CTIRU under an ordinary category is an alarm too.
  const misfiled = readManaged({ lists: [{ url: 'https://la.example.gov.uk/ctiru.txt', category: 'extremism' }, { url: 'https://x.example/l', category: 'gambling', name: 'IWF URL list' }] });
  assert.equal(misfiled.alarms.length, 2, misfiled.problems.join('\n'));
  assert.equal(lockedIntent({ category: 'terrorist-content' }), 'terrorist-content');
  for (const category of ['gambling', 'games', 'chat', 'self-harm', 'social-media', 'our-own']) {
    assert.equal(lockedIntent({ category, url: 'https://lists.example.org/x.txt' }), null, category);
  }
  // A locked list written correctly is valid.
  const ok = readManaged({ lists: [{ url: 'https://lists.example.org/iwf.txt', category: 'child-abuse' }] });
  assert.deepEqual([ok.invalid, ok.alarms, ok.config.lists.length], [[], [], 1]);
});

test('managed configuration: addresses are https:// (http:// only for localhost and 127.0.0.1), parsed strictly', () => {
  for (const good of ['https://safeguarding.example.org.uk/report', 'http://127.0.0.1:8080/reports', 'http://localhost/r', 'https://a.example/x@y']) {
    assert.ok(checkAddress(good).href, good);
  }
  for (const bad of ['http://localhost:@evil.example/', 'http://127.0.0.1@evil.example/', 'http://localhost.evil.example/',
    'http://127.0.0.1.evil.example/', 'http://evil.example/', 'https://user:pass@a.example/', 'http://localhost\\@evil.example/',
    'ftp://lists.example/x', 'javascript:alert(1)', 'http://localhost./', 'https://a.example/\nx', ' https://a.example/', 'not a url',
    `https://a.example/${'x'.repeat(LIMITS.urlChars)}`]) {
    assert.ok(checkAddress(bad).error, bad);
  }
  const r = readManaged({
    reportEndpoint: 'http://localhost:@evil.example/',
    lists: [{ url: 'http://lists.example.org/a.txt', category: 'games' }, { url: 'http://127.0.0.1:9/a.txt', category: 'games' }],
  });
  assert.equal(r.config.reportEndpoint, undefined);
  assert.match(r.problems.find((p) => p.startsWith('reportEndpoint:')), /user name or password/);
  assert.deepEqual(r.config.lists.map((l) => l.url), ['http://127.0.0.1:9/a.txt']);
  assert.match(r.problems.find((p) => p.startsWith('lists[0].url:')), /must be https:\/\//);
});

test('managed configuration: signing keys under 32 bytes are refused (never quoted); limits give clear errors', () => {
  const short = readManaged({ reportSigningKey: 'short-secret-123', reportEndpoint: 'https://r.example/' });
  assert.equal(short.config.reportSigningKey, undefined);
  const problem = short.problems.find((p) => p.startsWith('reportSigningKey:'));
  assert.match(problem, /32 to 4096 bytes/);
  assert.ok(!problem.includes('short-secret-123'), 'a secret is never shown on the staff page');
  assert.equal(readManaged({ reportSigningKey: 'k'.repeat(31) }).config.reportSigningKey, undefined);
  assert.equal(readManaged({ reportSigningKey: 'k'.repeat(32) }).config.reportSigningKey, 'k'.repeat(32));
  assert.equal(readManaged({ reportSigningKey: 'é'.repeat(16) }).config.reportSigningKey, 'é'.repeat(16), '32 bytes of UTF-8');
  assert.ok(!readManaged({ staffUnlockCodeHash: 'secret-code' }).problems[0].includes('secret-code'));
  const big = readManaged({ policyToml: `# ${'x'.repeat(LIMITS.policyBytes)}\n`, schoolName: 's'.repeat(LIMITS.nameChars + 1), lists: [{ url: 'https://a.example/l', category: 'games', name: 'n'.repeat(LIMITS.nameChars + 1) }] });
  assert.deepEqual(big.invalid.sort(), ['lists', 'policyToml']);
  assert.match(big.problems.find((p) => p.startsWith('policyToml:')), /at most 1024 KB/);
  assert.match(big.problems.find((p) => p.startsWith('schoolName:')), /at most 200 characters/);
  assert.match(big.problems.find((p) => p.startsWith('lists[0].name:')), /at most 200 characters/);
});

test('messages: only the staff page may command, pupils\' pages may record, nobody may switch off', () => {
  const staff = { id: ID, url: `chrome-extension://${ID}/staff.html`, origin: `chrome-extension://${ID}` };
  const block = { id: ID, url: `chrome-extension://${ID}/blocked.html?u=x`, origin: `chrome-extension://${ID}`, tab: { id: 3 } };
  const contentScript = { id: ID, url: 'https://evil.example/page', origin: 'https://evil.example', tab: { id: 3 } };
  const other = { id: 'abcdefghijklmnopabcdefghijklmnop', url: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/x.html' };
  assert.equal(senderKind(staff, ID), 'staff-page');
  assert.equal(senderKind(block, ID), 'extension-page');
  assert.equal(senderKind(contentScript, ID), 'content-script');
  assert.equal(senderKind(other, ID), 'foreign');
  assert.equal(senderKind({ id: ID, url: `chrome-extension://${ID}/staff.html`, origin: 'https://evil.example' }, ID), 'content-script');

  assert.deepEqual(admit({ type: 'refresh' }, staff, ID), { ok: true, kind: 'staff-command' });
  assert.equal(admit({ type: 'refresh' }, block, ID).ok, false);
  assert.equal(admit({ type: 'refresh' }, contentScript, ID).ok, false);
  assert.equal(admit({ type: 'judge', url: 'https://a.example/' }, contentScript, ID).kind, 'query');
  assert.equal(admit({ type: 'judge', url: 'https://a.example/' }, other, ID).ok, false);
  assert.equal(admit({ type: 'pupil-action', action: 'worried', url: 'https://a.example/' }, block, ID).kind, 'pupil-action');
  assert.equal(admit({ type: 'pupil-action', action: 'worried', url: 'https://a.example/' }, contentScript, ID).ok, false);
  for (const type of ['disable', 'setGroup', 'setPolicy', 'allow', 'pause', '__proto__', 'toString']) {
    for (const sender of [staff, block, contentScript]) assert.equal(admit({ type }, sender, ID).ok, false, `${type} from ${sender.url}`);
  }
  assert.equal(admit(null, staff, ID).ok, false);
  assert.equal(admit({ type: 'judge', url: 42 }, staff, ID).ok, false);
});

test('lists for DNR: domains, hosts, adblock and URL prefixes; nothing it does not understand', () => {
  const r = readListForDnr([
    '# comment', 'Example.COM', '*.wild.example', '.dot.example', 'bad..example', '1.2.3.4',
    '0.0.0.0 hosts.example other.example', '127.0.0.1 localhost', '||adblock.example^', '||opt.example^$third-party',
    'prefix.example/games/', 'exact.example/', 'bücher.example', 'trailing.example # note',
  ].join('\n'), 'auto');
  assert.deepEqual(r.domains, ['example.com', 'wild.example', 'dot.example', 'hosts.example', 'other.example', 'adblock.example', 'exact.example', 'xn--bcher-kva.example', 'trailing.example']);
  assert.deepEqual(r.prefixes, [{ host: 'prefix.example', path: '/games/' }]);
  assert.equal(readListForDnr('a.example\n', 'expressions').domains.length, 0);
  assert.equal(cleanHost('10.0.0.1'), null);
  // A public suffix would block every site under it: never a DNR domain (the engine refuses it too).
  assert.deepEqual(readListForDnr(['co.uk', '*.co.uk', 'github.io', 'sch.uk', 'bet.co.uk'].join('\n'), 'domains').domains, ['bet.co.uk']);
  assert.deepEqual(readPolicyEntries(['bbc.co.uk/bitesize/', '*.educationcity.com', 'https://example.com/games']), {
    domains: ['educationcity.com'],
    prefixes: [{ host: 'bbc.co.uk', path: '/bitesize/' }, { host: 'example.com', path: '/games' }],
  });
});

test('page addresses: the blocked URL is everything after u=, raw', () => {
  const a = readPageAddress('chrome-extension://x/blocked.html?src=dnr&u=http://www.bet365.com/a?x=1&y=2');
  assert.equal(a.url, 'http://www.bet365.com/a?x=1&y=2');
  assert.equal(a.params.get('src'), 'dnr');
  assert.equal(readPageAddress('chrome-extension://x/blocked.html?u=https://a.example/').url, 'https://a.example/');
  assert.equal(readPageAddress('chrome-extension://x/blocked.html').url, null);
});

test('DNR plan: on pupils\' devices the engines\' thumbnail servers answer only marked requests; not on staff devices', { skip: noPkg }, () => {
  const sg = new pkg.Schoolgate();
  const base = { pkg, sg, policyToml: null, sources: [], blockPage: `chrome-extension://${ID}/blocked.html`, atMs: WED_10 };
  const pupil = planRules({ ...base, group: 'eyfs' }).rules.find((r) => r.key === 'thumbnails');
  assert.ok(pupil, 'a thumbnails rule for a pupil group');
  const [allowMarked, block] = pupil.build();
  assert.equal(allowMarked.action.type, 'allow');
  assert.equal(allowMarked.condition.urlFilter, THUMBNAIL_MARK);
  assert.ok(allowMarked.priority > block.priority, 'the mark wins');
  assert.equal(block.action.type, 'block');
  assert.deepEqual(block.condition.resourceTypes, ['image']);
  assert.ok(block.condition.requestDomains.includes('mm.bing.net'));
  assert.ok(block.condition.initiatorDomains.includes('bing.com'), 'only on the engines\' own pages');
  assert.equal(planRules({ ...base, group: 'staff' }).rules.find((r) => r.key === 'thumbnails'), undefined);
});

const sources = () => (pkg ? pkg.builtinLists().map((l) => ({ key: `builtin:${l.file}`, category: l.category, format: 'auto', text: () => l.text })) : []);

test('DNR plan: the engine decides what each category gets, time windows included', { skip: noPkg }, () => {
  const sg = new pkg.Schoolgate();
  const base = { pkg, sg, policyToml: null, group: 'ks2', sources: sources(), blockPage: `chrome-extension://${ID}/blocked.html` };
  const morning = planRules({ ...base, atMs: WED_10 });
  assert.ok(morning.blockedCategories.includes('games'));
  assert.ok(morning.blockedCategories.includes('gambling'));
  assert.equal(morning.nextChange, Date.UTC(2026, 10, 25, 12, 15) / 1000, 'games open at 12:15');
  const lunch = planRules({ ...base, atMs: WED_1230 });
  assert.ok(!lunch.blockedCategories.includes('games'));
  assert.equal(lunch.nextChange, Date.UTC(2026, 10, 25, 13, 0) / 1000);
  const staff = planRules({ ...base, group: 'staff', atMs: WED_10 });
  assert.ok(!staff.blockedCategories.includes('games'));
  assert.ok(staff.blockedCategories.includes('gambling'));

  // Every rule redirects to the block page with the URL last, as the block page reads it.
  const built = morning.rules.flatMap((r) => r.build());
  const gambling = built.find((r) => r.condition.requestDomains?.includes('bet365.com'));
  assert.equal(gambling.action.redirect.regexSubstitution, `chrome-extension://${ID}/blocked.html?src=dnr&u=\\0`);
  assert.equal(gambling.priority, PRIORITY.block);
  assert.deepEqual(gambling.condition.resourceTypes, ['main_frame', 'sub_frame', 'other']);
  // SafeSearch and the YouTube header, from the engine's own rewrites.
  const google = built.find((r) => r.condition.regexFilter?.includes('google'));
  assert.deepEqual(google.action.redirect.transform.queryTransform.addOrReplaceParams, [{ key: 'safe', value: 'active', replaceOnly: false }]);
  const yt = built.find((r) => r.action.type === 'modifyHeaders');
  assert.deepEqual(yt.action.requestHeaders, [{ header: 'YouTube-Restrict', operation: 'set', value: 'Strict' }]);
  const ytStaff = staff.rules.flatMap((r) => r.build()).find((r) => r.action.type === 'modifyHeaders');
  assert.equal(ytStaff.action.requestHeaders[0].value, 'Moderate');
  sg.free();
});

test('DNR plan: locked lists for every group and resource type; allow entries; uncategorised = block', { skip: noPkg }, () => {
  const toml = `${pkg.defaultPolicyToml()}
[groups.reception]
preset = "eyfs"
uncategorised = "block"
allow = ["bbc.co.uk/cbeebies/", "topmarks.co.uk"]
deny = ["example-games.com"]
`;
  const iwf = pkg.compileLists([{ name: 'iwf', category: 'child-abuse', format: 'domains', text: 'abuse.example\n' }]);
  const sg = pkg.Schoolgate.fromPolicy(toml, [iwf.bytes]);
  const src = [...sources(), { key: 'iwf', category: 'child-abuse', format: 'domains', text: () => 'abuse.example\n' }];
  const plan = planRules({ pkg, sg, policyToml: toml, group: 'reception', atMs: WED_10, sources: src, blockPage: 'chrome-extension://x/blocked.html' });
  const built = plan.rules.flatMap((r) => r.build());
  const locked = built.filter((r) => r.condition.requestDomains?.includes('abuse.example'));
  assert.equal(locked.length, 2);
  assert.ok(locked.every((r) => r.priority === PRIORITY.locked));
  assert.ok(locked.some((r) => r.action.type === 'block' && r.condition.resourceTypes.includes('image')));
  const allowDomain = built.find((r) => r.action.type === 'allow' && r.condition.requestDomains?.includes('topmarks.co.uk'));
  assert.equal(allowDomain.priority, PRIORITY.allowEntry);
  const allowPrefix = built.find((r) => r.action.type === 'allow' && r.condition.regexFilter?.includes('cbeebies'));
  assert.ok(new RegExp(allowPrefix.condition.regexFilter).test('https://bbc.co.uk/cbeebies/games'));
  assert.ok(built.some((r) => r.condition.requestDomains?.includes('example-games.com') && r.action.type === 'redirect'));
  const catchAll = built.find((r) => r.priority === PRIORITY.catchAll);
  assert.equal(catchAll.action.type, 'redirect');
  // The catch-all is below every allow rule and every block rule.
  assert.ok(PRIORITY.catchAll < PRIORITY.allowedCategory && PRIORITY.allowedCategory < PRIORITY.block);
  // The probe agrees with the engine for a listed site.
  const probe = probeCategories(pkg, toml, 'reception', ['games', 'gambling'], WED_10);
  assert.ok(probe.blocked.has('games') && probe.blocked.has('gambling') && probe.uncategorisedBlocked);
  sg.free();
});

test('DNR plan: harmful categories block their images, media and objects in other pages too; allow entries let them through', { skip: noPkg }, () => {
  const toml = `${pkg.defaultPolicyToml()}
[groups.year5]
preset = "ks2"
allow = ["allowed-bet.example"]
`;
  const extra = { key: 'extra', category: 'gambling', format: 'domains', text: () => 'allowed-bet.example\n' };
  const sg = pkg.Schoolgate.fromPolicy(toml, [pkg.compileLists([{ name: 'extra', category: 'gambling', format: 'domains', text: 'allowed-bet.example\n' }]).bytes]);
  const plan = planRules({ pkg, sg, policyToml: toml, group: 'year5', atMs: WED_10, sources: [...sources(), extra], blockPage: 'chrome-extension://x/blocked.html' });
  const built = plan.rules.flatMap((r) => r.build());
  const embeddedBlock = (domain) => built.find((r) => r.action.type === 'block' && r.condition.requestDomains?.includes(domain) && r.condition.resourceTypes.includes('image'));
  for (const l of pkg.builtinLists()) {
    const first = readListForDnr(l.text, 'auto').domains[0];
    const rule = embeddedBlock(first);
    if (HARMFUL_CATEGORIES.includes(l.category) && plan.blockedCategories.includes(l.category)) {
      assert.ok(rule, `${l.category}: ${first}'s images are blocked`);
      assert.deepEqual(rule.condition.resourceTypes, ['image', 'media', 'object']);
      assert.equal(rule.priority, PRIORITY.block);
    } else {
      assert.equal(rule, undefined, `${l.category}: only its pages are blocked (${first})`);
    }
  }
  assert.ok(HARMFUL_CATEGORIES.every((c) => ['pornography', 'violence', 'self-harm', 'extremism', 'gambling', 'drugs', 'hate-speech', 'discrimination'].includes(c)));
  assert.ok(['pornography', 'gambling', 'self-harm', 'violence', 'drugs', 'extremism'].every((c) => plan.blockedCategories.includes(c)));
  // The group's own allow entry wins over the category for embedded resources too, as it does for pages.
  const allow = built.find((r) => r.action.type === 'allow' && r.condition.requestDomains?.includes('allowed-bet.example'));
  assert.ok(allow.priority > PRIORITY.block && allow.condition.resourceTypes.includes('image') && allow.condition.resourceTypes.includes('media'));
  // Staff: self-harm is open to them, so its images are too; gambling stays blocked.
  const staff = planRules({ pkg, sg, policyToml: toml, group: 'staff', atMs: WED_10, sources: sources(), blockPage: 'chrome-extension://x/blocked.html' });
  const staffBuilt = staff.rules.flatMap((r) => r.build());
  const selfHarm = readListForDnr(pkg.builtinLists().find((l) => l.category === 'self-harm').text, 'auto').domains[0];
  assert.ok(!staffBuilt.some((r) => r.condition.requestDomains?.includes(selfHarm)));
  assert.ok(staffBuilt.some((r) => r.action.type === 'block' && r.condition.requestDomains?.includes('bet365.com')));
  sg.free();
});

test('DNR apply: only rules whose signature changed are touched', async () => {
  const calls = [];
  const dnr = { updateDynamicRules: async (u) => calls.push(u) };
  const rule = (key, sig) => ({ key, sig, build: () => [{ priority: 1, action: { type: 'block' }, condition: { urlFilter: key } }] });
  const first = await applyPlan(dnr, { rules: [rule('a', '1'), rule('b', '1')] }, {});
  assert.equal(first.added, 2);
  const second = await applyPlan(dnr, { rules: [rule('a', '1'), rule('b', '2'), rule('c', '1')] }, first.index);
  assert.deepEqual(calls[1].removeRuleIds, first.index.b.ids);
  assert.equal(calls[1].addRules.length, 2);
  assert.deepEqual(second.index.a, first.index.a);
  // No id is reused in the same update that removes it.
  const removed = new Set(calls[1].removeRuleIds);
  assert.ok(calls[1].addRules.every((r) => !removed.has(r.id)));
  const third = await applyPlan(dnr, { rules: [rule('a', '1')] }, second.index);
  assert.equal(third.added, 0);
  assert.equal(calls.length, 3);
  assert.equal(calls[2].removeRuleIds.length, 2);
  const none = await applyPlan(dnr, { rules: [rule('a', '1')] }, third.index);
  assert.equal(calls.length, 3, 'nothing to do: no call');
  assert.equal(none.added + none.removed, 0);
});

test('builtin-rules.js: an engine seeded with it judges every built-in entry as one that compiled its own lists', { skip: noPkg }, async () => {
  const { BUILTIN_RULES_BASE64 } = await import('../../extension/builtin-rules.js');
  const seeded = new Uint8Array(Buffer.from(BUILTIN_RULES_BASE64, 'base64'));
  // Two fresh instances of the package (a module URL of its own each): one seeded, one not.
  const fresh = async (tag) => {
    const p = await import(`${pathToFileURL(PKG).href}?${tag}`);
    p.initSync({ module: readFileSync(join(ROOT, 'extension', 'pkg', 'schoolgate_bg.wasm')) });
    return p;
  };
  const [withSeed, compiling] = [await fresh('seeded'), await fresh('compiling')];
  assert.equal(withSeed.seedBuiltinLists(seeded), true);
  assert.equal(withSeed.seedBuiltinLists(seeded), false, 'only the first seed takes');
  const [a, b] = [new withSeed.Schoolgate(), new compiling.Schoolgate()];
  let entries = 0;
  for (const list of compiling.builtinLists()) {
    for (const { key } of compiling.parseList(list.file, list.text, 'domains').entries) {
      const url = `https://www.${key}/`;
      assert.deepEqual(a.classify(url, 'ks2', WED_10), b.classify(url, 'ks2', WED_10), url);
      entries += 1;
    }
  }
  assert.ok(entries > 700, `${entries} entries`);
  // A ruleset of anything but built-in lists is refused, as are damaged bytes.
  const school = compiling.compileLists([{ name: 'school/games.txt', category: 'games', text: 'example.com\n' }]).bytes;
  assert.throws(() => compiling.seedBuiltinLists(school), /cannot seed the built-in lists: not the built-in lists: it holds entries from `school\/games.txt`/);
  assert.throws(() => compiling.seedBuiltinLists(seeded.subarray(0, 100)), /cannot seed the built-in lists: /);
});

test('docs: no page tells staff to click the toolbar button to open the staff page (it files a safeguarding report)', () => {
  const files = ['README.md', 'extension/README.md', 'tests/extension/README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const wrong = [];
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8').replace(/\s+/g, ' ');
    for (const sentence of text.split(/(?<=[.;:])\s/)) {
      if (!/staff page/i.test(sentence)) continue;
      // "click the (Schoolgate) toolbar icon/button", unless it is "right-click" or "do not click".
      const clicks = [...sentence.matchAll(/(right-|not )?click(?:ing)? (?:on )?the (?:schoolgate )?(?:toolbar|extension) (?:icon|button)/gi)];
      if (clicks.some((m) => !m[1])) wrong.push(`${file}: ${sentence.trim().slice(0, 160)}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('managed configuration: group and category ids follow the core\'s rule (1-40 of a-z 0-9 - _, from a letter, not reserved)', () => {
  assert.equal(readManaged({ group: 'year_6' }).config.group, 'year_6');
  for (const group of ['any', 'safeguarding-education', `y${'a'.repeat(40)}`, '6th', 'Year6']) {
    assert.deepEqual(readManaged({ group }).invalid, ['group'], group);
  }
  const list = (category) => readManaged({ lists: [{ url: 'https://lists.example/a.txt', category }] });
  assert.equal(list('my_blocklist').config.lists.length, 1);
  assert.deepEqual(list('any').invalid, ['lists']);
});

test('block pages have words for every built-in category, in every language; KS2 reasons exist', { skip: noPkg }, async () => {
  const { KS2_REASONS } = await import('../../shared-ui/ui/interstitial.js');
  // The engine's own categories beside the built-in lists: raw IP addresses and search-only ones.
  const categories = new Set([...pkg.builtinLists().map((l) => l.category), 'ip-address', 'grooming']);
  // Every language folder (the folder also holds its README).
  for (const locale of readdirSync(join(ROOT, 'shared-ui', '_locales'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
    const messages = JSON.parse(readFileSync(join(ROOT, 'shared-ui', '_locales', locale, 'messages.json'), 'utf8'));
    for (const id of categories) assert.ok(messages[`cat_${id.replace(/-/g, '_')}`], `${locale}: cat_${id}`);
    for (const id of KS2_REASONS) assert.ok(messages[`ks2_reason_${id.replace(/-/g, '_')}`], `${locale}: ks2_reason_${id}`);
  }
  for (const id of ['ai-chatbots', 'ip-address']) assert.ok(KS2_REASONS.has(id), `KS2 pupils are told why ${id} is blocked`);
});
