/**
 * Name ownership: the first key (fingerprint) to use a name owns it for good; the same key may
 * use it again, any other key is refused. The hub asks a `NameRegistry`; this file defines the
 * interface and an in-memory implementation (tests, ephemeral servers). The persistent one is
 * src/server/names-sqlite.ts.
 *
 * Names are case-insensitive: 'Alice', 'alice' and 'ALICE' are one name, owned by one key, so
 * nobody can impersonate Alice with a look-alike spelling. The spelling of the first claim is
 * kept and shown everywhere (a reconnect as 'alice' by Alice's key is shown as 'Alice').
 * NAME_RE allows ASCII only, so ASCII case folding is the whole story (no Unicode confusables).
 */
import { NAME_RE } from './events.js';

/** One registered name. */
export interface NameRecord {
  /** The spelling of the first claim. */
  name: string;
  /** Fingerprint of the owning key. */
  fingerprint: string;
  /** When it was first claimed (ms since the epoch). */
  createdAt: number;
}

/**
 * `ok: true` — the caller's key owns the name (`created`: it has just claimed it);
 * `ok: false` — another key owns it (`record` says which; the hub does not reveal more than whois does).
 */
export type ClaimResult = { ok: true; record: NameRecord; created: boolean } | { ok: false; record: NameRecord };

/**
 * Where names and their owning keys are kept. Synchronous on purpose: `claim` is a single atomic
 * check-and-insert, and the hub calls it inside `connect` with no interleaving. Implementations
 * throw `RangeError` for a name outside NAME_RE or a malformed fingerprint (the hub validates
 * first, so that is a programming error).
 */
export interface NameRegistry {
  /** Atomically: register `name` for `fingerprint` if it is free; report the owner either way. */
  claim(name: string, fingerprint: string, now?: number): ClaimResult;
  /** The record of a name (any case), or undefined when nobody has claimed it. */
  lookup(name: string): NameRecord | undefined;
  /** Number of registered names. */
  size(): number;
  /** Releases resources (a database handle); further calls may throw. */
  close(): void;
}

/** A fingerprint as the transport gives it: 1–256 printable ASCII characters, no spaces ("SHA256:…"). */
export const FINGERPRINT_RE = /^[\x21-\x7e]{1,256}$/;

/** The key under which a name is stored and compared: ASCII lower case. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** Throws RangeError unless `name` matches NAME_RE and `fingerprint` FINGERPRINT_RE. */
export function checkClaimArgs(name: unknown, fingerprint: unknown): void {
  if (typeof name !== 'string' || !NAME_RE.test(name)) throw new RangeError('invalid name');
  if (typeof fingerprint !== 'string' || !FINGERPRINT_RE.test(fingerprint)) throw new RangeError('invalid fingerprint');
}

/** A NameRegistry in memory: forgotten when the process ends. */
export class MemoryNameRegistry implements NameRegistry {
  private readonly records = new Map<string, NameRecord>();

  claim(name: string, fingerprint: string, now: number = Date.now()): ClaimResult {
    checkClaimArgs(name, fingerprint);
    const key = nameKey(name);
    const existing = this.records.get(key);
    if (existing) {
      return existing.fingerprint === fingerprint ? { ok: true, record: { ...existing }, created: false } : { ok: false, record: { ...existing } };
    }
    const record: NameRecord = { name, fingerprint, createdAt: now };
    this.records.set(key, record);
    return { ok: true, record: { ...record }, created: true };
  }

  lookup(name: string): NameRecord | undefined {
    if (typeof name !== 'string' || !NAME_RE.test(name)) return undefined;
    const r = this.records.get(nameKey(name));
    return r ? { ...r } : undefined;
  }

  size(): number {
    return this.records.size;
  }

  close(): void {
    /* nothing to release */
  }
}
