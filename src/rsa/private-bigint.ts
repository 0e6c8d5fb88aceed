/**
 * The BigInt engine of RSADP/RSASP1 (RFC 8017 §5.1.2, §5.2.1): the reference the WebAssembly
 * engine is tested against, and the fallback where WebAssembly is unavailable (engine.ts).
 * CRT with Garner's formula, base blinding, exponent blinding, and a public-key re-check of every
 * result (the fault countermeasure of Boneh–DeMillo–Lipton). BigInt arithmetic is variable-time
 * (docs/SECURITY.md); blinding is what protects the key here.
 */
import { expPlan, modInverse, modPowPlan, randomBetween, randomBits, type ExpPlan } from './bigint.js';
import { rsaError } from './errors.js';
import type { RsaPrivateKey } from './key.js';

/** Blinding pairs are refreshed from fresh randomness after this many uses (squared in between). */
export const BLINDING_REFRESH = 32;
/** Bits of the random multiple of (p−1) added to each CRT exponent (exponent blinding). */
const EXP_BLINDING_BITS = 64;

interface PrivateState {
  ePlan: ExpPlan;
  /** r^e mod n and r^-1 mod n for the current blinding value r. */
  rE: bigint;
  rInv: bigint;
  uses: number;
}

const privateStates = new WeakMap<RsaPrivateKey, PrivateState>();

function freshBlinding(key: RsaPrivateKey, ePlan: ExpPlan): { rE: bigint; rInv: bigint } {
  for (;;) {
    const r = randomBetween(2n, key.n);
    try {
      return { rInv: modInverse(r, key.n), rE: modPowPlan(r, ePlan, key.n) };
    } catch {
      // gcd(r, n) ≠ 1 happens with probability ≈ 2^-1023: draw again
    }
  }
}

function privateState(key: RsaPrivateKey): PrivateState {
  let s = privateStates.get(key);
  if (!s) {
    const ePlan = expPlan(key.e);
    s = { ePlan, ...freshBlinding(key, ePlan), uses: 0 };
    privateStates.set(key, s);
  }
  return s;
}

/**
 * RSADP/RSASP1 core with CRT, base and exponent blinding, and the public-key fault check, in
 * BigInt: x^d mod n. Throws RSA_INPUT_OUT_OF_RANGE unless 0 ≤ x < n (`what` names x in the
 * message), RSA_FAULT_DETECTED when the result fails the check y^e ≡ x (mod n).
 */
export function privateOpBigInt(key: RsaPrivateKey, x: bigint, what = 'input'): bigint {
  if (typeof x !== 'bigint' || x < 0n || x >= key.n) throw rsaError('RSA_INPUT_OUT_OF_RANGE', `${what} representative out of range`);
  const s = privateState(key);
  const { n, p, q, qi } = key;
  // blind: x' = x · r^e mod n, so the exponentiations below see a value unrelated to x
  const xb = (x * s.rE) % n;
  // exponent blinding: dP + k·(p−1) ≡ dP (mod p−1) for a fresh random k, so the sequence of
  // squarings and multiplications differs on every call (Kocher 1996, §10)
  const dpb = key.dp + randomBits(EXP_BLINDING_BITS) * (p - 1n);
  const dqb = key.dq + randomBits(EXP_BLINDING_BITS) * (q - 1n);
  // RFC 8017 §5.1.2 step 2.b (CRT): m_1 = x'^dP mod p, m_2 = x'^dQ mod q
  const m1 = modPowPlan(xb % p, expPlan(dpb), p);
  const m2 = modPowPlan(xb % q, expPlan(dqb), q);
  // §5.1.2 step 2.b.iii–iv (Garner): h = (m_1 − m_2)·qInv mod p; m = m_2 + q·h
  // m_2 < q may exceed p when q > p, so reduce the difference fully into [0, p)
  let diff = (m1 - m2) % p;
  if (diff < 0n) diff += p;
  const h = (diff * qi) % p;
  const yb = m2 + q * h;
  // unblind: y = y' · r^-1 mod n
  const y = (yb * s.rInv) % n;
  // update the blinding pair cheaply by squaring; refresh it from randomness every so often
  if (++s.uses >= BLINDING_REFRESH) {
    Object.assign(s, freshBlinding(key, s.ePlan));
    s.uses = 0;
  } else {
    s.rE = (s.rE * s.rE) % n;
    s.rInv = (s.rInv * s.rInv) % n;
  }
  // fault check: the result must map back to the input under the public key
  if (y < 0n || y >= n || modPowPlan(y, s.ePlan, n) !== x) throw rsaError('RSA_FAULT_DETECTED', 'RSA private-key operation failed its consistency check');
  return y;
}
