/**
 * Batches (docs/PROTOCOL.md §Batches): events the server has for one client in the same turn of
 * its event loop travel in one frame, in order, never over the frame limit; clients unpack them.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { unbatch } from '../../src/protocol/batch.js';
import type { ServerEvent } from '../../src/chat/events.js';
import { ClientHandshake, SUBPROTOCOL, type Session } from '../../src/protocol/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { closeAll, quickKey, sleep, startServer } from './harness.js';

after(closeAll);

/** A raw client that records every frame after the handshake, with its size and its events. */
async function rawClient(url: string, name: string, maxFrameLength?: number) {
  const identity = quickKey();
  const ws = new WebSocket(url, SUBPROTOCOL);
  const frames: { size: number; events: ServerEvent[]; batch: boolean }[] = [];
  let session: Session | undefined;
  const hs = new ClientHandshake({ identity, name, crypto: nodeCrypto, ...(maxFrameLength && { maxFrameLength }) });
  ws.on('message', (d: Buffer) => {
    const bytes = new Uint8Array(d);
    if (!session) {
      const r = hs.onServerHello(bytes);
      ws.send(r.finish);
      session = r.session;
      return;
    }
    const ev = session.open(bytes) as ServerEvent;
    frames.push({ size: bytes.length, events: unbatch(ev), batch: ev.type === 'batch' });
  });
  await new Promise((r) => ws.once('open', r));
  ws.send(hs.hello());
  const end = Date.now() + 5000;
  while (frames.length === 0 && Date.now() < end) await sleep(10);
  return { ws, frames, say: (text: string) => ws.send(session!.seal({ t: 'e2e_room', room: 'lobby', payload: Buffer.from(text).toString('base64') })), events: () => frames.flatMap((f) => f.events) };
}

describe('batches', () => {
  it('ready and the join notice of a new connection arrive as one batch frame, in order', async () => {
    const ctx = await startServer();
    const c = await rawClient(ctx.url, 'batcher');
    const first = c.frames[0]!;
    assert.equal(first.batch, true);
    assert.deepEqual(first.events.map((e) => e.type), ['ready', 'join']);
    c.ws.close();
  });

  it('a burst fans out in order, each frame within the frame limit, none lost', async () => {
    const MAX = 8192; // protocol 2's smallest frames are 4121 bytes (MIN_EVENT_BYTES + header + tag)
    const ctx = await startServer({ transport: { maxFrameBytes: MAX }, chat: { messagesPerSecond: 1000, burst: 1000 } });
    const sender = await rawClient(ctx.url, 'sender', MAX);
    const reader = await rawClient(ctx.url, 'reader', MAX);
    const texts = Array.from({ length: 40 }, (_, i) => `${i} ${'x'.repeat(1200)}`);
    for (const t of texts) sender.say(t);
    const end = Date.now() + 10000;
    const got = () => reader.events().filter((e): e is Extract<ServerEvent, { type: 'e2e_room' }> => e.type === 'e2e_room');
    while (got().length < texts.length && Date.now() < end) await sleep(20);
    assert.deepEqual(got().map((e) => Buffer.from(e.payload, 'base64').toString()), texts, 'every message, in order');
    assert.ok(reader.frames.every((f) => f.size <= MAX), `frames within ${MAX} bytes: ${reader.frames.map((f) => f.size).join(',')}`);
    assert.ok(reader.frames.some((f) => f.batch && f.events.length > 1), 'some frames carried several messages');
    sender.ws.close();
    reader.ws.close();
  });
});
