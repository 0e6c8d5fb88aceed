/**
 * One sender's symmetric ratchet in one room (docs/E2E.md §Sender chains), the chain of Signal's
 * Sender Keys (libsignal sender_keys.rs) with AES-256-GCM in place of AES-CBC:
 *
 *   seed_i  = HMAC-SHA-256(ck_i, 0x01)          message seed of iteration i
 *   ck_i+1  = HMAC-SHA-256(ck_i, 0x02)          next chain key; ck_i is then erased
 *   key_i ‖ nonce_i = HKDF-SHA-256(ikm = seed_i, salt = 32 zero bytes, info = "parley e2e chain v1", 44)
 *
 * The sender keeps only the current chain key, so a stolen state opens no earlier message
 * (forward secrecy along the chain). A receiver starts wherever the distribution it got starts
 * (a late joiner cannot go back), keeps at most maxSkip seeds of skipped iterations, refuses a
 * jump of more than maxForwardJump, and refuses an iteration it has used or dropped (replay).
 * Receiver state changes only in commit(), after the message authenticated.
 */
import { utf8 } from './codec.js';
import type { E2ECrypto } from './crypto.js';
import { e2eError } from './errors.js';
import { DEFAULT_LIMITS } from './limits.js';

/** HKDF info of message keys. */
export const CHAIN_LABEL = 'parley e2e chain v1';
/** Length of a chain id (random) and of a chain key. */
export const CHAIN_ID_LENGTH = 16;
export const CHAIN_KEY_LENGTH = 32;
/** Last usable iteration (u32 on the wire). */
export const MAX_ITERATION = 0xffffffff;

const SEED_BYTE = Uint8Array.of(0x01);
const CHAIN_BYTE = Uint8Array.of(0x02);
const ZERO_SALT = new Uint8Array(32);
const INFO = utf8(CHAIN_LABEL);

/** The AES-256-GCM key and nonce of one iteration. */
export interface MessageKey {
  iteration: number;
  key: Uint8Array;
  nonce: Uint8Array;
}

/** The portable state of a chain at some iteration: what a distribution carries. */
export interface ChainState {
  chainId: Uint8Array;
  iteration: number;
  chainKey: Uint8Array;
}

/** key ‖ nonce of a message seed (the HKDF step above). */
export function messageKeyFromSeed(crypto: E2ECrypto, iteration: number, seed: Uint8Array): MessageKey {
  const okm = crypto.hkdf(seed, ZERO_SALT, INFO, 44); // RFC 5869 §2.2–2.3
  return { iteration, key: okm.slice(0, 32), nonce: okm.slice(32, 44) };
}

/** Our own chain in one room: hands out each iteration's key once, forgetting the previous chain key. */
export class SenderChain {
  private ck: Uint8Array;
  private next: number;
  readonly chainId: Uint8Array;

  private constructor(private readonly crypto: E2ECrypto, state: ChainState) {
    this.chainId = state.chainId.slice();
    this.ck = state.chainKey.slice();
    this.next = state.iteration;
  }

  /** A new chain: random 16-byte id and 32-byte chain key, iteration 0. */
  static create(crypto: E2ECrypto): SenderChain {
    return new SenderChain(crypto, { chainId: crypto.randomBytes(CHAIN_ID_LENGTH), iteration: 0, chainKey: crypto.randomBytes(CHAIN_KEY_LENGTH) });
  }

  /** A chain from a known state (test vectors). Throws 'e2e_invalid_argument' for wrong lengths. */
  static fromState(crypto: E2ECrypto, state: ChainState): SenderChain {
    checkState(state);
    return new SenderChain(crypto, state);
  }

  /** The iteration the next message will use. */
  get iteration(): number {
    return this.next;
  }

  /** True when the chain has no iteration left (then make a new one). */
  get exhausted(): boolean {
    return this.next > MAX_ITERATION;
  }

  /** A copy of the current state, for a distribution to a member (who can then read from this iteration on). */
  state(): ChainState {
    return { chainId: this.chainId.slice(), iteration: this.next, chainKey: this.ck.slice() };
  }

  /** The key of the next iteration; advances the chain and erases the old chain key. Throws 'e2e_too_large' when exhausted. */
  nextKey(): MessageKey {
    if (this.exhausted) throw e2eError('e2e_too_large', 'sender chain exhausted: a new one is needed');
    const seed = this.crypto.hmacSha256(this.ck, SEED_BYTE);
    const nextCk = this.crypto.hmacSha256(this.ck, CHAIN_BYTE);
    this.ck.fill(0);
    this.ck = nextCk;
    const mk = messageKeyFromSeed(this.crypto, this.next, seed);
    seed.fill(0);
    this.next++;
    return mk;
  }

  /** Erases the chain key (the chain can no longer be used). */
  destroy(): void {
    this.ck.fill(0);
    this.next = MAX_ITERATION + 1;
  }
}

function checkState(s: ChainState): void {
  if (!(s.chainId instanceof Uint8Array) || s.chainId.length !== CHAIN_ID_LENGTH) throw e2eError('e2e_invalid_argument', 'chain id must be 16 bytes');
  if (!(s.chainKey instanceof Uint8Array) || s.chainKey.length !== CHAIN_KEY_LENGTH) throw e2eError('e2e_invalid_argument', 'chain key must be 32 bytes');
  if (!Number.isInteger(s.iteration) || s.iteration < 0 || s.iteration > MAX_ITERATION) throw e2eError('e2e_invalid_argument', 'iteration out of range');
}

/** A message key found for a received iteration; the chain moves only when commit() is called. */
export interface PendingKey extends MessageKey {
  commit(): void;
}

/** Another member's chain as we received it. */
export class ReceiverChain {
  private ck: Uint8Array;
  private next: number;
  /** Seeds of skipped iterations, oldest first (Map keeps insertion order, and iterations only grow). */
  private readonly skipped = new Map<number, Uint8Array>();
  readonly chainId: Uint8Array;

  /**
   * Starts at `state` (from a distribution). `maxSkip` and `maxForwardJump` are the named limits.
   * Throws 'e2e_invalid_argument' for wrong lengths or limits.
   */
  constructor(
    private readonly crypto: E2ECrypto,
    state: ChainState,
    private readonly limits: { maxSkip: number; maxForwardJump: number } = DEFAULT_LIMITS,
  ) {
    checkState(state);
    this.chainId = state.chainId.slice();
    this.ck = state.chainKey.slice();
    this.next = state.iteration;
  }

  /** The first iteration not yet reached. */
  get iteration(): number {
    return this.next;
  }

  /** How many skipped seeds are kept. */
  get skippedCount(): number {
    return this.skipped.size;
  }

  /**
   * The key of `iteration`, without changing the chain. Throws E2EError 'e2e_replay' for an
   * iteration already used, dropped, or before this chain's start; 'e2e_too_far_ahead' for a
   * jump of more than maxForwardJump.
   */
  keyFor(iteration: number): PendingKey {
    if (!Number.isInteger(iteration) || iteration < 0 || iteration > MAX_ITERATION) throw e2eError('e2e_malformed', 'iteration out of range');
    if (iteration < this.next) {
      const seed = this.skipped.get(iteration);
      if (!seed) throw e2eError('e2e_replay', 'message already received or too old');
      const mk = messageKeyFromSeed(this.crypto, iteration, seed);
      return { ...mk, commit: () => this.dropSkipped(iteration) };
    }
    const jump = iteration - this.next;
    if (jump > this.limits.maxForwardJump) throw e2eError('e2e_too_far_ahead', 'message too far ahead in its sender’s chain');
    // step over the skipped iterations; keep the seeds of at most the last maxSkip of them
    const keepFrom = iteration - Math.min(jump, this.limits.maxSkip);
    const newSkipped: [number, Uint8Array][] = [];
    let ck = this.ck;
    for (let i = this.next; i < iteration; i++) {
      if (i >= keepFrom) newSkipped.push([i, this.crypto.hmacSha256(ck, SEED_BYTE)]);
      const n = this.crypto.hmacSha256(ck, CHAIN_BYTE);
      if (ck !== this.ck) ck.fill(0);
      ck = n;
    }
    const seed = this.crypto.hmacSha256(ck, SEED_BYTE);
    const nextCk = this.crypto.hmacSha256(ck, CHAIN_BYTE);
    if (ck !== this.ck) ck.fill(0);
    const mk = messageKeyFromSeed(this.crypto, iteration, seed);
    seed.fill(0);
    return {
      ...mk,
      commit: () => {
        for (const [i, s] of newSkipped) this.skipped.set(i, s);
        while (this.skipped.size > this.limits.maxSkip) this.dropSkipped(this.skipped.keys().next().value as number);
        this.ck.fill(0);
        this.ck = nextCk;
        this.next = iteration + 1;
      },
    };
  }

  private dropSkipped(iteration: number): void {
    const s = this.skipped.get(iteration);
    if (s) s.fill(0);
    this.skipped.delete(iteration);
  }

  /** Erases every key of this chain. */
  destroy(): void {
    this.ck.fill(0);
    for (const s of this.skipped.values()) s.fill(0);
    this.skipped.clear();
  }
}
