// The policy workbench: read the built-in policy, paste or open a policy and lists, check them
// with precise errors, compile lists in the browser, and switch the tester to them. A broken
// policy never replaces the working one.

import { h, fill, focusOn } from './tester/dom.js';
import { describeEngine } from './tester/engine.js';

const FORMATS = ['auto', 'domains', 'hosts', 'adblock', 'urls', 'expressions'];
/** Problems from a `fromPolicy` error: its `.issues`, or read from its message. */
export function issuesOf(error) {
  if (Array.isArray(error?.issues) && error.issues.length) return error.issues;
  const out = [];
  for (const line of String(error?.message ?? error).split('\n')) {
    const m = /line (\d+), column (\d+): (?:([^:\s]+): )?(.*)$/.exec(line);
    if (m) out.push({ line: Number(m[1]), column: Number(m[2]), path: m[3] ?? '', message: m[4] });
  }
  return out;
}

/** Character offsets of a 1-based line and column in `text`: `[column offset, line end]`. */
export function offsetsOf(text, line, column) {
  const lines = text.split('\n');
  const index = Math.max(0, Math.min(line, lines.length) - 1);
  let start = 0;
  for (let i = 0; i < index; i += 1) start += lines[i].length + 1;
  const length = lines[index]?.length ?? 0;
  const col = Math.max(0, Math.min(column - 1, length));
  return [start + col, start + length, start];
}

function describeAction(action, staff) {
  if (typeof action === 'string') {
    if (action === 'staff-only') return staff ? 'Allowed (staff only)' : 'Blocked (staff only)';
    return action === 'allow' ? 'Allowed' : action === 'block' ? 'Blocked' : action;
  }
  if (action?.allow_at) {
    return `Allowed ${action.allow_at.map((w) => `${w.days} ${w.from}–${w.to}`).join(', ')}`;
  }
  return JSON.stringify(action);
}

export function setupWorkbench(app, { onUse }) {
  const text = /** @type {HTMLTextAreaElement} */ (document.getElementById('policy-text'));
  const gutter = document.getElementById('policy-gutter');
  const marks = document.getElementById('policy-marks');
  const errors = document.getElementById('policy-errors');
  const status = document.getElementById('workbench-status');
  const listsBox = document.getElementById('lists');
  const compileOut = document.getElementById('compile-result');
  const glance = document.getElementById('policy-glance');
  const summaryPre = document.getElementById('policy-summary');
  const categoryOptions = document.getElementById('category-options');
  let errorLines = new Set();
  let listCounter = 0;
  let compiled = null; // { key, result }

  // The categories the core knows by name, from the package (its table, never a copy here).
  for (const c of app.pkg.coreFacts().categories) categoryOptions.append(h('option', { value: c }));

  // ---- the editor: line numbers, marked lines, scrolling together --------------------------
  const lineHeight = () => parseFloat(getComputedStyle(text).lineHeight) || 20;
  const paintGutter = () => {
    const count = text.value.split('\n').length;
    const numbers = [];
    for (let i = 1; i <= count; i += 1) {
      numbers.push(h('span', { class: errorLines.has(i) ? 'gutter-line gutter-error' : 'gutter-line', text: errorLines.has(i) ? `⚠ ${i}` : String(i) }));
    }
    fill(gutter, ...numbers);
    paintMarks();
  };
  const paintMarks = () => {
    const lh = lineHeight();
    const pad = parseFloat(getComputedStyle(text).paddingTop) || 0;
    fill(marks, ...[...errorLines].map((line) => h('span', {
      class: 'line-mark',
      style: `top: ${pad + (line - 1) * lh - text.scrollTop}px; height: ${lh}px`,
    })));
    gutter.scrollTop = text.scrollTop;
  };
  text.addEventListener('scroll', paintMarks);
  text.addEventListener('input', () => {
    if (errorLines.size) {
      errorLines = new Set();
      errors.hidden = true;
    }
    paintGutter();
  });

  const goTo = (issue) => {
    const [from, to, lineStart] = offsetsOf(text.value, issue.line, issue.column);
    text.focus();
    text.setSelectionRange(from === to ? lineStart : from, to);
    const lh = lineHeight();
    text.scrollTop = Math.max(0, (issue.line - 1) * lh - text.clientHeight / 3);
    paintMarks();
  };

  // ---- policy file -------------------------------------------------------------------------
  document.getElementById('policy-file').addEventListener('change', async (event) => {
    const file = /** @type {HTMLInputElement} */ (event.target).files?.[0];
    if (!file) return;
    text.value = await file.text();
    errorLines = new Set();
    errors.hidden = true;
    paintGutter();
    status.textContent = `Opened ${file.name} (${text.value.split('\n').length} lines). Press “Check policy” to check it.`;
  });
  document.getElementById('policy-reset').addEventListener('click', () => {
    text.value = app.builtinPolicyText;
    errorLines = new Set();
    errors.hidden = true;
    paintGutter();
    status.textContent = 'The editor holds the built-in default policy again.';
  });

  // ---- lists -------------------------------------------------------------------------------
  const addList = (preset = {}) => {
    listCounter += 1;
    const n = listCounter;
    const id = (s) => `list-${n}-${s}`;
    const row = h('fieldset', { class: 'list-row', dataset: { list: String(n) } },
      h('legend', { text: `List ${n}` }),
      h('div', { class: 'field' }, h('label', { for: id('name'), text: 'Name' }),
        h('input', { id: id('name'), name: 'name', type: 'text', value: preset.name ?? `my-list-${n}`, autocomplete: 'off' })),
      h('div', { class: 'field' }, h('label', { for: id('category'), text: 'Category' }),
        h('input', { id: id('category'), name: 'category', type: 'text', list: 'category-options', value: preset.category ?? 'gambling', autocomplete: 'off', spellcheck: 'false' })),
      h('div', { class: 'field' }, h('label', { for: id('format'), text: 'Format' }),
        h('select', { id: id('format'), name: 'format' }, ...FORMATS.map((f) => h('option', { value: f, text: f, selected: f === (preset.format ?? 'auto') })))),
      h('div', { class: 'field field-wide' }, h('label', { for: id('text'), text: 'Entries, one a line' }),
        h('textarea', { id: id('text'), name: 'text', rows: '5', spellcheck: 'false', wrap: 'off', value: preset.text ?? '' })),
      h('div', { class: 'field field-wide' }, h('label', { for: id('file'), text: 'Or open a list file' }),
        h('input', {
          id: id('file'), type: 'file', accept: '.txt,.list,.hosts,text/plain',
          onchange: async (event) => {
            const file = /** @type {HTMLInputElement} */ (event.target).files?.[0];
            if (!file) return;
            row.querySelector('textarea').value = await file.text();
            const name = row.querySelector('[name=name]');
            if (!name.value || name.value.startsWith('my-list-')) name.value = file.name;
            status.textContent = `Opened ${file.name} into list ${n}.`;
          },
        })),
      h('button', {
        type: 'button',
        class: 'button-secondary',
        text: `Remove list ${n}`,
        onclick: () => {
          row.remove();
          status.textContent = `List ${n} removed.`;
          document.getElementById('list-add').focus();
        },
      }));
    listsBox.append(row);
    return row;
  };
  document.getElementById('list-add').addEventListener('click', () => {
    const row = addList();
    row.querySelector('input').focus();
  });

  /** A list row's field. @returns {HTMLInputElement} */
  const field = (row, name) => row.querySelector(`[name=${name}]`);
  const listInputs = () => [.../** @type {NodeListOf<HTMLElement>} */ (listsBox.querySelectorAll('.list-row'))].map((row) => ({
    name: field(row, 'name').value.trim() || `list-${row.dataset.list}`,
    category: field(row, 'category').value.trim(),
    format: field(row, 'format').value,
    text: field(row, 'text').value,
  }));

  /** Compiles the lists (cached while they do not change); throws an Error on failure. */
  const compile = () => {
    const inputs = listInputs();
    if (!inputs.length) return null;
    const key = JSON.stringify(inputs);
    if (compiled?.key === key) return compiled.result;
    const started = performance.now();
    const result = app.pkg.compileLists(inputs);
    result.ms = performance.now() - started;
    compiled = { key, result };
    return result;
  };

  const showCompile = (result, error) => {
    if (error) {
      fill(compileOut, h('p', { class: 'problem', role: 'alert' }, h('strong', { text: 'The lists could not be compiled: ' }), error.message ?? String(error)));
      return;
    }
    if (!result) {
      fill(compileOut, h('p', { text: 'There are no lists to compile: add one first.' }));
      return;
    }
    const reports = result.lists ?? [];
    const table = h('table', {},
      h('caption', { text: `Compiled ${result.entries} ${result.entries === 1 ? 'entry' : 'entries'} in ${result.ms.toFixed(1)} ms (${result.bytes.length} bytes)` }),
      h('thead', {}, h('tr', {}, ...['List', 'Format', 'Entries', 'Rejected', 'Skipped', 'Duplicates'].map((c) => h('th', { scope: 'col', text: c })))),
      h('tbody', {}, ...reports.map((r) => h('tr', {},
        h('th', { scope: 'row', text: r.name }), h('td', { text: r.format }), h('td', { text: String(r.entries) }),
        h('td', { text: String(r.rejected) }), h('td', { text: String(r.skipped ?? '') }), h('td', { text: String(r.duplicates ?? '') })))));
    const rejected = result.rejected ?? [];
    const parts = [table];
    if (rejected.length) {
      const shown = rejected.slice(0, 200);
      parts.push(h('table', { class: 'rejected' },
        h('caption', { text: `${result.rejectedCount} rejected ${result.rejectedCount === 1 ? 'line' : 'lines'}${shown.length < result.rejectedCount ? ` (first ${shown.length} shown)` : ''}` }),
        h('thead', {}, h('tr', {}, ...['List', 'Line', 'Text', 'Why'].map((c) => h('th', { scope: 'col', text: c })))),
        h('tbody', {}, ...shown.map((r) => h('tr', {},
          h('td', { text: r.source }), h('td', { text: String(r.line) }), h('td', {}, h('code', { text: r.text })), h('td', { text: r.reason }))))));
    } else {
      parts.push(h('p', { text: 'No lines were rejected.' }));
    }
    fill(compileOut, ...parts);
  };

  document.getElementById('lists-compile').addEventListener('click', () => {
    try {
      const result = compile();
      showCompile(result);
      status.textContent = result
        ? `Compiled ${result.entries} entries; ${result.rejectedCount} ${result.rejectedCount === 1 ? 'line' : 'lines'} rejected.`
        : 'There are no lists to compile.';
    } catch (e) {
      showCompile(null, e);
      status.textContent = '';
    }
  });

  // ---- checking and using ------------------------------------------------------------------
  /** Builds an engine from the editor; shows problems and returns null when it cannot. */
  const build = (purpose) => {
    let result = null;
    try {
      result = compile();
      if (result) showCompile(result);
    } catch (e) {
      showCompile(null, e);
      showProblems([{ message: `The lists could not be compiled: ${e.message ?? e}` }], purpose);
      return null;
    }
    try {
      const sg = app.pkg.Schoolgate.fromPolicy(text.value, result ? [result.bytes] : []);
      errorLines = new Set();
      errors.hidden = true;
      paintGutter();
      return describeEngine(app.pkg, sg, { custom: true, listCount: result?.lists?.length ?? (result ? 1 : 0) });
    } catch (e) {
      const issues = issuesOf(e);
      showProblems(issues.length ? issues : [{ message: e.message ?? String(e) }], purpose);
      return null;
    }
  };

  const showProblems = (issues, purpose) => {
    errorLines = new Set(issues.filter((i) => i.line).map((i) => i.line));
    paintGutter();
    const count = issues.length;
    const inUse = app.engine.custom ? `your earlier policy (${app.engine.schoolName})` : 'the built-in default policy';
    fill(errors,
      h('h4', { id: 'policy-errors-title', text: `The policy has ${count} ${count === 1 ? 'problem' : 'problems'}` }),
      h('ol', {}, ...issues.map((issue) => h('li', {},
        issue.line
          ? h('a', {
              href: '#policy-text',
              class: 'issue-link',
              text: `Line ${issue.line}, column ${issue.column}`,
              onclick: (event) => {
                event.preventDefault();
                goTo(issue);
              },
            })
          : null,
        issue.line ? ': ' : null,
        issue.path ? h('code', { text: issue.path }) : null,
        issue.path ? ': ' : null,
        issue.message))),
      h('p', { class: 'still-in-force', text: purpose === 'use' ? `Nothing changed: the tester still uses ${inUse}.` : `The tester still uses ${inUse}.` }));
    errors.hidden = false;
    status.textContent = '';
    const first = issues.find((i) => i.line);
    if (first) goTo(first);
    else focusOn(errors);
  };

  document.getElementById('policy-check').addEventListener('click', () => {
    const engine = build('check');
    if (engine) {
      const names = engine.groups.map((g) => g.name).join(', ');
      status.textContent = `The policy is valid: “${engine.schoolName}”, groups ${names}${engine.listCount ? `, with your lists` : ''}. Press “Use this policy” to test with it.`;
    }
  });
  document.getElementById('policy-use').addEventListener('click', () => {
    const engine = build('use');
    if (engine) {
      onUse(engine);
      status.textContent = `The tester now uses your policy “${engine.schoolName}”.`;
    }
  });

  // ---- the policy in force -----------------------------------------------------------------
  const showPolicy = () => {
    const engine = app.engine;
    summaryPre.textContent = engine.features.policySummary ? engine.sg.policySummary() : '';
    let policy;
    try {
      policy = engine.sg.policy();
    } catch {
      policy = null;
    }
    const tableHost = document.getElementById('policy-table');
    if (!policy?.groups) {
      tableHost.replaceChildren();
      return;
    }
    const groups = engine.groups.map((g) => policy.groups[g.name]).filter(Boolean);
    const categories = [...new Set(groups.flatMap((g) => Object.keys(g.categories ?? {})))];
    const head = h('tr', {}, h('th', { scope: 'col', text: 'Category' }), ...groups.map((g) => h('th', { scope: 'col', text: g.name.toUpperCase() === 'STAFF' ? 'Staff' : g.name.toUpperCase() })));
    const LOCKED = new Set(['child-abuse', 'terrorist-content']);
    const line = (label, get) => h('tr', {}, h('th', { scope: 'row', text: label }), ...groups.map((g) => {
      const setting = get(g);
      const words = LOCKED.has(label) ? 'Blocked (locked: illegal content)' : describeAction(setting?.action, g.staff);
      return h('td', { class: words.startsWith('Blocked') ? 'cell-block' : words.startsWith('Allowed ') && words !== 'Allowed (staff only)' ? 'cell-time' : 'cell-allow', title: setting?.from ?? '', text: words });
    }));
    fill(tableHost, h('table', { class: 'policy-table' },
      h('caption', { text: `${engine.schoolName}: what each group gets, category by category` }),
      h('thead', {}, head),
      h('tbody', {},
        ...categories.map((c) => line(c, (g) => g.categories[c])),
        line('uncategorised', (g) => g.uncategorised),
        line('non-web pages', (g) => g.non_web))));
    glance.querySelector('.policy-name').textContent = engine.custom ? `your policy “${engine.schoolName}”` : 'the built-in default policy';
  };

  text.value = app.builtinPolicyText;
  paintGutter();
  showPolicy();
  return { showPolicy };
}
