// The staff page's "Pupils' requests" (docs/requests.md, "The staff device"): on a teacher's own
// Chromebook, connected to their hub account with a one-time pairing code, the open "Ask my
// teacher" requests of their groups, each answered here as on the hub's /requests page (this
// pupil, the group or the organisational unit; minutes, default 60; a note; Approve or Decline).
// The worker checks the staff code for every message (sw/staff-requests.js) and keeps the hub's
// token: this page never sees it. Built with textContent only: a request's address is text.

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 15_000;
let staffCode = '';
let refreshTimer = null;

/** Asks the worker; the whole answer (its `error` is shown, not thrown). */
function send(message, ms = 40_000) {
  return Promise.race([
    chrome.runtime.sendMessage(message),
    new Promise((resolve) => { setTimeout(() => resolve({ error: 'No answer from the filter: try again.' }), ms); }),
  ]).catch((error) => ({ error: String(error?.message ?? error) }));
}

function say(text) {
  $('sr-status').textContent = text ?? '';
}

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

const ukTime = (t) => (t ? new Date(t).toLocaleString('en-GB', { timeZone: 'Europe/London', dateStyle: 'short', timeStyle: 'short' }) : '');

function answerForm(r, defaults) {
  const form = el('form', { className: 'inline sr-answer' });
  form.dataset.request = r.id;
  const scope = el('select', { name: 'scope' });
  scope.append(el('option', { value: 'pupil', textContent: 'this pupil', selected: true }));
  scope.append(el('option', { value: 'group', textContent: `group ${r.group}` }));
  if (r.orgUnit) scope.append(el('option', { value: 'org-unit', textContent: `organisational unit ${r.orgUnit}` }));
  const minutes = el('input', { name: 'minutes', type: 'number', min: '1', max: String(defaults.maxMinutes), value: String(defaults.defaultMinutes) });
  const note = el('input', { name: 'note', maxLength: 500 });
  const approve = el('button', { type: 'submit', className: 'button-primary', textContent: 'Approve' });
  approve.dataset.decision = 'approve';
  const decline = el('button', { type: 'submit', className: 'button-secondary', textContent: 'Decline' });
  decline.dataset.decision = 'decline';
  form.append(el('label', {}, 'For ', scope), ' ', el('label', {}, 'minutes ', minutes), ' ', el('label', {}, 'note ', note), ' ', approve, ' ', decline);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const decision = /** @type {HTMLElement|null} */ (/** @type {SubmitEvent} */ (event).submitter)?.dataset.decision ?? 'approve';
    for (const b of form.querySelectorAll('button')) b.disabled = true;
    say(decision === 'approve' ? 'Approving…' : 'Declining…');
    const answer = await send({
      type: 'staff-answer', code: staffCode, id: r.id, decision, scope: scope.value, minutes: minutes.value, note: note.value,
    });
    if (answer?.ok) {
      const a = answer.answer ?? {};
      say(a.status === 'approved' ? `Approved until ${ukTime(a.endsAt)}: the pupil's device opens it within seconds.` : 'Declined: the pupil sees "Not this time".');
    } else say(answer?.error ?? 'Not answered.');
    if (answer?.connected === false) {
      // Disconnected on the hub: the list is gone, and the pairing form is back.
      showConnected(false);
      document.documentElement.dataset.staffRequests = 'not-connected';
      return;
    }
    await load($('sr-status').textContent);
  });
  return form;
}

function render(answer) {
  const list = $('sr-list');
  const requests = answer.requests ?? [];
  const who = answer.connection ? `Connected as ${answer.connection.account} (${answer.connection.device?.id}).` : '';
  const groups = answer.groups === null ? 'every group' : `your groups: ${(answer.groups ?? []).join(', ') || 'none yet (ask the DSL)'}`;
  $('sr-connection').textContent = `${who} Open requests of ${groups}.`;
  if (!requests.length) {
    list.replaceChildren(el('p', { id: 'sr-none', textContent: 'No open requests.' }));
    return;
  }
  const table = el('table', { className: 'reports-table', id: 'sr-table' });
  const head = table.createTHead().insertRow();
  for (const h of ['Asked', 'Page', 'Why it is blocked', 'Group', 'Pupil', 'Answer']) head.append(el('th', { textContent: h }));
  const body = table.createTBody();
  for (const r of requests) {
    const row = body.insertRow();
    row.dataset.request = r.id;
    row.insertCell().textContent = ukTime(r.askedAt);
    Object.assign(row.insertCell(), { className: 'sg-code', textContent: r.url });
    row.insertCell().textContent = `${r.categoryLabel}${r.reason ? `: ${r.reason}` : ''}`;
    row.insertCell().textContent = `${r.group}${r.orgUnit ? ` (${r.orgUnit})` : ''}`;
    row.insertCell().textContent = `${r.user ?? '(no account)'} on ${r.device}`;
    row.insertCell().append(answerForm(r, answer));
  }
  list.replaceChildren(table);
}

function showConnected(connected) {
  $('sr-pair-form').hidden = connected;
  if (!connected) {
    $('sr-list').replaceChildren();
    $('sr-connection').textContent = '';
  }
}

/** Reads the list again; `keep` is a status line to leave in place. */
async function load(keep = null) {
  clearTimeout(refreshTimer);
  const answer = await send({ type: 'staff-requests', code: staffCode });
  document.documentElement.dataset.staffRequests = answer.connected && !answer.error ? 'connected' : (answer.connected === false ? 'not-connected' : 'error');
  if (answer.connected === false) {
    showConnected(false);
    say(answer.error);
    return;
  }
  if (answer.error) {
    // A wrong staff code, an unreachable hub: said, and nothing else shown or kept.
    say(answer.error);
    if (!answer.connected) return;
  } else {
    showConnected(true);
    render(answer);
    say(keep ?? `Updated ${ukTime(new Date().toISOString())}.`);
  }
  refreshTimer = setTimeout(() => { if (!document.hidden) load(); else refreshTimer = setTimeout(load, REFRESH_MS); }, REFRESH_MS);
}

$('sr-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  staffCode = /** @type {HTMLInputElement} */ ($('sr-code')).value;
  say('Checking…');
  await load();
});

$('sr-pair-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('sr-pairing'));
  say('Connecting…');
  const answer = await send({ type: 'staff-pair', code: staffCode || /** @type {HTMLInputElement} */ ($('sr-code')).value, pairingCode: input.value });
  if (!answer?.ok) {
    say(answer?.error ?? 'Not connected.');
    return;
  }
  input.value = '';
  await load(`Connected to the hub as ${answer.connection.account}.`);
});
