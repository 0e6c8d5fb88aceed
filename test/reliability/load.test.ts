/**
 * Load, scaled down for `npm test`: 100 raw clients on one server process (a separate process,
 * so its memory is its own), in rooms of 10, all chatting; every message must reach every
 * member of its room exactly once and in order per sender; then everyone disconnects and the
 * server's heap must come back near its level before the round. The full run (1,000 clients)
 * is bench/reliability/load.ts.
 *
 * The 100 clients share 25 keys (4 names per key; generating 100 keys takes too long on a busy
 * 2-core machine), so the chat rate is raised: its buckets follow the key. Each key connects from
 * its own loopback address (127.1.0.x, see planClients), so the default per-source transport
 * limits apply unchanged: 4 connections per address.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { keyPool } from './lib/keys.js';
import { ServerChild, type MemReport } from './lib/server-child.js';
import { planClients, Swarm, type SwarmReport } from './lib/swarm.js';

const CLIENTS = 100;
const ROOM_SIZE = 10;
const KEYS = 25;
const MESSAGES = 5;
const MiB = 1024 * 1024;

async function waitConnections(server: ServerChild, n: number, timeoutMs: number): Promise<MemReport> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = await server.mem();
    if (m.connections === n || Date.now() > end) return m;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('load (scaled down): 100 clients chatting on one server process', () => {
  let server: ServerChild | undefined;
  let swarm: Swarm | undefined;
  after(async () => {
    await swarm?.closeAll();
    await server?.stop();
  });

  it('delivers every message exactly once, in order per sender, and the heap returns to its level after disconnects', { timeout: 150_000 }, async (t) => {
    const keys = await keyPool(KEYS);
    // 4 names per key, all from 127.0.0.1: the name limits are raised too (defaults: 1 per key, 20 new per source)
    server = await ServerChild.start({ chat: { messagesPerSecond: 50, burst: 50, maxNamesPerKey: 4, newNamesPerSourceBurst: CLIENTS } });
    const { clients, roomMembers } = planClients(CLIENTS, ROOM_SIZE, KEYS);
    swarm = new Swarm({ url: server.url, clients, roomMembers, messagesPerClient: MESSAGES, intervalMs: 200, connectConcurrency: 8, padding: 100 }, keys);
    const heap: number[] = [(await server.mem()).heapUsed];
    for (let round = 1; round <= 2; round++) {
      await swarm.connectAll();
      const busy: MemReport = await server.mem();
      assert.equal(busy.connections, CLIENTS);
      await swarm.chat();
      const complete = await swarm.waitComplete(30_000);
      const r: SwarmReport = swarm.report();
      t.diagnostic(
        `round ${round}: ${r.connected} connected in ${r.connectSeconds.toFixed(1)} s (${r.connectAttempts} attempts); ${r.delivered}/${r.expected} delivered, ` +
          `latency p50 ${r.latencyMs.p50} ms p99 ${r.latencyMs.p99} ms max ${r.latencyMs.max} ms; server heap ${(busy.heapUsed / MiB).toFixed(1)} MiB with everyone connected`,
      );
      assert.equal(r.duplicates, 0, 'no duplicate');
      assert.equal(r.outOfOrder, 0, 'no gap or reordering');
      assert.equal(r.foreign, 0, 'nothing from outside the room');
      assert.deepEqual(r.errors, {}, 'no error events');
      assert.equal(r.unexpectedCloses, 0, 'nobody was disconnected');
      assert.ok(complete, `every client got every message (${r.complete}/${r.clients})`);
      assert.equal(r.delivered, r.expected);
      await swarm.closeAll();
      const idle = await waitConnections(server, 0, 10_000);
      assert.equal(idle.connections, 0, 'every connection is gone on the server');
      assert.equal(idle.hub.connections, 0, 'and from the hub');
      heap.push(idle.heapUsed);
      swarm.reset();
    }
    const [base, after1, after2] = heap as [number, number, number];
    t.diagnostic(`server heap after GC: fresh ${(base / MiB).toFixed(1)} MiB, after round 1 ${(after1 / MiB).toFixed(1)} MiB, after round 2 ${(after2 / MiB).toFixed(1)} MiB`);
    assert.ok(after1 - base < 16 * MiB, 'the first round leaves at most warm-up allocations (JIT, pools, name registry)');
    assert.ok(after2 - after1 < 2 * MiB, `no growth from one round to the next (${((after2 - after1) / 1024).toFixed(0)} KiB)`);
  });
});
