import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  deriveSessionKeys, encodeError, Session, DEFAULT_MAX_FRAME_LENGTH, MIN_FRAME_LENGTH, type SessionKeys,
} from '../../src/protocol/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { frameHeader, frameNonce } from '../../src/protocol/frame.js';
import { drbg, flip, runHandshake, throwsCode } from './helpers.js';

let pairs = 0;
/** Two sessions over the same freshly derived keys (no RSA work, so tests can make hundreds). */
function pair(opts: { maxFrameLength?: number } = {}): { client: Session; server: Session; keys: SessionKeys } {
  const rnd = drbg(`pair ${pairs++}`);
  const transcriptHash = rnd(32);
  const keys = deriveSessionKeys(nodeCrypto, { sharedSecret: rnd(32), clientSecret: rnd(32), serverSecret: rnd(32), transcriptHash });
  const mk = (role: 'client' | 'server') => new Session({ role, keys, transcriptHash, crypto: nodeCrypto, ...opts });
  return { client: mk('client'), server: mk('server'), keys };
}

/** A frame with an arbitrary plaintext, encrypted the way Session does (for malformed-plaintext tests). */
function rawFrame(keys: SessionKeys, counter: bigint, plaintext: Uint8Array): Uint8Array {
  const header = frameHeader(counter);
  const { key, iv } = keys.clientToServer;
  return Buffer.concat([header, nodeCrypto.aeadSeal(key, frameNonce(iv, counter), plaintext, header)]);
}

const ping = { t: 'ping' };

describe('Session frames', () => {
  it('after a real handshake: frames both ways, many of them, counters advance', () => {
    const h = runHandshake();
    for (let i = 0; i < 100; i++) {
      const m = { t: 'say', room: 'lobby', body: { text: 'x'.repeat(i), sha256: '' } };
      assert.deepEqual(h.server.session.open(h.client.session.seal(m)), m);
      assert.deepEqual(h.client.session.open(h.server.session.seal({ type: 'pong', i })), { type: 'pong', i });
    }
    assert.equal(h.server.session.framesReceived, 100);
    assert.equal(h.client.session.framesSent, 100);
    assert.equal(h.client.session.role, 'client');
    assert.equal(h.server.session.maxFrameLength, DEFAULT_MAX_FRAME_LENGTH);
  });

  it('layout: 0x10 ‖ u64 counter ‖ AES-256-GCM(JSON) ‖ tag, nonce = iv XOR counter, AAD = header (checked with node:crypto directly)', () => {
    const { client, keys } = pair();
    for (let counter = 0; counter < 3; counter++) {
      const msg = { t: 'who', room: `r${counter}` };
      const frame = client.seal(msg);
      const json = Buffer.from(JSON.stringify(msg));
      assert.equal(frame.length, 9 + json.length + 16);
      assert.equal(frame[0], 0x10);
      assert.equal(Buffer.from(frame).readBigUInt64BE(1), BigInt(counter));
      // RFC 8446 §5.3: the counter, left-padded to 12 bytes, XOR the static IV
      const nonce = Buffer.from(keys.clientToServer.iv);
      nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ counter) >>> 0, 8);
      const d = crypto.createDecipheriv('aes-256-gcm', keys.clientToServer.key, nonce, { authTagLength: 16 });
      d.setAAD(frame.subarray(0, 9));
      d.setAuthTag(frame.subarray(frame.length - 16));
      assert.deepEqual(Buffer.concat([d.update(frame.subarray(9, frame.length - 16)), d.final()]), json);
    }
  });

  it('a replayed frame → replay; then the receive side stays closed', () => {
    const { client, server } = pair();
    const f0 = client.seal(ping);
    const f1 = client.seal(ping);
    server.open(f0);
    server.open(f1);
    throwsCode(() => server.open(f0), 'replay');
    const f2 = client.seal(ping);
    throwsCode(() => server.open(f2), 'replay', 'a good frame after a failure is refused with the same code');
    assert.ok(server.seal({ type: 'error', code: 'protocol_error', message: 'bye' }).length > 0, 'seal still works to report the error');
  });

  it('the same frame twice in a row → replay', () => {
    const { client, server } = pair();
    const f0 = client.seal(ping);
    server.open(f0);
    throwsCode(() => server.open(f0), 'replay');
  });

  it('frames reordered → out_of_order; a dropped frame → out_of_order', () => {
    const a = pair();
    const f0 = a.client.seal(ping);
    const f1 = a.client.seal(ping);
    throwsCode(() => a.server.open(f1), 'out_of_order');
    throwsCode(() => a.server.open(f0), 'out_of_order', 'still closed');
    const b = pair();
    b.server.open(b.client.seal(ping));
    b.client.seal(ping); // dropped in transit
    throwsCode(() => b.server.open(b.client.seal(ping)), 'out_of_order');
  });

  it('a flipped bit anywhere → decrypt_failed (the type byte → unexpected_message), counter bits included', () => {
    const probe = pair();
    const len = probe.client.seal({ t: 'say', room: 'lobby', body: { text: 'hi', sha256: 'ab' } }).length;
    for (let i = 0; i < len; i++) {
      for (const bit of [0, 3, 7]) {
        const { client, server } = pair();
        server.open(client.seal(ping)); // so that the counter under attack is 1, not 0
        const frame = client.seal({ t: 'say', room: 'lobby', body: { text: 'hi', sha256: 'ab' } });
        throwsCode(() => server.open(flip(frame, i, bit)), i === 0 ? 'unexpected_message' : 'decrypt_failed', `byte ${i} bit ${bit}`);
      }
    }
  });

  it('a truncated frame → malformed below the minimum, decrypt_failed above it; an extended one → decrypt_failed', () => {
    const { client } = pair();
    const frame = client.seal({ t: 'rooms' });
    for (let n = 0; n < frame.length; n++) {
      const { server } = pair();
      throwsCode(() => server.open(frame.subarray(0, n)), n < MIN_FRAME_LENGTH ? 'malformed' : 'decrypt_failed', `first ${n} bytes`);
    }
    const { client: c2, server: s2 } = pair();
    throwsCode(() => s2.open(Buffer.concat([c2.seal(ping), Uint8Array.of(0)])), 'decrypt_failed');
  });

  it('a frame reflected back to its sender fails (each direction has its own key and IV)', () => {
    const { client, server } = pair();
    throwsCode(() => client.open(client.seal(ping)), 'decrypt_failed');
    throwsCode(() => server.open(server.seal({ type: 'pong' })), 'decrypt_failed');
  });

  it('a frame from another session fails', () => {
    const a = pair();
    const b = pair();
    throwsCode(() => b.server.open(a.client.seal(ping)), 'decrypt_failed');
    const h1 = runHandshake();
    const h2 = runHandshake();
    throwsCode(() => h2.server.session.open(h1.client.session.seal(ping)), 'decrypt_failed');
  });

  it('an Error message or a handshake message after the handshake → unexpected_message (plaintext is never accepted)', () => {
    const { server } = pair();
    throwsCode(() => server.open(encodeError('handshake_failed', 'x')), 'unexpected_message');
    throwsCode(() => pair().server.open(Uint8Array.of(1, 1, 0, 0)), 'unexpected_message');
    throwsCode(() => pair().server.open(new Uint8Array(0)), 'malformed');
  });

  it('size limits: open refuses frames over maxFrameLength; seal refuses and does not use up the counter', () => {
    const { client, server } = pair({ maxFrameLength: 1024 });
    throwsCode(() => client.seal({ t: 'x'.repeat(1000) }), 'too_large');
    assert.equal(client.framesSent, 0);
    server.open(client.seal(ping));
    const big = pair();
    const f = big.client.seal({ t: 'x'.repeat(2000) });
    const small = new Session({ role: 'server', keys: big.keys, transcriptHash: new Uint8Array(32), crypto: nodeCrypto, maxFrameLength: 1024 });
    throwsCode(() => small.open(f), 'too_large');
    throwsCode(() => pair().server.open(new Uint8Array(DEFAULT_MAX_FRAME_LENGTH + 1).fill(0x10)), 'too_large');
    for (const bad of [0, 100, 1023, 1.5, 2 ** 25, NaN]) throwsCode(() => pair({ maxFrameLength: bad }), 'malformed', `maxFrameLength ${bad}`);
  });

  it('seal accepts only JSON-serialisable objects', () => {
    const { client } = pair();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [null, undefined, 1, 'text', [1, 2], { n: 1n }, cyclic, { toJSON: () => 'not an object' }])
      throwsCode(() => client.seal(bad), 'malformed', String(bad));
    assert.equal(client.framesSent, 0);
  });

  it('open requires the plaintext to be UTF-8 JSON of an object', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const cases: [string, Uint8Array][] = [
      ['array', enc('[1,2]')], ['number', enc('42')], ['null', enc('null')], ['string', enc('"s"')],
      ['not JSON', enc('{t:1}')], ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d)], ['BOM', enc('\ufeff{}')],
      ['overlong UTF-8', Uint8Array.of(0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d)], ['truncated JSON', enc('{"a":')],
    ];
    for (const [what, pt] of cases) {
      const { server, keys } = pair();
      throwsCode(() => server.open(rawFrame(keys, 0n, pt)), 'malformed', what);
    }
    const { server, keys } = pair();
    assert.deepEqual(server.open(rawFrame(keys, 0n, enc('{"a":[1,{"b":null}],"é":"✓"}'))), { a: [1, { b: null }], é: '✓' });
  });

  it('the constructor checks its inputs', () => {
    const { keys } = pair();
    const th = new Uint8Array(32);
    throwsCode(() => new Session({ role: 'peer' as never, keys, transcriptHash: th, crypto: nodeCrypto }), 'malformed');
    throwsCode(() => new Session({ role: 'client', keys: { ...keys, clientToServer: { key: new Uint8Array(16), iv: new Uint8Array(12) } }, transcriptHash: th, crypto: nodeCrypto }), 'malformed');
    throwsCode(() => new Session({ role: 'client', keys, transcriptHash: new Uint8Array(31), crypto: nodeCrypto }), 'malformed');
  });

  it('transcriptHash is a copy', () => {
    const { client } = pair();
    const t1 = client.transcriptHash;
    t1.fill(0);
    assert.notDeepEqual(client.transcriptHash, t1);
  });
});
