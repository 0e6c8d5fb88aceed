/** MGF1, the mask generation function of RFC 8017 §B.2.1. */
import { rsaError } from './errors.js';
import type { Hash } from './hash.js';

/**
 * MGF1(seed, maskLen) with the given hash (RFC 8017 §B.2.1).
 * Throws RSA_ENCODING ("mask too long") when maskLen > 2^32·hLen.
 */
export function mgf1(hash: Hash, seed: Uint8Array, maskLen: number): Uint8Array {
  const hLen = hash.outputLen;
  // §B.2.1 step 1
  if (maskLen > 2 ** 32 * hLen) throw rsaError('RSA_ENCODING', 'mask too long');
  const out = new Uint8Array(maskLen);
  const buf = new Uint8Array(seed.length + 4);
  buf.set(seed, 0);
  // §B.2.1 step 3: T = T || Hash(mgfSeed || I2OSP(counter, 4))
  for (let counter = 0, off = 0; off < maskLen; counter++, off += hLen) {
    buf[seed.length] = (counter >>> 24) & 0xff;
    buf[seed.length + 1] = (counter >>> 16) & 0xff;
    buf[seed.length + 2] = (counter >>> 8) & 0xff;
    buf[seed.length + 3] = counter & 0xff;
    const h = hash.digest(buf);
    out.set(h.subarray(0, Math.min(hLen, maskLen - off)), off);
  }
  return out;
}
