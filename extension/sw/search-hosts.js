// Which hosts may carry a search: a cheap pre-check before asking the engine (SafeSearch on a
// navigation, a search alert), read from the core's own engine table (core-facts.js, generated
// from the package), so adding an engine to crates/core/src/search/engines adds it here too.
//
// It is a pre-check only, and errs wide: a host passes when it is one of an engine's domains (or
// under one), or has a label an engine is matched by before any suffix (`google`). The engine
// itself then says whether the address is a search (`safeSearch`, `classify`).
//
// A school's policy may declare engines of its own (`[[search_engines]]`, docs/policy.md): their
// hosts come from the policy in force (`declaredHosts`, kept in the worker's state), so a search
// there raises its alert like one on Google. They have no SafeSearch to force.

import { SEARCH_ENGINES } from '../core-facts.js';

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const DOMAINS = SEARCH_ENGINES.flatMap((e) => e.domains).map(escape);
const ANY_TLD_NAMES = SEARCH_ENGINES.flatMap((e) => e.anyTld).map(escape);
// One regular expression built from the table at start: as fast as a hand-written one (this runs
// for every page navigation), with nothing hand-written in it.
const either = (list) => (list.length ? list.join('|') : '(?!)');
const MAY_SEARCH = new RegExp(`(?:^|\\.)(?:${either(DOMAINS)})$|(?:^|\\.)(?:${either(ANY_TLD_NAMES)})\\.`);
/** The exact hosts a SafeSearch request header goes to (YouTube's `YouTube-Restrict`). */
export const SAFESEARCH_HEADER_HOSTS = Object.freeze([...new Set(SEARCH_ENGINES.flatMap((e) => e.headerHosts))]);

/**
 * Whether a (lowercase) host may belong to a search engine the core knows, or to one the
 * school's policy declares (`declared`: their hosts, from `declaredHosts`).
 * @param {string} host
 * @param {readonly string[]} [declared]
 */
export function maySearch(host, declared = []) {
  return MAY_SEARCH.test(host) || declared.some((d) => host === d || host.endsWith(`.${d}`));
}

/** The hosts of the engines a policy declares (`sg.policy().search_engines`), canonical. */
export function declaredHosts(policy) {
  return (policy?.search_engines ?? []).flatMap((e) => e.hosts ?? []);
}
