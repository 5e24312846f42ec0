// Faults the worker met and carried on after (a rule update Chrome refused, a tab that closed
// under a redirect, storage that failed): kept in a small ring buffer in session storage, so they
// survive the worker sleeping but not a browser restart, and shown on the staff page. A fault that
// is part of normal control flow (no content script in a page, say) is not one of these.

/** How many faults are kept: the newest win. */
export const FAILURE_CAP = 50;
const KEY = 'failures';

/** The ring after one more fault (pure: tested in Node). */
export function appendFailure(list, entry, cap = FAILURE_CAP) {
  const out = Array.isArray(list) ? list.slice(-(cap - 1)) : [];
  out.push(entry);
  return out;
}

/** A fault as it is kept: where, what, when; the message cut short (it never holds a secret). */
/**
 * @param {string} where
 * @param {any} error an Error or a message
 * @returns {{at: number, where: string, message: string}}
 */
export function failureEntry(where, error, atMs = Date.now()) {
  const message = String(error?.message ?? error ?? 'unknown error').slice(0, 300);
  return { at: atMs, where: String(where).slice(0, 80), message };
}

// Writes are chained so two faults in the same moment both land.
let writing = Promise.resolve();

/** Records a fault. Never throws: a failing log must not become a second fault. */
/**
 * @param {string} where
 * @param {unknown} error
 */
export function logFailure(where, error) {
  const entry = failureEntry(where, error);
  console.warn(`[schoolgate] ${entry.where}: ${entry.message}`);
  writing = writing.then(async () => {
    const got = await chrome.storage.session.get(KEY);
    await chrome.storage.session.set({ [KEY]: appendFailure(got[KEY], entry) });
  }).catch((e) => console.error('[schoolgate] could not record a fault', e));
  return writing;
}

/**
 * For `.catch(failed('where'))`: records the fault and resolves to `fallback`.
 * @template [T=undefined]
 * @param {string} where what the worker was doing, for staff
 * @param {T} [fallback] what the failed step resolves to instead
 * @returns {(error: unknown) => T}
 */
export function failed(where, fallback = undefined) {
  return (error) => {
    logFailure(where, error);
    return fallback;
  };
}

/** The faults kept, oldest first. */
export async function recentFailures() {
  await writing;
  try {
    const got = await chrome.storage.session.get(KEY);
    return Array.isArray(got[KEY]) ? got[KEY] : [];
  } catch (error) {
    return [failureEntry('reading the fault log', error)];
  }
}
