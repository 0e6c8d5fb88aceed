/**
 * PBES2 iteration bounds (src/rsa/pbes2.ts): an encrypted key file asking for more PBKDF2
 * iterations than its PRF's default bound (under a second of CPU) is refused before any key
 * derivation, with RSA_LIMIT_EXCEEDED naming maxKdfIterations; raising the option opens it.
 * Files are made by `openssl pkcs8 -topk8 -v2prf …` (the independent peer) or by hand (DER).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { derInteger, derNull, derOctetString, derOid, derSequence } from '../../src/rsa/asn1.js';
import { isRsaError, type RsaLimit } from '../../src/rsa/errors.js';
import { exportEncryptedPrivateKeyPem, exportPrivateKeyPem, importKey, importPrivateKey } from '../../src/rsa/keyfile.js';
import { DEFAULT_MAX_KDF_ITERATIONS, DEFAULT_PBKDF2_ITERATIONS, decryptPrivateKeyInfo } from '../../src/rsa/pbes2.js';
import { opensslKey } from '../helpers/keys.js';

// RFC 8018 Appendix B.1: the PRF OIDs, by the names the bounds use — written out here, not taken from
// src/rsa/pbes2.ts, so that a wrong OID there would show
const PRF_OIDS: Record<string, string> = {
  hmacWithSHA1: '1.2.840.113549.2.7',
  hmacWithSHA224: '1.2.840.113549.2.8',
  hmacWithSHA256: '1.2.840.113549.2.9',
  hmacWithSHA384: '1.2.840.113549.2.10',
  hmacWithSHA512: '1.2.840.113549.2.11',
  'hmacWithSHA512-224': '1.2.840.113549.2.12',
  'hmacWithSHA512-256': '1.2.840.113549.2.13',
};

/** EncryptedPrivateKeyInfo (RFC 5958 §3) with PBES2 (RFC 8018 A.4): PBKDF2 with `prf` × `iterations`, AES-256-CBC, garbage inside. */
function hostile(prf: string, iterations: number): Uint8Array {
  const kdf = derSequence(derOid('1.2.840.113549.1.5.12'), derSequence(derOctetString(new Uint8Array(16)), derInteger(iterations), derSequence(derOid(PRF_OIDS[prf]!), derNull())));
  const alg = derSequence(derOid('1.2.840.113549.1.5.13'), derSequence(kdf, derSequence(derOid('2.16.840.1.101.3.4.1.42'), derOctetString(new Uint8Array(16)))));
  return derSequence(alg, derOctetString(new Uint8Array(32)));
}

/** A key encrypted by openssl with `prf` × `iterations` under the passphrase "pw". */
function opensslEncrypted(prf: string, iterations: number): string {
  const pem = exportPrivateKeyPem(opensslKey(2048).key);
  return execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-v2prf', prf, '-iter', String(iterations), '-passout', 'pass:pw'], { input: pem }).toString();
}

const limitHit = (limit: RsaLimit) => (e: unknown) => {
  assert.ok(isRsaError(e, 'RSA_LIMIT_EXCEEDED'), `expected RSA_LIMIT_EXCEEDED, got ${String(e)}`);
  assert.deepEqual(e.limit, limit);
  assert.match(e.message, new RegExp(`PBKDF2 with \\S+ at ${limit.value} iterations exceeds the limit of ${limit.max} .*raise the option maxKdfIterations to ${limit.value}`));
  return true;
};

describe('PBKDF2 iteration bounds per PRF', () => {
  it('the defaults are those documented, and our own exports open without options', () => {
    assert.deepEqual({ ...DEFAULT_MAX_KDF_ITERATIONS }, {
      hmacWithSHA1: 1_500_000,
      hmacWithSHA224: 100_000,
      hmacWithSHA256: 2_000_000,
      hmacWithSHA384: 1_000_000,
      hmacWithSHA512: 1_000_000,
      'hmacWithSHA512-224': 50_000,
      'hmacWithSHA512-256': 50_000,
    });
    assert.ok(DEFAULT_MAX_KDF_ITERATIONS.hmacWithSHA256! >= DEFAULT_PBKDF2_ITERATIONS);
  });

  // the case: 10 000 000 iterations (the old bound) of a pure-JS PRF took ~260 s
  const cases: [prf: string, iterations: number][] = [
    ...Object.entries(DEFAULT_MAX_KDF_ITERATIONS).map(([prf, max]) => [prf, max + 1] as [string, number]),
    ['hmacWithSHA512-224', 10_000_000],
    ['hmacWithSHA224', 10_000_000],
  ];
  for (const [prf, iterations] of cases) {
    it(`${prf} × ${iterations}: refused before any derivation (well under 50 ms of CPU) with RSA_LIMIT_EXCEEDED`, async () => {
      const der = hostile(prf, iterations);
      // CPU time, not wall time: the machine's load must not decide this test. Deriving even
      // max + 1 iterations costs about a second of CPU (the bounds are set so); a refusal, ~0.1 ms
      const c0 = process.cpuUsage();
      await assert.rejects(decryptPrivateKeyInfo(der, 'pw'), limitHit({ option: 'maxKdfIterations', value: iterations, max: DEFAULT_MAX_KDF_ITERATIONS[prf]! }));
      const c = process.cpuUsage(c0);
      const ms = (c.user + c.system) / 1000;
      assert.ok(ms < 50, `refused after ${ms.toFixed(1)} ms of CPU`);
    });
  }

  it('a file at the bound is still derived (it gets past the bound to the wrong-key error)', async () => {
    await assert.rejects(decryptPrivateKeyInfo(hostile('hmacWithSHA512-256', DEFAULT_MAX_KDF_ITERATIONS['hmacWithSHA512-256']!), 'pw'), (e) => isRsaError(e, 'RSA_BAD_PASSPHRASE'));
  });
});

describe('maxKdfIterations raises (or lowers) the bound, for every PRF alike', () => {
  it('an openssl key with hmacWithSHA224 × 100 001: refused by default, opened with maxKdfIterations 100 001', async () => {
    const pem = opensslEncrypted('hmacWithSHA224', 100_001);
    await assert.rejects(importPrivateKey(pem, { passphrase: 'pw' }), limitHit({ option: 'maxKdfIterations', value: 100_001, max: 100_000 }));
    await assert.rejects(importKey(pem, { passphrase: 'pw' }), (e) => isRsaError(e, 'RSA_LIMIT_EXCEEDED'));
    const key = await importPrivateKey(pem, { passphrase: 'pw', maxKdfIterations: 100_001 });
    assert.equal(key.n, opensslKey(2048).key.n);
  });

  it('a lower maxKdfIterations refuses even a cheap file; a bad value is RSA_INVALID_ARGUMENT', async () => {
    const pem = await exportEncryptedPrivateKeyPem(opensslKey(2048).key, 'pw', { iterations: 2000 });
    await assert.rejects(importPrivateKey(pem, { passphrase: 'pw', maxKdfIterations: 1999 }), limitHit({ option: 'maxKdfIterations', value: 2000, max: 1999 }));
    assert.equal((await importPrivateKey(pem, { passphrase: 'pw', maxKdfIterations: 2000 })).n, opensslKey(2048).key.n);
    for (const maxKdfIterations of [0, -1, 1.5, Number.NaN])
      await assert.rejects(importPrivateKey(pem, { passphrase: 'pw', maxKdfIterations }), (e) => isRsaError(e, 'RSA_INVALID_ARGUMENT'));
  });
});
