// The block page. It reads what to show from its own address's fragment (see blockdata.js).
// `demo: true` (the demo page's gallery) turns "Go back" into a note instead of navigating the
// page that hosts it.
//
// Another script may call `showBlockPage(data)` instead, for example after reading the data from
// extension storage; the fragment is then not needed.

import { renderInterstitial } from './interstitial.js';
import { loadMessages, pickLocale, t } from './i18n.js';
import { readFragment } from './blockdata.js';

/** Renders the block page for `data` into this document. */
export async function showBlockPage(data, { root = document.getElementById('sg-root') } = {}) {
  const locale = data?.locale ?? pickLocale(navigator.languages);
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
  document.documentElement.lang = root.firstElementChild?.getAttribute('lang') ?? 'en-GB';
  document.documentElement.dataset.ready = 'true';
  return shown;
}

const fromFragment = readFragment(location.hash);
if (fromFragment) {
  showBlockPage(fromFragment);
  addEventListener('hashchange', () => {
    const data = readFragment(location.hash);
    if (data) showBlockPage(data);
  });
}
