/**
 * Test keys: made by node:crypto (OpenSSL, an independent generator) and converted to Parley
 * keys through their components, cached per process so each test file pays once per size.
 */
import crypto from 'node:crypto';
import { base64ToBytes, os2ip, privateKeyFromComponents, type RsaPrivateKey } from '../../src/rsa/index.js';

const cache = new Map<number, { key: RsaPrivateKey; nodeKey: crypto.KeyObject }>();

/** A fresh-per-process RSA key of `bits` bits, as a Parley key and as a node:crypto KeyObject. */
export function opensslKey(bits = 2048): { key: RsaPrivateKey; nodeKey: crypto.KeyObject; nodePub: crypto.KeyObject } {
  let hit = cache.get(bits);
  if (!hit) {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: bits });
    const j = privateKey.export({ format: 'jwk' });
    const b = (s: string | undefined) => os2ip(base64ToBytes(s!));
    const key = privateKeyFromComponents(
      { n: b(j.n), e: b(j.e), d: b(j.d), p: b(j.p), q: b(j.q), dp: b(j.dp), dq: b(j.dq), qi: b(j.qi) },
      { minBits: 1024 },
    );
    hit = { key, nodeKey: privateKey };
    cache.set(bits, hit);
  }
  return { ...hit, nodePub: crypto.createPublicKey(hit.nodeKey) };
}
