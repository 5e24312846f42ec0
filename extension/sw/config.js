// The managed configuration an IT admin sets per organisational unit in the Google Admin console
// (schema: ../managed_schema.json, documented in docs/deploy-chromebooks.md). Pure functions, so
// they can be tested outside the browser.
//
// One home for defaults: a key the admin did not set is left out here, and the engine's own
// defaults apply (the built-in policy; its groups; KS2 as the group for an unmanaged device).

import { parseStaffCodeHash } from './staff-code.js';

/** The group an unmanaged device (no managed policy at all) protects as. */
export const UNMANAGED_GROUP = 'ks2';

const LIST_FORMATS = new Set(['auto', 'domains', 'hosts', 'adblock', 'urls', 'expressions']);
const LOCALES = new Set(['en_GB', 'pl']);
/** The small "tell an adult" button on pages: `auto` shows it for EYFS and KS1 groups. */
const SAFETY_BUTTON = new Set(['auto', 'on', 'off']);
const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Reads the raw `chrome.storage.managed` object into a configuration, collecting every problem
 * instead of stopping at the first. Keys with a wrong value are left out (and reported), so one
 * typo never throws away the rest.
 *
 * @returns {{config: object, problems: string[], empty: boolean}} `empty`: no key was set at all.
 */
export function readManaged(raw) {
  const problems = [];
  const config = {};
  const src = raw && typeof raw === 'object' ? raw : {};
  const str = (key, test, what) => {
    if (src[key] === undefined || src[key] === null || src[key] === '') return;
    const v = src[key];
    if (typeof v !== 'string' || (test && !test(v))) {
      problems.push(`${key}: expected ${what}, found ${JSON.stringify(v).slice(0, 80)}`);
      return;
    }
    config[key] = v;
  };
  str('group', (v) => NAME.test(v), 'a group name such as "eyfs", "ks1", "ks2", "staff" or one of the policy\'s own groups');
  str('policyToml', (v) => v.trim() !== '', 'the text of a Schoolgate policy (TOML)');
  str('reportEndpoint', (v) => /^https:\/\//.test(v) || /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(v), 'an https:// address');
  str('reportSigningKey', null, 'a string');
  // Kept even when it cannot be read (the old unsalted SHA-256, a typo): a code is then set but
  // none is accepted, which fails closed, and the problem says how to fix it (sw/staff-code.js).
  str('staffUnlockCodeHash', null, 'the output of `schoolgate staff-code`');
  if (config.staffUnlockCodeHash) {
    const parsed = parseStaffCodeHash(config.staffUnlockCodeHash);
    if (!parsed.ok) problems.push(parsed.error);
  }
  str('schoolName', (v) => v.length <= 200, 'a school name (at most 200 characters)');
  str('locale', (v) => LOCALES.has(v), `one of ${[...LOCALES].join(', ')}`);
  str('safetyButton', (v) => SAFETY_BUTTON.has(v), `one of ${[...SAFETY_BUTTON].join(', ')}`);

  if (src.lists !== undefined && src.lists !== null) {
    if (!Array.isArray(src.lists)) {
      problems.push('lists: expected an array of {url, category, format}');
    } else {
      const lists = [];
      src.lists.forEach((l, i) => {
        const where = `lists[${i}]`;
        if (!l || typeof l !== 'object') return problems.push(`${where}: expected {url, category, format}`);
        let url;
        try {
          url = new URL(String(l.url));
        } catch {
          return problems.push(`${where}.url: not a web address: ${JSON.stringify(l.url)}`);
        }
        if (url.protocol !== 'https:' && url.protocol !== 'http:') return problems.push(`${where}.url: must be http(s)`);
        if (typeof l.category !== 'string' || !NAME.test(l.category)) return problems.push(`${where}.category: expected a category id such as "gambling"`);
        const format = l.format ?? 'auto';
        if (!LIST_FORMATS.has(format)) return problems.push(`${where}.format: expected one of ${[...LIST_FORMATS].join(', ')}`);
        const entry = { url: url.href, category: l.category, format };
        if (typeof l.name === 'string' && l.name) entry.name = l.name.slice(0, 200);
        lists.push(entry);
      });
      if (lists.length) config.lists = lists;
    }
  }
  const known = new Set(['group', 'policyToml', 'lists', 'reportEndpoint', 'reportSigningKey', 'staffUnlockCodeHash', 'schoolName', 'locale', 'safetyButton']);
  for (const key of Object.keys(src)) if (!known.has(key)) problems.push(`${key}: unknown key (ignored)`);
  return { config, problems, empty: Object.keys(src).length === 0 };
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
