// The Public Suffix List for the wasm package's core: the list's own algorithm
// (publicsuffix.org/list: the prevailing rule, exceptions first, `*` implied) over the rules in
// public-suffix-rules.js, which scripts/build-wasm.sh generates from the `data/rules.txt` of the
// very `psl` crate that Cargo.lock pins and the CLI compiles in. The package's glue imports this
// module beside schoolgate.js, so every caller has the list without handing anything in; the
// core asks `coversPublicSuffix` for each list and policy entry (crates/wasm/src/public_suffix.rs,
// crates/core/src/public_suffix.rs). It lives here, not in the wasm, because the package has a
// size budget and the browser has fast maps.
//
// The extension may use `coversPublicSuffix` itself, on a canonical host (lowercase, punycode):
//   import { coversPublicSuffix } from './pkg/public-suffixes.js';

import { RULES } from './public-suffix-rules.js';

const PLAIN = 1;
const WILDCARD = 2;
const EXCEPTION = 4;

/** name → the kinds of rule that name it (bits above); read on first use, not at start-up. */
let kinds = null;

function load() {
  kinds = new Map();
  for (const line of RULES.split('\n')) {
    const rule = line.split(/[ \t]/, 1)[0];
    if (!rule || rule.startsWith('//')) continue;
    const [kind, name] = rule.startsWith('*.')
      ? [WILDCARD, rule.slice(2)]
      : rule.startsWith('!')
        ? [EXCEPTION, rule.slice(1)]
        : [PLAIN, rule];
    let host = name.toLowerCase();
    // Rules in Unicode (`公司.cn`) are kept as canonical hosts are written: punycode.
    if (!/^[\x21-\x7e]*$/.test(host)) {
      try {
        host = new URL(`http://${name}/`).hostname;
      } catch {
        continue;
      }
    }
    kinds.set(host, (kinds.get(host) ?? 0) | kind);
  }
}

/** Whether a canonical host is itself a public suffix. */
export function isPublicSuffix(host) {
  if (kinds === null) load();
  // An exception rule for the host or one of its parents prevails, and makes the suffix that
  // rule less its first label: shorter than the host.
  for (let rest = host; ; ) {
    if (kinds.get(rest) & EXCEPTION) return false;
    const dot = rest.indexOf('.');
    if (dot < 0) break;
    rest = rest.slice(dot + 1);
  }
  const dot = host.indexOf('.');
  // The implicit `*` rule: every top-level label is a public suffix.
  if (dot < 0) return true;
  return Boolean(kinds.get(host) & PLAIN || kinds.get(host.slice(dot + 1)) & WILDCARD);
}

/**
 * Whether an entry for a canonical host would cover every site registered under a public
 * suffix: the host is one (`co.uk`, `github.io`), or every name directly under it is one
 * (`sch.uk`, under `*.sch.uk`). As `PublicSuffixes::covers_a_public_suffix` in the core.
 */
export function coversPublicSuffix(host) {
  // A label no rule names: a wildcard rule for the host's children makes it a public suffix.
  return isPublicSuffix(host) || isPublicSuffix(`schoolgate-probe.${host}`);
}
