/**
 * Property-based fuzzing of every entry point of src/protocol that reads peer bytes, with
 * fast-check: the frame decoder, the message decoders, and every handshake state (server
 * awaiting ClientHello, server awaiting ClientFinish, client awaiting ServerHello, an open
 * session in both directions and mid-stream, and each object in a state where the message is
 * not expected). Inputs are random bytes, or genuine messages and frames made by real
 * ClientHandshake / ServerHandshake / Session objects and then mutated (bit flips, boundary
 * bytes, truncation, extension, insertion, deletion, duplication, splices with other messages,
 * u16 length-field games, type and version bytes, padding to the size limits).
 *
 * The property of every case: the call returns a *valid* result (checked per target, e.g. a
 * decoded message re-encodes to the same bytes, an accepted ServerHello is byte-identical to the
 * genuine one) or throws a ProtocolError whose code is one of the stable codes; anything else
 * (another exception, a wrong code, an invalid result) fails the property and fast-check
 * shrinks it to a minimal counterexample.
 *
 * Used by test/protocol/fuzz-property.test.ts (a few thousand cases, in a worker with a
 * watchdog) and bench/fuzz.ts (≥ 100,000 cases).
 */
import fc from 'fast-check';
import {
  ClientHandshake, decodeMessageType, encodeError, isProtocolError, parseError, ServerHandshake, Session,
  MessageType, type ProtocolErrorCode, type SessionKeys,
} from '../../../src/protocol/index.js';
import { nodeCrypto } from '../../../src/protocol/crypto-node.js';
import {
  appendSignature, encodeClientFinishSigned, encodeClientHello, encodeServerHelloSigned,
  parseClientFinish, parseClientHello, parseServerHello,
} from '../../../src/protocol/messages.js';
import { signTranscript } from '../../../src/protocol/rsa-identity.js';
import { CONTEXT_CLIENT_SIGNATURE, PROTOCOL_VERSION } from '../../../src/protocol/constants.js';
import { fingerprint, type RsaPrivateKey } from '../../../src/rsa/index.js';
import { drbg, seededCrypto } from '../../protocol/helpers.js';
import { quickKey } from './keys.js';

/** The codes a ProtocolError may carry (src/protocol/errors.ts). Any other code fails the property. */
export const STABLE_CODES: ReadonlySet<ProtocolErrorCode> = new Set<ProtocolErrorCode>([
  'unsupported_version', 'malformed', 'unexpected_message', 'bad_signature', 'decrypt_failed', 'replay', 'out_of_order', 'too_large', 'handshake_failed',
]);

const NAME = 'fuzzer';
const CLIENT_SEED = 'parley fuzz client';


/** Genuine messages of one recorded handshake, and session keys for frames. */
export interface Fixtures {
  clientKey: RsaPrivateKey;
  serverKey: RsaPrivateKey;
  serverFingerprint: string;
  clientFingerprint: string;
  /** The ClientHello of a ClientHandshake with seededCrypto(CLIENT_SEED): the same bytes every time. */
  clientHello: Uint8Array;
  /** A ServerHello made for clientHello (it verifies for every fresh seeded client). */
  serverHello: Uint8Array;
  /** The ClientFinish for that ServerHello (it verifies only against that server object, long gone). */
  clientFinish: Uint8Array;
  errorMessage: Uint8Array;
  keys: SessionKeys;
  transcriptHash: Uint8Array;
  /** Frames client → server (c2s[i] has counter i), made under `keys`. */
  c2s: Uint8Array[];
  /** Frames server → client. */
  s2c: Uint8Array[];
  /** The plaintext object of c2s[i] / s2c[i]. */
  plain: (dir: 'c2s' | 's2c', i: number) => Record<string, unknown>;
  /** Every message above, as splice material and bases for mutation. */
  all: Uint8Array[];
}

const plainObject = (dir: 'c2s' | 's2c', i: number): Record<string, unknown> =>
  dir === 'c2s' ? { t: 'e2e_room', room: 'lobby', payload: Buffer.from(`fuzz ${i} ✓`).toString('base64') } : { type: 'pong', n: i };

/** Makes two keys, runs one genuine handshake and seals a few frames each way. */
export function makeFixtures(keys?: { clientKey: RsaPrivateKey; serverKey: RsaPrivateKey }): Fixtures {
  const clientKey = keys?.clientKey ?? quickKey();
  const serverKey = keys?.serverKey ?? quickKey();
  const c = new ClientHandshake({ identity: clientKey, name: NAME, crypto: seededCrypto(CLIENT_SEED) });
  const s = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto });
  const clientHello = c.hello();
  const serverHello = s.onClientHello(clientHello);
  const cr = c.onServerHello(serverHello);
  const sr = s.onClientFinish(cr.finish);
  const c2s = Array.from({ length: 8 }, (_, i) => cr.session.seal(plainObject('c2s', i)));
  const s2c = Array.from({ length: 8 }, (_, i) => sr.session.seal(plainObject('s2c', i)));
  // a standalone session key set (the handshake's keys are inside the Session objects)
  const rnd = drbg('parley fuzz session');
  const th = rnd(32);
  const sk = deriveKeys(rnd, th);
  const cs = new Session({ role: 'client', keys: sk, transcriptHash: th, crypto: nodeCrypto });
  const ss = new Session({ role: 'server', keys: sk, transcriptHash: th, crypto: nodeCrypto });
  const fc2s = Array.from({ length: 24 }, (_, i) => cs.seal(plainObject('c2s', i)));
  const fs2c = Array.from({ length: 24 }, (_, i) => ss.seal(plainObject('s2c', i)));
  const errorMessage = encodeError('server_full', 'the server is full (1000 connections); try again later');
  return {
    clientKey, serverKey, serverFingerprint: fingerprint(serverKey), clientFingerprint: fingerprint(clientKey),
    clientHello, serverHello, clientFinish: cr.finish, errorMessage, keys: sk, transcriptHash: th, c2s: fc2s, s2c: fs2c,
    plain: plainObject, all: [clientHello, serverHello, cr.finish, errorMessage, fc2s[0]!, fs2c[0]!, c2s[0]!, s2c[0]!],
  };
}

function deriveKeys(rnd: (n: number) => Uint8Array, th: Uint8Array): SessionKeys {
  // the key schedule itself is tested elsewhere; here any well-formed keys will do
  const k = (n: number) => rnd(n);
  void th;
  return { clientToServer: { key: k(32), iv: k(12) }, serverToClient: { key: k(32), iv: k(12) } };
}

// ─── inputs ──────────────────────────────────────────────────────────────────────────────────

/** One mutation operation; positions are taken modulo the current length. */
export type Op =
  | ['flip', number, number]
  | ['set', number, number]
  | ['truncate', number]
  | ['extend', Uint8Array]
  | ['insert', number, Uint8Array]
  | ['delete', number, number]
  | ['dup', number, number]
  | ['splice', number, number, number]
  | ['u16', number, number]
  | ['u8len', number, number]
  | ['type', number]
  | ['version', number]
  | ['padTo', number];

const BOUNDARY = [0, 1, 2, 0x7f, 0x80, 0xfe, 0xff];
const SIZES = [0, 1, 2, 26, 27, 28, 1023, 1024, 8191, 8192, 8193, 65535, 65536, 65537];

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constant('flip' as const), fc.nat(), fc.integer({ min: 0, max: 7 })) },
  { weight: 3, arbitrary: fc.tuple(fc.constant('set' as const), fc.nat(), fc.oneof(fc.constantFrom(...BOUNDARY), fc.integer({ min: 0, max: 255 }))) },
  { weight: 3, arbitrary: fc.tuple(fc.constant('truncate' as const), fc.nat()) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('extend' as const), fc.uint8Array({ minLength: 1, maxLength: 64 })) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('insert' as const), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 32 })) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('delete' as const), fc.nat(), fc.integer({ min: 1, max: 64 })) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('dup' as const), fc.nat(), fc.integer({ min: 1, max: 64 })) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('splice' as const), fc.nat(), fc.nat(), fc.nat()) },
  { weight: 3, arbitrary: fc.tuple(fc.constant('u16' as const), fc.nat(), fc.oneof(fc.constantFrom(0, 1, 0xff, 0x100, 0x101, 0x7ff, 0x800, 0x801, 0xffff), fc.integer({ min: 0, max: 0xffff }))) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('u8len' as const), fc.nat(), fc.constantFrom(0, 1, 31, 32, 33, 64, 65, 0xff)) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('type' as const), fc.oneof(fc.constantFrom(0, 1, 2, 3, 0x10, 0x7f, 0xff), fc.integer({ min: 0, max: 255 }))) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('version' as const), fc.constantFrom(0, 1, 2, 0xff)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('padTo' as const), fc.constantFrom(...SIZES)) },
);

/** Applies `ops` to a copy of `base`; `others` is splice material. Never throws. */
export function applyOps(base: Uint8Array, ops: readonly Op[], others: readonly Uint8Array[]): Uint8Array {
  let b = Uint8Array.from(base);
  const at = (p: number, len = b.length) => (len === 0 ? 0 : p % len);
  const cat = (...parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  };
  for (const op of ops) {
    switch (op[0]) {
      case 'flip':
        if (b.length) b[at(op[1])]! ^= 1 << op[2];
        break;
      case 'set':
        if (b.length) b[at(op[1])] = op[2];
        break;
      case 'truncate':
        b = b.slice(0, at(op[1], b.length + 1));
        break;
      case 'extend':
        b = cat(b, op[1]);
        break;
      case 'insert': {
        const i = at(op[1], b.length + 1);
        b = cat(b.subarray(0, i), op[2], b.subarray(i));
        break;
      }
      case 'delete': {
        const i = at(op[1], b.length + 1);
        b = cat(b.subarray(0, i), b.subarray(i + op[2]));
        break;
      }
      case 'dup': {
        const i = at(op[1], b.length + 1);
        b = cat(b.subarray(0, i + op[2]), b.subarray(i));
        break;
      }
      case 'splice': {
        const o = others.length ? others[op[1] % others.length]! : new Uint8Array(0);
        const i = at(op[3], b.length + 1);
        b = cat(b.subarray(0, i), o.subarray(at(op[2], o.length + 1)));
        break;
      }
      case 'u16': {
        if (b.length < 2) break;
        const i = at(op[1], b.length - 1);
        b[i] = op[2] >> 8;
        b[i + 1] = op[2] & 0xff;
        break;
      }
      case 'u8len':
        if (b.length) b[at(op[1])] = op[2];
        break;
      case 'type':
        if (b.length) b[0] = op[1];
        break;
      case 'version':
        if (b.length > 1) b[1] = op[1];
        break;
      case 'padTo':
        if (op[1] < b.length) b = b.slice(0, op[1]);
        else b = cat(b, new Uint8Array(op[1] - b.length).fill(0x41));
        break;
    }
  }
  return b;
}

/** A description of one input, kept small so that fast-check can shrink and print it. */
export type InputSpec = { kind: 'random'; header: number[]; bytes: Uint8Array } | { kind: 'mutant'; base: number; ops: Op[] };

/**
 * Inputs around `bases`: mostly mutants of one of them (1–5 operations; none at all now and then,
 * so the genuine message is exercised too), sometimes pure noise, optionally behind a plausible
 * type/version header.
 */
export function inputSpecArb(bases: number): fc.Arbitrary<InputSpec> {
  const header: fc.Arbitrary<number[]> = fc.oneof(
    fc.constant<number[]>([]),
    fc.tuple(fc.constantFrom(1, 2, 3, 0x10, 0x7f), fc.constantFrom(1, 1, 2)).map((t): number[] => [t[0], t[1]]),
    fc.constantFrom<number[]>([0x10], [1], [2], [3], [0x7f]),
  );
  const random: fc.Arbitrary<InputSpec> = fc.record({ kind: fc.constant('random' as const), header, bytes: fc.uint8Array({ maxLength: 1200 }) });
  const mutant = (ops: fc.Arbitrary<Op[]>): fc.Arbitrary<InputSpec> => fc.record({ kind: fc.constant('mutant' as const), base: fc.nat({ max: bases - 1 }), ops });
  return fc.oneof(
    { weight: 20, arbitrary: random },
    { weight: 100, arbitrary: mutant(fc.array(opArb, { minLength: 1, maxLength: 5 })) },
    { weight: 1, arbitrary: mutant(fc.constant<Op[]>([])) },
  );
}

export function buildInput(spec: InputSpec, bases: readonly Uint8Array[], others: readonly Uint8Array[]): Uint8Array {
  if (spec.kind === 'random') return Uint8Array.from([...spec.header, ...spec.bytes]);
  return applyOps(bases[spec.base]!, spec.ops, others);
}

// ─── checking ────────────────────────────────────────────────────────────────────────────────

/** What one target's cases did. */
export interface TargetStats {
  target: string;
  cases: number;
  /** Cases that returned a (valid) result. */
  accepted: number;
  /** ProtocolError codes seen, with counts. */
  codes: Record<string, number>;
  /** The slowest case, ms. */
  maxCaseMs: number;
  totalMs: number;
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const hex = (b: Uint8Array, max = 256) => Buffer.from(b.subarray(0, max)).toString('hex') + (b.length > max ? `…(${b.length} bytes)` : '');

/** Thrown when a case breaks the property (other than by throwing something unexpected itself). */
export class PropertyViolation extends Error {
  override name = 'PropertyViolation';
}

function check(cond: boolean, what: string): asserts cond {
  if (!cond) throw new PropertyViolation(what);
}

/**
 * Runs `fn` and classifies its end: 'ok' with its result, or the ProtocolError's code. Any other
 * exception, or a ProtocolError with a code outside STABLE_CODES, is rethrown (fails the property).
 */
export function outcome<T>(fn: () => T): { ok: true; value: T } | { ok: false; code: ProtocolErrorCode; error: unknown } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof PropertyViolation) throw e;
    if (!isProtocolError(e)) throw new PropertyViolation(`not a ProtocolError: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    if (!STABLE_CODES.has(e.code)) throw new PropertyViolation(`ProtocolError with an unknown code ${String(e.code)}`);
    if (typeof e.message !== 'string' || e.message.length === 0) throw new PropertyViolation('ProtocolError without a message');
    return { ok: false, code: e.code, error: e };
  }
}

/** Hooks the runner gives a target: a place to record the input about to be processed (for the hang watchdog). */
export interface RunHooks {
  onInput?: (input: Uint8Array, index: number) => void;
}

/** A fuzz target: an arbitrary of case descriptions and the property run on each. */
interface Target<T> {
  arb: fc.Arbitrary<T>;
  /** Runs one case; returns the codes it produced ('ok' for an accepted result). Throws PropertyViolation. */
  run: (spec: T, hooks: RunHooks, index: number) => string[];
}

function targets(fx: Fixtures): Record<string, Target<any>> {
  const others = fx.all;
  /** A target whose case is one input built from `bases` (mutated, spliced with the others); `body` checks it. */
  const overBases = (bases: readonly Uint8Array[], body: (input: Uint8Array) => string[]): Target<InputSpec> => ({
    arb: inputSpecArb(bases.length),
    run(spec, hooks, i) {
      const input = buildInput(spec, bases, others);
      hooks.onInput?.(input, i);
      return body(input);
    },
  });

  // 1. pure decoders: every decoder on every input; an accepted input must re-encode to the same bytes
  const decoders = overBases(fx.all, (input) => {
    const codes: string[] = [];
    const t = outcome(() => decodeMessageType(input));
    if (t.ok) check(t.value === input[0] && Object.values(MessageType).includes(t.value), 'decodeMessageType returned another type');
    codes.push(t.ok ? 'ok' : t.code);
    const ch = outcome(() => parseClientHello(input));
    if (ch.ok) check(equalBytes(encodeClientHello(ch.value), input), 'accepted ClientHello does not re-encode to the same bytes');
    codes.push(ch.ok ? 'ok' : ch.code);
    const sh = outcome(() => parseServerHello(input));
    if (sh.ok) {
      check(equalBytes(appendSignature(encodeServerHelloSigned(sh.value), sh.value.signature), input), 'accepted ServerHello does not re-encode');
      check(equalBytes(sh.value.signed, input.subarray(0, sh.value.signed.length)), 'ServerHello.signed is not a prefix');
    } else if (input[0] === MessageType.Error && outcome(() => parseError(input)).ok) {
      check(sh.code === 'handshake_failed' && (sh.error as { remote?: unknown }).remote !== undefined, 'an Error message in place of ServerHello must be handshake_failed with remote');
    }
    codes.push(sh.ok ? 'ok' : sh.code);
    const cf = outcome(() => parseClientFinish(input));
    if (cf.ok) check(equalBytes(appendSignature(encodeClientFinishSigned(cf.value), cf.value.signature), input), 'accepted ClientFinish does not re-encode');
    codes.push(cf.ok ? 'ok' : cf.code);
    const er = outcome(() => parseError(input));
    if (er.ok) {
      const again = encodeError(er.value.code, er.value.message);
      check(equalBytes(again.subarray(2), input.subarray(2)) && again[0] === input[0], 'accepted Error does not re-encode');
    }
    codes.push(er.ok ? 'ok' : er.code);
    return codes;
  });

  // 2. the server awaiting ClientHello: a fresh ServerHandshake per case
  const helloBases = [fx.clientHello, fx.clientHello, fx.clientHello, fx.serverHello, fx.clientFinish, fx.errorMessage];
  const serverHello = overBases(helloBases, (input) => {
    const s = new ServerHandshake({ identity: fx.serverKey, crypto: nodeCrypto });
    const r = outcome(() => s.onClientHello(input));
    if (r.ok) {
      const p = outcome(() => parseServerHello(r.value));
      check(p.ok, 'the ServerHello produced does not parse');
      check(outcome(() => parseClientHello(input)).ok, 'a ClientHello that does not parse was accepted');
      const again = outcome(() => s.onClientHello(input));
      check(!again.ok && again.code === 'unexpected_message', 'a second ClientHello must be unexpected_message');
    } else {
      const again = outcome(() => s.onClientFinish(fx.clientFinish));
      check(!again.ok && again.code === 'unexpected_message', 'a failed ServerHandshake must stay unusable');
    }
    return [r.ok ? 'ok' : r.code];
  });

  // 3. the server awaiting ClientFinish: a fresh ServerHandshake that has answered the genuine ClientHello (one RSA signature per case)
  type FinishSpec = { mode: 'genuine' | 'stale' | 'signedGarbage' | 'other'; ops: Op[]; garbage: Uint8Array; other: InputSpec };
  const finishArb: fc.Arbitrary<FinishSpec> = fc.record({
    mode: fc.constantFrom('genuine', 'stale', 'stale', 'signedGarbage', 'other'),
    ops: fc.oneof({ weight: 1, arbitrary: fc.constant([] as Op[]) }, { weight: 6, arbitrary: fc.array(opArb, { minLength: 1, maxLength: 4 }) }),
    garbage: fc.uint8Array({ minLength: 256, maxLength: 256 }),
    other: inputSpecArb(fx.all.length),
  });
  const serverFinish: Target<FinishSpec> = {
    arb: finishArb,
    run(spec, hooks, i) {
      const s = new ServerHandshake({ identity: fx.serverKey, crypto: nodeCrypto });
      const sh = s.onClientHello(fx.clientHello);
      let base: Uint8Array;
      let client: ReturnType<ClientHandshake['onServerHello']> | undefined;
      if (spec.mode === 'genuine') {
        const c = new ClientHandshake({ identity: fx.clientKey, name: NAME, crypto: seededCrypto(CLIENT_SEED) });
        c.hello();
        client = c.onServerHello(sh);
        base = client.finish;
      } else if (spec.mode === 'signedGarbage') {
        // a client that signs correctly but wraps garbage: the server must get as far as OAEP and reject implicitly
        const signed = Uint8Array.from([3, PROTOCOL_VERSION, spec.garbage.length >> 8, spec.garbage.length & 0xff, ...spec.garbage]);
        base = appendSignature(signed, signTranscript(fx.clientKey, CONTEXT_CLIENT_SIGNATURE, [fx.clientHello, sh, signed]));
      } else if (spec.mode === 'stale') base = fx.clientFinish;
      else base = buildInput(spec.other, fx.all, others);
      const input = spec.mode === 'other' ? base : applyOps(base, spec.ops, others);
      hooks.onInput?.(input, i);
      const r = outcome(() => s.onClientFinish(input));
      if (r.ok) {
        check(spec.mode === 'signedGarbage' || (spec.mode === 'genuine' && equalBytes(input, base)), 'accepted a ClientFinish that nobody signed');
        check(r.value.clientFingerprint === fx.clientFingerprint && r.value.name === NAME, 'wrong client identity');
        if (client) {
          const got = r.value.session.open(client.session.seal({ t: 'ping' }));
          check(JSON.stringify(got) === '{"t":"ping"}', 'the two sessions disagree');
        } else {
          // implicit rejection: the keys differ, so the first frame must fail, typed
          const c = new Session({ role: 'client', keys: fx.keys, transcriptHash: fx.transcriptHash, crypto: nodeCrypto });
          const o = outcome(() => r.value.session.open(c.seal({ t: 'ping' })));
          check(!o.ok && o.code === 'decrypt_failed', 'a session with rejected secrets must fail with decrypt_failed');
        }
      }
      const again = outcome(() => s.onClientFinish(input));
      check(!again.ok && again.code === 'unexpected_message', 'a second ClientFinish must be unexpected_message');
      return [r.ok ? 'ok' : r.code];
    },
  };

  // 4. the client awaiting ServerHello: a fresh seeded client (its ClientHello is fx.clientHello) per case
  const shBases = [fx.serverHello, fx.serverHello, fx.serverHello, fx.errorMessage, fx.clientHello, fx.clientFinish];
  const clientServerHello = overBases(shBases, (input) => {
    const c = new ClientHandshake({ identity: fx.clientKey, name: NAME, crypto: seededCrypto(CLIENT_SEED) });
    check(equalBytes(c.hello(), fx.clientHello), 'the seeded ClientHello changed');
    const r = outcome(() => c.onServerHello(input));
    if (r.ok) {
      check(equalBytes(input, fx.serverHello), 'accepted a ServerHello other than the genuine one');
      check(r.value.serverFingerprint === fx.serverFingerprint, 'wrong server fingerprint');
      check(outcome(() => parseClientFinish(r.value.finish)).ok, 'the ClientFinish produced does not parse');
    } else if (input[0] === MessageType.Error) {
      const e = outcome(() => parseError(input));
      if (e.ok) check(r.code === 'handshake_failed' && (r.error as { remote?: { code: string } }).remote?.code === e.value.code, 'a server Error must surface as handshake_failed with its code');
    }
    const again = outcome(() => c.onServerHello(fx.serverHello));
    check(!again.ok && again.code === 'unexpected_message', 'a used ClientHandshake must refuse another ServerHello');
    return [r.ok ? 'ok' : r.code];
  });

  // 5. an open session, first frame: each role receives mutants of the peer's genuine frames
  const sessionBases = [fx.c2s[0]!, fx.c2s[1]!, fx.s2c[0]!, fx.s2c[1]!];
  const sessionOpen: Target<{ role: 'server' | 'client'; spec: InputSpec }> = {
    arb: fc.record({ role: fc.constantFrom('server' as const, 'client' as const), spec: inputSpecArb(sessionBases.length) }),
    run({ role, spec }, hooks, i) {
      const input = buildInput(spec, sessionBases, others);
      hooks.onInput?.(input, i);
      const s = new Session({ role, keys: fx.keys, transcriptHash: fx.transcriptHash, crypto: nodeCrypto });
      const r = outcome(() => s.open(input));
      const expected = role === 'server' ? fx.c2s[0]! : fx.s2c[0]!;
      if (r.ok) {
        check(equalBytes(input, expected), 'a session accepted bytes other than the next genuine frame');
        check(JSON.stringify(r.value) === JSON.stringify(fx.plain(role === 'server' ? 'c2s' : 's2c', 0)), 'wrong plaintext');
      } else {
        const again = outcome(() => s.open(expected));
        check(!again.ok && again.code === r.code, 'after a failure the session must keep failing with the same code');
      }
      return [r.ok ? 'ok' : r.code];
    },
  };

  // 6. an open session mid-stream: a sequence of genuine frames, mutants, replays and reflections against a model
  type Step = { kind: 'genuine' } | { kind: 'mutant'; ops: Op[] } | { kind: 'replay'; back: number } | { kind: 'reflect'; i: number } | { kind: 'skip' };
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    { weight: 6, arbitrary: fc.constant({ kind: 'genuine' as const }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('mutant' as const), ops: fc.array(opArb, { minLength: 1, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const), back: fc.integer({ min: 1, max: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reflect' as const), i: fc.nat({ max: 23 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'skip' as const }) },
  );
  const sessionSequence: Target<{ role: 'server' | 'client'; steps: Step[] }> = {
    arb: fc.record({ role: fc.constantFrom('server' as const, 'client' as const), steps: fc.array(stepArb, { minLength: 1, maxLength: 20 }) }),
    run({ role, steps }, hooks, i) {
      const s = new Session({ role, keys: fx.keys, transcriptHash: fx.transcriptHash, crypto: nodeCrypto });
      const incoming = role === 'server' ? fx.c2s : fx.s2c;
      const outgoing = role === 'server' ? fx.s2c : fx.c2s;
      let next = 0;
      let failed: string | undefined;
      const codes: string[] = [];
      for (const step of steps) {
        if (next >= incoming.length - 1) break;
        let input: Uint8Array;
        switch (step.kind) {
          case 'genuine':
            input = incoming[next]!;
            break;
          case 'mutant':
            input = applyOps(incoming[next]!, step.ops, others);
            break;
          case 'replay':
            input = incoming[Math.max(0, next - step.back)]!;
            break;
          case 'reflect':
            input = outgoing[step.i]!;
            break;
          case 'skip':
            input = incoming[next + 1]!;
            break;
        }
        hooks.onInput?.(input, i);
        const r = outcome(() => s.open(input));
        codes.push(r.ok ? 'ok' : r.code);
        if (failed !== undefined) {
          check(!r.ok && r.code === failed, `after ${failed} the session accepted or changed code (${r.ok ? 'ok' : r.code})`);
          continue;
        }
        const isNext = equalBytes(input, incoming[next]!);
        if (r.ok) {
          check(isNext, `accepted something other than frame ${next} (${step.kind})`);
          check(s.framesReceived === next + 1, 'framesReceived did not advance');
          next++;
        } else {
          check(!isNext, `refused the genuine frame ${next} with ${r.code}`);
          if (step.kind === 'replay' && next > 0) check(r.code === 'replay', `a replay gave ${r.code}`);
          if (step.kind === 'skip') check(r.code === 'out_of_order', `a skipped frame gave ${r.code}`);
          if (step.kind === 'reflect') check(r.code === 'decrypt_failed', `a reflected frame gave ${r.code}`);
          failed = r.code;
        }
      }
      return codes;
    },
  };

  // 7. every object in a state where the message is not expected
  type Misuse = { which: number; spec: InputSpec };
  const misuse: Target<Misuse> = {
    arb: fc.record({ which: fc.nat({ max: 4 }), spec: inputSpecArb(fx.all.length) }),
    run({ which, spec }, hooks, i) {
      const input = buildInput(spec, fx.all, others);
      hooks.onInput?.(input, i);
      let r;
      switch (which) {
        case 0: // ClientFinish before ClientHello
          r = outcome(() => new ServerHandshake({ identity: fx.serverKey, crypto: nodeCrypto }).onClientFinish(input));
          break;
        case 1: // ServerHello before hello()
          r = outcome(() => new ClientHandshake({ identity: fx.clientKey, name: NAME, crypto: nodeCrypto }).onServerHello(input));
          break;
        case 2: { // anything after a failed ClientHello
          const s = new ServerHandshake({ identity: fx.serverKey, crypto: nodeCrypto });
          outcome(() => s.onClientHello(new Uint8Array([1])));
          r = outcome(() => s.onClientHello(input));
          break;
        }
        case 3: { // anything after a failed ServerHello
          const c = new ClientHandshake({ identity: fx.clientKey, name: NAME, crypto: nodeCrypto });
          c.hello();
          outcome(() => c.onServerHello(new Uint8Array([2])));
          r = outcome(() => c.onServerHello(input));
          break;
        }
        default: { // hello() twice
          const c = new ClientHandshake({ identity: fx.clientKey, name: NAME, crypto: nodeCrypto });
          c.hello();
          r = outcome(() => c.hello());
        }
      }
      check(!r.ok && r.code === 'unexpected_message', `a message in the wrong state gave ${r.ok ? 'a result' : r.code}`);
      return [r.code];
    },
  };

  return {
    decoders, serverAwaitingClientHello: serverHello, serverAwaitingClientFinish: serverFinish,
    clientAwaitingServerHello: clientServerHello, sessionFirstFrame: sessionOpen, sessionStream: sessionSequence, wrongState: misuse,
  };
}

/** The target names, in the order the runners use them. */
export const TARGETS = [
  'decoders', 'serverAwaitingClientHello', 'serverAwaitingClientFinish', 'clientAwaitingServerHello', 'sessionFirstFrame', 'sessionStream', 'wrongState',
] as const;
export type TargetName = (typeof TARGETS)[number];

/**
 * Runs `numRuns` cases of `target` with fast-check's `seed`. Resolves with the statistics, or
 * throws fast-check's report (with the shrunk counterexample and the seed to replay it).
 */
export function runTarget(fx: Fixtures, target: TargetName, numRuns: number, seed: number, hooks: RunHooks = {}): TargetStats {
  const t = targets(fx)[target];
  if (!t) throw new Error(`unknown fuzz target ${target}`);
  const stats: TargetStats = { target, cases: 0, accepted: 0, codes: {}, maxCaseMs: 0, totalMs: 0 };
  let index = 0;
  const start = performance.now();
  fc.assert(
    fc.property(t.arb, (spec) => {
      const t0 = performance.now();
      const codes = t.run(spec, hooks, index++);
      const ms = performance.now() - t0;
      stats.cases++;
      if (ms > stats.maxCaseMs) stats.maxCaseMs = ms;
      for (const c of codes) stats.codes[c] = (stats.codes[c] ?? 0) + 1;
      if (codes.includes('ok')) stats.accepted++;
    }),
    { numRuns, seed, endOnFailure: false },
  );
  stats.totalMs = performance.now() - start;
  return stats;
}

export { hex };
