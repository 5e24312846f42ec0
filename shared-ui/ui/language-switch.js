// The language switch on the block page and the cover, for the adult helping a pupil who reads
// another language better: a small select listing every language in its own name. Choosing one
// changes the words on this page only; it is never saved and never reaches the worker, so it
// cannot change policy or what any other page shows. Built with createElement/textContent.

import { LOCALES, localeInfo, t } from './i18n.js';

/**
 * A `<label>` with its `<select>`, set to `current`; `onChange(localeId)` when another is chosen.
 * @param {Document} doc
 * @param {{current: string, messages: object, onChange: (locale: string) => void}} o
 * @returns {HTMLElement}
 */
export function languageSwitch(doc, { current, messages, onChange }) {
  const box = doc.createElement('div');
  box.className = 'sg-language';
  const label = doc.createElement('label');
  label.htmlFor = 'sg-language-select';
  label.textContent = t(messages, 'language_label');
  const select = doc.createElement('select');
  select.id = 'sg-language-select';
  for (const l of LOCALES) {
    const option = doc.createElement('option');
    option.value = l.id;
    option.lang = l.lang;
    option.dir = l.dir;
    option.textContent = l.name;
    option.selected = l.id === localeInfo(current).id;
    select.append(option);
  }
  select.addEventListener('change', () => onChange(select.value));
  box.append(label, select);
  return box;
}
