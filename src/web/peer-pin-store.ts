/**
 * The browser's peer pins (docs/E2E.md §Pins and verification): src/e2e's synchronous PinStore
 * over the origin's asynchronous store (kv.ts, IndexedDB), one record per server under
 * `peers:SERVER` holding every pinned name. The record is read once, validated as input (a
 * malformed entry is dropped, never trusted), and held in memory so that E2ESession can ask
 * synchronously; every change is written back in the background, coalesced, in order.
 */
import { NAME_RE } from '../chat/events.js';
import { FINGERPRINT_TEXT_RE } from '../e2e/identity.js';
import type { PinRecord, PinStore } from '../e2e/peer-pins.js';
import type { KeyValueStore } from './kv.js';

/** Most peers remembered per server (a record read back with more keeps the first ones). */
export const DEFAULT_MAX_PEER_PINS = 10_000;

/** The store key of the peer pins of `server` (a WebSocket URL). */
export function peerPinsKey(server: string): string {
  return `peers:${server}`;
}

/** What is stored under peerPinsKey. */
interface StoredPeers {
  version: 1;
  /** [name, record] pairs (an array, not an object: a name such as `__proto__` is valid). */
  pins: [string, PinRecord][];
}

const isFp = (v: unknown): v is string => typeof v === 'string' && FINGERPRINT_TEXT_RE.test(v);

/** `v` as a PinRecord, or undefined when any field is missing or malformed. Never throws. */
export function parsePinRecord(v: unknown): PinRecord | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  if (!isFp(r.fingerprint) || typeof r.verified !== 'boolean') return undefined;
  if (typeof r.since !== 'number' || !Number.isFinite(r.since) || r.since < 0) return undefined;
  if (r.presented !== undefined && (!isFp(r.presented) || r.presented === r.fingerprint)) return undefined;
  return { fingerprint: r.fingerprint, verified: r.verified, since: r.since, ...(r.presented !== undefined && { presented: r.presented }) };
}

/** Options of IndexedDbPinStore.load. */
export interface PeerPinStoreOptions {
  /** Most names kept (default DEFAULT_MAX_PEER_PINS). */
  maxPins?: number;
}

/** A PinStore for one server, loaded from and written through to a KeyValueStore. */
export class IndexedDbPinStore implements PinStore {
  /** The last failed write, if any (the pins still hold for this page). */
  storeError: unknown;
  /** How many malformed entries the stored record had (dropped on load). */
  readonly dropped: number;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  private constructor(private readonly store: KeyValueStore, readonly server: string, private readonly map: Map<string, PinRecord>, dropped: number) {
    this.dropped = dropped;
  }

  /**
   * Loads the peer pins of `server`, validating every entry (malformed names or records are
   * dropped; at most `maxPins` are kept). Rejects when the store fails.
   */
  static async load(store: KeyValueStore, server: string, opts: PeerPinStoreOptions = {}): Promise<IndexedDbPinStore> {
    const max = opts.maxPins ?? DEFAULT_MAX_PEER_PINS;
    const v = await store.get<unknown>(peerPinsKey(server));
    const map = new Map<string, PinRecord>();
    let dropped = 0;
    const pins = typeof v === 'object' && v !== null && (v as StoredPeers).version === 1 ? (v as StoredPeers).pins : undefined;
    if (Array.isArray(pins)) {
      for (const entry of pins as unknown[]) {
        const [name, raw] = Array.isArray(entry) ? (entry as unknown[]) : [];
        const rec = typeof name === 'string' && NAME_RE.test(name) && !map.has(name) ? parsePinRecord(raw) : undefined;
        if (rec && map.size < max) map.set(name as string, rec);
        else dropped++;
      }
    } else if (v !== undefined) dropped++;
    return new IndexedDbPinStore(store, server, map, dropped);
  }

  get(name: string): PinRecord | undefined {
    const r = this.map.get(name);
    return r ? { ...r } : undefined;
  }

  set(name: string, record: PinRecord): void {
    this.map.set(name, { ...record });
    this.schedule();
  }

  delete(name: string): void {
    if (this.map.delete(name)) this.schedule();
  }

  names(): string[] {
    return [...this.map.keys()];
  }

  /** Resolves once every change made so far is written (or failed: see storeError). Never rejects. */
  flushed(): Promise<void> {
    return this.writing;
  }

  /** Writes the whole record once per burst of changes, after the write in flight. */
  private schedule(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.writing = this.writing.then(async () => {
      this.dirty = false;
      const pins = [...this.map];
      try {
        await this.store.put(peerPinsKey(this.server), { version: 1, pins } satisfies StoredPeers);
      } catch (e) {
        this.storeError = e;
      }
    });
  }
}
