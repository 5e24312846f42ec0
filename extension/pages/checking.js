// "Checking…": where a navigation waits when the filter cannot decide it yet — in the moment
// after the service worker wakes, before the school's policy has loaded, or while the engine
// cannot start at all. The page asks the worker until it can answer, then goes on to the page
// or to the block page. It never lets the page load undecided. Calm and picture-led: the owl and
// three dots say "wait" without words a four-year-old must read.

import { owl } from '../ui/art.js';
import { loadMessages, browserLocale, applyLocale, t } from '../ui/i18n.js';
import { readPageAddress, ask } from './page-address.js';

const { params, url } = readPageAddress(location.href);
document.documentElement.dataset.why = params.get('why') ?? '';

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

async function render() {
  const locale = browserLocale();
  const messages = await loadMessages(locale).catch(() => ({}));
  const say = (key, fallback) => t(messages, key) || fallback;
  const info = applyLocale(document, locale);
  const status = el('p', { class: 'sg-say', role: 'status', 'aria-live': 'polite', text: say('ext_checking_text', 'Checking this page…') });
  const back = el('button', { type: 'button', class: 'sg-btn sg-btn-secondary', 'data-action': 'back' }, el('span', { text: say('go_back', 'Go back') }));
  back.addEventListener('click', () => (history.length > 1 ? history.back() : window.close()));
  const page = el('main', { class: 'sg-page sg-young sg-checking', lang: info.lang, dir: info.dir },
    el('div', { class: 'sg-card' },
      el('div', { class: 'sg-hero' }, owl(document, { mood: 'calm', label: say('owl_calm', 'Pip the owl, waving hello') })),
      el('h1', { class: 'sg-title', text: say('ext_checking_title', 'Just a moment') }),
      el('div', { class: 'sg-dots', 'aria-hidden': 'true' }, el('span'), el('span'), el('span')),
      status,
      el('div', { class: 'sg-actions' }, back)));
  // In a frame (a web page's frame held here): no button a framing page could trick a pupil into.
  if (window.top !== window) back.remove();
  document.getElementById('sg-root').replaceChildren(page);
  document.title = say('ext_checking_title', 'Just a moment');
  return { status, say };
}

async function main() {
  const ui = await render();
  document.documentElement.dataset.ready = 'true';
  if (!url) return;
  const started = Date.now();
  for (;;) {
    let answer = null;
    try {
      answer = await ask({ type: 'judge', url }, 10_000);
    } catch {
      answer = null;
    }
    const own = chrome.runtime.getURL('blocked.html');
    const safe = answer?.action === 'allow' ? /^https?:\/\//i.test(answer.target ?? '') : String(answer?.target ?? '').startsWith(own);
    if ((answer?.action === 'allow' || answer?.action === 'block') && safe) {
      document.documentElement.dataset.decided = answer.action;
      location.replace(answer.target);
      return;
    }
    if (Date.now() - started > 8_000) ui.status.textContent = ui.say('ext_checking_slow', 'This is taking a little while. You can wait here, or go back.');
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

main();
