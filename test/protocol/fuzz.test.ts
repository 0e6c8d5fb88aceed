/**
 * Fuzzing every entry point that reads peer bytes: thousands of random and mutated inputs, from a
 * fixed seed. Each input's outcome is predicted by an oracle written from the protocol's rules
 * (docs/PROTOCOL.md; the envelope checks of src/protocol/envelope.ts in their order, the frame
 * checks of frame.ts) and must be exactly that: the one ProtocolError code, or acceptance. An
 * accepted input must be the genuine message (for authenticated ones: a ServerHello, a
 * ClientFinish, a frame) or re-encode to the same bytes (for the plain decoders). Every mutation
 * class must be exercised, and the codes each class produced are reported.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClientHandshake, decodeMessageType, deriveSessionKeys, encodeError, isProtocolError, parseError, ServerHandshake, Session,
  MAX_ERROR_LENGTH, MAX_HANDSHAKE_LENGTH, MIN_FRAME_LENGTH, MessageType, PROTOCOL_VERSION,
} from '../../src/protocol/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import {
  appendSignature, encodeClientFinishSigned, encodeClientHello, encodeServerHelloSigned, parseClientFinish, parseClientHello, parseServerHello,
} from '../../src/protocol/messages.js';
import { importPeerKey, signTranscript } from '../../src/protocol/rsa-identity.js';
import { CONTEXT_CLIENT_SIGNATURE } from '../../src/protocol/constants.js';
import { drbg, prng, rsaKey, runHandshake, seededCrypto } from './helpers.js';

type Rng = ReturnType<typeof prng>;
const CLASSES = ['noise', 'bit flips', 'boundary bytes', 'truncation', 'extension', 'length field', 'chunk deleted or doubled', 'splice', 'type or version byte'] as const;
type MutationClass = (typeof CLASSES)[number] | 'genuine';

/** One mutation of `base` and its class. */
function mutate(base: Uint8Array, rng: Rng, others: Uint8Array[]): { input: Uint8Array; cls: MutationClass } {
  const b = Array.from(base);
  const pos = () => rng.int(Math.max(1, b.length));
  const cls = CLASSES[rng.int(9)]!;
  const out = (a: number[]) => ({ input: Uint8Array.from(a), cls });
  switch (cls) {
    case 'noise': // sometimes with a plausible header
      return out(rng.int(2) ? [base[0]!, base[1]!, ...rng.bytes(rng.int(600))] : [...rng.bytes(rng.int(600))]);
    case 'bit flips':
      for (let k = 1 + rng.int(8); k > 0; k--) b[pos()]! ^= 1 << rng.int(8);
      return out(b);
    case 'boundary bytes':
      for (let k = 1 + rng.int(4); k > 0; k--) b[pos()] = [0, 1, 0x7f, 0x80, 0xff][rng.int(5)]!;
      return out(b);
    case 'truncation':
      return out(b.slice(0, rng.int(b.length)));
    case 'extension':
      return out([...b, ...rng.bytes(1 + rng.int(40))]);
    case 'length field': { // u16 length games at a random offset
      const i = pos();
      const v = [0, 1, 0xffff, 0x0100, 0x0800, 0x0801, b.length, b.length - i][rng.int(8)]! & 0xffff;
      b[i] = v >> 8;
      if (i + 1 < b.length) b[i + 1] = v & 0xff;
      return out(b);
    }
    case 'chunk deleted or doubled': {
      const i = pos();
      const n = 1 + rng.int(32);
      return out(rng.int(2) ? [...b.slice(0, i), ...b.slice(i + n)] : [...b.slice(0, i + n), ...b.slice(i)]);
    }
    case 'splice': {
      const o = others[rng.int(others.length)]!;
      return out([...b.slice(0, pos()), ...o.slice(rng.int(o.length))]);
    }
    default:
      b[rng.int(2)] = rng.int(256);
      return out(b);
  }
}

/** `b` with 1–8 random bits flipped (same length). */
function flipBits(b: Uint8Array, rng: Rng): Uint8Array {
  const out = b.slice();
  for (let k = 1 + rng.int(8); k > 0; k--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
  return out;
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** 'ok' and the value, or the ProtocolError's code; anything else thrown fails the test. */
function outcome<T>(fn: () => T, what: string): { code: string; value?: T } {
  try {
    return { code: 'ok', value: fn() };
  } catch (e) {
    assert.ok(isProtocolError(e), `${what}: ${e instanceof Error ? e.stack : String(e)}`);
    return { code: e.code };
  }
}

/**
 * What openHandshakeMessage must say of `m` as a message of `type`, in its order: 'malformed'
 * under 2 bytes, 'too_large' over MAX_HANDSHAKE_LENGTH, 'unexpected_message' for another type
 * (for a ServerHello, an Error message is the peer's refusal: 'handshake_failed' when it parses,
 * else parseError's code), 'unsupported_version'; undefined when the envelope is sound.
 */
function envelope(m: Uint8Array, type: number): string | undefined {
  if (m.length < 2) return 'malformed';
  if (m.length > MAX_HANDSHAKE_LENGTH) return 'too_large';
  if (m[0] !== type) {
    if (type === MessageType.ServerHello && m[0] === MessageType.Error) return errorOracle(m) === 'ok' ? 'handshake_failed' : errorOracle(m);
    return 'unexpected_message';
  }
  if (m[1] !== PROTOCOL_VERSION) return 'unsupported_version';
  return undefined;
}

/** parseError's outcome: its checks in order; 'ok' or 'malformed' decided by re-encoding (see the decoder test). */
function errorOracle(m: Uint8Array): string {
  if (m.length < 2) return 'malformed';
  if (m[0] !== MessageType.Error) return 'unexpected_message';
  if (m.length > MAX_ERROR_LENGTH) return 'too_large';
  return 'ok|malformed';
}

type Report = { count: number; byClass: Record<string, Record<string, number>> };

/**
 * Feeds `count` inputs (the first one `base` itself) to `run`, which returns the outcome it got and
 * the outcome(s) the oracle allows ("a|b"); fails on the first difference.
 */
function fuzz(name: string, count: number, seed: number, base: Uint8Array, others: Uint8Array[], run: (input: Uint8Array, i: number) => [got: string, want: string]): Report {
  const rng = prng(seed);
  const byClass: Report['byClass'] = {};
  for (let i = 0; i < count; i++) {
    const { input, cls } = i === 0 ? { input: base, cls: 'genuine' as const } : mutate(base, rng, others);
    const [got, want] = run(input, i);
    assert.ok(want.split('|').includes(got), `${name} #${i} (${cls}): got ${got}, the protocol says ${want}; input ${Buffer.from(input).toString('hex').slice(0, 160)}`);
    const c = (byClass[cls] ??= {});
    c[got] = (c[got] ?? 0) + 1;
  }
  for (const cls of CLASSES) assert.ok(byClass[cls], `${name}: mutation class ${cls} was never drawn`);
  assert.deepEqual(byClass['genuine'], { ok: 1 }, `${name}: the genuine input is accepted`);
  return { count, byClass };
}

const show = (r: Report) => Object.entries(r.byClass).map(([c, codes]) => `${c}: ${JSON.stringify(codes)}`).join('; ');

describe('fuzz: every input gets exactly the outcome the protocol prescribes', () => {
  const clientKey = rsaKey('client');
  const serverKey = rsaKey('server');
  const h = runHandshake();
  const seed = 'fuzz client';
  const hello = new ClientHandshake({ identity: clientKey, name: 'alice', crypto: seededCrypto(seed) }).hello();
  const sh = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto }).onClientHello(hello);
  const all = [hello, sh, h.clientFinish, h.client.session.seal({ t: 'ping' }), encodeError('malformed', 'x')];

  /** A strict decoder: the envelope's code, else 'malformed' or acceptance of an input that re-encodes to itself. */
  function decoder<T>(type: number | 'error', parse: (m: Uint8Array) => T, encode: (v: T, m: Uint8Array) => Uint8Array) {
    return (m: Uint8Array): [string, string] => {
      const r = outcome(() => parse(m), 'decoder');
      if (r.code === 'ok') assert.ok(same(encode(r.value!, m), m), `an accepted input re-encodes to itself: ${Buffer.from(m).toString('hex').slice(0, 80)}`);
      return [r.code, type === 'error' ? errorOracle(m) : (envelope(m, type) ?? 'ok|malformed')];
    };
  }

  it('pure decoders (parseClientHello, parseServerHello, parseClientFinish, parseError, decodeMessageType): 3000 inputs each', (t) => {
    const known = new Set<number>(Object.values(MessageType));
    const targets: [string, Uint8Array, (m: Uint8Array) => [string, string]][] = [
      ['parseClientHello', hello, decoder(MessageType.ClientHello, parseClientHello, (v) => encodeClientHello(v))],
      ['parseServerHello', sh, decoder(MessageType.ServerHello, parseServerHello, (v) => appendSignature(encodeServerHelloSigned(v), v.signature))],
      ['parseClientFinish', h.clientFinish, decoder(MessageType.ClientFinish, parseClientFinish, (v) => appendSignature(encodeClientFinishSigned(v), v.signature))],
      // any version byte is accepted in an Error (its layout never changes): compared without it
      ['parseError', all[4]!, decoder('error', parseError, (v, m) => Uint8Array.from([...encodeError(v.code, v.message)].map((b, i) => (i === 1 ? m[1]! : b))))],
      ['decodeMessageType', hello, (m) => [outcome(() => decodeMessageType(m), 'decodeMessageType').code, m.length === 0 ? 'malformed' : known.has(m[0]!) ? 'ok' : 'unexpected_message']],
    ];
    for (const [name, base, run] of targets) t.diagnostic(`${name}: ${show(fuzz(name, 3000, name.length * 7919, base, all, run))}`);
  });

  it('ServerHandshake.onClientHello: 800 inputs, a fresh server each; accepted only with an acceptable key', (t) => {
    const r = fuzz('onClientHello', 800, 1, hello, all, (m) => {
      const got = outcome(() => new ServerHandshake({ identity: serverKey, crypto: nodeCrypto }).onClientHello(m), 'onClientHello').code;
      const env = envelope(m, MessageType.ClientHello);
      if (env) return [got, env];
      const parsed = outcome(() => parseClientHello(m), 'parse');
      if (parsed.code !== 'ok') return [got, parsed.code];
      // the key must be canonical SPKI, 2048–4096 bits, e = 65537; a low-order X25519 share is refused
      const keyOk = outcome(() => importPeerKey(parsed.value!.rsaKey, 'client'), 'key').code === 'ok';
      const shareOk = outcome(() => nodeCrypto.x25519(new Uint8Array(32).fill(7), parsed.value!.ephemeral), 'x25519').code === 'ok';
      return [got, keyOk && shareOk ? 'ok' : 'handshake_failed'];
    });
    t.diagnostic(show(r));
  });

  it('ClientHandshake.onServerHello: 1500 inputs, a fresh client with the same ClientHello each; only the genuine one accepted', (t) => {
    const clientKeySize = clientKey.size;
    const r = fuzz('onServerHello', 1500, 2, sh, all, (m) => {
      const c = new ClientHandshake({ identity: clientKey, name: 'alice', crypto: seededCrypto(seed) });
      c.hello();
      const got = outcome(() => c.onServerHello(m), 'onServerHello').code;
      if (same(m, sh)) return [got, 'ok'];
      const env = envelope(m, MessageType.ServerHello);
      if (env) return [got, env];
      const parsed = outcome(() => parseServerHello(m), 'parse');
      if (parsed.code !== 'ok') return [got, parsed.code];
      const server = outcome(() => importPeerKey(parsed.value!.rsaKey, 'server'), 'key');
      if (server.code !== 'ok') return [got, 'handshake_failed'];
      const v = parsed.value!;
      if (v.wrappedSecret.length !== clientKeySize || v.signature.length !== server.value!.key.size) return [got, 'malformed'];
      return [got, 'bad_signature']; // any other change is outside what the server signed
    });
    t.diagnostic(show(r));
  });

  it('ServerHandshake.onClientFinish: 120 inputs, a fresh server each; mutations refused, garbage secrets validly signed accepted with other keys (implicit rejection)', (t) => {
    const rng = prng(3);
    const tally: Record<string, number> = {};
    for (let i = 0; i < 120; i++) {
      const c = new ClientHandshake({ identity: clientKey, name: 'alice', crypto: seededCrypto(seed) });
      c.hello();
      const s = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
      const shFresh = s.onClientHello(hello);
      const genuine = c.onServerHello(shFresh);
      if (i % 2 === 0) {
        // structural mutations of a ClientFinish: the genuine one first, then of one signed for another handshake
        const m = i === 0 ? genuine.finish : mutate(h.clientFinish, rng, all).input;
        const got = outcome(() => s.onClientFinish(m), 'onClientFinish').code;
        const parsed = outcome(() => parseClientFinish(m), 'parse');
        const want = i === 0 ? 'ok' : (envelope(m, MessageType.ClientFinish) ?? (parsed.code !== 'ok' ? parsed.code
          : parsed.value!.wrappedSecret.length !== serverKey.size || parsed.value!.signature.length !== clientKey.size ? 'malformed' : 'bad_signature'));
        assert.equal(got, want, `onClientFinish #${i}`);
        tally[`mutated: ${got}`] = (tally[`mutated: ${got}`] ?? 0) + 1;
      } else {
        // a malicious client: any client_secret_wrapped of the right length, validly signed, so the
        // server reaches RSAES-OAEP decryption: random, or a flipped genuine one
        const w = rng.int(2) === 0 ? rng.bytes(256) : flipBits(parseClientFinish(genuine.finish).wrappedSecret, rng);
        const signed = Uint8Array.from([3, PROTOCOL_VERSION, w.length >> 8, w.length & 0xff, ...w]);
        const m = appendSignature(signed, signTranscript(clientKey, CONTEXT_CLIENT_SIGNATURE, [hello, shFresh, signed]));
        const r = outcome(() => s.onClientFinish(m), 'onClientFinish');
        // RFC 8017 §7.1.2 with implicit rejection: no error tells a bad ciphertext from a good one;
        // the session's keys are simply not the client's
        assert.equal(r.code, 'ok', `onClientFinish #${i}: implicit rejection accepts`);
        const frame = genuine.session.seal({ t: 'ping' });
        assert.equal(outcome(() => r.value!.session.open(frame), 'open').code, 'decrypt_failed', `onClientFinish #${i}: keys differ`);
        tally['signed garbage: accepted, other keys'] = (tally['signed garbage: accepted, other keys'] ?? 0) + 1;
      }
    }
    t.diagnostic(JSON.stringify(tally));
    assert.equal(tally['signed garbage: accepted, other keys'], 60);
    assert.equal(tally['mutated: ok'], 1, 'only the genuine ClientFinish');
  });

  it('Session.open: 5000 inputs, a fresh session each; only the genuine frame accepted', (t) => {
    const rnd = drbg('fuzz session');
    const th = rnd(32);
    const keys = deriveSessionKeys(nodeCrypto, { sharedSecret: rnd(32), clientSecret: rnd(32), serverSecret: rnd(32), transcriptHash: th });
    const sender = new Session({ role: 'client', keys, transcriptHash: th, crypto: nodeCrypto });
    const frame = sender.seal({ t: 'say', room: 'lobby', body: { text: 'fuzz me', sha256: '0'.repeat(64) } });
    const r = fuzz('Session.open', 5000, 4, frame, all, (m) => {
      const got = outcome(() => new Session({ role: 'server', keys, transcriptHash: th, crypto: nodeCrypto }).open(m), 'open').code;
      // splitFrame's checks in order, then AES-GCM: anything but the genuine bytes fails to authenticate
      // (never 'replay' or 'out_of_order': those are for authentic frames only)
      const want = m.length === 0 ? 'malformed' : m[0] !== MessageType.Frame ? 'unexpected_message' : m.length < MIN_FRAME_LENGTH ? 'malformed' : same(m, frame) ? 'ok' : 'decrypt_failed';
      return [got, want];
    });
    t.diagnostic(show(r));
  });
});
