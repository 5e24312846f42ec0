// Messages in Chrome's `_locales/<locale>/messages.json` format, loaded by fetch so that the same
// code works in the extension's pages and on the demo page, and so that a page can show a
// language other than the browser's (pupils with English as an additional language).
//
// Both `extension/` and the demo's `www/` hold `ui/` and `_locales/` side by side, so
// `../_locales/` relative to this module is right in both.

/** Languages the block pages are written in. `id` is the `_locales` folder name. */
export const LOCALES = Object.freeze([
  { id: 'en_GB', name: 'English', lang: 'en-GB', dir: 'ltr' },
  { id: 'pl', name: 'Polski', lang: 'pl', dir: 'ltr' },
]);

export const DEFAULT_LOCALE = 'en_GB';

const cache = new Map();

/** The locale record for an id (`en_GB`, `pl`), falling back to English. */
export function localeInfo(id) {
  return LOCALES.find((l) => l.id === id) ?? LOCALES[0];
}

/**
 * The best supported locale for a list of BCP 47 tags (e.g. `navigator.languages`).
 * @param {readonly string[]} [tags]
 */
export function pickLocale(tags = []) {
  for (const tag of tags) {
    const lower = String(tag).toLowerCase();
    const hit = LOCALES.find((l) => l.lang.toLowerCase() === lower)
      ?? LOCALES.find((l) => l.lang.toLowerCase().split('-')[0] === lower.split('-')[0]);
    if (hit) return hit.id;
  }
  return DEFAULT_LOCALE;
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
