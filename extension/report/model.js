// A safeguarding report: what a pupil's "turn off the screen and tell an adult" press records,
// and what the adult adds. Pure data and functions (no browser API), shared by the extension's
// service worker, its cover and staff pages, the demo page and the Node tests.
//
// Rules the shape keeps (docs/reports.md explains every field and why it is collected):
// - Facts only, in chronological order (`timeline`), as in CPOMS or MyConcern; no opinion.
// - Append-only once the adult has submitted: `recordAdult` may run once, and afterwards only
//   `appendEvent` adds to the record. Nothing is ever rewritten.
// - No image data ever: there is no field for a screenshot or page capture, and `checkNoImages`
//   refuses a report that holds anything shaped like one. When the adult marks suspected child
//   sexual abuse imagery, the record keeps the address only (UKCIS: never view, copy, share or
//   store such imagery; the IWF needs only the URL).
// - The minimum: identity is what a managed Chromebook already gives the school (the managed
//   account's email, the device's asset id), never names typed by the pupil.

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
const clip = (text, max) => (text == null ? null : String(text).slice(0, max));
// Image data as it appears in text: a data: URL, anything base64-encoded, or the base64 of the
// PNG, JPEG and GIF signatures (case matters in base64, so those are matched exactly).
const IMAGE_TEXT = [/data:image\//i, /base64,/i, /iVBORw0KGgo|\/9j\/4|R0lGOD/];
const IMAGE_RUNS = [
  /(data:[a-z]+\/[a-z0-9.+-]+)?[;,]?base64,[a-z0-9+/=%_-]*/gi,
  /data:image\/[^\s"']*/gi,
  /(iVBORw0KGgo|\/9j\/4|R0lGOD)[A-Za-z0-9+/=%_-]*/g,
];

/**
 * An address or title with anything shaped like image data cut out (a `data:image/…` page, an
 * image inlined in a query string): the report keeps where the pupil was, never a picture.
 */
export function scrubImages(text, max) {
  if (text == null) return null;
  let out = String(text);
  for (const run of IMAGE_RUNS) out = out.replace(run, '[image data removed]');
  return clip(out, max);
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
 */
export function newReport(p) {
  if (!p || typeof p.id !== 'string' || !/^[A-Za-z0-9-]{8,64}$/.test(p.id)) throw new ReportError('a report needs an id of 8–64 letters, digits or dashes');
  if (!SOURCES.includes(p.source)) throw new ReportError(`unknown source ${JSON.stringify(p.source)}`);
  if (!Number.isFinite(p.atMs)) throw new ReportError('a report needs the time of the press');
  const v = p.verdict ?? null;
  const report = {
    schema: REPORT_SCHEMA,
    id: p.id,
    revision: 1,
    createdAt: iso(p.atMs),
    source: p.source,
    school: { name: clip(p.school?.name ?? '', 200), policySource: clip(p.school?.policySource ?? '', 100) },
    pupil: {
      group: clip(p.group?.name ?? '', 64),
      groupLabel: clip(p.group?.label ?? p.group?.name ?? '', 100),
      email: clip(p.identity?.email || null, 320),
      deviceAssetId: clip(p.identity?.deviceAssetId || null, 200),
    },
    page: {
      url: scrubImages(p.url ?? '', LIMITS.url),
      title: scrubImages(p.title || null, LIMITS.title),
      navigations: (p.navigations ?? []).slice(-LIMITS.navigations).map((n) => ({
        at: iso(n.atMs),
        url: scrubImages(n.url, LIMITS.url),
        transition: clip(n.transition ?? null, 40),
      })),
    },
    filter: summariseVerdict(v, p.engineVersion),
    blockedOnDevice: true,
    adult: null,
    timeline: [
      { at: iso(p.atMs), event: 'pressed', detail: `The pupil pressed "tell an adult" (${p.source}); the screen was covered.` },
      { at: iso(p.atMs), event: 'blocked-on-device', detail: 'The page was blocked on this device until the DSL has reviewed it.' },
    ],
  };
  checkNoImages(report);
  return report;
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
  const alerts = v.alerts.map((a) => (a.kind === 'safeguarding' ? `safeguarding:${clip(a.category, 40)}` : clip(a.kind, 40)));
  const shown = v.action !== 'block' ? 'the results (the search itself was allowed)'
    : v.flavour === 'help_seeking' ? 'support (the school\'s adults and the tell-an-adult button), not results'
      : 'a block page, not results';
  const report = {
    schema: REPORT_SCHEMA,
    id: p.id,
    revision: 1,
    createdAt: at,
    source: 'search-alert',
    school: { name: clip(p.school?.name ?? '', 200), policySource: clip(p.school?.policySource ?? '', 100) },
    pupil: {
      group: clip(p.group?.name ?? '', 64),
      groupLabel: clip(p.group?.label ?? p.group?.name ?? '', 100),
      email: clip(p.identity?.email || null, 320),
      deviceAssetId: clip(p.identity?.deviceAssetId || null, 200),
    },
    page: { url: scrubImages(p.url ?? '', LIMITS.url), title: null, navigations: [] },
    search: {
      engine: clip(s.engine ?? '', 40),
      vertical: clip(s.vertical ?? '', 20),
      terms: scrubImages(s.terms ?? '', LIMITS.words),
      helpSeeking: Boolean(s.help_seeking),
      flavour: clip(v.flavour ?? null, 40),
      alerts,
      matches: (s.matches ?? []).filter((m) => m.weight > 0).slice(0, 10)
        .map((m) => ({ phrase: scrubImages(m.phrase, 300), category: clip(m.category, 40), weight: m.weight, lang: clip(m.lang, 16) })),
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
    reason: scrubImages(v.reason ?? '', 500),
    rule: v.rule ? clip(v.rule.kind ?? '', 40) : null,
    matches: (v.matches ?? []).slice(0, 5).map((m) => ({ category: m.category ?? null, list: clip(m.source ?? m.list ?? '', 200), entry: scrubImages(m.key ?? m.entry ?? '', 300) })),
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
  const words = input.pupilWords == null ? '' : scrubImages(input.pupilWords, LIMITS.words + 1);
  const action = input.actionTaken == null ? '' : scrubImages(input.actionTaken, LIMITS.action + 1);
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
 * The adult's record, added once. With suspected child sexual abuse imagery the page's title
 * and the other addresses visited are removed before the record is closed: it keeps the URL.
 * Returns a new report (revision + 1); the input is not changed.
 */
export function recordAdult(report, input, atMs) {
  if (report.adult) throw new ReportError('this report was already completed by an adult: it can only be added to');
  const adult = readAdultRecord(input, atMs);
  const next = structuredClone(report);
  next.adult = adult;
  next.revision = report.revision + 1;
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
  next.timeline.push({ at, event, detail: scrubImages(detail, LIMITS.note) });
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

/** Refuses anything that looks like image data anywhere in a report. */
export function checkNoImages(report) {
  const text = JSON.stringify(report);
  if (IMAGE_TEXT.some((re) => re.test(text))) throw new ReportError('a report may never hold image data');
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
