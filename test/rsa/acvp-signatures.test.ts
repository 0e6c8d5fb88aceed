/**
 * NIST ACVP sample vectors (../shared/vectors/acvp) of RSA signatures, FIPS 186-2/-4/-5:
 *  - SigVer: testPassed true must verify, false must not (message, key or signature modified,
 *    the hash moved, the trailer changed), counted by NIST's reason;
 *  - SigGen ("GDT": an implementation signed with its own key, only n and e are given): each
 *    signature must verify, and not for an altered message.
 * What src/rsa does not implement is counted, by reason, and never run as if it passed: ANSI X9.31
 * signatures, SP 800-106 randomized hashing, and PSS mask functions other than MGF1 with a fixed
 * hash or, with SHAKE128/256, the XOF itself (RFC 8702 §3.1); FIPS 186-5 also allows MGF1 over
 * SHAKE and a SHAKE mask with another hash. See docs/VECTORS.md.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  getHash,
  isRsaError,
  pkcs1v15Verify,
  pssVerify,
  publicKeyFromComponents,
  type HashName,
  type RsaPublicKey,
} from '../../src/rsa/index.js';
import { acvpCount, acvpHash, loadAcvp } from '../helpers/acvp.js';
import { hex, hexToBigInt } from '../helpers/vectors.js';

interface SigGroup {
  tgId: number;
  sigType: 'pkcs1v1.5' | 'pss' | 'ansx9.31';
  modulo: number;
  hashAlg: string;
  saltLen: number;
  /** FIPS 186-5 files: 'none' (v1.5), 'mgf1', 'shake-128', 'shake-256'. */
  maskFunction?: string;
  /** 'SP800-106' for randomized hashing; absent or '' otherwise. */
  conformance?: string;
  n: string;
  e: string;
  tests: { tcId: number; message: string; signature: string; testPassed?: boolean; reason?: string }[];
}

type Tally = Record<string, number>;
const add = (t: Tally, k: string, n = 1) => (t[k] = (t[k] ?? 0) + n);

/** Why a group cannot run here, or undefined when src/rsa implements its scheme. */
function notImplemented(g: SigGroup): string | undefined {
  if (g.sigType === 'ansx9.31') return 'ANSI X9.31 signatures';
  if (g.conformance === 'SP800-106') return 'SP 800-106 randomized hashing';
  if (g.sigType === 'pkcs1v1.5') {
    assert.ok(g.maskFunction === undefined || g.maskFunction === 'none', `group ${g.tgId}: v1.5 with a mask function`);
    return undefined;
  }
  assert.equal(g.sigType, 'pss', `group ${g.tgId}: unknown signature type`);
  const hash = getHash(acvpHash(g.hashAlg));
  const mask = g.maskFunction ?? 'mgf1';
  if (mask === 'mgf1') return hash.xof ? 'PSS with MGF1 over SHAKE' : undefined;
  assert.match(mask, /^shake-(128|256)$/, `group ${g.tgId}: unknown mask function`);
  return acvpHash(mask.toUpperCase()) === hash.name ? undefined : 'PSS with a SHAKE mask and another hash';
}

/** The verifier of a group src/rsa implements. */
function verifier(g: SigGroup): (key: RsaPublicKey, msg: Uint8Array, sig: Uint8Array) => boolean {
  const hash: HashName = acvpHash(g.hashAlg);
  // FIPS 186-5 PSS: MGF1 with the message hash; with SHAKE the XOF is its own mask (RFC 8702 §3.1)
  if (g.sigType === 'pss') return (key, msg, sig) => pssVerify(key, msg, sig, { hash, saltLength: g.saltLen });
  return (key, msg, sig) => pkcs1v15Verify(key, msg, sig, { hash });
}

/** What the library does with a scheme it does not implement: no false "valid". */
function assertNotAccepted(g: SigGroup, key: RsaPublicKey): void {
  const t = g.tests.find((x) => x.testPassed !== false)!;
  const hash = acvpHash(g.hashAlg);
  if (g.sigType === 'pss' && g.maskFunction?.startsWith('shake') && !getHash(hash).xof) {
    // a SHAKE mask cannot be asked for as the MGF1 hash of a fixed hash: refused, not approximated
    assert.throws(() => pssVerify(key, hex(t.message), hex(t.signature), { hash, mgfHash: acvpHash(g.maskFunction!.toUpperCase()), saltLength: g.saltLen }), (e) => isRsaError(e, 'RSA_UNSUPPORTED'));
  } else if (g.sigType === 'pss' && g.conformance !== 'SP800-106') {
    // a SHAKE hash always uses its own XOF as the mask: a signature made with another mask does not verify
    assert.equal(pssVerify(key, hex(t.message), hex(t.signature), { hash, saltLength: g.saltLen }), false, `group ${g.tgId}: not verified under RFC 8702's mask`);
  }
}

const keyOf = (g: SigGroup) => publicKeyFromComponents({ n: hexToBigInt(g.n), e: hexToBigInt(g.e) }, { minBits: 1024 });

type Verify = ReturnType<typeof verifier>;
/**
 * Every group of `file`: its key (whose size must be the group's), then either the refusal of a
 * scheme src/rsa does not implement (counted in `tally` by reason) or `each` on every test case.
 */
function forEachGroup(file: { testGroups: SigGroup[] }, tally: Tally, each: (g: SigGroup, t: SigGroup['tests'][number], key: RsaPublicKey, verify: Verify) => void): void {
  for (const g of file.testGroups) {
    const key = keyOf(g);
    assert.equal(key.bits, g.modulo, `group ${g.tgId}: modulus size`);
    const skip = notImplemented(g);
    if (skip) {
      assertNotAccepted(g, key);
      add(tally, `not implemented: ${skip}`, g.tests.length);
      continue;
    }
    const verify = verifier(g);
    for (const t of g.tests) each(g, t, key, verify);
  }
}

// ---------------------------------------------------------------------------------------------
// SigVer

const NO_MODIFICATION = 'No modification, i.e., "testPassed": true expected';

for (const [dir, total, expected] of [
  ['RSA-SigVer-FIPS186-2', 540, { verified: 60, rejected: 300, 'not implemented: ANSI X9.31 signatures': 180 }],
  ['RSA-SigVer-FIPS186-4', 432, { verified: 48, rejected: 240, 'not implemented: ANSI X9.31 signatures': 144 }],
  [
    'RSA-SigVer-FIPS186-5',
    270,
    { verified: 27, rejected: 135, 'not implemented: PSS with MGF1 over SHAKE': 36, 'not implemented: PSS with a SHAKE mask and another hash': 72 },
  ],
] as const) {
  describe(`ACVP ${dir} (verification)`, () => {
    const file = loadAcvp<SigGroup>(dir, 'sigVer');
    const tally: Tally = {};
    const reasons: Tally = {};
    test(`${file.testGroups.length} groups: testPassed true verifies, false does not`, () => {
      forEachGroup(file, tally, (g, t, key, verify) => {
        const label = `group ${g.tgId} (${g.sigType}, ${g.hashAlg}) tcId ${t.tcId} (${t.reason})`;
        assert.equal(t.testPassed, t.reason === NO_MODIFICATION, `${label}: reason and result agree`);
        assert.equal(verify(key, hex(t.message), hex(t.signature)), t.testPassed, label);
        add(tally, t.testPassed ? 'verified' : 'rejected');
        add(reasons, t.reason!);
      });
      assert.equal(acvpCount(file), total);
      assert.deepEqual(tally, expected);
      // each of the five modifications appears equally often and every one was rejected
      const n = expected.verified;
      assert.deepEqual(reasons, {
        [NO_MODIFICATION]: n,
        'Message modified': n,
        'Key modified': n,
        'Signature modified': n,
        'IR moved from expected location': n,
        'IR trailer modified from expected value': n,
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// SigGen (the implementation's own signatures): they must verify

for (const [dir, total, expected] of [
  ['RSA-SigGen-FIPS186-4', 108, { verified: 36, 'not implemented: ANSI X9.31 signatures': 36, 'not implemented: SP 800-106 randomized hashing': 36 }],
  [
    'RSA-SigGen-FIPS186-5',
    96,
    {
      verified: 29,
      'not implemented: SP 800-106 randomized hashing': 45,
      'not implemented: PSS with MGF1 over SHAKE': 10,
      'not implemented: PSS with a SHAKE mask and another hash': 12,
    },
  ],
] as const) {
  describe(`ACVP ${dir} (signatures made by an implementation verify)`, () => {
    const file = loadAcvp<SigGroup>(dir, 'sigGen');
    test(`${file.testGroups.length} groups: each signature verifies, and not for an altered message`, () => {
      const tally: Tally = {};
      forEachGroup(file, tally, (g, t, key, verify) => {
        const label = `group ${g.tgId} (${g.sigType}, ${g.hashAlg}, ${g.maskFunction ?? 'mgf1'}) tcId ${t.tcId}`;
        const msg = hex(t.message);
        assert.equal(verify(key, msg, hex(t.signature)), true, `${label}: verifies`);
        const altered = msg.length ? msg.map((b, i) => (i === 0 ? b ^ 1 : b)) : Uint8Array.of(0);
        assert.equal(verify(key, altered, hex(t.signature)), false, `${label}: not for an altered message`);
        add(tally, 'verified');
      });
      assert.equal(acvpCount(file), total);
      assert.deepEqual(tally, expected);
    });
  });
}
