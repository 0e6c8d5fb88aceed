/**
 * The module's only source of randomness: the platform CSPRNG (`crypto.getRandomValues`),
 * present in browsers and in Node.js ≥ 19 as `globalThis.crypto`. Never Math.random.
 *
 * Small requests are served from a pool refilled 4 KiB at a time (each call to the platform
 * costs microseconds, and key generation asks for hundreds of candidates); bytes handed out
 * are wiped from the pool and never served twice.
 */
import { rsaError } from './errors.js';

const MAX_CHUNK = 65536; // getRandomValues refuses more per call (WebCrypto §10.1.1)
const POOL_SIZE = 4096;
const POOLED_MAX = 512;
let pool = new Uint8Array(0);
let poolPos = 0;

function fill(out: Uint8Array): void {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (!c || typeof c.getRandomValues !== 'function')
    throw rsaError('RSA_UNSUPPORTED', 'no secure random source (crypto.getRandomValues) on this platform');
  for (let off = 0; off < out.length; off += MAX_CHUNK) c.getRandomValues(out.subarray(off, Math.min(out.length, off + MAX_CHUNK)));
}

/** Returns `n` fresh bytes from the platform CSPRNG. Throws RSA_UNSUPPORTED when there is none. */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  if (n > POOLED_MAX) {
    fill(out);
    return out;
  }
  if (pool.length - poolPos < n) {
    pool = new Uint8Array(POOL_SIZE);
    fill(pool);
    poolPos = 0;
  }
  const slice = pool.subarray(poolPos, poolPos + n);
  out.set(slice);
  slice.fill(0);
  poolPos += n;
  return out;
}
