// The staff page's "Flag a page for the DSL": a staff flag (docs/events.md, `staff-flag`) for a
// page that should have been blocked or is wrongly blocked. The worker checks the staff code and
// makes the event (sw/events.js); only this page may ask it to (sw/messages.js).

import { ask } from './page-address.js';

const $ = (id) => document.getElementById(id);
/** The form's fields (all `<input>`, `<select>` or `<textarea>`, which have a `value`). */
const field = (id) => /** @type {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} */ ($(id));

$('flag-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = $('flag-status');
  status.textContent = 'Sending…';
  try {
    const answer = await ask({ type: 'staff-flag', url: field('flag-url').value.trim(), flag: field('flag-kind').value, note: field('flag-note').value, code: field('flag-code').value });
    if (!answer.ok) {
      status.textContent = answer.error ?? 'Not sent.';
      return;
    }
    status.textContent = answer.monitored
      ? 'Flag saved; it goes to the school\'s hub now (or as soon as the hub can be reached).'
      : 'Flag saved on this device, but no hub is set (hubUrl in the Admin console): it will be sent once one is.';
    field('flag-note').value = '';
  } catch (error) {
    status.textContent = `Not sent: ${error?.message ?? error}`;
  }
});
