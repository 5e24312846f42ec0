// "Ask my teacher" on a pupil's block page, with a hub (docs/requests.md): the press sends the
// request (the worker saves and sends it: sw/requests.js), then the page asks every 5 seconds
// whether the teacher has answered, and says so in the pupil's words: "Your teacher said yes"
// (and the page opens) or "Not this time". Built with textContent only. The page opens nothing
// itself: the worker applies an approval through the override guard, and the page then simply
// goes to the address, which the filter judges again.

import { loadMessages, t } from '../ui/i18n.js';
import { ask } from './page-address.js';

/** How often the page asks (the worker asks the hub at most this often too). */
export const POLL_MS = 5_000;

/**
 * The press: `{sent: true}` when the request is on its way (the page says "Your teacher has
 * been asked"), `false` without a hub (the page says to put a hand up).
 * @param {{url: string, locale: string}} args
 */
export async function askMyTeacher({ url, locale }) {
  const answer = await ask({ type: 'ask-teacher', url }, 10_000).catch(() => ({ sent: false }));
  if (!answer?.sent) return false;
  waitForAnswer({ id: answer.id, url, locale });
  return { sent: true };
}

let waiting = null;

/** Asks every `POLL_MS` until the teacher answers, then says it. */
export function waitForAnswer({ id, url, locale }) {
  if (waiting === id) return;
  waiting = id;
  document.documentElement.dataset.ask = 'open';
  const tick = async () => {
    const status = await ask({ type: 'ask-status', id }, 15_000).catch(() => ({ state: 'unknown' }));
    if (status.state === 'approved') {
      await say(locale, 'ask_teacher_yes', 'Your teacher said yes!');
      document.documentElement.dataset.ask = 'approved';
      setTimeout(() => location.replace(url), 1_500);
      return;
    }
    if (status.state === 'declined' || status.state === 'refused') {
      await say(locale, 'ask_teacher_no', 'Not this time.');
      document.documentElement.dataset.ask = 'declined';
      return;
    }
    setTimeout(tick, POLL_MS);
  };
  setTimeout(tick, 1_000);
}

async function say(locale, key, fallback) {
  const messages = await loadMessages(locale).catch(() => ({}));
  let line = document.getElementById('sg-ask-answer');
  if (!line) {
    line = document.createElement('p');
    line.id = 'sg-ask-answer';
    line.className = 'sg-ask-answer';
    line.setAttribute('role', 'status');
    (document.querySelector('.sg-card') ?? document.body).append(line);
  }
  line.textContent = t(messages, key) || fallback;
}
