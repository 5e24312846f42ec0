// Which hosts may carry a search: a cheap pre-check before asking the engine (SafeSearch on a
// navigation, a search alert), read from the core's own engine table (core-facts.js, generated
// from the package), so adding an engine to crates/core/src/search/engines adds it here too.
//
// It is a pre-check only, and errs wide: a host passes when it is one of an engine's domains (or
// under one), or has a label an engine is matched by before any suffix (`google`). The engine
// itself then says whether the address is a search (`safeSearch`, `classify`).

import { SEARCH_ENGINES } from '../core-facts.js';

const DOMAINS = new Set(SEARCH_ENGINES.flatMap((e) => e.domains));
const ANY_TLD_NAMES = new Set(SEARCH_ENGINES.flatMap((e) => e.anyTld));
/** The exact hosts a SafeSearch request header goes to (YouTube's `YouTube-Restrict`). */
export const SAFESEARCH_HEADER_HOSTS = Object.freeze([...new Set(SEARCH_ENGINES.flatMap((e) => e.headerHosts))]);

/** Whether a (lowercase) host may belong to a search engine the core knows. */
export function maySearch(host) {
  for (let start = 0; host; ) {
    const dot = host.indexOf('.', start);
    if (ANY_TLD_NAMES.has(dot < 0 ? host.slice(start) : host.slice(start, dot))) return true;
    if (dot < 0) return false;
    if (DOMAINS.has(host.slice(start))) return true;
    start = dot + 1;
  }
  return false;
}
