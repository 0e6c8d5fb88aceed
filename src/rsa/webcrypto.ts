/** Access to WebCrypto's SubtleCrypto (browsers and Node ≥ 19), used for AES and PBKDF2. */
import { rsaError } from './errors.js';

/** The platform's SubtleCrypto; throws RSA_UNSUPPORTED naming `need` when there is none. */
export function subtle(need: string): SubtleCrypto {
  const s = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (!s) throw rsaError('RSA_UNSUPPORTED', `no WebCrypto (crypto.subtle) on this platform: ${need}`);
  return s;
}

/** A copy backed by a plain ArrayBuffer, as WebCrypto's BufferSource type asks. */
export function buf(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(b);
}
