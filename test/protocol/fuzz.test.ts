/**
 * Fuzzing every entry point that reads peer bytes: thousands of random and mutated inputs,
 * from a fixed seed, must only ever produce a result or a ProtocolError — never another
 * exception, a hang or a crash.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClientHandshake, decodeMessageType, deriveSessionKeys, encodeError, isProtocolError, parseError, ServerHandshake, Session,
} from '../../src/protocol/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { appendSignature, parseClientFinish, parseClientHello, parseServerHello } from '../../src/protocol/messages.js';
import { signTranscript } from '../../src/protocol/rsa-identity.js';
import { CONTEXT_CLIENT_SIGNATURE } from '../../src/protocol/constants.js';
import { drbg, prng, rsaKey, runHandshake, seededCrypto } from './helpers.js';

type Rng = ReturnType<typeof prng>;

/** One mutation of `base`: bit flips, byte overwrites, truncation, extension, splices, length-field games, or pure noise. */
function mutate(base: Uint8Array, rng: Rng, others: Uint8Array[]): Uint8Array {
  const b = Array.from(base);
  const pos = () => rng.int(Math.max(1, b.length));
  switch (rng.int(9)) {
    case 0: // pure noise, sometimes with a plausible header
      return Uint8Array.from(rng.int(2) ? [base[0]!, base[1]!, ...rng.bytes(rng.int(600))] : rng.bytes(rng.int(600)));
    case 1: // flip 1–8 bits
      for (let k = 1 + rng.int(8); k > 0; k--) b[pos()]! ^= 1 << rng.int(8);
      break;
    case 2: // overwrite bytes with boundary values
      for (let k = 1 + rng.int(4); k > 0; k--) b[pos()] = [0, 1, 0x7f, 0x80, 0xff][rng.int(5)]!;
      break;
    case 3: // truncate
      return Uint8Array.from(b.slice(0, rng.int(b.length)));
    case 4: // extend
      return Uint8Array.from([...b, ...rng.bytes(1 + rng.int(40))]);
    case 5: { // u16 length games at a random offset
      const i = pos();
      const v = [0, 1, 0xffff, 0x0100, 0x0800, 0x0801, b.length, b.length - i][rng.int(8)]! & 0xffff;
      b[i] = v >> 8;
      if (i + 1 < b.length) b[i + 1] = v & 0xff;
      break;
    }
    case 6: { // delete or duplicate a chunk
      const i = pos();
      const n = 1 + rng.int(32);
      return Uint8Array.from(rng.int(2) ? [...b.slice(0, i), ...b.slice(i + n)] : [...b.slice(0, i + n), ...b.slice(i)]);
    }
    case 7: { // splice with another message
      const o = others[rng.int(others.length)]!;
      const i = pos();
      return Uint8Array.from([...b.slice(0, i), ...o.slice(rng.int(o.length))]);
    }
    default: // change the type or version byte only
      b[rng.int(2)] = rng.int(256);
  }
  return Uint8Array.from(b);
}

/** `b` with 1–8 random bits flipped (same length). */
function flipBits(b: Uint8Array, rng: Rng): Uint8Array {
  const out = b.slice();
  for (let k = 1 + rng.int(8); k > 0; k--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
  return out;
}

/** Feeds `count` inputs to `target`; fails on any exception other than ProtocolError. */
function fuzz(name: string, count: number, seed: number, base: Uint8Array, others: Uint8Array[], target: (input: Uint8Array) => unknown): { accepted: number; codes: Record<string, number> } {
  const rng = prng(seed);
  const codes: Record<string, number> = {};
  let accepted = 0;
  for (let i = 0; i < count; i++) {
    const input = i === 0 ? base : mutate(base, rng, others);
    try {
      target(input);
      accepted++;
    } catch (e) {
      assert.ok(isProtocolError(e), `${name} #${i}: ${e instanceof Error ? e.stack : String(e)} for input ${Buffer.from(input).toString('hex').slice(0, 200)}`);
      codes[e.code] = (codes[e.code] ?? 0) + 1;
    }
  }
  return { accepted, codes };
}

describe('fuzz: only ProtocolError ever escapes', () => {
  const clientKey = rsaKey('client');
  const serverKey = rsaKey('server');
  const h = runHandshake();
  const seed = 'fuzz client';
  const hello = new ClientHandshake({ identity: clientKey, name: 'alice', crypto: seededCrypto(seed) }).hello();
  const sh = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto }).onClientHello(hello);
  const all = [hello, sh, h.clientFinish, h.client.session.seal({ t: 'ping' }), encodeError('malformed', 'x')];

  it('pure decoders (parseClientHello, parseServerHello, parseClientFinish, parseError, decodeMessageType): 3000 inputs each', (t) => {
    for (const [name, base, fn] of [
      ['parseClientHello', hello, parseClientHello], ['parseServerHello', sh, parseServerHello],
      ['parseClientFinish', h.clientFinish, parseClientFinish], ['parseError', all[4]!, parseError], ['decodeMessageType', hello, decodeMessageType],
    ] as const) {
      const r = fuzz(name, 3000, name.length * 7919, base, all, fn as (b: Uint8Array) => unknown);
      t.diagnostic(`${name}: ${r.accepted} accepted, ${JSON.stringify(r.codes)}`);
    }
  });

  it('ServerHandshake.onClientHello: 800 inputs, a fresh server each', (t) => {
    const r = fuzz('onClientHello', 800, 1, hello, all, (m) => new ServerHandshake({ identity: serverKey, crypto: nodeCrypto }).onClientHello(m));
    t.diagnostic(`${r.accepted} accepted, ${JSON.stringify(r.codes)}`);
    assert.ok(r.accepted >= 1);
  });

  it('ClientHandshake.onServerHello: 1500 inputs, a fresh client with the same ClientHello each', (t) => {
    const r = fuzz('onServerHello', 1500, 2, sh, all, (m) => {
      const c = new ClientHandshake({ identity: clientKey, name: 'alice', crypto: seededCrypto(seed) });
      c.hello();
      return c.onServerHello(m);
    });
    t.diagnostic(`${r.accepted} accepted, ${JSON.stringify(r.codes)}`);
    assert.ok(r.accepted >= 1, 'the unmutated ServerHello is accepted');
  });

  it('ServerHandshake.onClientFinish: 120 inputs, a fresh server (one RSA signature) each; half from a client that signs garbage', (t) => {
    const rng = prng(3);
    const codes: Record<string, number> = {};
    let accepted = 0;
    for (let i = 0; i < 120; i++) {
      const c = new ClientHandshake({ identity: clientKey, name: 'alice', crypto: seededCrypto(seed) });
      c.hello();
      const s = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
      const shFresh = s.onClientHello(hello);
      let input: Uint8Array;
      if (i % 2 === 0) {
        // structural mutations of a genuine ClientFinish for this very ServerHello
        const finish = i === 0 ? c.onServerHello(shFresh).finish : h.clientFinish;
        input = i === 0 ? finish : mutate(finish, rng, all);
      } else {
        // a malicious client: any client_secret_wrapped, validly signed, so the server gets as far as OAEP
        // of the right length (256), so that it reaches RSAES-OAEP decryption: random, or a flipped genuine one
        const w = rng.int(2) === 0 ? rng.bytes(256) : flipBits(parseClientFinish(h.clientFinish).wrappedSecret, rng);
        const signed = Uint8Array.from([3, 1, w.length >> 8, w.length & 0xff, ...w]);
        input = appendSignature(signed, signTranscript(clientKey, CONTEXT_CLIENT_SIGNATURE, [hello, shFresh, signed]));
      }
      try {
        s.onClientFinish(input);
        accepted++;
      } catch (e) {
        assert.ok(isProtocolError(e), `onClientFinish #${i}: ${e instanceof Error ? e.stack : String(e)}`);
        codes[e.code] = (codes[e.code] ?? 0) + 1;
      }
    }
    t.diagnostic(`${accepted} accepted (implicit rejection: keys that will not match), ${JSON.stringify(codes)}`);
    assert.ok(accepted >= 1);
  });

  it('Session.open: 5000 inputs, a fresh session each', (t) => {
    const rnd = drbg('fuzz session');
    const th = rnd(32);
    const keys = deriveSessionKeys(nodeCrypto, { sharedSecret: rnd(32), clientSecret: rnd(32), serverSecret: rnd(32), transcriptHash: th });
    const sender = new Session({ role: 'client', keys, transcriptHash: th, crypto: nodeCrypto });
    const frame = sender.seal({ t: 'say', room: 'lobby', body: { text: 'fuzz me', sha256: '0'.repeat(64) } });
    const r = fuzz('Session.open', 5000, 4, frame, all, (m) => new Session({ role: 'server', keys, transcriptHash: th, crypto: nodeCrypto }).open(m));
    t.diagnostic(`${r.accepted} accepted, ${JSON.stringify(r.codes)}`);
    assert.ok(r.accepted >= 1);
  });
});
