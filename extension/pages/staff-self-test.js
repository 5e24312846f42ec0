// The staff page's "Filter check": the date and results of the last check on this device, and
// "Run the filter check now" (staff code checked by the worker, sw/self-test.js; only this page
// may ask, sw/messages.js). Built with textContent only.

import { ask } from './page-address.js';

const $ = (id) => document.getElementById(id);

function show(check) {
  const list = $('self-test-results');
  list.replaceChildren();
  if (!check) return;
  const when = new Date(check.at).toLocaleString('en-GB');
  $('self-test-last').textContent = `Last filter check: ${when} (${check.trigger === 'daily' ? 'automatic, daily' : 'on demand'}), ${check.passed ? 'passed' : 'FAILED'}.`;
  for (const r of check.results ?? []) {
    const item = document.createElement('li');
    const verdict = document.createElement('strong');
    verdict.textContent = r.ok ? 'passed' : 'FAILED';
    item.append(verdict, ` ${r.name}: ${r.reason}`);
    if (!r.ok) item.className = 'failed';
    list.append(item);
  }
}

ask({ type: 'status' }).then((s) => show(s?.selfTest ?? null)).catch((error) => {
  $('self-test-status').textContent = `Could not read the last check: ${error?.message ?? error}`;
});

$('self-test-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = $('self-test-status');
  status.textContent = 'Checking…';
  try {
    const code = /** @type {HTMLInputElement} */ ($('self-test-code')).value;
    const answer = await ask({ type: 'self-test', code }, 120_000);
    if (!answer?.ok) {
      status.textContent = answer?.error ?? 'Not run.';
      return;
    }
    show(answer.check);
    status.textContent = answer.check.passed ? 'The filter check passed; the result goes to the school\'s hub.' : 'The filter check FAILED: see which part above. The IT lead is told through the hub.';
  } catch (error) {
    status.textContent = `Not run: ${error?.message ?? error}`;
  }
});
