// The block page's rendering, written once: the extension's block page (extension/pages/blocked.js)
// calls `showBlockPage(data)` with what its worker judged; the demo's gallery and the staff
// tester frame `preview.html`, which reads the data from its fragment (preview.js). Reading a
// fragment is only the preview's: the real block page never shows what an address says.
// `demo: true` (the gallery) turns "Go back" into a note instead of navigating the host page.

import { renderInterstitial } from './interstitial.js';
import { loadMessages, browserLocale, applyLocale, t } from './i18n.js';
import { languageSwitch } from './language-switch.js';

/**
 * Renders the block page for `data` into this document. With `data.languageSwitch`, a language
 * switch follows the page (language-switch.js): choosing renders the same verdict again in that
 * language and calls `data.onLocale(locale)`, nothing more.
 */
export async function showBlockPage(data, { root = document.getElementById('sg-root') } = {}) {
  const locale = data?.locale ?? browserLocale();
  const messages = await loadMessages(locale);
  const verdict = data?.verdict ?? { action: 'block', rule: { kind: 'unparseable', error: 'no verdict' } };
  let onAction = data?.onAction;
  if (data?.demo) {
    onAction = (action) => {
      if (action !== 'back') return false;
      const status = root.querySelector('.sg-status');
      const note = document.createElement('p');
      note.textContent = t(messages, 'demo_note', t(messages, 'demo_back'));
      status?.replaceChildren(note);
      return true;
    };
  }
  const shown = renderInterstitial(document, root, {
    group: data?.group ?? verdict.group ?? 'ks2',
    verdict,
    locale,
    messages,
    atMs: data?.atMs,
    timeZone: data?.timeZone,
    schoolName: data?.schoolName,
    monitored: data?.monitored,
    reportHref: data?.reportHref,
    onAction,
  });
  document.title = shown.title ? `${shown.title} · ${t(messages, 'page_title')}` : t(messages, 'page_title');
  applyLocale(document, locale);
  document.documentElement.dataset.locale = locale;
  if (data?.languageSwitch) {
    const old = document.getElementById('sg-language');
    const box = languageSwitch(document, {
      current: locale,
      messages,
      onChange: async (chosen) => {
        await showBlockPage({ ...data, locale: chosen }, { root });
        data.onLocale?.(chosen);
        document.getElementById('sg-language-select')?.focus();
      },
    });
    box.id = 'sg-language';
    if (old) old.replaceWith(box);
    else root.after(box);
  }
  document.documentElement.dataset.ready = 'true';
  return shown;
}
