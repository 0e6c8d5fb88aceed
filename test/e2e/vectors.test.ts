/**
 * test/vectors/e2e.json (written by scripts/e2e-vectors.mjs, printed in docs/E2E.md §Test
 * vectors): first the implementation reproduces every value from the same inputs; then each value
 * is re-derived independently with node:crypto (JWK key import, hkdfSync, createHmac,
 * createDecipheriv, crypto.verify, and the bundles' PSS salts through raw RSA and test/helpers/rfc8017.ts) from the formulas of docs/E2E.md alone, so the file — and the
 * document — describe what the code does.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodeCrypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { makeBundle } from '../../src/e2e/bundle.js';
import { decodeDistribution, decodeMessage } from '../../src/e2e/content.js';
import { nodeE2ECrypto as c } from '../../src/e2e/crypto-node.js';
import { parseEnvelope, verifyEnvelope } from '../../src/e2e/envelope.js';
import { resolveLimits } from '../../src/e2e/limits.js';
import { sealDirect, sealDistribution, sealRoomMessage } from '../../src/e2e/outbound.js';
import { derivePairwiseKeys, PairwiseChannel } from '../../src/e2e/pairwise.js';
import { safetyNumber } from '../../src/e2e/safety-number.js';
import { ReceiverChain, SenderChain } from '../../src/e2e/sender-chain.js';
import { base64ToBytes, parsePrivateKey } from '../../src/rsa/index.js';
import { PROJECT_ROOT } from '../helpers/paths.js';
import { emsaPssEncode } from '../helpers/rfc8017.js';
import { hex, unhex } from './helpers.js';

interface PartyJson {
  name: string; rsaPrivateKeyPkcs8: string; spki: string; fingerprint: string; fingerprintBytes: string;
  x25519Private: string; x25519Public: string; ed25519Private: string; ed25519Public: string; created: number; pssSalt: string; bundle: string;
  bundleSignatureInput: string;
}
const V = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test', 'vectors', 'e2e.json'), 'utf8')) as {
  alice: PartyJson; bob: PartyJson;
  pairwise: { lo: string; shared: string; info: string; aliceSendKey: string; aliceReceiveKey: string; channelId: string };
  distribution: { room: string; chainId: string; iteration: number; chainKey: string; seq: number; ts: number; plaintext: string; nonce: string; header: string; body: string; signature: string; signatureInput: string; envelope: string };
  message: { room: string; text: string; seed: string; key: string; nonce: string; nextChainKey: string; plaintext: string; ts: number; header: string; body: string; signature: string; signatureInput: string; envelope: string };
  direct: { text: string; action: boolean; seq: number; plaintext: string; nonce: string; header: string; body: string; signatureInput: string; envelope: string };
  safetyNumber: string;
};

const limits = resolveLimits();
const b = (h: string) => Buffer.from(h, 'hex');
const b64u = (h: string) => b(h).toString('base64url');

function ownOf(p: PartyJson) {
  const key = parsePrivateKey(p.rsaPrivateKeyPkcs8);
  return makeBundle(c, key, { now: p.created, x25519Private: unhex(p.x25519Private), ed25519Private: unhex(p.ed25519Private), pssSalt: unhex(p.pssSalt) });
}

describe('test/vectors/e2e.json: the implementation reproduces it', () => {
  const alice = ownOf(V.alice);
  const bob = ownOf(V.bob);

  it('bundles and fingerprints', () => {
    assert.equal(hex(alice.bytes), V.alice.bundle);
    assert.equal(hex(bob.bytes), V.bob.bundle);
    assert.equal(alice.identity.fingerprint, V.alice.fingerprint);
  });

  it('pairwise keys from both sides', () => {
    const side = (o: typeof alice) => ({ fpBytes: o.identity.fpBytes, x25519: o.x25519, x25519Private: o.x25519Private });
    const ka = derivePairwiseKeys(c, side(alice), side(bob));
    const kb = derivePairwiseKeys(c, side(bob), side(alice));
    assert.deepEqual([hex(ka.sendKey), hex(ka.recvKey), hex(ka.channelId)], [V.pairwise.aliceSendKey, V.pairwise.aliceReceiveKey, V.pairwise.channelId]);
    assert.deepEqual([hex(kb.recvKey), hex(kb.channelId)], [V.pairwise.aliceSendKey, V.pairwise.channelId]);
  });

  it('the distribution, the room message and the direct message, byte for byte; bob opens all three', () => {
    const side = (o: typeof alice) => ({ fpBytes: o.identity.fpBytes, x25519: o.x25519, x25519Private: o.x25519Private });
    let clock = V.distribution.ts;
    const ctx = { crypto: c, selfName: 'alice', own: alice, limits, now: () => clock++ };
    const ch = new PairwiseChannel(c, derivePairwiseKeys(c, side(alice), side(bob)), limits.replayWindow);
    const chain = SenderChain.fromState(c, { chainId: unhex(V.distribution.chainId), iteration: 0, chainKey: unhex(V.distribution.chainKey) });
    const dist = base64ToBytes(sealDistribution(ctx, 'lobby', 'bob', ch, chain));
    const msg = base64ToBytes(sealRoomMessage(ctx, 'lobby', chain, V.message.text, false));
    const dm = base64ToBytes(sealDirect(ctx, 'bob', ch, V.direct.text, true));
    assert.equal(hex(dist), V.distribution.envelope);
    assert.equal(hex(msg), V.message.envelope);
    assert.equal(hex(dm), V.direct.envelope);

    const bobCh = new PairwiseChannel(c, derivePairwiseKeys(c, side(bob), side(alice)), limits.replayWindow);
    const de = parseEnvelope(dist, limits.maxPayloadBytes);
    assert.equal(verifyEnvelope(c, de, alice.ed25519), true);
    const d = decodeDistribution(bobCh.open(de.seq, de.body, de.headerBytes));
    const rc = new ReceiverChain(c, d);
    const me = parseEnvelope(msg, limits.maxPayloadBytes);
    assert.equal(verifyEnvelope(c, me, alice.ed25519), true);
    const k = rc.keyFor(me.seq);
    assert.equal(decodeMessage(c, c.aeadOpen(k.key, k.nonce, me.body, me.headerBytes), limits.maxTextBytes).text, V.message.text);
    const dme = parseEnvelope(dm, limits.maxPayloadBytes);
    assert.deepEqual(decodeMessage(c, bobCh.open(dme.seq, dme.body, dme.headerBytes), limits.maxTextBytes), { text: V.direct.text, action: true, hashOk: true });
  });

  it('the safety number', () => {
    assert.equal(safetyNumber(c, { name: 'alice', spki: alice.identity.spki }, { name: 'bob', spki: bob.identity.spki }), V.safetyNumber);
  });
});

describe('test/vectors/e2e.json: re-derived independently with node:crypto from docs/E2E.md', () => {
  const pss = (spki: string) => ({ key: nodeCrypto.createPublicKey({ key: b(spki), format: 'der', type: 'spki' }), padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  const sha256 = (x: Uint8Array) => nodeCrypto.createHash('sha256').update(x).digest();
  const x25519Priv = (d: string, x: string) => nodeCrypto.createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64u(d), x: b64u(x) }, format: 'jwk' });
  const x25519Pub = (x: string) => nodeCrypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(x) }, format: 'jwk' });
  const ed25519Pub = (x: string) => nodeCrypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(x) }, format: 'jwk' });
  const gcmOpen = (key: Buffer, nonce: Buffer, body: Buffer, aad: Buffer) => {
    const dc = nodeCrypto.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
    dc.setAAD(aad);
    dc.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([dc.update(body.subarray(0, body.length - 16)), dc.final()]);
  };
  const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

  for (const p of [V.alice, V.bob]) {
    it(`${p.name}: fingerprint = SHA-256(SPKI); bundle = 01 ‖ X25519 ‖ Ed25519 ‖ u64 created ‖ u16 len ‖ RSA-PSS over label ‖ 00 ‖ fp ‖ body`, () => {
      assert.equal(sha256(b(p.spki)).toString('hex'), p.fingerprintBytes);
      assert.equal('SHA256:' + sha256(b(p.spki)).toString('base64').replace(/=+$/, ''), p.fingerprint);
      const bundle = b(p.bundle);
      const body = bundle.subarray(0, 73);
      assert.equal(body[0], 1);
      assert.equal(body.subarray(1, 33).toString('hex'), p.x25519Public);
      assert.equal(body.subarray(33, 65).toString('hex'), p.ed25519Public);
      assert.equal(Number(body.readBigUInt64BE(65)), p.created);
      const sigLen = bundle.readUInt16BE(73);
      assert.equal(bundle.length, 75 + sigLen);
      const input = Buffer.concat([Buffer.from('parley e2e bundle v1'), Buffer.of(0), b(p.fingerprintBytes), body]);
      assert.equal(input.toString('hex'), p.bundleSignatureInput);
      assert.equal(nodeCrypto.verify('sha256', input, pss(p.spki), bundle.subarray(75)), true);
      // the recorded salt: s^e mod n is EMSA-PSS-ENCODE(input, salt) (RFC 8017 §8.1.2, §9.1.1)
      const em = nodeCrypto.publicDecrypt({ key: pss(p.spki).key, padding: nodeCrypto.constants.RSA_NO_PADDING }, bundle.subarray(75));
      assert.equal(em.toString('hex'), emsaPssEncode(input, b(p.pssSalt), 8 * sigLen).toString('hex'));
      // the public keys belong to the private ones
      assert.equal(nodeCrypto.createPublicKey(x25519Priv(p.x25519Private, p.x25519Public)).export({ format: 'jwk' }).x, b64u(p.x25519Public));
      const edPriv = nodeCrypto.createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64u(p.ed25519Private), x: b64u(p.ed25519Public) }, format: 'jwk' });
      assert.equal(nodeCrypto.createPublicKey(edPriv).export({ format: 'jwk' }).x, b64u(p.ed25519Public));
    });
  }

  it('pairwise: X25519 then HKDF-SHA-256(shared, 0³², "parley e2e pairwise v1" ‖ 00 ‖ fp_lo ‖ fp_hi ‖ X_lo ‖ X_hi, 80)', () => {
    const shared = nodeCrypto.diffieHellman({ privateKey: x25519Priv(V.alice.x25519Private, V.alice.x25519Public), publicKey: x25519Pub(V.bob.x25519Public) });
    assert.equal(shared.toString('hex'), V.pairwise.shared);
    const [lo, hi] = V.pairwise.lo === 'alice' ? [V.alice, V.bob] : [V.bob, V.alice];
    assert.ok(lo.fingerprintBytes < hi.fingerprintBytes);
    const info = Buffer.concat([Buffer.from('parley e2e pairwise v1'), Buffer.of(0), b(lo.fingerprintBytes), b(hi.fingerprintBytes), b(lo.x25519Public), b(hi.x25519Public)]);
    assert.equal(info.toString('hex'), V.pairwise.info);
    const okm = Buffer.from(nodeCrypto.hkdfSync('sha256', shared, Buffer.alloc(32), info, 80));
    const [loHi, hiLo] = [okm.subarray(0, 32).toString('hex'), okm.subarray(32, 64).toString('hex')];
    assert.equal(V.pairwise.aliceSendKey, V.pairwise.lo === 'alice' ? loHi : hiLo);
    assert.equal(V.pairwise.aliceReceiveKey, V.pairwise.lo === 'alice' ? hiLo : loHi);
    assert.equal(okm.subarray(64).toString('hex'), V.pairwise.channelId);
  });

  /** Splits an envelope by the byte layout of docs/E2E.md §Envelope. */
  function fields(envHex: string) {
    const e = b(envHex);
    let o = 0;
    const str = () => {
      const n = e[o]!;
      const s = e.subarray(o + 1, o + 1 + n).toString('utf8');
      o += 1 + n;
      return s;
    };
    const version = e[o++];
    const kind = e[o++];
    const room = str();
    const to = str();
    const sender = str();
    const fp = e.subarray(o, (o += 32)).toString('hex');
    const chainId = e.subarray(o, (o += 16)).toString('hex');
    const seq = e.readUInt32BE(o);
    o += 4;
    const ts = Number(e.readBigUInt64BE(o));
    o += 8;
    const header = e.subarray(0, o);
    const len = e.readUInt32BE(o);
    const body = e.subarray(o + 4, o + 4 + len);
    const signed = e.subarray(0, o + 4 + len);
    const sig = e.subarray(o + 4 + len);
    assert.equal(sig.length, 64);
    return { version, kind, room, to, sender, fp, chainId, seq, ts, header, body, signed, sig };
  }
  const label = (kind: number) => ['', 'parley e2e room message v1', 'parley e2e direct message v1', 'parley e2e key distribution v1'][kind]!;
  const edInput = (f: ReturnType<typeof fields>) => Buffer.concat([Buffer.from(label(f.kind!)), Buffer.of(0), f.signed]).toString('hex');
  const edVerify = (f: ReturnType<typeof fields>) => nodeCrypto.verify(null, b(edInput(f)), ed25519Pub(V.alice.ed25519Public), f.sig);
  const pairKey = () => b(V.pairwise.aliceSendKey);

  it('distribution: envelope fields, Ed25519 over label ‖ 00 ‖ header ‖ u32 len ‖ body, pairwise AES-GCM with nonce 0⁴ ‖ u64 seq and AAD = header', () => {
    const f = fields(V.distribution.envelope);
    assert.deepEqual([f.version, f.kind, f.room, f.to, f.sender, f.fp, f.chainId, f.seq, f.ts], [1, 3, 'lobby', 'bob', 'alice', V.alice.fingerprintBytes, V.pairwise.channelId, 0, V.distribution.ts]);
    assert.equal(edInput(f), V.distribution.signatureInput);
    assert.equal(edVerify(f), true);
    const pt = gcmOpen(pairKey(), b(V.distribution.nonce), f.body, f.header);
    assert.equal(pt.toString('hex'), V.distribution.plaintext);
    // 01 ‖ str8 room ‖ chain id ‖ u32 iteration ‖ chain key
    assert.equal(pt.toString('hex'), '01' + '05' + Buffer.from('lobby').toString('hex') + V.distribution.chainId + u32(0).toString('hex') + V.distribution.chainKey);
  });

  it('room message: seed = HMAC(ck, 01), key ‖ nonce = HKDF(seed, 0³², "parley e2e chain v1", 44); AES-GCM with AAD = header; plaintext 01 ‖ flags ‖ SHA-256(text) ‖ text', () => {
    const ck = b(V.distribution.chainKey);
    const seed = nodeCrypto.createHmac('sha256', ck).update(Buffer.of(1)).digest();
    assert.equal(seed.toString('hex'), V.message.seed);
    assert.equal(nodeCrypto.createHmac('sha256', ck).update(Buffer.of(2)).digest('hex'), V.message.nextChainKey);
    const okm = Buffer.from(nodeCrypto.hkdfSync('sha256', seed, Buffer.alloc(32), 'parley e2e chain v1', 44));
    assert.deepEqual([okm.subarray(0, 32).toString('hex'), okm.subarray(32).toString('hex')], [V.message.key, V.message.nonce]);
    const f = fields(V.message.envelope);
    assert.deepEqual([f.kind, f.room, f.to, f.sender, f.chainId, f.seq], [1, 'lobby', '', 'alice', V.distribution.chainId, 0]);
    assert.equal(edInput(f), V.message.signatureInput);
    assert.equal(edVerify(f), true);
    const pt = gcmOpen(okm.subarray(0, 32), okm.subarray(32), f.body, f.header);
    const text = Buffer.from(V.message.text, 'utf8');
    assert.equal(pt.toString('hex'), '0100' + sha256(text).toString('hex') + text.toString('hex'));
  });

  it('direct message: kind 2, to bob, pairwise sequence 1, flags 01 (action)', () => {
    const f = fields(V.direct.envelope);
    assert.deepEqual([f.kind, f.room, f.to, f.chainId, f.seq], [2, '', 'bob', V.pairwise.channelId, 1]);
    assert.equal(edInput(f), V.direct.signatureInput);
    assert.equal(edVerify(f), true);
    const pt = gcmOpen(pairKey(), b(V.direct.nonce), f.body, f.header);
    const text = Buffer.from(V.direct.text, 'utf8');
    assert.equal(pt.toString('hex'), '0101' + sha256(text).toString('hex') + text.toString('hex'));
  });

  it('safety number: per party 5,200 × SHA-512 from 00 00 ‖ SPKI ‖ name; six 5-byte chunks mod 100000; sorted', () => {
    const digits = (p: PartyJson) => {
      const key = b(p.spki);
      let h: Buffer = Buffer.concat([Buffer.of(0, 0), key, Buffer.from(p.name)]);
      for (let i = 0; i < 5200; i++) h = nodeCrypto.createHash('sha512').update(h).update(key).digest();
      return Array.from({ length: 6 }, (_, i) => String(Number(h.readUIntBE(5 * i, 5) % 100000)).padStart(5, '0')).join('');
    };
    const [x, y] = [digits(V.alice), digits(V.bob)].sort();
    assert.equal(x! + y!, V.safetyNumber);
  });
});
