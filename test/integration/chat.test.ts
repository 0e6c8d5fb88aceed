/** End to end over real sockets: a server on an ephemeral port and three in-process clients. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bodyFor } from '../../src/client/input.js';
import type { ServerEvent } from '../../src/chat/events.js';
import { sleep, startServer, TestClient, closeAll } from './harness.js';

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

  it('delivers a room message to every member, with the sender’s hash intact', async () => {
    alice.send({ t: 'say', room: 'lobby', body: bodyFor('hello, lobby') });
    for (const c of [alice, bob, carol]) {
      const m = (await c.next((e) => e.type === 'message' && e.body.text === 'hello, lobby')) as Extract<ServerEvent, { type: 'message' }>;
      assert.equal(m.from, 'alice');
      assert.equal(m.room, 'lobby');
      assert.deepEqual(m.body, bodyFor('hello, lobby'));
    }
  });

  it('keeps rooms apart, with join and leave notices and member counts', async () => {
    bob.send({ t: 'join', room: 'dev' });
    const j = (await bob.next((e) => e.type === 'join' && e.room === 'dev' && e.name === 'bob')) as Extract<ServerEvent, { type: 'join' }>;
    assert.equal(j.members, 1);
    carol.send({ t: 'join', room: 'dev' });
    const j2 = (await bob.next((e) => e.type === 'join' && e.room === 'dev' && e.name === 'carol')) as Extract<ServerEvent, { type: 'join' }>;
    assert.equal(j2.members, 2);
    carol.send({ t: 'say', room: 'dev', body: bodyFor('dev only') });
    await bob.next((e) => e.type === 'message' && e.body.text === 'dev only');
    await sleep(200);
    assert.ok(!alice.events.some((e) => e.type === 'message' && e.body.text === 'dev only'), 'alice is not in dev');
    assert.ok(!alice.events.some((e) => e.type === 'join' && e.room === 'dev'), 'alice sees no dev notices');
    carol.send({ t: 'leave', room: 'dev' });
    const l = (await bob.next((e) => e.type === 'leave' && e.room === 'dev' && e.name === 'carol')) as Extract<ServerEvent, { type: 'leave' }>;
    assert.equal(l.members, 1);
  });

  it('delivers a direct message only to its target', async () => {
    alice.send({ t: 'dm', to: 'carol', body: bodyFor('psst, carol') });
    const d = (await carol.next((e) => e.type === 'direct' && e.body.text === 'psst, carol')) as Extract<ServerEvent, { type: 'direct' }>;
    assert.equal(d.from, 'alice');
    await sleep(200);
    assert.ok(!bob.events.some((e) => (e.type === 'direct' || e.type === 'message') && e.body.text === 'psst, carol'));
  });

  it('shows no earlier messages to a late joiner', async () => {
    alice.send({ t: 'say', room: 'lobby', body: bodyFor('before dave') });
    await bob.next((e) => e.type === 'message' && e.body.text === 'before dave');
    const dave = await new TestClient(ctx.url, 'dave').connect();
    alice.send({ t: 'say', room: 'lobby', body: bodyFor('after dave') });
    await dave.next((e) => e.type === 'message' && e.body.text === 'after dave');
    assert.ok(!dave.events.some((e) => e.type === 'message' && e.body.text !== 'after dave'));
    const join = (await alice.next((e) => e.type === 'join' && e.name === 'dave')) as Extract<ServerEvent, { type: 'join' }>;
    assert.equal(join.members, 4);
    dave.close();
    const leave = (await alice.next((e) => e.type === 'leave' && e.name === 'dave')) as Extract<ServerEvent, { type: 'leave' }>;
    assert.equal(leave.members, 3);
  });

  it('logs connects and disconnects with reasons, never message text', () => {
    assert.ok(ctx.log.lines.some((l) => /connect alice/.test(l)));
    assert.ok(ctx.log.lines.some((l) => /disconnect dave/.test(l)));
    assert.ok(!ctx.log.lines.some((l) => /hello, lobby|psst|dev only/.test(l)));
  });
});
