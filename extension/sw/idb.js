// A tiny key-value store over IndexedDB, for what the worker must keep across restarts and that
// is too big or too binary for `chrome.storage.local`: the last good policy, compiled rulesets
// (`Uint8Array`, stored as is) and the list texts the DNR rules are made from.
//
// Only the extension's own origin can open this database (pages and the worker share it).

const DB_NAME = 'schoolgate';
const STORE = 'kv';

let opening = null;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  }).catch((error) => {
    opening = null;
    throw error;
  });
  return opening;
}

function run(mode, fn) {
  return open().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const result = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result?.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  }));
}

/** The value stored under `key`, or `undefined`. */
export function get(key) {
  return run('readonly', (store) => store.get(key));
}

/** The values under several keys, in order (one transaction). */
export function getMany(keys) {
  return open().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, 'readonly');
    const store = tx.objectStore(STORE);
    const reqs = keys.map((k) => store.get(k));
    tx.oncomplete = () => resolve(reqs.map((r) => r.result));
    tx.onerror = () => reject(tx.error);
  }));
}

/** Stores several `[key, value]` pairs in one transaction: all or nothing. */
export function putMany(entries) {
  return run('readwrite', (store) => {
    for (const [key, value] of entries) store.put(value, key);
  });
}

/** Deletes every key that starts with `prefix` and is not in `keep`. */
export function prune(prefix, keep) {
  return run('readwrite', (store) => {
    const req = store.openKeyCursor();
    req.onsuccess = () => {
      const cursor = req.result;
      if (!cursor) return;
      const key = String(cursor.key);
      if (key.startsWith(prefix) && !keep.has(key)) store.delete(cursor.key);
      cursor.continue();
    };
  });
}
