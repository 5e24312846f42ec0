// "Turn off the screen and tell an adult", played in a simulated tab: the same cover, adult form,
// report, signature and exports as the extension (shared-ui/report/, copied into ./report/),
// with the engine's real verdict. Nothing leaves the page: the "delivery" shows what would be sent
// and its signature, made with a demo key.

import { h, fill } from './tester/dom.js';
import { loadMessages } from './ui/i18n.js';
import { icon } from './ui/art.js';
import { audienceFor } from './ui/interstitial.js';
import { renderCover, renderAdultForm } from './report/cover.js';
import { newReport, newReportId, heldDetails, recordAdult } from './report/model.js';
import { exportJson, exportCsv, renderPrintable } from './report/export.js';
import { signBody, SIGNATURE_HEADER, REPORT_ID_HEADER } from './report/sign.js';

/** The demo's staff code and signing key: shown on the page, never used anywhere real. */
export const DEMO_CODE = '1234';
const DEMO_KEY = 'demo-signing-key-not-secret';

/** An element of the simulated tab; its fields are inputs and selects. @returns {any} */
const $ = (id) => document.getElementById(id);

/** Wires the section to the engine in force (`app.engine`). */
export function setupTellAdult(app) {
  let report = null;
  /** What revision 1 holds back until the adult's answer (the title, navigations, list matches). */
  let held = null;
  let messages = null;
  /** The gallery's language when the pupil pressed: the cover and the form keep it. */
  let locale = 'en_GB';
  const tab = $('sim-page');
  const groupSelect = $('sim-group');

  const groups = () => app.engine.sg.groups();
  fill(groupSelect, groups().map((g) => h('option', { value: g.name, text: g.label, selected: g.name === 'ks1' })));
  const group = () => groups().find((g) => g.name === groupSelect.value) ?? groups()[0];

  function openPage() {
    report = null;
    fill($('sim-output'));
    const url = $('sim-url').value.trim() || 'https://www.example.org/';
    $('sim-address').textContent = url;
    fill(tab,
      h('article', { class: 'sim-content' },
        h('h3', { text: 'A page that got through the filter' }),
        h('p', { text: 'Pretend something on this page upset the pupil: a picture, a message, a video.' }),
        h('div', { class: 'sim-video', 'aria-hidden': 'true', text: '▶ video playing' })),
      h('button', { type: 'button', class: 'sim-safety-button', 'aria-label': 'Turn off the screen and tell an adult', title: 'Turn off the screen and tell an adult', 'data-action': 'press', onclick: () => press('page-button') }, icon(document, 'hand')));
  }

  async function press(source) {
    if (report) return;
    const pressedAtMs = Date.now();
    const g = group();
    locale = app.locale ?? 'en_GB';
    messages = await loadMessages(locale);
    renderCover(document, tab, { audience: audienceFor(g), messages, locale, saved: true, onAdult: adult });
    const url = $('sim-address').textContent;
    let verdict = null;
    try {
      verdict = app.engine.sg.classify(url, g.name, pressedAtMs);
    } catch {
      verdict = null;
    }
    const press = {
      id: newReportId(pressedAtMs),
      atMs: pressedAtMs,
      source: source === 'toolbar' ? 'toolbar' : 'demo',
      url,
      title: 'A page that got through the filter',
      navigations: [{ atMs: pressedAtMs - 42_000, url: 'https://www.google.com/search?q=cute+animals', transition: 'generated' }, { atMs: pressedAtMs - 3_000, url, transition: 'link' }],
      verdict,
      group: g,
      identity: { email: null, deviceAssetId: null },
      school: { name: app.engine.schoolName ?? '', policySource: 'demo' },
      engineVersion: app.pkg.version(),
    };
    report = newReport(press);
    held = heldDetails(press);
    tab.dataset.covered = 'true';
    await show('Saved on the device the moment the pupil pressed (revision 1), then sent to the school\'s endpoint. The page title, how the pupil got there and the list matches stay on the device until the adult has answered the suspected-abuse-imagery question:');
  }

  function adult() {
    renderAdultForm(document, tab, {
      messages,
      locale,
      url: report.page.url,
      audience: audienceFor(group()),
      needsCode: true,
      checkCode: async (code) => code === DEMO_CODE,
      onSubmit: async (record) => {
        report = recordAdult(report, { ...record, staffVerified: true }, Date.now(), held);
        held = null;
        await show('The adult\'s record is added once (revision 2); after that the record only grows. Sent again, whole:');
        return { ok: true };
      },
      onCancel: () => renderCover(document, tab, { audience: audienceFor(group()), messages, locale, saved: true, onAdult: adult }),
    });
  }

  async function show(lead) {
    const body = JSON.stringify(report);
    const signature = await signBody(DEMO_KEY, body);
    const printable = h('div', { class: 'sim-printable' });
    renderPrintable(document, printable, report);
    fill($('sim-output'),
      h('p', { text: lead }),
      h('pre', { class: 'sim-request', tabindex: '0', text: `POST https://safeguarding.example.school/schoolgate\ncontent-type: application/json\n${SIGNATURE_HEADER}: ${signature}\n${REPORT_ID_HEADER}: ${report.id}\nX-Schoolgate-Revision: ${report.revision}\n\n(signed with the demo key "${DEMO_KEY}")` }),
      h('details', { open: true }, h('summary', { text: 'The report (JSON, as sent)' }), h('pre', { class: 'sim-json', tabindex: '0', 'data-output': 'json', text: JSON.stringify(report, null, 2) })),
      h('details', {}, h('summary', { text: 'Export: CSV' }), h('pre', { tabindex: '0', 'data-output': 'csv', text: exportCsv([report]) })),
      h('details', {}, h('summary', { text: 'Export: the printable one-page record' }), printable),
      h('details', {}, h('summary', { text: 'Export: JSON file' }), h('pre', { tabindex: '0', text: exportJson([report]) })));
    $('sim-output').dataset.revision = String(report.revision);
  }

  $('sim-form').addEventListener('submit', (event) => {
    event.preventDefault();
    openPage();
  });
  $('sim-toolbar-button').replaceChildren(icon(document, 'hand'));
  $('sim-toolbar-button').addEventListener('click', () => press('toolbar'));
  openPage();
  return { openPage };
}
