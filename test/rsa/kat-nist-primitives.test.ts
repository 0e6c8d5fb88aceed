/**
 * NIST CAVP component tests of the RSA primitives (../shared/vectors/nist-cavp):
 *  - RSADPComponent800_56B (SP 800-56B RSADP): RSADPComponent800_56B.txt gives n, e, d, c and the
 *    answer k (or Result = Fail); the .rsp response file must say the same for every case. p and q
 *    are recovered from (n, e, d) (SP 800-56B Rev. 2 Appendix C.2) to build the key;
 *  - RSASP1.fax (RSASP1 of RFC 8017 §5.2.1 / FIPS 186): n, p, q, e, d, EM and the signature S, or
 *    "FAIL (EM larger than modulus value)".
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  bitLength,
  isRsaError,
  privateKeyFromComponents,
  rsadp,
  rsasp1,
  MAX_EXPONENT_BITS,
  type RsaPrivateKey,
} from '../../src/rsa/index.js';
import { cavpResult, hexToBigInt, loadCavp, parseCavp, readVectorText, recoverPrimes, type CavpRecord } from '../helpers/vectors.js';
import { requireWasmEngine } from '../helpers/rsa-engine.js';

requireWasmEngine(); // every private-key operation below runs on the WebAssembly engine (issue 15)

function field(r: CavpRecord, k: string): string {
  const v = r.values[k];
  assert.ok(v !== undefined, `line ${r.line}: field ${k} missing`);
  return v;
}
const big = (r: CavpRecord, k: string) => hexToBigInt(field(r, k));
const outOfRange = (e: unknown) => isRsaError(e, 'RSA_INPUT_OUT_OF_RANGE');

describe('NIST CAVP RSADPComponent800_56B (rsadp)', () => {
  // the .txt has two stray lines, "d = " (glued to COUNT = 21) and "d" (after case 21): blanked,
  // counted, so that the strict parser reads the rest (line numbers stay those of the file)
  const lines = readVectorText('nist-cavp/RSADPComponent800_56B.txt').split(/\r?\n/);
  const stray = lines.flatMap((l, i) => (/^d( =)?\s*$/.test(l) ? [i + 1] : []));
  const txt = parseCavp(lines.map((l, i) => (stray.includes(i + 1) ? '' : l)).join('\n'), 'c').records;
  const rsp = loadCavp('RSADPComponent800_56B.rsp', 'c').records;

  test('the .txt (with d) and the .rsp (the response file) hold the same 60 cases: 30 at 1024 bits, 30 at 2048', () => {
    assert.deepEqual(stray, [243, 254], 'the stray "d" lines of the .txt');
    assert.equal(txt.length, 60);
    assert.equal(rsp.length, 60);
    for (const [i, r] of txt.entries()) {
      const s = rsp[i]!;
      for (const k of ['n', 'e', 'c', 'Result', 'k']) assert.equal(s.values[k], r.values[k], `case ${i} (.txt line ${r.line}): ${k}`);
      assert.equal(s.params['mod'], r.params['mod']);
    }
    assert.deepEqual(
      txt.reduce<Record<string, number>>((a, r) => ((a[r.params['mod']!] = (a[r.params['mod']!] ?? 0) + 1), a), {}),
      { 1024: 30, 2048: 30 },
    );
  });

  test('40 ciphertexts decrypt to k; 20 with c ≥ n are refused (RFC 8017 §5.1.2 step 1)', () => {
    const tally = { decrypted: 0, refused: 0 };
    let checkedDefault = false;
    for (const r of txt) {
      const label = `RSADPComponent800_56B.txt line ${r.line} (mod ${r.params['mod']})`;
      const [n, e, d, c] = (['n', 'e', 'd', 'c'] as const).map((k) => big(r, k)) as [bigint, bigint, bigint, bigint];
      const { p, q } = recoverPrimes(n, e, d);
      const comps = { n, e, d, p, q };
      // SP 800-56B's component test draws e about as long as n, far above FIPS 186-5's e < 2^256,
      // which src/rsa enforces by default (a bound on the cost of one public-key operation):
      // these keys need maxExponentBits raised to their e (and minBits lowered for 1024 bits)
      const eBits = bitLength(e);
      assert.ok(eBits > MAX_EXPONENT_BITS, `${label}: e of ${eBits} bits`);
      if (!checkedDefault) {
        assert.throws(() => privateKeyFromComponents(comps, { minBits: 1024 }), (err) => isRsaError(err, 'RSA_LIMIT_EXCEEDED') && err.limit?.option === 'maxExponentBits');
        checkedDefault = true;
      }
      const key: RsaPrivateKey = privateKeyFromComponents(comps, { minBits: 1024, maxExponentBits: eBits });
      assert.equal(key.bits, Number(r.params['mod']), `${label}: modulus size`);
      const { pass } = cavpResult(field(r, 'Result'));
      if (pass) {
        assert.equal(rsadp(key, c), big(r, 'k'), `${label}: k`);
        tally.decrypted++;
      } else {
        assert.ok(c >= n, `${label}: the failing cases are c ≥ n`);
        assert.throws(() => rsadp(key, c), outOfRange, `${label}: refused`);
        tally.refused++;
      }
    }
    assert.deepEqual(tally, { decrypted: 40, refused: 20 });
  });
});

describe('NIST CAVP RSASP1.fax (rsasp1)', () => {
  const { records } = loadCavp('RSASP1.fax', 'EM');
  test('30 cases at 2048 bits: 15 signatures match, 15 with EM ≥ n are refused', () => {
    assert.equal(records.length, 30);
    const tally = { signed: 0, refused: 0 };
    for (const r of records) {
      const label = `RSASP1.fax line ${r.line}`;
      const key = privateKeyFromComponents({ n: big(r, 'n'), e: big(r, 'e'), d: big(r, 'd'), p: big(r, 'p'), q: big(r, 'q') });
      assert.equal(key.bits, Number(r.params['mod']), `${label}: modulus size`);
      const em = big(r, 'EM');
      const s = field(r, 'S');
      if (/^FAIL\b/.test(s)) {
        assert.match(s, /EM larger than modulus/, label);
        assert.ok(em >= key.n, `${label}: EM ≥ n`);
        assert.throws(() => rsasp1(key, em), outOfRange, `${label}: refused`);
        tally.refused++;
      } else {
        assert.equal(rsasp1(key, em), hexToBigInt(s), `${label}: S`);
        tally.signed++;
      }
    }
    assert.deepEqual(tally, { signed: 15, refused: 15 });
  });
});
