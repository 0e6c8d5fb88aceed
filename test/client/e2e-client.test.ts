/**
 * E2EClient (src/client/e2e-client.ts) over a fake connection: what it sends for the user's
 * say / dm, how the server's answers come back (own echo shown once and verified, an error
 * about an e2e_room reported for the `say`, a replayed own payload never verified), holding
 * messages until a room's members are known, re-encrypting after a dropped connection, and
 * `verified` in whois set only by the layer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatEvent, OutgoingRequest } from '../../src/chat/events.js';
import type { ConnectionStatus } from '../../src/client/connection.js';
import { E2EClient, type E2EClientEvent, type E2ETransport } from '../../src/client/e2e-client.js';
import { Emitter } from '../../src/client/emitter.js';
import { bodyFor } from '../../src/client/input.js';
import { nodeE2ECrypto } from '../../src/e2e/crypto-node.js';
import { quickKey } from '../integration/harness.js';

/** A connection that records what is sent; `out()` takes the queue as if it went on the wire. */
class FakeConnection extends Emitter<{ event: ChatEvent; status: ConnectionStatus }> {
  queued: OutgoingRequest[] = [];
  send(req: OutgoingRequest): void {
    this.queued.push(req);
  }
  takeQueued(pick: (r: OutgoingRequest) => boolean): OutgoingRequest[] {
    const taken = this.queued.filter(pick);
    this.queued = this.queued.filter((r) => !pick(r));
    return taken;
  }
  out(): OutgoingRequest[] {
    return this.queued.splice(0);
  }
}

const key = quickKey();
const limits = { maxMessageLength: 4000, messagesPerSecond: 5, burst: 10 };
const FP = 'SHA256:' + 'A'.repeat(43);

function setup() {
  const conn = new FakeConnection();
  const e2e = new E2EClient({ connection: conn as unknown as E2ETransport, crypto: nodeE2ECrypto, identity: key });
  const shown: E2EClientEvent[] = [];
  e2e.on('event', (e) => shown.push(e));
  const ev = (e: ChatEvent) => conn.emit('event', e);
  /** Connected as alice, alone in lobby with its member list known. */
  const connect = () => {
    ev({ type: 'ready', name: 'alice', fingerprint: FP, serverFingerprint: FP, rooms: ['lobby'], limits });
    ev({ type: 'join', room: 'lobby', name: 'alice', members: 1, ts: 1, fingerprint: FP });
    const asked = conn.out();
    assert.deepEqual(asked.map((r) => r.t), ['bundle_put', 'who'], 'the bundle, then our own who');
    ev({ type: 'who', room: 'lobby', members: ['alice'], fingerprints: { alice: FP } });
  };
  return { conn, e2e, shown, ev, connect };
}

describe('E2EClient', () => {
  it('a say becomes an e2e_room with a ref of its own; the echo shows once, verified under our key; a second copy is e2e_not_ours', () => {
    const { conn, e2e, shown, ev, connect } = setup();
    connect();
    assert.ok(!shown.some((e) => e.type === 'who'), 'our own who is not shown');
    e2e.send({ t: 'say', room: 'lobby', body: bodyFor('hello') });
    const [req] = conn.out();
    assert.ok(req?.t === 'e2e_room' && req.room === 'lobby' && typeof req.ref === 'string');
    assert.ok(!JSON.stringify(req).includes('hello'), 'no plaintext goes to the server');
    assert.equal(shown.filter((e) => e.type === 'message').length, 0, 'not shown before the server confirms it');
    const echo = { type: 'e2e_room', id: 'x1', from: 'alice', fromFingerprint: FP, room: 'lobby', ts: 5, payload: req.payload } as const;
    ev(echo);
    const mine = shown.filter((e) => e.type === 'message');
    assert.equal(mine.length, 1);
    assert.deepEqual(mine[0], { type: 'message', id: 'x1', from: 'alice', room: 'lobby', ts: 5, body: bodyFor('hello'), verified: true, code: null, fingerprint: e2e.fingerprint });
    ev({ ...echo, id: 'x2' }); // the server replays it
    const again = shown.filter((e) => e.type === 'message')[1];
    assert.ok(again?.type === 'message');
    assert.deepEqual([again.verified, again.code, again.fingerprint, again.body.text], [false, 'e2e_not_ours', null, '']);
  });

  it('an error about the e2e_room that carried a say is reported for the say (its command), and the payload is forgotten', () => {
    const { conn, e2e, shown, ev, connect } = setup();
    connect();
    e2e.send({ t: 'say', room: 'lobby', body: bodyFor('too much') });
    const [req] = conn.out();
    assert.ok(req?.t === 'e2e_room');
    ev({ type: 'error', code: 'too_long', message: 'payload too large', command: 'e2e_room', ref: req.ref! });
    const err = shown.find((e) => e.type === 'error');
    assert.ok(err?.type === 'error');
    assert.deepEqual([err.code, err.command], ['too_long', 'say']);
    ev({ type: 'e2e_room', id: 'late', from: 'alice', fromFingerprint: FP, room: 'lobby', ts: 6, payload: req.payload });
    assert.equal(shown.filter((e) => e.type === 'message' && e.verified).length, 0, 'a refused payload is not shown as sent later');
  });

  it("a say waits for its room's member list; a dm waits for the peer's keys; both count as pending", () => {
    const { conn, e2e, ev } = setup();
    ev({ type: 'ready', name: 'alice', fingerprint: FP, serverFingerprint: FP, rooms: ['lobby'], limits });
    ev({ type: 'join', room: 'lobby', name: 'alice', members: 1, ts: 1, fingerprint: FP });
    conn.out();
    e2e.send({ t: 'say', room: 'lobby', body: bodyFor('early') });
    assert.equal(conn.queued.length, 0);
    assert.equal(e2e.pending, 1);
    ev({ type: 'who', room: 'lobby', members: ['alice'], fingerprints: { alice: FP } });
    assert.deepEqual(conn.queued.map((r) => r.t), ['e2e_room']);
    assert.equal(e2e.pending, 1, 'in the connection queue');
    conn.out();
    assert.equal(e2e.pending, 0);
    e2e.send({ t: 'dm', to: 'bob', body: bodyFor('psst') });
    assert.deepEqual(conn.out().map((r) => r.t), ['bundle_get']);
    assert.equal(e2e.pending, 1, 'waiting for bob');
  });

  it("after a dropped connection, messages still queued are encrypted again by the next connection's session", () => {
    const { conn, e2e, ev, connect } = setup();
    connect();
    e2e.send({ t: 'say', room: 'lobby', body: bodyFor('in flight') });
    const before = conn.queued[0];
    assert.ok(before?.t === 'e2e_room');
    conn.emit('status', { state: 'reconnecting', inMs: 100, reason: 'lost', brief: 'lost' });
    assert.equal(conn.queued.length, 0, 'the old payload is taken back');
    assert.equal(e2e.pending, 1);
    connect();
    const after = conn.out().find((r) => r.t === 'e2e_room');
    assert.ok(after?.t === 'e2e_room');
    assert.notEqual(after.payload, before.payload, 'a new session made a new payload');
  });

  it('whois gets verified from our pins only; a plaintext message from the server is never passed on', () => {
    const { shown, ev, connect } = setup();
    connect();
    ev({ type: 'whois', name: 'bob', fingerprint: FP, online: true, rooms: [], verified: true });
    const w = shown.find((e) => e.type === 'whois');
    assert.ok(w?.type === 'whois');
    assert.equal(w.verified, false, "the server's verified does not count");
    ev({ type: 'message', id: 'p', from: 'bob', room: 'lobby', ts: 1, body: bodyFor('plain'), verified: true, fingerprint: FP });
    assert.ok(!shown.some((e) => e.type === 'message'));
  });

  it('a DM to a name the server does not know fails with no_such_user for the dm', () => {
    const { conn, e2e, shown, ev, connect } = setup();
    connect();
    e2e.send({ t: 'dm', to: 'nobody', body: bodyFor('hi') });
    conn.out();
    ev({ type: 'bundles', bundles: [], unknown: ['nobody'], more: false });
    const err = shown.find((e) => e.type === 'error');
    assert.ok(err?.type === 'error');
    assert.deepEqual([err.code, err.command, err.message], ['no_such_user', 'dm', 'nobody is not online']);
    assert.equal(e2e.pending, 0);
  });
});

describe('E2EClient: bundle_get within the server limit', () => {
  it("splits the session's bundle_get into requests of at most the server's maxBundleGet names", () => {
    const { conn, ev } = setup();
    ev({ type: 'ready', name: 'alice', fingerprint: FP, serverFingerprint: FP, rooms: ['lobby'], limits: { ...limits, maxBundleGet: 2 } });
    ev({ type: 'join', room: 'lobby', name: 'alice', members: 6, ts: 1, fingerprint: FP });
    conn.out();
    const names = ['b1', 'b2', 'b3', 'b4', 'b5'];
    ev({ type: 'who', room: 'lobby', members: ['alice', ...names], fingerprints: Object.fromEntries([['alice', FP], ...names.map((n) => [n, FP])]) });
    const gets = conn.out().filter((r) => r.t === 'bundle_get');
    assert.deepEqual(gets.map((r) => (r.t === 'bundle_get' ? r.names : [])), [['b1', 'b2'], ['b3', 'b4'], ['b5']]);
  });
});

describe('E2EClient: key distributions the server refuses', () => {
  it('names the recipient (the distribution carries a ref of the layer)', async () => {
    const { conn, e2e, shown, ev, connect } = setup();
    connect();
    // pretend a distribution went out: the layer stamps its own k-ref on e2e_to keys
    (e2e as unknown as { apply(fx: unknown): void }).apply({ send: [{ t: 'e2e_to', to: 'bob', kind: 'keys', payload: 'AAAA' }], received: [], notices: [] });
    const [req] = conn.out();
    assert.ok(req?.t === 'e2e_to' && req.ref?.startsWith('k'));
    ev({ type: 'error', code: 'no_such_user', message: 'bob is not online', command: 'e2e_to', ref: req.ref });
    const err = shown.find((e) => e.type === 'error');
    assert.ok(err?.type === 'error');
    assert.deepEqual([err.code, err.message, err.command], ['no_such_user', 'your keys could not be given to bob: bob is not online', undefined]);
  });
});

describe('E2EClient: a bundle_get the server refuses for its rate', () => {
  it('is asked again after retryAfterMs, not shown', async () => {
    const { conn, e2e, shown, ev, connect } = setup();
    connect();
    e2e.send({ t: 'dm', to: 'bob', body: bodyFor('psst') });
    const [get] = conn.out();
    assert.ok(get?.t === 'bundle_get' && get.ref !== undefined);
    ev({ type: 'error', code: 'rate_limited', message: 'slow down', retryAfterMs: 250, command: 'bundle_get', ref: get.ref });
    assert.ok(!shown.some((e) => e.type === 'error'));
    await new Promise((r) => setTimeout(r, 400));
    const [again] = conn.out();
    assert.ok(again?.t === 'bundle_get');
    assert.deepEqual(again.names, ['bob']);
    e2e.close();
  });
});

describe('E2EClient: a say for a room being joined', () => {
  it('waits for the join (and its member list) instead of being refused; a refused join refuses it', () => {
    const { conn, e2e, shown, ev, connect } = setup();
    connect();
    e2e.send({ t: 'join', room: 'dev' });
    e2e.send({ t: 'say', room: 'dev', body: bodyFor('first in dev') });
    e2e.send({ t: 'say', room: 'ops', body: bodyFor('nowhere') });
    const err = shown.find((e) => e.type === 'error');
    assert.ok(err?.type === 'error' && err.code === 'not_in_room' && err.command === 'say', 'a room neither joined nor being joined: refused at once');
    assert.deepEqual(conn.out().map((r) => r.t), ['join']);
    ev({ type: 'join', room: 'dev', name: 'alice', members: 1, ts: 2, fingerprint: FP });
    assert.deepEqual(conn.out().map((r) => r.t), ['who']);
    ev({ type: 'who', room: 'dev', members: ['alice'], fingerprints: { alice: FP } });
    const sent = conn.out();
    assert.ok(sent.length === 1 && sent[0]!.t === 'e2e_room' && sent[0]!.room === 'dev');

    e2e.send({ t: 'join', room: 'full' });
    e2e.send({ t: 'say', room: 'full', body: bodyFor('never') });
    assert.equal(e2e.pending, 2, 'the join in the queue, the say held');
    conn.out();
    ev({ type: 'error', code: 'room_limit', message: 'too many rooms', command: 'join' });
    const errs = shown.filter((e) => e.type === 'error');
    assert.deepEqual(errs.slice(1).map((e) => (e.type === 'error' ? [e.code, e.command] : [])), [['not_in_room', 'say'], ['room_limit', 'join']]);
    assert.equal(e2e.pending, 0);
  });
});
