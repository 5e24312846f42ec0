// Where a pupil or an adult can get help outside school, as links and lines for the pages that
// offer it: Childline (KS2 block pages, the support page, the KS2 cover) and CEOP's reporting
// page, the "Click CEOP" button of the National Crime Agency's child protection command (KS2
// block pages, the KS2 cover, the adult's form). EYFS and KS1 pages offer neither: the youngest
// are pointed to the grown-ups around them (docs/block-pages.md says why).
//
// These destinations must always open on a pupil's device: tests/js/support-sites.test.mjs checks
// that the built-in policy allows them for every group.

import { el } from './interstitial.js';
import { icon } from './art.js';
import { t } from './i18n.js';

/** CEOP's reporting page: where the "Click CEOP" button leads. */
export const CEOP_REPORT_URL = 'https://www.ceop.police.uk/CEOP-Reporting/';

/** Childline's website (its phone line is 0800 1111). */
export const CHILDLINE_URL = 'https://www.childline.org.uk/';

/**
 * The "Report to CEOP" link-button; opens CEOP's reporting page in a new tab. Its accessible name
 * starts with the words it shows.
 * @param {Document} doc
 * @param {object} messages
 */
export function ceopLink(doc, messages) {
  return el(doc, 'a', {
    class: 'sg-btn sg-btn-ceop',
    href: CEOP_REPORT_URL,
    target: '_blank',
    rel: 'noopener noreferrer',
    'data-link': 'ceop',
    'aria-label': t(messages, 'ceop_link_label'),
  }, icon(doc, 'shield'), el(doc, 'span', { text: t(messages, 'ceop_link') }));
}

/**
 * "Childline: 0800 1111. Free, any time, about anything." with the number as a `tel:` link.
 * @param {Document} doc
 * @param {object} messages
 */
export function childlineLine(doc, messages) {
  const m = (key) => t(messages, key);
  return el(doc, 'p', { class: 'sg-childline' },
    icon(doc, 'phone'),
    el(doc, 'span', { text: `${m('childline_name')} ` }),
    // Left to right inside Urdu and Arabic too: unisolated, the two groups of digits of
    // "0800 1111" swap places in a right-to-left line.
    el(doc, 'a', { href: 'tel:08001111', class: 'sg-phone', dir: 'ltr', text: m('childline_number') }),
    el(doc, 'span', { class: 'sg-childline-note', text: ` ${m('childline_free')}` }));
}

/**
 * The KS2 pages' help box: what CEOP is for, the "Report to CEOP" button and Childline.
 * @param {Document} doc
 * @param {object} messages
 * @param {{childline?: boolean}} [options] `childline: false` where the page already shows it
 */
export function ks2Help(doc, messages, { childline = true } = {}) {
  // One help box per page, so one fixed id.
  return el(doc, 'section', { class: 'sg-help', 'aria-labelledby': 'sg-help-title', 'data-help-box': 'ks2' },
    el(doc, 'h2', { class: 'sg-help-title', id: 'sg-help-title', text: t(messages, 'ks2_help_title') }),
    el(doc, 'p', { text: t(messages, 'ceop_why') }),
    el(doc, 'div', { class: 'sg-help-links' }, ceopLink(doc, messages), childline ? childlineLine(doc, messages) : null));
}
