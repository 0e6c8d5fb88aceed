/**
 * The identity-certified bundle: a round trip, the signature over every byte (a flip anywhere is
 * refused), another identity's signature, the labelled context (a bundle signature is not a
 * valid signature of anything else), encoding limits, and the checks of a `bundles` entry (the
 * server's fingerprint label must be the key's).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBundle, makeBundle, openBundleEntry, verifyBundle, BUNDLE_LABEL, MAX_BUNDLE_BYTES } from '../../src/e2e/bundle.js';
import { concat, utf8 } from '../../src/e2e/codec.js';
import { nodeE2ECrypto as c } from '../../src/e2e/crypto-node.js';
import { localIdentity, peerIdentity } from '../../src/e2e/identity.js';
import { bytesToBase64, exportPublicKeyDer, pssVerify, type RsaPrivateKey } from '../../src/rsa/index.js';
import { flip, identities, throwsCode } from './helpers.js';

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
before(async () => {
  [alice, bob] = (await identities(2)) as [RsaPrivateKey, RsaPrivateKey];
});

const spkiOf = (k: RsaPrivateKey) => exportPublicKeyDer(k.publicKey, 'spki');

describe('bundle', () => {
  it('round trip: made, decoded, verified under its identity; keys and time as made', () => {
    const b = makeBundle(c, alice, { now: 1234567890123 });
    const id = peerIdentity(c, spkiOf(alice));
    const v = verifyBundle(b.bytes, id);
    assert.deepEqual(v.x25519, b.x25519);
    assert.deepEqual(v.ed25519, b.ed25519);
    assert.equal(v.created, 1234567890123);
    assert.deepEqual(c.ed25519PublicKey(b.ed25519Private), b.ed25519);
    const f = decodeBundle(b.bytes);
    assert.equal(f.v, 1);
    assert.equal(b.bytes.length, 1 + 32 + 32 + 8 + 2 + 256, '2048-bit signature: 331 bytes');
  });

  it('a flip of any byte is refused (malformed or bad signature), never accepted', () => {
    const b = makeBundle(c, alice);
    const id = peerIdentity(c, spkiOf(alice));
    for (let i = 0; i < b.bytes.length; i++) {
      assert.throws(() => verifyBundle(flip(b.bytes, i), id), (e: { code?: string }) => e.code === 'e2e_bad_signature' || e.code === 'e2e_malformed', `byte ${i}`);
    }
  });

  it("another identity's key does not verify it (the identity fingerprint is under the signature)", () => {
    const b = makeBundle(c, alice);
    throwsCode(() => verifyBundle(b.bytes, peerIdentity(c, spkiOf(bob))), 'e2e_bad_signature');
  });

  it('the signature covers the label, the identity fingerprint and the body', () => {
    const b = makeBundle(c, alice);
    const f = decodeBundle(b.bytes);
    const id = localIdentity(c, alice);
    const pss = { hash: 'SHA-256', mgfHash: 'SHA-256', saltLength: 32 } as const;
    assert.equal(pssVerify(alice.publicKey, concat(utf8(BUNDLE_LABEL), Uint8Array.of(0), id.fpBytes, f.body), f.sig, pss), true);
    assert.equal(pssVerify(alice.publicKey, f.body, f.sig, pss), false, 'not a signature of the bare body');
    assert.equal(pssVerify(alice.publicKey, concat(utf8('parley e2e bundle v2'), Uint8Array.of(0), id.fpBytes, f.body), f.sig, pss), false);
  });

  const malformed: [string, (b: Uint8Array) => Uint8Array, string][] = [
    ['empty', () => new Uint8Array(0), 'e2e_malformed'],
    ['version 2', (b) => flip(b, 0, 0x03), 'e2e_malformed'],
    ['truncated', (b) => b.subarray(0, b.length - 1), 'e2e_malformed'],
    ['trailing byte', (b) => concat(b, Uint8Array.of(0)), 'e2e_malformed'],
    ['too large', () => new Uint8Array(MAX_BUNDLE_BYTES + 1), 'e2e_too_large'],
  ];
  for (const [name, mutate, code] of malformed) {
    it(`decode refuses: ${name} → ${code}`, () => {
      const b = makeBundle(c, alice);
      throwsCode(() => decodeBundle(mutate(b.bytes)), code as 'e2e_malformed');
    });
  }

  it('a bundles entry: accepted with the true fingerprint; refused when the server mislabels the key, sends junk or another identity', () => {
    const b = makeBundle(c, alice);
    const key = bytesToBase64(spkiOf(alice));
    const fp = localIdentity(c, alice).fingerprint;
    const ok = openBundleEntry(c, { key, fingerprint: fp, bundle: bytesToBase64(b.bytes) });
    assert.equal(ok.identity.fingerprint, fp);
    throwsCode(() => openBundleEntry(c, { key, fingerprint: localIdentity(c, bob).fingerprint, bundle: bytesToBase64(b.bytes) }), 'e2e_malformed');
    throwsCode(() => openBundleEntry(c, { key: bytesToBase64(spkiOf(bob)), fingerprint: localIdentity(c, bob).fingerprint, bundle: bytesToBase64(b.bytes) }), 'e2e_bad_signature');
    throwsCode(() => openBundleEntry(c, { key: 'not base64!', fingerprint: fp, bundle: bytesToBase64(b.bytes) }), 'e2e_malformed');
    throwsCode(() => openBundleEntry(c, { key, fingerprint: fp, bundle: 'A'.repeat(10_000) }), 'e2e_too_large');
  });
});
