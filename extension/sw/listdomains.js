// Domains and URL prefixes from list texts, for the declarativeNetRequest (DNR) rules only.
//
// The engine (Rust, compiled to wasm) is the source of truth for every decision; it parses lists
// itself. DNR rules are the browser-native first line that works even while the service worker
// sleeps, so this parser only needs to be conservative: every domain it returns must be one the
// engine also blocks (no over-blocking), while anything it skips is still judged by the engine
// wherever the extension can run its code (see docs/deploy-chromebooks.md). Lines it does not
// understand (expressions, entries with wildcards in the middle, IP ranges) are skipped.

import { coversPublicSuffix } from '../pkg/public-suffixes.js';

const HOSTS_SKIP = new Set(['localhost', 'localhost.localdomain', 'local', 'broadcasthost', 'ip6-localhost', 'ip6-loopback', '0.0.0.0']);
const IP = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]+:[0-9a-f:]*$/i;
const LABELS = /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{2,63}$/;

/** A lowercase ASCII (punycode) host, or `null` when `text` is not a plain host name. */
export function cleanHost(text) {
  let h = String(text).trim().toLowerCase();
  if (h.startsWith('*.')) h = h.slice(2);
  else if (h.startsWith('.')) h = h.slice(1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (!h || h.includes('*') || h.includes('/') || HOSTS_SKIP.has(h)) return null;
  if (/[^\x21-\x7e]/.test(h)) {
    try {
      h = new URL(`http://${h}/`).hostname;
    } catch {
      return null;
    }
  }
  if (IP.test(h)) return null;
  // A public suffix (`co.uk`, `github.io`) in `requestDomains` would block every site under it:
  // the engine refuses such a line, so DNR must not take it either.
  return LABELS.test(h) && !coversPublicSuffix(h) ? h : null;
}

/** `host/path` → `{host, path}` for a URL-prefix entry; a bare host → `{host, path: ''}`. */
function splitUrlEntry(text) {
  let s = text.trim();
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = s.indexOf('/');
  const hostPart = slash < 0 ? s : s.slice(0, slash);
  const host = cleanHost(hostPart.replace(/:\d+$/, ''));
  if (!host) return null;
  let path = slash < 0 ? '' : s.slice(slash);
  if (path === '/') path = '';
  if (/[*^|\s]/.test(path) || path.includes('?')) return null;
  return { host, path };
}

function guessLine(line) {
  if (line.startsWith('||')) return 'adblock';
  const first = line.split(/\s+/, 1)[0];
  if (IP.test(first) && /\s/.test(line)) return 'hosts';
  if (line.includes('/')) return 'urls';
  return 'domains';
}

/**
 * Reads a list's text: `{domains: string[], prefixes: {host, path}[], skipped: number}`.
 * `domains` cover the domain and its subdomains, as DNR `requestDomains` does.
 *
 * @param {string} text
 * @param {'auto'|'domains'|'hosts'|'adblock'|'urls'|'expressions'} format
 */
export function readListForDnr(text, format = 'auto') {
  const domains = [];
  const prefixes = [];
  let skipped = 0;
  if (format === 'expressions') return { domains, prefixes, skipped: String(text).split('\n').length };
  for (const raw of String(text).split('\n')) {
    let line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!') || line.startsWith('[')) continue;
    const hash = line.indexOf(' #');
    if (hash >= 0) line = line.slice(0, hash).trim();
    const kind = format === 'auto' ? guessLine(line) : format;
    if (kind === 'adblock') {
      const m = /^\|\|([^/^$|*]+)\^?(\$.*)?$/.exec(line);
      const host = m && !m[2] ? cleanHost(m[1]) : null;
      if (host) domains.push(host);
      else skipped += 1;
    } else if (kind === 'hosts') {
      const parts = line.split(/\s+/);
      if (!IP.test(parts[0])) {
        skipped += 1;
        continue;
      }
      for (const p of parts.slice(1)) {
        const host = cleanHost(p);
        if (host) domains.push(host);
      }
    } else if (kind === 'urls') {
      const e = splitUrlEntry(line);
      if (!e) skipped += 1;
      else if (e.path) prefixes.push(e);
      else domains.push(e.host);
    } else {
      const host = line.includes('/') ? null : cleanHost(line.split(/\s+/, 1)[0]);
      if (host) domains.push(host);
      else skipped += 1;
    }
  }
  return { domains, prefixes, skipped };
}

/**
 * Group `allow`/`deny` entries as a policy writes them (`example.com`, `*.example.com`,
 * `example.com/games/`, `https://example.com/games`): `{domains, prefixes}`.
 */
export function readPolicyEntries(entries) {
  const domains = [];
  const prefixes = [];
  for (const entry of entries ?? []) {
    const e = splitUrlEntry(String(entry));
    if (!e) continue;
    if (e.path) prefixes.push(e);
    else domains.push(e.host);
  }
  return { domains, prefixes };
}
