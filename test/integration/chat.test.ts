/**
 * Over real sockets: a server on an ephemeral port and three in-process clients. The clients send
 * opaque end-to-end payloads (no E2E layer here: the server's routing is what is tested).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerEvent } from '../../src/chat/events.js';
import { payloadOf, sleep, startServer, TestClient, closeAll, textOf } from './harness.js';

// whatever a failed test left open is closed, so the process always exits
after(closeAll);

describe('chat over real sockets', () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  let alice: TestClient;
  let bob: TestClient;
  let carol: TestClient;
  before(async () => {
    ctx = await startServer();
    alice = await new TestClient(ctx.url, 'alice').connect();
    bob = await new TestClient(ctx.url, 'bob').connect();
    carol = await new TestClient(ctx.url, 'carol').connect();
  });
  after(async () => {
    for (const c of [alice, bob, carol]) c?.close();
    await ctx?.server.close();
  });

  it('announces ready with the server fingerprint and the lobby', async () => {
    const ready = (await alice.next((e) => e.type === 'ready')) as Extract<ServerEvent, { type: 'ready' }>;
    assert.equal(ready.name, 'alice');
    assert.equal(ready.serverFingerprint, ctx.server.fingerprint);
    assert.deepEqual(ready.rooms, ['lobby']);
  });

  it('delivers a room message to every member, its payload byte for byte, stamped with the sender’s name and fingerprint', async () => {
    alice.sendRoom('lobby', 'hello, lobby');
    for (const c of [alice, bob, carol]) {
      const m = (await c.nextText('hello, lobby')) as Extract<ServerEvent, { type: 'e2e_room' }>;
      assert.equal(m.type, 'e2e_room');
      assert.equal(m.from, 'alice');
      assert.equal(m.fromFingerprint, (alice.events.find((e) => e.type === 'ready') as Extract<ServerEvent, { type: 'ready' }>).fingerprint);
      assert.equal(m.room, 'lobby');
      assert.equal(m.payload, payloadOf('hello, lobby'));
    }
  });

  it('keeps rooms apart, with join and leave notices and member counts', async () => {
    bob.send({ t: 'join', room: 'dev' });
    const j = (await bob.next((e) => e.type === 'join' && e.room === 'dev' && e.name === 'bob')) as Extract<ServerEvent, { type: 'join' }>;
    assert.equal(j.members, 1);
    carol.send({ t: 'join', room: 'dev' });
    const j2 = (await bob.next((e) => e.type === 'join' && e.room === 'dev' && e.name === 'carol')) as Extract<ServerEvent, { type: 'join' }>;
    assert.equal(j2.members, 2);
    assert.equal(j2.fingerprint, (carol.events.find((e) => e.type === 'ready') as Extract<ServerEvent, { type: 'ready' }>).fingerprint);
    carol.sendRoom('dev', 'dev only');
    await bob.nextText('dev only');
    alice.sendRoom('dev', 'from outside');
    const refused = (await alice.next((e) => e.type === 'error' && e.command === 'e2e_room')) as Extract<ServerEvent, { type: 'error' }>;
    assert.equal(refused.code, 'not_in_room');
    await sleep(200);
    assert.ok(!alice.events.some((e) => textOf(e) === 'dev only'), 'alice is not in dev');
    assert.ok(!bob.events.some((e) => textOf(e) === 'from outside'), 'a non-member cannot post to dev');
    assert.ok(!alice.events.some((e) => e.type === 'join' && e.room === 'dev'), 'alice sees no dev notices');
    carol.send({ t: 'leave', room: 'dev' });
    const l = (await bob.next((e) => e.type === 'leave' && e.room === 'dev' && e.name === 'carol')) as Extract<ServerEvent, { type: 'leave' }>;
    assert.equal(l.members, 1);
  });

  it('delivers a direct message and a key distribution only to their target', async () => {
    alice.send({ t: 'e2e_to', to: 'carol', kind: 'dm', payload: payloadOf('psst, carol') });
    alice.send({ t: 'e2e_to', to: 'carol', kind: 'keys', payload: payloadOf('a key for carol') });
    const d = (await carol.nextText('psst, carol')) as Extract<ServerEvent, { type: 'e2e_to' }>;
    assert.deepEqual([d.from, d.to, d.kind], ['alice', 'carol', 'dm']);
    const k = (await carol.nextText('a key for carol')) as Extract<ServerEvent, { type: 'e2e_to' }>;
    assert.equal(k.kind, 'keys');
    await alice.nextText('psst, carol'); // the echo of the dm
    await sleep(200);
    assert.ok(!bob.events.some((e) => textOf(e) !== undefined && /carol/.test(textOf(e)!)));
    assert.ok(!alice.events.some((e) => textOf(e) === 'a key for carol'), 'no echo of a key distribution');
  });

  it('hands out each member\'s identity key (the SPKI its handshake authenticated), fingerprint and bundle', async () => {
    const bundle = payloadOf('bob bundle');
    bob.send({ t: 'bundle_put', bundle });
    bob.send({ t: 'ping' }); // handled in order: once pong is back, the bundle is in
    await bob.next((e) => e.type === 'pong');
    alice.send({ t: 'bundle_get', names: ['bob', 'nobody'] });
    const b = (await alice.next((e) => e.type === 'bundles')) as Extract<ServerEvent, { type: 'bundles' }>;
    const ready = bob.events.find((e) => e.type === 'ready') as Extract<ServerEvent, { type: 'ready' }>;
    const { exportPublicKeyDer, fingerprint } = await import('../../src/rsa/index.js');
    assert.deepEqual(b.bundles, [{ name: 'bob', key: Buffer.from(exportPublicKeyDer(bob.key, 'spki')).toString('base64'), fingerprint: ready.fingerprint, bundle }]);
    assert.equal(fingerprint(bob.key), ready.fingerprint);
    assert.deepEqual(b.unknown, ['nobody']);
    assert.equal(b.more, false);
  });

  it('shows no earlier messages to a late joiner', async () => {
    alice.sendRoom('lobby', 'before dave');
    await bob.nextText('before dave');
    const dave = await new TestClient(ctx.url, 'dave').connect();
    alice.sendRoom('lobby', 'after dave');
    await dave.nextText('after dave');
    assert.ok(!dave.events.some((e) => textOf(e) !== undefined && textOf(e) !== 'after dave'));
    const join = (await alice.next((e) => e.type === 'join' && e.name === 'dave')) as Extract<ServerEvent, { type: 'join' }>;
    assert.equal(join.members, 4);
    dave.close();
    const leave = (await alice.next((e) => e.type === 'leave' && e.name === 'dave')) as Extract<ServerEvent, { type: 'leave' }>;
    assert.equal(leave.members, 3);
  });

  it('logs connects and disconnects with reasons, never a payload', () => {
    assert.ok(ctx.log.lines.some((l) => /connect alice/.test(l)));
    assert.ok(ctx.log.lines.some((l) => /disconnect dave/.test(l)));
    const payloads = ['hello, lobby', 'psst, carol', 'dev only', 'a key for carol', 'bob bundle'].map(payloadOf);
    assert.ok(!ctx.log.lines.some((l) => payloads.some((p) => l.includes(p)) || /hello, lobby|psst|dev only/.test(l)));
  });
});
