// "Teacher's code" on a pupil's block page: a teacher types the short code the hub (or an
// authenticator app, or `schoolgate override-code`) shows for this site and group, and the page
// opens for the lesson. Built with textContent only. The page only sends what was typed: the
// worker checks it with the core (sw/overrides.js), against a secret this page never sees, and
// refuses a code from a page inside a frame (sw/messages.js).

import { t } from '../ui/i18n.js';
import { ask } from './page-address.js';
import { codeForm } from './code-form.js';

/**
 * Adds the entry under the block page, when the worker says a code could open this page
 * (`info.teacherCode.available`).
 * @param {{url: string, locale: string, timeZone?: string, messages: object}} args
 */
export function offerTeacherCode({ url, locale, timeZone, messages }) {
  const say = (key, fallback, subs) => t(messages, key, subs) || fallback;
  const box = document.createElement('section');
  box.id = 'sg-teacher-code';
  box.className = 'sg-teacher-code';
  const { open, form } = codeForm({
    openLabel: say('ext_teacher_code_button', "Teacher's code"),
    openClass: 'sg-teacher-code-open',
    label: say('ext_teacher_code_label', "Teacher's code (6 numbers)"),
    input: { id: 'sg-teacher-code-input', inputMode: 'numeric', maxLength: 9, spellcheck: false },
    submitLabel: say('ext_teacher_code_open', 'Open for the lesson'),
    statusId: 'sg-teacher-code-status',
    submit: async (code) => {
      const answer = await ask({ type: 'override-code', url, code }, 10_000)
        .catch((error) => ({ ok: false, outcome: 'failed', message: error?.message }));
      if (answer.ok) {
        const until = new Date(answer.endsAt).toLocaleTimeString(locale.replace('_', '-'), { hour: '2-digit', minute: '2-digit', timeZone: timeZone || undefined });
        document.documentElement.dataset.override = 'granted';
        setTimeout(() => location.replace(url), 600);
        return say('ext_teacher_code_opened', `Open until ${until}.`, [until]);
      }
      document.documentElement.dataset.override = answer.outcome ?? 'failed';
      const minutes = String(Math.max(1, Math.ceil((answer.waitMs ?? 0) / 60_000)));
      const words = {
        'wrong-code': say('ext_teacher_code_wrong', 'That code is not right.'),
        malformed: say('ext_teacher_code_wrong', 'That code is not right.'),
        used: say('ext_teacher_code_used', 'That code has been used. Ask your teacher for a new one.'),
        wait: say('ext_teacher_code_wait', `Too many wrong codes. Try again in ${minutes} minutes.`, [minutes]),
        refused: say('ext_teacher_code_refused', "A teacher's code cannot open this page."),
      };
      return words[answer.outcome] ?? say('ext_teacher_code_failed', 'The code could not be checked. Try again.');
    },
  });
  box.append(open, form);
  document.body.append(box);
  return box;
}
