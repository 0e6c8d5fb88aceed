/**
 * Per-key precomputation of the WebAssembly engine: the key's numbers as limbs, the Montgomery
 * constants, and where everything lives in the module's memory. Built once per key with BigInt
 * (a one-time, variable-time step: docs/SECURITY.md) and cached in a WeakMap; afterwards every
 * private-key operation only copies the fixed-length `blob` into the module.
 */
import { bitLength } from '../bigint.js';
import type { RsaPrivateKey } from '../key.js';
import { LIMB_BITS, limbsFor, MemoryLayout, montgomeryMinv, montgomeryR, writeLimbs } from './limbs.js';

/** Bits of the random multiple of (p−1) added to each CRT exponent (exponent blinding). */
export const EXP_BLINDING_BITS = 64;
/** Limbs of one exponent-blinding factor k (64 bits in 28-bit limbs). */
export const K_LIMBS = 3;

/** Byte offsets of the key's constants (region 1, the blob), its blinding state (region 2) and scratch (region 3). */
export interface KeyPlan {
  /** Modulus length k in bytes; limbs modulo n (Ln) and modulo p and q (Lh, one count for both). */
  readonly k: number;
  /** Bit length of n. */
  readonly bits: number;
  readonly Ln: number;
  readonly Lh: number;
  /** Bit lengths of p, q and e (public key-shape facts; a blinded CRT exponent has bits(p)+64). */
  readonly bitsP: number;
  readonly bitsQ: number;
  readonly eBits: number;
  /** −m⁻¹ mod 2^28 for n, p, q. */
  readonly minvN: number;
  readonly minvP: number;
  readonly minvQ: number;
  /** The key constants as laid out at offset 0 (copied into the module before every operation). */
  readonly blob: Uint8Array;
  /** Offsets of the key constants. */
  readonly N: number; readonly P: number; readonly Q: number; readonly TWO_P: number;
  readonly PM1: number; readonly QM1: number; readonly PM2: number; readonly QM2: number;
  readonly DP: number; readonly DQ: number; readonly QINV: number; readonly E: number;
  readonly R2N: number; readonly R3P: number; readonly R3Q: number; readonly ONE_P: number; readonly ONE_Q: number;
  /** The number 1 as Ln limbs (converts out of the Montgomery domain). */
  readonly ONE: number;
  /** The blinding state: r^e·R mod n and r⁻¹·R mod n (Montgomery form), [stateStart, stateEnd). */
  readonly RE: number; readonly RINV: number;
  readonly stateStart: number; readonly stateEnd: number;
  /** Scratch buffers. */
  readonly X: number; readonly XB: number; readonly T1: number; readonly XP: number; readonly XQ: number;
  readonly KP: number; readonly KQ: number; readonly EP: number; readonly EQ: number;
  readonly M1: number; readonly M2M: number; readonly M2: number; readonly M2P: number; readonly D: number; readonly H: number;
  readonly MM: number; readonly Y: number; readonly YM: number; readonly Z: number; readonly RR: number; readonly RM: number;
  readonly TBL: number; readonly SEL: number; readonly T: number; readonly BYTES: number; readonly RND: number;
  /** Total bytes of memory the operation uses. */
  readonly size: number;
}

const plans = new WeakMap<RsaPrivateKey, KeyPlan>();

function buildPlan(key: RsaPrivateKey): KeyPlan {
  const { n, p, q, e, size: k } = key;
  const bp = bitLength(p);
  const bq = bitLength(q);
  const Ln = limbsFor(8 * k); // from the byte length, so every k-byte input fits in Ln limbs
  const Lh = limbsFor(Math.max(bp, bq)); // R_h > 4·max(p, q): also makes c mod p/q by one REDC valid
  const eBits = bitLength(e);
  const Le = Math.ceil(eBits / LIMB_BITS) + 1;
  const Lx = Lh + K_LIMBS; // a blinded CRT exponent
  const lay = new MemoryLayout();
  const at = {
    N: lay.limbs(Ln), P: lay.limbs(Lh), Q: lay.limbs(Lh), TWO_P: lay.limbs(Lh), PM1: lay.limbs(Lh), QM1: lay.limbs(Lh),
    PM2: lay.limbs(Lh), QM2: lay.limbs(Lh), DP: lay.limbs(Lh), DQ: lay.limbs(Lh), QINV: lay.limbs(Lh), E: lay.limbs(Le),
    R2N: lay.limbs(Ln), R3P: lay.limbs(Lh), R3Q: lay.limbs(Lh), ONE_P: lay.limbs(Lh), ONE_Q: lay.limbs(Lh), ONE: lay.limbs(Ln),
  };
  const blobSize = lay.size;
  const stateStart = lay.size;
  const state = { RE: lay.limbs(Ln), RINV: lay.limbs(Ln) };
  const stateEnd = lay.size;
  const scratch = {
    X: lay.limbs(Ln), XB: lay.limbs(Ln), T1: lay.limbs(Ln), XP: lay.limbs(Lh), XQ: lay.limbs(Lh),
    KP: lay.limbs(K_LIMBS), KQ: lay.limbs(K_LIMBS), EP: lay.limbs(Lx + 1), EQ: lay.limbs(Lx + 1),
    M1: lay.limbs(Lh), M2M: lay.limbs(Lh), M2: lay.limbs(Lh), M2P: lay.limbs(Lh), D: lay.limbs(Lh), H: lay.limbs(Lh),
    MM: lay.limbs(Ln), Y: lay.limbs(Ln), YM: lay.limbs(Ln), Z: lay.limbs(Ln), RR: lay.limbs(Ln), RM: lay.limbs(Ln),
    TBL: lay.table(Ln), SEL: lay.limbs(Ln), T: lay.acc(2 * Ln + Lh + 8),
    BYTES: lay.bytes(k), RND: lay.bytes(16),
  };
  const blob = new Uint8Array(blobSize);
  const w = new Uint32Array(blob.buffer);
  const put = (off: number, x: bigint, count: number): void => writeLimbs(w, off / 4, x, count);
  const Rn = montgomeryR(Ln);
  const Rh = montgomeryR(Lh);
  put(at.N, n, Ln);
  put(at.P, p, Lh);
  put(at.Q, q, Lh);
  put(at.TWO_P, 2n * p, Lh);
  put(at.PM1, p - 1n, Lh);
  put(at.QM1, q - 1n, Lh);
  put(at.PM2, p - 2n, Lh);
  put(at.QM2, q - 2n, Lh);
  put(at.DP, key.dp, Lh);
  put(at.DQ, key.dq, Lh);
  put(at.QINV, key.qi, Lh);
  put(at.E, e, Le);
  put(at.R2N, (Rn * Rn) % n, Ln);
  put(at.R3P, (Rh * Rh * Rh) % p, Lh);
  put(at.R3Q, (Rh * Rh * Rh) % q, Lh);
  put(at.ONE_P, Rh % p, Lh);
  put(at.ONE_Q, Rh % q, Lh);
  put(at.ONE, 1n, Ln);
  return {
    k, bits: key.bits, Ln, Lh, bitsP: bp, bitsQ: bq, eBits,
    minvN: montgomeryMinv(n), minvP: montgomeryMinv(p), minvQ: montgomeryMinv(q),
    blob, ...at, ...state, stateStart, stateEnd, ...scratch, size: lay.size,
  };
}

/** The cached plan of a key, built on first use (BigInt, once per key). */
export function keyPlan(key: RsaPrivateKey): KeyPlan {
  let plan = plans.get(key);
  if (!plan) plans.set(key, (plan = buildPlan(key)));
  return plan;
}
