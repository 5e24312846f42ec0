// Exports of safeguarding reports for the DSL: JSON (the documented schema, docs/reports.md),
// CSV (one row per report, for a spreadsheet) and a printable one-page record (facts and a
// chronology, no opinion) to paste into CPOMS or MyConcern. Pure, except `renderPrintable`,
// which builds DOM with textContent only: every value came from a web page or a person.

import { REPORT_SCHEMA } from './model.js';

/** The `schema` of a JSON export file. */
export const EXPORT_SCHEMA = 'schoolgate-report-export/1';

/** A JSON export: the reports as stored, oldest first. */
export function exportJson(reports, exportedAtMs = Date.now()) {
  const sorted = [...reports].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return JSON.stringify({ schema: EXPORT_SCHEMA, reportSchema: REPORT_SCHEMA, exportedAt: new Date(exportedAtMs).toISOString(), count: sorted.length, reports: sorted }, null, 2);
}

/**
 * The CSV's columns: header and how each is read from a report.
 * @type {ReadonlyArray<[string, (report: any) => unknown]>}
 */
export const CSV_COLUMNS = Object.freeze([
  ['report_id', (r) => r.id],
  ['revision', (r) => r.revision],
  ['pressed_at', (r) => r.createdAt],
  ['source', (r) => r.source],
  ['school', (r) => r.school?.name],
  ['group', (r) => r.pupil?.group],
  ['account_email', (r) => r.pupil?.email],
  ['device_asset_id', (r) => r.pupil?.deviceAssetId],
  ['url', (r) => r.page?.url],
  ['title', (r) => r.page?.title],
  ['filter_action', (r) => r.filter?.action],
  ['filter_category', (r) => r.filter?.category],
  ['filter_reason', (r) => r.filter?.reason],
  ['adult_recorded_at', (r) => r.adult?.at],
  ['kcsie_areas', (r) => r.adult?.areas?.join(' ')],
  ['categories', (r) => r.adult?.categories?.join(' ')],
  ['suspected_csam', (r) => (r.adult ? (r.adult.suspectedCsam ? 'yes' : 'no') : '')],
  ['feeling', (r) => r.adult?.feeling],
  ['pupil_words', (r) => r.adult?.pupilWords],
  ['action_taken', (r) => r.adult?.actionTaken],
  ['escalated_to_dsl', (r) => (r.adult ? (r.adult.escalateToDsl ? 'yes' : 'no') : '')],
  ['timeline', (r) => r.timeline.map((e) => `${e.at} ${e.event}`).join('; ')],
  ['search_terms', (r) => r.search?.terms],
  ['search_alerts', (r) => r.search?.alerts?.join(' ')],
]);

/**
 * One CSV field. A value a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage
 * return first) gets a leading apostrophe: page titles and pupils' words are not ours to trust.
 */
export function csvField(value) {
  if (value == null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV of the reports (RFC 4180, CRLF line ends, header row), oldest first. */
export function exportCsv(reports) {
  const sorted = [...reports].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const r of sorted) lines.push(CSV_COLUMNS.map(([, read]) => csvField(read(r))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** @type {Intl.DateTimeFormatOptions} */
const WHEN = { timeZone: 'Europe/London', dateStyle: 'full', timeStyle: 'medium' };

/** A time as the school reads it (UK time), e.g. "Wednesday 25 November 2026 at 10:03:12". */
export function ukTime(isoText) {
  const d = new Date(isoText);
  return Number.isNaN(d.getTime()) ? String(isoText) : d.toLocaleString('en-GB', WHEN);
}

/** The printable record's content: a list of facts and the chronology. */
export function recordFacts(report) {
  const r = report;
  const csam = Boolean(r.adult?.suspectedCsam);
  const facts = [
    ['Report id', r.id],
    ['School', r.school?.name || '(not set)'],
    ['Pupil', [r.pupil?.email, r.pupil?.deviceAssetId ? `device ${r.pupil.deviceAssetId}` : null].filter(Boolean).join(', ') || '(not known on this device: add the pupil\'s name by hand)'],
    ['Age group', r.pupil?.groupLabel || r.pupil?.group],
    ['Date and time', ukTime(r.createdAt)],
    ['Page address', r.page?.url],
    ['Page title', csam ? '(not kept: suspected child sexual abuse imagery)' : (r.page?.details === 'held' ? '(kept on the device until an adult has recorded what happened)' : (r.page?.title || '(none)'))],
    ['What the filter said', `${r.filter?.action === 'block' ? 'Blocked' : r.filter?.action === 'allow' ? 'Allowed' : 'Unknown'}${r.filter?.category ? ` (${r.filter.category})` : ''}: ${r.filter?.reason ?? ''}`],
  ];
  if (r.search) {
    // A search alert: what was searched, in the pupil's words, and who had to be told.
    facts.push(
      ['Searched for', r.search.terms],
      ['Alerts', r.search.alerts.join(', ')],
      ['Asking for help', r.search.helpSeeking ? 'Yes: the pupil was shown support, not results' : 'No'],
    );
  }
  if (r.adult) {
    facts.push(
      ['Risk area (KCSIE)', r.adult.areas.join(', ') || '(not recorded)'],
      ['What the pupil saw', r.adult.categories.join(', ')],
      ['Pupil\'s own words', r.adult.pupilWords ?? '(none recorded)'],
      ['How the pupil felt', r.adult.feeling ?? '(not recorded)'],
      ['Action taken', r.adult.actionTaken],
      ['Escalated to the DSL', r.adult.escalateToDsl ? 'Yes' : 'No'],
    );
  } else {
    facts.push(['Adult\'s record', 'Not yet completed']);
  }
  // How the pupil got there, then what happened: one list, in time order (a stable sort keeps
  // the record's own order for events at the same moment).
  const dated = [
    ...(csam ? [] : r.page?.navigations ?? []).map((n) => [n.at, `Opened ${n.url}`]),
    ...r.timeline.map((e) => [e.at, e.detail ?? e.event]),
  ];
  dated.sort((a, b) => a[0].localeCompare(b[0]));
  const chronology = dated.map(([at, text]) => [ukTime(at), text]);
  return { title: 'Online safety concern: record of facts', facts, chronology, csam };
}

/** Renders the one-page record into `container` (textContent only). */
export function renderPrintable(doc, container, report) {
  const { title, facts, chronology, csam } = recordFacts(report);
  const el = (tag, text, cls) => {
    const node = doc.createElement(tag);
    if (text != null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  };
  const article = el('article', null, 'sg-record');
  article.append(el('h1', title));
  if (csam) {
    article.append(el('p', 'Suspected child sexual abuse imagery. Do not visit the address or look for the images. Report the address to the Internet Watch Foundation (report.iwf.org.uk) and follow the school\'s child protection procedure.', 'sg-record-warning'));
  }
  const dl = el('dl');
  for (const [k, v] of facts) dl.append(el('dt', k), el('dd', v == null ? '' : String(v)));
  article.append(dl, el('h2', 'Chronology'));
  const ol = el('ol');
  for (const [when, what] of chronology) {
    const li = el('li');
    li.append(el('time', when), doc.createTextNode(' '), el('span', what));
    ol.append(li);
  }
  article.append(ol, el('p', `Schoolgate report ${report.id}, revision ${report.revision}. Facts recorded at the time; this record is not edited afterwards.`, 'sg-record-foot'));
  container.replaceChildren(article);
  return article;
}
