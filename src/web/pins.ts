/**
 * Server key pinning in the browser (trust on first use, as OpenSSH's known_hosts and the
 * terminal client's ~/.parley/known_hosts): the first fingerprint a server presents is pinned
 * per server (its WebSocket URL) in the origin's store; a different fingerprint later is
 * refused before anything is sent (docs/PROTOCOL.md, Processing, client step 7), loudly, with
 * both fingerprints. ChatConnection asks synchronously, so the pin is loaded before connecting.
 */
import type { PinDecision } from '../client/connection.js';
import type { KeyValueStore } from './kv.js';

/** A refusal: the pinned and the presented fingerprints. */
export interface PinMismatch {
  server: string;
  pinned: string;
  presented: string;
}

/** The store key of a server's pin. */
export function pinKey(server: string): string {
  return `pin:${server}`;
}

/** The loud refusal text for a changed server key, in the manner of OpenSSH; several lines. Never throws. */
export function pinMismatchText(m: PinMismatch): string {
  return [
    "WARNING: THE SERVER'S IDENTIFICATION HAS CHANGED!",
    'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
    'Someone could be eavesdropping on you right now (man-in-the-middle attack),',
    "or the server's operator may have replaced its key.",
    `Server: ${m.server}`,
    `Key pinned on first contact: ${m.pinned}`,
    `Key presented now: ${m.presented}`,
    'Parley refused to connect; nothing was sent.',
  ].join('\n');
}

/**
 * The pin of one server, held in memory so that ChatConnection's synchronous `verifyServer`
 * can be answered, and written through to the store.
 */
export class PinBook {
  /** Set when the server presented a key other than the pinned one. */
  mismatch: PinMismatch | undefined;
  /** Set when this page pinned the server's key on first contact. */
  pinnedNow = false;
  /** A failed write of a new pin (the pin still holds for this page). */
  storeError: unknown;

  private constructor(private readonly store: KeyValueStore, readonly server: string, private pinned: string | undefined) {}

  /** Loads the pin of `server` (a WebSocket URL). Rejects when the store fails. */
  static async load(store: KeyValueStore, server: string): Promise<PinBook> {
    const v = await store.get<unknown>(pinKey(server));
    return new PinBook(store, server, typeof v === 'string' && v.startsWith('SHA256:') ? v : undefined);
  }

  /** The pinned fingerprint, if any. */
  get fingerprint(): string | undefined {
    return this.pinned;
  }

  /**
   * ChatConnection's `verifyServer`: pins on first contact (ok), accepts the pinned key, and
   * refuses any other with the loud message (mismatch set). Never throws; the store write of a
   * first pin happens in the background (`storeError` on failure).
   */
  verify(presented: string): PinDecision {
    if (this.pinned === undefined) {
      this.pinned = presented;
      this.pinnedNow = true;
      this.store.put(pinKey(this.server), presented).catch((e: unknown) => {
        this.storeError = e;
      });
      return { ok: true };
    }
    if (presented === this.pinned) return { ok: true };
    this.mismatch = { server: this.server, pinned: this.pinned, presented };
    return { ok: false, message: pinMismatchText(this.mismatch) };
  }

  /**
   * Replaces the pin with the fingerprint last refused: for the user who checked the new key with
   * the server's operator. Throws Error when nothing was refused; rejects when the store fails.
   */
  async trustPresented(): Promise<void> {
    if (!this.mismatch) throw new Error('no changed key to trust');
    await this.store.put(pinKey(this.server), this.mismatch.presented);
    this.pinned = this.mismatch.presented;
    this.mismatch = undefined;
  }
}
