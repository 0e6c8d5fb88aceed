/**
 * Pins of peers' identity keys, per server (docs/E2E.md §Pins), like OpenSSH's known_hosts for
 * people: the first key seen for a name is pinned; another key for that name later is a key
 * change — reported once as `peer_key_changed` with the pinned and the presented fingerprint —
 * and the peer stays blocked (no message key is shared with the new key, its messages are never
 * shown as verified) until the user accepts the new key with trust() (`/trust NAME`), or, for a
 * peer the user had verified, until they verify again with markVerified() (`/verify NAME`).
 *
 * Storage goes through PinStore (a synchronous key-value interface per server): MemoryPinStore
 * here; a file in the parley home and IndexedDB in the browser implement the same interface.
 */
import { e2eError } from './errors.js';
import { FINGERPRINT_TEXT_RE } from './identity.js';

/** What is remembered of one peer on one server. */
export interface PinRecord {
  /** The accepted key, "SHA256:…". */
  fingerprint: string;
  /** True when the user compared safety numbers for `fingerprint` and said they match. */
  verified: boolean;
  /** When `fingerprint` was first seen or accepted (ms since 1970). */
  since: number;
  /** Another key this name now presents, not accepted yet (the peer is blocked while it is set). */
  presented?: string;
}

/** Synchronous storage of pin records; one instance per server. */
export interface PinStore {
  get(name: string): PinRecord | undefined;
  set(name: string, record: PinRecord): void;
  delete(name: string): void;
  names(): string[];
}

/** A PinStore in memory (tests, and the default when nothing persists). */
export class MemoryPinStore implements PinStore {
  private readonly map = new Map<string, PinRecord>();
  get(name: string): PinRecord | undefined {
    const r = this.map.get(name);
    return r ? { ...r } : undefined;
  }
  set(name: string, record: PinRecord): void {
    this.map.set(name, { ...record });
  }
  delete(name: string): void {
    this.map.delete(name);
  }
  names(): string[] {
    return [...this.map.keys()];
  }
}

/** The `--json` event of a key change (issue 13 point 4). */
export interface PeerKeyChanged {
  type: 'peer_key_changed';
  name: string;
  pinned: string;
  presented: string;
}

/** The result of checking a presented key. */
export type PinCheck =
  /** First contact: the key is now pinned ("first time seen"). */
  | { status: 'new'; fingerprint: string }
  /** The pinned key; `verified` as recorded. */
  | { status: 'match'; fingerprint: string; verified: boolean }
  /** Another key than the pinned one: blocked. `event` is set only the first time this key is presented. */
  | { status: 'changed'; pinned: string; presented: string; wasVerified: boolean; event: PeerKeyChanged | null };

/** A peer's state as the UI shows it (`/whois`, the member list). */
export interface PeerStatus {
  pinned: string | null;
  verified: boolean;
  /** True while a changed key waits for /trust or /verify: nothing is sent to this peer. */
  blocked: boolean;
  presented: string | null;
}

function checkFingerprint(fp: string): void {
  if (typeof fp !== 'string' || !FINGERPRINT_TEXT_RE.test(fp)) throw e2eError('e2e_invalid_argument', 'not a key fingerprint (SHA256:…)');
}

/** The pins of one server, over a PinStore. */
export class PeerPins {
  constructor(private readonly store: PinStore = new MemoryPinStore(), private readonly now: () => number = Date.now) {}

  /**
   * Checks `fingerprint` presented for `name`: pins it on first contact, records a different
   * key as presented (blocked). Throws 'e2e_invalid_argument' for a malformed fingerprint.
   */
  check(name: string, fingerprint: string): PinCheck {
    checkFingerprint(fingerprint);
    const rec = this.store.get(name);
    if (!rec) {
      this.store.set(name, { fingerprint, verified: false, since: this.now() });
      return { status: 'new', fingerprint };
    }
    if (rec.fingerprint === fingerprint) return { status: 'match', fingerprint, verified: rec.verified };
    const first = rec.presented !== fingerprint;
    if (first) this.store.set(name, { ...rec, presented: fingerprint });
    const event: PeerKeyChanged | null = first ? { type: 'peer_key_changed', name, pinned: rec.fingerprint, presented: fingerprint } : null;
    return { status: 'changed', pinned: rec.fingerprint, presented: fingerprint, wasVerified: rec.verified, event };
  }

  /** The state of `name` (all null / false for a name never seen). Never throws. */
  status(name: string): PeerStatus {
    const rec = this.store.get(name);
    if (!rec) return { pinned: null, verified: false, blocked: false, presented: null };
    return { pinned: rec.fingerprint, verified: rec.verified, blocked: rec.presented !== undefined, presented: rec.presented ?? null };
  }

  /** True when `fingerprint` is the pinned, accepted key of `name` (so its signatures may count as verified). */
  isAccepted(name: string, fingerprint: string): boolean {
    const rec = this.store.get(name);
    return rec !== undefined && rec.fingerprint === fingerprint;
  }

  /**
   * Accepts the presented key of `name` (`/trust NAME`): it becomes the pinned key, not
   * verified. Throws E2EError 'e2e_verify_required' when the peer was verified (only
   * markVerified unblocks them), 'e2e_invalid_argument' when no changed key is waiting.
   */
  trust(name: string): string {
    const rec = this.store.get(name);
    if (!rec || rec.presented === undefined) throw e2eError('e2e_invalid_argument', `no changed key is waiting for ${name}`);
    if (rec.verified) throw e2eError('e2e_verify_required', `${name} was verified and their key changed: compare safety numbers with /verify ${name}`);
    this.store.set(name, { fingerprint: rec.presented, verified: false, since: this.now() });
    return rec.presented;
  }

  /**
   * Marks `fingerprint` of `name` verified (`/verify NAME`, after the safety numbers matched):
   * the pinned key (a changed key still waiting keeps waiting), or the presented one, which then
   * replaces the pin and unblocks the peer. Throws 'e2e_invalid_argument'
   * when `fingerprint` is neither.
   */
  markVerified(name: string, fingerprint: string): void {
    checkFingerprint(fingerprint);
    const rec = this.store.get(name);
    if (rec && rec.fingerprint === fingerprint) {
      this.store.set(name, { ...rec, verified: true }); // a changed key still waiting stays waiting
      return;
    }
    if (rec && rec.presented === fingerprint) {
      this.store.set(name, { fingerprint, verified: true, since: this.now() });
      return;
    }
    throw e2eError('e2e_invalid_argument', `${fingerprint} is not the key ${name} presents`);
  }

  /** Clears the verified mark of `name` (the pin stays). Never throws. */
  unverify(name: string): void {
    const rec = this.store.get(name);
    if (rec) this.store.set(name, { ...rec, verified: false });
  }
}
