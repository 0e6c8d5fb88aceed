/**
 * A tiny asynchronous key–value store: IndexedDB in the browser (one database "parley", one
 * object store "kv"), or a Map in tests. The key store and the server pins sit on top of it,
 * so their logic runs unchanged in Node's test runner.
 */

/** What key-store.ts and pins.ts need from storage. Values are structured-cloneable. */
export interface KeyValueStore {
  /** The value stored under `key`, or undefined. Rejects when storage is unavailable. */
  get<T>(key: string): Promise<T | undefined>;
  /** Stores `value` under `key`, durably once the promise resolves. Rejects on a storage failure. */
  put(key: string, value: unknown): Promise<void>;
  /** Removes `key` (no effect when absent). Rejects on a storage failure. */
  delete(key: string): Promise<void>;
}

/** An in-memory KeyValueStore (tests, or a browser without IndexedDB). Never rejects. */
export function memoryStore(): KeyValueStore {
  const m = new Map<string, unknown>();
  return {
    get: async <T>(key: string) => (m.has(key) ? (structuredClone(m.get(key)) as T) : undefined),
    put: async (key, value) => void m.set(key, structuredClone(value)),
    delete: async (key) => void m.delete(key),
  };
}

const DB_NAME = 'parley';
const STORE = 'kv';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/**
 * Opens (creating on first use) the IndexedDB store of this origin. Rejects when IndexedDB is
 * missing or refused (e.g. some private-browsing modes), with the browser's error.
 */
export async function openIndexedDbStore(): Promise<KeyValueStore> {
  if (typeof indexedDB === 'undefined') throw new Error('this browser has no IndexedDB');
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => {
    if (!open.result.objectStoreNames.contains(STORE)) open.result.createObjectStore(STORE);
  };
  const db = await request(open);
  const tx = (mode: IDBTransactionMode) => db.transaction(STORE, mode, { durability: 'strict' }).objectStore(STORE);
  const done = (t: IDBTransaction) =>
    new Promise<void>((resolve, reject) => {
      t.oncomplete = () => resolve();
      t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
      t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted'));
    });
  return {
    get: async <T>(key: string) => (await request(tx('readonly').get(key))) as T | undefined,
    put: async (key, value) => {
      const s = tx('readwrite');
      s.put(value, key);
      await done(s.transaction);
    },
    delete: async (key) => {
      const s = tx('readwrite');
      s.delete(key);
      await done(s.transaction);
    },
  };
}
