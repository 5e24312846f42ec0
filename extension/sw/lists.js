// Lists: fetching one from its address, compiling it, and its cache (text and compiled bytes in
// IndexedDB, keyed by content), so the filter works offline and a broken or unreachable list
// keeps its last good copy. sw/state.js decides what to do with the result.

import * as idb from './idb.js';
import { pkg } from './engine.js';
import { LIMITS } from './config.js';
import { LOCKED_CATEGORIES } from '../core-facts.js';

const LOCKED = new Set(LOCKED_CATEGORIES);
const FETCH_TIMEOUT_MS = 60_000;

async function sha256Hex(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A list's identity: its content, category and format, and the engine version and ruleset format
 * that compiled it (an update that changes the format gets fresh keys, so no stale bytes are used).
 */
export async function listKey(text, category, format) {
  return (await sha256Hex(`${pkg.version()}\nruleset-format ${pkg.rulesetFormat()}\n${category}\n${format}\n${text}`)).slice(0, 32);
}

async function fetchText(url) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), FETCH_TIMEOUT_MS);
  try {
    const res = await fetch(url, { signal: ctrl.signal, cache: 'no-cache', credentials: 'omit' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const tooBig = () => new Error(`larger than ${LIMITS.listBytes / (1024 * 1024)} MB, the most one list may be (split it)`);
    if (Number(res.headers.get('content-length')) > LIMITS.listBytes) throw tooBig();
    const text = await res.text();
    if (text.length > LIMITS.listBytes) throw tooBig();
    return text;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Fetches and compiles one list. A list that cannot be fetched, or that compiles to nothing (an
 * error page instead of a list, say), is "broken": its last good copy is used instead, and the
 * problem is reported. Without a last good copy, the list is left out and reported (for a locked
 * list, `applyManaged` then keeps the last good copies of its category and raises an alarm).
 */
export async function loadList(spec, previous) {
  const name = spec.name ?? spec.url;
  const meta = { url: spec.url, category: spec.category, format: spec.format, name, fetchedAt: null, entries: 0, rejected: 0, error: null, fromCache: false, locked: LOCKED.has(spec.category) };
  let fresh = null;
  try {
    const text = await fetchText(spec.url);
    const compiled = pkg.compileLists([{ name, category: spec.category, format: spec.format, text }]);
    /** @type {{entries?: number, rejected?: number}} */
    const report = compiled.lists?.[0] ?? {};
    const lines = (report.entries ?? compiled.entries) + (report.rejected ?? compiled.rejectedCount);
    if (compiled.entries === 0) throw new Error(`no usable entries (${compiled.rejectedCount} lines rejected${compiled.rejected[0] ? `, e.g. line ${compiled.rejected[0].line}: ${compiled.rejected[0].reason}` : ''})`);
    if (lines > 20 && compiled.rejectedCount > lines / 2) throw new Error(`${compiled.rejectedCount} of ${lines} lines rejected: is this the right file and format?`);
    const key = await listKey(text, spec.category, spec.format);
    fresh = { key, text, bytes: compiled.bytes };
    Object.assign(meta, { key, fetchedAt: Date.now(), entries: compiled.entries, rejected: compiled.rejectedCount });
  } catch (error) {
    meta.error = `${spec.url}: ${error?.message ?? error}`;
  }
  if (fresh) return { meta, fresh };
  // Broken or offline: the last good copy of the same list, if there is one.
  const old = previous.find((p) => p.url === spec.url && p.category === spec.category && p.format === spec.format);
  if (old) {
    const cached = await cachedCopy(old);
    if (cached) return { meta: { ...cached.meta, name, error: meta.error }, cachedBytes: cached.bytes };
  }
  return { meta, missing: true };
}

/** A list's last good copy from the cache: `{meta, bytes}`, or `null` when it is gone. */
export async function cachedCopy(old) {
  // Neither the cached bytes nor the cached text: the list is gone (the caller reports it).
  const bytes = await idb.get(`ruleset:${old.key}`).catch(() => null) ?? await recompileFromText(old).catch(() => null);
  if (!bytes) return null;
  return { meta: { ...old, locked: LOCKED.has(old.category), fromCache: true }, bytes };
}

export async function recompileFromText(meta) {
  const text = await idb.get(`text:${meta.key}`);
  if (typeof text !== 'string') throw new Error(`list ${meta.url} is missing from the cache`);
  const compiled = pkg.compileLists([{ name: meta.name ?? meta.url, category: meta.category, format: meta.format, text }]);
  await idb.putMany([[`ruleset:${meta.key}`, compiled.bytes]]);
  return compiled.bytes;
}
