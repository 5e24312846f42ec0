// The first-run notice (sw/events.js opens it once, when blocks start going to the school's hub):
// in words for the pupil's age, the school can see what is blocked. `?age=eyfs|ks1|ks2`, and
// `&visits=1` when the school also logs the sites visited. Built with textContent only.

import { loadMessages, browserLocale, applyLocale, t } from '../ui/i18n.js';
import { el } from '../ui/interstitial.js';
import { owl } from '../ui/art.js';

const params = new URLSearchParams(location.search);
const young = ['eyfs', 'ks1'].includes(params.get('age'));
const locale = params.get('locale') ?? browserLocale();

async function main() {
  const messages = await loadMessages(locale);
  const m = (key) => t(messages, key);
  const info = applyLocale(document, locale);
  const age = young ? 'young' : 'junior';
  const ok = el(document, 'button', { type: 'button', class: 'sg-btn sg-btn-primary sg-btn-big', 'data-action': 'ok', onclick: () => window.close() },
    el(document, 'span', { text: m('notice_ok') }));
  const page = el(document, 'main', { class: `sg-page sg-${age} sg-notice`, lang: info.lang, dir: info.dir, 'data-audience': age },
    el(document, 'div', { class: 'sg-card' },
      el(document, 'div', { class: 'sg-hero' }, owl(document, { mood: 'kind', label: m('owl_kind') })),
      el(document, 'h1', { class: 'sg-title', text: m(`notice_title_${age}`) }),
      el(document, 'p', { class: young ? 'sg-say' : 'sg-reason', text: m(`notice_text_${age}`) }),
      params.get('visits') === '1' ? el(document, 'p', { class: young ? 'sg-say' : 'sg-reason', text: m(`notice_visits_${age}`) }) : null,
      el(document, 'div', { class: 'sg-actions' }, ok)));
  document.getElementById('sg-root').replaceChildren(page);
  document.title = m('notice_page_title');
  document.documentElement.dataset.ready = 'true';
}

main();
