/**
 * NIST ACVP sample vectors (../shared/vectors/acvp) of the RSA primitives: the decryption
 * primitive (SP 800-56B Rev. 2 and revision 1.0) against rsadp, the signature primitive (2.0 and
 * 1.0) against rsasp1. Keys come with their CRT values ("crt") or without ("standard"); every one
 * is imported through privateKeyFromComponents, which checks them. Each file's case count, and the
 * count of each kind of case, is asserted. The acvp folder's other sets are in acvp-keygen.test.ts
 * and acvp-signatures.test.ts; the last test here checks that no folder is left out.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import {
  lcm,
  modInverse,
  privateKeyFromComponents,
  publicKeyFromComponents,
  rsadp,
  rsaep,
  rsasp1,
  isRsaError,
  type RsaPrivateKey,
} from '../../src/rsa/index.js';
import { acvpCount, loadAcvp } from '../helpers/acvp.js';
import { VECTORS } from '../helpers/paths.js';
import { hexToBigInt } from '../helpers/vectors.js';
import { requireWasmEngine } from '../helpers/rsa-engine.js';

requireWasmEngine(); // every private-key operation below runs on the WebAssembly engine (issue 15)

/** An ACVP private key: d is '' in the CRT-only sets, the CRT values are '' in "standard" ones. */
interface AcvpKey {
  n: string;
  e: string;
  d: string;
  p: string;
  q: string;
  dmp1: string;
  dmq1: string;
  iqmp: string;
}

/**
 * Builds the key through the library's checks (p·q = n, e·d ≡ 1 mod λ, the given CRT values).
 * Not Miller–Rabin on p and q: these are NIST's primes, and the tests of primality at import
 * (key.test.ts, the Wycheproof and CAVP files) would make up 60 % of this file's time.
 */
function keyOf(k: AcvpKey): RsaPrivateKey {
  const [n, e, p, q] = [k.n, k.e, k.p, k.q].map(hexToBigInt) as [bigint, bigint, bigint, bigint];
  // the CRT-only keys carry no d: any d with e·d ≡ 1 (mod λ(n)) gives the same CRT values, which are checked
  const d = k.d === '' ? modInverse(e, lcm(p - 1n, q - 1n)) : hexToBigInt(k.d);
  const crt = k.dmp1 === '' ? {} : { dp: hexToBigInt(k.dmp1), dq: hexToBigInt(k.dmq1), qi: hexToBigInt(k.iqmp) };
  return privateKeyFromComponents({ n, e, d, p, q, ...crt }, { checkPrimes: false });
}

const outOfRange = (e: unknown) => isRsaError(e, 'RSA_INPUT_OUT_OF_RANGE');

type Tally = Record<string, number>;
const add = (t: Tally, k: string) => (t[k] = (t[k] ?? 0) + 1);

// ---------------------------------------------------------------------------------------------
// Decryption primitive, SP 800-56B Rev. 2 (RSADP of §7.1.2 with 1 < c < n − 1)

interface DpTest extends AcvpKey {
  tcId: number;
  testPassed: boolean;
  ct: string;
  pt?: string;
}
interface DpGroup {
  tgId: number;
  modulo: number;
  keyMode: 'standard' | 'crt';
  tests: DpTest[];
}

describe('ACVP RSA-DecryptionPrimitive-Sp800-56Br2 (rsadp)', () => {
  const file = loadAcvp<DpGroup>('RSA-DecryptionPrimitive-Sp800-56Br2', 'decryptionPrimitive');
  const tally: Tally = {};
  for (const g of file.testGroups) {
    test(`group ${g.tgId}: ${g.modulo}-bit, ${g.keyMode} key (${g.tests.length} cases)`, () => {
      for (const t of g.tests) {
        const label = `tcId ${t.tcId}`;
        const key = keyOf(t);
        assert.equal(key.bits, g.modulo, `${label}: modulus size`);
        const c = hexToBigInt(t.ct);
        if (t.testPassed) {
          assert.equal(rsadp(key, c), hexToBigInt(t.pt!), `${label}: plaintext`);
          add(tally, 'decrypted');
        } else if (c >= key.n) {
          // RFC 8017 §5.1.2 step 1 (and SP 800-56B): refused before any private-key arithmetic
          assert.throws(() => rsadp(key, c), outOfRange, `${label}: c ≥ n refused`);
          add(tally, 'c ≥ n refused');
        } else {
          // SP 800-56B Rev. 2 §7.1.2 step 1 also refuses c ∈ {0, 1, n − 1} (1 < c < n − 1); RFC 8017
          // §5.1.2, which src/rsa implements, accepts 0 ≤ c < n: these fixed points (c^d = c, d odd)
          // decrypt to themselves, and OAEP then refuses them with its one vague error
          assert.ok(c === 0n || c === 1n || c === key.n - 1n, `${label}: a failing case with 1 < c < n − 1`);
          assert.equal(rsadp(key, c), c, `${label}: RFC 8017 RSADP of a fixed point`);
          add(tally, 'c ∈ {0, 1, n − 1}: RFC 8017 range');
        }
      }
    });
  }
  test('90 cases: 66 decrypted, 6 with c ≥ n refused, 18 with c ∈ {0, 1, n − 1} decrypted per RFC 8017 (docs/VECTORS.md)', () => {
    assert.equal(acvpCount(file), 90);
    assert.deepEqual(tally, { decrypted: 66, 'c ≥ n refused': 6, 'c ∈ {0, 1, n − 1}: RFC 8017 range': 18 });
  });
});

// ---------------------------------------------------------------------------------------------
// Decryption primitive, revision 1.0: keys made by the implementation, so no private values

interface Dp1Group {
  tgId: number;
  modulo: number;
  tests: { tcId: number; resultsArray: { e: string; n: string; cipherText: string; plainText?: string; testPassed: boolean }[] }[];
}

describe('ACVP RSA-decryptionPrimitive-1.0 (no private keys: answers checked with rsaep)', () => {
  const file = loadAcvp<Dp1Group>('RSA-decryptionPrimitive-1.0', 'decryptionPrimitive');
  test('6 results: 4 plaintexts encrypt to their ciphertext; 2 failures: c ≥ n, one of them with an even n', () => {
    const tally: Tally = {};
    for (const g of file.testGroups)
      for (const t of g.tests)
        for (const [i, r] of t.resultsArray.entries()) {
          const label = `tcId ${t.tcId} result ${i}`;
          const n = hexToBigInt(r.n);
          const c = hexToBigInt(r.cipherText);
          if (!r.testPassed && (n & 1n) === 0n) {
            // not an RSA modulus (RFC 8017 §3.1: a product of odd primes): refused at import
            assert.ok(c >= n, `${label}: c ≥ n too`);
            assert.throws(() => publicKeyFromComponents({ n, e: hexToBigInt(r.e) }), (e) => isRsaError(e, 'RSA_INVALID_KEY'), `${label}: even modulus refused`);
            add(tally, 'even modulus refused');
            continue;
          }
          const pub = publicKeyFromComponents({ n, e: hexToBigInt(r.e) });
          assert.equal(pub.bits, g.modulo, label);
          if (r.testPassed) {
            assert.equal(rsaep(pub, hexToBigInt(r.plainText!)), c, `${label}: RSAEP(pt) = ct`);
            add(tally, 'consistent');
          } else {
            // the range check every primitive makes first (RFC 8017 §5.1.1 / §5.1.2 step 1)
            assert.ok(c >= pub.n, `${label}: c ≥ n`);
            assert.throws(() => rsaep(pub, c), outOfRange, label);
            add(tally, 'out of range');
          }
        }
    assert.deepEqual(tally, { consistent: 4, 'out of range': 1, 'even modulus refused': 1 });
  });
});

// ---------------------------------------------------------------------------------------------
// Signature primitive (RSASP1, RFC 8017 §5.2.1), revisions 2.0 and 1.0

interface SpTest extends AcvpKey {
  tcId: number;
  testPassed: boolean;
  message: string;
  signature?: string;
}
interface SpGroup {
  tgId: number;
  modulo?: number;
  modulus?: number;
  keyMode?: string;
  keyFormat?: string;
  tests: SpTest[];
}

for (const [dir, total, signed] of [
  ['RSA-SignaturePrimitive-2.0', 90, 78],
  ['RSA-signaturePrimitive-1.0', 30, 15],
] as const) {
  describe(`ACVP ${dir} (rsasp1)`, () => {
    const file = loadAcvp<SpGroup>(dir, 'signaturePrimitive');
    const tally: Tally = {};
    for (const g of file.testGroups) {
      const bits = g.modulo ?? g.modulus;
      test(`group ${g.tgId}: ${bits}-bit, ${g.keyMode ?? g.keyFormat} key (${g.tests.length} cases)`, () => {
        for (const t of g.tests) {
          const label = `tcId ${t.tcId}`;
          const key = keyOf(t);
          assert.equal(key.bits, bits, `${label}: modulus size`);
          const m = hexToBigInt(t.message);
          if (t.testPassed) {
            assert.equal(rsasp1(key, m), hexToBigInt(t.signature!), `${label}: signature`);
            add(tally, 'signed');
          } else {
            // every failing case of these files is a message representative ≥ n (RFC 8017 §5.2.1 step 1)
            assert.ok(m >= key.n, `${label}: m ≥ n`);
            assert.throws(() => rsasp1(key, m), outOfRange, `${label}: refused`);
            add(tally, 'm ≥ n refused');
          }
        }
      });
    }
    test(`${total} cases: ${signed} signatures match, ${total - signed} messages ≥ n refused`, () => {
      assert.equal(acvpCount(file), total);
      assert.deepEqual(tally, { signed, 'm ≥ n refused': total - signed });
    });
  });
}

// ---------------------------------------------------------------------------------------------

describe('ACVP coverage', () => {
  test('every RSA folder of acvp/ is loaded by one of the acvp-*.test.ts files', () => {
    const loaded = {
      'acvp-primitives': ['RSA-DecryptionPrimitive-Sp800-56Br2', 'RSA-decryptionPrimitive-1.0', 'RSA-SignaturePrimitive-2.0', 'RSA-signaturePrimitive-1.0'],
      'acvp-signatures': ['RSA-SigGen-FIPS186-4', 'RSA-SigGen-FIPS186-5', 'RSA-SigVer-FIPS186-2', 'RSA-SigVer-FIPS186-4', 'RSA-SigVer-FIPS186-5'],
      'acvp-keygen': ['RSA-KeyGen-FIPS186-4', 'RSA-KeyGen-FIPS186-5'],
    };
    const folders = readdirSync(path.join(VECTORS, 'acvp'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    assert.deepEqual(folders.sort(), Object.values(loaded).flat().sort());
  });
});
