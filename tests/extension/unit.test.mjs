// The extension's pure modules, in Node (no browser): the managed configuration reader, the
// message guard, the list reader and the DNR rule planner (with the real wasm engine).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { ROOT } from './helpers.mjs';
import { skipOrFail } from '../ci.mjs';
import { readManaged, configKey, engineConfig } from '../../extension/sw/config.js';
import { admit, senderKind } from '../../extension/sw/messages.js';
import { readListForDnr, readPolicyEntries, cleanHost } from '../../extension/sw/listdomains.js';
import { planRules, applyPlan, PRIORITY, probeCategories, THUMBNAIL_MARK } from '../../extension/sw/dnr.js';
import { readPageAddress } from '../../extension/page-address.js';

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
    staffUnlockCodeHash: 'AB'.repeat(32),
    locale: 'fr',
    schoolName: 'St Mary\'s',
    surprise: true,
  });
  assert.equal(empty, false);
  assert.equal(config.group, 'ks1');
  assert.equal(config.staffUnlockCodeHash, 'ab'.repeat(32));
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
  // The same configuration in another key order is the same configuration.
  assert.equal(configKey(engineConfig({ group: 'a', lists: [] })), configKey(engineConfig({ lists: [], group: 'a' })));
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
