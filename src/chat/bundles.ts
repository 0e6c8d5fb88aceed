/**
 * The bundle directory: for each name, the identity key that last connected with it and the
 * opaque bundle that key published (bundle_put) — what a client needs to start end-to-end
 * encryption with that user (docs/PROTOCOL.md §Bundles). The hub never reads a bundle; it only
 * binds it to the authenticated name and key that put it.
 *
 * An entry belongs to one key: when another key connects with the name (after the operator
 * released it, `parley names release`), its entry replaces the old one, and the old key's
 * bundle is gone. A connected member's entry is always kept, so its bundle survives its own
 * reconnections; entries of names with nobody connected are kept up to a bound
 * (maxOfflineBundles), the longest disconnected forgotten first. Memory only: after a restart
 * clients publish again (they do after every `ready`).
 */

/** What the directory knows of one name. */
export interface BundleRecord {
  /** The registered spelling. */
  readonly name: string;
  readonly fingerprint: string;
  /** Identity public key, SPKI DER base64 (ConnectIdentity.publicKey). */
  readonly publicKey: string;
  /** The bundle its key published (base64), or null. */
  bundle: string | null;
}

/** The directory of one hub, by nameKey. Never throws. */
export class BundleDirectory {
  /** Entries of names with a connected member. */
  private readonly online = new Map<string, BundleRecord>();
  /** Entries of names with nobody connected, longest disconnected first (Map order). */
  private readonly offline = new Map<string, BundleRecord>();

  /** `maxOffline`: entries kept for names with nobody connected (ChatOptions.maxOfflineBundles). */
  constructor(private readonly maxOffline: number) {}

  /**
   * A member connected as `name` (nameKey `key`) with this identity: its entry is kept (with its
   * bundle) when the same key had it, replaced by a fresh one (no bundle) when another key had.
   */
  connected(key: string, name: string, fingerprint: string, publicKey: string): void {
    const had = this.online.get(key) ?? this.offline.get(key);
    this.offline.delete(key);
    const same = had !== undefined && had.fingerprint === fingerprint && had.publicKey === publicKey;
    this.online.set(key, same ? had : { name, fingerprint, publicKey, bundle: null });
  }

  /** The member connected as nameKey `key` with `fingerprint` is gone: its entry waits among the offline ones. */
  disconnected(key: string, fingerprint: string): void {
    const r = this.online.get(key);
    if (!r || r.fingerprint !== fingerprint) return;
    this.online.delete(key);
    if (this.maxOffline === 0) return;
    this.offline.set(key, r);
    for (const oldest of this.offline.keys()) {
      if (this.offline.size <= this.maxOffline) break;
      this.offline.delete(oldest);
    }
  }

  /** The entry of a connected member's name (nameKey `key`), if any. */
  entry(key: string): BundleRecord | undefined {
    return this.online.get(key);
  }

  /** The entry of nameKey `key`, connected or not, without any check (its fingerprint for a lookup that began while it was connected). */
  peek(key: string): BundleRecord | undefined {
    return this.online.get(key) ?? this.offline.get(key);
  }

  /** Whether nameKey `key` has an entry kept for a name with nobody connected (its lookup asks the registry). */
  isOffline(key: string): boolean {
    return this.offline.has(key);
  }

  /** The connected member of nameKey `key` with `fingerprint` publishes `bundle` (replacing its previous one). False if it has no entry. */
  put(key: string, fingerprint: string, bundle: string): boolean {
    const r = this.online.get(key);
    if (!r || r.fingerprint !== fingerprint) return false;
    r.bundle = bundle;
    return true;
  }

  /**
   * The entry of nameKey `key`. A connected member's entry is its own; an offline entry is
   * returned only while `owner()` — the registry's owner of the name now — is its key, and is
   * forgotten otherwise (the name was released). `owner` may throw (the registry's failure);
   * it is called for offline entries only.
   */
  lookup(key: string, owner: () => string | undefined): BundleRecord | undefined {
    const on = this.online.get(key);
    if (on) return on;
    const off = this.offline.get(key);
    if (!off) return undefined;
    if (owner() === off.fingerprint) return off;
    this.offline.delete(key);
    return undefined;
  }

  /** Entries kept: of connected members, and of names with nobody connected (for tests and stats). */
  get size(): { online: number; offline: number } {
    return { online: this.online.size, offline: this.offline.size };
  }

  /** Forgets everything (the hub is shutting down). */
  clear(): void {
    this.online.clear();
    this.offline.clear();
  }
}
