// The fail-safe: while the engine cannot start, a session DNR rule sends every navigation to
// "checking…", which asks again once the engine can answer. Never a page the policy might block.

import { RULE_IDS } from './rule-ids.js';
import { failed } from './failures.js';

const FAILSAFE_RULE = RULE_IDS.failSafe.first;

/** Turns the fail-safe on (`true`) or off. */
export async function failSafe(on) {
  /** @type {chrome.declarativeNetRequest.Rule[]} */
  const rules = on
    ? [{
        id: FAILSAFE_RULE,
        priority: 99, // below only the locked lists' block page
        action: { type: 'redirect', redirect: { regexSubstitution: `${chrome.runtime.getURL('checking.html')}?why=engine&u=\\0` } },
        condition: { regexFilter: '^https?://.*$', resourceTypes: ['main_frame', 'sub_frame'] },
      }]
    : [];
  await chrome.declarativeNetRequest.updateSessionRules({ removeRuleIds: [FAILSAFE_RULE], addRules: rules })
    .catch(failed(on ? 'turning the fail-safe on' : 'turning the fail-safe off'));
}
