/**
 * What the page remembers across a reload, per server and identity: the rooms you were in, your
 * direct-message threads, the conversation you had open, and the server's last announced limits
 * (so that an over-long line is refused before `ready` too). It lives in the origin's store
 * (kv.ts, IndexedDB) under `chat:SERVER:FINGERPRINT`. Messages are never stored: the threads come
 * back empty. What is read back is validated as input: anything malformed is ignored.
 */
import { NAME_RE, ROOM_RE, type PublicLimits } from '../chat/events.js';
import type { Remembered } from './chat-state.js';
import type { KeyValueStore } from './kv.js';

/** Most rooms, and most direct threads, remembered (more are dropped, the oldest kept). */
export const MAX_REMEMBERED = 200;

/** The store key of what is remembered for `server` (a WebSocket URL) and the identity `fingerprint`. */
export function memoryKey(server: string, fingerprint: string): string {
  return `chat:${server}:${fingerprint}`;
}

const names = (v: unknown, re: RegExp): string[] => {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const x of v) if (typeof x === 'string' && re.test(x) && !out.includes(x) && out.length < MAX_REMEMBERED) out.push(x);
  return out;
};

const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

function limitsOf(v: unknown): PublicLimits | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const l = v as Record<string, unknown>;
  return count(l.maxMessageLength) && count(l.messagesPerSecond) && count(l.burst)
    ? { maxMessageLength: l.maxMessageLength, messagesPerSecond: l.messagesPerSecond, burst: l.burst }
    : undefined;
}

/** `v` (read from the store) as a Remembered, its invalid parts dropped. Never throws. */
export function parseRemembered(v: unknown): Remembered {
  if (typeof v !== 'object' || v === null) return { rooms: [], directs: [] };
  const r = v as Record<string, unknown>;
  const out: Remembered = { rooms: names(r.rooms, ROOM_RE), directs: names(r.directs, NAME_RE) };
  const ids = [...out.rooms.map((x) => `room:${x}`), ...out.directs.map((x) => `dm:${x}`)];
  if (typeof r.current === 'string' && ids.includes(r.current)) out.current = r.current;
  const limits = limitsOf(r.limits);
  if (limits) out.limits = limits;
  return out;
}

/**
 * The remembered state of one server and identity, written through to the store whenever it
 * changes. Writes are in order, one at a time; a failed write is kept in `storeError` (the page
 * goes on: it only forgets more on the next reload).
 */
export class Memory {
  /** The last write's failure, if any. */
  storeError: unknown;
  private written: string;
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly store: KeyValueStore, readonly key: string, readonly remembered: Remembered) {
    this.written = JSON.stringify(remembered);
  }

  /** Reads what is remembered for `server` and `fingerprint` (empty lists when nothing). Rejects when the store fails. */
  static async load(store: KeyValueStore, server: string, fingerprint: string): Promise<Memory> {
    const key = memoryKey(server, fingerprint);
    return new Memory(store, key, parseRemembered(await store.get<unknown>(key)));
  }

  /** Stores `r` unless it equals what was stored last; resolves once written. Never rejects. */
  save(r: Remembered): Promise<void> {
    const json = JSON.stringify(r);
    if (json === this.written) return this.writing;
    this.written = json;
    this.writing = this.writing.then(() =>
      this.store.put(this.key, r).then(
        () => {
          this.storeError = undefined;
        },
        (e: unknown) => {
          this.storeError = e;
        },
      ),
    );
    return this.writing;
  }
}
