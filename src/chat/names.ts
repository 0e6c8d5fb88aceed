/**
 * Name ownership: the first key (fingerprint) to use a name owns it until the operator releases
 * it (`parley names release`); the same key may use it again, any other key is refused. The hub
 * asks a `NameRegistry`; this file defines the interface and an in-memory implementation (tests,
 * ephemeral servers). The persistent one is src/server/names-sqlite.ts; both behave the same
 * (test/chat/registry-contract.ts runs the same table against both).
 *
 * Names are case-insensitive: 'Alice', 'alice' and 'ALICE' are one name, owned by one key. Case
 * is not the only way to imitate a name, though: 'aIice' (capital i) or 'a1ice' look like
 * 'alice' too. So a claim also compares visual skeletons (src/chat/skeleton.ts): a new name whose
 * skeleton equals that of a name another key owns is refused as a look-alike. The spelling of
 * the first claim is kept and shown everywhere (a reconnect as 'alice' by Alice's key is shown
 * as 'Alice').
 *
 * A claim also enforces the registry's side of the limits on growth (ClaimPolicy): names per key
 * and names in all. The whole check — exact owner, look-alike, per-key count, total count — and
 * the insert are one atomic step. Names registered before the skeleton check existed may
 * collide with each other; they are kept (each owner can still use its own), and only new
 * claims are compared.
 */
import { NAME_RE } from './events.js';
import { nameSkeleton } from './skeleton.js';

/** One registered name. */
export interface NameRecord {
  /** The spelling of the first claim. */
  name: string;
  /** Fingerprint of the owning key. */
  fingerprint: string;
  /** When it was first claimed (ms since the epoch). */
  createdAt: number;
}

/** Limits a claim of a NEW name must respect; a name the key already owns is never refused by them. */
export interface ClaimPolicy {
  /** Names one key may hold; a new name beyond them is refused with `key_limit`. Default: no limit. */
  maxNamesPerKey?: number;
  /** Names in the registry; a new name beyond them is refused with `full`. Default: no limit. */
  maxNames?: number;
  /** False: the caller may not create a name now (its per-source budget is spent) → `new_names_paused`. Default true. */
  allowNew?: boolean;
}

/** Why a claim was refused. */
export type ClaimRefusal =
  /** Another key owns this name (any case); `record` is its record. */
  | { ok: false; reason: 'taken'; record: NameRecord }
  /** The name looks like `record`'s name (same skeleton), which another key owns. */
  | { ok: false; reason: 'lookalike'; record: NameRecord }
  /** The key already holds maxNamesPerKey names: `held`, oldest first. */
  | { ok: false; reason: 'key_limit'; held: NameRecord[] }
  /** The registry holds maxNames names. */
  | { ok: false; reason: 'full'; size: number }
  /** The name is free, but ClaimPolicy.allowNew was false. */
  | { ok: false; reason: 'new_names_paused' };

/** `ok: true` — the caller's key owns the name (`created`: it has just claimed it); otherwise why not. */
export type ClaimResult = { ok: true; record: NameRecord; created: boolean } | ClaimRefusal;

/**
 * Where names and their owning keys are kept. Synchronous on purpose: `claim` is a single atomic
 * check-and-insert, and the hub calls it inside `connect` with no interleaving. Implementations
 * throw `RangeError` for a name outside NAME_RE or a malformed fingerprint (the hub validates
 * first, so that is a programming error).
 */
export interface NameRegistry {
  /** Atomically: register `name` for `fingerprint` if it is free, no other key owns a look-alike and `policy` allows; report the outcome. */
  claim(name: string, fingerprint: string, now?: number, policy?: ClaimPolicy): ClaimResult;
  /** The record of a name (any case), or undefined when nobody has claimed it. */
  lookup(name: string): NameRecord | undefined;
  /** Every registered name, sorted by name (case-insensitively). */
  list(): NameRecord[];
  /** Removes a name (any case) so that anyone may claim it again; the removed record, or undefined for an unknown name. */
  release(name: string): NameRecord | undefined;
  /** Number of registered names. */
  size(): number;
  /** Releases resources (a database handle); further calls may throw. */
  close(): void;
}

/** A fingerprint as the transport gives it: 1–256 printable ASCII characters, no spaces ("SHA256:…"). */
export const FINGERPRINT_RE = /^[\x21-\x7e]{1,256}$/;

/** The key under which a name is stored and compared for identity: ASCII lower case. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** Throws RangeError unless `name` matches NAME_RE and `fingerprint` FINGERPRINT_RE. */
export function checkClaimArgs(name: unknown, fingerprint: unknown): void {
  if (typeof name !== 'string' || !NAME_RE.test(name)) throw new RangeError('invalid name');
  if (typeof fingerprint !== 'string' || !FINGERPRINT_RE.test(fingerprint)) throw new RangeError('invalid fingerprint');
}

/** Orders records by name, case-insensitively (the order of `list`). */
export function byNameKey(a: NameRecord, b: NameRecord): number {
  const x = nameKey(a.name);
  const y = nameKey(b.name);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The policy checks for a new name, in the order both registries apply them: look-alike of
 * another key's name, names per key, names in all, the caller's budget. The inputs are what the
 * registry found for the name's skeleton and key; undefined means the claim may go ahead.
 */
export function checkNewName(
  fingerprint: string,
  policy: ClaimPolicy,
  found: { lookalike: NameRecord | undefined; held: () => NameRecord[]; size: () => number },
): ClaimRefusal | undefined {
  if (found.lookalike && found.lookalike.fingerprint !== fingerprint) return { ok: false, reason: 'lookalike', record: found.lookalike };
  if (policy.maxNamesPerKey !== undefined) {
    const held = found.held();
    if (held.length >= policy.maxNamesPerKey) return { ok: false, reason: 'key_limit', held };
  }
  if (policy.maxNames !== undefined) {
    const size = found.size();
    if (size >= policy.maxNames) return { ok: false, reason: 'full', size };
  }
  if (policy.allowNew === false) return { ok: false, reason: 'new_names_paused' };
  return undefined;
}

/** A NameRegistry in memory: forgotten when the process ends. */
export class MemoryNameRegistry implements NameRegistry {
  /** By nameKey. */
  private readonly records = new Map<string, NameRecord>();
  /** nameKeys by skeleton (several only for names of one key, or grandfathered ones). */
  private readonly bySkeleton = new Map<string, Set<string>>();
  /** nameKeys by fingerprint. */
  private readonly byKey = new Map<string, Set<string>>();

  claim(name: string, fingerprint: string, now: number = Date.now(), policy: ClaimPolicy = {}): ClaimResult {
    checkClaimArgs(name, fingerprint);
    const key = nameKey(name);
    const existing = this.records.get(key);
    if (existing) {
      return existing.fingerprint === fingerprint ? { ok: true, record: { ...existing }, created: false } : { ok: false, reason: 'taken', record: { ...existing } };
    }
    const skeleton = nameSkeleton(name);
    const sameSkeleton = [...(this.bySkeleton.get(skeleton) ?? [])].map((k) => this.records.get(k)!).sort((a, b) => a.createdAt - b.createdAt);
    const refusal = checkNewName(fingerprint, policy, {
      lookalike: sameSkeleton.find((r) => r.fingerprint !== fingerprint),
      held: () => this.held(fingerprint, policy.maxNamesPerKey ?? Infinity),
      size: () => this.records.size,
    });
    if (refusal) return refusal.reason === 'lookalike' ? { ...refusal, record: { ...refusal.record } } : refusal;
    const record: NameRecord = { name, fingerprint, createdAt: Number.isFinite(now) ? Math.floor(now) : Date.now() };
    this.insert(record);
    return { ok: true, record: { ...record }, created: true };
  }

  lookup(name: string): NameRecord | undefined {
    if (typeof name !== 'string' || !NAME_RE.test(name)) return undefined;
    const r = this.records.get(nameKey(name));
    return r ? { ...r } : undefined;
  }

  list(): NameRecord[] {
    return [...this.records.values()].map((r) => ({ ...r })).sort(byNameKey);
  }

  release(name: string): NameRecord | undefined {
    if (typeof name !== 'string' || !NAME_RE.test(name)) return undefined;
    const key = nameKey(name);
    const r = this.records.get(key);
    if (!r) return undefined;
    this.records.delete(key);
    removeFrom(this.bySkeleton, nameSkeleton(r.name), key);
    removeFrom(this.byKey, r.fingerprint, key);
    return { ...r };
  }

  size(): number {
    return this.records.size;
  }

  close(): void {
    /* nothing to release */
  }

  /**
   * Adds a record without any check: for tests that need names registered before the look-alike
   * rule (grandfathered collisions), as an old SQLite file has them. Throws RangeError for
   * invalid arguments or a name that is already registered.
   */
  seed(record: NameRecord): void {
    checkClaimArgs(record.name, record.fingerprint);
    if (this.records.has(nameKey(record.name))) throw new RangeError('name already registered');
    this.insert({ ...record });
  }

  /** The key's names, oldest first, at most `limit` of them. */
  private held(fingerprint: string, limit: number): NameRecord[] {
    const keys = [...(this.byKey.get(fingerprint) ?? [])];
    const records = keys.map((k) => ({ ...this.records.get(k)! })).sort((a, b) => a.createdAt - b.createdAt || byNameKey(a, b));
    return records.slice(0, limit);
  }

  private insert(record: NameRecord): void {
    const key = nameKey(record.name);
    this.records.set(key, record);
    addTo(this.bySkeleton, nameSkeleton(record.name), key);
    addTo(this.byKey, record.fingerprint, key);
  }
}

function addTo(index: Map<string, Set<string>>, at: string, key: string): void {
  let s = index.get(at);
  if (!s) index.set(at, (s = new Set()));
  s.add(key);
}

function removeFrom(index: Map<string, Set<string>>, at: string, key: string): void {
  const s = index.get(at);
  if (!s) return;
  s.delete(key);
  if (s.size === 0) index.delete(at);
}

export interface KeyHistoryEntry {
  /** The spelling of the name at that time. */
  name: string;
  fingerprint: string;
  /** 'claimed': the key took the name; 'released': the operator freed it. */
  event: 'claimed' | 'released';
  /** When (ms since the epoch). */
  at: number;
}

/**
 * NameRegistry's asynchronous twin, for a registry behind a network round trip. Same meaning
 * per method as NameRegistry (src/chat/names.ts); every method may reject with
 * NameRegistryUnavailableError. `claim` rejects with RangeError for invalid arguments (before
 * any round trip), where NameRegistry's throws it.
 */
export interface AsyncNameRegistry {
  claim(name: string, fingerprint: string, now?: number, policy?: ClaimPolicy): Promise<ClaimResult>;
  lookup(name: string): Promise<NameRecord | undefined>;
  list(): Promise<NameRecord[]>;
  release(name: string, now?: number): Promise<NameRecord | undefined>;
  size(): Promise<number>;
  /** Every key the name (any case) has had, oldest first: claims and releases. */
  history(name: string): Promise<KeyHistoryEntry[]>;
  close(): Promise<void>;
}
