import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exportPublicKeyDer, exportPublicKeyPem, fingerprint, publicKeyFromComponents } from '../../src/rsa/index.js';
import {
  ClientHandshake, decodeMessageType, encodeError, MAX_HANDSHAKE_LENGTH, MAX_SPKI_LENGTH, MessageType, parseError, PROTOCOL_VERSION, ProtocolError, ServerHandshake, isProtocolError,
  type ProtocolCrypto, type ProtocolErrorCode,
} from '../../src/protocol/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { appendSignature, encodeServerHelloSigned, parseClientFinish, parseClientHello, parseServerHello, encodeClientHello } from '../../src/protocol/messages.js';
import { signTranscript, wrapSecret } from '../../src/protocol/rsa-identity.js';
import { CONTEXT_SERVER_SIGNATURE, LABEL_SERVER_SECRET } from '../../src/protocol/constants.js';
import { flip, recordingIdentity, rsaKey, runHandshake, seededCrypto, throwsCode } from './helpers.js';

const clientKey = rsaKey('client');
const serverKey = rsaKey('server');
const mallory = rsaKey('mallory');

/** A fresh client whose ClientHello is always the same bytes (seeded randomness). */
function seededClient(seed = 'client-seed', name = 'alice'): { c: ClientHandshake; hello: Uint8Array } {
  const c = new ClientHandshake({ identity: clientKey, name, crypto: seededCrypto(seed) });
  return { c, hello: c.hello() };
}

describe('handshake', () => {
  it('completes: both sides agree on keys, transcript and identities, and frames flow both ways', (t) => {
    const t0 = performance.now();
    const h = runHandshake();
    t.diagnostic(`one handshake (2048-bit keys, both sides, this process): ${(performance.now() - t0).toFixed(1)} ms`);
    assert.equal(h.client.serverFingerprint, fingerprint(serverKey));
    assert.equal(h.server.clientFingerprint, fingerprint(clientKey));
    assert.equal(h.client.serverKey?.n, serverKey.n);
    assert.equal(h.server.clientKey.n, clientKey.n);
    assert.equal(h.server.name, 'alice');
    assert.deepEqual(h.client.session.transcriptHash, h.server.session.transcriptHash);
    assert.deepEqual(h.client.session.transcriptHash, nodeCrypto.sha256(Buffer.concat([h.clientHello, h.serverHello, h.clientFinish])));
    for (let i = 0; i < 5; i++) {
      const req = { t: 'say', room: 'lobby', body: { text: `hello ${i} ✓`, sha256: '00' } };
      assert.deepEqual(h.server.session.open(h.client.session.seal(req)), req);
      const ev = { type: 'pong' };
      assert.deepEqual(h.client.session.open(h.server.session.seal(ev)), ev);
    }
    assert.equal(h.client.session.framesSent, 5);
    assert.equal(h.server.session.framesReceived, 5);
  });

  it('message layouts and sizes are as documented (2048-bit keys)', () => {
    const h = runHandshake({ name: 'bob' });
    const spki = exportPublicKeyDer(clientKey);
    assert.equal(h.clientHello.length, 2 + 32 + 32 + 2 + spki.length + 1 + 3);
    assert.deepEqual([...h.clientHello.subarray(0, 2)], [0x01, 0x02]);
    assert.equal((h.clientHello[66]! << 8) | h.clientHello[67]!, spki.length);
    assert.deepEqual(h.clientHello.subarray(68, 68 + spki.length), spki);
    assert.equal(h.clientHello[68 + spki.length], 3);
    assert.equal(h.serverHello.length, 2 + 32 + 32 + 2 + 294 + 2 + 256 + 2 + 256);
    assert.deepEqual([...h.serverHello.subarray(0, 2)], [0x02, 0x02]);
    assert.equal(h.clientFinish.length, 2 + 2 + 256 + 2 + 256);
    assert.deepEqual([...h.clientFinish.subarray(0, 4)], [0x03, 0x02, 0x01, 0x00]);
  });

  it('accepts Node Buffers (as ws delivers them) and keeps its own copies', () => {
    const c = new ClientHandshake({ identity: clientKey, name: 'alice', crypto: nodeCrypto });
    const s = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
    const chBuf = Buffer.from(c.hello());
    const sh = Buffer.from(s.onClientHello(chBuf));
    chBuf.fill(0); // the caller reuses its buffer: the server must not care
    const r = c.onServerHello(sh);
    sh.fill(0);
    const fin = s.onClientFinish(Buffer.from(r.finish));
    assert.deepEqual(fin.session.open(Buffer.from(r.session.seal({ t: 'ping' }))), { t: 'ping' });
  });

  it('works with keys of different sizes (3072-bit client, 2048-bit server)', () => {
    const h = runHandshake({ clientKey: rsaKey('c3072', 3072) });
    assert.equal(h.clientFinish.length, 2 + 2 + 256 + 2 + 384);
    assert.deepEqual(h.server.session.open(h.client.session.seal({ t: 'ping' })), { t: 'ping' });
  });

  it('enforces the call order: each step once, nothing after a failure', () => {
    const c = new ClientHandshake({ identity: clientKey, name: 'alice', crypto: nodeCrypto });
    throwsCode(() => c.onServerHello(new Uint8Array([2, 1])), 'unexpected_message', 'ServerHello before hello()');
    const ch = c.hello();
    throwsCode(() => c.hello(), 'unexpected_message', 'hello() twice');
    const s = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
    throwsCode(() => s.onClientFinish(new Uint8Array([3, 1])), 'unexpected_message', 'ClientFinish first');
    const sh = s.onClientHello(ch);
    throwsCode(() => s.onClientHello(ch), 'unexpected_message', 'ClientHello twice');
    const r = c.onServerHello(sh);
    throwsCode(() => c.onServerHello(sh), 'unexpected_message', 'ServerHello twice');
    s.onClientFinish(r.finish);
    throwsCode(() => s.onClientFinish(r.finish), 'unexpected_message', 'ClientFinish twice');
    // a failed step leaves the object dead
    const s2 = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
    throwsCode(() => s2.onClientHello(new Uint8Array([1, PROTOCOL_VERSION, 0])), 'malformed');
    throwsCode(() => s2.onClientHello(ch), 'unexpected_message');
  });

  it('wrong message types in each state', () => {
    const { c, hello } = seededClient();
    const s = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
    throwsCode(() => s.onClientHello(flip(hello, 0, 1)), 'unexpected_message', 'ClientHello with type 0x03');
    const s2 = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
    throwsCode(() => c.onServerHello(hello), 'unexpected_message', 'ClientHello reflected to the client');
    const sh = s2.onClientHello(hello);
    throwsCode(() => s2.onClientFinish(sh), 'unexpected_message', 'ServerHello reflected to the server');
  });
});

describe('ClientHello checks (server side)', () => {
  const server = () => new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
  const { hello } = seededClient();

  it('a wrong protocol version → unsupported_version, for every other version byte', () => {
    for (const v of [0, 1, 3, 0x7f, 0xff]) {
      const bad = hello.slice();
      bad[1] = v;
      throwsCode(() => server().onClientHello(bad), 'unsupported_version', `version ${v}`);
    }
  });

  it('truncated, extended or length-corrupted messages → malformed; oversized → too_large', () => {
    for (const n of [0, 1, 2, 33, 66, 67, 68, 100, hello.length - 1]) throwsCode(() => server().onClientHello(hello.subarray(0, n)), 'malformed', `first ${n} bytes`);
    throwsCode(() => server().onClientHello(Buffer.concat([hello, Uint8Array.of(0)])), 'malformed', 'one trailing byte');
    for (const [i, v] of [[66, 0xff], [66, 0x00], [67, 0x00], [67, 0xff]] as const) {
      const bad = hello.slice();
      bad[i] = v;
      throwsCode(() => server().onClientHello(bad), ['malformed', 'handshake_failed'], `SPKI length byte ${i} = ${v}`);
    }
    throwsCode(() => server().onClientHello(new Uint8Array(9000).fill(1)), 'too_large');
  });

  it('names: NAME_RE is enforced (length 1–32, A–Z a–z 0–9 _ . -)', () => {
    const spki = exportPublicKeyDer(clientKey);
    const eph = nodeCrypto.x25519Keypair().publicKey;
    const raw = (name: Uint8Array) => Buffer.concat([Uint8Array.of(1, PROTOCOL_VERSION), new Uint8Array(32), eph, Uint8Array.of(spki.length >> 8, spki.length & 0xff), spki, Uint8Array.of(name.length), name]);
    const enc = (s: string) => new TextEncoder().encode(s);
    for (const bad of ['', 'a b', 'é', 'a/b', 'x'.repeat(33), 'tab\t', 'nul\0']) throwsCode(() => server().onClientHello(raw(enc(bad))), 'malformed', `name ${JSON.stringify(bad)}`);
    assert.ok(server().onClientHello(raw(enc('Z_9.-a'))).length > 0);
    assert.ok(server().onClientHello(raw(enc('x'.repeat(32)))).length > 0);
    // and the client refuses to send them
    for (const bad of ['', 'a b', 'x'.repeat(33)]) throwsCode(() => new ClientHandshake({ identity: clientKey, name: bad, crypto: nodeCrypto }), 'malformed');
  });

  it("the client's RSA key: canonical SPKI DER only, at least 2048 bits", () => {
    const eph = nodeCrypto.x25519Keypair().publicKey;
    const withKey = (spki: Uint8Array) => Buffer.concat([Uint8Array.of(1, PROTOCOL_VERSION), new Uint8Array(32), eph, Uint8Array.of(spki.length >> 8, spki.length & 0xff), spki, Uint8Array.of(1, 0x61)]);
    const small = rsaKey('small', 1024);
    throwsCode(() => server().onClientHello(withKey(exportPublicKeyDer(small))), 'handshake_failed', '1024-bit key');
    throwsCode(() => server().onClientHello(withKey(exportPublicKeyDer(clientKey, 'pkcs1'))), 'handshake_failed', 'PKCS #1 instead of SPKI');
    throwsCode(() => server().onClientHello(withKey(new TextEncoder().encode(exportPublicKeyPem(clientKey)))), 'handshake_failed', 'PEM text');
    throwsCode(() => server().onClientHello(withKey(new Uint8Array(300))), 'handshake_failed', 'zeros');
    // non-minimal DER: the same key with a long-form length where short form is required
    const spki = exportPublicKeyDer(clientKey);
    const nonMinimal = Buffer.concat([Uint8Array.of(0x30, 0x83, 0x00, spki[2]!, spki[3]!), spki.subarray(4)]);
    throwsCode(() => server().onClientHello(withKey(nonMinimal)), 'handshake_failed', 'non-canonical DER');
    // the client refuses to use a small identity in the first place
    throwsCode(() => new ClientHandshake({ identity: small, name: 'a', crypto: nodeCrypto }), 'handshake_failed');
    throwsCode(() => new ClientHandshake({ identity: {} as never, name: 'a', crypto: nodeCrypto }), 'handshake_failed');
    throwsCode(() => new ServerHandshake({ identity: small, crypto: nodeCrypto }), 'handshake_failed');
  });

  it("keys outside 2048–4096 bits or with e ≠ 65537 are refused before the server uses its private key", () => {
    const eph = nodeCrypto.x25519Keypair().publicKey;
    const withKey = (spki: Uint8Array) => Buffer.concat([Uint8Array.of(1, PROTOCOL_VERSION), new Uint8Array(32), eph, Uint8Array.of(spki.length >> 8, spki.length & 0xff), spki, Uint8Array.of(1, 0x61)]);
    const odd = (bits: number) => (1n << BigInt(bits - 1)) + 12345n; // any odd number of that size: what an attacker sends
    const cases: [string, Uint8Array, ProtocolErrorCode][] = [
      // longer SPKI than any accepted key's: refused by the parser, before the key is even imported
      ['8192-bit modulus (fake)', exportPublicKeyDer(publicKeyFromComponents({ n: odd(8192), e: 65537n })), 'malformed'],
      ['4097-bit modulus, e = 3 (fits the SPKI bound)', exportPublicKeyDer(publicKeyFromComponents({ n: odd(4097), e: 3n })), 'handshake_failed'],
      ['e = 3', exportPublicKeyDer(rsaKey('e3', 2048, 3).publicKey), 'handshake_failed'],
      ['e = 65539', exportPublicKeyDer(publicKeyFromComponents({ n: clientKey.n, e: 65539n })), 'handshake_failed'],
      ['e = 2^32 + 15', exportPublicKeyDer(publicKeyFromComponents({ n: clientKey.n, e: 2n ** 32n + 15n })), 'handshake_failed'],
      ['e = 2^32 − 1', exportPublicKeyDer(publicKeyFromComponents({ n: clientKey.n, e: 2n ** 32n - 1n })), 'handshake_failed'],
    ];
    for (const [what, spki, code] of cases) {
      const { identity, used } = recordingIdentity(serverKey);
      const s = new ServerHandshake({ identity, crypto: nodeCrypto });
      throwsCode(() => s.onClientHello(withKey(spki)), code, what);
      assert.deepEqual([...used], [], `${what}: no private-key component was touched`);
    }
    // and with the same server, an acceptable key gets a signed ServerHello: the recording sees the signature
    const { identity, used } = recordingIdentity(serverKey);
    assert.ok(new ServerHandshake({ identity, crypto: nodeCrypto }).onClientHello(withKey(exportPublicKeyDer(clientKey))).length > 0);
    assert.ok(used.size > 0, 'the control: signing reads the private key');
    // the message says what is accepted
    assert.throws(() => server().onClientHello(withKey(cases[2]![1])), /public exponent is 3; only e = 65537 is accepted/);
    assert.throws(() => server().onClientHello(withKey(cases[1]![1])), /4097 bits; 2048–4096-bit keys are accepted/);
  });

  it('our own identity obeys the same bounds (client and server), with a hint', () => {
    const e3 = rsaKey('e3', 2048, 3);
    throwsCode(() => new ClientHandshake({ identity: e3, name: 'a', crypto: nodeCrypto }), 'handshake_failed');
    throwsCode(() => new ServerHandshake({ identity: e3, crypto: nodeCrypto }), 'handshake_failed');
    assert.throws(() => new ClientHandshake({ identity: e3, name: 'a', crypto: nodeCrypto }), /only e = 65537 is accepted \(make a new key with `parley keygen`\)/);
  });

  it('4096-bit keys work, and their SPKI is exactly MAX_SPKI_LENGTH', () => {
    const big = rsaKey('c4096', 4096);
    assert.equal(exportPublicKeyDer(big).length, MAX_SPKI_LENGTH);
    const h = runHandshake({ clientKey: big, serverKey: rsaKey('s4096', 4096) });
    assert.equal(h.serverHello.length, 72 + MAX_SPKI_LENGTH + 512 + 512, 'the largest ServerHello');
    assert.ok(h.serverHello.length <= MAX_HANDSHAKE_LENGTH);
    assert.deepEqual(h.server.session.open(h.client.session.seal({ t: 'ping' })), { t: 'ping' });
  });

  it('a low-order X25519 share → handshake_failed before the server signs anything', () => {
    const spki = exportPublicKeyDer(clientKey);
    // RFC 7748 §6.1 / small-order points: 0, 1, and the order-8 point of Curve25519
    const lowOrder = [
      new Uint8Array(32),
      Uint8Array.of(1, ...new Uint8Array(31)),
      Uint8Array.from(Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex')),
    ];
    for (const eph of lowOrder) {
      const ch = Buffer.concat([Uint8Array.of(1, PROTOCOL_VERSION), new Uint8Array(32), eph, Uint8Array.of(spki.length >> 8, spki.length & 0xff), spki, Uint8Array.of(1, 0x61)]);
      throwsCode(() => server().onClientHello(ch), 'handshake_failed');
    }
  });
});

describe('ServerHello checks (client side)', () => {
  const s = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
  const { hello } = seededClient();
  const sh = s.onClientHello(hello);
  const parsed = parseServerHello(sh);

  it('the recorded ServerHello is accepted by a client with the same ClientHello', () => {
    const { c } = seededClient();
    assert.equal(c.onServerHello(sh).serverFingerprint, fingerprint(serverKey));
  });

  it('every single-bit change anywhere in the ServerHello is refused', () => {
    const codes = new Map<string, number>();
    for (let i = 0; i < sh.length; i++) {
      const { c } = seededClient();
      const bit = i % 8;
      let err: unknown;
      try {
        c.onServerHello(flip(sh, i, bit));
      } catch (e) {
        err = e;
      }
      assert.ok(isProtocolError(err), `byte ${i} bit ${bit} was accepted or threw a non-ProtocolError: ${String(err)}`);
      codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
    }
    // nonce, ephemeral, wrapped secret and signature bytes can only fail the signature check
    assert.ok((codes.get('bad_signature') ?? 0) >= 32 + 32 + 256 + 256 - 8, JSON.stringify([...codes]));
  });

  it('each field tampered separately: nonce, ephemeral, key, wrapped secret, signature', () => {
    const spkiLen = parsed.rsaKey.length;
    const regions: [string, number, string[]][] = [
      ['server_nonce', 2 + 5, ['bad_signature']],
      ['server ephemeral', 34 + 5, ['bad_signature']],
      ['server RSA key modulus', 68 + spkiLen - 20, ['bad_signature', 'handshake_failed']],
      ['server_secret_wrapped', 68 + spkiLen + 2 + 100, ['bad_signature']],
      ['signature', sh.length - 10, ['bad_signature']],
    ];
    for (const [what, i, codes] of regions) {
      const { c } = seededClient();
      throwsCode(() => c.onServerHello(flip(sh, i, 3)), codes as never, what);
    }
  });

  it('truncated or extended ServerHello → malformed; wrong version → unsupported_version', () => {
    for (const n of [0, 1, 2, 40, 100, sh.length - 1]) throwsCode(() => seededClient().c.onServerHello(sh.subarray(0, n)), 'malformed', `first ${n}`);
    throwsCode(() => seededClient().c.onServerHello(Buffer.concat([sh, Uint8Array.of(0)])), 'malformed');
    for (const version of [1, 3]) {
      const v = sh.slice();
      v[1] = version;
      throwsCode(() => seededClient().c.onServerHello(v), 'unsupported_version', `version ${version}`);
    }
  });

  it("a ServerHello made for another ClientHello (replayed from an earlier connection) is refused", () => {
    const { c } = seededClient('another seed');
    throwsCode(() => c.onServerHello(sh), 'bad_signature');
  });

  it('an Error message instead of a ServerHello → handshake_failed carrying the remote code', () => {
    const { c } = seededClient();
    let err: unknown;
    try {
      c.onServerHello(encodeError('server_full', 'try again later'));
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ProtocolError && err.code === 'handshake_failed');
    assert.deepEqual(err.remote, { code: 'server_full', message: 'try again later' });
  });

  it('a man in the middle with his own key: the signature verifies, but serverFingerprint is not the pinned one', () => {
    const pinned = fingerprint(serverKey);
    // Mallory answers the client himself (he cannot sign as the real server)
    const { c, hello: ch } = seededClient('mitm');
    const mitm = new ServerHandshake({ identity: mallory, crypto: nodeCrypto });
    const r = c.onServerHello(mitm.onClientHello(ch));
    assert.notEqual(r.serverFingerprint, pinned);
    assert.equal(r.serverFingerprint, fingerprint(mallory));
    // and if he splices his key into the real server's ServerHello, he cannot produce its signature
    const { c: c2, hello: ch2 } = seededClient('mitm2');
    const real = parseServerHello(new ServerHandshake({ identity: serverKey, crypto: nodeCrypto }).onClientHello(ch2));
    const spliced = appendSignature(encodeServerHelloSigned({ ...real, rsaKey: exportPublicKeyDer(mallory) }), real.signature);
    throwsCode(() => c2.onServerHello(spliced), ['bad_signature', 'malformed']);
    // nor keep the real key and re-sign with his own
    const { c: c3, hello: ch3 } = seededClient('mitm3');
    const real3 = parseServerHello(new ServerHandshake({ identity: serverKey, crypto: nodeCrypto }).onClientHello(ch3));
    const resigned = appendSignature(real3.signed, signTranscript(mallory, CONTEXT_SERVER_SIGNATURE, [ch3, real3.signed]));
    throwsCode(() => c3.onServerHello(resigned), 'bad_signature');
  });

  it('implicit rejection: a validly signed ServerHello whose wrapped secret does not decrypt gives no error, only mismatched keys', () => {
    // a malicious server (its own key, its own valid signature) sends garbage as server_secret_wrapped
    const { c, hello: ch } = seededClient('oracle');
    const chParsed = parseClientHello(ch);
    assert.equal(chParsed.name, 'alice');
    const eph = nodeCrypto.x25519Keypair();
    const garbage = wrapSecret(clientKey.publicKey, new Uint8Array(31), LABEL_SERVER_SECRET); // decrypts, but to 31 bytes
    const random = nodeCrypto.randomBytes(256); // does not decrypt at all (or c ≥ n)
    for (const wrapped of [garbage, random]) {
      const { c: cl, hello: h } = wrapped === garbage ? { c, hello: ch } : seededClient('oracle2');
      const signed = encodeServerHelloSigned({ nonce: new Uint8Array(32), ephemeral: eph.publicKey, rsaKey: exportPublicKeyDer(mallory), wrappedSecret: wrapped });
      const msg = appendSignature(signed, signTranscript(mallory, CONTEXT_SERVER_SIGNATURE, [h, signed]));
      const r = cl.onServerHello(msg); // no exception: the client cannot be used as a padding oracle
      assert.equal(parseClientFinish(r.finish).signature.length, 256);
    }
  });
});

describe('ClientFinish checks (server side)', () => {
  /** A server that has answered the seeded ClientHello, and the matching client result. */
  function upToFinish(seed = 'finish'): { s: ServerHandshake; sh: Uint8Array; finish: Uint8Array; ch: Uint8Array } {
    const { c, hello: ch } = seededClient(seed);
    const s = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
    const sh = s.onClientHello(ch);
    return { s, sh, ch, finish: c.onServerHello(sh).finish };
  }

  it('tampered ClientFinish → refused (every 17th byte, each bit position in turn)', () => {
    const { finish } = upToFinish();
    for (let i = 0; i < finish.length; i += 17) {
      const { s, finish: f } = upToFinish();
      throwsCode(() => s.onClientFinish(flip(f, i, i % 8)), ['bad_signature', 'malformed', 'unsupported_version', 'unexpected_message'], `byte ${i}`);
    }
  });

  it('truncated / extended / wrong version', () => {
    const { finish } = upToFinish();
    for (const n of [0, 1, 2, 3, 4, 200, finish.length - 1]) {
      const { s, finish: f } = upToFinish();
      throwsCode(() => s.onClientFinish(f.subarray(0, n)), 'malformed', `first ${n}`);
    }
    const { s, finish: f } = upToFinish();
    throwsCode(() => s.onClientFinish(Buffer.concat([f, Uint8Array.of(0)])), 'malformed');
    const { s: s2, finish: f2 } = upToFinish();
    const v = f2.slice();
    v[1] = 9;
    throwsCode(() => s2.onClientFinish(v), 'unsupported_version');
  });

  it('a ClientFinish signed by a different key than the ClientHello announced → bad_signature', () => {
    // Mallory relays alice's ClientHello but finishes with his own key
    const { s, sh, ch } = upToFinish('relay');
    const mc = new ClientHandshake({ identity: mallory, name: 'alice', crypto: seededCrypto('relay') });
    const mhello = mc.hello();
    assert.notDeepEqual(mhello, ch);
    // a ClientFinish that Mallory can make: the same layout, over the real transcript, signed by him
    const real = parseClientFinish(upToFinish('relay').finish);
    const forged = appendSignature(real.signed, signTranscript(mallory, new TextEncoder().encode('parley/1 client signature'), [ch, sh, real.signed]));
    throwsCode(() => s.onClientFinish(forged), 'bad_signature');
  });

  it('implicit rejection on the server: a validly signed ClientFinish with a wrapped secret that does not decrypt is accepted, and the first frame fails', () => {
    const c = new ClientHandshake({ identity: clientKey, name: 'alice', crypto: nodeCrypto });
    const s = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
    const ch = c.hello();
    const shMsg = s.onClientHello(ch);
    const client = c.onServerHello(shMsg);
    const signed = Uint8Array.from([3, PROTOCOL_VERSION, 1, 0, ...nodeCrypto.randomBytes(256)]);
    const forged = appendSignature(signed, signTranscript(clientKey, new TextEncoder().encode('parley/1 client signature'), [ch, shMsg, signed]));
    const server = s.onClientFinish(forged); // no error: nobody learns whether OAEP decryption worked
    throwsCode(() => client.session.open(server.session.seal({ type: 'pong' })), 'decrypt_failed', 'key confirmation fails on the client');
    throwsCode(() => server.session.open(client.session.seal({ t: 'ping' })), 'decrypt_failed', 'and on the server');
  });

  it('a ClientFinish from another connection (same ClientHello, different ServerHello) → bad_signature', () => {
    const a = upToFinish('x');
    const b = upToFinish('x'); // same ClientHello bytes, new server nonce, ephemeral and secret
    assert.notDeepEqual(a.sh, b.sh);
    throwsCode(() => b.s.onClientFinish(a.finish), 'bad_signature');
  });

  it("the client's signature is mandatory for the name it asked for: it is part of the signed ClientHello", () => {
    // Mallory rewrites the name in alice's ClientHello: the server answers, but alice's signature covers the original
    const { c, hello: ch } = seededClient('rename');
    const p = parseClientHello(ch);
    const renamed = encodeClientHello({ ...p, name: 'mallory' });
    const s = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
    const sh = s.onClientHello(renamed);
    throwsCode(() => c.onServerHello(sh), 'bad_signature', 'alice checks the server signed her own ClientHello');
  });
});

describe('failure hygiene', () => {
  it('a crypto provider that throws arbitrary errors still only yields ProtocolError', () => {
    const broken: ProtocolCrypto = { ...nodeCrypto, x25519Keypair: () => { throw new RangeError('boom'); } };
    throwsCode(() => new ClientHandshake({ identity: clientKey, name: 'a', crypto: broken }).hello(), 'handshake_failed');
    const { hello } = seededClient();
    throwsCode(() => new ServerHandshake({ identity: serverKey, crypto: broken }).onClientHello(hello), 'handshake_failed');
    const badHkdf: ProtocolCrypto = { ...nodeCrypto, hkdf: () => { throw new TypeError('nope'); } };
    throwsCode(() => runHandshake({ clientCrypto: badHkdf }), 'handshake_failed');
  });

  it('non-binary input to any entry point → malformed', () => {
    for (const bad of ['text', undefined, null, 42, new ArrayBuffer(8), [1, 1]] as unknown as Uint8Array[]) {
      throwsCode(() => new ServerHandshake({ identity: serverKey, crypto: nodeCrypto }).onClientHello(bad), 'malformed', `onClientHello(${String(bad)})`);
      const { c } = seededClient();
      throwsCode(() => c.onServerHello(bad), 'malformed', `onServerHello(${String(bad)})`);
      throwsCode(() => decodeMessageType(bad), 'malformed');
      throwsCode(() => parseError(bad), 'malformed');
    }
    const { hello } = seededClient();
    const s = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
    s.onClientHello(hello);
    throwsCode(() => s.onClientFinish('finish' as never), 'malformed');
  });

  it('identities that are not usable private keys → handshake_failed', () => {
    for (const bad of [undefined, {}, clientKey.publicKey, Object.freeze({ type: 'private' })] as never[]) {
      throwsCode(() => new ClientHandshake({ identity: bad, name: 'a', crypto: nodeCrypto }), 'handshake_failed');
      throwsCode(() => new ServerHandshake({ identity: bad, crypto: nodeCrypto }), 'handshake_failed');
    }
  });

  it('type byte constants', () => {
    assert.deepEqual(MessageType, { ClientHello: 1, ServerHello: 2, ClientFinish: 3, ResumeHello: 4, ResumeServerHello: 5, ResumeFinish: 6, Frame: 0x10, Error: 0x7f });
  });
});
