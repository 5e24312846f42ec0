// Messages in Chrome's `_locales/<locale>/messages.json` format, loaded by fetch so that the same
// code works in the extension's pages and on the demo page, and so that a page can show a
// language other than the browser's (pupils with English as an additional language).
//
// Both `extension/` and the demo's `www/` hold `ui/` and `_locales/` side by side, so
// `../_locales/` relative to this module is right in both.

/**
 * Languages the pupils' pages are written in, each named in its own words (the language switch
 * lists them so). `id` is the `_locales` folder name, `lang` the BCP 47 tag pages carry, `dir`
 * the writing direction. Common first languages of EAL pupils in English primary schools;
 * Punjabi is written in Gurmukhi (what most UK Punjabi readers learn), Portuguese as in Portugal.
 * Every translation but English is machine-quality until a native speaker reviews it
 * (shared-ui/_locales/README.md).
 */
export const LOCALES = Object.freeze([
  { id: 'en_GB', name: 'English', lang: 'en-GB', dir: 'ltr' },
  { id: 'pl', name: 'Polski', lang: 'pl', dir: 'ltr' },
  { id: 'ro', name: 'Română', lang: 'ro', dir: 'ltr' },
  { id: 'ur', name: 'اردو', lang: 'ur', dir: 'rtl' },
  { id: 'pa', name: 'ਪੰਜਾਬੀ', lang: 'pa-Guru', dir: 'ltr' },
  { id: 'bn', name: 'বাংলা', lang: 'bn', dir: 'ltr' },
  { id: 'ar', name: 'العربية', lang: 'ar', dir: 'rtl' },
  { id: 'pt_PT', name: 'Português', lang: 'pt-PT', dir: 'ltr' },
  { id: 'es', name: 'Español', lang: 'es', dir: 'ltr' },
  { id: 'lt', name: 'Lietuvių', lang: 'lt', dir: 'ltr' },
  { id: 'so', name: 'Soomaali', lang: 'so', dir: 'ltr' },
  { id: 'uk', name: 'Українська', lang: 'uk', dir: 'ltr' },
  { id: 'tr', name: 'Türkçe', lang: 'tr', dir: 'ltr' },
].map((l) => Object.freeze(l)));

export const DEFAULT_LOCALE = 'en_GB';

const cache = new Map();

/** The locale record for an id (`en_GB`, `pl`, …), falling back to English. */
export function localeInfo(id) {
  return LOCALES.find((l) => l.id === id) ?? LOCALES[0];
}

/**
 * The best supported locale for a list of BCP 47 tags (e.g. `navigator.languages`).
 * @param {readonly string[]} [tags]
 */
export function pickLocale(tags = []) {
  for (const tag of tags) {
    const lower = String(tag).toLowerCase().replace(/_/g, '-');
    const hit = LOCALES.find((l) => l.lang.toLowerCase() === lower || l.id.toLowerCase().replace(/_/g, '-') === lower)
      ?? LOCALES.find((l) => l.lang.toLowerCase().split('-')[0] === lower.split('-')[0]);
    if (hit) return hit.id;
  }
  return DEFAULT_LOCALE;
}

/**
 * The locale of the browser's own interface (`chrome.i18n.getUILanguage()`, what a managed
 * Chromebook's user chose in its settings), then the page's languages; English when none is
 * supported. The demo page, outside the extension, has only the latter.
 */
export function browserLocale() {
  const ui = globalThis.chrome?.i18n?.getUILanguage?.();
  return pickLocale([ui, ...(globalThis.navigator?.languages ?? [])].filter(Boolean));
}

/** Whether `id` is a `_locales` folder this UI has (`en_GB`, `pl`, …). */
export function isLocale(id) {
  return LOCALES.some((l) => l.id === id);
}

/**
 * Puts a locale's language and direction on a document's root, so the browser lays the page
 * out right to left for Urdu and Arabic (the styles use logical properties) and reads it aloud
 * in the right voice.
 * @param {Document} doc
 * @param {string} locale
 */
export function applyLocale(doc, locale) {
  const info = localeInfo(locale);
  doc.documentElement.lang = info.lang;
  doc.documentElement.dir = info.dir;
  return info;
}

async function fetchLocale(id, base) {
  const url = new URL(`${id}/messages.json`, base).href;
  if (!cache.has(url)) {
    cache.set(url, fetch(url).then((r) => {
      if (!r.ok) throw new Error(`cannot load ${url}: HTTP ${r.status}`);
      return r.json();
    }));
  }
  return cache.get(url);
}

/**
 * Loads the messages for `locale`, with English underneath for any key a translation lacks.
 * @param {string} locale a `_locales` folder name
 * @param {string|URL} [base] the `_locales/` folder URL
 * @returns {Promise<Record<string, {message: string, placeholders?: object}>>}
 */
export async function loadMessages(locale = DEFAULT_LOCALE, base = new URL('../_locales/', import.meta.url)) {
  const english = await fetchLocale(DEFAULT_LOCALE, base);
  const id = localeInfo(locale).id;
  if (id === DEFAULT_LOCALE) return english;
  const other = await fetchLocale(id, base).catch(() => ({}));
  return { ...english, ...other };
}

/**
 * One message, as `chrome.i18n.getMessage` would give it: `$NAME$` placeholders filled from their
 * `content` (`$1`…`$9` refer to `subs`), `$$` for a dollar sign. An unknown key gives `''`.
 * @param {object} messages from `loadMessages`
 * @param {string} key
 * @param {string|string[]} [subs]
 */
export function t(messages, key, subs = []) {
  const entry = messages?.[key];
  if (!entry || typeof entry.message !== 'string') return '';
  const list = Array.isArray(subs) ? subs : [subs];
  const placeholders = {};
  for (const [name, p] of Object.entries(entry.placeholders ?? {})) {
    placeholders[name.toLowerCase()] = String(p?.content ?? '');
  }
  const positional = (text) => text.replace(/\$(\d)/g, (_, n) => String(list[Number(n) - 1] ?? ''));
  return entry.message.replace(/\$\$|\$([A-Za-z0-9_@]+)\$|\$(\d)/g, (whole, name, n) => {
    if (whole === '$$') return '$';
    if (name !== undefined) return positional(placeholders[name.toLowerCase()] ?? '');
    return String(list[Number(n) - 1] ?? '');
  });
}
