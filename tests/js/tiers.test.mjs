// The block page's four designs ("tiers") in Node, against the real package: every group's tier
// comes from the preset the core gives it (a school's own groups too), the "Hear it" voice
// matches the page's language, and the help destinations the KS2 pages, the cover and the adult's
// form link to (CEOP, Childline, ThinkUKnow) open for every group on the built-in policy.
// The pages themselves are checked in real Chromium: tests/extension/a11y-tiers.test.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { schoolgate } from './helpers.mjs';
import { tierFor, audienceFor } from '../../shared-ui/ui/interstitial.js';
import { pickVoice } from '../../shared-ui/ui/speech.js';
import { CEOP_REPORT_URL, CHILDLINE_URL } from '../../shared-ui/ui/help.js';

const { Schoolgate, coreFacts } = schoolgate;
const WEDNESDAY_MORNING = Date.UTC(2026, 10, 25, 10, 0);

test('tiers: every preset the core knows has its own page design', () => {
  const presets = coreFacts().presets;
  assert.ok(presets.length >= 4);
  const tiers = presets.map((preset) => tierFor({ name: `a ${preset} group`, preset, staff: preset === 'staff' }));
  assert.deepEqual(tiers, presets, 'a preset without a design of its own would get another\'s page');
});

test('tiers: each built-in group gets its preset\'s page', () => {
  const groups = new Schoolgate().groups();
  assert.deepEqual(groups.map((g) => [g.name, tierFor(g)]).sort(), [['eyfs', 'eyfs'], ['ks1', 'ks1'], ['ks2', 'ks2'], ['staff', 'staff']]);
  assert.deepEqual(groups.map((g) => [g.name, audienceFor(g)]).sort(), [['eyfs', 'young'], ['ks1', 'young'], ['ks2', 'junior'], ['staff', 'staff']]);
});

test('tiers: a school\'s own groups get the page of the preset the core says they start from', () => {
  const sg = Schoolgate.fromPolicy(`
[school]
name = "Oak Hill Primary"

[groups.reception]
preset = "eyfs"

[groups.year2]
preset = "ks1"

[groups.year6]
preset = "ks2"

[groups.teachers]
preset = "staff"

[groups.office]
preset = "staff"
staff = false
`, []);
  const tiers = Object.fromEntries(sg.groups().map((g) => [g.name, tierFor(g)]));
  assert.equal(tiers.reception, 'eyfs');
  assert.equal(tiers.year2, 'ks1');
  assert.equal(tiers.year6, 'ks2');
  assert.equal(tiers.teachers, 'staff');
  assert.equal(tiers.office, 'ks2', 'a group the policy made not staff never gets the staff details');
  // The group's preset decides, not its name: a group called "staff" that is a KS1 class is KS1.
  assert.equal(tierFor({ name: 'staff', preset: 'ks1', staff: false }), 'ks1');
  assert.equal(tierFor({ name: 'ks1', preset: 'eyfs', staff: false }), 'eyfs');
  assert.equal(tierFor({ name: 'somebody' }), 'ks2', 'an unknown group gets the KS2 page');
});

test('"Hear it" speaks with a voice of the page\'s language when the browser has one, else the default', () => {
  const voices = [
    { name: 'US', lang: 'en-US', localService: true },
    { name: 'UK remote', lang: 'en-GB', localService: false },
    { name: 'UK', lang: 'en-GB', localService: true },
    { name: 'Polish', lang: 'pl_PL', localService: true },
    { name: 'Arabic', lang: 'ar-SA', localService: true, default: true },
  ];
  assert.equal(pickVoice(voices, 'en-GB')?.name, 'UK', 'the exact language, a local voice first');
  assert.equal(pickVoice(voices, 'pl')?.name, 'Polish', 'the same language with any region (and Android\'s pl_PL)');
  assert.equal(pickVoice(voices, 'en-AU')?.name, 'US', 'the same language when no voice has the region');
  assert.equal(pickVoice(voices, 'ar')?.name, 'Arabic');
  assert.equal(pickVoice(voices, 'cy'), null, 'no Welsh voice: the browser\'s default speaks');
  assert.equal(pickVoice([], 'en-GB'), null);
  assert.equal(pickVoice(voices, ''), null);
});

test('the help destinations open for every group on the built-in policy (CEOP, Childline, ThinkUKnow)', () => {
  assert.equal(CEOP_REPORT_URL, 'https://www.ceop.police.uk/CEOP-Reporting/', 'the Click CEOP button\'s official destination');
  const sg = new Schoolgate();
  const destinations = [CEOP_REPORT_URL, 'https://ceop.police.uk/', CHILDLINE_URL, 'https://www.childline.org.uk/get-support/', 'https://www.thinkuknow.co.uk/', 'https://www.thinkuknow.co.uk/4_7/'];
  for (const group of sg.groups()) {
    for (const url of destinations) {
      const v = sg.classify(url, group.name, WEDNESDAY_MORNING);
      assert.equal(v.action, 'allow', `${url} for ${group.name}: ${v.reason}`);
    }
  }
});
