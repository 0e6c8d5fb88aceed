/**
 * The Redis cluster bus through a Redis outage: a real redis-server with AOF killed (SIGKILL) and
 * started again while three nodes publish continuously — entries wait in the outboxes, the nodes
 * reconnect and read again by themselves, nothing is lost or doubled, cross-node delivery resumes
 * within 5 s; and entries that wait too long are given up and reported (`outbox_timeout`).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createClient } from 'redis';
import { startRedis, type TestService } from '../helpers/services.js';
import { assertExactlyOnce, Publisher, sleep, startBus, until } from './lib/recorder.js';

describe('RedisClusterBus: Redis restarted', () => {
  const cleanups: Array<() => Promise<void>> = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  after(async () => {
    for (const c of cleanups.reverse()) await c();
    process.off('unhandledRejection', onUnhandled);
  });

  const cases: Array<{ name: string; fsync: 'always' | 'everysec'; down: (r: TestService) => Promise<void> }> = [
    // appendfsync always: every acknowledged XADD is on disk, so a SIGKILL loses none
    { name: 'killed (SIGKILL) and started again, AOF with appendfsync always', fsync: 'always', down: (r) => r.kill() },
    // a clean shutdown flushes the AOF whatever appendfsync says (the recommended everysec)
    { name: 'shut down (SIGTERM) and started again, AOF with appendfsync everysec', fsync: 'everysec', down: (r) => r.stop() },
  ];
  for (const c of cases) it(`${c.name}, while 3 nodes publish: every entry once, in order, delivery resumes within 5 s`, async (t) => {
    const redis: TestService = await startRedis({ aof: true });
    cleanups.push(() => redis.close());
    const admin = createClient({ url: redis.url });
    await admin.connect();
    await admin.configSet('appendfsync', c.fsync);
    admin.destroy();
    const opts = { prefix: 'r:', nodeTimeoutMs: 5000, heartbeatMs: 500, reconnectMaxMs: 500 };
    const nodes = [await startBus(redis.url, opts), await startBus(redis.url, opts), await startBus(redis.url, opts)];
    for (const n of nodes) cleanups.push(() => n.bus.stop());
    const pubs = nodes.map((n, i) => new Publisher(n.bus, `r${i}`));
    const timer = setInterval(() => pubs.forEach((p) => p.publish()), 10);
    cleanups.push(async () => clearInterval(timer));
    await sleep(1000);
    await c.down(redis);
    const down = Date.now();
    await sleep(1500);
    const outboxes = nodes.map((n) => n.bus.stats().outbox);
    await redis.start();
    const back = Date.now();
    await sleep(2000);
    clearInterval(timer);
    const total = pubs.reduce((a, p) => a + p.delivered().length, 0);
    await until(() => nodes.every((n) => n.rec.got.length >= total), 15_000, 'every node to have every entry');
    await sleep(300);
    // cross-node delivery after the restart: the first entry of another node each node received after Redis was back
    const resumed = nodes.map((n) => Math.min(...n.rec.got.filter((g) => !g.own).map((g) => (n.rec.at.get(g.k) ?? 0) - back).filter((ms) => ms >= 0)));
    t.diagnostic(`Redis down ${back - down} ms; outboxes when it came back: ${outboxes.join(', ')}; cross-node delivery resumed ${resumed.join(', ')} ms after Redis was back; ${total} entries, reconnects ${nodes.map((n) => n.bus.stats().reconnects).join(', ')}`);
    assert.ok(outboxes.every((n) => n > 50), 'the nodes kept publishing into their outboxes during the outage');
    assert.ok(resumed.every((ms) => ms < 5000), `delivery resumed within 5 s: ${resumed.join(', ')} ms`);
    assert.equal(pubs.reduce((a, p) => a + p.lost.size, 0), 0, 'nothing given up');
    assertExactlyOnce(nodes, pubs);
    for (const n of nodes) {
      assert.ok(n.bus.stats().reconnects >= 1, 'counted the reconnection');
      assert.deepEqual(n.rec.resyncs, [], 'nothing was lost by Redis, nobody expired');
      assert.deepEqual(n.rec.lost, []);
      assert.equal(n.bus.stats().outbox, 0);
    }
    assert.deepEqual(unhandled, []);
  });

  it('entries that wait longer than outboxTimeoutMs are given up (outbox_timeout); the bus heals when Redis is back', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.close());
    const a = await startBus(redis.url, { outboxTimeoutMs: 400 });
    const b = await startBus(redis.url);
    cleanups.push(() => a.bus.stop(), () => b.bus.stop());
    const pa = new Publisher(a.bus, 'a');
    await redis.stop();
    await until(() => !a.bus.connected, 3000, 'the bus to notice');
    const early = [pa.publish(), pa.publish()];
    await until(() => pa.lost.size === 2, 3000, 'the entries to be given up');
    assert.deepEqual([...pa.lost.values()], ['outbox_timeout', 'outbox_timeout']);
    assert.equal(a.bus.stats().lost, 2);
    assert.equal(a.bus.stats().outbox, 0);
    await assert.rejects(a.bus.liveNodes(), (e: unknown) => (e as { code?: string }).code === 'cluster_unavailable');
    await redis.start();
    const later = pa.publish();
    await until(() => b.rec.at.has(later) && a.rec.at.has(later), 10_000, 'an entry published during the outage, within the timeout, to arrive');
    assert.ok(early.every((k) => !b.rec.at.has(k)), 'the given-up entries were never sent');
    assert.deepEqual(unhandled, []);
  });
});
