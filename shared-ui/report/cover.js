// The cover a pupil sees after pressing "tell an adult", and the short form the adult fills in.
// Shared by the extension's cover page (report.html, inside the page or as the whole tab), its
// block page, and the demo page's simulated tab. Built with createElement + textContent only.
//
// The pupil's part praises and says one thing: tell a grown-up. For EYFS and KS1 it is a picture
// and can be read aloud; nothing needs reading. The adult's part is behind "For the grown-up"
// (and the staff code, when the school set one): KCSIE area, what was seen, the pupil's own
// words (with a picture scale of feelings for young pupils), what was done, escalate to the DSL.
// "Suspected child sexual abuse imagery" shows the guidance and the IWF link, and the record then
// keeps the address only. The KS2 cover and the adult's form carry "Report to CEOP" (ui/help.js);
// the EYFS and KS1 covers do not.

import { owl, tellAdult, icon } from '../ui/art.js';
import { t, localeInfo } from '../ui/i18n.js';
import { el } from '../ui/interstitial.js';
import { ceopLink, ks2Help } from '../ui/help.js';
import { speak } from '../ui/speech.js';
import { KCSIE_AREAS, CONCERN_CATEGORIES, FEELINGS, IWF_REPORT_URL } from './model.js';

// The feelings scale as drawn faces (no emoji font needed): the mouth goes from a smile to a
// frown; "upset" has a tear.
const MOUTHS = { happy: 'M8 14 Q12 18.5 16 14', okay: 'M8.5 15 Q12 16.8 15.5 15', unsure: 'M8.5 15.5 L15.5 14.5', worried: 'M8.5 16 Q12 13.8 15.5 16', upset: 'M8 17 Q12 12.5 16 17' };
const SVG_NS = 'http://www.w3.org/2000/svg';

function face(doc, feeling) {
  const make = (tag, attrs) => {
    const node = doc.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  };
  const svg = make('svg', { viewBox: '0 0 24 24', class: 'sg-face-picture', 'aria-hidden': 'true', focusable: 'false' });
  svg.append(
    make('circle', { cx: 12, cy: 12, r: 10, fill: '#ffd66b', stroke: '#1d2b3a', 'stroke-width': 1.2 }),
    make('circle', { cx: 8.8, cy: 9.5, r: 1.2, fill: '#1d2b3a' }),
    make('circle', { cx: 15.2, cy: 9.5, r: 1.2, fill: '#1d2b3a' }),
    make('path', { d: MOUTHS[feeling], fill: 'none', stroke: '#1d2b3a', 'stroke-width': 1.4, 'stroke-linecap': 'round' }));
  if (feeling === 'upset') svg.append(make('path', { d: 'M16.2 11.5 Q17.4 13.6 16.2 14.4 Q15 13.6 16.2 11.5 Z', fill: '#4a90d9' }));
  return svg;
}

/**
 * Renders the pupil's cover into `root`.
 * @param {Document} doc
 * @param {Element} root
 * @param {object} o
 * @param {'young'|'junior'|'staff'} o.audience
 * @param {object} o.messages from `loadMessages`
 * @param {string} o.locale the `_locales` id `messages` came from: the cover carries its language
 *   and direction (Urdu and Arabic right to left) wherever it is drawn
 * @param {() => void} [o.onAdult] "For the grown-up" was pressed
 * @param {boolean} [o.saved] whether the report is saved (changes the small status line)
 * @returns {{status: (text: string) => void}}
 */
export function renderCover(doc, root, { audience, messages, locale, onAdult, saved = false }) {
  const m = (k, s) => t(messages, k, s);
  const { lang, dir } = localeInfo(locale);
  const young = audience === 'young';
  const status = el(doc, 'p', { class: 'sg-cover-status', role: 'status', 'aria-live': 'polite', text: saved ? m('cover_saved') : '' });
  const speech = `${m('cover_praise')} ${m('cover_tell')}`;
  const page = el(doc, 'main', { class: `sg-page sg-cover sg-${audience}`, lang, dir, 'data-cover': 'pupil' },
    el(doc, 'div', { class: 'sg-card' },
      el(doc, 'div', { class: 'sg-hero' },
        owl(doc, { mood: 'kind', label: m('owl_kind') }),
        tellAdult(doc, { label: m('picture_tell_adult') })),
      el(doc, 'h1', { class: 'sg-title', text: m('cover_praise') }),
      el(doc, 'p', { class: young ? 'sg-say' : 'sg-reason', text: m('cover_tell') }),
      young ? null : el(doc, 'p', { class: 'sg-reason', text: m('cover_wait') }),
      el(doc, 'div', { class: 'sg-actions' },
        el(doc, 'button', {
          type: 'button',
          class: young ? 'sg-btn sg-btn-secondary sg-btn-big' : 'sg-btn sg-btn-secondary',
          'data-action': 'read-aloud',
          onclick: () => speak(doc.defaultView, speech, lang),
        }, icon(doc, 'speak'), el(doc, 'span', { text: m('read_aloud') }))),
      // KS2 (and other pupil groups of that age): Childline and "Report to CEOP".
      audience === 'junior' ? ks2Help(doc, messages) : null,
      status),
    el(doc, 'button', { type: 'button', class: 'sg-cover-adult', 'data-action': 'adult', onclick: () => onAdult?.() },
      el(doc, 'span', { text: m('cover_adult_button') })));
  root.replaceChildren(page);
  return { status: (text) => { status.textContent = text; } };
}

/**
 * Renders the adult's part: the staff code (when one is set), then the form.
 * @param {Document} doc
 * @param {Element} root
 * @param {object} o
 * @param {object} o.messages
 * @param {string} o.locale the `_locales` id `messages` came from (the form's language and direction)
 * @param {string} o.url the reported address (shown as text, never as a link)
 * @param {'young'|'junior'|'staff'} o.audience the pupil's (chooses the feelings scale)
 * @param {boolean} o.needsCode whether the staff code must be given
 * @param {(code: string) => Promise<boolean>} o.checkCode
 * @param {(record: object, code: string) => Promise<{ok: boolean, error?: string}>} o.onSubmit
 * @param {() => void} [o.onCancel] back to the pupil's cover
 */
export function renderAdultForm(doc, root, o) {
  const m = (k, s) => t(o.messages, k, s);
  let code = '';
  const { lang, dir } = localeInfo(o.locale);
  const main = el(doc, 'main', { class: 'sg-page sg-cover sg-adult', lang, dir, 'data-cover': 'adult' });
  const card = el(doc, 'div', { class: 'sg-card sg-adult-card' });
  main.append(card);
  root.replaceChildren(main);

  const showForm = () => card.replaceChildren(...adultForm(doc, o, m, () => code));
  if (!o.needsCode) {
    showForm();
    return;
  }
  const input = el(doc, 'input', { type: 'password', id: 'sg-adult-code', autocomplete: 'off', inputmode: 'numeric' });
  const note = el(doc, 'p', { role: 'alert', class: 'sg-adult-note' });
  const form = el(doc, 'form', { class: 'sg-adult-code' },
    el(doc, 'h1', { class: 'sg-title', text: m('adult_title') }),
    el(doc, 'p', { text: m('adult_code_why') }),
    el(doc, 'label', { for: 'sg-adult-code', text: m('ext_staff_code') }),
    input,
    el(doc, 'div', { class: 'sg-actions' },
      el(doc, 'button', { type: 'submit', class: 'sg-btn sg-btn-primary', text: m('adult_open') }),
      el(doc, 'button', { type: 'button', class: 'sg-btn sg-btn-secondary', text: m('adult_back'), onclick: () => o.onCancel?.() })),
    note);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const ok = await o.checkCode(input.value.trim()).catch(() => false);
    if (ok) {
      code = input.value.trim();
      showForm();
    } else {
      note.textContent = m('ext_staff_wrong');
      input.select();
    }
  });
  card.replaceChildren(form);
  input.focus();
}

function adultForm(doc, o, m, code) {
  const box = (name, value, label) => {
    const id = `sg-${name}-${value}`;
    return el(doc, 'label', { class: 'sg-check', for: id },
      el(doc, 'input', { type: 'checkbox', name, value, id }), el(doc, 'span', { text: label }));
  };
  const areas = el(doc, 'fieldset', { class: 'sg-fieldset' }, el(doc, 'legend', { text: m('adult_areas') }),
    ...KCSIE_AREAS.map((a) => box('areas', a, m(`area_${a}`))));
  const cats = el(doc, 'fieldset', { class: 'sg-fieldset sg-cats' }, el(doc, 'legend', { text: m('adult_categories') }),
    ...CONCERN_CATEGORIES.map((c) => box('categories', c, m(`concern_${c.replace(/-/g, '_')}`))));
  const guidance = el(doc, 'div', { class: 'sg-csam', role: 'alert', hidden: true },
    el(doc, 'h2', { text: m('csam_title') }),
    el(doc, 'ol', {}, ...['csam_step_1', 'csam_step_2', 'csam_step_3', 'csam_step_4'].map((k) => el(doc, 'li', { text: m(k) }))),
    el(doc, 'p', {},
      el(doc, 'a', { href: IWF_REPORT_URL, target: '_blank', rel: 'noopener noreferrer', class: 'sg-btn sg-btn-secondary', 'data-iwf': 'true', text: m('csam_iwf_link') }),
      ' ',
      el(doc, 'button', { type: 'button', class: 'sg-btn sg-btn-secondary', 'data-action': 'copy-url', text: m('csam_copy_url'),
        onclick: (e) => {
          doc.defaultView?.navigator?.clipboard?.writeText(o.url).then(() => { e.target.textContent = m('csam_copied'); }, () => {});
        } })));
  cats.addEventListener('change', () => {
    guidance.hidden = !cats.querySelector('input[value="csam"]').checked;
  });
  const feelings = el(doc, 'fieldset', { class: 'sg-fieldset sg-feelings' }, el(doc, 'legend', { text: m(o.audience === 'young' ? 'adult_feeling_young' : 'adult_feeling') }),
    ...FEELINGS.map((f) => {
      const id = `sg-feeling-${f}`;
      return el(doc, 'label', { class: 'sg-face', for: id, title: m(`feeling_${f}`) },
        el(doc, 'input', { type: 'radio', name: 'feeling', value: f, id }),
        face(doc, f),
        el(doc, 'span', { class: 'sg-face-word', text: m(`feeling_${f}`) }));
    }));
  const words = el(doc, 'textarea', { id: 'sg-words', rows: 3, maxlength: 2000 });
  const action = el(doc, 'textarea', { id: 'sg-action', rows: 2, maxlength: 2000, required: true });
  const escalate = el(doc, 'input', { type: 'checkbox', id: 'sg-escalate', checked: true });
  const note = el(doc, 'p', { role: 'alert', class: 'sg-adult-note' });
  const submit = el(doc, 'button', { type: 'submit', class: 'sg-btn sg-btn-primary', text: m('adult_submit') });
  const form = el(doc, 'form', { class: 'sg-adult-form', novalidate: true },
    el(doc, 'h1', { class: 'sg-title', text: m('adult_title') }),
    el(doc, 'p', { class: 'sg-adult-url' }, el(doc, 'span', { text: `${m('adult_reported_page')} ` }), el(doc, 'code', { text: o.url })),
    el(doc, 'p', { class: 'sg-adult-hint', text: m('adult_facts_only') }),
    el(doc, 'div', { class: 'sg-adult-ceop' }, el(doc, 'p', { text: m('ceop_adult') }), ceopLink(doc, o.messages)),
    areas, cats, guidance, feelings,
    el(doc, 'label', { for: 'sg-words', text: m('adult_words') }), words,
    el(doc, 'label', { for: 'sg-action', text: m('adult_action') }), action,
    el(doc, 'label', { class: 'sg-check', for: 'sg-escalate' }, escalate, el(doc, 'span', { text: m('adult_escalate') })),
    el(doc, 'div', { class: 'sg-actions' }, submit),
    note);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const checked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
    const record = {
      areas: checked('areas'),
      categories: checked('categories'),
      feeling: checked('feeling')[0] ?? null,
      pupilWords: words.value,
      actionTaken: action.value,
      escalateToDsl: escalate.checked,
    };
    if (!record.categories.length) {
      note.textContent = m('adult_need_category');
      return;
    }
    if (!record.actionTaken.trim()) {
      note.textContent = m('adult_need_action');
      action.focus();
      return;
    }
    submit.disabled = true;
    const result = await o.onSubmit(record, code()).catch((error) => ({ ok: false, error: String(error?.message ?? error) }));
    if (result?.ok) {
      form.replaceChildren(el(doc, 'h1', { class: 'sg-title', text: m('adult_done') }), el(doc, 'p', { text: m('adult_done_next') }));
      form.dataset.done = 'true';
    } else {
      submit.disabled = false;
      note.textContent = `${m('adult_failed')} ${result?.error ?? ''}`.trim();
    }
  });
  return [form];
}
