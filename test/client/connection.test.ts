/**
 * ChatConnection over an in-process fake transport: the real handshake and session, a scripted
 * server, no sockets. Covers pacing below the server's bucket and the resend of a message the
 * server refused with `rate_limited`. What a client does with errors, forged or authenticated,
 * is in connection-errors.test.ts. An assertion that fails inside the scripted server fails the
 * test (fake-server.ts reports it out of band) instead of reaching the client as a close.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChatConnection } from '../../src/client/connection.js';
import type { SocketFactory } from '../../src/client/socket.js';
import type { OutgoingRequest, ChatEvent } from '../../src/chat/events.js';
import { bodyFor } from '../../src/client/input.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { rsaKey } from '../protocol/helpers.js';
import { fakeSocketFactory, ready } from './fake-server.js';
import { closeAll, quickKey, startServer, TestClient } from '../integration/harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A scripted server: completes the handshake, sends `ready`, then passes each request to `onRequest`. */
function fakeServer(limits: { messagesPerSecond: number; burst: number }, onRequest: (req: OutgoingRequest, reply: (e: ChatEvent) => void) => void): { factory: SocketFactory; requests: OutgoingRequest[] } {
  const { factory, requests } = fakeSocketFactory(() => ({ after: [ready(limits)], onRequest }));
  return { factory, requests };
}

function connection(factory: SocketFactory): ChatConnection {
  return new ChatConnection({ url: 'ws://fake', identity: rsaKey('conn-client'), name: 'alice', crypto: nodeCrypto, socket: factory, verifyServer: () => ({ ok: true }), reconnect: false });
}

describe('ChatConnection pacing', () => {
  it('sends a first burst one below the server burst, then paces; every message carries a fresh ref', async () => {
    const times: number[] = [];
    const { factory, requests } = fakeServer({ messagesPerSecond: 20, burst: 5 }, () => times.push(Date.now()));
    const conn = connection(factory);
    let paced = 0;
    conn.on('paced', () => paced++);
    conn.start();
    for (let i = 0; i < 8; i++) conn.send({ t: 'say', room: 'lobby', body: bodyFor(`m${i}`) });
    const end = Date.now() + 3000;
    while (requests.length < 8 && Date.now() < end) await sleep(10);
    conn.close();
    assert.equal(requests.length, 8);
    assert.deepEqual(requests.map((r) => (r.t === 'say' ? r.body.text : '')), Array.from({ length: 8 }, (_, i) => `m${i}`));
    const refs = requests.map((r) => (r.t === 'say' ? r.ref : undefined));
    assert.equal(new Set(refs).size, 8, 'distinct refs');
    assert.ok(refs.every((r) => typeof r === 'string' && /^[A-Za-z0-9_-]{1,32}$/.test(r)));
    // 4 at once (burst 5 minus one token of slack), the 5th only after a refill (≥ ~50 ms at 20/s)
    assert.ok(times[4]! - times[0]! >= 40, `5th waited ${times[4]! - times[0]!} ms`);
    assert.ok(paced > 0);
  });

  it('sends a message again when the server refuses it with rate_limited and its ref; the user sees no error', async () => {
    let refused = false;
    const payload = (text: string) => Buffer.from(text).toString('base64');
    const { factory, requests } = fakeServer({ messagesPerSecond: 50, burst: 10 }, (req, reply) => {
      if (req.t === 'e2e_room' && req.payload === payload('two') && !refused) {
        refused = true;
        reply({ type: 'error', code: 'rate_limited', message: 'slow down', retryAfterMs: 120, command: 'e2e_room', ref: req.ref! });
      }
    });
    const conn = connection(factory);
    const events: ChatEvent[] = [];
    conn.on('event', (e) => events.push(e));
    conn.start();
    for (const text of ['one', 'two', 'three']) conn.send({ t: 'e2e_room', room: 'lobby', payload: payload(text) });
    const end = Date.now() + 3000;
    while (requests.length < 4 && Date.now() < end) await sleep(10);
    conn.close();
    const texts = requests.map((r) => (r.t === 'e2e_room' ? Buffer.from(r.payload, 'base64').toString() : r.t));
    assert.deepEqual(texts, ['one', 'two', 'three', 'two'], 'the refused one is sent again');
    assert.ok(!events.some((e) => e.type === 'error'), 'no error shown for a message that was resent');
    assert.equal(conn.pending, 0);
  });

  it('key distributions are not held back by the message bucket, and one refused for its rate is sent again', async () => {
    let refused = false;
    const { factory, requests } = fakeServer({ messagesPerSecond: 1, burst: 2 }, (req, reply) => {
      if (req.t === 'e2e_to' && req.kind === 'keys' && req.to === 'm3' && !refused) {
        refused = true;
        reply({ type: 'error', code: 'rate_limited', message: 'too many key distributions', retryAfterMs: 50, command: 'e2e_to', ref: req.ref! });
      }
    });
    const conn = connection(factory);
    const events: ChatEvent[] = [];
    conn.on('event', (e) => events.push(e));
    conn.start();
    for (let i = 0; i < 8; i++) conn.send({ t: 'e2e_to', to: `m${i}`, kind: 'keys', payload: 'AAAA' });
    const end = Date.now() + 3000;
    while (requests.length < 9 && Date.now() < end) await sleep(10);
    conn.close();
    // a bucket of 1 (burst 2 less one of slack) at 1/s would have taken 7 s for eight messages
    assert.deepEqual(requests.map((r) => (r.t === 'e2e_to' ? r.to : r.t)), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm3']);
    assert.ok(requests.every((r) => r.t === 'e2e_to' && typeof r.ref === 'string'), 'each with a ref');
    assert.ok(!events.some((e) => e.type === 'error'));
  });

  it("paces key distributions to the server's keysPerSecond / keysBurst (one token of slack), and keeps a ref the caller chose", async () => {
    const times: number[] = [];
    const { factory, requests } = fakeSocketFactory(() => ({ after: [ready({ messagesPerSecond: 5, burst: 10, keysPerSecond: 20, keysBurst: 4 })], onRequest: () => times.push(Date.now()) }));
    const conn = connection(factory);
    conn.start();
    for (let i = 0; i < 6; i++) conn.send({ t: 'e2e_to', to: `m${i}`, kind: 'keys', payload: 'AAAA', ...(i === 0 && { ref: 'mine-0' }) });
    const end = Date.now() + 3000;
    while (requests.length < 6 && Date.now() < end) await sleep(10);
    conn.close();
    assert.equal(requests.length, 6);
    assert.equal((requests[0] as { ref?: string }).ref, 'mine-0', "the caller's ref is kept");
    // 3 at once (burst 4 minus one of slack), the 4th only after a refill (≥ ~50 ms at 20/s)
    assert.ok(times[3]! - times[0]! >= 40, `4th waited ${times[3]! - times[0]!} ms`);
  });

  it('shows a rate_limited error whose ref it does not know (and keeps going)', async () => {
    const { factory, requests } = fakeServer({ messagesPerSecond: 50, burst: 10 }, (req, reply) => {
      if (req.t === 'join') reply({ type: 'error', code: 'rate_limited', message: 'too many requests', retryAfterMs: 50, command: 'join' });
    });
    const conn = connection(factory);
    const events: ChatEvent[] = [];
    conn.on('event', (e) => events.push(e));
    conn.start();
    conn.send({ t: 'join', room: 'ops' });
    conn.send({ t: 'say', room: 'lobby', body: bodyFor('after') });
    const end = Date.now() + 3000;
    while (requests.length < 2 && Date.now() < end) await sleep(10);
    await sleep(100);
    conn.close();
    assert.ok(events.some((e) => e.type === 'error' && e.code === 'rate_limited'));
    assert.equal(requests.filter((r) => r.t === 'say').length, 1);
  });
});

describe('batch frames', () => {
  it('a ChatConnection emits the events of a batch frame one by one, in order', async () => {
    const { factory, requests } = fakeServer({ messagesPerSecond: 50, burst: 10 }, (req, reply) => {
      if (req.t === 'ping') reply({ type: 'batch', events: [{ type: 'pong' }, { type: 'system', message: 'one', ts: 1 }, { type: 'system', message: 'two', ts: 2 }] });
    });
    const conn = connection(factory);
    const events: ChatEvent[] = [];
    conn.on('event', (e) => events.push(e));
    conn.start();
    conn.send({ t: 'ping' });
    const end = Date.now() + 3000;
    while (events.length < 4 && Date.now() < end) await sleep(10);
    conn.close();
    assert.equal(requests.length, 1);
    assert.deepEqual(events.map((e) => (e.type === 'system' ? e.message : e.type)), ['ready', 'pong', 'one', 'two']);
  });
});

describe('the scripted server itself', () => {
  it('an assertion that fails inside it fails the test: it never reaches ChatConnection as a close', async () => {
    const failures: unknown[] = [];
    const { factory, requests } = fakeSocketFactory(() => ({ after: [ready()], onRequest: () => assert.fail('checked inside the fake server') }), (e) => failures.push(e));
    const conn = connection(factory);
    const statuses: string[] = [];
    conn.on('status', (s) => statuses.push(s.state === 'closed' ? `closed: ${s.reason}` : s.state));
    conn.start();
    conn.send({ t: 'ping' });
    const end = Date.now() + 3000;
    while (failures.length === 0 && Date.now() < end) await sleep(10);
    await sleep(50);
    assert.equal(requests.length, 1);
    assert.equal(failures.length, 1);
    assert.ok(failures[0] instanceof assert.AssertionError && failures[0].message === 'checked inside the fake server');
    // before, ChatConnection's send() caught it and closed: "protocol error : checked inside the fake server"
    assert.deepEqual(statuses, ['connecting', 'connected'], 'the connection did not see it');
    conn.close();
  });
});


describe('ChatConnection and what ready says (a real server)', () => {
  after(closeAll);

  it('tracks its rooms by the name the server gives it (ready.name), whatever the case it asked for', async () => {
    const ctx = await startServer();
    const key = quickKey();
    const first = await new TestClient(ctx.url, 'Alice', key).connect();
    first.close();
    await sleep(50);
    const again = await new TestClient(ctx.url, 'alice', key).connect();
    const r = again.events.find((e) => e.type === 'ready');
    assert.ok(r?.type === 'ready' && r.name === 'Alice', 'the registered spelling');
    again.send({ t: 'join', room: 'dev' });
    await again.next((e) => e.type === 'join' && e.room === 'dev');
    assert.deepEqual([...again.conn.rooms].sort(), ['dev', 'lobby'], 'its own join, under its registered spelling, counts');
    again.send({ t: 'leave', room: 'dev' });
    await again.next((e) => e.type === 'leave' && e.room === 'dev');
    assert.deepEqual([...again.conn.rooms], ['lobby']);
  });

  it("refuses locally, with too_long, a request whose frame is over the server's ready.maxFrameLength; the connection goes on", async () => {
    const ctx = await startServer({ transport: { maxFrameBytes: 8192 } });
    const c = await new TestClient(ctx.url, 'framer').connect();
    const r = c.events.find((e) => e.type === 'ready');
    assert.ok(r?.type === 'ready' && r.maxFrameLength === 8192);
    c.send({ t: 'bundle_put', bundle: Buffer.alloc(7000).toString('base64') });
    c.send({ t: 'e2e_room', room: 'lobby', payload: Buffer.alloc(7000).toString('base64'), ref: 'big1' });
    c.send({ t: 'ping' });
    await c.next((e) => e.type === 'pong');
    const errors = c.events.filter((e) => e.type === 'error');
    assert.deepEqual(errors.map((e) => e.type === 'error' && [e.code, e.command, e.ref]), [
      ['too_long', 'bundle_put', undefined],
      ['too_long', 'e2e_room', 'big1'],
    ]);
    assert.match((errors[0] as { message: string }).message, /^this request would make a \d+-byte frame; the server accepts at most 8192 bytes$/);
    assert.equal(ctx.server.connectionCount, 1, 'still connected: nothing over the limit reached the server');
    assert.ok(!c.events.some((e) => e.type === 'e2e_room'), 'not sent');
  });
});
