/**
 * The server fits the hub's end-to-end limits to its frames (src/server/server.ts,
 * fitToEventBytes): the largest payload whose event fits in one frame is relayed, one byte more
 * is refused with too_long — never an event too large to send, which would cost every receiver
 * its connection — and frames too small for protocol 2 are refused at start.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerEvent } from '../../src/chat/events.js';
import { MemoryNameRegistry } from '../../src/chat/index.js';
import { ParleyServer } from '../../src/server/server.js';
import { closeAll, quickKey, startServer, TestClient } from '../integration/harness.js';

after(closeAll);

describe('end-to-end limits and the frame size', () => {
  it('with 16 KiB frames: the largest payload that fits is announced and relayed; one byte more is too_long; receivers stay connected', async () => {
    const ctx = await startServer({ transport: { maxFrameBytes: 16 * 1024 } });
    const alice = await new TestClient(ctx.url, 'alice').connect();
    const bob = await new TestClient(ctx.url, 'bob').connect();
    const ready = alice.events.find((e) => e.type === 'ready') as Extract<ServerEvent, { type: 'ready' }>;
    const max = ready.limits.maxPayloadBytes!;
    assert.equal(max, 11_703, 'the most whose e2e event — with the ref of the sender\'s copy — fits in 16 KiB less a frame header and tag');
    assert.equal(ready.limits.maxBundleBytes, 4096);
    const biggest = Buffer.alloc(max, 0xab).toString('base64');
    alice.send({ t: 'e2e_to', to: 'bob', kind: 'dm', payload: biggest });
    assert.equal(ready.limits.maxKeysPayloadBytes, 2048, 'key distributions: their own, smaller limit');
    alice.send({ t: 'e2e_room', room: 'lobby', payload: biggest });
    const got = (await bob.next((e) => e.type === 'e2e_room')) as Extract<ServerEvent, { type: 'e2e_room' }>;
    assert.equal(got.payload, biggest);
    assert.ok(bob.events.some((e) => e.type === 'e2e_to' && e.payload === biggest));
    alice.send({ t: 'e2e_room', room: 'lobby', payload: Buffer.alloc(max + 1).toString('base64') });
    const refused = (await alice.next((e) => e.type === 'error' && e.command === 'e2e_room')) as Extract<ServerEvent, { type: 'error' }>;
    assert.equal(refused.code, 'too_long');
    assert.match(refused.message, new RegExp(`at most ${max} bytes`));
    alice.sendRoom('lobby', 'still connected');
    await bob.nextText('still connected');
    assert.equal(ctx.server.hub.stats().connections, 2);
  });

  it('frames too small for protocol 2\'s events: the server refuses to start, naming maxFrameBytes', () => {
    assert.throws(
      () => new ParleyServer({ identity: quickKey(), names: new MemoryNameRegistry(), transport: { maxFrameBytes: 2048 } }),
      (e: unknown) => e instanceof TypeError && /^server option maxFrameBytes must be at least 4121 /.test(e.message),
    );
  });
});
