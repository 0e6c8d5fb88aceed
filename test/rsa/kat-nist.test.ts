/**
 * NIST CAVP known answers (../shared/vectors/nist-cavp):
 *  - FIPS 186-3/186-4 key generation with random probable primes (B.3.3): the (e, p, q) → (n, d)
 *    answers, our key-generation constraints on the good cases, and detection of the bad ones;
 *  - PKCS #1 v1.5 and PSS signature generation (exact signatures; p and q recovered from n, e, d
 *    per SP 800-56B Appendix C.2) and verification (Result = P must verify, F must not).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  bitLength,
  bytesToHex,
  gcd,
  isProbablePrime,
  lcm,
  modInverse,
  pkcs1v15Sign,
  pkcs1v15Verify,
  privateKeyFromComponents,
  pssSign,
  pssVerify,
  publicKeyFromComponents,
  RsaError,
  type HashName,
  type RsaPrivateKey,
  type RsaPublicKey,
} from '../../src/rsa/index.js';
import {
  cavpBytes,
  cavpHash,
  cavpPssSaltLengths,
  cavpResult,
  hex,
  hexToBigInt,
  loadCavp,
  recoverPrimes,
  type CavpRecord,
} from '../helpers/vectors.js';

/** Smallest modulus we import at all; smaller CAVP keys would be skipped and counted. */
const MIN_BITS = 1024;

/**
 * Every CAVP signature message is 128 bytes; SigVer15_186-3.rsp prints 19 of them (and some
 * S values) without their leading zero nibbles or bytes, so those are left-padded back.
 */
const MSG_BYTES = 128;
const sigVerMsg = (r: CavpRecord) => cavpBytes(field(r, 'Msg'), MSG_BYTES);
const sigVerSig = (r: CavpRecord, key: RsaPublicKey) => cavpBytes(field(r, 'S'), key.size);

function field(r: CavpRecord, k: string): string {
  const v = r.values[k];
  assert.ok(v !== undefined, `line ${r.line}: field ${k} missing`);
  return v;
}
const big = (r: CavpRecord, k: string) => hexToBigInt(field(r, k));
const nlenOf = (r: CavpRecord) => Number(r.params['mod']);

// ---------------------------------------------------------------------------------------------
// Key generation (FIPS 186-5 §A.1.3 / §B.3.3 with probable primes)

/** Primality verdicts by value: the KAT files repeat candidates, and Miller–Rabin is the cost. */
const primeCache = new Map<bigint, boolean>();
function prime(x: bigint): boolean {
  let v = primeCache.get(x);
  if (v === undefined) primeCache.set(x, (v = isProbablePrime(x)));
  return v;
}

/** §B.3.3 steps 4.4 / 5.5: p ≥ √2·2^(nlen/2 − 1), i.e. p² ≥ 2^(nlen − 1) (what randomPrime checks). */
const meetsLowerBound = (p: bigint, nlen: number) => p * p >= 1n << BigInt(nlen - 1);

/** Every constraint generateKeyPair enforces, for a finished (e, p, q); returns the failures. */
function keygenViolations(e: bigint, p: bigint, q: bigint, nlen: number): string[] {
  const half = nlen / 2;
  const out: string[] = [];
  // §A.1.1: 2^16 < e < 2^256, e odd
  if (!(e > 1n << 16n && e < 1n << 256n && (e & 1n) === 1n)) out.push('e outside (2^16, 2^256) or even');
  for (const [name, x] of [['p', p], ['q', q]] as const) {
    if (bitLength(x) !== half) out.push(`${name} is not ${half} bits`);
    if (!meetsLowerBound(x, nlen)) out.push(`${name} < √2·2^(nlen/2−1)`);
    if (gcd(x - 1n, e) !== 1n) out.push(`gcd(${name} − 1, e) ≠ 1`);
    if (!prime(x)) out.push(`${name} is not probably prime`);
  }
  // §B.3.3 step 5.4: |p − q| > 2^(nlen/2 − 100)
  const diff = p > q ? p - q : q - p;
  if (!(diff > 1n << BigInt(half - 100))) out.push('|p − q| ≤ 2^(nlen/2 − 100)');
  // §B.3.1 step 3: d = e⁻¹ mod λ(n) with d > 2^(nlen/2)
  const d = modInverse(e, lcm(p - 1n, q - 1n));
  if (!(d > 1n << BigInt(half))) out.push('d ≤ 2^(nlen/2)');
  return out;
}

/** Our private key for (e, p, q): n = p·q, d = e⁻¹ mod lcm(p − 1, q − 1). */
function keyFromPrimes(e: bigint, p: bigint, q: bigint): RsaPrivateKey {
  const d = modInverse(e, lcm(p - 1n, q - 1n));
  // primality is checked (and cached) by keygenViolations; skip the constructor's repeat of it
  return privateKeyFromComponents({ n: p * q, e, d, p, q }, { checkPrimes: false });
}

describe('NIST CAVP KeyGen_RandomProbablyPrime3_3.rsp (e, p, q → n, d)', () => {
  const { records } = loadCavp('KeyGen_RandomProbablyPrime3_3.rsp', 'p');
  test(`${records.length} cases: n and d match, primes and FIPS 186-5 constraints hold`, () => {
    assert.equal(records.length, 40);
    for (const r of records) {
      const label = `KeyGen_RandomProbablyPrime3_3.rsp line ${r.line} (mod ${r.params['mod']})`;
      const [e, p, q, n, d] = (['e', 'p', 'q', 'n', 'd'] as const).map((k) => big(r, k)) as [bigint, bigint, bigint, bigint, bigint];
      const nlen = nlenOf(r);
      assert.deepEqual(keygenViolations(e, p, q, nlen), [], `${label}: constraints`);
      const key = keyFromPrimes(e, p, q);
      assert.equal(key.n, n, `${label}: n`);
      assert.equal(key.d, d, `${label}: d`);
      assert.equal(key.bits, nlen, `${label}: modulus size`);
    }
  });
});

describe('NIST CAVP KeyGen_186-3_RandomProbablyPrime3_3_KAT.txt (candidate primes, P/F)', () => {
  const { records } = loadCavp('KeyGen_186-3_RandomProbablyPrime3_3_KAT.txt', 'Result');
  const groups = new Map<string, CavpRecord[]>();
  for (const r of records) {
    const id = `mod ${r.params['mod']}, M-R table ${r.params['Table for M-R Test']}`;
    groups.set(id, [...(groups.get(id) ?? []), r]);
  }
  test('the file has 186 cases: 33 P; F at steps 4.4 (44), 4.7 (40), 5.5 (40), 5.8 (29)', () => {
    assert.equal(records.length, 186);
    const byStep: Record<string, number> = {};
    for (const r of records) {
      const { pass, reason } = cavpResult(r.values['Result']);
      const k = pass ? 'P' : (/^Step (\d+\.\d+)/.exec(reason)?.[1] ?? reason);
      byStep[k] = (byStep[k] ?? 0) + 1;
    }
    assert.deepEqual(byStep, { P: 33, '4.4': 44, '4.7': 40, '5.5': 40, '5.8': 29 });
  });
  for (const [id, rs] of groups) {
    test(`${id} (${rs.length} cases)`, () => {
      for (const r of rs) {
        const { pass, reason } = cavpResult(field(r, 'Result'));
        const label = `KAT line ${r.line} (${id}, Result = ${pass ? 'P' : 'F'} ${reason})`;
        const nlen = nlenOf(r);
        const e = big(r, 'e');
        const p = big(r, 'prandom');
        const q = big(r, 'qrandom');
        if (pass) {
          assert.deepEqual(keygenViolations(e, p, q, nlen), [], `${label}: constraints`);
          const key = keyFromPrimes(e, p, q);
          assert.equal(key.bits, nlen, `${label}: modulus size`);
          continue;
        }
        // each F names the step of §B.3.3 that fails; we must detect exactly that
        const step = /^Step (\d+\.\d+)/.exec(reason)?.[1];
        switch (step) {
          case '4.4': // p < √2·2^(nlen/2−1)
            assert.equal(meetsLowerBound(p, nlen), false, `${label}: p must fail the lower bound`);
            break;
          case '4.7': // p not prime
            assert.equal(prime(p), false, `${label}: p must be found composite`);
            break;
          case '5.5': // q < √2·2^(nlen/2−1) (p was good)
            assert.equal(meetsLowerBound(p, nlen), true, `${label}: p meets the bound`);
            assert.equal(meetsLowerBound(q, nlen), false, `${label}: q must fail the lower bound`);
            break;
          case '5.8': // q not prime (p was good)
            assert.equal(meetsLowerBound(p, nlen), true, `${label}: p meets the bound`);
            assert.equal(prime(q), false, `${label}: q must be found composite`);
            break;
          default:
            assert.fail(`${label}: unknown failure step`);
        }
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Signature generation: exact known answers

/** Private keys by n, with p and q recovered from (n, e, d) (SP 800-56B Rev. 2 Appendix C.2). */
const recovered = new Map<bigint, RsaPrivateKey>();
function privateKeyOf(r: CavpRecord): RsaPrivateKey {
  const n = big(r, 'n');
  let key = recovered.get(n);
  if (!key) {
    const e = big(r, 'e');
    const d = big(r, 'd');
    const { p, q } = recoverPrimes(n, e, d);
    assert.equal(p * q, n, `line ${r.line}: recovered p·q = n`);
    key = privateKeyFromComponents({ n, e, d, p, q }, { minBits: MIN_BITS });
    recovered.set(n, key);
  }
  return key;
}

function saltLengthOf(file: string, r: CavpRecord, table: Map<string, number>, hash: HashName): number {
  const fromHeader = table.get(`${r.params['mod']} ${hash}`);
  const saltHex = r.values['SaltVal'];
  assert.ok(fromHeader !== undefined || saltHex !== undefined, `${file} line ${r.line}: no salt length for ${hash}`);
  const len = fromHeader ?? saltHex!.length / 2;
  // the files write an empty salt as "SaltVal = 00"; the header's "Salt len" decides
  if (saltHex !== undefined) {
    if (len === 0) assert.equal(saltHex, '00', `${file} line ${r.line}: empty salt written as 00`);
    else assert.equal(saltHex.length / 2, len, `${file} line ${r.line}: SaltVal length matches the header`);
  }
  return len;
}

for (const [file, count] of [
  ['SigGen15_186-3.txt', 80],
] as const) {
  describe(`NIST CAVP ${file} (RSASSA-PKCS1-v1_5 signature generation)`, () => {
    const { records } = loadCavp(file, 'Msg');
    test(`${records.length} signatures match exactly and verify`, () => {
      assert.equal(records.length, count);
      for (const r of records) {
        const label = `${file} line ${r.line} (mod ${r.params['mod']}, ${r.values['SHAAlg']})`;
        const key = privateKeyOf(r);
        const hash = cavpHash(r.values['SHAAlg']);
        const msg = hex(field(r, 'Msg'));
        const want = field(r, 'S');
        assert.equal(bytesToHex(pkcs1v15Sign(key, msg, { hash })), want, `${label}: signature`);
        assert.equal(pkcs1v15Verify(key.publicKey, msg, hex(want), { hash }), true, `${label}: verifies`);
      }
    });
  });
}

for (const [file, count] of [
  ['SigGenPSS_186-3.txt', 80],
  ['SigGenPSS_186-3_TruncatedSHAs.txt', 40],
] as const) {
  describe(`NIST CAVP ${file} (RSASSA-PSS signature generation, MGF1 with the same hash)`, () => {
    const { comments, records } = loadCavp(file, 'Msg');
    const saltLengths = cavpPssSaltLengths(comments);
    test(`${records.length} signatures with the given salt match exactly and verify`, () => {
      assert.equal(records.length, count);
      assert.ok(saltLengths.size > 0, 'salt lengths in the header');
      for (const r of records) {
        const label = `${file} line ${r.line} (mod ${r.params['mod']}, ${r.values['SHAAlg']})`;
        const key = privateKeyOf(r);
        const hash = cavpHash(r.values['SHAAlg']);
        const saltLength = saltLengthOf(file, r, saltLengths, hash);
        const salt = saltLength === 0 ? new Uint8Array(0) : hex(field(r, 'SaltVal'));
        const msg = hex(field(r, 'Msg'));
        const want = field(r, 'S');
        assert.equal(bytesToHex(pssSign(key, msg, { hash, saltLength, salt })), want, `${label}: signature`);
        assert.equal(pssVerify(key.publicKey, msg, hex(want), { hash, saltLength }), true, `${label}: verifies`);
      }
    });
  });
}

// FIPS 186-2 SigGen files (1024–4096 bits, SHA-1…SHA-512): the known signatures must verify
// (public-key operations only; the 186-3 files above cover exact signing).
for (const [file, pss] of [
  ['SigGen15_186-2.txt', false],
  ['SigGenPSS_186-2.txt', true],
] as const) {
  describe(`NIST CAVP ${file} (known signatures verify)`, () => {
    const { records } = loadCavp(file, 'Msg');
    test(`${records.length} signatures verify, and not under another hash`, () => {
      assert.equal(records.length, 250);
      for (const r of records) {
        const label = `${file} line ${r.line} (mod ${r.params['mod']}, ${r.values['SHAAlg']})`;
        const key = publicKeyFromComponents({ n: big(r, 'n'), e: big(r, 'e') }, { minBits: MIN_BITS });
        const hash = cavpHash(r.values['SHAAlg']);
        const other: HashName = hash === 'SHA-256' ? 'SHA-384' : 'SHA-256';
        const msg = hex(field(r, 'Msg'));
        const sig = hex(field(r, 'S'));
        const verify = (h: HashName) =>
          pss ? pssVerify(key, msg, sig, { hash: h, saltLength: field(r, 'SaltVal').length / 2 }) : pkcs1v15Verify(key, msg, sig, { hash: h });
        assert.equal(verify(hash), true, `${label}: verifies`);
        assert.equal(verify(other), false, `${label}: not with ${other}`);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Signature verification: Result = P must verify, F must not

type VerTally = { pass: number; fail: number; failKeyRefused: number; skippedSmall: number };

function runSigVer(file: string, records: CavpRecord[], verify: (key: RsaPublicKey, r: CavpRecord, hash: HashName) => boolean): VerTally {
  const t: VerTally = { pass: 0, fail: 0, failKeyRefused: 0, skippedSmall: 0 };
  for (const r of records) {
    const { pass, reason } = cavpResult(field(r, 'Result'));
    const label = `${file} line ${r.line} (mod ${r.params['mod']}, ${r.values['SHAAlg']}, Result = ${pass ? 'P' : 'F'}${reason ? ` ${reason}` : ''})`;
    const n = big(r, 'n');
    if (bitLength(n) < MIN_BITS) {
      t.skippedSmall++;
      continue;
    }
    const hash = cavpHash(r.values['SHAAlg']);
    let key: RsaPublicKey;
    try {
      key = publicKeyFromComponents({ n, e: big(r, 'e') }, { minBits: MIN_BITS });
    } catch (err) {
      // a changed public exponent may be refused at import: that is a rejection too
      assert.ok(!pass, `${label}: key must import, got ${String(err)}`);
      assert.ok(err instanceof RsaError && err.code === 'RSA_INVALID_KEY', `${label}: refused with RSA_INVALID_KEY`);
      t.failKeyRefused++;
      continue;
    }
    assert.equal(verify(key, r, hash), pass, `${label}: expected ${pass ? 'valid' : 'invalid'}`);
    if (pass) t.pass++;
    else t.fail++;
  }
  return t;
}

for (const [file, total, passing] of [
  ['SigVer15_186-3.rsp', 270, 45],
  ['SigVer15_186-3_TruncatedSHAs.rsp', 108, 18],
] as const) {
  describe(`NIST CAVP ${file} (RSASSA-PKCS1-v1_5 verification)`, () => {
    const { records } = loadCavp(file, 'Msg');
    test(`${records.length} cases: ${passing} P verify, ${total - passing} F do not; 0 keys below ${MIN_BITS} bits skipped`, () => {
      assert.equal(records.length, total);
      const t = runSigVer(file, records, (key, r, hash) => pkcs1v15Verify(key, sigVerMsg(r), sigVerSig(r, key), { hash }));
      assert.equal(t.skippedSmall, 0, 'keys below 1024 bits skipped');
      assert.equal(t.pass, passing, 'P cases verified');
      assert.equal(t.fail, total - passing, 'F cases rejected by the verifier');
      assert.equal(t.failKeyRefused, 0, 'F cases refused already at key import');
    });
  });
}

for (const [file, total, passing] of [
  ['SigVerPSS_186-3.rsp', 270, 45],
  ['SigVerPSS_186-3_TruncatedSHAs.rsp', 108, 18],
] as const) {
  describe(`NIST CAVP ${file} (RSASSA-PSS verification, MGF1 with the same hash)`, () => {
    const { comments, records } = loadCavp(file, 'Msg');
    const saltLengths = cavpPssSaltLengths(comments);
    test(`${records.length} cases: ${passing} P verify, ${total - passing} F do not; 0 keys below ${MIN_BITS} bits skipped`, () => {
      assert.equal(records.length, total);
      const t = runSigVer(file, records, (key, r, hash) => {
        const saltLength = saltLengthOf(file, r, saltLengths, hash);
        return pssVerify(key, sigVerMsg(r), sigVerSig(r, key), { hash, saltLength });
      });
      assert.equal(t.skippedSmall, 0, 'keys below 1024 bits skipped');
      assert.equal(t.pass, passing, 'P cases verified');
      assert.equal(t.fail, total - passing, 'F cases rejected by the verifier');
      assert.equal(t.failKeyRefused, 0, 'F cases refused already at key import');
    });
  });
}
