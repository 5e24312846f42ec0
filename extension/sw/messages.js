// Messages between the extension's parts: a small typed union, a guard for each message, and the
// sender check, ordered by trust (as uBlock Origin Lite does):
//
// 1. Queries: read-only questions any sender of ours may ask (our extension pages; a content
//    script would be allowed these too). They never change anything.
// 2. Pupil actions: from our own extension pages (the block page's buttons). They append to a
//    local record; they cannot change the policy or the filter. `report-press` may also come from
//    our content script in a web page (its button): it saves a report about the sender's own
//    page (the address comes from the browser, not the message) and blocks that page here.
// 2b. Adult actions: from our own extension pages only (the cover page, in a frame the web page
//    cannot reach into): the staff code is checked in the worker for every one. A teacher's
//    override code comes from the block page in a tab (never a frame) and is checked the same way.
// 3. Staff commands: from our own staff page only. One re-reads the managed policy and fetches
//    the lists again now: it applies the Admin console's policy, it cannot change it. Another
//    runs the filter check (sw/self-test.js), which only reads the filter and reports on it.
//    The staff device's requests (sw/staff-requests.js) answer pupils' requests on the hub as the
//    teacher's own hub account (a token only a pairing on the hub gives), never as the device.
//
// No message turns filtering off, changes the group or changes the policy: those come only from
// the Admin console (chrome.storage.managed). Messages from other extensions or web pages
// (onMessageExternal) are refused before they are read, and the manifest declares no
// `externally_connectable`, so web pages cannot even address the extension.

/** Read-only questions. */
export const QUERIES = Object.freeze({
  /** `{type: 'judge', url}` → `{action: 'allow'|'block'|'wait', target}` (the checking page). */
  judge: (m) => typeof m.url === 'string' && m.url.length <= 70_000,
  /** `{type: 'explain', url}` → the verdict and what the block page needs to show it. */
  explain: (m) => typeof m.url === 'string' && m.url.length <= 70_000,
  /** `{type: 'status'}` → the staff page's status. */
  status: () => true,
  /**
   * `{type: 'judge-results', urls}` → verdicts for a search results page's links (the results
   * content script; sw/results.js). Bounded: at most 500 addresses of at most 8 KB each.
   */
  'judge-results': (m) => Array.isArray(m.urls) && m.urls.length <= 500
    && m.urls.every((u) => typeof u === 'string' && u.length <= 8192),
});

/** The block page's buttons: recorded locally for the report flow. */
export const PUPIL_ACTIONS = Object.freeze({
  'pupil-action': (m) => ['ask-teacher', 'worried', 'wrongly-blocked'].includes(m.action) && typeof m.url === 'string' && m.url.length <= 70_000,
  /**
   * "Ask my teacher" (sw/requests.js): a request to the school's hub for this page. It asks; it
   * opens nothing: only a teacher's approval on the hub can, through the override guard.
   */
  'ask-teacher': (m) => typeof m.url === 'string' && m.url.length <= 70_000,
  /** Whether the teacher has answered request `id` (the waiting block page asks every 5 s). */
  'ask-status': (m) => typeof m.id === 'string' && /^[A-Za-z0-9-]{8,64}$/.test(m.id),
});

/** "Turn off the screen and tell an adult": from our content script or our own pages. */
export const PRESS = Object.freeze({
  'report-press': (m) => ['page-button', 'toolbar', 'shortcut', 'block-page'].includes(m.source)
    && (m.url === undefined || (typeof m.url === 'string' && m.url.length <= 70_000))
    && (m.pressedAtMs === undefined || Number.isFinite(m.pressedAtMs)),
});

const reportId = (v) => typeof v === 'string' && /^[A-Za-z0-9-]{8,64}$/.test(v);
const code = (v) => v === undefined || (typeof v === 'string' && v.length <= 200);

/** The cover page's questions and the adult's record: our own extension pages only. */
export const ADULT_ACTIONS = Object.freeze({
  'report-info': (m) => reportId(m.id),
  'report-unlock': (m) => reportId(m.id) && code(m.code),
  'report-record': (m) => reportId(m.id) && code(m.code) && m.record !== null && typeof m.record === 'object' && JSON.stringify(m.record).length <= 10_000,
  /** The staff code for the block page's staff view and the staff page's tester (checked in the worker). */
  'staff-unlock': (m) => typeof m.code === 'string' && m.code.length <= 200,
  /**
   * A teacher's override code typed on the block page (sw/overrides.js): checked in the worker
   * by the core against the managed secret, guesses slowed down. Never from a frame.
   */
  'override-code': (m) => typeof m.url === 'string' && m.url.length <= 70_000 && typeof m.code === 'string' && m.code.length <= 40,
});

/**
 * Our pages that may act from inside a frame: only the cover page, which our content script puts
 * over the reported page (sw/report-flow.js checks that the frame is in the tab where the pupil
 * pressed). Any other page of ours inside a frame is a web page's frame of a web-accessible page
 * (the block or checking page): it may ask questions, never act (no report, no block, no code).
 */
const FRAMED_ACTIONS = new Set(['report-info', 'report-unlock', 'report-record']);

function framedPage(sender, who) {
  return (who === 'extension-page' || who === 'staff-page') && Number.isInteger(sender.frameId) && sender.frameId > 0;
}

function coverPage(sender) {
  try {
    return new URL(sender.url).pathname === '/report.html';
  } catch {
    // No parsable address: not the cover page.
    return false;
  }
}

/** From the staff page only. */
export const STAFF_COMMANDS = Object.freeze({
  /** Re-read the managed policy and fetch every list again now. */
  refresh: () => true,
  /** The reports on this device (staff code checked in the worker); `sendNow` tries delivery first. */
  'report-list': (m) => code(m.code),
  /** The teachers' overrides in force and the record of every code typed (sw/overrides.js). */
  'overrides-list': () => true,
  /** The DSL's review of a reported page: `unblock` or `keep`. */
  /** A staff flag for the hub (sw/events.js): a page that should be, or is wrongly, blocked. */
  'staff-flag': (m) => code(m.code) && typeof m.url === 'string' && /^https?:\/\//i.test(m.url) && m.url.length <= 8192
    && ['should-be-blocked', 'wrongly-blocked'].includes(m.flag) && (m.note === undefined || (typeof m.note === 'string' && m.note.length <= 500)),
  /** Run the filter check now (sw/self-test.js; staff code checked in the worker). */
  'self-test': (m) => code(m.code),
  'report-review': (m) => code(m.code) && reportId(m.id) && ['unblock', 'keep'].includes(m.decision) && (m.reviewer === undefined || (typeof m.reviewer === 'string' && m.reviewer.length <= 100)),
  // "Pupils' requests" on a teacher's own device (sw/staff-requests.js; staff code checked there):
  // the device connected to the teacher's hub account answers as that account, nothing more.
  /** Connect this device with the one-time pairing code the hub showed the teacher. */
  'staff-pair': (m) => code(m.code) && typeof m.pairingCode === 'string' && m.pairingCode.length <= 40,
  /** The open requests of the teacher's groups, from the hub. */
  'staff-requests': (m) => code(m.code),
  /** The teacher's answer to one request. */
  'staff-answer': (m) => code(m.code) && reportId(m.id) && ['approve', 'decline'].includes(m.decision)
    && (m.scope === undefined || ['pupil', 'group', 'org-unit'].includes(m.scope))
    && (m.minutes === undefined || m.minutes === '' || (Number.isInteger(Number(m.minutes)) && Number(m.minutes) > 0 && Number(m.minutes) <= 24 * 60))
    && (m.note === undefined || (typeof m.note === 'string' && m.note.length <= 500)),
});

/**
 * Who sent a message: `'staff-page'`, `'extension-page'` (any other page of ours),
 * `'content-script'` (our id, but running in a web page) or `'foreign'`.
 */
export function senderKind(sender, ownId) {
  if (!sender || sender.id !== ownId) return 'foreign';
  const origin = `chrome-extension://${ownId}`;
  let url;
  try {
    url = new URL(sender.url ?? '');
  } catch {
    // No parsable address: a content script in a web page, never one of our pages.
    return 'content-script';
  }
  // (Compared as text: URL.origin of a chrome-extension: URL is "null" outside Chrome.)
  if (!String(sender.url).startsWith(`${origin}/`) || url.host !== ownId || (sender.origin && sender.origin !== origin)) return 'content-script';
  // A page of ours inside a web page's frame is still ours, but it is not the staff page in a tab.
  return url.pathname === '/staff.html' ? 'staff-page' : 'extension-page';
}

/**
 * Which handler table a message may use, or a reason to refuse it.
 * @returns {{ok: true, kind: 'query'|'pupil-action'|'press'|'adult-action'|'staff-command', error?: undefined} | {ok: false, error: string}}
 */
export function admit(message, sender, ownId) {
  if (!message || typeof message !== 'object' || typeof message.type !== 'string') return { ok: false, error: 'not a message' };
  const who = senderKind(sender, ownId);
  if (who === 'foreign') return { ok: false, error: 'refused: not from this extension' };
  const { type } = message;
  if (Object.hasOwn(QUERIES, type)) {
    return QUERIES[type](message) ? { ok: true, kind: 'query' } : { ok: false, error: `bad ${type} message` };
  }
  if (framedPage(sender, who) && !(FRAMED_ACTIONS.has(type) && coverPage(sender))) {
    return { ok: false, error: `refused: ${type} from a page of ours inside a frame` };
  }
  if (Object.hasOwn(PUPIL_ACTIONS, type)) {
    if (who !== 'extension-page' && who !== 'staff-page') return { ok: false, error: `refused: ${type} only from the extension's own pages` };
    return PUPIL_ACTIONS[type](message) ? { ok: true, kind: 'pupil-action' } : { ok: false, error: `bad ${type} message` };
  }
  if (Object.hasOwn(PRESS, type)) {
    return PRESS[type](message) ? { ok: true, kind: 'press' } : { ok: false, error: `bad ${type} message` };
  }
  if (Object.hasOwn(ADULT_ACTIONS, type)) {
    if (who !== 'extension-page' && who !== 'staff-page') return { ok: false, error: `refused: ${type} only from the extension's own pages` };
    return ADULT_ACTIONS[type](message) ? { ok: true, kind: 'adult-action' } : { ok: false, error: `bad ${type} message` };
  }
  if (Object.hasOwn(STAFF_COMMANDS, type)) {
    if (who !== 'staff-page') return { ok: false, error: `refused: ${type} only from the staff page` };
    return STAFF_COMMANDS[type](message) ? { ok: true, kind: 'staff-command' } : { ok: false, error: `bad ${type} message` };
  }
  return { ok: false, error: `unknown message type ${JSON.stringify(type).slice(0, 40)}` };
}
