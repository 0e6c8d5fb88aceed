/**
 * The key schedule as docs/PROTOCOL.md describes it, recomputed independently with node:crypto
 * from a recorded handshake; and the forward-secrecy property: an attacker who later obtains
 * both RSA private keys recovers client_secret and server_secret from the recording, but not
 * the session keys, because they also need the X25519 secret, whose private halves are gone.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { oaepDecrypt } from '../../src/rsa/index.js';
import { deriveSessionKeys, Session, type ProtocolCrypto, type SessionKeys } from '../../src/protocol/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { parseClientFinish, parseClientHello, parseServerHello } from '../../src/protocol/messages.js';
import { recordingCrypto, rsaKey, runHandshake, throwsCode } from './helpers.js';

const clientKey = rsaKey('client');
const serverKey = rsaKey('server');
const utf8 = (s: string) => new TextEncoder().encode(s);

/** AES-256-GCM-open of a recorded frame straight from the spec, with node:crypto only. */
function decryptFrame(frame: Uint8Array, key: Uint8Array, iv: Uint8Array): string {
  const counter = Buffer.from(frame).readBigUInt64BE(1);
  const nonce = Buffer.from(iv);
  const c = Buffer.alloc(8);
  c.writeBigUInt64BE(counter);
  for (let i = 0; i < 8; i++) nonce[4 + i]! ^= c[i]!;
  const d = crypto.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  d.setAAD(frame.subarray(0, 9));
  d.setAuthTag(frame.subarray(frame.length - 16));
  return Buffer.concat([d.update(frame.subarray(9, frame.length - 16)), d.final()]).toString('utf8');
}

describe('key schedule and forward secrecy', () => {
  const clientCrypto = recordingCrypto();
  const serverCrypto = recordingCrypto();
  const h = runHandshake({ clientCrypto, serverCrypto });
  const recorded = {
    c2s: [h.client.session.seal({ t: 'say', room: 'lobby', body: { text: 'secret plans', sha256: '' } })],
    s2c: [h.server.session.seal({ type: 'system', message: 'welcome', ts: 1 })],
  };
  const ch = parseClientHello(h.clientHello);
  const sh = parseServerHello(h.serverHello);
  const cf = parseClientFinish(h.clientFinish);
  // what an attacker with both RSA private keys gets from the recording
  const clientSecret = oaepDecrypt(serverKey, cf.wrappedSecret, { label: utf8('parley/1 client secret') });
  const serverSecret = oaepDecrypt(clientKey, sh.wrappedSecret, { label: utf8('parley/1 server secret') });
  const salt = crypto.createHash('sha256').update(Buffer.concat([h.clientHello, h.serverHello, h.clientFinish])).digest();

  it('the documented schedule, recomputed with node:crypto from the recording and the ephemeral keys, opens the frames', () => {
    assert.equal(clientCrypto.ephemeralPrivateKeys.length, 1);
    assert.equal(serverCrypto.ephemeralPrivateKeys.length, 1);
    const shared = nodeCrypto.x25519(clientCrypto.ephemeralPrivateKeys[0]!, sh.ephemeral);
    assert.deepEqual(nodeCrypto.x25519(serverCrypto.ephemeralPrivateKeys[0]!, ch.ephemeral), shared);
    const okm = Buffer.from(crypto.hkdfSync('sha256', Buffer.concat([shared, clientSecret, serverSecret]), salt, utf8('parley/1 session keys'), 88));
    const [kc2s, ks2c, ivc2s, ivs2c] = [okm.subarray(0, 32), okm.subarray(32, 64), okm.subarray(64, 76), okm.subarray(76, 88)];
    assert.deepEqual(JSON.parse(decryptFrame(recorded.c2s[0]!, kc2s, ivc2s)).body.text, 'secret plans');
    assert.deepEqual(JSON.parse(decryptFrame(recorded.s2c[0]!, ks2c, ivs2c)).message, 'welcome');
    assert.deepEqual(h.client.session.transcriptHash, new Uint8Array(salt));
  });

  it('the handshake wiped its ephemeral X25519 private keys', () => {
    const keptByClient: Uint8Array[] = [];
    const keptByServer: Uint8Array[] = [];
    const keeping = (list: Uint8Array[]): ProtocolCrypto => ({ ...nodeCrypto, x25519Keypair: () => { const k = nodeCrypto.x25519Keypair(); list.push(k.privateKey); return k; } });
    runHandshake({ clientCrypto: keeping(keptByClient), serverCrypto: keeping(keptByServer) });
    for (const k of [...keptByClient, ...keptByServer]) assert.ok(k.every((b) => b === 0), 'the very array the handshake used is all zeros');
  });

  it('with both RSA private keys but not the X25519 secret, the recorded traffic stays sealed', () => {
    // the attacker has client_secret, server_secret, the transcript hash — and can only guess the X25519 output
    const mallory = nodeCrypto.x25519Keypair();
    const guesses = [
      new Uint8Array(32), // nothing
      nodeCrypto.x25519(mallory.privateKey, sh.ephemeral), // his own share against the server's
      nodeCrypto.x25519(mallory.privateKey, ch.ephemeral), // his own share against the client's
      crypto.createHash('sha256').update(Buffer.concat([ch.ephemeral, sh.ephemeral])).digest(), // some function of the public values
    ];
    for (const guess of guesses) {
      const keys = deriveSessionKeys(nodeCrypto, { sharedSecret: new Uint8Array(guess), clientSecret, serverSecret, transcriptHash: new Uint8Array(salt) });
      const asServer = new Session({ role: 'server', keys, transcriptHash: salt, crypto: nodeCrypto });
      const asClient = new Session({ role: 'client', keys, transcriptHash: salt, crypto: nodeCrypto });
      throwsCode(() => asServer.open(recorded.c2s[0]!), 'decrypt_failed');
      throwsCode(() => asClient.open(recorded.s2c[0]!), 'decrypt_failed');
    }
  });

  it('every input of the schedule matters: change any one of the three secrets or the transcript hash → other keys', () => {
    const rnd = () => nodeCrypto.randomBytes(32);
    const base = { sharedSecret: rnd(), clientSecret: rnd(), serverSecret: rnd(), transcriptHash: rnd() };
    const flat = (k: SessionKeys) => Buffer.concat([k.clientToServer.key, k.serverToClient.key, k.clientToServer.iv, k.serverToClient.iv]).toString('hex');
    const ref = flat(deriveSessionKeys(nodeCrypto, { ...base }));
    assert.equal(flat(deriveSessionKeys(nodeCrypto, { ...base })), ref, 'deterministic');
    for (const field of ['sharedSecret', 'clientSecret', 'serverSecret', 'transcriptHash'] as const) {
      const changed = { ...base, [field]: base[field].slice() };
      changed[field][31]! ^= 1;
      assert.notEqual(flat(deriveSessionKeys(nodeCrypto, changed)), ref, field);
    }
    const k = deriveSessionKeys(nodeCrypto, { ...base });
    assert.notDeepEqual(k.clientToServer.key, k.serverToClient.key);
    assert.notDeepEqual(k.clientToServer.iv, k.serverToClient.iv);
    throwsCode(() => deriveSessionKeys(nodeCrypto, { ...base, sharedSecret: new Uint8Array(31) }), 'handshake_failed');
  });

  it('two handshakes between the same keys share nothing: different transcript hashes and keys', () => {
    const a = runHandshake();
    const b = runHandshake();
    assert.notDeepEqual(a.client.session.transcriptHash, b.client.session.transcriptHash);
    throwsCode(() => b.server.session.open(a.client.session.seal({ t: 'ping' })), 'decrypt_failed');
  });
});
