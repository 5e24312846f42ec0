// The block page ("interstitial") a pupil or a member of staff sees instead of a blocked page.
// Written once and used by the extension's block page (`blocked.html`) and by the demo page's
// gallery and policy tester. Everything is built with `createElement` + `textContent`: the
// verdict carries text from the address bar, which is never parsed as HTML.
//
// Four page designs ("tiers"), one per preset of the group (docs/block-pages.md):
// - EYFS: wordless first. A picture, one big "Hear it" button that speaks one sentence in the
//   page's language (never on its own), one big "Tell a grown-up" button (the tell-an-adult
//   press) and a big Go back. No phone line, no links out.
// - KS1: short words and pictures: Pip the owl, one short sentence, big Go back / Read aloud /
//   Tell a grown-up. No phone line, no links out.
// - KS2: the reason in plain words, what to do, Go back / Ask my teacher / I saw something
//   worrying, and a help box with "Report to CEOP" and Childline.
// - Staff: the exact rule, list entry and list, category, the canonical address, when a time rule
//   changes, how to change it, and "This is wrongly blocked".
// - Self-harm pages and searches, and a pupil's search for help ("I saw porn what do I do"):
//   kind words, never a telling-off, and the tell-an-adult button. For EYFS and KS1 the grown-ups
//   at school and at home; for KS2 and staff also Childline 0800 1111 (a phone line for
//   children who can make a call on their own).
// - Locked illegal content: "Blocked for everyone", nothing more, for everyone.

import { owl, tellAdult, clock, icon } from './art.js';
import { t, localeInfo } from './i18n.js';
import { speak } from './speech.js';
import { childlineLine, ks2Help } from './help.js';

/** Categories whose page gets the support flavour for pupils. */
const SUPPORT_CATEGORIES = new Set(['self-harm']);

/** Categories with their own sentence on the KS2 page (`ks2_reason_<id with _>`). */
export const KS2_REASONS = new Set([
  'pornography', 'dating', 'gambling', 'games', 'social-media', 'chat', 'streaming', 'shopping',
  'violence', 'drugs', 'discrimination', 'hate-speech', 'extremism', 'malware-hacking', 'proxy-vpn',
  'piracy', 'ai-chatbots', 'ip-address',
]);

/**
 * Which page design a group gets: `eyfs`, `ks1`, `ks2` or `staff`, named after the preset each is
 * drawn for. The group's own preset, as the core reports it (`groups()`: `{name, label, staff,
 * preset}`), decides, so a school's "Reception" group from preset `eyfs` gets the EYFS page; a
 * group marked `staff` gets the staff page. A group the page knows only by name is read as that
 * preset's built-in group; any other pupil group gets the KS2 page. (tests/js/tiers.test.mjs
 * checks that every preset the core has gets its own design.)
 * @param {string|{name?: string, staff?: boolean, preset?: string|null}} group
 * @returns {'eyfs'|'ks1'|'ks2'|'staff'}
 */
export function tierFor(group) {
  /** @type {{name?: string, staff?: boolean, preset?: string|null}} */
  const g = typeof group === 'string' ? { name: group } : (group ?? {});
  if (g.staff) return 'staff';
  const preset = g.preset ?? g.name;
  // A group from the staff preset that the policy made `staff = false` is not shown staff details.
  if (preset === 'staff') return g.staff === false ? 'ks2' : 'staff';
  if (preset === 'eyfs' || preset === 'ks1') return preset;
  return 'ks2';
}

/**
 * Which words a group's pages use: `young` (EYFS, KS1), `junior` (KS2) or `staff`.
 * @param {string|{name?: string, staff?: boolean, preset?: string|null}} group
 */
export function audienceFor(group) {
  return audienceOfTier(tierFor(group));
}

/** @param {string} tier */
function audienceOfTier(tier) {
  if (tier === 'staff') return 'staff';
  return tier === 'ks2' ? 'junior' : 'young';
}

/**
 * What kind of block a verdict is, which chooses the page's words:
 * `locked`, `reported`, `unparseable`, `non-web`, `support`, `search`, `time`, `deny`, `uncategorised`,
 * `unknown-group`, `category`, or `allowed` when the verdict does not block.
 */
export function blockKind(verdict) {
  if (!verdict) return 'unparseable';
  // A pupil asking for help sees support, whatever the search was about (even locked content).
  if (verdict.action === 'block' && verdict.flavour === 'help_seeking') return 'support';
  if (verdict.locked) return 'locked';
  if (verdict.action !== 'block') return 'allowed';
  const kind = verdict.rule?.kind;
  if (kind === 'reported') return 'reported';
  if (kind === 'unparseable') return 'unparseable';
  if (kind === 'non-web') return 'non-web';
  if (kind === 'unknown-group') return 'unknown-group';
  const search = verdict.search;
  if (verdict.flavour === 'support') return 'support';
  if (search?.blocked && (search.flavour === 'support' || search.flavour === 'help_seeking' || SUPPORT_CATEGORIES.has(search.category))) return 'support';
  if (SUPPORT_CATEGORIES.has(verdict.category)) return 'support';
  if (kind === 'search') return 'search';
  if (kind === 'group-deny') return 'deny';
  if (kind === 'uncategorised') return 'uncategorised';
  if (verdict.next_change != null && verdict.next_change_local) return 'time';
  return 'category';
}

/** `parent.append` that skips `null`, `undefined` and `false` (which `append` would print). */
function add(parent, ...children) {
  for (const c of children) if (c != null && c !== false) parent.append(c);
  return parent;
}

/**
 * `doc.createElement(tag)` with props (`class`, `text` as textContent, `on<event>` handlers, other
 * attributes; `null`/`false` skipped) and children. Also used by the report cover (report/cover.js).
 */
export function el(doc, tag, props = {}, ...children) {
  const node = doc.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  return add(node, ...children);
}

/** `YYYY-MM-DD` of an instant in a time zone. */
function localDate(ms, timeZone) {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
  } catch {
    return new Date(ms).toISOString().slice(0, 10);
  }
}

/**
 * Splits `2026-11-25T12:15:00+00:00` into its school-local parts.
 * @returns {{date: string, time: string, hour: number, minute: number, weekday: number} | null}
 *   `weekday` 1 = Monday … 7 = Sunday.
 */
export function parseLocal(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(text ?? '');
  if (!m) return null;
  const [, y, mo, d, h, mi] = m;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))).getUTCDay();
  return { date: `${y}-${mo}-${d}`, time: `${h}:${mi}`, hour: Number(h), minute: Number(mi), weekday: day === 0 ? 7 : day };
}

/** "at lunchtime, 12:15", "tomorrow at 15:15", "on Monday at 12:15" in the page's language. */
function whenText(messages, next, { atMs, timeZone }) {
  const today = localDate(atMs, timeZone);
  const tomorrow = localDate(atMs + 86_400_000, timeZone);
  if (next.date === today) {
    const minutes = next.hour * 60 + next.minute;
    const lunch = minutes >= 11 * 60 + 30 && minutes <= 13 * 60 + 30;
    return t(messages, lunch ? 'when_lunch' : 'when_at', next.time);
  }
  if (next.date === tomorrow) return t(messages, 'when_tomorrow', next.time);
  return t(messages, 'when_day', [t(messages, `day_${next.weekday}`), next.time]);
}

/** A date and time for staff: "Wednesday 25 November, 12:15". */
function staffWhen(next, lang) {
  const [y, mo, d] = next.date.split('-').map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d));
  const day = new Intl.DateTimeFormat(lang, { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long' }).format(date);
  return `${day}, ${next.time}`;
}

function categoryName(messages, id) {
  return t(messages, `cat_${String(id).replace(/-/g, '_')}`) || id;
}

/**
 * Renders a block page into `container` (replacing its content).
 *
 * @param {Document} doc the document `container` belongs to
 * @param {Element} container
 * @param {object} options
 * @param {string|{name: string, label?: string, staff?: boolean, preset?: string}} options.group
 * @param {object} options.verdict a Verdict from `Schoolgate.classify`
 * @param {string} [options.locale] a `_locales` folder name (`en_GB`, `pl`)
 * @param {object} options.messages from `loadMessages(locale)`
 * @param {'eyfs'|'ks1'|'ks2'|'staff'} [options.tier] the page design; default: from the group (`tierFor`)
 * @param {number} [options.atMs] when the verdict was made (for "today"/"tomorrow"); default now
 * @param {string} [options.timeZone] the school's zone; default Europe/London
 * @param {string} [options.schoolName]
 * @param {boolean} [options.monitored] blocks go to the school's hub: pupils' pages say so
 * @param {string} [options.reportHref] where "This is wrongly blocked" goes (staff); without
 *   it the page shows the details to send instead
 * @param {(action: 'back'|'ask-teacher'|'worried'|'wrongly-blocked', verdict: object) => any} [options.onAction]
 *   the extension's hook. Return `true` (or a promise of `{sent: true}`) when the action was
 *   handled; otherwise the page does the local thing (go back, or tell the pupil what to do).
 * @returns {{tier: string, audience: string, kind: string, title: string, speech: string}}
 */
export function renderInterstitial(doc, container, options) {
  const { verdict, messages, group } = options;
  const locale = localeInfo(options.locale);
  const tier = options.tier ?? tierFor(group);
  const audience = audienceOfTier(tier);
  const kind = blockKind(verdict);
  const win = doc.defaultView;
  const atMs = options.atMs ?? Date.now();
  const timeZone = options.timeZone ?? 'Europe/London';
  const m = (key, subs) => t(messages, key, subs);
  const groupInfo = typeof group === 'string' ? { name: group } : (group ?? {});
  const next = kind === 'time' ? parseLocal(verdict.next_change_local) : null;

  // The support page's words for a pupil who asked for help (`help_seeking`), or who may be hurting.
  const help = kind === 'support' && (verdict.flavour === 'help_seeking' || verdict.search?.flavour === 'help_seeking');
  const page = el(doc, 'main', {
    class: `sg-page sg-${audience} sg-tier-${tier} sg-kind-${kind}`,
    lang: locale.lang,
    dir: locale.dir,
    'data-tier': tier,
    'data-audience': audience,
    'data-kind': kind,
    'data-help': help ? 'true' : null,
  });
  const card = el(doc, 'div', { class: 'sg-card' });
  page.append(card);
  const status = el(doc, 'div', { class: 'sg-status', role: 'status', 'aria-live': 'polite' });

  const act = async (action, fallback) => {
    /** @type {any} what the extension's hook answered */
    let handled = false;
    try {
      handled = await options.onAction?.(action, verdict);
    } catch {
      handled = false;
    }
    if (handled === true) return;
    if (handled && typeof handled === 'object' && handled.sent) {
      fallback(true);
      return;
    }
    fallback(false);
  };
  const say = (text, extra) => {
    status.replaceChildren(el(doc, 'p', { text }), ...(extra ? [extra] : []));
  };

  const backButton = (big) => el(doc, 'button', {
    type: 'button',
    class: big ? 'sg-btn sg-btn-primary sg-btn-big' : 'sg-btn sg-btn-primary',
    'data-action': 'back',
    onclick: () => act('back', () => {
      if (win?.history && win.history.length > 1) win.history.back();
      else say(m('back_nowhere'));
    }),
  }, icon(doc, 'back'), el(doc, 'span', { text: m('go_back') }));

  let speech = '';
  // "Read aloud" (EYFS: "Hear it"): speaks the page's sentence in the page's language, only when pressed.
  const readAloudButton = (big, labelKey = 'read_aloud') => {
    const label = el(doc, 'span', { text: m(labelKey) });
    const button = el(doc, 'button', {
      type: 'button',
      class: big ? 'sg-btn sg-btn-secondary sg-btn-big' : 'sg-btn sg-btn-secondary',
      'data-action': 'read-aloud',
      'aria-pressed': 'false',
    }, icon(doc, 'speak'), label);
    const done = () => {
      button.setAttribute('aria-pressed', 'false');
      label.textContent = m(labelKey);
    };
    button.addEventListener('click', () => {
      if (button.getAttribute('aria-pressed') === 'true') {
        win?.speechSynthesis?.cancel();
        done();
        return;
      }
      if (speak(win, speech, locale.lang, done)) {
        button.setAttribute('aria-pressed', 'true');
        label.textContent = m('stop_reading');
      } else {
        say(m('no_speech'));
      }
    });
    return button;
  };

  // "Turn off the screen and tell an adult" on every block page. For the young, a big hand that
  // says "Tell a grown-up" (its name is the words it shows; the full phrase is its tooltip).
  const tellAdultButton = (big) => el(doc, 'button', {
    type: 'button',
    class: big ? 'sg-btn sg-btn-secondary sg-btn-big sg-btn-tell' : 'sg-btn sg-btn-secondary',
    'data-action': 'worried',
    'aria-label': big ? null : m('safety_button_label'),
    title: m('safety_button_label'),
    onclick: () => act('worried', (sent) => say(m(sent ? 'worried_sent' : 'worried_local'), audience === 'young' ? null : childline())),
  }, icon(doc, 'hand'), el(doc, 'span', { text: m(big ? 'tell_grown_up' : 'safety_button_label') }));

  const childline = () => childlineLine(doc, messages);

  let title;
  if (audience === 'young') {
    /** @type {'calm'|'kind'|'wait'|'stop'} */
    let mood = 'calm';
    let words = m('young_say');
    let picture = null;
    if (kind === 'locked') {
      mood = 'stop';
      words = m('young_say_locked');
    } else if (kind === 'support') {
      mood = 'kind';
      words = m(help ? 'young_say_help' : 'young_say_support');
      picture = tellAdult(doc, { label: m('picture_tell_adult') });
    } else if (kind === 'time' && next) {
      mood = 'wait';
      words = m('young_say_time', next.time);
    } else if (kind === 'non-web' || kind === 'unparseable') {
      words = m('young_say_nonweb');
    } else if (kind === 'reported') {
      mood = 'kind';
      words = m('young_say_reported');
    }
    title = m(kind === 'support' ? (help ? 'young_title_help' : 'young_title_support') : 'young_title');
    speech = kind === 'support' ? `${title}. ${words}` : words;
    // Young children are pointed to the grown-ups around them, not to a phone line or a website.
    if (tier === 'eyfs') {
      // Wordless first: the picture, then three big buttons; the heading is for screen readers,
      // and the sentence "Hear it" speaks is shown small underneath for the grown-up beside them.
      const tell = tellAdultButton(true);
      const hear = readAloudButton(true, 'hear_it');
      add(card,
        el(doc, 'h1', { class: 'sg-title sg-visually-hidden', text: title }),
        el(doc, 'div', { class: 'sg-hero sg-hero-eyfs' },
          owl(doc, { mood, time: next?.time, label: m(`owl_${mood}`) }),
          tellAdult(doc, { label: m('picture_tell_adult') })),
        el(doc, 'div', { class: 'sg-actions sg-actions-eyfs' },
          kind === 'support' ? tell : hear, kind === 'support' ? hear : tell, backButton(true)),
        el(doc, 'p', { class: 'sg-eyfs-words', text: words }),
      );
    } else {
      // KS1: short words and pictures.
      add(card,
        el(doc, 'div', { class: 'sg-hero' }, owl(doc, { mood, time: next?.time, label: m(`owl_${mood}`) }), picture),
        el(doc, 'h1', { class: 'sg-title', text: title }),
        el(doc, 'p', { class: 'sg-say', text: words }),
        kind === 'support' ? el(doc, 'p', { class: 'sg-say sg-help-adults', text: m('young_help_adults') }) : null,
        el(doc, 'div', { class: 'sg-actions' }, kind === 'support' ? tellAdultButton(true) : null, backButton(true), readAloudButton(true), kind === 'support' ? null : tellAdultButton(true)),
      );
    }
  } else if (audience === 'junior') {
    let reason;
    let extra = null;
    /** @type {'calm'|'kind'|'wait'|'stop'} */
    let mood = 'calm';
    if (kind === 'locked') {
      title = m('locked_title');
      reason = m('locked_pupil');
      mood = 'stop';
    } else if (kind === 'support') {
      title = m(help ? 'help_title' : 'support_title');
      reason = m(help ? 'help_text' : 'support_text');
      mood = 'kind';
      extra = el(doc, 'div', { class: 'sg-support' },
        tellAdult(doc, { label: m('picture_tell_adult') }),
        el(doc, 'div', {},
          el(doc, 'p', { text: m('support_tell') }),
          el(doc, 'p', { text: m('support_childline') }),
          childline()));
    } else if (kind === 'time' && next) {
      title = m('ks2_title_time');
      const when = whenText(messages, next, { atMs, timeZone });
      reason = m(verdict.category === 'games' ? 'ks2_time_games' : 'ks2_time_other', when);
    } else {
      title = m(kind === 'search' ? 'ks2_title_search' : 'ks2_title');
      const cat = verdict.category ?? verdict.search?.category;
      if (kind === 'search') reason = m('ks2_reason_search');
      else if (kind === 'deny') reason = m('ks2_reason_deny');
      else if (kind === 'reported') reason = m('ks2_reason_reported');
      else if (kind === 'uncategorised') reason = m('ks2_reason_uncategorised');
      else if (kind === 'non-web') reason = m('ks2_reason_nonweb');
      else if (kind === 'unparseable') reason = m('ks2_reason_unparseable');
      else if (cat && KS2_REASONS.has(cat)) reason = m(`ks2_reason_${cat.replace(/-/g, '_')}`);
      else reason = m('ks2_reason_other');
    }
    speech = `${title}. ${reason}`;
    const buttons = el(doc, 'div', { class: 'sg-actions' });
    // On the support page the first button is "turn off the screen and tell an adult".
    if (kind === 'support') buttons.append(tellAdultButton(false));
    buttons.append(backButton(false));
    // Locked content cannot be unblocked by anyone, so nobody is asked to (a pupil asking for
    // help about it sees the support page, without this button).
    if (kind !== 'locked' && !verdict.locked) {
      buttons.append(el(doc, 'button', {
        type: 'button',
        class: 'sg-btn sg-btn-secondary',
        'data-action': 'ask-teacher',
        onclick: () => act('ask-teacher', (sent) => say(m(sent ? 'ask_teacher_sent' : 'ask_teacher_local'))),
      }, icon(doc, 'hand'), el(doc, 'span', { text: m('ask_teacher') })));
    }
    if (kind !== 'support') {
      buttons.append(el(doc, 'button', {
        type: 'button',
        class: 'sg-btn sg-btn-secondary',
        'data-action': 'worried',
        onclick: () => act('worried', (sent) => say(m(sent ? 'worried_sent' : 'worried_local'), childline())),
      }, icon(doc, 'heart'), el(doc, 'span', { text: m('worried') })));
    }
    buttons.append(readAloudButton(false));
    // What to do, in words: nobody can open a locked page, so its pupils are not sent to ask.
    const todo = m(kind === 'locked' || verdict.locked ? 'ks2_todo_locked' : (kind === 'support' ? 'ks2_todo_support' : 'ks2_todo'));
    add(card,
      el(doc, 'div', { class: 'sg-hero sg-hero-small' }, owl(doc, { mood, time: next?.time, label: m(`owl_${mood}`) })),
      el(doc, 'h1', { class: 'sg-title', text: title }),
      el(doc, 'p', { class: 'sg-reason', text: reason }),
      kind === 'time' && next ? el(doc, 'div', { class: 'sg-clock' }, clock(doc, { time: next.time, label: m('clock_label', next.time) })) : null,
      extra,
      el(doc, 'p', { class: 'sg-todo', text: todo }),
      buttons,
      // Childline and "Report to CEOP" on every KS2 page (the support page shows Childline above).
      ks2Help(doc, messages, { childline: kind !== 'support' }),
    );
  } else {
    add(card, ...staffPage(doc, { ...options, kind, next, m, locale, groupInfo, backButton, say, tellAdultButton }));
    title = card.querySelector('h1')?.textContent ?? '';
  }

  card.append(status);
  const footer = el(doc, 'footer', { class: 'sg-footer' },
    // Pupils are told that blocks reach the school (docs/events.md), in words for their age.
    options.monitored && audience !== 'staff' ? el(doc, 'p', { class: 'sg-school-sees', text: m(audience === 'young' ? 'sees_young' : 'sees_junior') }) : null,
    el(doc, 'p', { text: options.schoolName ? m('footer_school', options.schoolName) : m('footer') }));
  page.append(footer);
  container.replaceChildren(page);
  return { tier, audience, kind, title, speech };
}

/**
 * The staff page's card.
 * @param {Document} doc
 * @param {{[key: string]: any, reportHref?: string}} parts
 */
function staffPage(doc, { verdict, messages, kind, next, m, locale, groupInfo, backButton, say, reportHref, onAction, atMs, tellAdultButton }) {
  const out = [];
  const heading = (text) => el(doc, 'h1', { class: 'sg-title' }, kind === 'allowed' ? null : icon(doc, 'lock'), el(doc, 'span', { text }));
  if (kind === 'locked') {
    out.push(
      heading(m('locked_title')),
      el(doc, 'p', { class: 'sg-reason', text: m('locked_staff') }),
      el(doc, 'p', { class: 'sg-reason', text: m('locked_staff_dsl') }),
      el(doc, 'div', { class: 'sg-actions' }, backButton(false), tellAdultButton(false)),
    );
    return out;
  }
  const label = groupInfo.label || groupInfo.name || verdict.group || '';
  out.push(heading(kind === 'allowed' ? m('staff_title_allowed', label) : m('staff_title', label)));
  if (verdict.reason) out.push(el(doc, 'p', { class: 'sg-reason', text: verdict.reason }));

  const rows = [];
  const row = (key, value, cls) => {
    if (value == null || value === '') return;
    rows.push(el(doc, 'dt', { text: m(key) }), el(doc, 'dd', { class: cls, text: String(value) }));
  };
  const rule = verdict.rule ?? {};
  if (verdict.category) {
    const name = categoryName(messages, verdict.category);
    row('staff_category', name === verdict.category ? name : `${name} (${verdict.category})`);
  }
  row('staff_rule', m(`rule_${String(rule.kind ?? 'unknown').replace(/-/g, '_')}`) || rule.kind);
  row('staff_entry', rule.entry, 'sg-code');
  row('staff_source', rule.source, 'sg-code');
  row('staff_setting', rule.setting ?? (rule.scheme ? `${rule.scheme}:` : null), 'sg-code');
  if (Array.isArray(rule.phrases) && rule.phrases.length && !verdict.search?.matches?.length) {
    row('staff_search_phrases', rule.phrases.join('; '));
  }
  row('staff_error', rule.error);
  row('staff_address', verdict.canonical ?? verdict.url, 'sg-code sg-url');
  if (verdict.carried) row('staff_carried', `${verdict.carried.url} (${verdict.carried.via})`, 'sg-code sg-url');
  row('staff_lookalike', verdict.lookalike_of, 'sg-code');
  if (next) row('staff_changes', staffWhen(next, locale.lang));
  // How to change it: who can, and where (a teacher's code for a lesson, the IT lead for good).
  if (kind !== 'allowed') row('staff_change', m(kind === 'time' ? 'staff_change_time' : 'staff_change_text'));
  const search = verdict.search;
  if (search) {
    row('staff_search_terms', search.terms ?? search.normalized?.text);
    if (Array.isArray(search.matches) && search.matches.length) {
      row('staff_search_phrases', search.matches.map((p) => `${p.phrase} (${p.category}, ${p.weight})`).join('; '));
    }
  }
  if (rows.length) out.push(el(doc, 'dl', { class: 'sg-details' }, ...rows));

  const actions = el(doc, 'div', { class: 'sg-actions' }, backButton(false));
  if (kind !== 'allowed') {
    const details = [
      `${m('staff_address')}: ${verdict.canonical ?? verdict.url}`,
      `${m('staff_group')}: ${verdict.group}`,
      `${m('staff_when')}: ${new Date(atMs ?? Date.now()).toISOString()}`,
      verdict.category ? `${m('staff_category')}: ${verdict.category}` : '',
      rule.entry ? `${m('staff_entry')}: ${rule.entry} (${rule.source ?? rule.setting ?? ''})` : '',
      verdict.reason ? `${m('staff_reason')}: ${verdict.reason}` : '',
    ].filter(Boolean).join('\n');
    if (reportHref) {
      const href = new URL(reportHref, doc.baseURI);
      href.searchParams.set('url', verdict.canonical ?? verdict.url);
      actions.append(el(doc, 'a', { class: 'sg-btn sg-btn-secondary', href: href.href, 'data-action': 'wrongly-blocked' },
        icon(doc, 'flag'), el(doc, 'span', { text: m('staff_wrongly') })));
    } else {
      actions.append(el(doc, 'button', {
        type: 'button',
        class: 'sg-btn sg-btn-secondary',
        'data-action': 'wrongly-blocked',
        onclick: async () => {
          /** @type {any} what the extension's hook answered */
          let handled = false;
          try { handled = await onAction?.('wrongly-blocked', verdict); } catch { handled = false; }
          if (handled === true || handled?.sent) say(m('staff_wrongly_sent'));
          else say(m('staff_wrongly_local'), el(doc, 'pre', { class: 'sg-report', tabindex: '0', text: details }));
        },
      }, icon(doc, 'flag'), el(doc, 'span', { text: m('staff_wrongly') })));
    }
  }
  actions.append(tellAdultButton(false));
  out.push(actions);
  return out;
}
