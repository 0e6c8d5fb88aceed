/**
 * The Redis cluster bus against a real redis-server (test/helpers/services.ts): options, start and
 * stop, one order and exactly once between three nodes publishing at once, duplicates dropped
 * when a publish is retried after its reply was lost, the liveness of nodes, and the lost reasons.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { ClusterError } from '../../src/cluster/bus.js';
import { RedisClusterBus } from '../../src/cluster/redis-bus.js';
import { freePort, startRedis, type TestService } from '../helpers/services.js';
import { assertExactlyOnce, Publisher, Recorder, sleep, startBus, until } from './lib/recorder.js';
import { startTcpProxy } from './lib/tcp-proxy.js';

const execFileP = promisify(execFile);
const BUS = pathToFileURL(path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../src/cluster/redis-bus.js')).href;
const isCode = (code: string, re?: RegExp) => (e: unknown) => e instanceof ClusterError && e.code === code && (!re || re.test(e.message));

describe('RedisClusterBus options', () => {
  const url = 'redis://127.0.0.1:6379';
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['heartbeatMs 0', { heartbeatMs: 0 }, /heartbeatMs must be an integer from 50 to 60000/],
    ['heartbeatMs not an integer', { heartbeatMs: 1.5 }, /heartbeatMs/],
    ['nodeTimeoutMs under twice the heartbeat', { heartbeatMs: 1000, nodeTimeoutMs: 1500 }, /nodeTimeoutMs must be at least twice heartbeatMs/],
    ['streamMaxLen 5', { streamMaxLen: 5 }, /streamMaxLen must be an integer from 10/],
    ['readCount 0', { readCount: 0 }, /readCount/],
    ['readBlockMs as a string', { readBlockMs: '1000' }, /readBlockMs/],
    ['outboxMaxEntries -1', { outboxMaxEntries: -1 }, /outboxMaxEntries/],
    ['outboxTimeoutMs 10', { outboxTimeoutMs: 10 }, /outboxTimeoutMs/],
    ['maxEntryBytes 1 GiB', { maxEntryBytes: 2 ** 30 }, /maxEntryBytes/],
    ['startTimeoutMs NaN', { startTimeoutMs: Number.NaN }, /startTimeoutMs/],
    ['reconnectMaxMs 0', { reconnectMaxMs: 0 }, /reconnectMaxMs/],
    ['stopFlushMs -5', { stopFlushMs: -5 }, /stopFlushMs/],
    ['nodeId with a space', { nodeId: 'a b' }, /nodeId must be 1 to 64 characters/],
    ['nodeId too long', { nodeId: 'x'.repeat(65) }, /nodeId/],
    ['prefix with a brace', { prefix: 'a{b}' }, /prefix must be/],
    ['log without warn', { log: { info() {} } }, /log must have/],
  ];
  for (const [name, opts, re] of bad) {
    it(`refuses ${name} with cluster_bad_option`, () => {
      assert.throws(() => new RedisClusterBus({ url, ...opts } as never), isCode('cluster_bad_option', re));
    });
  }
  const badUrls: Array<[string, unknown, RegExp]> = [
    ['no URL', undefined, /missing/],
    ['an http URL', 'http://127.0.0.1:6379', /scheme http:/],
    ['garbage', 'not a url', /cannot be parsed/],
    ['a database name', 'redis://127.0.0.1:6379/main', /database "main"/],
    ['a query', 'redis://127.0.0.1:6379?x=1', /query/],
  ];
  for (const [name, u, re] of badUrls) {
    it(`refuses ${name} with cluster_bad_url`, () => {
      assert.throws(() => new RedisClusterBus({ url: u } as never), isCode('cluster_bad_url', re));
    });
  }
  it('a bad URL message never shows the password', () => {
    assert.throws(() => new RedisClusterBus({ url: 'redis://u:sekret@127.0.0.1:6379/x' }), (e: unknown) => isCode('cluster_bad_url')(e) && !(e as Error).message.includes('sekret') && (e as Error).message.includes('***'));
  });
  it('defaults: a random node id n- + 10 hex, different each time', () => {
    const a = new RedisClusterBus({ url });
    const b = new RedisClusterBus({ url });
    assert.match(a.nodeId, /^n-[0-9a-f]{10}$/);
    assert.notEqual(a.nodeId, b.nodeId);
  });
});

describe('RedisClusterBus on a real Redis', () => {
  let redis: TestService;
  const stops: Array<() => Promise<void>> = [];
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const s of stops) await s();
    await redis?.close();
  });
  let prefixN = 0;
  const fresh = () => `t${++prefixN}:`;
  const node = async (url: string, opts: Parameters<typeof startBus>[1] = {}) => {
    const n = await startBus(url, opts);
    stops.push(() => n.bus.stop());
    return n;
  };

  it('three nodes publishing at once: every node gets every entry once, in one order, own ones marked', async (t) => {
    const prefix = fresh();
    const nodes = [await node(redis.url, { prefix }), await node(redis.url, { prefix }), await node(redis.url, { prefix })];
    const pubs = nodes.map((n, i) => new Publisher(n.bus, `p${i}`));
    const N = 400;
    const t0 = Date.now();
    for (let round = 0; round < N / 20; round++) {
      for (let j = 0; j < 20; j++) for (const p of pubs) p.publish();
      await new Promise((r) => setImmediate(r));
    }
    await until(() => nodes.every((n) => n.rec.got.length === 3 * N), 20_000, 'every entry on every node');
    t.diagnostic(`${3 * N} entries through 3 nodes in ${Date.now() - t0} ms`);
    assertExactlyOnce(nodes, pubs);
    for (const { bus } of nodes) {
      const s = bus.stats();
      assert.equal(s.published, N);
      assert.equal(s.received, 3 * N);
      assert.equal(s.duplicates, 0);
      assert.equal(s.lost, 0);
      assert.equal(s.outbox, 0);
      assert.ok(s.roundTrips > 0 && s.roundTrips < 3 * N, `pipelined batches: ${s.roundTrips} commands for ${N} publishes`);
    }
  });

  it('a publish retried after its reply was lost is delivered once (the second copy in the stream is dropped)', async () => {
    const prefix = fresh();
    const proxy = await startTcpProxy(redis.port);
    stops.push(() => proxy.close());
    const a = await node(proxy.url, { prefix });
    const b = await node(redis.url, { prefix });
    const pa = new Publisher(a.bus, 'a');
    pa.publish();
    await until(() => b.rec.got.length === 1 && a.rec.got.length === 1, 5000, 'the first entry');
    proxy.holdReplies();
    const k = pa.publish();
    await until(() => b.rec.at.has(k), 5000, 'the entry whose reply is held to reach Redis');
    assert.equal(a.bus.stats().outbox, 1, 'its answer never came: still in the outbox');
    proxy.cut();
    await sleep(300);
    proxy.restore();
    pa.publish();
    await until(() => a.rec.got.length === 3 && b.rec.got.length === 3 && a.bus.stats().outbox === 0, 10_000, 'the retry and the third entry');
    const c = createClient({ url: redis.url, RESP: 2 });
    await c.connect();
    const raw = (await c.sendCommand(['XRANGE', `${prefix}stream`, '-', '+'])) as Array<[string, string[]]>;
    c.destroy();
    const seqs = raw.map(([, f]) => f[f.indexOf('s') + 1]);
    assert.deepEqual(seqs, ['1', '2', '2', '3'], 'the stream holds the retried entry twice');
    await sleep(300);
    assertExactlyOnce([a, b], [pa]);
    assert.equal(a.bus.stats().duplicates, 1);
    assert.equal(b.bus.stats().duplicates, 1);
    assert.ok(a.bus.stats().reconnects >= 1);
  });

  it('entries another program wrote to the stream are skipped and logged; a handler that throws is logged and the bus goes on', async () => {
    const prefix = fresh();
    const warnings: string[] = [];
    const a = await node(redis.url, { prefix, log: { info() {}, warn: (m: string) => warnings.push(m) } });
    const c = createClient({ url: redis.url, RESP: 2 });
    await c.connect();
    await c.sendCommand(['XADD', `${prefix}stream`, '*', 'n', 'bad id!', 's', '1', 'd', '{}']);
    await c.sendCommand(['XADD', `${prefix}stream`, '*', 'n', 'n-1', 's', '1', 'd', '[1,2]']);
    c.destroy();
    const record = a.rec.entry.bind(a.rec);
    a.rec.entry = (from, e, own) => {
      record(from, e, own);
      if (e.boom) throw new Error('handler bug');
    };
    const p = new Publisher(a.bus, 'm');
    p.publish({ boom: true });
    p.publish();
    await until(() => a.rec.got.length === 2, 5000, 'both entries');
    assert.deepEqual(a.rec.keys(), ['m-1', 'm-2']);
    assert.equal(warnings.filter((w) => /skipped stream entry .*(node id|not a JSON object)/.test(w)).length, 2, warnings.join('\n'));
    assert.ok(warnings.some((w) => /the handler's entry threw: handler bug/.test(w)));
  });

  it('liveNodes lists the live nodes; a stopped node is reported lost once by the others, at their next check', async () => {
    const prefix = fresh();
    const opts = { prefix, nodeTimeoutMs: 5000 };
    const [a, b, c] = [await node(redis.url, opts), await node(redis.url, opts), await node(redis.url, opts)];
    assert.deepEqual(await a.bus.liveNodes(), [a.bus.nodeId, b.bus.nodeId, c.bus.nodeId].sort());
    const t0 = Date.now();
    await c.bus.stop();
    await until(() => a.rec.lost.length > 0 && b.rec.lost.length > 0, 4000, 'nodeLost on both');
    assert.ok(Date.now() - t0 < 3000, `after ${Date.now() - t0} ms, well before the heartbeat timeout (5 s): its key was deleted`);
    await sleep(600);
    assert.deepEqual(a.rec.lost, [c.bus.nodeId]);
    assert.deepEqual(b.rec.lost, [c.bus.nodeId]);
    assert.deepEqual(await a.bus.liveNodes(), [a.bus.nodeId, b.bus.nodeId].sort());
    assert.deepEqual(a.rec.resyncs, []);
  });

  it('given-up entries are reported with their reason: too_large, outbox_full, stopped', async () => {
    const bus = new RedisClusterBus({ url: redis.url, prefix: fresh(), maxEntryBytes: 100, outboxMaxEntries: 2 });
    const reasons: string[] = [];
    bus.publish({ k: 'x'.repeat(200) }, (r) => reasons.push(`big:${r}`));
    bus.publish({ k: 1 }, (r) => reasons.push(`1:${r}`));
    bus.publish({ k: 2 }, (r) => reasons.push(`2:${r}`));
    bus.publish({ k: 3 }, (r) => reasons.push(`3:${r}`));
    await sleep(0);
    assert.deepEqual(reasons, ['big:too_large', '3:outbox_full']);
    assert.equal(bus.stats().outbox, 2);
    await bus.stop();
    await bus.stop();
    bus.publish({ k: 4 }, (r) => reasons.push(`4:${r}`));
    await sleep(0);
    assert.deepEqual(reasons, ['big:too_large', '3:outbox_full', '1:stopped', '2:stopped', '4:stopped']);
    assert.equal(bus.stats().lost, 5);
  });

  it('start on an unreachable URL rejects with cluster_unavailable in time, naming the URL without the password', async () => {
    const port = await freePort();
    const bus = new RedisClusterBus({ url: `redis://user:sekret@127.0.0.1:${port}/0`, startTimeoutMs: 700 });
    const lost: string[] = [];
    bus.publish({ k: 'early' }, (r) => lost.push(r));
    const t0 = Date.now();
    await assert.rejects(bus.start(new Recorder()), (e: unknown) => isCode('cluster_unavailable', new RegExp(`redis://user:\\*\\*\\*@127\\.0\\.0\\.1:${port}/0 within 700 ms .*check that redis-server runs`))(e) && !(e as Error).message.includes('sekret'));
    const took = Date.now() - t0;
    assert.ok(took >= 650 && took < 3000, `rejected after ${took} ms`);
    assert.equal(bus.connected, false);
    await sleep(0);
    assert.deepEqual(lost, ['stopped'], 'an entry published before the failed start is reported');
    await bus.stop();
    await assert.rejects(bus.start(new Recorder()), /may be called once/);
  });

  it('a process whose buses failed to start or were stopped (twice) exits by itself: no timer or socket left', async () => {
    const port = await freePort();
    const script = `
      const { RedisClusterBus } = await import(${JSON.stringify(BUS)});
      const h = { got: 0, entry() { this.got++; }, nodeLost() {}, resync() {} };
      const bad = new RedisClusterBus({ url: 'redis://127.0.0.1:${port}', startTimeoutMs: 300 });
      const code = await bad.start(h).then(() => 'started', (e) => e.code);
      const bus = new RedisClusterBus({ url: ${JSON.stringify(redis.url)}, prefix: 'exit:' });
      await bus.start(h);
      bus.publish({ k: 1 });
      while (h.got === 0) await new Promise((r) => setTimeout(r, 10));
      await Promise.all([bus.stop(), bus.stop()]);
      await bus.stop();
      console.log(JSON.stringify({ code, got: h.got, connected: bus.connected }));`;
    const t0 = Date.now();
    const { stdout } = await execFileP(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
    assert.deepEqual(JSON.parse(stdout), { code: 'cluster_unavailable', got: 1, connected: false });
    assert.ok(Date.now() - t0 < 10_000, `exited after ${Date.now() - t0} ms`);
  });
});
