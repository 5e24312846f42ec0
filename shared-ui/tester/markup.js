// The policy tester's markup, written once for the demo page and the staff page (each page has an
// empty `<section id="tester">` and its own examples). Built with createElement and textContent,
// like every page here; `tester.js` then finds its fields by id.

import { h, fill } from './dom.js';

/**
 * Fills `section` with the tester: its heading, the policy in use, the form, the examples to try,
 * and the places the results go.
 * @param {HTMLElement} section the page's `<section id="tester">`
 * @param {{examples: {label: string, query: string}[]}} options `query`: the address's query string (`?q=…`)
 */
export function renderTesterMarkup(section, { examples }) {
  const radio = (value, label, checked = false) => h('label', {}, h('input', { type: 'radio', name: 'as', value, checked }), ` ${label}`);
  return fill(section,
    h('h2', { id: 'tester-title', text: 'Policy tester' }),
    h('div', { id: 'policy-in-use', class: 'policy-in-use' }),
    h('form', { id: 'tester-form', novalidate: true },
      h('fieldset', { id: 'tester-fields', class: 'plain', disabled: true },
        h('legend', { class: 'visually-hidden', text: 'Test a web address or a search' }),
        h('div', { class: 'field field-q' },
          h('label', { for: 'q', text: 'Web address or search words' }),
          h('p', { class: 'hint', id: 'q-hint' }, 'For example ', h('code', { text: 'bet365.com' }), ', ',
            h('code', { text: 'https://www-bbc-co-uk.translate.goog/bitesize' }), ' or ', h('code', { text: 'how do volcanoes work' }), '.'),
          h('div', { class: 'q-row' },
            h('input', { id: 'q', name: 'q', type: 'text', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', 'aria-describedby': 'q-hint', enterkeyhint: 'go' }),
            h('button', { type: 'submit', id: 'test-button', class: 'button-primary', text: 'Test' }))),
        h('div', { class: 'form-row' },
          h('fieldset', { class: 'field radios' },
            h('legend', { text: 'Test it as' }),
            h('div', { class: 'radio-list' }, radio('auto', 'Work it out', true), radio('url', 'A web address'), radio('search', 'Search words'))),
          h('div', { class: 'field', id: 'engine-field', dataset: { active: 'false' } },
            h('label', { for: 'engine', text: 'Search engine (for search words)' }),
            h('select', { id: 'engine', name: 'engine' })),
          h('div', { class: 'field' },
            h('label', { for: 'at', text: 'Day and time, school time' }),
            h('p', { class: 'hint', id: 'at-hint', text: 'Leave it empty to test now.' }),
            h('div', { class: 'inline' },
              h('input', { id: 'at', name: 'at', type: 'datetime-local', step: '60', 'aria-describedby': 'at-hint' }),
              h('button', { type: 'button', id: 'at-now', class: 'button-secondary', text: 'Now' })))))),
    h('nav', { id: 'examples', class: 'examples', 'aria-label': 'Examples to try' },
      h('h3', { class: 'examples-title', text: 'Try' }),
      h('ul', {}, examples.map(({ label, query }) => h('li', {}, h('a', { href: `${query}#tester`, text: label }))))),
    h('p', { id: 'results-summary', class: 'results-summary', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' }),
    h('div', { id: 'results', class: 'results' }));
}
