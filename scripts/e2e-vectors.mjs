#!/usr/bin/env node
/**
 * Writes test/vectors/e2e.json: deterministic test vectors of the end-to-end layer (docs/E2E.md
 * §Test vectors) for another client to check itself against. Every secret and every "random"
 * input is derived from a fixed label with SHA-256 (the RSA identity keys too: their primes are
 * the first primes above seeded 1024-bit numbers), so running it again gives the same file.
 *
 *   npx tsc -p tsconfig.json && node scripts/e2e-vectors.mjs
 *
 * test/e2e/vectors.test.ts checks the implementation against the file, and re-derives its values
 * independently with node:crypto from the formulas of docs/E2E.md.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const load = (p) => import(path.join(root, 'dist', p));
const rsa = await load('src/rsa/index.js');
const { nodeE2ECrypto: c } = await load('src/e2e/crypto-node.js');
const { makeBundle } = await load('src/e2e/bundle.js');
const { derivePairwiseKeys, PairwiseChannel } = await load('src/e2e/pairwise.js');
const { SenderChain, messageKeyFromSeed } = await load('src/e2e/sender-chain.js');
const { sealDistribution, sealRoomMessage, sealDirect } = await load('src/e2e/outbound.js');
const { parseEnvelope, ENVELOPE_KINDS } = await load('src/e2e/envelope.js');
const { encodeMessage, encodeDistribution } = await load('src/e2e/content.js');
const { resolveLimits } = await load('src/e2e/limits.js');
const { safetyNumber } = await load('src/e2e/safety-number.js');

const hex = (b) => Buffer.from(b).toString('hex');
/** `n` bytes from SHA-256("parley e2e vectors/" ‖ label ‖ "/" ‖ counter) blocks. */
function seeded(label, n) {
  const out = Buffer.alloc(n);
  for (let i = 0, off = 0; off < n; i++, off += 32) createHash('sha256').update(`parley e2e vectors/${label}/${i}`).digest().copy(out, off);
  return new Uint8Array(out);
}
/** The first prime ≥ a seeded 1024-bit odd number with its top two bits set and gcd(p − 1, e) = 1. */
function seededPrime(label) {
  let p = BigInt('0x' + hex(seeded(label, 128))) | (3n << 1022n) | 1n;
  while (!(rsa.isProbablePrime(p, 40) && rsa.gcd(p - 1n, 65537n) === 1n)) p += 2n;
  return p;
}
function seededKey(name) {
  const p = seededPrime(`${name}/rsa p`);
  const q = seededPrime(`${name}/rsa q`);
  const e = 65537n;
  const d = rsa.modInverse(e, rsa.lcm(p - 1n, q - 1n));
  return rsa.privateKeyFromComponents({ n: p * q, e, d, p, q });
}

const CREATED = 1_700_000_000_000;
const limits = resolveLimits();
function party(name, created) {
  const key = seededKey(name);
  const x25519Private = seeded(`${name}/x25519`, 32);
  const ed25519Private = seeded(`${name}/ed25519`, 32);
  const pssSalt = seeded(`${name}/pss salt`, 32);
  const own = makeBundle(c, key, { now: created, x25519Private, ed25519Private, pssSalt });
  return {
    key,
    own,
    json: {
      name,
      rsaPrivateKeyPkcs8: rsa.exportPrivateKeyPem(key),
      spki: hex(own.identity.spki),
      fingerprint: own.identity.fingerprint,
      fingerprintBytes: hex(own.identity.fpBytes),
      x25519Private: hex(x25519Private),
      x25519Public: hex(own.x25519),
      ed25519Private: hex(ed25519Private),
      ed25519Public: hex(own.ed25519),
      created,
      pssSalt: hex(pssSalt),
      bundle: hex(own.bytes),
      // what the RSA-PSS signature of the bundle covers: "parley e2e bundle v1" ‖ 0x00 ‖ SHA-256(SPKI) ‖ body (its first 73 bytes)
      bundleSignatureInput: hex(Buffer.concat([Buffer.from('parley e2e bundle v1'), Buffer.of(0), own.identity.fpBytes, own.bytes.subarray(0, 73)])),
    },
  };
}

const alice = party('alice', CREATED);
const bob = party('bob', CREATED + 1);
const side = (p) => ({ fpBytes: p.own.identity.fpBytes, x25519: p.own.x25519, x25519Private: p.own.x25519Private });
const ka = derivePairwiseKeys(c, side(alice), side(bob));
const shared = c.x25519(alice.own.x25519Private, bob.own.x25519);
const [lo, hi] = hex(alice.own.identity.fpBytes) < hex(bob.own.identity.fpBytes) ? [alice, bob] : [bob, alice];
const info = Buffer.concat([Buffer.from('parley e2e pairwise v1'), Buffer.of(0), lo.own.identity.fpBytes, hi.own.identity.fpBytes, lo.own.x25519, hi.own.x25519]);

const TS = CREATED + 60_000;
let clock = TS;
const ctx = { crypto: c, selfName: 'alice', own: alice.own, limits, now: () => clock++ };
const channel = new PairwiseChannel(c, ka, limits.replayWindow);
const chainKey = seeded('alice/lobby chain key', 32);
const chainId = seeded('alice/lobby chain id', 16);
const chain = SenderChain.fromState(c, { chainId, iteration: 0, chainKey });
const dist = rsa.base64ToBytes(sealDistribution(ctx, 'lobby', 'bob', channel, chain));
const distEnv = parseEnvelope(dist, limits.maxPayloadBytes);

const TEXT = 'Hello, Bob! ✓';
const seed = c.hmacSha256(chainKey, Uint8Array.of(1));
const mk = messageKeyFromSeed(c, 0, seed);
const msg = rsa.base64ToBytes(sealRoomMessage(ctx, 'lobby', chain, TEXT, false));
const msgEnv = parseEnvelope(msg, limits.maxPayloadBytes);

const DM = 'psst, /me only';
const dm = rsa.base64ToBytes(sealDirect(ctx, 'bob', channel, DM, true));
const dmEnv = parseEnvelope(dm, limits.maxPayloadBytes);

/** What an envelope's Ed25519 signature covers: label(kind) ‖ 0x00 ‖ header ‖ u32 body length ‖ body. */
const signatureInput = (env) => hex(Buffer.concat([Buffer.from(ENVELOPE_KINDS[env.kind].label), Buffer.of(0), env.signedBytes]));

const out = {
  description: 'Parley end-to-end layer test vectors (docs/E2E.md §Test vectors). All byte strings are hex; every secret and random input is derived from fixed labels by scripts/e2e-vectors.mjs. Test keys only.',
  generator: 'scripts/e2e-vectors.mjs',
  alice: alice.json,
  bob: bob.json,
  pairwise: {
    note: 'between alice and bob; lo/hi order the raw identity fingerprints',
    lo: lo.json.name,
    shared: hex(shared),
    info: hex(info),
    aliceSendKey: hex(ka.sendKey),
    aliceReceiveKey: hex(ka.recvKey),
    channelId: hex(ka.channelId),
  },
  distribution: {
    note: "alice's chain for room lobby, sent to bob as pairwise sequence 0",
    room: 'lobby',
    to: 'bob',
    chainId: hex(chainId),
    iteration: 0,
    chainKey: hex(chainKey),
    seq: 0,
    ts: distEnv.ts,
    plaintext: hex(encodeDistribution('lobby', { chainId, iteration: 0, chainKey })),
    nonce: '000000000000000000000000',
    header: hex(distEnv.headerBytes),
    body: hex(distEnv.body),
    signature: hex(distEnv.signature),
    signatureInput: signatureInput(distEnv),
    envelope: hex(dist),
  },
  message: {
    note: 'alice in room lobby, iteration 0 of the chain above',
    room: 'lobby',
    text: TEXT,
    action: false,
    iteration: 0,
    seed: hex(seed),
    key: hex(mk.key),
    nonce: hex(mk.nonce),
    nextChainKey: hex(c.hmacSha256(chainKey, Uint8Array.of(2))),
    plaintext: hex(encodeMessage(c, TEXT, false, limits.maxTextBytes)),
    ts: msgEnv.ts,
    header: hex(msgEnv.headerBytes),
    body: hex(msgEnv.body),
    signature: hex(msgEnv.signature),
    signatureInput: signatureInput(msgEnv),
    envelope: hex(msg),
  },
  direct: {
    note: 'alice to bob, an action (/me), pairwise sequence 1',
    to: 'bob',
    text: DM,
    action: true,
    seq: 1,
    ts: dmEnv.ts,
    plaintext: hex(encodeMessage(c, DM, true, limits.maxTextBytes)),
    nonce: '000000000000000000000001',
    header: hex(dmEnv.headerBytes),
    body: hex(dmEnv.body),
    signature: hex(dmEnv.signature),
    signatureInput: signatureInput(dmEnv),
    envelope: hex(dm),
  },
  safetyNumber: safetyNumber(c, { name: 'alice', spki: alice.own.identity.spki }, { name: 'bob', spki: bob.own.identity.spki }),
};

mkdirSync(path.join(root, 'test', 'vectors'), { recursive: true });
writeFileSync(path.join(root, 'test', 'vectors', 'e2e.json'), JSON.stringify(out, null, 2) + '\n');
console.log(`wrote test/vectors/e2e.json (alice ${alice.json.fingerprint}, bob ${bob.json.fingerprint})`);
