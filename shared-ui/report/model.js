// A safeguarding report: what a pupil's "turn off the screen and tell an adult" press records,
// and what the adult adds. Pure data and functions (no browser API), shared by the extension's
// service worker, its cover and staff pages, the demo page and the Node tests.
//
// Rules the shape keeps (docs/reports.md explains every field and why it is collected):
// - Facts only, in chronological order (`timeline`), as in CPOMS or MyConcern; no opinion.
// - Append-only once the adult has submitted: `recordAdult` may run once, and afterwards only
//   `appendEvent` adds to the record. Nothing is ever rewritten.
// - No image data ever: there is no field for a screenshot or page capture, every text is cut
//   down to what is plainly text (report/scrub.js, an allow-list), and `checkNoImages` refuses a
//   report that holds anything else.
// - Suspected child sexual abuse imagery: the record keeps the address only (UKCIS: never view,
//   copy, share or store such imagery; the IWF needs only the URL). Revision 1, sent at the
//   press, therefore carries no page title, navigations or list matches: the device holds them
//   (`heldDetails`) until the adult has answered, and they arrive in revision 2 only on a no.
// - The minimum: identity is what a managed Chromebook already gives the school (the managed
//   account's email, the device's asset id), never names typed by the pupil.

import { scrubImages, holdsImageData } from './scrub.js';

/** The `schema` of every report this code writes. Receivers check it. */
export const REPORT_SCHEMA = 'schoolgate-report/1';

/** KCSIE's four areas of risk. */
export const KCSIE_AREAS = Object.freeze(['content', 'contact', 'conduct', 'commerce']);

/**
 * What the pupil saw, as the adult records it: the UK Safer Internet Centre categories plus the
 * ones a primary school needs. `csam` is the one that changes what the record may keep.
 */
export const CONCERN_CATEGORIES = Object.freeze([
  'csam', 'pornography', 'self-harm', 'violence', 'extremism', 'hate-speech', 'discrimination',
  'drugs', 'gambling', 'malware-hacking', 'piracy', 'bullying', 'stranger-contact', 'scam',
  'scary-content', 'other',
]);

/** The picture scale a young pupil taps to say how they feel (shown as faces). */
export const FEELINGS = Object.freeze(['happy', 'okay', 'unsure', 'worried', 'upset']);

/**
 * How the report came about: a press (`toolbar` … `demo`), or `search-alert`, made by the
 * service worker itself when a pupil's search raised a safeguarding or Prevent alert.
 */
export const SOURCES = Object.freeze(['toolbar', 'shortcut', 'page-button', 'block-page', 'demo', 'search-alert']);

/** Limits, so one report can never grow without bound. */
export const LIMITS = Object.freeze({ url: 8192, title: 300, words: 2000, action: 2000, navigations: 10, timeline: 200, note: 1000 });

/** Thrown for a report or an adult record that breaks the rules above. */
export class ReportError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ReportError';
  }
}

const iso = (ms) => new Date(ms).toISOString();
/** Free text in a report: clipped, with anything that is not plainly text cut (report/scrub.js). */
const text = (value, max) => (value == null ? null : scrubImages(value, max));

export { scrubImages };

/** What every report opens with: schema, id, first revision, time, source, school and pupil. */
function reportHead(p, source) {
  return {
    schema: REPORT_SCHEMA,
    id: p.id,
    revision: 1,
    createdAt: iso(p.atMs),
    source,
    school: { name: text(p.school?.name ?? '', 200), policySource: text(p.school?.policySource ?? '', 100) },
    pupil: {
      group: text(p.group?.name ?? '', 64),
      groupLabel: text(p.group?.label ?? p.group?.name ?? '', 100),
      email: text(p.identity?.email || null, 320),
      deviceAssetId: text(p.identity?.deviceAssetId || null, 200),
    },
  };
}

/**
 * A new report, at the moment of the press.
 *
 * @param {object} p
 * @param {string} p.id a stable unique id (receivers de-duplicate by it)
 * @param {number} p.atMs when the pupil pressed
 * @param {string} p.source one of SOURCES
 * @param {string} p.url the page the pupil was on
 * @param {string} [p.title] its title
 * @param {{atMs: number, url: string, transition?: string}[]} [p.navigations] this tab's recent
 *   navigations, oldest first
 * @param {object|null} [p.verdict] the filter's verdict for `url` at the press (`classify`)
 * @param {{name: string, label?: string}} p.group the device's policy group
 * @param {{email?: string|null, deviceAssetId?: string|null}} [p.identity]
 * @param {{name?: string, policySource?: string}} [p.school]
 * @param {string} [p.engineVersion]
 * @param {boolean} [p.blockOnDevice] `false`: the page is not blocked on this device (default: it is)
 */
export function newReport(p) {
  if (!p || typeof p.id !== 'string' || !/^[A-Za-z0-9-]{8,64}$/.test(p.id)) throw new ReportError('a report needs an id of 8–64 letters, digits or dashes');
  if (!SOURCES.includes(p.source)) throw new ReportError(`unknown source ${JSON.stringify(p.source)}`);
  if (!Number.isFinite(p.atMs)) throw new ReportError('a report needs the time of the press');
  const v = p.verdict ?? null;
  const report = {
    ...reportHead(p, p.source),
    page: {
      url: text(p.url ?? '', LIMITS.url),
      // Held back on the device (heldDetails) until an adult has answered the suspected-CSAM
      // question: a receiver that keeps every revision must never have held them for such a page.
      title: null,
      navigations: [],
      details: 'held',
    },
    filter: { ...summariseVerdict(v, p.engineVersion), matches: [] },
    blockedOnDevice: p.blockOnDevice !== false,
    adult: null,
    timeline: [
      { at: iso(p.atMs), event: 'pressed', detail: `The pupil pressed "tell an adult" (${p.source}); the screen was covered.` },
      p.blockOnDevice === false
        ? { at: iso(p.atMs), event: 'not-blocked-on-device', detail: 'The press came from a block page whose address the filter allows: it was not blocked on this device.' }
        : { at: iso(p.atMs), event: 'blocked-on-device', detail: 'The page was blocked on this device until the DSL has reviewed it.' },
    ],
  };
  checkNoImages(report);
  return report;
}

/**
 * What revision 1 leaves out and the device keeps until the adult's record: the page title, the
 * tab's recent navigations and the list entries that matched. `recordAdult` adds them in
 * revision 2 when the adult answers no to suspected child sexual abuse imagery, and drops them
 * when the answer is yes.
 * @param {object} p the same object as `newReport`'s
 */
export function heldDetails(p) {
  return {
    title: text(p.title || null, LIMITS.title),
    navigations: (p.navigations ?? []).slice(-LIMITS.navigations).map((n) => ({
      at: iso(n.atMs),
      url: text(n.url, LIMITS.url),
      transition: text(n.transition ?? null, 40),
    })),
    matches: summariseVerdict(p.verdict ?? null).matches ?? [],
  };
}

/**
 * A search alert: the service worker's own report when a pupil's submitted search raised a
 * safeguarding or Prevent alert (a pupil asking for help, a child's own words of self-harm,
 * someone asking them for pictures). Nobody pressed anything, so there is no page title, no
 * navigation history and no device-local block: the terms, what the filter found and did.
 *
 * @param {object} p as for `newReport`, with `verdict` a search URL's verdict (`classify`) that
 *   carries `search` and `alerts`
 */
export function newSearchAlert(p) {
  if (!p || typeof p.id !== 'string' || !/^[A-Za-z0-9-]{8,64}$/.test(p.id)) throw new ReportError('a report needs an id of 8–64 letters, digits or dashes');
  if (!Number.isFinite(p.atMs)) throw new ReportError('a report needs the time of the search');
  const v = p.verdict;
  const s = v?.search;
  if (!s || !Array.isArray(v.alerts) || !v.alerts.length) throw new ReportError('a search alert needs a search verdict with an alert');
  const at = iso(p.atMs);
  const alerts = v.alerts.map((a) => (a.kind === 'safeguarding' ? `safeguarding:${text(a.category, 40)}` : text(a.kind, 40)));
  const shown = v.action !== 'block' ? 'the results (the search itself was allowed)'
    : v.flavour === 'help_seeking' ? 'support (the school\'s adults and the tell-an-adult button), not results'
      : 'a block page, not results';
  const report = {
    ...reportHead(p, 'search-alert'),
    page: { url: scrubImages(p.url ?? '', LIMITS.url), title: null, navigations: [] },
    search: {
      engine: text(s.engine ?? '', 40),
      vertical: text(s.vertical ?? '', 20),
      terms: scrubImages(s.terms ?? '', LIMITS.words),
      helpSeeking: Boolean(s.help_seeking),
      flavour: text(v.flavour ?? null, 40),
      alerts,
      matches: (s.matches ?? []).filter((m) => m.weight > 0).slice(0, 10)
        .map((m) => ({ phrase: scrubImages(m.phrase, 300), category: text(m.category, 40), weight: m.weight, lang: text(m.lang, 16) })),
    },
    filter: summariseVerdict(v, p.engineVersion),
    blockedOnDevice: false,
    adult: null,
    timeline: [
      { at, event: 'search-alert', detail: `A search raised an alert for the DSL (${alerts.join(', ')}); the pupil was shown ${shown}.` },
    ],
  };
  checkNoImages(report);
  return report;
}

/** What the filter said, kept as evidence (why it was not blocked, when it was not). */
export function summariseVerdict(v, engineVersion = null) {
  if (!v) return { action: 'unknown', category: null, locked: false, reason: 'The filter could not judge this page.', rule: null, engineVersion };
  return {
    action: v.action === 'block' ? 'block' : 'allow',
    category: v.category ?? v.search?.category ?? null,
    locked: Boolean(v.locked),
    reason: text(v.reason ?? '', 500),
    rule: v.rule ? text(v.rule.kind ?? '', 40) : null,
    matches: (v.matches ?? []).slice(0, 5).map((m) => ({ category: text(m.category ?? null, 64), list: text(m.source ?? m.list ?? '', 200), entry: text(m.key ?? m.entry ?? '', 300) })),
    engineVersion,
  };
}

/**
 * The adult's part, checked. Throws a ReportError naming the first bad field.
 * @returns {object} the cleaned record
 */
export function readAdultRecord(input, atMs) {
  if (!input || typeof input !== 'object') throw new ReportError('the adult record is missing');
  const areas = arrayOf(input.areas, KCSIE_AREAS, 'areas');
  const categories = arrayOf(input.categories, CONCERN_CATEGORIES, 'categories');
  if (!categories.length) throw new ReportError('categories: choose at least one (or "other")');
  const feeling = input.feeling == null || input.feeling === '' ? null : String(input.feeling);
  if (feeling !== null && !FEELINGS.includes(feeling)) throw new ReportError(`feeling: expected one of ${FEELINGS.join(', ')}`);
  const words = input.pupilWords == null ? '' : text(input.pupilWords, LIMITS.words + 1);
  const action = input.actionTaken == null ? '' : text(input.actionTaken, LIMITS.action + 1);
  if (words.length > LIMITS.words) throw new ReportError(`pupilWords: at most ${LIMITS.words} characters`);
  if (action.length > LIMITS.action) throw new ReportError(`actionTaken: at most ${LIMITS.action} characters`);
  if (!action.trim()) throw new ReportError('actionTaken: say what was done (for example "Screen turned off, pupil reassured")');
  return {
    at: iso(atMs),
    areas,
    categories,
    suspectedCsam: categories.includes('csam'),
    feeling,
    pupilWords: words.trim() || null,
    actionTaken: action.trim(),
    escalateToDsl: input.escalateToDsl !== false,
    staffVerified: Boolean(input.staffVerified),
  };
}

function arrayOf(value, allowed, name) {
  const list = value == null ? [] : value;
  if (!Array.isArray(list)) throw new ReportError(`${name}: expected a list`);
  const out = [];
  for (const item of list) {
    if (!allowed.includes(item)) throw new ReportError(`${name}: unknown value ${JSON.stringify(item)}`);
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

/**
 * The adult's part, added once, with the details revision 1 held back (`held`, from
 * `heldDetails`): added when the adult answers no to suspected child sexual abuse imagery; with
 * a yes they are dropped, and the record keeps the URL only.
 * Returns a new report (revision + 1); the input is not changed.
 */
export function recordAdult(report, input, atMs, held = null) {
  if (report.adult) throw new ReportError('this report was already completed by an adult: it can only be added to');
  const adult = readAdultRecord(input, atMs);
  const next = structuredClone(report);
  next.adult = adult;
  next.revision = report.revision + 1;
  if (!adult.suspectedCsam && held && next.page.details === 'held') {
    next.page.title = text(held.title ?? null, LIMITS.title);
    next.page.navigations = (held.navigations ?? []).slice(-LIMITS.navigations).map((n) => ({ at: text(n.at, 40), url: text(n.url, LIMITS.url), transition: text(n.transition ?? null, 40) }));
    next.filter.matches = (held.matches ?? []).slice(0, 5).map((m) => ({ category: text(m.category ?? null, 64), list: text(m.list ?? '', 200), entry: text(m.entry ?? '', 300) }));
  }
  if (next.page.details === 'held') next.page.details = adult.suspectedCsam ? 'not-kept' : 'added';
  if (adult.suspectedCsam) {
    next.page.title = null;
    next.page.navigations = [];
    next.filter.matches = [];
    next.timeline.push({ at: adult.at, event: 'csam-url-only', detail: 'Suspected child sexual abuse imagery: the record keeps the address only. Do not visit it; report the address to the IWF.' });
  }
  next.timeline.push({ at: adult.at, event: 'adult-recorded', detail: `An adult recorded what happened${adult.staffVerified ? ' (staff code checked)' : ' (no staff code is set on this device)'}.` });
  if (adult.escalateToDsl) next.timeline.push({ at: adult.at, event: 'escalated', detail: 'Escalated to the Designated Safeguarding Lead.' });
  checkNoImages(next);
  return next;
}

/** Adds one fact at the end of the timeline (the only change allowed after submission). */
export function appendEvent(report, event, detail, atMs) {
  if (typeof event !== 'string' || !/^[a-z-]{1,40}$/.test(event)) throw new ReportError('an event needs a short lowercase name');
  if (report.timeline.length >= LIMITS.timeline) throw new ReportError('this report has too many events');
  const last = report.timeline[report.timeline.length - 1];
  const at = iso(Math.max(atMs, Date.parse(last?.at ?? 0) || 0)); // never out of order
  const next = structuredClone(report);
  next.timeline.push({ at, event, detail: text(detail, LIMITS.note) });
  next.revision = report.revision + 1;
  return next;
}

/**
 * Whether `later` only adds to `earlier` once an adult has submitted: nothing changed, nothing
 * removed, timeline extended at the end. The service worker checks this before every save.
 */
export function onlyAppends(earlier, later) {
  if (!earlier.adult) return later.id === earlier.id;
  const { timeline: a, revision: ra, ...restA } = earlier;
  const { timeline: b, revision: rb, ...restB } = later;
  if (rb < ra || JSON.stringify(restA) !== JSON.stringify(restB)) return false;
  return b.length >= a.length && a.every((e, i) => JSON.stringify(e) === JSON.stringify(b[i]));
}

/** Refuses a report any of whose texts the image scrubber would cut (report/scrub.js). */
export function checkNoImages(report) {
  const walk = (v) => {
    if (typeof v === 'string') return holdsImageData(v);
    if (v && typeof v === 'object') return Object.values(v).some(walk);
    return false;
  };
  if (walk(report)) throw new ReportError('a report may never hold image data');
  return report;
}

/** A report id: time-ordered, unique, no personal data (`r-<ms base36>-<random>`). */
export function newReportId(atMs, random = () => crypto.getRandomValues(new Uint32Array(2))) {
  const [a, b] = random();
  return `r-${atMs.toString(36)}-${a.toString(36)}${b.toString(36)}`.slice(0, 64);
}

/**
 * The IWF's public reporting form, with the address ready to paste. (The form has no field that
 * a link can fill, so the address goes on the clipboard by the adult's own action.)
 */
export const IWF_REPORT_URL = 'https://report.iwf.org.uk/en';
