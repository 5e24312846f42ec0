// The words of every page, checked in Node: every key of the English messages exists in every
// other locale (with the same placeholders), and no call site carries English text of its own
// (a translation lookup followed by `|| 'English'` would show English to a Polish pupil).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { ROOT, EXT_DIR } from './helpers.mjs';

const LOCALES_DIR = join(ROOT, 'shared-ui', '_locales');
const read = (locale) => JSON.parse(readFileSync(join(LOCALES_DIR, locale, 'messages.json'), 'utf8'));
const english = read('en_GB');
const others = readdirSync(LOCALES_DIR).filter((d) => d !== 'en_GB' && statSync(join(LOCALES_DIR, d)).isDirectory());

test('locales: there is at least one translation to check', () => {
  assert.ok(others.includes('pl'), 'the Polish translation');
});

for (const locale of others) {
  test(`locales: ${locale} has every English key, with the same placeholders`, () => {
    const messages = read(locale);
    assert.deepEqual(Object.keys(english).filter((k) => !Object.hasOwn(messages, k)), [], `keys missing from ${locale}`);
    assert.deepEqual(Object.keys(messages).filter((k) => !Object.hasOwn(english, k)), [], `keys in ${locale} that English does not have`);
    for (const [key, entry] of Object.entries(english)) {
      const theirs = messages[key];
      assert.equal(typeof theirs.message, 'string', key);
      assert.ok(theirs.message.trim() || !entry.message.trim(), `${locale}.${key} is empty`);
      const names = (e) => Object.keys(e.placeholders ?? {}).map((n) => n.toLowerCase()).sort();
      assert.deepEqual(names(theirs), names(entry), `${locale}.${key}: placeholders`);
      const used = (text) => [...text.matchAll(/\$([A-Za-z0-9_@]+)\$/g)].map((m) => m[1].toLowerCase()).sort();
      assert.deepEqual([...new Set(used(theirs.message))], [...new Set(used(entry.message))], `${locale}.${key}: placeholders used`);
    }
  });
}

/** The JavaScript the extension and the demo page ship, and the UI they share (not the build's copies). */
function sources(dir, out = []) {
  const site = dir === EXT_DIR || dir === join(ROOT, 'www');
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    // The package, and what scripts/copy-shared-ui.sh copied from shared-ui/ (read there).
    if (['pkg', 'node_modules'].includes(name) || (site && ['tester', '_locales', 'ui', 'report'].includes(name))) continue;
    if (path === join(EXT_DIR, 'results', 'find.js') || path === join(ROOT, 'www', 'results', 'find.js')) continue;
    if (statSync(path).isDirectory()) sources(path, out);
    else if (/\.m?js$/.test(name) && !['wasm-bytes.js', 'builtin-rules.js', 'core-facts.js', 'worker.js'].includes(name)) out.push(path);
  }
  return out;
}

test('locales: no call site falls back to English text of its own', () => {
  const lookup = /(\bt\([^()]*\)|\bwords\(\)\.\w+|getMessage\([^()]*\)|\bword\([^()]*\))\s*(\|\||\?\?)\s*['"`][A-Za-z]/;
  const found = [];
  for (const file of [...sources(EXT_DIR), ...sources(join(ROOT, 'www')), ...sources(join(ROOT, 'shared-ui'))]) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (lookup.test(line)) found.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});

test('locales: every _locales folder is a language the pages offer, each named in its own words, right to left only for Urdu and Arabic', async () => {
  const { LOCALES, pickLocale } = await import('../../shared-ui/ui/i18n.js');
  assert.deepEqual(LOCALES.map((l) => l.id).sort(), ['en_GB', ...others].sort());
  assert.ok(LOCALES.length >= 13, 'English and at least twelve languages');
  for (const l of LOCALES) {
    assert.equal(l.dir, ['ur', 'ar'].includes(l.id) ? 'rtl' : 'ltr', l.id);
    assert.ok(l.name && l.lang, l.id);
    // The switch names each language in that language (the same word its messages use for it
    // is not required, but never the English name of a language that is not English).
    if (l.id !== 'en_GB') assert.doesNotMatch(l.name, /^(English|Polish|Romanian|Urdu|Punjabi|Bengali|Arabic|Portuguese|Spanish|Lithuanian|Somali|Ukrainian|Turkish)$/, l.id);
  }
  // The browser's tags find the language (region and script variants included).
  const cases = { 'en-US': 'en_GB', 'ur-PK': 'ur', 'pa-IN': 'pa', 'pa-Guru': 'pa', 'pt-BR': 'pt_PT', 'pt_PT': 'pt_PT', 'uk-UA': 'uk', 'ar-EG': 'ar', 'so-SO': 'so', 'bn-BD': 'bn', 'fr-FR': 'en_GB' };
  for (const [tag, id] of Object.entries(cases)) assert.equal(pickLocale([tag]), id, tag);
});

test('locales: the README says which translations a native speaker has reviewed (none is claimed without a name and a date)', () => {
  const readme = readFileSync(join(LOCALES_DIR, 'README.md'), 'utf8');
  for (const locale of others) {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${locale}\` |`));
    assert.ok(row, `${locale} has a row in the review table`);
    const cells = row.split('|').map((c) => c.trim());
    // | id | language | quality | reviewed by | date |
    const [, , , quality, reviewer, date] = cells;
    if (/not yet reviewed/.test(quality)) assert.deepEqual([reviewer, date], ['–', '–'], locale);
    else assert.ok(reviewer && reviewer !== '–' && /^\d{4}-\d{2}-\d{2}$/.test(date), `${locale}: a review needs a reviewer and a date`);
  }
});

// What a translation may add to the English, and nothing else: the block page's "Report to CEOP"
// opens CEOP's website, which is in English, so each translation of `ceop_why` ends by saying so
// in its own words (here, one per language: a new language adds its note). A note that drifted
// ("you can write in English") would tell a pupil something the English never says.
const CEOP_SITE_IS_IN_ENGLISH = {
  ar: '(موقع CEOP باللغة الإنجليزية.)',
  bn: '(CEOP-এর ওয়েবসাইট ইংরেজিতে।)',
  es: '(La web de CEOP está en inglés)',
  lt: '(CEOP svetainė yra anglų kalba.)',
  pa: '(CEOP ਦੀ ਵੈੱਬਸਾਈਟ ਅੰਗਰੇਜ਼ੀ ਵਿੱਚ ਹੈ।)',
  pl: '(Strona CEOP jest po angielsku.)',
  pt_PT: '(O site do CEOP está em inglês.)',
  ro: '(Site-ul CEOP este în engleză.)',
  so: '(Bogga CEOP wuxuu ku qoran yahay Ingiriisi.)',
  tr: '(CEOP\'un sitesi İngilizcedir.)',
  uk: '(Сайт CEOP англійською мовою.)',
  ur: '(CEOP کی ویب سائٹ انگریزی میں ہے۔)',
};

test('locales: beyond the English, a translation of the CEOP help adds only that CEOP\'s site is in English, and Childline\'s line adds nothing', () => {
  assert.deepEqual(Object.keys(CEOP_SITE_IS_IN_ENGLISH).sort(), [...others].sort(), 'a note for every translation');
  assert.doesNotMatch(english.ceop_why.message, /\(/, 'the English needs no note');
  assert.doesNotMatch(english.childline_free.message, /\(/);
  for (const locale of others) {
    const messages = read(locale);
    const note = CEOP_SITE_IS_IN_ENGLISH[locale];
    const why = messages.ceop_why.message;
    assert.ok(why.endsWith(note) || why.endsWith(`${note}.`), `${locale}.ceop_why ends with ${note}: ${why}`);
    assert.equal(why.split('(').length, 2, `${locale}.ceop_why has one note in brackets: ${why}`);
    assert.doesNotMatch(messages.childline_free.message, /\(/, `${locale}.childline_free adds nothing to the English`);
  }
});
