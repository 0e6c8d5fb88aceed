/**
 * Project Wycheproof PKCS #1 v1.5 signature generation (rsa_pkcs1_*_sig_gen_test.json): each
 * group's private key is imported from its PKCS #8 DER (privateKeyPkcs8) and must have the
 * group's n, e, d; pkcs1v15Sign must then produce exactly the given signature (v1.5 signing is
 * deterministic), which pkcs1v15Verify accepts. `acceptable` cases follow the per-flag policy
 * below (docs/VECTORS.md); a flag without a decision fails the test.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex, getHash, isRsaError, parsePrivateKey, pkcs1v15Sign, pkcs1v15Verify } from '../../src/rsa/index.js';
import { hex, hexToBigInt, listVectorFiles, loadWycheproof, tcLabel, type SignatureTest } from '../helpers/vectors.js';
import { requireWasmEngine } from '../helpers/rsa-engine.js';

requireWasmEngine(); // every private-key operation below runs on the WebAssembly engine (issue 15)

interface SigGenGroup {
  type: string;
  keySize: number;
  sha: string;
  privateKey: { modulus: string; publicExponent: string; privateExponent: string };
  privateKeyPkcs8: string;
  tests: SignatureTest[];
}

/**
 * What we do with each flag that makes a case `acceptable`: every one of these is signed, with the
 * reason below. Signing needs every flag of a case to be decided here.
 */
const ACCEPTABLE: Record<string, string> = {
  // 1024- and 1536-bit keys: refused by default (DEFAULT_MIN_BITS 2048), imported with
  // { minBits: 1024 } as every vector key is; the test checks the default refusal too
  SmallModulus: 'signed with minBits: 1024',
  // SHA-1: available for PKCS #1 v1.5 (RFC 8017 §9.2 lists it); Parley's protocol never uses it
  WeakHash: 'signed (SHA-1 is available, never used by the protocol)',
  // e = 3: RFC 8017 §3.1 allows any odd 3 ≤ e < n; FIPS 186-5's e > 2^16 binds key generation only
  SmallPublicKey: 'signed (e = 3 imports)',
};

const FILES = listVectorFiles('wycheproof', /^rsa_pkcs1_\d+_sig_gen_test\.json$/);
const ran = { valid: 0, acceptable: 0, invalid: 0 };
const byFlag: Record<string, number> = {};

for (const file of FILES) {
  const data = loadWycheproof<SigGenGroup>(file);
  describe(`Wycheproof ${file}`, () => {
    data.testGroups.forEach((g, gi) => {
      const e = g.privateKey.publicExponent.replace(/^0+/, '');
      test(`group ${gi + 1}: ${g.keySize}-bit, e = 0x${e}, ${g.sha} (${g.tests.length} cases)`, () => {
        assert.equal(g.type, 'RsassaPkcs1Generate');
        const key = parsePrivateKey(hex(g.privateKeyPkcs8), { minBits: 1024 });
        assert.equal(key.bits, g.keySize, `${file}: key size`);
        assert.deepEqual([key.n, key.e, key.d], [g.privateKey.modulus, g.privateKey.publicExponent, g.privateKey.privateExponent].map(hexToBigInt), `${file}: n, e, d of the PKCS #8 key`);
        if (g.keySize < 2048) assert.throws(() => parsePrivateKey(hex(g.privateKeyPkcs8)), (err) => isRsaError(err, 'RSA_KEY_TOO_SMALL'), `${file}: refused by default`);
        const hash = getHash(g.sha);
        for (const t of g.tests) {
          const label = tcLabel(file, t);
          assert.notEqual(t.result, 'invalid', `${label}: no invalid signing cases expected`);
          if (t.result === 'acceptable') {
            assert.ok(t.flags.length > 0 && t.flags.every((f) => f in ACCEPTABLE), `${label}: acceptable case with no policy for its flags`);
            for (const f of t.flags) byFlag[f] = (byFlag[f] ?? 0) + 1;
          }
          const sig = pkcs1v15Sign(key, hex(t.msg), { hash });
          assert.equal(bytesToHex(sig), t.sig, `${label}: signature`);
          assert.equal(pkcs1v15Verify(key.publicKey, hex(t.msg), sig, { hash }), true, `${label}: verifies`);
          ran[t.result]++;
        }
      });
    });
  });
}

describe('Wycheproof rsa_pkcs1_*_sig_gen coverage', () => {
  test('5 files, 158 cases: 80 valid and 78 acceptable, every one signed exactly', () => {
    assert.deepEqual(FILES, ['1024', '1536', '2048', '3072', '4096'].map((b) => `rsa_pkcs1_${b}_sig_gen_test.json`));
    assert.deepEqual(ran, { valid: 80, acceptable: 78, invalid: 0 });
    assert.deepEqual(byFlag, { SmallModulus: 65, WeakHash: 16, SmallPublicKey: 6 });
  });
});
