// The staff page's "Safeguarding reports" section: every report on this device, where it is in
// delivery, the adult's record (or a link to complete it), the DSL's review of a reported page,
// and the exports: JSON (docs/reports.md), CSV, and a printable one-page record for CPOMS or
// MyConcern. The worker checks the staff code for every request; this page only shows.
//
// Addresses are shown as text, never as links: a reported page may be one nobody should open.

import { exportJson, exportCsv, renderPrintable, ukTime } from '../report/export.js';
import { ask } from './page-address.js';

/** @type {(id: string) => any} the page's own elements, by id (staff.html) */
const $ = (id) => document.getElementById(id);
let shown = [];

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text == null ? '' : String(text);
  if (cls) td.className = cls;
  return td;
}

function button(text, onclick, attrs = {}) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'button-secondary';
  b.textContent = text;
  for (const [k, v] of Object.entries(attrs)) b.setAttribute(k, v);
  b.addEventListener('click', onclick);
  return b;
}

function deliveryText(state, endpointSet) {
  if (state?.pending) {
    const p = state.pending;
    if (!endpointSet) return 'On this device only (no report endpoint): export it';
    return p.attempts ? `Waiting to send: ${p.attempts} attempt(s), last: ${p.lastError ?? 'unknown'}; next ${ukTime(new Date(p.nextAtMs).toISOString())}` : 'Sending…';
  }
  if (state?.delivered) return `Delivered ${ukTime(new Date(state.delivered.atMs).toISOString())} (revision ${state.delivered.revision})`;
  return '';
}

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function render(answer, code) {
  shown = answer.reports;
  const s = answer.status;
  const notes = [];
  if (s.warning) notes.push(s.warning);
  if (s.lastError) notes.push(`Last delivery problem: ${s.lastError}`);
  $('reports-status').textContent = `${shown.length} report(s) on this device. ${s.endpoint ? `Reports go to ${s.endpoint}.` : 'No report endpoint is set: reports stay here until exported.'}`;
  $('reports-notes').replaceChildren(...notes.map((n) => Object.assign(document.createElement('p'), { textContent: n })));
  $('reports-notes').hidden = notes.length === 0;
  if (!shown.length) {
    $('reports-list').textContent = 'No reports.';
    return;
  }
  const table = document.createElement('table');
  table.className = 'reports-table';
  const head = table.createTHead().insertRow();
  for (const h of ['Pressed', 'Group', 'Page (do not open)', 'Filter said', 'Adult\'s record', 'Delivery', '']) head.append(Object.assign(document.createElement('th'), { textContent: h }));
  const body = table.createTBody();
  for (const r of shown) {
    const row = body.insertRow();
    row.dataset.reportId = r.id;
    cell(row, ukTime(r.createdAt));
    cell(row, r.pupil.groupLabel || r.pupil.group);
    cell(row, r.page.url, 'sg-code');
    cell(row, `${r.filter.action}${r.filter.category ? ` (${r.filter.category})` : ''}`);
    const adult = cell(row, r.adult ? `${r.adult.categories.join(', ')}${r.adult.escalateToDsl ? '; escalated to the DSL' : ''}` : '');
    if (!r.adult) {
      const a = document.createElement('a');
      a.href = `report.html?id=${encodeURIComponent(r.id)}`;
      a.target = '_blank';
      a.textContent = 'Complete the record';
      adult.append(a);
    }
    cell(row, deliveryText(answer.delivery[r.id], Boolean(s.endpoint)));
    const actions = row.insertCell();
    actions.append(button('Print', () => {
      renderPrintable(document, $('print-area'), r);
      window.print();
    }, { 'data-action': 'print' }));
    if (r.blockedOnDevice && !r.timeline.some((e) => e.event === 'unblocked-on-device')) {
      actions.append(' ', button('Reviewed: unblock here', async () => {
        await ask({ type: 'report-review', code, id: r.id, decision: 'unblock' });
        await load(code);
      }, { 'data-action': 'unblock' }));
    }
  }
  $('reports-list').replaceChildren(table);
}

async function load(code, sendNow = false) {
  try {
    render(await ask({ type: 'report-list', code, sendNow }, 60_000), code);
    return true;
  } catch (error) {
    $('reports-status').textContent = error.message;
    return false;
  }
}

/** Wires the section; `getCode()` is the staff code typed on this page (or `''`). */
export function setupReports(getCode) {
  const code = () => $('reports-code').value.trim() || getCode() || '';
  $('reports-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    await load(code());
  });
  $('reports-send').addEventListener('click', () => load(code(), true));
  const stamp = () => new Date().toISOString().slice(0, 10);
  $('reports-json').addEventListener('click', () => download(`schoolgate-reports-${stamp()}.json`, 'application/json', exportJson(shown)));
  $('reports-csv').addEventListener('click', () => download(`schoolgate-reports-${stamp()}.csv`, 'text/csv', exportCsv(shown)));
}
