// Saving a report when storage is short: IndexedDB first (strict durability); if it refuses (a
// full disk), `chrome.storage.local`; if that refuses too, the worker's memory, with a warning
// for staff to export now. `rescue` moves held reports back into IndexedDB once there is room,
// so they are delivered like any other. A report is never dropped silently.
//
// The stores are passed in, so the fallbacks can be tested in Node: on a real device the full
// disk cannot be produced on demand (the extension's `unlimitedStorage` lifts the quota).

import { failed } from './failures.js';

/**
 * @param {object} stores
 * @param {{putMany: (entries: [string, any][], o: {strict: boolean}) => Promise<void>}} stores.idb
 * @param {{set: Function, get: Function, remove: Function}} stores.local chrome.storage.local
 * @param {(text: string|null) => void} stores.warn sets (or clears) the staff page's warning
 */
export function heldReports({ idb, local, warn }) {
  const memory = new Map();
  let warning = null;
  const setWarning = (text) => {
    warning = text;
    warn(text);
  };

  return {
    /**
     * Saves `[key, value]` entries of report `id`; says where they went.
     * @returns {Promise<'indexeddb'|'storage.local'|'memory'>}
     */
    async save(id, entries) {
      try {
        await idb.putMany(entries, { strict: true });
        return 'indexeddb';
      } catch (error) {
        const why = String(error?.message ?? error);
        try {
          await local.set({ [`held:${id}`]: Object.fromEntries(entries) });
          setWarning(`Storage is short (${why}): report ${id} was kept in extension storage. Free some space; it will be moved back and sent.`);
          return 'storage.local';
        } catch {
          // Extension storage is full too: the report is held in memory and the staff page warns.
          memory.set(id, Object.fromEntries(entries));
          setWarning(`Storage is full (${why}): ${memory.size} report(s) are held in memory only. Export them from the staff page now.`);
          return 'memory';
        }
      }
    },

    /** Moves held reports back into IndexedDB; stops at the first that still does not fit. */
    async rescue(serial = (fn) => fn()) {
      const stored = await local.get(null).catch(failed('reading reports held in extension storage', {}));
      const sets = [
        ...Object.entries(stored).filter(([k]) => k.startsWith('held:')),
        ...[...memory].map(([id, v]) => [`mem:${id}`, v]),
      ];
      for (const [key, value] of sets) {
        try {
          await serial(() => idb.putMany(Object.entries(value), { strict: true }));
          if (key.startsWith('held:')) await local.remove(key);
          else memory.delete(key.slice(4));
        } catch {
          return false; // still no room: try again later
        }
      }
      if (warning?.startsWith('Storage')) setWarning(null);
      return true;
    },

    /** Every held `[key, value]` entry (memory and extension storage), for listing. */
    async entries() {
      const stored = await local.get(null).catch(failed('listing reports held in extension storage', {}));
      const out = [];
      for (const [k, v] of Object.entries(stored)) if (k.startsWith('held:')) out.push(...Object.entries(v));
      for (const v of memory.values()) out.push(...Object.entries(v));
      return out;
    },
  };
}
