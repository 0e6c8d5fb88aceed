/**
 * test/vectors/handshake.json (written by scripts/handshake-vectors.mjs, printed in
 * docs/PROTOCOL.md §Test vectors): the real ClientHandshake and ServerHandshake, fed the recorded
 * inputs, reproduce every byte; the generator rewrites the identical file; and the document prints
 * the file's values. handshake-vectors-node.test.ts re-derives every value with node:crypto alone.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ClientHandshake, deriveResumptionSecret, deriveSessionKeys, PROTOCOL_VERSION, ServerHandshake, TicketSealer, type ProtocolCrypto,
} from '../../src/protocol/index.js';
import { nodeCrypto as impl, x25519PublicKey } from '../../src/protocol/crypto-node.js';
import { exportPublicKeyDer, fingerprint, parsePrivateKey } from '../../src/rsa/index.js';
import { PROJECT_ROOT } from '../helpers/paths.js';
import { b, derived, FILE, H, R, recorded, V, type FrameJson } from './handshake-vectors-helpers.js';
import { hex, unhex } from './helpers.js';

/**
 * nodeCrypto handing out the recorded inputs in the reference implementation's draw order
 * (`referenceDraws`); a draw not recorded (implicit rejection's discarded fallback) is derived.
 */
function scripted(who: string, draws: string[], ephemerals: string[]): ProtocolCrypto & { done(): void } {
  const d = [...draws];
  const e = [...ephemerals];
  const get = (label: string, n: number) => new Uint8Array(recorded.has(label) ? b(recorded.get(label)!) : derived(label, n));
  return {
    ...impl,
    randomBytes(n) {
      const label = d.shift();
      assert.ok(label !== undefined, `${who}: an unexpected randomBytes(${n}): the implementation's draw order changed (referenceDraws)`);
      const v = get(label, n);
      assert.equal(v.length, n, `${who}: ${label} drawn with length ${n}`);
      return v;
    },
    x25519Keypair() {
      const label = e.shift();
      assert.ok(label !== undefined, `${who}: an unexpected x25519Keypair()`);
      const privateKey = get(label, 32);
      return { privateKey, publicKey: x25519PublicKey(privateKey) };
    },
    rsaKnownAnswer(use, n) {
      return get(`${who} ${use}`, n);
    },
    done() {
      assert.deepEqual([d, e], [[], []], `${who}: recorded draws left unused`);
    },
  };
}


describe('test/vectors/handshake.json: the implementation reproduces it', () => {
  const clientKey = parsePrivateKey(V.client.rsaPrivateKeyPkcs8);
  const serverKey = parsePrivateKey(V.server.rsaPrivateKeyPkcs8);

  it('identities: SPKI and fingerprints', () => {
    assert.equal(hex(exportPublicKeyDer(clientKey, 'spki')), V.client.spki);
    assert.equal(hex(exportPublicKeyDer(serverKey, 'spki')), V.server.spki);
    assert.equal(fingerprint(clientKey), V.client.fingerprint);
    assert.equal(fingerprint(serverKey), V.server.fingerprint);
  });

  it('the full handshake, its key schedule and the first frame each way, byte for byte', () => {
    const cc = scripted('client', H.referenceDraws.client, [H.inputs.clientEphemeral.label]);
    const sc = scripted('server', H.referenceDraws.server, [H.inputs.serverEphemeral.label]);
    const ch = new ClientHandshake({ identity: clientKey, name: V.client.name, crypto: cc });
    const sh = new ServerHandshake({ identity: serverKey, crypto: sc });
    const hello = ch.hello();
    assert.equal(hex(hello), H.clientHello);
    const serverHello = sh.onClientHello(hello);
    assert.equal(hex(serverHello), H.serverHello);
    const client = ch.onServerHello(serverHello);
    assert.equal(hex(client.finish), H.clientFinish);
    assert.equal(client.serverFingerprint, V.server.fingerprint);
    const server = sh.onClientFinish(client.finish);
    assert.deepEqual([server.clientFingerprint, server.name], [V.client.fingerprint, V.client.name]);
    cc.done();
    sc.done();
    assert.equal(hex(client.session.transcriptHash), H.transcriptHash);
    assert.equal(hex(server.session.transcriptHash), H.transcriptHash);
    const input = { sharedSecret: unhex(H.shared), clientSecret: unhex(H.inputs.clientSecret.value), serverSecret: unhex(H.inputs.serverSecret.value), transcriptHash: unhex(H.transcriptHash) };
    const keys = deriveSessionKeys(impl, input);
    assert.deepEqual([keys.clientToServer.key, keys.serverToClient.key, keys.clientToServer.iv, keys.serverToClient.iv].map(hex), [H.keyC2s, H.keyS2c, H.ivC2s, H.ivS2c]);
    assert.equal(hex(deriveResumptionSecret(impl, input)), H.resumptionSecret);
    const [c2s, s2c] = V.frames as [FrameJson, FrameJson];
    assert.equal(hex(client.session.seal(JSON.parse(c2s.plaintext))), c2s.frame);
    assert.equal(hex(server.session.seal(JSON.parse(s2c.plaintext))), s2c.frame);
    assert.deepEqual(server.session.open(unhex(c2s.frame)), JSON.parse(c2s.plaintext));
    assert.deepEqual(client.session.open(unhex(s2c.frame)), JSON.parse(s2c.plaintext));
  });

  it('the ticket, the resumption, its first frame and the next ticket, byte for byte', () => {
    let clock = R.issuedAt;
    const rsc = scripted('resume server', R.referenceDraws.server, [R.inputs.serverEphemeral.label]);
    const sealer = new TicketSealer(serverKey, rsc, { ...R.ticketOptions, now: () => clock });
    const sealed = sealer.seal({ version: PROTOCOL_VERSION, authenticatedAt: R.issuedAt, resumptionSecret: unhex(H.resumptionSecret), clientSpki: unhex(V.client.spki), fingerprint: V.client.fingerprint, name: V.client.name });
    assert.equal(hex(sealed!.ticket), R.ticket);
    assert.equal(sealed!.lifetimeMs, R.ticketLifetimeMs);
    clock = R.resumedAt;
    const rcc = scripted('resume client', R.referenceDraws.client, [R.inputs.clientEphemeral.label]);
    const ticket = { ticket: unhex(R.ticket), resumptionSecret: unhex(H.resumptionSecret), serverFingerprint: V.server.fingerprint };
    const ch = new ClientHandshake({ identity: clientKey, name: V.client.name, crypto: rcc, tickets: true, ticket });
    const sh = new ServerHandshake({ identity: serverKey, crypto: rsc, tickets: sealer });
    const hello = ch.hello();
    assert.equal(hex(hello), R.resumeHello);
    const rsh = sh.onClientHello(hello);
    assert.equal(hex(rsh), R.resumeServerHello);
    const client = ch.onServerHello(rsh);
    assert.equal(client.resumed, true);
    assert.equal(hex(client.finish), R.resumeFinish);
    const server = sh.onClientFinish(client.finish);
    assert.equal(server.resumed, true);
    rcc.done();
    rsc.done();
    assert.equal(hex(client.session.transcriptHash), R.transcriptHash);
    assert.equal(hex(client.resumptionSecret!), R.nextResumptionSecret);
    assert.equal(hex(client.session.seal(JSON.parse(R.firstFrame.plaintext))), R.firstFrame.frame);
    assert.deepEqual(server.session.open(unhex(R.firstFrame.frame)), JSON.parse(R.firstFrame.plaintext));
    assert.deepEqual([Buffer.from(server.ticket!.ticket, 'base64').toString('hex'), server.ticket!.lifetimeMs], [R.nextTicket, R.nextTicketLifetimeMs]);
  });

  it('scripts/handshake-vectors.mjs rewrites the identical file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-hv-'));
    try {
      const out = path.join(dir, 'handshake.json');
      execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'handshake-vectors.mjs'), '--out', out], { stdio: 'pipe' });
      assert.equal(readFileSync(out, 'utf8'), readFileSync(FILE, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});


describe('docs/PROTOCOL.md §Test vectors prints the values of test/vectors/handshake.json', () => {
  it('every fingerprint and every hex string of 16 digits or more in §A complete handshake is in the file', () => {
    const doc = readFileSync(path.join(PROJECT_ROOT, 'docs', 'PROTOCOL.md'), 'utf8');
    const start = doc.indexOf('### A complete handshake');
    const end = doc.indexOf('### Key schedule and frames with readable inputs');
    assert.ok(start > 0 && end > start, 'the section is where this test looks for it');
    const section = doc.slice(start, end);
    const json = readFileSync(FILE, 'utf8');
    const tokens = [...section.matchAll(/SHA256:[A-Za-z0-9+/]{43}|\b[0-9a-f]{16,}\b/g)].map((m) => m[0]);
    assert.ok(tokens.length >= 50, `only ${tokens.length} values found: the section prints the key values`);
    for (const t of tokens) assert.ok(json.includes(t), `docs/PROTOCOL.md prints ${t}, which test/vectors/handshake.json does not hold (regenerated without updating the document?)`);
    for (const v of [V.client.fingerprint, V.server.fingerprint, H.keyC2s, H.keyS2c, H.ivC2s, H.ivS2c, H.transcriptHash, V.frames[0]!.frame, V.frames[1]!.frame, R.keyC2s, R.firstFrame.frame])
      assert.ok(section.includes(v), `docs/PROTOCOL.md does not print ${v}`);
  });
});
