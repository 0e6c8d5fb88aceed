/**
 * What this session knows of other users (docs/E2E.md §Bundles and pins): each name's latest
 * certified bundle (checked against the pins), the pairwise channel with it, the previous one
 * (for payloads in flight across a peer's new session), and which bundle_get requests are out.
 */
import { openBundleEntry, type CertifiedBundle, type OwnBundle } from './bundle.js';
import { equalBytes } from './codec.js';
import type { E2ECrypto } from './crypto.js';
import { isE2EError, type E2EErrorCode } from './errors.js';
import type { E2ELimits } from './limits.js';
import { derivePairwiseKeys, PairwiseChannel } from './pairwise.js';
import type { PeerKeyChanged, PeerPins } from './peer-pins.js';

/** Something the user (or the --json stream) should be told. */
export type Notice =
  /** A key seen for the first time for this name: now pinned ("first time seen"). */
  | { type: 'peer_new'; name: string; fingerprint: string }
  | PeerKeyChanged
  /** A bundle the server relayed failed its checks: nothing is sent to or accepted from it. */
  | { type: 'e2e_bundle_rejected'; name: string; code: E2EErrorCode; message: string }
  /** A message of ours that was waiting for keys could not be sent. */
  | { type: 'e2e_not_sent'; to: string; code: E2EErrorCode; message: string };

/** One entry of the server's `bundles` event (docs/PROTOCOL.md). */
export interface BundleEntry {
  name: string;
  key: string;
  fingerprint: string;
  bundle: string | null;
}

interface Session {
  bundle: CertifiedBundle;
  channel: PairwiseChannel | null;
}

interface Peer {
  current: Session | null;
  previous: Session | null;
  /** A bundle_get for this name is out. */
  requested: boolean;
  /** Set by invalidate(): the bundle may be stale until the next answer. */
  stale: boolean;
  /** The server answered that this name has no bundle. */
  absent: boolean;
  /** When the last answer for this name arrived (ms since 1970), or 0. */
  fetchedAt: number;
}

/** The peers of one session. */
export class PeerDirectory {
  private readonly peers = new Map<string, Peer>();

  constructor(
    private readonly crypto: E2ECrypto,
    private readonly selfName: string,
    private readonly own: OwnBundle,
    private readonly pins: PeerPins,
    private readonly limits: E2ELimits,
    private readonly now: () => number = Date.now,
  ) {}

  private peer(name: string): Peer {
    let p = this.peers.get(name);
    if (!p) {
      p = { current: null, previous: null, requested: false, stale: false, absent: false, fetchedAt: 0 };
      this.peers.set(name, p);
    }
    return p;
  }

  /** Of `names`, those whose bundle should be requested now (unknown or stale, and no request out); marks them requested. */
  toRequest(names: Iterable<string>, force = false): string[] {
    const out: string[] = [];
    for (const n of names) {
      if (n === this.selfName) continue;
      const p = this.peer(n);
      if (p.requested) continue;
      if (!force && p.current && !p.stale) continue;
      p.requested = true;
      out.push(n);
    }
    return out;
  }

  /** The bundle of `name` may have changed (it joined somewhere): the next need fetches it again. */
  invalidate(name: string): void {
    if (name !== this.selfName) this.peer(name).stale = true;
  }

  /** True while a bundle_get for `name` is out. */
  isRequested(name: string): boolean {
    return this.peers.get(name)?.requested ?? false;
  }

  /** How long ago the last bundle answer for `name` arrived, in ms (Infinity when never). */
  ageOf(name: string): number {
    const at = this.peers.get(name)?.fetchedAt ?? 0;
    return at === 0 ? Infinity : this.now() - at;
  }

  /** True when the server said `name` has no bundle (an old client, or none published yet). */
  isAbsent(name: string): boolean {
    return this.peers.get(name)?.absent ?? false;
  }

  /**
   * Takes one entry of a `bundles` event: checks the bundle (signature, the server's
   * fingerprint label) and the pin. Returns the notices and whether the name's bundle changed
   * (then our chains must be given to it again). Never throws: a bad entry is a notice.
   */
  accept(entry: BundleEntry): { notices: Notice[]; changed: boolean } {
    if (typeof entry?.name !== 'string' || entry.name === this.selfName) return { notices: [], changed: false };
    const p = this.peer(entry.name);
    p.requested = false;
    p.stale = false;
    p.fetchedAt = this.now();
    if (entry.bundle === null) {
      p.absent = true;
      return { notices: [], changed: false };
    }
    let cb: CertifiedBundle;
    try {
      cb = openBundleEntry(this.crypto, { key: entry.key, fingerprint: entry.fingerprint, bundle: entry.bundle });
    } catch (e) {
      const code = isE2EError(e) ? e.code : 'e2e_malformed';
      return { notices: [{ type: 'e2e_bundle_rejected', name: entry.name, code, message: 'the keys the server relayed for this name failed their checks' }], changed: false };
    }
    p.absent = false;
    const notices: Notice[] = [];
    const pin = this.pins.check(entry.name, cb.identity.fingerprint);
    if (pin.status === 'new') notices.push({ type: 'peer_new', name: entry.name, fingerprint: pin.fingerprint });
    if (pin.status === 'changed' && pin.event) notices.push(pin.event);
    const cur = p.current?.bundle;
    if (cur && equalBytes(cur.bytes, cb.bytes)) return { notices, changed: false };
    // an older bundle of the same identity is a replay: keep the newer one
    if (cur && cur.identity.fingerprint === cb.identity.fingerprint && cb.created < cur.created) return { notices, changed: false };
    p.previous = p.current;
    p.current = { bundle: cb, channel: null };
    return { notices, changed: true };
  }

  /** The current certified bundle of `name`, if any. */
  bundleOf(name: string): CertifiedBundle | undefined {
    return this.peers.get(name)?.current?.bundle;
  }

  private channelOf(s: Session): PairwiseChannel {
    if (!s.channel) {
      const keys = derivePairwiseKeys(
        this.crypto,
        { fpBytes: this.own.identity.fpBytes, x25519: this.own.x25519, x25519Private: this.own.x25519Private },
        { fpBytes: s.bundle.identity.fpBytes, x25519: s.bundle.x25519 },
      );
      s.channel = new PairwiseChannel(this.crypto, keys, this.limits.replayWindow);
    }
    return s.channel;
  }

  /** The channel to send to `name` on (with its current bundle), or null without one. Throws as derivePairwiseKeys. */
  sendChannel(name: string): { channel: PairwiseChannel; bundle: CertifiedBundle } | null {
    const s = this.peers.get(name)?.current;
    return s ? { channel: this.channelOf(s), bundle: s.bundle } : null;
  }

  /** The channel with id `channelId` of `name` (current or previous bundle) and its bundle, or null. */
  receiveChannel(name: string, channelId: Uint8Array): { channel: PairwiseChannel; bundle: CertifiedBundle } | null {
    const p = this.peers.get(name);
    for (const s of [p?.current, p?.previous]) {
      if (!s) continue;
      let ch: PairwiseChannel;
      try {
        ch = this.channelOf(s);
      } catch {
        continue; // an unusable prekey: no channel
      }
      if (equalBytes(ch.channelId, channelId)) return { channel: ch, bundle: s.bundle };
    }
    return null;
  }
}
