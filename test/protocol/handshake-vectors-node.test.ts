/**
 * test/vectors/handshake.json re-derived with node:crypto alone from docs/PROTOCOL.md: each input
 * from its label and each RSA prime from its labels; X25519 from raw keys; HKDF with hkdfSync;
 * the signatures with crypto.verify and, through RFC 8017's encodings written out in
 * test/helpers/rfc8017.ts and raw RSA, their salts; the secrets with privateDecrypt and their OAEP
 * seeds; fingerprints from the SPKI DER; layouts from the document's tables; frames and tickets
 * with createDecipheriv. Nothing from src/ is used but PROTOCOL_VERSION and SUBPROTOCOL.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodeCrypto from 'node:crypto';
import { PROTOCOL_VERSION, SUBPROTOCOL } from '../../src/protocol/index.js';
import { emeOaepEncode, emsaPssEncode } from '../helpers/rfc8017.js';
import { ascii, b, cat, derived, H, R, recorded, sha256, V, type FrameJson, type IdentityJson } from './handshake-vectors-helpers.js';

describe('test/vectors/handshake.json: re-derived with node:crypto alone from docs/PROTOCOL.md', () => {
  const C = V.client;
  const S = V.server;
  const priv = (id: IdentityJson) => nodeCrypto.createPrivateKey(id.rsaPrivateKeyPkcs8);
  const pub = (id: IdentityJson) => nodeCrypto.createPublicKey(id.rsaPrivateKeyPkcs8);
  const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: string, n: number) => Buffer.from(nodeCrypto.hkdfSync('sha256', ikm, salt, ascii(info), n));
  const hmac = (key: Uint8Array, data: Uint8Array) => nodeCrypto.createHmac('sha256', key).update(data).digest();
  const u16 = (buf: Buffer, at: number) => buf.readUInt16BE(at);
  // RFC 8410 §7: PKCS #8 of a raw X25519 private key
  const X25519_PKCS8 = b('302e020100300506032b656e04220420');
  const x25519Priv = (d: string) => nodeCrypto.createPrivateKey({ key: cat(X25519_PKCS8, b(d)), format: 'der', type: 'pkcs8' });
  const x25519Pub = (x: string) => nodeCrypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b(x).toString('base64url') }, format: 'jwk' });
  const gcmOpen = (key: Buffer, nonce: Buffer, sealed: Buffer, aad: Buffer) => {
    const d = nodeCrypto.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
  };
  const fp = (spki: Buffer) => 'SHA256:' + sha256(spki).toString('base64').replace(/=+$/, '');
  const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  const u64 = (n: number) => cat(u32(Math.floor(n / 2 ** 32)), u32(n >>> 0));

  it('every random input is SHA-256(labelPrefix ‖ label), cut to its length; X25519 publics belong to the privates', () => {
    for (const [label, value] of recorded) assert.equal(value, derived(label, value.length / 2).toString('hex'), label);
    for (const p of [H.inputs.clientEphemeral, H.inputs.serverEphemeral, R.inputs.clientEphemeral, R.inputs.serverEphemeral])
      assert.equal(nodeCrypto.createPublicKey(x25519Priv(p.private)).export({ format: 'jwk' }).x, b(p.public).toString('base64url'), p.label);
  });

  for (const id of [C, S]) {
    it(`${id === C ? 'client' : 'server'} identity: primes as derived, 2048 bits, e = 65537; SPKI and fingerprint = "SHA256:" ‖ unpadded base64(SHA-256(SPKI))`, () => {
      const j = priv(id).export({ format: 'jwk' });
      const big = (s: string | undefined) => BigInt('0x' + Buffer.from(s!, 'base64url').toString('hex'));
      assert.equal(big(j.e), 65537n);
      assert.equal(big(j.n).toString(2).length, id.modulusBits);
      assert.equal(id.modulusBits, 2048);
      const primes = [big(j.p), big(j.q)].sort((x, y) => (x < y ? -1 : 1));
      const wanted = id.primeLabels.map((label) => {
        const seed = cat(...[0, 1, 2, 3].map((i) => sha256(ascii(`${V.labelPrefix}${label}/${i}`))));
        let p = BigInt('0x' + seed.toString('hex')) | (3n << 1022n) | 1n;
        const gcdOk = (x: bigint) => { let [a, c] = [x - 1n, 65537n]; while (c) [a, c] = [c, a % c]; return a === 1n; };
        while (!(nodeCrypto.checkPrimeSync(p) && gcdOk(p))) p += 2n; // the first acceptable prime above the seed
        return p;
      }).sort((x, y) => (x < y ? -1 : 1));
      assert.deepEqual(primes, wanted);
      const spki = pub(id).export({ format: 'der', type: 'spki' });
      assert.equal(spki.toString('hex'), id.spki);
      assert.equal(spki.length, 294);
      assert.equal(sha256(spki).toString('hex'), id.spkiSha256);
      assert.equal(fp(spki), id.fingerprint);
    });
  }

  it('ClientHello: 01 ‖ 02 ‖ client_nonce ‖ client_ephemeral ‖ u16 Lk ‖ SPKI ‖ u8 Ln ‖ name (69 + Lk + Ln bytes)', () => {
    const m = b(H.clientHello);
    assert.deepEqual([m[0], m[1]], [0x01, PROTOCOL_VERSION]);
    assert.equal(V.protocolVersion, PROTOCOL_VERSION);
    assert.equal(V.subprotocol, SUBPROTOCOL);
    assert.equal(m.subarray(2, 34).toString('hex'), H.inputs.clientNonce.value);
    assert.equal(m.subarray(34, 66).toString('hex'), H.inputs.clientEphemeral.public);
    const lk = u16(m, 66);
    assert.equal(m.subarray(68, 68 + lk).toString('hex'), C.spki);
    const ln = m[68 + lk]!;
    assert.equal(m.subarray(69 + lk, 69 + lk + ln).toString('ascii'), C.name);
    assert.equal(m.length, 69 + lk + ln);
    assert.equal(m.length, 368);
  });

  it('ServerHello: layout; PSS signature over "parley/1 server signature" ‖ 00 ‖ ClientHello ‖ ServerHello[0..70+Lk+Lw) with the recorded salt; OAEP-wrapped server_secret with the recorded seed', () => {
    const m = b(H.serverHello);
    assert.deepEqual([m[0], m[1]], [0x02, PROTOCOL_VERSION]);
    assert.equal(m.subarray(2, 34).toString('hex'), H.inputs.serverNonce.value);
    assert.equal(m.subarray(34, 66).toString('hex'), H.inputs.serverEphemeral.public);
    const lk = u16(m, 66);
    assert.equal(m.subarray(68, 68 + lk).toString('hex'), S.spki);
    const lw = u16(m, 68 + lk);
    assert.equal(lw, 256); // = kc
    const wrapped = m.subarray(70 + lk, 70 + lk + lw);
    assert.equal(wrapped.toString('hex'), H.serverSecretWrapped);
    const ls = u16(m, 70 + lk + lw);
    assert.equal(ls, 256); // = ks
    const sig = m.subarray(72 + lk + lw);
    assert.equal(sig.length, ls);
    assert.equal(sig.toString('hex'), H.serverSignature);
    assert.equal(m.length, 878);
    const input = cat(ascii('parley/1 server signature'), Buffer.of(0), b(H.clientHello), m.subarray(0, 70 + lk + lw));
    assert.equal(input.toString('hex'), H.serverSignatureInput);
    assert.equal(sha256(input).toString('hex'), H.serverSignatureInputSha256); // mHash of EMSA-PSS
    assert.equal(nodeCrypto.verify('sha256', input, { key: pub(S), padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig), true);
    // the salt: s^e mod n is EMSA-PSS-ENCODE(input, salt) (RFC 8017 §8.1.2, §9.1.1)
    const em = nodeCrypto.publicDecrypt({ key: pub(S), padding: nodeCrypto.constants.RSA_NO_PADDING }, sig);
    assert.equal(em.toString('hex'), emsaPssEncode(input, b(H.inputs.serverPssSalt.value), 2048).toString('hex'));
    const label = ascii('parley/1 server secret');
    const secret = nodeCrypto.privateDecrypt({ key: priv(C), padding: nodeCrypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label }, wrapped);
    assert.equal(secret.toString('hex'), H.inputs.serverSecret.value);
    // the seed: RSAEP(EME-OAEP-ENCODE(secret, label, seed)) is the recorded ciphertext (RFC 8017 §7.1.1)
    const again = nodeCrypto.publicEncrypt({ key: pub(C), padding: nodeCrypto.constants.RSA_NO_PADDING }, emeOaepEncode(secret, label, b(H.inputs.serverOaepSeed.value), 256));
    assert.equal(again.toString('hex'), H.serverSecretWrapped);
  });

  it('ClientFinish: layout; PSS signature over "parley/1 client signature" ‖ 00 ‖ ClientHello ‖ ServerHello ‖ ClientFinish[0..4+Lw); OAEP-wrapped client_secret', () => {
    const m = b(H.clientFinish);
    assert.deepEqual([m[0], m[1]], [0x03, PROTOCOL_VERSION]);
    const lw = u16(m, 2);
    assert.equal(lw, 256); // = ks
    const wrapped = m.subarray(4, 4 + lw);
    assert.equal(wrapped.toString('hex'), H.clientSecretWrapped);
    const ls = u16(m, 4 + lw);
    assert.equal(ls, 256); // = kc
    const sig = m.subarray(6 + lw);
    assert.equal(sig.toString('hex'), H.clientSignature);
    assert.equal(m.length, 518);
    const input = cat(ascii('parley/1 client signature'), Buffer.of(0), b(H.clientHello), b(H.serverHello), m.subarray(0, 4 + lw));
    assert.equal(input.toString('hex'), H.clientSignatureInput);
    assert.equal(sha256(input).toString('hex'), H.clientSignatureInputSha256);
    assert.equal(nodeCrypto.verify('sha256', input, { key: pub(C), padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig), true);
    const em = nodeCrypto.publicDecrypt({ key: pub(C), padding: nodeCrypto.constants.RSA_NO_PADDING }, sig);
    assert.equal(em.toString('hex'), emsaPssEncode(input, b(H.inputs.clientPssSalt.value), 2048).toString('hex'));
    const label = ascii('parley/1 client secret');
    const secret = nodeCrypto.privateDecrypt({ key: priv(S), padding: nodeCrypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label }, wrapped);
    assert.equal(secret.toString('hex'), H.inputs.clientSecret.value);
    const again = nodeCrypto.publicEncrypt({ key: pub(S), padding: nodeCrypto.constants.RSA_NO_PADDING }, emeOaepEncode(secret, label, b(H.inputs.clientOaepSeed.value), 256));
    assert.equal(again.toString('hex'), H.clientSecretWrapped);
  });

  it('key schedule: X25519 both ways, ikm, transcript = SHA-256 of the three messages, HKDF "parley/1 session keys" 88 split 32/32/12/12, resumption secret', () => {
    const s1 = nodeCrypto.diffieHellman({ privateKey: x25519Priv(H.inputs.clientEphemeral.private), publicKey: x25519Pub(H.inputs.serverEphemeral.public) });
    const s2 = nodeCrypto.diffieHellman({ privateKey: x25519Priv(H.inputs.serverEphemeral.private), publicKey: x25519Pub(H.inputs.clientEphemeral.public) });
    assert.deepEqual([s1.toString('hex'), s2.toString('hex')], [H.shared, H.shared]);
    const ikm = cat(s1, b(H.inputs.clientSecret.value), b(H.inputs.serverSecret.value));
    assert.equal(ikm.toString('hex'), H.ikm);
    const th = sha256(b(H.clientHello), b(H.serverHello), b(H.clientFinish));
    assert.equal(th.toString('hex'), H.transcriptHash);
    const okm = hkdf(ikm, th, 'parley/1 session keys', 88);
    assert.equal(okm.toString('hex'), H.okm);
    assert.deepEqual([okm.subarray(0, 32), okm.subarray(32, 64), okm.subarray(64, 76), okm.subarray(76, 88)].map((x) => x.toString('hex')), [H.keyC2s, H.keyS2c, H.ivC2s, H.ivS2c]);
    assert.equal(hkdf(ikm, th, 'parley/1 resumption secret', 32).toString('hex'), H.resumptionSecret);
  });

  /** A frame: 10 ‖ u64 counter ‖ AES-256-GCM(key, iv XOR (0⁴ ‖ u64 counter), plaintext, AAD = the 9 header bytes). */
  function checkFrame(f: FrameJson, key: string, iv: string) {
    const m = b(f.frame);
    const header = cat(Buffer.of(0x10), u64(f.counter));
    assert.equal(header.toString('hex'), f.header);
    assert.deepEqual(m.subarray(0, 9), header);
    const nonce = Buffer.from(b(iv).map((v, i) => v ^ cat(Buffer.alloc(4), u64(f.counter))[i]!));
    assert.equal(nonce.toString('hex'), f.nonce);
    assert.equal(gcmOpen(b(key), nonce, m.subarray(9), header).toString('utf8'), f.plaintext);
    assert.equal(m.length, 9 + Buffer.byteLength(f.plaintext) + 16);
  }

  it('frames: the first client → server frame under key_c2s, the first server → client frame under key_s2c', () => {
    const [c2s, s2c] = V.frames as [FrameJson, FrameJson];
    checkFrame(c2s, H.keyC2s, H.ivC2s);
    checkFrame(s2c, H.keyS2c, H.ivS2c);
    assert.deepEqual([c2s.counter, s2c.counter], [0, 0]);
  });

  /** Opens a ticket (format ‖ version ‖ u32 epoch ‖ nonce ‖ AES-256-GCM(contents, AAD = header)) and checks its contents. */
  function openTicket(ticketHex: string, c: { epoch: number; nonce: string; issuedAt: number; authenticatedAt: number; lifetimeMs: number; secret: string }): Buffer {
    const t = b(ticketHex);
    assert.deepEqual([t[0], t[1], t.readUInt32BE(2), t.subarray(6, 18).toString('hex')], [0x01, PROTOCOL_VERSION, c.epoch, c.nonce]);
    const pt = gcmOpen(b(R.ticketKey), t.subarray(6, 18), t.subarray(18), t.subarray(0, 18));
    const spki = b(C.spki);
    const expected = cat(u64(c.issuedAt), u64(c.authenticatedAt), u32(c.lifetimeMs), b(c.secret), Buffer.from([spki.length >> 8, spki.length & 255]), spki,
      Buffer.of(C.name.length), ascii(C.name), Buffer.of(C.fingerprint.length), ascii(C.fingerprint));
    assert.equal(pt.toString('hex'), expected.toString('hex'));
    return pt;
  }

  it('ticket: key = HKDF(I2OSP(min(p,q), k) ‖ I2OSP(max(p,q), k), SHA-256(server SPKI), "parley/1 ticket key" ‖ u32 epoch, 32); its header and contents', () => {
    const j = priv(S).export({ format: 'jwk' });
    const [lo, hi] = [Buffer.from(j.p!, 'base64url'), Buffer.from(j.q!, 'base64url')].sort(Buffer.compare);
    const i2osp = (x: Buffer) => cat(Buffer.alloc(256 - x.length), x);
    assert.equal(R.epoch, Math.floor(R.issuedAt / R.ticketOptions.epochMs));
    assert.equal(lo!.length, 128); // each prime is k/2 bytes: I2OSP pads it to k
    const info = cat(ascii('parley/1 ticket key'), u32(R.epoch));
    assert.equal(Buffer.from(nodeCrypto.hkdfSync('sha256', cat(i2osp(lo!), i2osp(hi!)), sha256(b(S.spki)), info, 32)).toString('hex'), R.ticketKey);
    const pt = openTicket(R.ticket, { epoch: R.epoch, nonce: R.ticketNonce.value, issuedAt: R.issuedAt, authenticatedAt: R.issuedAt, lifetimeMs: R.ticketLifetimeMs, secret: H.resumptionSecret });
    assert.equal(pt.toString('hex'), R.ticketPlaintext);
    assert.equal(b(R.ticket).length, 439);
  });

  it('resumption: ResumeHello = ClientHello fields ‖ u16 Lt ‖ ticket; ResumeServerHello; Finished keys and MACs; resumed keys; next secret; first frame; next ticket', () => {
    const rh = b(R.resumeHello);
    assert.deepEqual([rh[0], rh[1]], [0x04, PROTOCOL_VERSION]);
    assert.equal(rh.subarray(2, 34).toString('hex'), R.inputs.clientNonce.value);
    assert.equal(rh.subarray(34, 66).toString('hex'), R.inputs.clientEphemeral.public);
    const lk = u16(rh, 66);
    assert.equal(rh.subarray(68, 68 + lk).toString('hex'), C.spki);
    const ln = rh[68 + lk]!;
    assert.equal(rh.subarray(69 + lk, 69 + lk + ln).toString('ascii'), C.name);
    const lt = u16(rh, 69 + lk + ln);
    assert.equal(rh.subarray(71 + lk + ln).toString('hex'), R.ticket);
    assert.equal(rh.length, 71 + lk + ln + lt);
    assert.equal(rh.length, 809);

    const rsh = b(R.resumeServerHello);
    assert.equal(rsh.length, 130);
    assert.deepEqual([rsh[0], rsh[1]], [0x05, PROTOCOL_VERSION]);
    assert.equal(rsh.subarray(2, 34).toString('hex'), R.inputs.serverNonce.value);
    assert.equal(rsh.subarray(34, 66).toString('hex'), R.inputs.serverEphemeral.public);
    assert.equal(rsh.subarray(66, 98).toString('hex'), S.spkiSha256);
    assert.equal('SHA256:' + rsh.subarray(66, 98).toString('base64').replace(/=+$/, ''), S.fingerprint);

    const shared = nodeCrypto.diffieHellman({ privateKey: x25519Priv(R.inputs.clientEphemeral.private), publicKey: x25519Pub(R.inputs.serverEphemeral.public) });
    const shared2 = nodeCrypto.diffieHellman({ privateKey: x25519Priv(R.inputs.serverEphemeral.private), publicKey: x25519Pub(R.inputs.clientEphemeral.public) });
    assert.deepEqual([shared.toString('hex'), shared2.toString('hex')], [R.shared, R.shared]);
    const ikm = cat(b(H.resumptionSecret), shared);
    assert.equal(ikm.toString('hex'), R.ikm);
    const thServer = sha256(rh, rsh.subarray(0, 98));
    assert.equal(thServer.toString('hex'), R.thServer);
    const fk = hkdf(ikm, thServer, 'parley/1 resume finished keys', 64);
    assert.deepEqual([fk.subarray(0, 32).toString('hex'), fk.subarray(32).toString('hex')], [R.serverFinishedKey, R.clientFinishedKey]);
    assert.equal(hmac(fk.subarray(0, 32), thServer).toString('hex'), R.serverFinished);
    assert.equal(rsh.subarray(98).toString('hex'), R.serverFinished);
    const thClient = sha256(rh, rsh);
    assert.equal(thClient.toString('hex'), R.thClient);
    const rf = b(R.resumeFinish);
    assert.equal(rf.length, 34);
    assert.deepEqual([rf[0], rf[1]], [0x06, PROTOCOL_VERSION]);
    assert.equal(hmac(fk.subarray(32), thClient).toString('hex'), R.clientFinished);
    assert.equal(rf.subarray(2).toString('hex'), R.clientFinished);

    const th = sha256(rh, rsh, rf);
    assert.equal(th.toString('hex'), R.transcriptHash);
    const okm = hkdf(ikm, th, 'parley/1 resumed session keys', 88);
    assert.deepEqual([okm.subarray(0, 32), okm.subarray(32, 64), okm.subarray(64, 76), okm.subarray(76, 88)].map((x) => x.toString('hex')), [R.keyC2s, R.keyS2c, R.ivC2s, R.ivS2c]);
    assert.equal(hkdf(ikm, th, 'parley/1 resumption secret', 32).toString('hex'), R.nextResumptionSecret);
    checkFrame(R.firstFrame, R.keyC2s, R.ivC2s);
    // the next ticket: issued at the resumption, the chain's authentication time kept, the next secret inside
    const pt = openTicket(R.nextTicket, { epoch: R.epoch, nonce: R.inputs.nextTicketNonce.value, issuedAt: R.resumedAt, authenticatedAt: R.issuedAt, lifetimeMs: R.nextTicketLifetimeMs, secret: R.nextResumptionSecret });
    assert.equal(pt.toString('hex'), R.nextTicketPlaintext);
  });
});
