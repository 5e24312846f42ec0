// The worker's one message router. Who may send what, and each message's guard, are in
// sw/messages.js (`admit`, by trust tier); what answers each type is in `HANDLERS` below. A type
// admitted with no handler, or a handler for a type nobody may send, is a fault shown on the staff
// page (`checkRoutes`).

import { admit, QUERIES, PUPIL_ACTIONS, PRESS, ADULT_ACTIONS, STAFF_COMMANDS } from './messages.js';
import { MESSAGE_HANDLERS as REPORT_HANDLERS } from './report-flow.js';
import { judge, explain } from './navigation.js';
import { judgeResults } from './results.js';
import { statusReport } from './status.js';
import { syncManaged, syncHubPolicy } from './managed.js';
import { ready } from './lifecycle.js';
import { logFailure } from './failures.js';
import { tryCode, overridesReport } from './overrides.js';
import { staffFlag } from './events.js';
import { onDemand as runFilterCheck } from './self-test.js';
import { askTeacher, askStatus } from './requests.js';
import { staffPair, staffRequests, staffAnswer } from './staff-requests.js';

/** type → handler(message, sender) → answer. */
export const HANDLERS = Object.freeze({
  judge: (m) => judge(m.url),
  explain: (m) => explain(m.url),
  status: () => statusReport(),
  'judge-results': (m) => judgeResults(m, ready),
  refresh: async () => {
    await syncManaged('staff page: refresh now', { force: true, ifUnreadable: 'empty' });
    await syncHubPolicy('staff page: refresh now');
    return statusReport();
  },
  'override-code': (m) => tryCode(m),
  'overrides-list': () => overridesReport(),
  'staff-flag': (m) => staffFlag(m),
  'self-test': (m) => runFilterCheck(m),
  'ask-teacher': (m) => askTeacher(m),
  'ask-status': (m) => askStatus(m),
  'staff-pair': (m) => staffPair(m),
  'staff-requests': (m) => staffRequests(m),
  'staff-answer': (m) => staffAnswer(m),
  ...REPORT_HANDLERS,
});

/** The types sw/messages.js admits that have no handler, and the handlers nothing may reach. */
export function checkRoutes() {
  const admitted = new Set([QUERIES, PUPIL_ACTIONS, PRESS, ADULT_ACTIONS, STAFF_COMMANDS].flatMap(Object.keys));
  const handled = new Set(Object.keys(HANDLERS));
  return {
    unhandled: [...admitted].filter((t) => !handled.has(t)),
    unreachable: [...handled].filter((t) => !admitted.has(t)),
  };
}

/** The `runtime.onMessage` listener. */
export function onMessage(message, sender, sendResponse) {
  const admitted = admit(message, sender, chrome.runtime.id);
  if (!admitted.ok) {
    sendResponse({ error: admitted.error });
    return false;
  }
  const handler = Object.hasOwn(HANDLERS, message.type) ? HANDLERS[message.type] : null;
  if (!handler) {
    sendResponse({ error: 'unknown message' });
    return false;
  }
  Promise.resolve()
    .then(() => handler(message, sender))
    .then(sendResponse, (error) => {
      logFailure(`answering ${message.type}`, error);
      sendResponse({ error: String(error?.message ?? error) });
    });
  return true;
}

/** `runtime.onMessageExternal`: other extensions and web pages are refused before being read. */
export function onMessageExternal(_message, _sender, sendResponse) {
  sendResponse({ error: 'refused: Schoolgate takes no messages from other extensions or web pages' });
  return false;
}

const routes = checkRoutes();
if (routes.unhandled.length || routes.unreachable.length) {
  logFailure('message routes', `no handler for ${routes.unhandled.join(', ') || '-'}; unreachable ${routes.unreachable.join(', ') || '-'}`);
}
