#!/usr/bin/env node
/**
 * Writes test/vectors/handshake.json: a deterministic full handshake of the wire protocol
 * (docs/PROTOCOL.md §Test vectors) — two fixed test identities, every "random" input, the
 * ClientHello, ServerHello and ClientFinish, every intermediate value, the session keys, the first
 * frame in each direction — and one session resumption with a fixed ticket key epoch.
 *
 *   npx tsc -p tsconfig.json && node scripts/handshake-vectors.mjs [--out FILE]
 *
 * Every random input is the first n bytes of SHA-256("parley handshake vector: " ‖ label); the
 * RSA identity keys are derived too (each prime is the first prime above a number made of such
 * hashes), so a rerun writes the identical file. The messages are made by the real
 * ClientHandshake and ServerHandshake, driven by a crypto provider that hands out those values
 * (its rsaKnownAnswer hook fixes the OAEP seeds and PSS salts; known-answer tests only).
 * test/protocol/handshake-vectors.test.ts checks the file against the implementation, and
 * handshake-vectors-node.test.ts re-derives every value with node:crypto alone from the document.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const load = (p) => import(path.join(root, 'dist', p));
const rsa = await load('src/rsa/index.js');
const P = await load('src/protocol/index.js');
const { nodeCrypto, x25519PublicKey } = await load('src/protocol/crypto-node.js');

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: node scripts/handshake-vectors.mjs [--out FILE]\n  writes the handshake test vectors (default test/vectors/handshake.json); run `npx tsc -p tsconfig.json` first');
  process.exit(0);
}
const outIdx = args.indexOf('--out');
const OUT = outIdx >= 0 ? path.resolve(args[outIdx + 1] ?? '') : path.join(root, 'test', 'vectors', 'handshake.json');
if (outIdx >= 0 && !args[outIdx + 1]) {
  console.error('--out needs a file name');
  process.exit(2);
}

const hex = (b) => Buffer.from(b).toString('hex');
const PREFIX = 'parley handshake vector: ';
/** The labelled input: SHA-256(PREFIX ‖ label)[0..n) for n ≤ 32; longer: SHA-256(PREFIX ‖ label ‖ "/0") ‖ SHA-256(… "/1") ‖ … */
function value(label, n = 32) {
  if (n <= 32) return new Uint8Array(createHash('sha256').update(PREFIX + label).digest().subarray(0, n));
  const out = Buffer.alloc(n);
  for (let i = 0, off = 0; off < n; i++, off += 32) createHash('sha256').update(`${PREFIX}${label}/${i}`).digest().copy(out, off);
  return new Uint8Array(out);
}
/** The first prime ≥ the 1024-bit number value(label, 128) with its top two bits and its low bit set, such that gcd(p − 1, 65537) = 1. */
function seededPrime(label) {
  let p = BigInt('0x' + hex(value(label, 128))) | (3n << 1022n) | 1n;
  while (!(rsa.isProbablePrime(p, 40) && rsa.gcd(p - 1n, 65537n) === 1n)) p += 2n;
  return p;
}
function seededKey(who) {
  const p = seededPrime(`${who} rsa p`);
  const q = seededPrime(`${who} rsa q`);
  const e = 65537n;
  const d = rsa.modInverse(e, rsa.lcm(p - 1n, q - 1n));
  return rsa.privateKeyFromComponents({ n: p * q, e, d, p, q });
}

/**
 * nodeCrypto whose randomness is scripted: randomBytes hands out the labelled values of `draws`
 * in order (the order in which the reference implementation draws them), x25519Keypair those of
 * `ephemerals`, and rsaKnownAnswer the OAEP seed and PSS salt labelled `${who} oaep seed` /
 * `${who} pss salt`. Every value is a fresh copy (the handshake wipes what it used).
 */
function scripted(who, draws, ephemerals) {
  const d = [...draws];
  const e = [...ephemerals];
  return {
    ...nodeCrypto,
    randomBytes(n) {
      const [label, len] = d.shift() ?? [];
      if (label === undefined || len !== n) throw new Error(`${who}: unexpected randomBytes(${n}) (expected ${label ?? 'no draw'}): the implementation's draw order changed`);
      return value(label, n);
    },
    x25519Keypair() {
      const label = e.shift();
      if (label === undefined) throw new Error(`${who}: unexpected x25519Keypair()`);
      const privateKey = value(label);
      return { privateKey, publicKey: x25519PublicKey(privateKey) };
    },
    rsaKnownAnswer(use, n) {
      return value(`${who} ${use}`, n);
    },
    done() {
      if (d.length || e.length) throw new Error(`${who}: draws left over: ${[...d.map((x) => x[0]), ...e].join(', ')}`);
    },
  };
}

const NAME = 'alice';
const clientKey = seededKey('client');
const serverKey = seededKey('server');
const identity = (key) => {
  const spki = rsa.exportPublicKeyDer(key, 'spki');
  return {
    rsaPrivateKeyPkcs8: rsa.exportPrivateKeyPem(key),
    modulusBits: key.bits,
    spki: hex(spki),
    spkiSha256: hex(createHash('sha256').update(spki).digest()),
    fingerprint: rsa.fingerprint(key),
  };
};

// ---- the full handshake ----
const CLIENT_DRAWS = [['client nonce', 32], ['client unwrap fallback', 32], ['client secret', 32]];
const SERVER_DRAWS = [['server nonce', 32], ['server secret', 32], ['server unwrap fallback', 32]];
const cc = scripted('client', CLIENT_DRAWS, ['client ephemeral']);
const sc = scripted('server', SERVER_DRAWS, ['server ephemeral']);
const ch = new P.ClientHandshake({ identity: clientKey, name: NAME, crypto: cc });
const sh = new P.ServerHandshake({ identity: serverKey, crypto: sc });
const clientHello = ch.hello();
const serverHello = sh.onClientHello(clientHello);
const client = ch.onServerHello(serverHello);
const clientFinish = client.finish;
const server = sh.onClientFinish(clientFinish);
cc.done();
sc.done();
if (client.serverFingerprint !== rsa.fingerprint(serverKey) || server.clientFingerprint !== rsa.fingerprint(clientKey)) throw new Error('fingerprints differ');

const { parseServerHello, parseClientFinish } = await load('src/protocol/messages.js');
const shp = parseServerHello(serverHello);
const cfp = parseClientFinish(clientFinish);
const cat = (...p) => new Uint8Array(Buffer.concat(p));
const ascii = (s) => new TextEncoder().encode(s);
const serverSignatureInput = cat(ascii('parley/1 server signature'), Uint8Array.of(0), clientHello, shp.signed);
const clientSignatureInput = cat(ascii('parley/1 client signature'), Uint8Array.of(0), clientHello, serverHello, cfp.signed);
const shared = nodeCrypto.x25519(value('client ephemeral'), x25519PublicKey(value('server ephemeral')));
const ks = { sharedSecret: shared, clientSecret: value('client secret'), serverSecret: value('server secret'), transcriptHash: P.transcriptHash(nodeCrypto, clientHello, serverHello, clientFinish) };
const th = ks.transcriptHash;
if (hex(th) !== hex(client.session.transcriptHash) || hex(th) !== hex(server.session.transcriptHash)) throw new Error('transcript hash differs from the sessions');
const keys = P.deriveSessionKeys(nodeCrypto, ks);
const okm = cat(keys.clientToServer.key, keys.serverToClient.key, keys.clientToServer.iv, keys.serverToClient.iv);
const resumptionSecret = P.deriveResumptionSecret(nodeCrypto, ks);

// ---- the first frame in each direction (not `ready`: its fields change as the protocol grows) ----
const { frameHeader, frameNonce } = await load('src/protocol/frame.js');
const C2S = { t: 'ping' };
const S2C = { type: 'pong' };
const c2s = client.session.seal(C2S);
const s2c = server.session.seal(S2C);
if (JSON.stringify(server.session.open(c2s)) !== JSON.stringify(C2S) || JSON.stringify(client.session.open(s2c)) !== JSON.stringify(S2C)) throw new Error('frames do not open');
const frame = (direction, msg, dir, bytes) => ({
  direction,
  counter: 0,
  plaintext: JSON.stringify(msg),
  header: hex(frameHeader(0n)),
  nonce: hex(frameNonce(dir.iv, 0n)),
  frame: hex(bytes),
});

// ---- a resumption with a ticket carrying the resumption_secret above ----
const TICKET_OPTIONS = { lifetimeMs: 3_600_000, epochMs: 3_600_000, maxAuthAgeMs: 86_400_000 };
const ISSUED_AT = 1_767_225_600_000; // 2026-01-01T00:00:00Z, the start of an epoch
const RESUMED_AT = ISSUED_AT + 60_000;
let clock = ISSUED_AT;
const RS_DRAWS = [['ticket nonce', 12], ['resume server nonce', 32], ['next ticket nonce', 12]];
const rsc = scripted('resume server', RS_DRAWS, ['resume server ephemeral']);
const sealer = new P.TicketSealer(serverKey, rsc, { ...TICKET_OPTIONS, now: () => clock });
const sealed = sealer.seal({ version: P.PROTOCOL_VERSION, authenticatedAt: ISSUED_AT, resumptionSecret: resumptionSecret.slice(), clientSpki: server.clientSpki, fingerprint: server.clientFingerprint, name: NAME });
const epoch = Math.floor(ISSUED_AT / TICKET_OPTIONS.epochMs);
const ticketKey = P.deriveTicketKey(nodeCrypto, serverKey, epoch);
const ticketPlaintext = nodeCrypto.aeadOpen(ticketKey, sealed.ticket.subarray(6, 18), sealed.ticket.subarray(18), sealed.ticket.subarray(0, 18));
clock = RESUMED_AT;
const rcc = scripted('resume client', [['resume client nonce', 32]], ['resume client ephemeral']);
const rch = new P.ClientHandshake({ identity: clientKey, name: NAME, crypto: rcc, tickets: true, ticket: { ticket: sealed.ticket, resumptionSecret: resumptionSecret.slice(), serverFingerprint: client.serverFingerprint } });
const rsh = new P.ServerHandshake({ identity: serverKey, crypto: rsc, tickets: sealer });
const resumeHello = rch.hello();
const resumeServerHello = rsh.onClientHello(resumeHello);
const rclient = rch.onServerHello(resumeServerHello);
const resumeFinish = rclient.finish;
const rserver = rsh.onClientFinish(resumeFinish);
rcc.done();
rsc.done();
if (!rclient.resumed || !rserver.resumed || !rserver.ticket) throw new Error('the resumption did not resume');
const rShared = nodeCrypto.x25519(value('resume client ephemeral'), x25519PublicKey(value('resume server ephemeral')));
const rInput = { resumptionSecret, sharedSecret: rShared };
const thServer = nodeCrypto.sha256(cat(resumeHello, resumeServerHello.subarray(0, 98)));
const fk = P.deriveFinishedKeys(nodeCrypto, rInput, thServer);
const thClient = nodeCrypto.sha256(cat(resumeHello, resumeServerHello));
const rTh = nodeCrypto.sha256(cat(resumeHello, resumeServerHello, resumeFinish));
if (hex(rTh) !== hex(rclient.session.transcriptHash) || hex(rTh) !== hex(rserver.session.transcriptHash)) throw new Error('resumed transcript hash differs');
const rk = P.deriveResumedKeys(nodeCrypto, rInput, rTh);
if (hex(rk.nextResumptionSecret) !== hex(rclient.resumptionSecret)) throw new Error('next resumption secret differs');
const nextTicket = Buffer.from(rserver.ticket.ticket, 'base64');
const rc2s = rclient.session.seal(C2S);
if (JSON.stringify(rserver.session.open(rc2s)) !== JSON.stringify(C2S)) throw new Error('resumed frame does not open');
const nextTicketPlaintext = nodeCrypto.aeadOpen(ticketKey, nextTicket.subarray(6, 18), nextTicket.subarray(18), nextTicket.subarray(0, 18));

const x = (label) => ({ private: hex(value(label)), public: hex(x25519PublicKey(value(label))) });
const out = {
  description: 'Parley wire protocol version 2: a deterministic full handshake, its first frames and one session resumption (docs/PROTOCOL.md §Test vectors). Byte strings are hex. Test keys only: never use them for anything else.',
  generator: 'scripts/handshake-vectors.mjs',
  regenerate: 'npx tsc -p tsconfig.json && node scripts/handshake-vectors.mjs',
  protocolVersion: P.PROTOCOL_VERSION,
  subprotocol: P.SUBPROTOCOL,
  labelPrefix: PREFIX,
  derivation: 'every random input labelled L of n ≤ 32 bytes is SHA-256(labelPrefix ‖ L)[0..n) (ASCII, no terminator); each RSA prime labelled L is the first prime ≥ OS2IP(SHA-256(labelPrefix ‖ L ‖ "/0") ‖ … ‖ SHA-256(… ‖ "/3")) OR 3·2^1022 OR 1 with gcd(p − 1, 65537) = 1; e = 65537, d = e^−1 mod lcm(p − 1, q − 1)',
  client: { name: NAME, primeLabels: ['client rsa p', 'client rsa q'], ...identity(clientKey) },
  server: { primeLabels: ['server rsa p', 'server rsa q'], ...identity(serverKey) },
  handshake: {
    inputs: {
      clientNonce: { label: 'client nonce', value: hex(value('client nonce')) },
      clientEphemeral: { label: 'client ephemeral', ...x('client ephemeral') },
      serverNonce: { label: 'server nonce', value: hex(value('server nonce')) },
      serverEphemeral: { label: 'server ephemeral', ...x('server ephemeral') },
      serverSecret: { label: 'server secret', value: hex(value('server secret')) },
      serverOaepSeed: { label: 'server oaep seed', value: hex(value('server oaep seed')) },
      serverPssSalt: { label: 'server pss salt', value: hex(value('server pss salt')) },
      clientSecret: { label: 'client secret', value: hex(value('client secret')) },
      clientOaepSeed: { label: 'client oaep seed', value: hex(value('client oaep seed')) },
      clientPssSalt: { label: 'client pss salt', value: hex(value('client pss salt')) },
    },
    referenceDraws: {
      note: "the order in which the reference ClientHandshake/ServerHandshake call their provider's randomBytes (the unwrap fallback is implicit rejection's replacement secret, drawn before every OAEP decryption and discarded when it succeeds); needed only to drive src/protocol itself",
      client: CLIENT_DRAWS.map(([l]) => l),
      server: SERVER_DRAWS.map(([l]) => l),
    },
    clientHello: hex(clientHello),
    serverHello: hex(serverHello),
    serverSecretWrapped: hex(shp.wrappedSecret),
    serverSignatureInput: hex(serverSignatureInput),
    serverSignatureInputSha256: hex(createHash('sha256').update(serverSignatureInput).digest()),
    serverSignature: hex(shp.signature),
    clientFinish: hex(clientFinish),
    clientSecretWrapped: hex(cfp.wrappedSecret),
    clientSignatureInput: hex(clientSignatureInput),
    clientSignatureInputSha256: hex(createHash('sha256').update(clientSignatureInput).digest()),
    clientSignature: hex(cfp.signature),
    shared: hex(shared),
    ikm: hex(cat(shared, value('client secret'), value('server secret'))),
    transcriptHash: hex(th),
    okm: hex(okm),
    keyC2s: hex(keys.clientToServer.key),
    keyS2c: hex(keys.serverToClient.key),
    ivC2s: hex(keys.clientToServer.iv),
    ivS2c: hex(keys.serverToClient.iv),
    resumptionSecret: hex(resumptionSecret),
  },
  frames: [frame('client → server', C2S, keys.clientToServer, c2s), frame('server → client', S2C, keys.serverToClient, s2c)],
  resumption: {
    note: 'the ticket carries the resumption_secret of the handshake above (a server issues tickets only after a ResumeHello; this saves a second full handshake). The ticket key is derived from the server key\'s primes.',
    ticketOptions: TICKET_OPTIONS,
    issuedAt: ISSUED_AT,
    epoch,
    ticketKey: hex(ticketKey),
    ticketNonce: { label: 'ticket nonce', value: hex(value('ticket nonce', 12)) },
    ticketPlaintext: hex(ticketPlaintext),
    ticket: hex(sealed.ticket),
    ticketLifetimeMs: sealed.lifetimeMs,
    resumedAt: RESUMED_AT,
    inputs: {
      clientNonce: { label: 'resume client nonce', value: hex(value('resume client nonce')) },
      clientEphemeral: { label: 'resume client ephemeral', ...x('resume client ephemeral') },
      serverNonce: { label: 'resume server nonce', value: hex(value('resume server nonce')) },
      serverEphemeral: { label: 'resume server ephemeral', ...x('resume server ephemeral') },
      nextTicketNonce: { label: 'next ticket nonce', value: hex(value('next ticket nonce', 12)) },
    },
    referenceDraws: { client: ['resume client nonce'], server: RS_DRAWS.map(([l]) => l) },
    resumeHello: hex(resumeHello),
    resumeServerHello: hex(resumeServerHello),
    resumeFinish: hex(resumeFinish),
    shared: hex(rShared),
    ikm: hex(cat(resumptionSecret, rShared)),
    thServer: hex(thServer),
    serverFinishedKey: hex(fk.server),
    clientFinishedKey: hex(fk.client),
    serverFinished: hex(resumeServerHello.subarray(98)),
    thClient: hex(thClient),
    clientFinished: hex(resumeFinish.subarray(2)),
    transcriptHash: hex(rTh),
    keyC2s: hex(rk.keys.clientToServer.key),
    keyS2c: hex(rk.keys.serverToClient.key),
    ivC2s: hex(rk.keys.clientToServer.iv),
    ivS2c: hex(rk.keys.serverToClient.iv),
    nextResumptionSecret: hex(rk.nextResumptionSecret),
    firstFrame: frame('client → server', C2S, rk.keys.clientToServer, rc2s),
    nextTicket: hex(nextTicket),
    nextTicketPlaintext: hex(nextTicketPlaintext),
    nextTicketLifetimeMs: rserver.ticket.lifetimeMs,
  },
};

mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(out, null, 2) + '\n');
console.log(`wrote ${path.relative(process.cwd(), OUT) || OUT} (client ${out.client.fingerprint}, server ${out.server.fingerprint})`);
