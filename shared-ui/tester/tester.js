// The policy tester: one address or search, every group side by side, at a chosen moment.
// Its state lives in the page's address (`?q=…&as=…&engine=…&at=…`) so a teacher can share
// the link, and Back/Forward bring earlier tests back.

import { h, fill, rows, fitFrame } from './dom.js';
import { runTest, SEARCH_ENGINES, looksLikeAddress } from './engine.js';
import { toLocalInput, fromLocalInput, describe, describeLocal, localInputOf } from './time.js';
import { t } from '../ui/i18n.js';
import { toFragment } from '../ui/blockdata.js';

const DEFAULTS = { q: '', as: 'auto', engine: 'google', at: '' };

/** The tester's state from a query string. */
export function stateFromQuery(search) {
  const p = new URLSearchParams(search);
  const as = p.get('as');
  const engine = p.get('engine');
  const at = p.get('at') ?? '';
  return {
    q: p.get('q') ?? '',
    as: ['auto', 'url', 'search'].includes(as) ? as : 'auto',
    engine: SEARCH_ENGINES.some((e) => e.id === engine) ? engine : 'google',
    at: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(at) ? at : '',
  };
}

/** The query string for a state, leaving out defaults. */
export function queryFromState(state) {
  const p = new URLSearchParams();
  for (const key of ['q', 'as', 'engine', 'at']) {
    if (state[key] && state[key] !== DEFAULTS[key]) p.set(key, state[key]);
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

const RULE_WORDS = {
  locked: 'Locked illegal-content list',
  'group-deny': "The group's deny list",
  'group-allow': "The group's allow list",
  category: 'A category list and the policy',
  uncategorised: 'Not on any list: the policy for uncategorised sites',
  'non-web': 'Not a web page: the policy for non-web pages',
  unparseable: 'The address could not be read',
  'unknown-group': 'The group is not in the policy',
  search: 'The words searched for',
};

/** "Safeguarding alert for the DSL (self-harm)", "Prevent duty alert for the DSL". */
function alertWords(alerts) {
  return (alerts ?? []).map((a) => (a.kind === 'safeguarding'
    ? `Safeguarding alert for the DSL (${a.category})`
    : a.kind === 'prevent' ? 'Prevent duty alert for the DSL' : JSON.stringify(a)));
}

function groupTitle(group) {
  const short = { eyfs: 'EYFS', ks1: 'KS1', ks2: 'KS2', staff: 'Staff' }[group.name];
  return short ?? group.label ?? group.name;
}

export function setupTester(app) {
  const form = /** @type {HTMLFormElement} */ (document.getElementById('tester-form'));
  const input = /** @type {HTMLInputElement} */ (document.getElementById('q'));
  const atInput = /** @type {HTMLInputElement} */ (document.getElementById('at'));
  const engineSelect = /** @type {HTMLSelectElement} */ (document.getElementById('engine'));
  const engineField = document.getElementById('engine-field');
  const results = document.getElementById('results');
  const summary = document.getElementById('results-summary');
  const nowHint = document.getElementById('at-hint');
  let current = { ...DEFAULTS };

  for (const e of SEARCH_ENGINES) engineSelect.append(h('option', { value: e.id, text: e.name }));

  /** The "Test it as" radio buttons. */
  const asField = () => /** @type {RadioNodeList} */ (form.elements.namedItem('as'));
  const readForm = () => ({
    q: input.value.trim(),
    as: asField().value || 'auto',
    engine: engineSelect.value,
    at: atInput.value,
  });
  const writeForm = (state) => {
    input.value = state.q;
    asField().value = state.as;
    engineSelect.value = state.engine;
    atInput.value = state.at;
    showEngineField();
  };
  const showEngineField = () => {
    const q = input.value.trim();
    const as = asField().value;
    const search = as === 'search' || (as === 'auto' && q !== '' && !looksLikeAddress(q));
    engineField.dataset.active = String(search);
  };
  input.addEventListener('input', showEngineField);
  form.addEventListener('change', showEngineField);

  const updateNowHint = () => {
    const tz = app.engine?.timeZone ?? 'Europe/London';
    nowHint.textContent = `Leave it empty to test now (${describe(Date.now(), tz)}, ${tz === 'UTC' ? 'UTC' : 'UK time'}).`;
  };
  updateNowHint();
  setInterval(updateNowHint, 30_000);

  document.getElementById('at-now').addEventListener('click', () => {
    atInput.value = '';
    atInput.focus();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const state = readForm();
    if (!state.q) {
      summary.textContent = 'Type a web address or some search words first.';
      input.focus();
      return;
    }
    go(state, { push: true });
  });

  addEventListener('popstate', () => {
    const state = stateFromQuery(location.search);
    writeForm(state);
    if (state.q) go(state, { push: false });
    else clear();
  });

  // Example links are real links (they work when opened in a new tab); here they run in place.
  for (const a of /** @type {NodeListOf<HTMLAnchorElement>} */ (document.querySelectorAll('#examples a'))) {
    a.addEventListener('click', (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      const state = stateFromQuery(new URL(a.href).search);
      writeForm(state);
      go(state, { push: true });
    });
  }

  function clear() {
    current = { ...DEFAULTS };
    results.replaceChildren();
    summary.textContent = '';
  }

  function go(state, { push }) {
    current = state;
    if (push) {
      const query = queryFromState(state);
      if (query !== location.search) history.pushState(null, '', `${location.pathname}${query}#tester`);
    }
    run();
  }

  function run() {
    const engine = app.engine;
    if (!engine || !current.q) return;
    const atMs = current.at ? fromLocalInput(current.at, engine.timeZone) : Date.now();
    const started = performance.now();
    const result = runTest(engine, { text: current.q, as: current.as, engineId: current.engine, atMs });
    const took = performance.now() - started;
    render(result, atMs, took);
  }

  function render(result, atMs, took) {
    const engine = app.engine;
    const first = result.groups.find((g) => g.verdict)?.verdict;
    const searchInfo = first?.search;
    const engineName = SEARCH_ENGINES.find((e) => e.id === current.engine)?.name ?? current.engine;
    const when = current.at ? describe(atMs, engine.timeZone) : `now (${describe(atMs, engine.timeZone)})`;

    const facts = rows([
      ['Tested as', result.as === 'search' ? `a search on ${engineName}` : 'a web address'],
      ['Address tested', h('code', { class: 'url', text: result.url })],
      ['Canonical address', first?.canonical ? h('code', { class: 'url', text: first.canonical }) : (first ? 'none: the address could not be read' : null)],
      ['Page inside (unwrapped)', first?.carried ? [h('code', { class: 'url', text: first.carried.url }), ` carried by ${first.carried.via}`] : null],
      ['Imitates', first?.lookalike_of ? `${first.lookalike_of} (lookalike letters)` : null],
      ['Search site', searchInfo?.engine ? `${searchInfo.engine}${searchInfo.vertical && searchInfo.vertical !== 'web' ? ` (${searchInfo.vertical})` : ''}${searchInfo.kind === 'suggestion' ? ': suggestions as you type, judged but never blocked' : ''}` : null],
      ['Search words', searchInfo?.terms ?? result.terms],
      ['Read as', readingsText(searchInfo?.normalized ?? result.groups.find((g) => g.search)?.search?.normalized, searchInfo?.terms ?? result.terms)],
      ['When', `${when}, ${engine.timeZone === 'UTC' ? 'UTC' : 'school time'}`],
    ]);

    const notices = [];
    if (result.as === 'search' && !engine.features.judgeSearch && !searchInfo) {
      notices.push(h('p', { class: 'notice', id: 'search-unsupported' },
        h('strong', { text: 'Search words were not checked. ' }),
        'This build of the Schoolgate engine cannot judge search words yet, so only the address of the search results page was tested.'));
    }
    if (engine.custom) {
      notices.push(h('p', { class: 'notice notice-info', text: `These results use your own policy (${engine.schoolName}). A shared link opens with the built-in policy.` }));
    }

    const cards = result.groups.map((row) => groupCard(row, engine));
    fill(results,
      h('h3', { id: 'results-heading', text: `Results for “${current.q}”` }),
      ...notices,
      h('dl', { class: 'facts' }, ...facts),
      h('div', { class: 'group-grid', role: 'list' }, ...cards),
      h('p', { class: 'timing', text: `Decided for ${result.groups.length} groups in ${took.toFixed(1)} ms.` }));

    const words = result.groups.map((row) => {
      const v = row.verdict;
      const state = row.error ? 'error' : (v.action === 'block' ? 'blocked' : 'allowed');
      return `${groupTitle(row.group)} ${state}`;
    });
    summary.textContent = `${current.q}: ${words.join(', ')}.`;
  }

  function groupCard(row, engine) {
    const { group, verdict: v } = row;
    const id = `verdict-${group.name}`;
    if (row.error || !v) {
      return h('article', { class: 'verdict verdict-error', role: 'listitem', 'aria-labelledby': id, dataset: { group: group.name } },
        h('h4', { id, text: groupTitle(group) }),
        h('p', { class: 'reason', text: `The engine failed: ${row.error}` }));
    }
    const blocked = v.action === 'block';
    const rule = v.rule ?? {};
    const messages = app.messages;
    const catName = v.category ? (t(messages, `cat_${v.category.replace(/-/g, '_')}`) || v.category) : null;
    const nextChange = v.next_change_local
      ? [describeLocal(v.next_change_local), ' ', h('button', {
          type: 'button',
          class: 'link-button',
          text: 'Test at that time',
          'aria-label': `Test at ${describeLocal(v.next_change_local)}`,
          onclick: () => {
            const at = localInputOf(v.next_change_local);
            if (!at) return;
            const state = { ...current, at };
            writeForm(state);
            go(state, { push: true });
            document.getElementById(`verdict-${group.name}`)?.focus();
          },
        })]
      : null;

    const details = rows([
      ['Category', catName && catName !== v.category ? `${catName} (${v.category})` : catName],
      ['Decided by', RULE_WORDS[rule.kind] ?? rule.kind],
      ['List entry', rule.entry ? h('code', { text: rule.entry }) : null],
      ['List', rule.source ? h('code', { text: rule.source }) : null],
      ['Policy setting', rule.setting ? h('code', { text: rule.setting }) : null],
      ['Scheme', rule.scheme ? h('code', { text: `${rule.scheme}:` }) : null],
      ['Phrases', !v.search && Array.isArray(rule.phrases) && rule.phrases.length ? rule.phrases.join('; ') : null],
      ['Block page', v.flavour === 'support' ? 'Support: kind words, tell an adult (Childline 0800 1111 from KS2)'
        : v.flavour === 'help_seeking' ? 'Help-seeking: praise, the school\'s adults, tell an adult (Childline from KS2); the DSL gets a search alert' : null],
      ['Alerts', alertWords(v.alerts).join('; ') || null],
      ['Problem', rule.error],
      ['Locked', v.locked ? 'Yes: illegal content, blocked for everyone; no setting can unblock it' : null],
      ['Changes', nextChange],
    ]);

    // Every list entry that matched, when there is more to say than the deciding entry.
    const list = v.matches ?? [];
    const matches = list.length > 1 || (list.length === 1 && list[0].key !== rule.entry)
      ? h('div', { class: 'matches' },
          h('h5', { text: `List entries that matched (${v.matches.length})` }),
          h('ul', {}, ...v.matches.map((m) => h('li', {},
            h('code', { text: m.key }), ` ${m.kind ?? ''} in ${m.category ?? '?'}`,
            m.source ? [' from ', h('code', { text: m.source })] : null,
            m.locked ? h('strong', { text: ' (locked)' }) : null))))
      : null;

    const search = v.search ?? row.search;
    // Newer packages put the flavour and alerts on the verdict itself: show them once.
    const searchBlock = search ? searchSection(search, { verdictHasExtras: 'alerts' in v }) : null;
    const safeInfo = v.safe_search ?? row.safeSearch;
    const safe = safeInfo ? safeSearchSection(safeInfo) : null;

    const card = h('article', {
      class: `verdict ${blocked ? 'verdict-block' : 'verdict-allow'}`,
      role: 'listitem',
      'aria-labelledby': `${id}-title`,
      id,
      tabindex: '-1',
      dataset: { group: group.name, action: v.action },
    },
    h('h4', { id: `${id}-title` }, h('span', { text: groupTitle(group) }), h('span', { class: 'group-label', text: group.label !== groupTitle(group) ? group.label : '' })),
    h('p', { class: `badge ${blocked ? 'badge-block' : 'badge-allow'}` },
      h('span', { class: 'badge-icon', 'aria-hidden': 'true', text: blocked ? '✕' : '✓' }),
      h('span', { class: 'badge-text', text: blocked ? 'Blocked' : 'Allowed' })),
    h('p', { class: 'reason', text: v.reason }),
    h('dl', { class: 'details' }, ...details),
    matches,
    searchBlock,
    safe);

    if (blocked) card.append(previewDetails(group, v, engine));
    return card;
  }

  function previewDetails(group, verdict, engine) {
    const details = h('details', { class: 'preview' },
      h('summary', { text: `What ${groupTitle(group)} sees` }));
    details.addEventListener('toggle', () => {
      if (!details.open || details.querySelector('iframe')) return;
      const atMs = current.at ? fromLocalInput(current.at, engine.timeZone) : Date.now();
      const data = { verdict, group, locale: app.locale, atMs, timeZone: engine.timeZone, schoolName: engine.schoolName, demo: true };
      details.append(fitFrame(h('iframe', {
        src: `ui/preview.html${toFragment(data)}`,
        title: `Block page for ${group.label ?? group.name}`,
        class: 'preview-frame',
      })));
    });
    return details;
  }

  return {
    /** Restores the state from the page's address and runs it (on load). */
    start() {
      const state = stateFromQuery(location.search);
      writeForm(state);
      current = state;
      if (state.q) run();
    },
    /** Runs the current test again (after the policy changed). */
    rerun() {
      updateNowHint();
      if (current.q) run();
    },
    defaultAt() {
      return toLocalInput(Date.now(), app.engine?.timeZone ?? 'Europe/London');
    },
  };
}

function readingsText(normalized, terms) {
  if (!normalized) return null;
  if (normalized.text === terms?.trim() && !(normalized.readings ?? []).length && !normalized.truncated) return null;
  const extra = (normalized.readings ?? []).map((r) => `${r.text} (${String(r.via).replace(/_/g, ' ')})`);
  return [normalized.text, ...extra].join('; ') + (normalized.truncated ? ' (cut short)' : '');
}

function searchSection(search, { verdictHasExtras = false } = {}) {
  const alerts = verdictHasExtras ? [] : alertWords(search.alerts);
  const verdictWords = search.blocked ? 'Blocked' : (search.flagged ? 'Allowed, flagged for review' : 'Allowed');
  return h('div', { class: 'search-judgement' },
    h('h5', { text: 'Search words' }),
    h('dl', { class: 'details' }, ...rows([
      ['Judgement', `${verdictWords}${search.score != null ? ` (score ${search.score}${search.threshold != null ? ` of ${search.threshold}` : ''})` : ''}`],
      ['Category', search.category],
      ['Support page', !verdictHasExtras && search.flavour === 'support' ? 'Yes: kind words, tell an adult (Childline from KS2)'
        : !verdictHasExtras && search.flavour === 'help_seeking' ? 'Yes: a pupil asking for help' : null],
      ['Education context', search.education ? 'Yes: safeguarding education lowers the score' : null],
      ['Alerts', alerts.length ? alerts.join('; ') : null],
    ])),
    (search.matches ?? []).length
      ? h('ul', { class: 'phrases', 'aria-label': 'Matched phrases' }, ...search.matches.map((m) => h('li', {},
          h('q', { text: m.phrase }), ` ${m.category}, weight ${m.weight}${m.lang ? `, ${m.lang}` : ''}${m.via && m.via !== 'plain' ? `, read as ${String(m.via).replace(/_/g, ' ')}` : ''}`)))
      : h('p', { class: 'muted', text: 'No phrases matched.' }));
}

function safeSearchSection(safe) {
  const headers = Array.isArray(safe.headers)
    ? safe.headers.map((x) => (Array.isArray(x) ? `${x[0]}: ${x[1]}` : `${x.name ?? ''}: ${x.value ?? ''}`))
    : Object.entries(safe.headers ?? {}).map(([k, v]) => `${k}: ${v}`);
  let effect;
  if (safe.rewrite) effect = [h('span', { text: 'Redirects to ' }), h('code', { text: safe.rewrite })];
  else if (headers.length) effect = null;
  else if (safe.engine) effect = 'Already safe: no change needed';
  else effect = 'Not a search or video site: no change';
  return h('div', { class: 'safesearch' },
    h('h5', { text: 'SafeSearch' }),
    h('dl', { class: 'details' }, ...rows([
      ['Service', safe.engine],
      ['Effect', effect],
      ['Adds header', headers.length ? h('code', { text: headers.join('\n') }) : null],
    ])));
}
