/**
 * Client identity keys for load generators: made by OpenSSL (fast) and converted to Parley keys,
 * as test/integration/harness.ts does. Key generation is not what the benchmarks measure; every
 * RSA operation of the protocol itself still runs through src/rsa.
 */
import crypto from 'node:crypto';
import { base64ToBytes, os2ip, privateKeyFromComponents, type RsaPrivateKey } from '../../src/rsa/index.js';

/** A fresh 2048-bit RSA key from node:crypto, as a Parley key. */
export function quickKey(): RsaPrivateKey {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const j = privateKey.export({ format: 'jwk' });
  const b = (s?: string) => os2ip(base64ToBytes(s!));
  return privateKeyFromComponents({ n: b(j.n), e: b(j.e), d: b(j.d), p: b(j.p), q: b(j.q) });
}

/** `n` keys from quickKey(). */
export function keyPool(n: number): RsaPrivateKey[] {
  return Array.from({ length: n }, () => quickKey());
}
