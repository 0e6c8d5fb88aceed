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
  isFipsPublicExponent,
  isProbablePrime,
  lcm,
  modInverse,
  primeCandidateFault,
  primesFarEnough,
  privateExponentLargeEnough,
  pkcs1v15Sign,
  pkcs1v15Verify,
  privateKeyFromComponents,
  pssSign,
  pssVerify,
  publicKeyFromComponents,
  RsaError,
  type HashName,
  type PrimeCandidateFault,
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
import { requireWasmEngine } from '../helpers/rsa-engine.js';

requireWasmEngine(); // every private-key operation below runs on the WebAssembly engine (issue 15)

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

/**
 * The library's verdict on a candidate prime (primeCandidateFault, the checks randomPrime
 * applies), by value: the KAT files repeat candidates, and Miller–Rabin is the cost.
 */
const faultCache = new Map<string, PrimeCandidateFault | undefined>();
function candidateFault(w: bigint, bits: number, e: bigint): PrimeCandidateFault | undefined {
  const k = `${w}:${bits}:${e}`;
  if (!faultCache.has(k)) faultCache.set(k, primeCandidateFault(w, bits, e));
  return faultCache.get(k);
}

/**
 * Every constraint generateKeyPair enforces, for a finished (e, p, q), each judged by the
 * library's own check (src/rsa/keygen.ts): breaking one of them fails these tests.
 */
function keygenViolations(e: bigint, p: bigint, q: bigint, nlen: number): string[] {
  const out: string[] = [];
  if (!isFipsPublicExponent(e)) out.push('e outside (2^16, 2^256) or even'); // §A.1.1
  for (const [name, x] of [['p', p], ['q', q]] as const) {
    if (bitLength(x) !== nlen / 2) out.push(`${name} is not ${nlen / 2} bits`);
    const fault = candidateFault(x, nlen / 2, e); // §B.3.3 steps 4.4–4.7 / 5.5–5.8
    if (fault) out.push(`${name}: ${fault}`);
  }
  if (!primesFarEnough(p, q, nlen)) out.push('|p − q| ≤ 2^(nlen/2 − 100)'); // §B.3.3 step 5.4
  if (!privateExponentLargeEnough(modInverse(e, lcm(p - 1n, q - 1n)), nlen)) out.push('d ≤ 2^(nlen/2)'); // §B.3.1 step 3
  return out;
}

/** Our private key for (e, p, q): n = p·q, d = e⁻¹ mod lcm(p − 1, q − 1). */
function keyFromPrimes(e: bigint, p: bigint, q: bigint): RsaPrivateKey {
  const d = modInverse(e, lcm(p - 1n, q - 1n));
  // primality is judged (and cached) by keygenViolations; skip the constructor's repeat of it
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

/**
 * What primeCandidateFault may say of p and of q at each failing step of the KAT (q is not judged
 * when p fails). Step 4.7 (5.8) is reached when step 4.5 (5.6) refuses the candidate: gcd(p − 1, e)
 * ≠ 1 is checked before primality there, as in our code, so a composite p whose p − 1 shares a
 * factor with e is refused as 'gcd'; the KAT says "not prime", so primality is asserted as well.
 */
const STEP_FAULTS: Record<string, { p: readonly (PrimeCandidateFault | undefined)[]; q?: readonly PrimeCandidateFault[] }> = {
  '4.4': { p: ['bound'] }, // p < √2·2^(nlen/2−1)
  '4.7': { p: ['gcd', 'composite'] }, // p not prime
  '5.5': { p: [undefined], q: ['bound'] }, // q below the bound, p good
  '5.8': { p: [undefined], q: ['gcd', 'composite'] }, // q not prime, p good
};
/** The library's verdicts on the KAT's F cases, by step: a change of verdict must be noticed. */
const KAT_VERDICTS = {
  '4.4 p bound': 44,
  '4.7 p gcd': 8,
  '4.7 p composite': 32,
  '5.5 q bound': 40,
  '5.8 q gcd': 8,
  '5.8 q composite': 21,
};

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
  const verdicts: Record<string, number> = {};
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
        // each F names the step of §B.3.3 that fails; the library's check (primeCandidateFault,
        // which randomPrime uses) must refuse exactly that candidate at exactly that step
        const step = /^Step (\d+\.\d+)/.exec(reason)?.[1];
        const want = STEP_FAULTS[step ?? ''];
        assert.ok(want, `${label}: unknown failure step`);
        const half = nlen / 2;
        const pFault = candidateFault(p, half, e);
        assert.ok(want.p.includes(pFault), `${label}: the library's verdict on p is ${pFault}, expected ${want.p.join(' or ')}`);
        let verdict = `${step} p ${pFault}`;
        if (want.q) {
          const qFault = candidateFault(q, half, e);
          assert.ok(qFault && want.q.includes(qFault), `${label}: the library's verdict on q is ${qFault}, expected ${want.q.join(' or ')}`);
          verdict = `${step} q ${qFault}`;
        }
        if (step === '4.7' || step === '5.8') assert.equal(isProbablePrime(step === '4.7' ? p : q), false, `${label}: composite`);
        verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
      }
    });
  }
  test('the library refused every F case at its step (verdicts by step)', () => {
    assert.deepEqual(verdicts, KAT_VERDICTS);
  });
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
