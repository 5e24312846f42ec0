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

function run(mode, fn, durability = 'default') {
  return open().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode, { durability });
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

/**
 * Stores several `[key, value]` pairs in one transaction: all or nothing. With `strict`, the
 * promise resolves only once the data is on disk (safeguarding reports must survive a crash).
 */
export function putMany(entries, { strict = false } = {}) {
  return run('readwrite', (store) => {
    for (const [key, value] of entries) store.put(value, key);
  }, strict ? 'strict' : 'default');
}

/** Every `[key, value]` whose key starts with `prefix`, in key order (one transaction). */
export function entries(prefix) {
  const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
  return open().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, 'readonly');
    const out = [];
    const req = tx.objectStore(STORE).openCursor(range);
    req.onsuccess = () => {
      const cursor = req.result;
      if (!cursor) return;
      out.push([String(cursor.key), cursor.value]);
      cursor.continue();
    };
    tx.oncomplete = () => resolve(out);
    tx.onerror = () => reject(tx.error);
  }));
}

/** Deletes the given keys in one transaction. */
export function deleteMany(keys) {
  return run('readwrite', (store) => {
    for (const key of keys) store.delete(key);
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

/** Every key that starts with `prefix`, in key order, without reading the values. */
export function keys(prefix) {
  const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
  return run('readonly', (store) => store.getAllKeys(range)).then((got) => got.map(String));
}

/**
 * Puts `puts` (`[key, value]` pairs) and deletes `deletes` in one transaction: all or nothing
 * (the events queue moves events into a batch this way, so a crash never leaves one in both).
 */
export function writeMany(puts, deletes, { strict = false } = {}) {
  return run('readwrite', (store) => {
    for (const key of deletes) store.delete(key);
    for (const [key, value] of puts) store.put(value, key);
  }, strict ? 'strict' : 'default');
}
