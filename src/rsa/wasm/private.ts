/**
 * RSADP/RSASP1 (RFC 8017 §5.1.2, §5.2.1) in the WebAssembly engine, on k-byte buffers from end
 * to end: base blinding, c mod p and c mod q, both CRT exponentiations with exponent blinding,
 * Garner's recombination, unblinding and the public-key fault check all run inside the module
 * on fixed-length limb arrays. This file only passes addresses and public lengths; no secret
 * value becomes a JavaScript number, BigInt or string, and nothing branches on one.
 */
import { rsaError } from '../errors.js';
import type { RsaPrivateKey } from '../key.js';
import { BLINDING_REFRESH } from '../private-bigint.js';
import { randomBytes } from '../random.js';
import { ensureMemory, loadWasmSync, wasmLoadFailure, type RsaWasmExports } from './instance.js';
import { EXP_BLINDING_BITS, K_LIMBS, keyPlan, type KeyPlan } from './key-plan.js';

/** Blinding pairs are refreshed from fresh randomness after this many uses (squared in between): the BigInt engine's policy. */
export { BLINDING_REFRESH };
/** The largest modulus the engine takes (bits); larger keys use the BigInt engine. */
export const WASM_MAX_BITS = 16384;
/** Draws of a blinding value r before giving up (each fails with probability < 1/2). */
const MAX_BLINDING_DRAWS = 128;

interface KeyState {
  /** The blinding region (r^e·R, r⁻¹·R mod n) between operations. */
  state: Uint8Array;
  uses: number;
}
const states = new WeakMap<RsaPrivateKey, KeyState>();

/**
 * Whether this key fits the engine: a modulus of at most WASM_MAX_BITS bits with odd p and q
 * (every valid key up to that size, balanced or not). Other keys use the BigInt engine.
 */
export function wasmSupportsKey(key: RsaPrivateKey): boolean {
  return key.bits <= WASM_MAX_BITS && (key.p & 1n) === 1n && (key.q & 1n) === 1n && key.p > 2n && key.q > 2n;
}

function engine(): RsaWasmExports {
  const w = loadWasmSync();
  if (!w) throw rsaError('RSA_ENGINE_UNAVAILABLE', 'the WebAssembly RSA engine is not available here; call initRsaEngine() first in a browser', wasmLoadFailure());
  return w;
}

/** dst = src out of the Montgomery domain, fully reduced below m. */
function fromMont(w: RsaWasmExports, P: KeyPlan, dst: number, src: number, m: number, minv: number, L: number): void {
  w.mont_mul(dst, src, P.ONE, m, minv, L, P.T);
  w.sub_cond(dst, dst, m, L);
}

/** dst = x mod m in the Montgomery domain, for x of Lx limbs below R_h·m: one REDC then ×R_h³. */
function toMontHalf(w: RsaWasmExports, P: KeyPlan, dst: number, x: number, Lx: number, m: number, minv: number, r3: number): void {
  w.redc(P.T1, x, Lx, m, minv, P.Lh, P.T);
  w.mont_mul(dst, P.T1, r3, m, minv, P.Lh, P.T);
}

/**
 * RFC 8017 §5.1.2 step 2.b.iii–iv (Garner): out = m2 + q·((m1 − m2)·qInv mod p), with m1 in the
 * Montgomery domain mod p (< 2p) and m2 < q fully reduced. Result < n in Ln limbs.
 */
function garner(w: RsaWasmExports, P: KeyPlan, out: number, m1M: number, m2: number): void {
  toMontHalf(w, P, P.M2P, m2, P.Lh, P.P, P.minvP, P.R3P); // m2 mod p, Montgomery form, < 2p
  w.add(P.D, m1M, P.TWO_P, P.Lh); // m1 + 2p − m2 ∈ (0, 4p): no negative intermediate
  w.sub(P.D, P.D, P.M2P, P.Lh);
  w.mont_mul(P.H, P.D, P.QINV, P.P, P.minvP, P.Lh, P.T); // h = (m1 − m2)·qInv mod p, < 2p
  w.sub_cond(P.H, P.H, P.P, P.Lh);
  w.mul_add(out, P.Q, P.Lh, P.H, P.Lh, m2, P.Lh, P.Ln, P.T); // m = m2 + q·h < n
}

/**
 * A fresh blinding pair into the state region: r uniform in [1, n) from the CSPRNG, r^e mod n,
 * and r⁻¹ mod n by Fermat in each prime (r^(p−2) mod p, r^(q−2) mod q, recombined), checked by
 * r·r⁻¹ ≡ 1 (mod n). Throws RSA_FAULT_DETECTED if no invertible r turns up.
 */
function freshBlinding(w: RsaWasmExports, P: KeyPlan, mem: Uint8Array): void {
  const topMask = 0xff >> (8 * P.k - P.bits); // r < 2^bits(n): each draw is below n with probability > 1/2
  for (let draw = 0; draw < MAX_BLINDING_DRAWS; draw++) {
    const r = randomBytes(P.k);
    r[0]! &= topMask;
    mem.set(r, P.BYTES);
    r.fill(0);
    w.from_bytes(P.RR, P.BYTES, P.k, P.Ln);
    if (w.lt(P.RR, P.N, P.Ln) !== 1) continue; // r ≥ n: draw again (reveals nothing about the r kept)
    w.mont_mul(P.RM, P.RR, P.R2N, P.N, P.minvN, P.Ln, P.T); // r·R mod n
    w.exp_public(P.RE, P.RM, P.E, P.eBits, P.N, P.minvN, P.Ln, P.T); // r^e·R mod n
    toMontHalf(w, P, P.XP, P.RR, P.Ln, P.P, P.minvP, P.R3P);
    w.exp_window(P.M1, P.XP, P.PM2, P.bitsP, P.P, P.minvP, P.Lh, P.ONE_P, P.TBL, P.T, P.SEL);
    toMontHalf(w, P, P.XQ, P.RR, P.Ln, P.Q, P.minvQ, P.R3Q);
    w.exp_window(P.M2M, P.XQ, P.QM2, P.bitsQ, P.Q, P.minvQ, P.Lh, P.ONE_Q, P.TBL, P.T, P.SEL);
    fromMont(w, P, P.M2, P.M2M, P.Q, P.minvQ, P.Lh);
    garner(w, P, P.MM, P.M1, P.M2);
    w.mont_mul(P.RINV, P.MM, P.R2N, P.N, P.minvN, P.Ln, P.T); // r⁻¹·R mod n
    w.mont_mul(P.Z, P.RM, P.RINV, P.N, P.minvN, P.Ln, P.T);
    fromMont(w, P, P.Z, P.Z, P.N, P.minvN, P.Ln);
    if (w.eq(P.Z, P.ONE, P.Ln) === 1) return; // fails only when p or q divides r
  }
  throw rsaError('RSA_FAULT_DETECTED', 'could not draw an invertible blinding value');
}

/**
 * RSADP/RSASP1 with CRT, base and exponent blinding and the public-key fault check, on k-byte
 * big-endian buffers, entirely inside the WebAssembly module. Returns k bytes.
 * Throws RSA_INPUT_OUT_OF_RANGE unless x is k bytes with x < n, RSA_FAULT_DETECTED when the
 * result fails the check y^e ≡ x (mod n), RSA_ENGINE_UNAVAILABLE when the module cannot load,
 * RSA_UNSUPPORTED for a key outside wasmSupportsKey.
 */
export function privateOpWasm(key: RsaPrivateKey, x: Uint8Array): Uint8Array {
  if (!(x instanceof Uint8Array) || x.length !== key.size) throw rsaError('RSA_INPUT_OUT_OF_RANGE', `representative must be ${key.size} bytes`);
  if (!wasmSupportsKey(key)) throw rsaError('RSA_UNSUPPORTED', `the WebAssembly RSA engine takes moduli up to ${WASM_MAX_BITS} bits`);
  const w = engine();
  const P = keyPlan(key);
  ensureMemory(w, P.size);
  const mem = new Uint8Array(w.memory.buffer);
  try {
    mem.set(P.blob, 0);
    mem.set(x, P.BYTES);
    w.from_bytes(P.X, P.BYTES, P.k, P.Ln);
    // RFC 8017 §5.1.2 step 1 / §5.2.1 step 1: the representative must be below n
    if (w.lt(P.X, P.N, P.Ln) !== 1) throw rsaError('RSA_INPUT_OUT_OF_RANGE', 'representative out of range');
    let st = states.get(key);
    if (!st || st.uses >= BLINDING_REFRESH) {
      freshBlinding(w, P, mem);
      st = { state: mem.slice(P.stateStart, P.stateEnd), uses: 0 };
      states.set(key, st);
    } else mem.set(st.state, P.stateStart);
    // blind: x' = x·r^e mod n (Montgomery product with r^e·R), < 2n
    w.mont_mul(P.XB, P.X, P.RE, P.N, P.minvN, P.Ln, P.T);
    // exponent blinding: dP + kP·(p−1), dQ + kQ·(q−1) for fresh random 64-bit kP, kQ (Kocher 1996, §10)
    const ks = randomBytes(16);
    mem.set(ks, P.RND);
    ks.fill(0);
    w.from_bytes(P.KP, P.RND, 8, K_LIMBS);
    w.from_bytes(P.KQ, P.RND + 8, 8, K_LIMBS);
    w.mul_add(P.EP, P.PM1, P.Lh, P.KP, K_LIMBS, P.DP, P.Lh, P.Lh + K_LIMBS, P.T);
    w.mul_add(P.EQ, P.QM1, P.Lh, P.KQ, K_LIMBS, P.DQ, P.Lh, P.Lh + K_LIMBS, P.T);
    // §5.1.2 step 2.b.i–ii: m1 = x'^dP mod p, m2 = x'^dQ mod q, over bits(p)+64 exponent bits
    toMontHalf(w, P, P.XP, P.XB, P.Ln, P.P, P.minvP, P.R3P);
    toMontHalf(w, P, P.XQ, P.XB, P.Ln, P.Q, P.minvQ, P.R3Q);
    w.exp_window(P.M1, P.XP, P.EP, P.bitsP + EXP_BLINDING_BITS, P.P, P.minvP, P.Lh, P.ONE_P, P.TBL, P.T, P.SEL);
    w.exp_window(P.M2M, P.XQ, P.EQ, P.bitsQ + EXP_BLINDING_BITS, P.Q, P.minvQ, P.Lh, P.ONE_Q, P.TBL, P.T, P.SEL);
    fromMont(w, P, P.M2, P.M2M, P.Q, P.minvQ, P.Lh);
    // §5.1.2 step 2.b.iii–iv: Garner's recombination
    garner(w, P, P.MM, P.M1, P.M2);
    // unblind: y = m'·r⁻¹ mod n
    w.mont_mul(P.Y, P.MM, P.RINV, P.N, P.minvN, P.Ln, P.T);
    w.sub_cond(P.Y, P.Y, P.N, P.Ln);
    // fault check (Boneh–DeMillo–Lipton): y^e mod n must give x back
    w.mont_mul(P.YM, P.Y, P.R2N, P.N, P.minvN, P.Ln, P.T);
    w.exp_public(P.Z, P.YM, P.E, P.eBits, P.N, P.minvN, P.Ln, P.T);
    fromMont(w, P, P.Z, P.Z, P.N, P.minvN, P.Ln);
    const ok = w.eq(P.Z, P.X, P.Ln);
    // next blinding pair: square both (refreshed from randomness every BLINDING_REFRESH uses)
    w.mont_mul(P.RE, P.RE, P.RE, P.N, P.minvN, P.Ln, P.T);
    w.mont_mul(P.RINV, P.RINV, P.RINV, P.N, P.minvN, P.Ln, P.T);
    st.state.set(mem.subarray(P.stateStart, P.stateEnd));
    st.uses++;
    if (ok !== 1) throw rsaError('RSA_FAULT_DETECTED', 'RSA private-key operation failed its consistency check');
    w.to_bytes(P.BYTES, P.Y, P.k, P.Ln);
    return mem.slice(P.BYTES, P.BYTES + P.k);
  } finally {
    mem.fill(0, 0, P.size); // no key material or intermediate stays in the module's memory
  }
}

/** Test hooks: never use outside tests. */
export const __testing = {
  /** Flips one bit of the cached dP limbs of `key` (the next operations compute a wrong m1). */
  corruptCachedDp(key: RsaPrivateKey): void {
    const P = keyPlan(key);
    P.blob[P.DP + 5]! ^= 0x10;
  },
  /** Forgets the key's blinding pair (the next operation draws a fresh one). */
  resetBlinding(key: RsaPrivateKey): void {
    states.delete(key);
  },
};
