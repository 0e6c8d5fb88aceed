/**
 * Shared fixtures of the protocol tests: RSA keys made by node:crypto (OpenSSL) and converted
 * into Parley keys, deterministic and recording crypto providers, a full-handshake runner, a
 * seeded PRNG for fuzz inputs, and an assertion on ProtocolError codes.
 */
import assert from 'node:assert/strict';
import nodeCryptoModule from 'node:crypto';
import { base64ToBytes, os2ip, privateKeyFromComponents, type RsaPrivateKey } from '../../src/rsa/index.js';
import { nodeCrypto, x25519PublicKey } from '../../src/protocol/crypto-node.js';
import {
  ClientHandshake, isProtocolError, ServerHandshake,
  type ClientHandshakeResult, type ProtocolCrypto, type ProtocolErrorCode, type ServerHandshakeResult,
} from '../../src/protocol/index.js';

const keyCache = new Map<string, RsaPrivateKey>();

/** An RSA private key made by OpenSSL and imported through privateKeyFromComponents; cached per (label, bits, e). */
export function rsaKey(label: string, bits = 2048, e = 65537): RsaPrivateKey {
  const id = `${label}/${bits}/${e}`;
  let key = keyCache.get(id);
  if (!key) {
    const { privateKey } = nodeCryptoModule.generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: e });
    const j = privateKey.export({ format: 'jwk' });
    const b = (s: string | undefined) => os2ip(base64ToBytes(s!));
    key = privateKeyFromComponents(
      { n: b(j.n), e: b(j.e), d: b(j.d), p: b(j.p), q: b(j.q), dp: b(j.dp), dq: b(j.dq), qi: b(j.qi) },
      { minBits: 1024 },
    );
    keyCache.set(id, key);
  }
  return key;
}

/**
 * `key` behind a Proxy that records which private components (d, p, q, dp, dq, qi) are read: a
 * test can show that a refusal came before any private-key operation. The proxy passes src/rsa's
 * key checks (its target is the frozen key).
 */
export function recordingIdentity(key: RsaPrivateKey): { identity: RsaPrivateKey; used: Set<string> } {
  const used = new Set<string>();
  const secret = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi']);
  const identity = new Proxy(key, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && secret.has(prop)) used.add(prop);
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { identity, used };
}

/** Deterministic bytes: SHA-256(seed ‖ counter) blocks. For tests only. */
export function drbg(seed: string): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let off = 0; off < n; off += 32) {
      const block = nodeCryptoModule.createHash('sha256').update(`${seed}/${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - off)), off);
    }
    return out;
  };
}

/**
 * nodeCrypto with deterministic randomBytes and X25519 key pairs drawn from `seed`, so that
 * the same seed gives the same ClientHello every time (RSA's own randomness is not affected).
 */
export function seededCrypto(seed: string): ProtocolCrypto {
  const rnd = drbg(seed);
  return {
    ...nodeCrypto,
    randomBytes: rnd,
    x25519Keypair() {
      const privateKey = rnd(32);
      return { privateKey, publicKey: x25519PublicKey(privateKey) };
    },
  };
}

/** nodeCrypto that keeps copies of every X25519 private key it generates (they are wiped by the handshake). */
export function recordingCrypto(): ProtocolCrypto & { ephemeralPrivateKeys: Uint8Array[] } {
  const ephemeralPrivateKeys: Uint8Array[] = [];
  return {
    ...nodeCrypto,
    ephemeralPrivateKeys,
    x25519Keypair() {
      const kp = nodeCrypto.x25519Keypair();
      ephemeralPrivateKeys.push(kp.privateKey.slice());
      return kp;
    },
  };
}

/** The messages and results of one complete handshake. */
export interface Handshake {
  clientHello: Uint8Array;
  serverHello: Uint8Array;
  clientFinish: Uint8Array;
  client: ClientHandshakeResult;
  server: ServerHandshakeResult;
}

/** Runs a full handshake between fresh ClientHandshake and ServerHandshake objects. */
export function runHandshake(opts: {
  clientKey?: RsaPrivateKey; serverKey?: RsaPrivateKey; name?: string;
  clientCrypto?: ProtocolCrypto; serverCrypto?: ProtocolCrypto; maxFrameLength?: number;
} = {}): Handshake {
  const c = new ClientHandshake({
    identity: opts.clientKey ?? rsaKey('client'), name: opts.name ?? 'alice',
    crypto: opts.clientCrypto ?? nodeCrypto, maxFrameLength: opts.maxFrameLength,
  });
  const s = new ServerHandshake({ identity: opts.serverKey ?? rsaKey('server'), crypto: opts.serverCrypto ?? nodeCrypto, maxFrameLength: opts.maxFrameLength });
  const clientHello = c.hello();
  const serverHello = s.onClientHello(clientHello);
  const client = c.onServerHello(serverHello);
  const server = s.onClientFinish(client.finish);
  return { clientHello, serverHello, clientFinish: client.finish, client, server };
}

/** mulberry32: a small seeded PRNG for fuzz inputs (not for cryptography). */
export function prng(seed: number): { next(): number; int(n: number): number; bytes(n: number): Uint8Array } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, bytes: (n) => Uint8Array.from({ length: n }, () => int(256)) };
}

/** Asserts that `fn` throws a ProtocolError with `code` (one of `code` when an array). */
export function throwsCode(fn: () => unknown, code: ProtocolErrorCode | ProtocolErrorCode[], what?: string): void {
  const codes = Array.isArray(code) ? code : [code];
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown !== undefined, `${what ?? 'call'}: expected ProtocolError ${codes.join('|')}, nothing was thrown`);
  assert.ok(isProtocolError(thrown), `${what ?? 'call'}: expected ProtocolError, got ${String(thrown)}`);
  assert.ok(codes.includes(thrown.code), `${what ?? 'call'}: expected ${codes.join('|')}, got ${thrown.code}: ${thrown.message}`);
}

/** A copy of `b` with bit `bit` of byte `i` flipped. */
export function flip(b: Uint8Array, i: number, bit = 0): Uint8Array {
  const out = b.slice();
  out[i]! ^= 1 << bit;
  return out;
}

/** Hex of bytes. */
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** Bytes of hex. */
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
