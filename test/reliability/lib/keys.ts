/**
 * RSA keys for the reliability tests and benchmarks. They are made by node:crypto (OpenSSL,
 * fast, in the libuv thread pool so several at once) and converted into Parley keys; every RSA
 * operation of the protocol still runs through src/rsa.
 *
 * A load run needs up to 1,000 distinct identities, which take minutes to generate on a busy
 * 2-core machine, so `keyPool` keeps them as PKCS#8 PEM in a cache file in the OS temporary
 * folder (one JSON string per line) and reuses them on later runs. They are test identities
 * only: never use the cache for anything else.
 */
import crypto from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { base64ToBytes, os2ip, privateKeyFromComponents, type RsaPrivateKey } from '../../../src/rsa/index.js';

/** A node:crypto private key as a Parley key. */
export function toParleyKey(privateKey: crypto.KeyObject): RsaPrivateKey {
  const j = privateKey.export({ format: 'jwk' });
  const b = (s?: string) => os2ip(base64ToBytes(s!));
  return privateKeyFromComponents({ n: b(j.n), e: b(j.e), d: b(j.d), p: b(j.p), q: b(j.q), dp: b(j.dp), dq: b(j.dq), qi: b(j.qi) });
}

/** One fresh 2048-bit key, synchronously (as quickKey() in test/integration/harness.ts). */
export function quickKey(): RsaPrivateKey {
  return toParleyKey(crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
}

/** Where keyPool keeps its keys. */
export const KEY_CACHE = path.join(os.tmpdir(), 'parley-reliability-keys-2048.pem-lines');

/**
 * `n` distinct 2048-bit keys: those in the cache file first, the rest generated (at most
 * `parallel` at a time) and appended to it. `onProgress` is told how many are ready.
 */
export async function keyPool(n: number, opts: { parallel?: number; onProgress?: (ready: number) => void; cache?: string | false } = {}): Promise<RsaPrivateKey[]> {
  const cache = opts.cache === undefined ? KEY_CACHE : opts.cache;
  const pems: string[] = [];
  if (cache && existsSync(cache)) {
    for (const line of readFileSync(cache, 'utf8').split('\n')) {
      if (pems.length >= n) break;
      if (!line.trim()) continue;
      try {
        pems.push(JSON.parse(line) as string);
      } catch {
        /* a torn line from an interrupted run: skip it */
      }
    }
  }
  opts.onProgress?.(pems.length);
  let next = pems.length;
  const parallel = opts.parallel ?? 4;
  const workers = Array.from({ length: Math.min(parallel, n - pems.length) }, async () => {
    while (next < n) {
      next++;
      const pem = await new Promise<string>((resolve, reject) =>
        crypto.generateKeyPair('rsa', { modulusLength: 2048 }, (err, _pub, priv) => (err ? reject(err) : resolve(priv.export({ format: 'pem', type: 'pkcs8' }) as string))),
      );
      pems.push(pem);
      if (cache) appendFileSync(cache, JSON.stringify(pem) + '\n', { mode: 0o600 });
      opts.onProgress?.(pems.length);
    }
  });
  await Promise.all(workers);
  return pems.slice(0, n).map((pem) => toParleyKey(crypto.createPrivateKey(pem)));
}
