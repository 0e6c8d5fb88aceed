/**
 * The Redis cluster bus when one node is cut off from Redis (a TCP proxy between that node and a
 * real redis-server, cut and restored): a short cut is caught up without loss or duplication; a
 * cut longer than the heartbeat timeout makes the others report the node lost and the node
 * resynchronise ('rejoined'); entries trimmed from the stream while it was away are a 'gap'.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startRedis, type TestService } from '../helpers/services.js';
import { assertExactlyOnce, Publisher, sleep, startBus, until } from './lib/recorder.js';
import { startTcpProxy, type TcpProxy } from './lib/tcp-proxy.js';

describe('RedisClusterBus: a node cut off from Redis', () => {
  let redis: TestService;
  const cleanups: Array<() => Promise<void>> = [];
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c();
    await redis?.close();
  });
  let n = 0;
  /** Three nodes on a fresh prefix, the third behind a proxy. */
  async function cluster(opts: Parameters<typeof startBus>[1] = {}) {
    const prefix = `f${++n}:`;
    const proxy: TcpProxy = await startTcpProxy(redis.port);
    cleanups.push(() => proxy.close());
    const nodes = [await startBus(redis.url, { prefix, ...opts }), await startBus(redis.url, { prefix, ...opts }), await startBus(proxy.url, { prefix, ...opts })];
    for (const x of nodes) cleanups.push(() => x.bus.stop());
    const pubs = nodes.map((x, i) => new Publisher(x.bus, `q${i}`));
    return { nodes, pubs, proxy };
  }
  /** Every publisher publishes one entry every `everyMs` until `stop()`. */
  function publishing(pubs: Publisher[], everyMs: number) {
    const t = setInterval(() => pubs.forEach((p) => p.publish()), everyMs);
    return () => clearInterval(t);
  }

  it('cut for 2 s while everyone publishes: afterwards every entry exactly once, in the same order on every node', async (t) => {
    const { nodes, pubs, proxy } = await cluster({ nodeTimeoutMs: 5000 });
    const stop = publishing(pubs, 10);
    await sleep(500);
    proxy.cut();
    await sleep(1000);
    const during = nodes[2]?.bus.stats().outbox ?? 0;
    assert.equal(nodes[2]?.bus.connected, false);
    await sleep(1000);
    proxy.restore();
    const back = Date.now();
    const missed = [...(pubs[0]?.published ?? []), ...(pubs[1]?.published ?? [])];
    await until(() => missed.every((k) => nodes[2]?.rec.at.has(k)), 5000, 'the cut node to catch up');
    const caughtUp = Date.now() - back;
    await sleep(500);
    stop();
    const total = pubs.reduce((a, p) => a + p.delivered().length, 0);
    await until(() => nodes.every((x) => x.rec.got.length >= total), 10_000, 'every node to catch up');
    await sleep(300);
    t.diagnostic(`outbox of the cut node after 1 s: ${during}; reconnected in ${nodes[2]?.bus.stats().reconnects} reconnect(s), had the ${missed.length} entries the others published until the restore ${caughtUp} ms after it (reconnection backoff up to 200 ms); ${total} entries`);
    assert.ok(during > 50, `the cut node kept publishing into its outbox (${during})`);
    assert.equal(pubs.reduce((a, p) => a + p.lost.size, 0), 0, 'nothing given up');
    assertExactlyOnce(nodes, pubs);
    for (const x of nodes) assert.deepEqual(x.rec.lost, [], 'nobody was taken for lost');
    for (const x of nodes) assert.deepEqual(x.rec.resyncs, []);
    assert.ok((nodes[2]?.bus.stats().reconnects ?? 0) >= 1);
  });

  it('a silent partition (no RST, no FIN): the node notices by its socket timeout, reconnects and catches up', async (t) => {
    const { nodes, pubs, proxy } = await cluster();
    const c = nodes[2] as (typeof nodes)[0];
    const stop = publishing(pubs, 20);
    await sleep(300);
    const t0 = Date.now();
    proxy.freeze();
    await until(() => c.bus.stats().reconnects >= 1 && c.bus.connected, 10_000, 'the frozen node to reconnect by itself');
    t.diagnostic(`reconnected ${Date.now() - t0} ms after the partition (socket timeouts: heartbeatMs + nodeTimeoutMs = 1200 ms)`);
    await sleep(300);
    stop();
    const total = pubs.reduce((x, p) => x + p.delivered().length, 0);
    await until(() => nodes.every((x) => x.rec.got.length >= total), 10_000, 'every node to catch up');
    await sleep(300);
    assertExactlyOnce(nodes, pubs);
  });

  it('cut longer than the heartbeat timeout: the others report it lost once, it resynchronises (rejoined) and beats again', async () => {
    const { nodes, pubs, proxy } = await cluster();
    const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    const stop = publishing(pubs, 20);
    await sleep(300);
    proxy.cut();
    await until(() => a.rec.lost.length > 0 && b.rec.lost.length > 0, 4000, 'the others to report the cut node lost');
    await sleep(500);
    proxy.restore();
    await until(() => c.rec.resyncs.length > 0, 5000, 'the cut node to resynchronise');
    assert.deepEqual(c.rec.resyncs, ['rejoined']);
    await sleep(600);
    stop();
    assert.deepEqual(await a.bus.liveNodes(), [a.bus.nodeId, b.bus.nodeId, c.bus.nodeId].sort(), 'it beats again');
    const total = pubs.reduce((x, p) => x + p.delivered().length, 0);
    await until(() => nodes.every((x) => x.rec.got.length >= total), 10_000, 'every node to catch up');
    await sleep(300);
    assert.deepEqual(a.rec.lost, [c.bus.nodeId], 'reported once');
    assert.deepEqual(b.rec.lost, [c.bus.nodeId], 'reported once');
    assert.deepEqual(c.rec.lost, [], 'the cut node does not take the others for lost');
    assertExactlyOnce(nodes, pubs);
  });

  it('entries trimmed away while a node was cut off: gap, then it goes on with the entries still there', async (t) => {
    // MAXLEN ~ trims whole stream nodes of 100 entries: keep ~50 means the stream holds 100 to 200
    const { nodes, pubs, proxy } = await cluster({ streamMaxLen: 50, readCount: 20, nodeTimeoutMs: 20_000 });
    const c = nodes[2] as (typeof nodes)[0];
    pubs[0]?.publish();
    await until(() => c.rec.got.length === 1, 3000, 'the first entry');
    proxy.cut();
    // slowly enough for the connected nodes to keep up (a burst trimmed before they read it is a gap for them too)
    for (let i = 0; i < 60; i++) {
      for (let j = 0; j < 10; j++) pubs[0]?.publish();
      await sleep(20);
    }
    await until(() => nodes[0]?.rec.got.length === 601, 5000, 'the others to read them');
    await sleep(300);
    proxy.restore();
    await until(() => c.rec.resyncs.includes('gap'), 5000, 'the gap to be reported');
    const after = pubs[1]?.publish() as string;
    await until(() => c.rec.at.has(after) && !!nodes[0]?.rec.at.has(after), 5000, 'a new entry to reach the resynchronised node');
    const keys = c.rec.keys();
    t.diagnostic(`the cut node got ${keys.length} of 602 entries; the stream kept the rest`);
    assert.deepEqual(c.rec.resyncs, ['gap']);
    assert.ok(keys.length < 602 && keys.length > 50, `${keys.length} entries`);
    assert.equal(new Set(keys).size, keys.length, 'none twice');
    const ref = nodes[0]?.rec.keys() ?? [];
    // what it got is the first entry then the tail of the others' order: no hole after the gap
    const tail = ref.slice(ref.indexOf(keys[1] as string));
    assert.deepEqual(keys.slice(1), tail);
    assert.deepEqual(nodes[0]?.rec.resyncs, [], 'the connected nodes saw no gap');
  });
  it('Redis restarted without persistence while a node was cut off: the stream written again is a gap, and gaps are still seen after', async () => {
    const own = await startRedis();
    const proxy = await startTcpProxy(own.port);
    cleanups.push(() => own.close(), () => proxy.close());
    const opts = { prefix: 'e:', streamMaxLen: 50, readCount: 20, nodeTimeoutMs: 20_000 };
    const a = await startBus(own.url, opts);
    const warnings: string[] = [];
    const c = await startBus(proxy.url, { ...opts, log: { info: (m: string) => warnings.push(m), warn: (m: string) => warnings.push(m) } });
    cleanups.push(() => a.bus.stop(), () => c.bus.stop());
    const pa = new Publisher(a.bus, 'e');
    const burst = async (n: number) => {
      for (let i = 0; i < n / 10; i++) {
        for (let j = 0; j < 10; j++) pa.publish();
        await sleep(20);
      }
    };
    await burst(300);
    await until(() => c.rec.got.length === 300, 5000, 'the first entries');
    proxy.cut();
    await own.restart();
    await until(() => a.bus.connected, 5000, 'the connected node to reconnect');
    const k = pa.publish();
    await until(() => a.rec.at.has(k), 5000, 'an entry in the new stream');
    proxy.restore();
    await until(() => c.rec.at.has(k), 5000, 'the cut node to read the new stream');
    assert.equal(c.rec.resyncs.filter((r) => r === 'gap').length, 1, `the recreated stream is a gap: ${c.rec.resyncs.join(', ')}; ${c.rec.got.length} entries; log: ${warnings.join(' | ')}`);
    proxy.cut();
    await burst(600);
    proxy.restore();
    await until(() => c.rec.resyncs.filter((r) => r === 'gap').length === 2, 5000, 'the trimmed entries after it to be a gap too');
  });
  it('a handler slower than readBlockMs while more than streamMaxLen entries come in: the connected node sees the gap at its next read', async () => {
    const opts = { prefix: 's:', streamMaxLen: 50, readCount: 1000, nodeTimeoutMs: 20_000 };
    const a = await startBus(redis.url, opts);
    cleanups.push(() => a.bus.stop());
    const record = a.rec.entry.bind(a.rec);
    a.rec.entry = (from, e, own) => {
      record(from, e, own);
      if (e.k !== 'slow') return;
      // meanwhile another node (here: redis-cli) adds 600 entries; the stream keeps ~100 of them
      const t0 = Date.now();
      const xadds = Array.from({ length: 600 }, (_, i) => `XADD s:stream MAXLEN ~ 50 * n other s ${i + 1} d '{"k":"o-${i + 1}"}'`).join('\n');
      execFileSync('redis-cli', ['-p', String(redis.port)], { input: `${xadds}\n`, stdio: ['pipe', 'ignore', 'inherit'] });
      while (Date.now() - t0 < 400) {
        // the handler takes longer than readBlockMs (200 ms)
      }
    };
    a.bus.publish({ k: 'slow' });
    await until(() => a.rec.got.length > 1, 5000, 'the entries after the slow one');
    await sleep(300);
    assert.deepEqual(a.rec.resyncs, ['gap']);
    assert.ok(a.rec.got.length < 300, `${a.rec.got.length} entries: the trimmed ones are missing`);
    assert.equal(a.rec.got.at(-1)?.k, 'o-600', 'it goes on to the end');
  });
});
