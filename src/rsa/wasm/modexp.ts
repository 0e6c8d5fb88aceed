/**
 * Modular exponentiation with the WebAssembly engine's constant-time ladder, exposed on its own
 * for the timing-leak benchmark (bench:ct) and the differential tests: no blinding, no CRT.
 */
import { os2ip } from '../bigint.js';
import { abytes, bytesToHex } from '../bytes.js';
import { rsaError } from '../errors.js';
import { ensureMemory, loadWasmSync } from './instance.js';
import { LIMB_BITS, limbsFor, MemoryLayout, montgomeryMinv, montgomeryR, writeLimbs } from './limbs.js';

interface ModulusPlan {
  hex: string;
  L: number;
  minv: number;
  /** m, R² mod m, R mod m and 1, as limbs at offsets 0, M2, ONE_M, ONE of `blob`. */
  blob: Uint8Array;
  R2: number;
  ONE_M: number;
  ONE: number;
  start: number;
}

let last: ModulusPlan | undefined; // the benchmark calls it many times with one modulus

function modulusPlan(m: Uint8Array): ModulusPlan {
  const hex = bytesToHex(m);
  if (last?.hex === hex) return last;
  const L = limbsFor(8 * m.length);
  const mv = os2ip(m);
  const R = montgomeryR(L);
  const lay = new MemoryLayout();
  const offs = [lay.limbs(L), lay.limbs(L), lay.limbs(L), lay.limbs(L)];
  const blob = new Uint8Array(lay.size);
  const w = new Uint32Array(blob.buffer);
  [mv, (R * R) % mv, R % mv, 1n].forEach((v, i) => writeLimbs(w, offs[i]! / 4, v, L));
  last = { hex, L, minv: montgomeryMinv(mv), blob, R2: offs[1]!, ONE_M: offs[2]!, ONE: offs[3]!, start: lay.size };
  return last;
}

/**
 * base^exp mod m with the engine's fixed-window constant-time ladder (no blinding). All values
 * big-endian; m odd; base < m (at most m.length bytes); the number of exponent bits processed
 * is exp.length·8 whatever their values (public). Returns m.length bytes.
 * Throws RSA_INVALID_ARGUMENT for an even or empty m or a longer base, RSA_INPUT_OUT_OF_RANGE
 * when base ≥ m, RSA_ENGINE_UNAVAILABLE when the module cannot load.
 */
export function modPowWasm(m: Uint8Array, base: Uint8Array, exp: Uint8Array): Uint8Array {
  abytes(m, undefined, 'm');
  abytes(base, undefined, 'base');
  abytes(exp, undefined, 'exp');
  if (m.length === 0 || (m[m.length - 1]! & 1) === 0) throw rsaError('RSA_INVALID_ARGUMENT', 'the modulus must be odd');
  if (base.length > m.length) throw rsaError('RSA_INVALID_ARGUMENT', 'base must not be longer than the modulus');
  const w = loadWasmSync();
  if (!w) throw rsaError('RSA_ENGINE_UNAVAILABLE', 'the WebAssembly RSA engine is not available here');
  const P = modulusPlan(m);
  const L = P.L;
  const Le = Math.ceil((8 * exp.length) / LIMB_BITS) + 1;
  const lay = new MemoryLayout(P.start);
  const B = lay.limbs(L), BM = lay.limbs(L), E = lay.limbs(Le), R = lay.limbs(L), SEL = lay.limbs(L);
  const TBL = lay.table(L), T = lay.acc(Math.max(2 * L + 8, 32)), BYTES = lay.bytes(Math.max(m.length, exp.length));
  ensureMemory(w, lay.size);
  const mem = new Uint8Array(w.memory.buffer);
  try {
    mem.set(P.blob, 0);
    mem.set(base, BYTES);
    w.from_bytes(B, BYTES, base.length, L);
    if (w.lt(B, 0, L) !== 1) throw rsaError('RSA_INPUT_OUT_OF_RANGE', 'base must be below the modulus');
    mem.set(exp, BYTES);
    w.from_bytes(E, BYTES, exp.length, Le);
    w.mont_mul(BM, B, P.R2, 0, P.minv, L, T); // base·R mod m
    w.exp_window(R, BM, E, 8 * exp.length, 0, P.minv, L, P.ONE_M, TBL, T, SEL);
    w.mont_mul(R, R, P.ONE, 0, P.minv, L, T);
    w.sub_cond(R, R, 0, L);
    w.to_bytes(BYTES, R, m.length, L);
    return mem.slice(BYTES, BYTES + m.length);
  } finally {
    mem.fill(0, 0, lay.size);
  }
}
