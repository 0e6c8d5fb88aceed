/**
 * What the ciphertext of an envelope holds (docs/E2E.md §Plaintexts):
 *
 *   message      = 0x01 ‖ flags (u8: bit 0 = action, /me; other bits 0) ‖ SHA-256(text) (32) ‖ text (UTF-8, to the end)
 *   distribution = 0x01 ‖ room (str8) ‖ chain id (16) ‖ iteration (u32) ‖ chain key (32)
 *
 * The SHA-256 inside a message is the original design's hash check: it is under the sender's
 * signature, so a receiver that finds it matching the text knows the text is what the sender
 * hashed. A distribution hands over one sender chain of one room at its current iteration.
 */
import { decodeUtf8, equalBytes, Reader, utf8, Writer } from './codec.js';
import type { E2ECrypto } from './crypto.js';
import { e2eError } from './errors.js';
import { CHAIN_ID_LENGTH, CHAIN_KEY_LENGTH, type ChainState } from './sender-chain.js';
import { MAX_NAME_BYTES } from './envelope.js';

/** Version byte of both plaintext formats. */
export const CONTENT_VERSION = 1;
const FLAG_ACTION = 0x01;

/** A decoded message plaintext. */
export interface MessageContent {
  text: string;
  action: boolean;
  /** True when SHA-256(UTF-8 of text) equals the hash the sender put in. */
  hashOk: boolean;
}

/**
 * The plaintext of a message. Throws E2EError 'e2e_too_large' for a text over `maxTextBytes`
 * of UTF-8, 'e2e_invalid_argument' for an empty text or one with a lone surrogate.
 */
export function encodeMessage(crypto: E2ECrypto, text: string, action: boolean, maxTextBytes: number): Uint8Array {
  if (typeof text !== 'string' || text.length === 0) throw e2eError('e2e_invalid_argument', 'empty message');
  if (/\p{Cs}/u.test(text)) throw e2eError('e2e_invalid_argument', 'message is not valid Unicode text (lone surrogate)');
  const t = utf8(text);
  if (t.length > maxTextBytes) throw e2eError('e2e_too_large', `message too long: at most ${maxTextBytes} bytes of UTF-8`);
  return new Writer().u8(CONTENT_VERSION).u8(action ? FLAG_ACTION : 0).fixed(crypto.sha256(t), 32, 'hash').raw(t).bytes();
}

/** Decodes a message plaintext. Throws 'e2e_malformed' (bad version or flags, empty or invalid UTF-8), 'e2e_too_large'. */
export function decodeMessage(crypto: E2ECrypto, pt: Uint8Array, maxTextBytes: number): MessageContent {
  const r = new Reader(pt, 'message');
  if (r.u8('version') !== CONTENT_VERSION) throw e2eError('e2e_malformed', 'message of an unknown version');
  const flags = r.u8('flags');
  if (flags & ~FLAG_ACTION) throw e2eError('e2e_malformed', 'message with unknown flags');
  const hash = r.fixed(32, 'hash');
  const t = r.rest();
  if (t.length === 0) throw e2eError('e2e_malformed', 'empty message');
  if (t.length > maxTextBytes) throw e2eError('e2e_too_large', 'message text too long');
  const text = decodeUtf8(t, 'message text');
  return { text, action: (flags & FLAG_ACTION) !== 0, hashOk: equalBytes(crypto.sha256(t), hash) };
}

/** A decoded distribution: a room and one of its sender chains. */
export interface DistributionContent extends ChainState {
  room: string;
}

/** The plaintext of a distribution of `state` for `room`. */
export function encodeDistribution(room: string, state: ChainState): Uint8Array {
  return new Writer()
    .u8(CONTENT_VERSION)
    .str8(room, 1, MAX_NAME_BYTES, 'room')
    .fixed(state.chainId, CHAIN_ID_LENGTH, 'chain id')
    .u32(state.iteration)
    .fixed(state.chainKey, CHAIN_KEY_LENGTH, 'chain key')
    .bytes();
}

/** Decodes a distribution plaintext. Throws 'e2e_malformed'. */
export function decodeDistribution(pt: Uint8Array): DistributionContent {
  const r = new Reader(pt, 'key distribution');
  if (r.u8('version') !== CONTENT_VERSION) throw e2eError('e2e_malformed', 'key distribution of an unknown version');
  const room = r.str8(1, MAX_NAME_BYTES, 'room');
  const chainId = r.fixed(CHAIN_ID_LENGTH, 'chain id');
  const iteration = r.u32('iteration');
  const chainKey = r.fixed(CHAIN_KEY_LENGTH, 'chain key');
  r.end();
  return { room, chainId, iteration, chainKey };
}
