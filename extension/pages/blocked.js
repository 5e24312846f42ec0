// The extension's block page. Its address says which URL was blocked (see page-address.js); the
// page asks the service worker to judge it again, on the policy in force, for the explanation,
// and shows it with the shared interstitial (ui/), which builds everything with textContent.
//
// A pupil's page can be switched to the staff view with the staff code (checked by the worker
// against the Admin console's salted hash); that shows details, it never unblocks anything.

import { showBlockPage } from '../ui/block-page.js';
import { loadMessages, browserLocale, localeInfo, t } from '../ui/i18n.js';
import { readPageAddress, ask } from './page-address.js';
import { renderCover } from '../report/cover.js';
import { audienceFor } from '../ui/interstitial.js';
import { offerTeacherCode } from './teacher-code.js';
import { codeForm } from './code-form.js';
import { askMyTeacher, waitForAnswer } from './ask-teacher.js';

const { params, url } = readPageAddress(location.href);
const src = params.get('src') ?? '';
document.documentElement.dataset.src = src;
// Inside a frame (a blocked frame of a web page, or a web page framing this page on purpose):
// the notice only. Nothing here can be pressed, so a page that frames blocked.html?u=… cannot
// make a pupil file a report or block an address on this device (the worker refuses such a
// frame's messages too: sw/messages.js).
const framed = window.top !== window;
if (framed) document.documentElement.dataset.framed = 'true';

/** A verdict to show when the worker cannot explain: blocked, with no details. */
function unexplained(address, error) {
  return {
    url: address ?? '', canonical: null, action: 'block', category: null, locked: false,
    reason: `Blocked by Schoolgate (${error})`, rule: { kind: 'category', setting: 'unknown' }, group: 'ks2',
    carried: null, lookalike_of: null, next_change: null, next_change_local: null, matches: [],
    search: null, safe_search: null, flavour: null, alerts: [],
  };
}

async function explain() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await ask({ type: 'explain', url: url ?? '' }, 8_000);
    } catch (error) {
      if (attempt >= 2) return { error: String(error?.message ?? error) };
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function main() {
  const info = await explain();
  if (info.error) {
    await showBlockPage({ verdict: unexplained(url, info.error), group: { name: 'ks2', preset: 'ks2' }, languageSwitch: !framed });
    return;
  }
  const { verdict } = info;
  // The school's language for this group (managed `language`), else the browser's; the switch
  // on the page changes it for this page only.
  let locale = info.locale ?? browserLocale();
  if (verdict.action === 'allow' && url && /^https?:/i.test(url)) {
    // Blocked a moment ago (a time window has opened since, or the rules were a step behind):
    // go on, once. If it comes straight back, show the page rather than loop.
    const key = `sg-continue:${url}`;
    const last = Number(sessionStorage.getItem(key) ?? 0);
    if (Date.now() - last > 15_000) {
      sessionStorage.setItem(key, String(Date.now()));
      location.replace(url);
      return;
    }
  }
  const render = (group) => showBlockPage({
    verdict,
    group,
    locale,
    atMs: info.atMs,
    timeZone: info.timeZone,
    schoolName: info.schoolName,
    monitored: info.monitored,
    languageSwitch: !framed,
    onLocale: (chosen) => {
      locale = chosen;
      offerCodes();
    },
    onAction: (action) => {
      if (framed) return true; // nothing to press in a frame (the buttons are removed below)
      if (action === 'back') return false; // the page goes back itself
      if (action === 'worried') {
        tellAnAdult(verdict.url ?? url ?? '', locale, info.group);
        return true;
      }
      // Recorded on this device as before; with a hub, also sent to the teacher (sw/requests.js).
      if (action === 'ask-teacher') {
        ask({ type: 'pupil-action', action, url: verdict.canonical ?? verdict.url }).catch(() => {});
        return askMyTeacher({ url: url ?? '', locale });
      }
      // Recorded on this device for the report flow; the page then tells the pupil what to do.
      ask({ type: 'pupil-action', action, url: verdict.canonical ?? verdict.url }).catch(() => {});
      return false;
    },
  });
  await render(info.group);
  document.documentElement.dataset.group = info.group?.name ?? '';
  if (framed) {
    for (const node of document.querySelectorAll('.sg-actions, .sg-help, [data-action]')) node.remove();
    return;
  }
  let staffShown = false;
  let following = false;
  // After each render (again after a language switch): "Ask my teacher" only where a teacher may
  // open the page (never a locked list or a never-override category: the worker asks the core),
  // a request still waiting followed; the teacher's code and the staff view in the page's language.
  const offerCodes = async () => {
    if (!info.askTeacher?.available || verdict.locked) {
      for (const node of document.querySelectorAll('[data-action="ask-teacher"]')) node.remove();
    } else if (info.askTeacher.pending && !following) {
      following = true;
      waitForAnswer({ id: info.askTeacher.pending, url: url ?? '', locale });
    }
    const messages = await loadMessages(locale);
    document.getElementById('sg-teacher-code')?.remove();
    if (info.teacherCode?.available && !verdict.locked) {
      offerTeacherCode({ url: url ?? '', locale, timeZone: info.timeZone, messages });
    }
    if (info.staffUnlock && !info.group?.staff && !verdict.locked && !staffShown) {
      offerStaffView(messages, () => {
        staffShown = true;
        return render({ ...info.group, staff: true });
      });
    }
  };
  await offerCodes();
}

/**
 * "Turn off the screen and tell an adult" on the block page: the cover at once, then the report
 * (saved by the worker), then the cover page with the adult's form.
 */
async function tellAnAdult(address, locale, group) {
  const pressedAtMs = Date.now();
  const messages = await loadMessages(locale);
  const audience = audienceFor(group);
  document.getElementById('sg-staff').hidden = true;
  document.getElementById('sg-language')?.remove();
  const cover = renderCover(document, document.getElementById('sg-root'), { audience, messages, locale });
  document.documentElement.dataset.covered = 'true';
  try {
    const { id } = await ask({ type: 'report-press', source: 'block-page', url: address, pressedAtMs }, 10_000);
    // The cover page keeps this page's language, the adult's switch included (words only: the
    // worker never sees it).
    location.replace(`report.html?id=${encodeURIComponent(id)}&locale=${encodeURIComponent(localeInfo(locale).id)}`);
  } catch (error) {
    cover.status(`${t(messages, 'cover_not_saved')} ${error?.message ?? ''}`.trim());
  }
}

/** A small "Staff" button: with the right code, the same page in its staff view. */
function offerStaffView(messages, showStaff) {
  const box = document.getElementById('sg-staff');
  const say = (key, fallback) => t(messages, key) || fallback;
  const { open, form } = codeForm({
    openLabel: say('ext_staff_button', 'Staff'),
    openClass: 'sg-staff-open',
    label: say('ext_staff_code', 'Staff code'),
    input: { id: 'sg-staff-code', type: 'password' },
    submitLabel: say('ext_staff_show', 'Show details'),
    submit: async (code) => {
      // Checked by the worker (salted and slow, guessing slowed down): this page never sees the hash.
      const answer = await ask({ type: 'staff-unlock', code }).catch((error) => ({ ok: false, error: error.message }));
      if (!answer.ok) return /not right/.test(answer.error ?? 'not right') ? say('ext_staff_wrong', 'That code is not right.') : answer.error;
      box.hidden = true;
      await showStaff();
      return null;
    },
  });
  box.replaceChildren(open, form);
  box.hidden = false;
}

main();
