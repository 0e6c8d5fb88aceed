/**
 * Name limits through the real server: the WebSocket server passes each connection's source to
 * the hub, and a refusal of the per-source budget of new names reaches the client as an
 * authenticated `name_limit` error carrying `retryAfterMs`, which stops a ChatConnection for good.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { ServerEvent } from '../../src/chat/events.js';
import { unbatch } from '../../src/protocol/batch.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { ClientHandshake, SUBPROTOCOL } from '../../src/protocol/index.js';
import { closeAll, quickKey, sleep, startServer, TestClient } from './harness.js';

afterEach(closeAll);

/** Handshakes as `name` with a fresh key on a raw socket and returns the first event the server sends. */
async function firstEvent(url: string, name: string): Promise<ServerEvent> {
  const identity = quickKey();
  const ws = new WebSocket(url, SUBPROTOCOL);
  const received: Uint8Array[] = [];
  ws.on('message', (d) => received.push(new Uint8Array(d as Buffer)));
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
  try {
    const hs = new ClientHandshake({ identity, name, crypto: nodeCrypto });
    ws.send(hs.hello());
    const until = async (n: number) => {
      const end = Date.now() + 5000;
      while (received.length < n) {
        if (Date.now() > end) throw new Error(`no message ${n} from the server`);
        await sleep(10);
      }
    };
    await until(1);
    const r = hs.onServerHello(received[0]!);
    ws.send(r.finish);
    await until(2);
    return unbatch(r.session.open(received[1]!) as ServerEvent)[0]!;
  } finally {
    ws.terminate();
  }
}

describe('name limits over the WebSocket server', () => {
  it('one source spends its budget of new names; the next new name is name_limit with retryAfterMs, and an owned name still connects', async () => {
    const { url } = await startServer({ chat: { newNamesPerSourceBurst: 2, newNamesPerSourcePerHour: 1 } });
    const alice = await new TestClient(url, 'alice').connect();
    const bob = await new TestClient(url, 'bob').connect();
    const ev = await firstEvent(url, 'carol');
    assert.equal(ev.type, 'error');
    assert.ok(ev.type === 'error');
    assert.equal(ev.code, 'name_limit');
    assert.ok(typeof ev.retryAfterMs === 'number' && ev.retryAfterMs > 0 && ev.retryAfterMs <= 3_600_000, `retryAfterMs ${ev.retryAfterMs}`);
    // a ChatConnection stops for good on it (retrying at once cannot help)
    const dave = new TestClient(url, 'dave');
    dave.conn.start();
    const end = Date.now() + 5000;
    while (dave.fatal.length === 0 && Date.now() < end) await sleep(20);
    assert.deepEqual(dave.fatal.map((f) => f.code), ['name_limit']);
    // a name already owned is never refused: alice reconnects with her key
    alice.close();
    const again = await new TestClient(url, 'alice', alice.key).connect();
    assert.equal(again.events.find((e) => e.type === 'ready')?.type, 'ready');
    bob.close();
  });
});
