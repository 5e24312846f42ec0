// What each monitoring event says (docs/events.md), and where events go: pure functions of the
// engine's verdict and the browser's account of a navigation, shared by the worker (sw/events.js)
// and the tests (tests/extension/events-unit.test.mjs). No event carries page content: addresses
// are cut to scheme://host/path.

/** Longest address an event carries (after the query and fragment are cut). */
const URL_CHARS = 2_048;
const HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i;

/**
 * The events address for the managed settings in force, or `null` (nothing is sent): `hubUrl`
 * + `/api/v1/events`, else the hub that receives reports at `…/api/v1/reports`.
 */
export function eventsEndpoint(extras) {
  if (extras?.hubUrl) return `${extras.hubUrl.replace(/\/+$/, '')}/api/v1/events`;
  const reports = /^(.*)\/api\/v1\/reports\/?$/.exec(extras?.reportEndpoint ?? '');
  return reports ? `${reports[1]}/api/v1/events` : null;
}

/** `scheme://host/path`: no user, port kept, no query, no fragment; at most 2,048 characters. */
export function cutUrl(url) {
  try {
    const u = new URL(url);
    if (!/^https?:$/.test(u.protocol)) return `${u.protocol}`;
    return `${u.protocol}//${u.host}${u.pathname}`.slice(0, URL_CHARS);
  } catch {
    // Not a URL: only its scheme (if any) can be said without carrying page content.
    return (/^[a-z][a-z0-9+.-]*:/i.exec(String(url))?.[0] ?? '').slice(0, 40);
  }
}

/** The host of an address, lower case (`''` when it has none). */
export function hostOf(url) {
  return (HOST.exec(String(url))?.[1] ?? '').toLowerCase();
}

/**
 * How the pupil got there: `search` (a link on a search results page), `link`, `typed` (the
 * address bar, a bookmark, a keyword) or `other`. From webNavigation's transition, and whether
 * the tab's page before was a search engine's (sw/navlog.js).
 */
export function viaOf(transition, fromSearchResults) {
  if (transition === 'link' || transition === 'form_submit') return fromSearchResults ? 'search' : 'link';
  if (['typed', 'generated', 'keyword', 'keyword_generated', 'auto_bookmark'].includes(transition)) return 'typed';
  return 'other';
}

/** The rule as the block page's staff view names it: the list or setting, and its entry. */
export function ruleName(rule) {
  if (!rule) return 'unknown';
  const where = rule.source ?? rule.setting ?? null;
  let text;
  if (rule.kind === 'search') text = `search (${rule.engine}): ${(rule.phrases ?? []).join(', ')}`;
  else if (rule.kind === 'reported') text = 'reported by a pupil on this device';
  else if (rule.entry) text = `${where ?? rule.kind}: ${rule.entry}`;
  else text = where ?? rule.kind;
  return String(text).slice(0, 300);
}

/**
 * Whether a blocked verdict was an attempt to get round the filter, and how: a translator, an
 * archive or an anonymous-view proxy carrying the page, a lookalike host, a raw IP address, a
 * proxy/VPN service. Search engines' own redirect links, AMP caches and thumbnails are how a
 * results page works, not an attempt, so they make none.
 */
export function circumventionMethod(verdict) {
  if (verdict?.action !== 'block') return null;
  const via = verdict.carried?.via ?? '';
  if (/translat/.test(via)) return 'translator';
  if (/archive/.test(via)) return 'archive';
  if (/proxy|anonymous-view/.test(via)) return 'proxy';
  if (via === 'view-source') return 'other';
  if (verdict.lookalike_of) return 'lookalike';
  if (verdict.category === 'ip-address') return 'ip-address';
  if (verdict.category === 'proxy-vpn') return 'proxy';
  return null;
}

/** The events a blocked top-level navigation makes: `blocked`, and `circumvention` when it was one. */
export function describeBlock(verdict, url, via) {
  if (verdict?.action !== 'block') return [];
  const address = cutUrl(url);
  const host = hostOf(url);
  const category = verdict.category ?? verdict.search?.category ?? null;
  /** @type {Array<{kind: string, url: string, host: string, category: ?string, rule?: string, via?: string, method?: string}>} */
  const out = [{ kind: 'blocked', url: address, host, category, rule: ruleName(verdict.rule), via }];
  const method = circumventionMethod(verdict);
  if (method) out.push({ kind: 'circumvention', url: address, host, method, category });
  return out;
}

const ALERT_ORDER = ['prevent', 'self-harm', 'grooming', 'safeguarding'];

/** The `search-alert` and `help-seeking` events of a submitted search's verdict. */
export function describeSearch(verdict, reportId = null) {
  const search = verdict?.search;
  if (!search || search.kind !== 'submitted') return [];
  const engine = String(search.engine ?? '');
  const terms = String(search.normalized?.text ?? search.terms ?? '').slice(0, 500);
  const alerts = new Set((verdict.alerts ?? []).map((a) => {
    if (a.kind === 'prevent') return 'prevent';
    if (a.category === 'self-harm' || a.category === 'grooming') return a.category;
    return 'safeguarding';
  }));
  /** @type {Array<{kind: string, engine: string, terms: string, alert?: string, reportId?: ?string}>} */
  const out = ALERT_ORDER.filter((a) => alerts.has(a)).map((alert) => ({ kind: 'search-alert', engine, terms, alert, reportId }));
  if (verdict.flavour === 'help_seeking' || search.flavour === 'help_seeking') out.push({ kind: 'help-seeking', engine, terms });
  return out;
}

/** The override outcomes the hub takes (docs/events.md, `override`). */
export const OVERRIDE_OUTCOMES = Object.freeze(['granted', 'wrong-code', 'malformed', 'used', 'refused', 'wait', 'not-blocked', 'not-set']);

/**
 * The `override` event for one entry of the device's override record (sw/override-guard.js
 * `logEntry`): what became of a teacher's code, for which site and page, and until when. The
 * account and group travel in the batch's envelope; `minutes` is left out (`startsAt`/`endsAt`
 * say it, and every event field is text).
 * @param {{outcome: string, url?: string, site?: ?string, approvedBy?: ?string, reason?: ?string, startsAt?: ?string, endsAt?: ?string}} entry
 */
export function describeOverride(entry) {
  if (!OVERRIDE_OUTCOMES.includes(entry?.outcome)) return null;
  return {
    kind: 'override',
    outcome: entry.outcome,
    url: cutUrl(entry.url ?? ''),
    site: entry.site ?? null,
    approvedBy: entry.approvedBy ?? null,
    reason: entry.reason == null ? null : String(entry.reason).slice(0, 300),
    startsAt: entry.startsAt ?? null,
    endsAt: entry.endsAt ?? null,
  };
}
