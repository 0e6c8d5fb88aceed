/**
 * The pairwise channel between two users (docs/E2E.md §Pairwise channels): built once per pair
 * of session bundles from the X25519 static prekeys both identities certified, so no message
 * round trip is needed. It carries sender-chain distributions and direct messages.
 *
 *   shared  = X25519(own prekey, peer prekey)                                  (RFC 7748 §6.1)
 *   okm     = HKDF-SHA-256(ikm = shared, salt = 32 zero bytes,                 (RFC 5869 §2)
 *               info = "parley e2e pairwise v1" ‖ 0x00 ‖ fp_lo ‖ fp_hi ‖ X_lo ‖ X_hi, L = 80)
 *   key lo→hi = okm[0..32), key hi→lo = okm[32..64), channel id = okm[64..80)
 *
 * lo/hi order the two users by their raw identity fingerprints (X_lo is lo's prekey), so each
 * direction has its own key and nothing can be reflected back to its sender. Each direction
 * numbers its payloads 0, 1, 2, …; the AES-256-GCM nonce is 4 zero bytes ‖ u64 sequence, which
 * never repeats under one key; the receiver refuses replays with a sliding window. Both prekeys
 * live only for a session, so a channel's keys die with the session (forward secrecy per session).
 */
import { compareBytes, concat, u64, utf8 } from './codec.js';
import type { E2ECrypto } from './crypto.js';
import { e2eError, wrapE2E } from './errors.js';
import { ReplayWindow } from './replay-window.js';

/** HKDF info label of pairwise channels. */
export const PAIRWISE_LABEL = 'parley e2e pairwise v1';
/** Length of a channel id. */
export const CHANNEL_ID_LENGTH = 16;
/** Last sequence number of a direction (u32 on the wire). */
export const MAX_PAIRWISE_SEQ = 0xffffffff;

/** One side of a channel: a raw identity fingerprint and an X25519 prekey. */
export interface ChannelParty {
  fpBytes: Uint8Array;
  x25519: Uint8Array;
}

/** The keys of a channel as seen from one side. */
export interface PairwiseKeys {
  channelId: Uint8Array;
  sendKey: Uint8Array;
  recvKey: Uint8Array;
}

/**
 * Derives the channel keys (the formulas above). Throws E2EError 'e2e_bad_signature' when the
 * peer's prekey is a low-order point (the X25519 result is all zeros) and
 * 'e2e_invalid_argument' when both sides have the same identity.
 */
export function derivePairwiseKeys(crypto: E2ECrypto, own: ChannelParty & { x25519Private: Uint8Array }, peer: ChannelParty): PairwiseKeys {
  const order = compareBytes(own.fpBytes, peer.fpBytes);
  if (order === 0) throw e2eError('e2e_invalid_argument', 'a pairwise channel needs two different identities');
  const shared = wrapE2E('e2e_bad_signature', 'the peer’s prekey is unusable', () => crypto.x25519(own.x25519Private, peer.x25519));
  const [lo, hi] = order < 0 ? [own, peer] : [peer, own];
  const info = concat(utf8(PAIRWISE_LABEL), Uint8Array.of(0), lo.fpBytes, hi.fpBytes, lo.x25519, hi.x25519);
  const okm = crypto.hkdf(shared, new Uint8Array(32), info, 80); // RFC 5869 §2.2–2.3
  shared.fill(0);
  const loHi = okm.slice(0, 32);
  const hiLo = okm.slice(32, 64);
  const channelId = okm.slice(64, 80);
  okm.fill(0);
  return order < 0 ? { channelId, sendKey: loHi, recvKey: hiLo } : { channelId, sendKey: hiLo, recvKey: loHi };
}

/** The 12-byte GCM nonce of sequence number `seq`: 4 zero bytes ‖ u64 big-endian. */
export function pairwiseNonce(seq: number): Uint8Array {
  return concat(new Uint8Array(4), u64(seq));
}

/** One end of a pairwise channel: numbers, seals and opens payloads. */
export class PairwiseChannel {
  private sendSeq = 0;
  private readonly window: ReplayWindow;

  constructor(private readonly crypto: E2ECrypto, private readonly keys: PairwiseKeys, replayWindow: number) {
    this.window = new ReplayWindow(replayWindow);
  }

  /** The channel id both ends derive (it names the pair of prekeys). */
  get channelId(): Uint8Array {
    return this.keys.channelId;
  }

  /** Takes the next sequence number of our direction. Throws 'e2e_too_large' when they are used up. */
  nextSeq(): number {
    if (this.sendSeq > MAX_PAIRWISE_SEQ) throw e2eError('e2e_too_large', 'pairwise channel used up: start a new session');
    return this.sendSeq++;
  }

  /** AES-256-GCM seal (SP 800-38D §7.1) of `plaintext` under our direction's key with sequence `seq` and `aad`. */
  seal(seq: number, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    return wrapE2E('e2e_invalid_argument', 'pairwise encryption failed', () => this.crypto.aeadSeal(this.keys.sendKey, pairwiseNonce(seq), plaintext, aad));
  }

  /**
   * Opens a payload of the peer's direction (SP 800-38D §7.2) and records `seq`. Throws E2EError
   * 'e2e_replay' for a sequence number already received or older than the window,
   * 'e2e_decrypt_failed' when the ciphertext does not authenticate (state unchanged).
   */
  open(seq: number, ciphertext: Uint8Array, aad: Uint8Array): Uint8Array {
    if (!Number.isInteger(seq) || seq < 0 || seq > MAX_PAIRWISE_SEQ) throw e2eError('e2e_malformed', 'sequence number out of range');
    if (!this.window.check(seq)) throw e2eError('e2e_replay', 'message already received or too old');
    const pt = wrapE2E('e2e_decrypt_failed', 'message could not be decrypted', () => this.crypto.aeadOpen(this.keys.recvKey, pairwiseNonce(seq), ciphertext, aad));
    this.window.accept(seq);
    return pt;
  }
}
