// The managed configuration an IT admin sets per organisational unit in the Google Admin console
// (schema: ../managed_schema.json, documented in docs/deploy-chromebooks.md). Pure functions, so
// they can be tested outside the browser.
//
// One home for defaults: a key the admin did not set is left out here, and the engine's own
// defaults apply (the built-in policy; its groups; KS2 as the group for an unmanaged device).
//
// A typo never weakens protection: a key that changes what is enforced (`group`, `policyToml`,
// `lists`) and holds an invalid value is named in `invalid`, and sw/state.js keeps that key's last
// good value in force (see `effectiveConfig`). A list that is, or looks like, one of the locked
// illegal-content lists and is misconfigured also raises an alarm.

import { parseStaffCodeHash } from './staff-code.js';
import { LOCKED_CATEGORIES } from '../core-facts.js';
import { LOCALES as UI_LOCALES } from '../ui/i18n.js';

/** The group an unmanaged device (no managed policy at all) protects as. */
export const UNMANAGED_GROUP = 'ks2';
/**
 * The group a device protects as when the Admin console's `group` is invalid and no good one was
 * ever applied: the strictest pupil group, never a more open one.
 */
export const STRICTEST_GROUP = 'eyfs';

/** The locked illegal-content categories: the core's own (`category::is_locked`), read from the package at build time. */
export { LOCKED_CATEGORIES };

/** Documented limits (docs/deploy-chromebooks.md §3, managed_schema.json). */
export const LIMITS = Object.freeze({
  /** List sources in `lists`. */
  lists: 100,
  /** Characters in an address (`lists[].url`, `reportEndpoint`). */
  urlChars: 2048,
  /** Characters in `lists[].name` and `schoolName`. */
  nameChars: 200,
  /** Bytes of `policyToml` (UTF-8). */
  policyBytes: 1024 * 1024,
  /** Bytes of one fetched list file. */
  listBytes: 64 * 1024 * 1024,
  /** Bytes (UTF-8) of `reportSigningKey`: at least, at most. */
  signingKeyMinBytes: 32,
  signingKeyMaxBytes: 4096,
  /** `eventsTimeScale` at most: an hour of the events queue's waits in 30 s. */
  eventsTimeScaleMax: 120,
});

/** The keys whose value changes what is enforced: an invalid one keeps its last good value. */
export const ENFORCING_KEYS = Object.freeze(['group', 'policyToml', 'lists']);

const LIST_FORMATS = new Set(['auto', 'domains', 'hosts', 'adblock', 'urls', 'expressions']);
/** The pupils' pages' languages (`_locales` folder names), as the shared UI has them. */
const LOCALES = new Set(UI_LOCALES.map((l) => l.id));
/** The small "tell an adult" button on pages: `auto` shows it for EYFS and KS1 groups. */
const SAFETY_BUTTON = new Set(['auto', 'on', 'off']);
/** A category or group id, as the core reads one (`category::validate_id`, docs/policy.md). */
const ID = /^[a-z][a-z0-9_-]{0,39}$/;
const RESERVED_IDS = new Set(['any', 'safeguarding-education']);
const isId = (v) => ID.test(v) && !RESERVED_IDS.has(v);
/** Hosts a plain `http://` address may name: this device only. */
const LOOPBACK = new Set(['localhost', '127.0.0.1']);
const KNOWN_KEYS = new Set(['group', 'policyToml', 'lists', 'reportEndpoint', 'reportSigningKey', 'staffUnlockCodeHash', 'overrideSecret', 'schoolName', 'language', 'locale', 'safetyButton', 'hubUrl', 'hubPolicyKey', 'logVisits', 'orgUnit', 'eventsTimeScale']);
/** Keys whose value is a secret: a problem with one never quotes it (the staff page shows problems). */
const SECRET_KEYS = new Set(['reportSigningKey', 'staffUnlockCodeHash', 'overrideSecret']);
/** `overrideSecret`: what `schoolgate override-secret` prints (the core's `OverrideSecret::parse` reads the same). */
const OVERRIDE_SECRET = /^sgo1-[0-9a-fA-F]{64}$/;

const utf8Bytes = (s) => new TextEncoder().encode(s).length;

/**
 * Checks an address the extension fetches from or posts to: `https://`, or `http://` for this
 * device only (`localhost`, `127.0.0.1`, exactly). Parsed by the URL parser, and refused when the
 * text and the parsed address could be read differently: credentials (`http://localhost:@evil.example/`
 * is evil.example), backslashes, spaces or control characters.
 *
 * @returns {{href: string, error?: undefined} | {error: string, href?: undefined}}
 */
export function checkAddress(text) {
  if (typeof text !== 'string' || !text) return { error: 'expected an https:// address' };
  if (text.length > LIMITS.urlChars) return { error: `longer than ${LIMITS.urlChars} characters` };
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f\\]/.test(text)) return { error: 'spaces, control characters and backslashes are not allowed in the address' };
  let url;
  try {
    url = new URL(text);
  } catch {
    // Not a URL at all: that is the answer, not a fault.
    return { error: `not a web address: ${JSON.stringify(text.slice(0, 80))}` };
  }
  const authority = text.slice(url.protocol.length).replace(/^\/\//, '').split(/[/?#]/, 1)[0];
  if (url.username || url.password || authority.includes('@')) {
    return { error: 'an address with a user name or password (`…@host`) is not allowed' };
  }
  if (url.protocol === 'https:') return { href: url.href };
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return { href: url.href };
  if (url.protocol === 'http:') return { error: `must be https:// (plain http:// only for localhost and 127.0.0.1, not ${url.hostname})` };
  return { error: `must be https://, not ${url.protocol}` };
}

function editDistance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length];
}

/**
 * The locked category a list entry was most likely meant for, or `null`: its category is locked,
 * is a misspelling of one (`child_abuse`, `Child-Abuse`, `child-abuses`, `terrorism`), or its
 * name or address says IWF, CTIRU or CSAM. Such an entry, when invalid, is an alarm, not a drop.
 */
export function lockedIntent(entry) {
  const category = typeof entry?.category === 'string' ? entry.category : '';
  if (LOCKED_CATEGORIES.includes(category)) return category;
  const squashed = category.toLowerCase().replace(/[^a-z0-9]+/g, '');
  for (const locked of LOCKED_CATEGORIES) {
    if (squashed && (squashed === locked.replace(/-/g, '') || editDistance(category.toLowerCase(), locked) <= 3)) return locked;
  }
  if (['terrorism', 'terrorist', 'ctiru'].includes(squashed)) return 'terrorist-content';
  if (['iwf', 'csam', 'childsexualabuse', 'childabuseimagery'].includes(squashed)) return 'child-abuse';
  const words = `${typeof entry?.name === 'string' ? entry.name : ''} ${typeof entry?.url === 'string' ? entry.url : ''}`.toLowerCase();
  if (/(^|[^a-z])ctiru([^a-z]|$)/.test(words)) return 'terrorist-content';
  if (/(^|[^a-z])(iwf|csam)([^a-z]|$)/.test(words)) return 'child-abuse';
  return null;
}

function readList(l, where) {
  if (!l || typeof l !== 'object' || Array.isArray(l)) return { error: `${where}: expected {url, category, format, name}` };
  const errors = [];
  const address = checkAddress(l.url);
  if (address.error) errors.push(`${where}.url: ${address.error}`);
  const intent = lockedIntent(l);
  if (typeof l.category !== 'string' || !isId(l.category)) {
    errors.push(`${where}.category: expected a category id such as "gambling"${intent ? ` (locked: "${intent}")` : ''}, found ${JSON.stringify(l.category ?? null)?.slice(0, 80)}`);
  } else if (intent && intent !== l.category) {
    errors.push(`${where}.category: "${l.category}" for what looks like a locked illegal-content list: write the locked category exactly ("${intent}")`);
  }
  const format = l.format ?? 'auto';
  if (!LIST_FORMATS.has(format)) errors.push(`${where}.format: expected one of ${[...LIST_FORMATS].join(', ')}`);
  if (l.name !== undefined && l.name !== null && (typeof l.name !== 'string' || l.name.length > LIMITS.nameChars)) {
    errors.push(`${where}.name: expected a name of at most ${LIMITS.nameChars} characters`);
  }
  if (errors.length) return { error: errors.join('; '), intent };
  const entry = { url: address.href, category: l.category, format };
  if (typeof l.name === 'string' && l.name) entry.name = l.name;
  return { entry };
}

/**
 * Reads the raw `chrome.storage.managed` object into a configuration, collecting every problem
 * instead of stopping at the first. Keys with a wrong value are left out of `config` (and
 * reported); an enforcing key (`ENFORCING_KEYS`) with a wrong value is also named in `invalid`,
 * so that its last good value stays in force (`effectiveConfig`). `config.lists` holds the valid
 * entries even when others are invalid.
 *
 * @returns {{config: object, problems: string[], invalid: string[], alarms: string[], empty: boolean}}
 *   `alarms`: locked illegal-content lists that are misconfigured; `empty`: no key was set at all.
 */
export function readManaged(raw) {
  const problems = [];
  const alarms = [];
  const invalid = new Set();
  const config = {};
  const src = raw && typeof raw === 'object' ? raw : {};
  const bad = (key, message) => {
    problems.push(`${key}: ${message}`);
    if (ENFORCING_KEYS.includes(key)) invalid.add(key);
  };
  const str = (key, test, what) => {
    if (src[key] === undefined || src[key] === null || src[key] === '') return;
    const v = src[key];
    if (typeof v !== 'string' || (test && !test(v))) {
      bad(key, `expected ${what}${SECRET_KEYS.has(key) ? '' : `, found ${JSON.stringify(v).slice(0, 80)}`}`);
      return;
    }
    config[key] = v;
  };
  str('group', isId, 'a group name such as "eyfs", "ks1", "ks2", "staff" or one of the policy\'s own groups');
  str('policyToml', (v) => v.trim() !== '' && utf8Bytes(v) <= LIMITS.policyBytes, `the text of a Schoolgate policy (TOML), at most ${LIMITS.policyBytes / 1024} KB`);
  if (typeof src.reportEndpoint === 'string' && src.reportEndpoint) {
    const address = checkAddress(src.reportEndpoint);
    if (address.error) bad('reportEndpoint', address.error);
    else config.reportEndpoint = address.href;
  } else {
    str('reportEndpoint', null, 'an https:// address');
  }
  str('reportSigningKey', (v) => utf8Bytes(v) >= LIMITS.signingKeyMinBytes && utf8Bytes(v) <= LIMITS.signingKeyMaxBytes,
    `a secret of ${LIMITS.signingKeyMinBytes} to ${LIMITS.signingKeyMaxBytes} bytes (e.g. openssl rand -hex 32); reports wait on this device until it is set, never sent unsigned`);
  // Kept even when it cannot be read (the old unsalted SHA-256, a typo): a code is then set but
  // none is accepted, which fails closed, and the problem says how to fix it (sw/staff-code.js).
  str('staffUnlockCodeHash', null, 'the output of `schoolgate staff-code`');
  if (config.staffUnlockCodeHash) {
    const parsed = parseStaffCodeHash(config.staffUnlockCodeHash);
    if (!parsed.ok) problems.push(parsed.error);
  }
  // Teachers' override codes (sw/overrides.js): a value that is not one turns codes off, and
  // the problem says so without quoting it.
  str('overrideSecret', (v) => OVERRIDE_SECRET.test(v.trim()), 'sgo1- and 64 hexadecimal digits (the output of `schoolgate override-secret`); teachers\' codes are off until it is fixed');
  if (config.overrideSecret) config.overrideSecret = config.overrideSecret.trim();
  // The school's hub for monitoring events (docs/events.md): an origin (or a path it lives under).
  if (typeof src.hubUrl === 'string' && src.hubUrl) {
    const address = checkAddress(src.hubUrl);
    if (address.error) bad('hubUrl', address.error);
    else if (/[?#]/.test(src.hubUrl)) bad('hubUrl', 'expected the hub\'s address only, without ? or #');
    else config.hubUrl = address.href.replace(/\/+$/, '');
  } else {
    str('hubUrl', null, 'an https:// address');
  }
  // The hub's public key for its signed policy (sw/policy-bundle.js): not a secret, so a wrong
  // value is quoted. Base64url of 32 bytes is 43 characters.
  str('hubPolicyKey', (v) => /^[A-Za-z0-9_-]{43}$/.test(v.trim()), 'the hub\'s public key: 43 characters of base64url, what `schoolgate-hub policy-key` prints; the hub\'s policy is not used until it is fixed');
  if (config.hubPolicyKey) config.hubPolicyKey = config.hubPolicyKey.trim();
  if (src.logVisits !== undefined && src.logVisits !== null) {
    if (typeof src.logVisits === 'boolean') config.logVisits = src.logVisits;
    else bad('logVisits', `expected true or false, found ${JSON.stringify(src.logVisits).slice(0, 80)}`);
  }
  // "Ask my teacher" (docs/requests.md): a teacher may approve for the whole organisational unit.
  str('orgUnit', (v) => v.length >= 1 && v.length <= 256, 'the organisational unit\'s path (at most 256 characters)');
  // For tests of delivery (docs/events.md, "Testing delivery"): the events queue's waits run this
  // many times faster. It can only make a device send sooner and retry more often.
  if (src.eventsTimeScale !== undefined && src.eventsTimeScale !== null) {
    const scale = src.eventsTimeScale;
    if (Number.isInteger(scale) && scale >= 1 && scale <= LIMITS.eventsTimeScaleMax) config.eventsTimeScale = scale;
    else bad('eventsTimeScale', `expected a whole number from 1 to ${LIMITS.eventsTimeScaleMax}, found ${JSON.stringify(scale).slice(0, 80)}`);
  }
  str('schoolName', (v) => v.length <= LIMITS.nameChars, `a school name (at most ${LIMITS.nameChars} characters)`);
  str('language', (v) => LOCALES.has(v), `one of ${[...LOCALES].join(', ')}`);
  // `locale`: the older name of `language`, still read (`language` wins when both are set).
  str('locale', (v) => LOCALES.has(v), `one of ${[...LOCALES].join(', ')}`);
  str('safetyButton', (v) => SAFETY_BUTTON.has(v), `one of ${[...SAFETY_BUTTON].join(', ')}`);

  if (src.lists !== undefined && src.lists !== null) {
    if (!Array.isArray(src.lists)) {
      bad('lists', 'expected an array of {url, category, format, name}');
    } else {
      if (src.lists.length > LIMITS.lists) bad('lists', `${src.lists.length} list sources: at most ${LIMITS.lists}`);
      const lists = [];
      src.lists.slice(0, LIMITS.lists).forEach((l, i) => {
        const read = readList(l, `lists[${i}]`);
        if (read.entry) {
          lists.push(read.entry);
          return;
        }
        problems.push(read.error);
        invalid.add('lists');
        if (read.intent) alarms.push(`lists[${i}] looks like the locked "${read.intent}" list and is misconfigured: ${read.error}`);
      });
      config.lists = lists;
    }
  }
  for (const key of Object.keys(src)) if (!KNOWN_KEYS.has(key)) problems.push(`${key}: unknown key (ignored)`);
  return { config, problems, invalid: [...invalid], alarms, empty: Object.keys(src).length === 0 };
}

/** The identity of a list source: the same address, category and format is the same list. */
export function listIdentity(spec) {
  return `${spec.url}\n${spec.category}\n${spec.format}`;
}

/**
 * The engine configuration to put in force: each enforcing key from the new configuration, or,
 * where the new value is invalid, from the last good configuration (`lastGood`: `{group,
 * policyToml, lists}` as last applied, or `null` when nothing managed ever applied).
 *
 * - `group` invalid: the last good group, else the strictest pupil group (`STRICTEST_GROUP`).
 * - `policyToml` invalid: the last good policy, else the built-in one (`null`).
 * - `lists` with any invalid entry: every last good list stays, and the new valid entries are
 *   added (a typo never drops a list; it may only delay removing one).
 * - `lists` missing while other settings arrived: Chrome leaves out a whole value that does not
 *   match managed_schema.json (one entry with a number for its address drops every list), so a
 *   missing `lists` keeps the last good lists; `[]` removes them.
 *
 * @returns {{group: string, policyToml: string|null, lists: object[], kept: string[], alarms: string[]}}
 *   `kept`: which keys kept their last good value (or fell back), as sentences for the staff
 *   page; `alarms`: locked lists kept only because their setting did not arrive.
 */
export function effectiveConfig(config, invalid, lastGood) {
  const kept = [];
  const alarms = [];
  const bad = new Set(invalid ?? []);
  let group = config.group ?? UNMANAGED_GROUP;
  if (bad.has('group')) {
    group = lastGood?.group ?? STRICTEST_GROUP;
    kept.push(lastGood?.group ? `group: the last good group ("${group}") stays in force` : `group: no good group was ever applied, so this device protects as the strictest pupil group ("${group}")`);
  }
  let policyToml = config.policyToml ?? null;
  if (bad.has('policyToml')) {
    policyToml = lastGood ? (lastGood.policyToml ?? null) : null;
    kept.push(lastGood ? 'policyToml: the last good policy stays in force' : 'policyToml: no good policy was ever applied, so the built-in policy is in force');
  }
  let lists = config.lists ?? [];
  if (config.lists === undefined && !bad.has('lists') && lastGood?.lists?.length) {
    lists = lastGood.lists;
    kept.push('lists: not received (Chrome leaves out a value that does not match the schema; chrome://policy shows the error), so every last good list stays in force; to remove every list, set lists to []');
    const locked = lists.filter((l) => LOCKED_CATEGORIES.includes(l.category));
    if (locked.length) alarms.push(`lists: not received, with the locked list${locked.length > 1 ? 's' : ''} ${locked.map((l) => l.url).join(', ')} in the last good configuration: ${locked.length > 1 ? 'they stay' : 'it stays'} in force; check the lists setting in the Admin console`);
  }
  if (bad.has('lists')) {
    const seen = new Set();
    lists = [];
    for (const spec of [...(lastGood?.lists ?? []), ...(config.lists ?? [])]) {
      const id = listIdentity(spec);
      if (seen.has(id)) continue;
      seen.add(id);
      lists.push({ url: spec.url, category: spec.category, format: spec.format, ...(spec.name ? { name: spec.name } : {}) });
    }
    kept.push(lastGood?.lists?.length ? 'lists: every last good list stays in force (with the valid new ones) until the invalid entries are fixed' : 'lists: the invalid entries are left out until they are fixed; the valid ones apply');
  }
  return { group, policyToml, lists, kept, alarms };
}

/** A stable text for a configuration, to tell whether it changed (keys sorted). */
export function configKey(config) {
  const sorted = (v) => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
    return v;
  };
  return JSON.stringify(sorted(config ?? {}));
}

/** What the configuration says about the engine alone (what is hashed for "did it change"). */
export function engineConfig(config) {
  return { group: config.group ?? null, policyToml: config.policyToml ?? null, lists: config.lists ?? [] };
}
