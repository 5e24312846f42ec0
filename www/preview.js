// Search results preview: a teacher pastes result addresses, or a search results page they
// saved (File → Save page as…), and sees what each group would get for every result, or the
// results as one group's pupils would see them in the extension.
//
// The results are found by the extension's own finder (shared-ui/results/find.js, copied here
// and into the extension by scripts/copy-shared-ui.sh), so the demo and the extension read a results page alike.
// A pasted page is parsed with DOMParser into a document with no browsing context: its
// scripts never run and its images never load, and nothing of it is put into this page except
// text (textContent), so a saved page cannot run or show anything here.

import './results/find.js';
import { h, fill } from './tester/dom.js';

const finder = globalThis.schoolgateResultFinder;
/** Like the extension's message bound: more than this is cut, and the page says so. */
const MAX_RESULTS = 500;
const PLACEHOLDER = 'This result is for grown-ups';

function looksLikeHtml(text) {
  return /<\s*(!doctype|html|head|body|a\s|div|ol|ul|li|article)[\s>]/i.test(text);
}

function shortName(group) {
  return { eyfs: 'EYFS', ks1: 'KS1', ks2: 'KS2', staff: 'Staff' }[group.name] ?? group.label ?? group.name;
}

/**
 * The results in the input: `{results: [{title, url}], engine, base, cut}`. A results page's HTML
 * is read with the shared finder; anything else is one address a line (engine redirect
 * addresses such as Google's `/url?q=` are unwrapped the same way).
 */
export function readInput(text, chosenEngine) {
  if (looksLikeHtml(text)) {
    const doc = new DOMParser().parseFromString(text, 'text/html');
    const saved = finder.savedPageAddress(text, doc);
    let engine = (chosenEngine !== 'auto' && chosenEngine) || (saved && finder.detectEngine(saved));
    let found = null;
    if (engine) {
      found = finder.findResults(doc, engine, saved ?? finder.engineOrigin(engine));
    } else {
      // Not said: the engine whose own results area is in the page, then the most results.
      let best = -1;
      for (const e of finder.ENGINES) {
        const attempt = finder.findResults(doc, e.id, finder.engineOrigin(e.id));
        const score = attempt.results.length + (attempt.root && attempt.root !== doc.body ? 10_000 : 0);
        if (score > best) {
          best = score;
          found = attempt;
          engine = e.id;
        }
      }
    }
    const results = found.results.map((r) => ({
      title: titleOf(r.item),
      urls: r.targets,
    }));
    return { results: results.slice(0, MAX_RESULTS), engine, base: saved, cut: results.length > MAX_RESULTS };
  }
  const results = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(line) ? line : `https://${line}`;
    const url = finder.unwrap(withScheme, 'https://www.google.com/search');
    results.push({ title: '', urls: [url ?? withScheme] });
  }
  return { results: results.slice(0, MAX_RESULTS), engine: null, base: null, cut: results.length > MAX_RESULTS };
}

function titleOf(item) {
  const heading = item.querySelector('h1, h2, h3, [role="heading"], a[href]');
  return (heading?.textContent ?? item.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 140);
}

/** Every group's verdict for every result: the strictest over a result's addresses. */
export function judgeAll(engine, results, atMs) {
  return results.map((r) => {
    const byGroup = {};
    for (const group of engine.groups) {
      let verdict = null;
      for (const url of r.urls) {
        let v;
        try {
          v = engine.sg.classify(url, group.name, atMs);
        } catch (error) {
          v = { action: 'block', reason: `The address could not be judged: ${error.message ?? error}` };
        }
        if (!verdict || (v.action === 'block' && verdict.action !== 'block')) verdict = v;
      }
      byGroup[group.name] = verdict;
    }
    return { ...r, byGroup };
  });
}

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function renderTable(engine, judged) {
  const head = h('tr', {}, h('th', { scope: 'col', text: 'Result' }), engine.groups.map((g) => h('th', { scope: 'col', text: shortName(g), title: g.label })));
  const rows = judged.map((r, i) => h('tr', { dataset: { result: String(i) } },
    h('th', { scope: 'row', class: 'preview-result' },
      r.title ? h('span', { class: 'preview-title', text: r.title }) : null,
      h('span', { class: 'preview-url', text: r.urls[0] })),
    engine.groups.map((g) => {
      const v = r.byGroup[g.name];
      const blocked = v.action === 'block';
      return h('td', { class: `preview-cell preview-${v.action}`, dataset: { group: g.name, action: v.action } },
        h('strong', { text: blocked ? '✕ Blocked' : '✓ Allowed' }),
        blocked ? h('span', { class: 'preview-reason', text: v.reason }) : null);
    })));
  return h('div', { class: 'table-scroll' }, h('table', { id: 'preview-table', class: 'preview-table' },
    h('caption', { text: `What each group gets for ${judged.length} ${judged.length === 1 ? 'result' : 'results'}` }),
    h('thead', {}, head), h('tbody', {}, rows)));
}

/** The results as one group's pupils see them with the extension: blocked ones replaced. */
function renderAs(engine, judged, groupName) {
  const group = engine.groups.find((g) => g.name === groupName);
  return h('ol', { id: 'preview-as', class: 'preview-as', 'aria-label': `Results as ${group?.label ?? groupName} see them` },
    judged.map((r) => {
      const blocked = r.byGroup[groupName].action === 'block';
      if (blocked) {
        return h('li', { class: 'preview-placeholder', dataset: { action: 'block' } }, h('span', { text: group?.staff ? 'Schoolgate blocks this result for your group too' : PLACEHOLDER }));
      }
      return h('li', { dataset: { action: 'allow' } },
        h('span', { class: 'preview-title', text: r.title || hostOf(r.urls[0]) }),
        h('span', { class: 'preview-url', text: r.urls[0] }));
    }));
}

/** Wires the preview section. `app.engine` is the engine in force (the workbench may change it). */
export function setupPreview(app) {
  const form = document.getElementById('preview-form');
  const input = /** @type {HTMLTextAreaElement} */ (document.getElementById('preview-input'));
  const file = /** @type {HTMLInputElement} */ (document.getElementById('preview-file'));
  const engineSelect = /** @type {HTMLSelectElement} */ (document.getElementById('preview-engine'));
  const view = /** @type {HTMLSelectElement} */ (document.getElementById('preview-view'));
  const status = document.getElementById('preview-status');
  const output = document.getElementById('preview-output');
  let last = null;

  fill(engineSelect, h('option', { value: 'auto', text: 'Work it out' }), finder.ENGINES.map((e) => h('option', { value: e.id, text: e.name })));

  function fillViews() {
    const chosen = view.value;
    fill(view, h('option', { value: 'all', text: 'Every group, side by side' }),
      app.engine.groups.map((g) => h('option', { value: g.name, text: `As ${shortName(g)} see it` })));
    view.value = [...view.options].some((o) => o.value === chosen) ? chosen : 'all';
  }

  function show() {
    if (!last) return;
    const judged = judgeAll(app.engine, last.results, Date.now());
    fill(output, view.value === 'all' ? renderTable(app.engine, judged) : renderAs(app.engine, judged, view.value));
  }

  function run() {
    const text = input.value;
    if (!text.trim()) {
      last = null;
      fill(output);
      status.textContent = 'Paste result addresses or a saved results page first.';
      return;
    }
    const t0 = performance.now();
    last = readInput(text, engineSelect.value);
    show();
    const ms = performance.now() - t0;
    const engineName = finder.ENGINES.find((e) => e.id === last.engine)?.name;
    const blockedSomewhere = judgeAll(app.engine, last.results, Date.now()).filter((r) => Object.values(r.byGroup).some((v) => v.action === 'block')).length;
    status.textContent = last.results.length
      ? `${last.results.length} ${last.results.length === 1 ? 'result' : 'results'}${engineName ? ` from a ${engineName} results page` : ''}; ${blockedSomewhere} blocked for at least one group (${Math.round(ms)} ms).${last.cut ? ` Only the first ${MAX_RESULTS} are shown.` : ''}`
      : 'No results found. Paste one address a line, or the HTML of a saved results page.';
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });
  view.addEventListener('change', show);
  file.addEventListener('change', async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    input.value = await chosen.text();
    run();
  });
  fillViews();
  /** @type {HTMLFieldSetElement} */ (document.getElementById('preview-fields')).disabled = false;
  return {
    refresh() {
      fillViews();
      show();
    },
  };
}
