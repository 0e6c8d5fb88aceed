/**
 * Session resumption (docs/PROTOCOL.md §Session resumption) between ClientHandshake and
 * ServerHandshake: the ticket round trip, the server's zero RSA cost, every kind of refused
 * ticket falling back to the full handshake, tickets that only the secret's holder can use, and
 * servers that cannot impersonate without the ticket key.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exportPublicKeyDer, fingerprint } from '../../src/rsa/index.js';
import { checkTicketOptions, ClientHandshake, encodeResumeFinish, MessageType, parseResumeHello, parseResumeServerHello, ServerHandshake } from '../../src/protocol/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { encodeResumeServerHelloMacked } from '../../src/protocol/resume-messages.js';
import { transportOptions } from '../../src/server/options.js';
import { flip, recordingIdentity, rsaKey, throwsCode } from './helpers.js';
import { handshake, HOUR, independentTicket, keptTicket, sealer, T0, type Run } from './resume-helpers.js';

const clientKey = rsaKey('client');
const serverKey = rsaKey('server');
const otherKey = rsaKey('mallory');
const bob = rsaKey('bob');

/** Frames flow both ways on the two sessions of a run. */
function talk(run: Run): void {
  assert.deepEqual(run.server.session.open(run.client.session.seal({ t: 'ping' })), { t: 'ping' });
  assert.deepEqual(run.client.session.open(run.server.session.seal({ type: 'pong' })), { type: 'pong' });
}

describe('session resumption', () => {
  it('a full handshake through ResumeHello issues a ticket; the ticket resumes the same identity with fresh keys and no RSA operation', () => {
    const clock = { now: T0 };
    const tickets = sealer(serverKey, clock);
    const full = handshake({ serverKey, tickets, clientKey });
    assert.equal(full.hello[0], MessageType.ResumeHello);
    assert.equal(full.serverHello[0], MessageType.ServerHello);
    assert.equal(full.server.resumed, false);
    assert.equal(full.server.ticket?.lifetimeMs, HOUR);
    talk(full);
    clock.now += 60_000;
    // the resumption, with a server whose private-key components are watched
    const { identity, used } = recordingIdentity(serverKey);
    const run = handshake({ serverKey: identity, tickets, clientKey, ticket: keptTicket(full) });
    assert.equal(run.serverHello[0], MessageType.ResumeServerHello);
    assert.equal(run.serverHello.length, 130);
    assert.equal(run.finish[0], MessageType.ResumeFinish);
    assert.equal(run.finish.length, 34);
    assert.deepEqual([...used], [], 'the resuming server read no private-key component: zero RSA operations');
    assert.equal(run.client.resumed, true);
    assert.equal(run.server.resumed, true);
    assert.equal(run.client.serverFingerprint, fingerprint(serverKey), 'the stated key is the server key');
    assert.equal(run.server.name, 'alice');
    assert.equal(run.server.clientFingerprint, fingerprint(clientKey));
    assert.deepEqual(run.server.clientSpki, exportPublicKeyDer(clientKey, 'spki'));
    assert.deepEqual(run.client.session.transcriptHash, run.server.session.transcriptHash);
    assert.notDeepEqual(run.client.session.transcriptHash, full.client.session.transcriptHash);
    talk(run);
    // a frame of the first session does not open in the resumed one: fresh keys
    throwsCode(() => run.server.session.open(full.client.session.seal({ t: 'x' })), ['decrypt_failed', 'out_of_order']);
    // a fresh ticket after each resumption, with another secret, which resumes again
    assert.ok(run.server.ticket);
    assert.notDeepEqual(run.client.resumptionSecret, full.client.resumptionSecret);
    const again = handshake({ serverKey, tickets, clientKey, ticket: keptTicket(run) });
    assert.equal(again.server.resumed, true);
    talk(again);
  });

  it('the chain of resumptions ends ticketMaxAuthAgeMs after its full handshake', () => {
    const clock = { now: T0 };
    const tickets = sealer(serverKey, clock, { maxAuthAgeMs: 2 * HOUR });
    let run = handshake({ serverKey, tickets, clientKey });
    clock.now += 50 * 60_000;
    run = handshake({ serverKey, tickets, clientKey, ticket: keptTicket(run) });
    assert.equal(run.server.resumed, true);
    clock.now += 50 * 60_000;
    run = handshake({ serverKey, tickets, clientKey, ticket: keptTicket(run) });
    assert.equal(run.server.resumed, true);
    assert.ok(run.server.ticket!.lifetimeMs <= 20 * 60_000, `the last ticket is cut short (${run.server.ticket!.lifetimeMs} ms)`);
    clock.now += 20 * 60_000;
    const last = handshake({ serverKey, tickets, clientKey, ticket: keptTicket(run) });
    assert.equal(last.server.resumed, false, 'past the chain limit: a full handshake');
    assert.equal(last.client.ticketRefused, true);
  });

  it('a ticket of the previous key epoch is accepted, across the boundary', () => {
    const clock = { now: Math.floor(T0 / HOUR) * HOUR + HOUR - 5_000 };
    const tickets = sealer(serverKey, clock);
    const full = handshake({ serverKey, tickets, clientKey });
    clock.now += 10_000; // the next epoch
    assert.equal(handshake({ serverKey, tickets, clientKey, ticket: keptTicket(full) }).server.resumed, true);
  });

  it('a ticket built from the documented format with node:crypto alone resumes (independent check of the ticket key and layout)', () => {
    const clock = { now: T0 };
    const tickets = sealer(serverKey, clock);
    const secret = nodeCrypto.randomBytes(32);
    const f = { issuedAt: T0 - 1000, authenticatedAt: T0 - 1000, lifetimeMs: HOUR, secret, spki: exportPublicKeyDer(clientKey, 'spki'), name: 'alice', fingerprint: fingerprint(clientKey) };
    const epoch = Math.floor(T0 / HOUR);
    const offer = (e: number) => handshake({ serverKey, tickets, clientKey, ticket: { ticket: independentTicket(serverKey, { ...f, epoch: e }), resumptionSecret: secret, serverFingerprint: fingerprint(serverKey) } });
    assert.equal(offer(epoch).server.resumed, true);
    assert.equal(offer(epoch - 1).server.resumed, true, 'the previous epoch');
    assert.equal(offer(epoch - 2).server.resumed, false, 'two epochs back: refused, full handshake');
    assert.equal(offer(epoch + 1).server.resumed, false, 'a future epoch: refused');
  });

  describe('a refused ticket falls back to the full handshake, which completes', () => {
    const clock = { now: T0 };
    const tickets = sealer(serverKey, clock);
    const base = keptTicket(handshake({ serverKey, tickets, clientKey }));
    const cases: { what: string; ticket?: Uint8Array; server?: () => Parameters<typeof handshake>[0]; clientKey?: typeof clientKey; name?: string; advance?: number }[] = [
      { what: 'random bytes', ticket: nodeCrypto.randomBytes(base.ticket.length) },
      { what: 'a one-byte ticket', ticket: Uint8Array.of(1) },
      { what: 'a flipped ciphertext bit', ticket: flip(base.ticket, base.ticket.length - 40) },
      { what: 'a flipped tag bit', ticket: flip(base.ticket, base.ticket.length - 1) },
      { what: 'a flipped nonce bit (header, associated data)', ticket: flip(base.ticket, 10) },
      { what: 'another protocol version in the header', ticket: flip(base.ticket, 1, 1) },
      { what: 'another format byte', ticket: flip(base.ticket, 0, 1) },
      { what: 'truncated', ticket: base.ticket.subarray(0, base.ticket.length - 1) },
      { what: 'expired', advance: HOUR },
      { what: 'issued in the future beyond the clock skew', advance: -2 * 60_000 },
      { what: 'another server key', server: () => ({ serverKey: otherKey, tickets: sealer(otherKey, clock), clientKey }) },
      { what: 'the same identity with another key epoch length', server: () => ({ serverKey, tickets: sealer(serverKey, clock, { epochMs: 2 * HOUR }), clientKey }) },
      { what: "offered by another client key (the ticket's key differs from the hello's)", clientKey: bob },
      { what: 'offered for another name', name: 'mallory' },
    ];
    for (const c of cases) {
      it(c.what, () => {
        const at = { now: T0 + (c.advance ?? 0) };
        const o = c.server?.() ?? { serverKey, tickets: sealer(serverKey, at), clientKey: c.clientKey ?? clientKey };
        const run = handshake({ ...o, name: c.name ?? 'alice', ticket: { ...base, ticket: c.ticket ?? base.ticket, resumptionSecret: base.resumptionSecret.slice() } });
        assert.equal(run.serverHello[0], MessageType.ServerHello, 'the server answered with a full ServerHello');
        assert.equal(run.client.ticketRefused, true);
        assert.equal(run.client.resumed, false);
        assert.equal(run.server.resumed, false);
        assert.ok(run.server.ticket, 'and issued a fresh ticket');
        talk(run);
      });
    }
  });

  it('a replayed ticket cannot complete without its resumption secret', () => {
    const clock = { now: T0 };
    const tickets = sealer(serverKey, clock);
    const kept = keptTicket(handshake({ serverKey, tickets, clientKey }));
    const genuine = handshake({ serverKey, tickets, clientKey, ticket: kept });
    assert.equal(genuine.server.resumed, true);
    // an eavesdropper replays the whole recorded resumption: the server's fresh share changes the transcript
    const s1 = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto, tickets });
    assert.equal(s1.onClientHello(genuine.hello)[0], MessageType.ResumeServerHello);
    throwsCode(() => s1.onClientFinish(genuine.finish), 'bad_signature');
    // a thief with the ticket but not the secret: a guessed secret makes the client refuse the server's Finished
    const thief = new ClientHandshake({ identity: clientKey, name: 'alice', crypto: nodeCrypto, tickets: true, ticket: { ...kept, resumptionSecret: nodeCrypto.randomBytes(32) } });
    const s2 = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto, tickets });
    const sh = s2.onClientHello(thief.hello());
    throwsCode(() => thief.onServerHello(sh), 'bad_signature');
    // and any ResumeFinish the thief makes up is refused: the client is never admitted
    for (const guess of [nodeCrypto.randomBytes(32), new Uint8Array(32)]) {
      const s = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto, tickets });
      s.onClientHello(genuine.hello);
      throwsCode(() => s.onClientFinish(encodeResumeFinish(guess)), 'bad_signature');
    }
  });

  it('a server without the ticket key cannot impersonate: a forged ResumeServerHello fails, an honest other server falls back to a full handshake', () => {
    const clock = { now: T0 };
    const tickets = sealer(serverKey, clock);
    const kept = keptTicket(handshake({ serverKey, tickets, clientKey }));
    const c = new ClientHandshake({ identity: clientKey, name: 'alice', crypto: nodeCrypto, tickets: true, ticket: kept });
    const hello = c.hello();
    assert.deepEqual(parseResumeHello(hello).ticket, kept.ticket);
    // the impostor states the real server's key (public) but can only guess the Finished
    const macked = encodeResumeServerHelloMacked({ nonce: nodeCrypto.randomBytes(32), ephemeral: nodeCrypto.x25519Keypair().publicKey, serverKeyHash: nodeCrypto.sha256(exportPublicKeyDer(serverKey, 'spki')) });
    throwsCode(() => c.onServerHello(new Uint8Array([...macked, ...nodeCrypto.randomBytes(32)])), 'bad_signature');
    // stating another key than the ticket's server is refused before any MAC
    const c2 = new ClientHandshake({ identity: clientKey, name: 'alice', crypto: nodeCrypto, tickets: true, ticket: kept });
    c2.hello();
    const other = encodeResumeServerHelloMacked({ nonce: nodeCrypto.randomBytes(32), ephemeral: nodeCrypto.x25519Keypair().publicKey, serverKeyHash: nodeCrypto.sha256(exportPublicKeyDer(otherKey, 'spki')) });
    throwsCode(() => c2.onServerHello(new Uint8Array([...other, ...nodeCrypto.randomBytes(32)])), 'handshake_failed');
    // an honest server with another key cannot open the ticket: a full handshake, whose key the pin then judges
    const run = handshake({ serverKey: otherKey, tickets: sealer(otherKey, clock), clientKey, ticket: kept });
    assert.equal(run.client.resumed, false);
    assert.equal(run.client.serverFingerprint, fingerprint(otherKey));
  });

  it('tickets only for clients that ask: a ClientHello gets none; a server without a sealer ignores the offer', () => {
    const clock = { now: T0 };
    const tickets = sealer(serverKey, clock);
    const c = new ClientHandshake({ identity: clientKey, name: 'alice', crypto: nodeCrypto });
    const s = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto, tickets });
    const hello = c.hello();
    assert.equal(hello[0], MessageType.ClientHello);
    const r = s.onClientFinish(c.onServerHello(s.onClientHello(hello)).finish);
    assert.equal(r.ticket, undefined);
    const kept = keptTicket(handshake({ serverKey, tickets, clientKey }));
    const plain = handshake({ serverKey, clientKey, ticket: kept });
    assert.equal(plain.server.resumed, false);
    assert.equal(plain.server.ticket, undefined);
  });

  it('ticket options are checked: positive, lifetime within the epoch and 7 days; transportOptions names the option', () => {
    const ok = { lifetimeMs: HOUR, epochMs: HOUR, maxAuthAgeMs: 24 * HOUR };
    assert.doesNotThrow(() => checkTicketOptions(ok));
    for (const bad of [{ lifetimeMs: 0 }, { epochMs: -1 }, { maxAuthAgeMs: 1.5 }, { lifetimeMs: 2 * HOUR }, { epochMs: 999, lifetimeMs: 500 }, { lifetimeMs: 8 * 24 * HOUR, epochMs: 9 * 24 * HOUR }])
      assert.throws(() => checkTicketOptions({ ...ok, ...bad }), RangeError, JSON.stringify(bad));
    assert.throws(() => transportOptions({ ticketLifetimeMs: 2 * HOUR }), /server option ticketLifetimeMs .* must not exceed ticketKeyEpochMs/);
    assert.throws(() => transportOptions({ ticketKeyEpochMs: 0 }), /server option ticketKeyEpochMs must be a positive integer/);
    assert.deepEqual([transportOptions().ticketLifetimeMs, transportOptions().ticketKeyEpochMs, transportOptions().ticketMaxAuthAgeMs], [HOUR, HOUR, 24 * HOUR]);
  });

  it('message layouts are strict', () => {
    const clock = { now: T0 };
    const tickets = sealer(serverKey, clock);
    const kept = keptTicket(handshake({ serverKey, tickets, clientKey }));
    const run = handshake({ serverKey, tickets, clientKey, ticket: kept });
    const spki = exportPublicKeyDer(clientKey, 'spki');
    // ResumeHello: type, version, nonce, share, vec16 key, vec8 name, vec16 ticket
    assert.equal(run.hello[1], 2);
    assert.equal((run.hello[66]! << 8) | run.hello[67]!, spki.length);
    assert.equal(run.hello[68 + spki.length], 5);
    assert.equal((run.hello[74 + spki.length]! << 8) | run.hello[75 + spki.length]!, kept.ticket.length);
    assert.equal(run.hello.length, 76 + spki.length + kept.ticket.length);
    const rsh = parseResumeServerHello(run.serverHello)!;
    assert.deepEqual(rsh.serverKeyHash, nodeCrypto.sha256(exportPublicKeyDer(serverKey, 'spki')));
    const s = () => {
      const x = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto, tickets });
      return x;
    };
    throwsCode(() => s().onClientHello(new Uint8Array([...run.hello, 0])), 'malformed');
    throwsCode(() => parseResumeServerHello(new Uint8Array([...run.serverHello, 0])), 'malformed');
    const x = s();
    x.onClientHello(run.hello);
    throwsCode(() => x.onClientFinish(new Uint8Array([...run.finish, 0])), 'malformed');
  });
});

