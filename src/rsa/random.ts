/**
 * The module's only source of randomness: the platform CSPRNG (`crypto.getRandomValues`),
 * present in browsers and in Node.js ≥ 19 as `globalThis.crypto`. Never Math.random.
 */
import { rsaError } from './errors.js';

const MAX_CHUNK = 65536; // getRandomValues refuses more per call (WebCrypto §10.1.1)

/** Returns `n` bytes from the platform CSPRNG. Throws RSA_UNSUPPORTED when there is none. */
export function randomBytes(n: number): Uint8Array {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (!c || typeof c.getRandomValues !== 'function')
    throw rsaError('RSA_UNSUPPORTED', 'no secure random source (crypto.getRandomValues) on this platform');
  const out = new Uint8Array(n);
  for (let off = 0; off < n; off += MAX_CHUNK) c.getRandomValues(out.subarray(off, Math.min(n, off + MAX_CHUNK)));
  return out;
}
