/**
 * `node dist/bench/cluster/bus-throughput.js [--json]` (after `npx tsc -p tsconfig.json`): how
 * fast the Redis cluster bus (src/cluster/redis-bus.ts) carries entries between three nodes on
 * this machine. Starts a real redis-server (no persistence, as test/helpers/services.ts does),
 * runs three buses in this one Node process (each with its own two connections), and measures:
 *  1. saturation: every node publishes N entries (~200 bytes of JSON each) as fast as it can;
 *     the time until every node has received all 3 N gives entries/s through the cluster (each
 *     node receives them all: its own and the others'), with the commands sent per entry and
 *     the CPU of Node (the three buses) and of redis-server;
 *     and the stream's memory per entry (MEMORY USAGE);
 *  2. latency at fixed loads: entries published at a steady total rate for a few seconds,
 *     publish-to-receive time on the other nodes (cross-node), p50/p99.
 * Writes the raw result to bench/results/bus-throughput.json. A benchmark: it asserts nothing.
 * The three buses share one core here (one process); on separate machines each has its own.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterHandler } from '../../src/cluster/bus.js';
import { RedisClusterBus } from '../../src/cluster/redis-bus.js';
import { createClient } from 'redis';
import { startRedis } from '../../test/helpers/services.js';
import { monoNow } from '../lib/clock.js';
import { Histogram } from '../lib/histogram.js';
import { machine, machineLine } from '../lib/machine.js';

const N = 20_000;
const RATES = [1000, 5000, 20_000];
const RATE_SECONDS = 3;
const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(here, '..', '..', '..', 'bench', 'results', 'bus-throughput.json');
const PAD = 'x'.repeat(150);

/** CPU seconds (user + system) of process `pid` so far, from /proc. */
function procCpu(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) / 100;
}

class Counter implements ClusterHandler {
  got = 0;
  lat = new Histogram();
  entry(_from: string, e: Record<string, unknown>, own: boolean): void {
    this.got++;
    if (!own && typeof e.t === 'number') this.lat.record(monoNow() - e.t);
  }
  nodeLost(): void {}
  resync(): void {}
}

const m = machine();
const redis = await startRedis();
const redisPid = redis.pid as number;
const round = async (prefix: string) => {
  const hs = [new Counter(), new Counter(), new Counter()];
  const buses = hs.map(() => new RedisClusterBus({ url: redis.url, prefix, outboxMaxEntries: 1_000_000 }));
  await Promise.all(buses.map((b, i) => b.start(hs[i] as Counter)));
  return { hs, buses };
};
const until = async (fn: () => boolean) => {
  while (!fn()) await new Promise((r) => setTimeout(r, 2));
};

// 1. saturation
const sat = await round('sat:');
const c0 = process.cpuUsage();
const r0 = procCpu(redisPid);
const t0 = monoNow();
for (let sent = 0; sent < N; sent += 500) {
  for (let i = 0; i < 500; i++) for (const b of sat.buses) b.publish({ k: sent + i, t: monoNow(), pad: PAD });
  // keep the outboxes from growing without bound: publish on while the nodes are less than 5,000 behind
  await until(() => sat.hs.every((h) => h.got >= 3 * (sent + 500) - 5000));
}
await until(() => sat.hs.every((h) => h.got >= 3 * N));
const elapsed = (monoNow() - t0) / 1000;
const cpu = process.cpuUsage(c0);
const saturation = {
  entries: 3 * N,
  seconds: elapsed,
  entriesPerSecond: (3 * N) / elapsed,
  commandsPerEntry: sat.buses.reduce((a, b) => a + b.stats().roundTrips, 0) / (3 * N),
  nodeCores: (cpu.user + cpu.system) / 1e6 / elapsed,
  redisCores: (procCpu(redisPid) - r0) / elapsed,
  crossNodeP50Ms: sat.hs[0]?.lat.quantile(0.5),
  crossNodeP99Ms: sat.hs[0]?.lat.quantile(0.99),
  stats: sat.buses.map((b) => b.stats()),
};
// memory of the stream: MEMORY USAGE over every entry (SAMPLES 0), per entry
const probe = createClient({ url: redis.url, RESP: 2 });
await probe.connect();
const streamBytes = Number(await probe.sendCommand(['MEMORY', 'USAGE', 'sat:stream', 'SAMPLES', '0']));
const streamLen = Number(await probe.sendCommand(['XLEN', 'sat:stream']));
probe.destroy();
const memory = { streamEntries: streamLen, streamBytes, bytesPerEntry: streamBytes / streamLen };
await Promise.all(sat.buses.map((b) => b.stop()));

// 2. latency at fixed total rates
const rates = [];
for (const rate of RATES) {
  const r = await round(`rate${rate}:`);
  const perTick = rate / 1000; // per ms, over the three nodes
  const start = monoNow();
  let sent = 0;
  const rc0 = procCpu(redisPid);
  const cc0 = process.cpuUsage();
  while (monoNow() - start < RATE_SECONDS * 1000) {
    const due = Math.floor((monoNow() - start) * perTick);
    for (; sent < due; sent++) r.buses[sent % 3]?.publish({ k: sent, t: monoNow(), pad: PAD });
    await new Promise((res) => setTimeout(res, 1));
  }
  const secs = (monoNow() - start) / 1000;
  await until(() => r.hs.every((h) => h.got >= sent));
  const lat = new Histogram();
  for (const h of r.hs) lat.merge(h.lat);
  const cc = process.cpuUsage(cc0);
  rates.push({ rate, entries: sent, crossNodeP50Ms: lat.quantile(0.5), crossNodeP99Ms: lat.quantile(0.99), commandsPerEntry: r.buses.reduce((a, b) => a + b.stats().roundTrips, 0) / sent, nodeCores: (cc.user + cc.system) / 1e6 / secs, redisCores: (procCpu(redisPid) - rc0) / secs });
  await Promise.all(r.buses.map((b) => b.stop()));
}
await redis.close();

const result = { benchmark: 'bus-throughput', date: new Date().toISOString(), machine: m, redis: 'redis-server 7.0.15, no persistence, loopback', entryBytes: JSON.stringify({ k: 12345, t: 1234567.123456, pad: PAD }).length, saturation, memory, rates };
if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 1));
else {
  console.log(`Cluster bus throughput — ${machineLine(m)}; load average at start ${m.loadavg.join(' ')}; 3 buses in one Node process, redis-server 7.0.15 on loopback`);
  console.log(`Saturation: ${saturation.entries} entries of ${result.entryBytes} B through 3 nodes in ${saturation.seconds.toFixed(2)} s = ${Math.round(saturation.entriesPerSecond)} entries/s (each node published a third and received all); ${saturation.commandsPerEntry.toFixed(3)} Redis commands per entry (the three nodes' XADD batches, reads and heartbeats together); CPU: Node ${saturation.nodeCores.toFixed(2)} cores, redis-server ${saturation.redisCores.toFixed(2)} cores`);
  console.log(`Stream memory: ${memory.streamEntries} entries take ${memory.streamBytes} B (MEMORY USAGE, SAMPLES 0) = ${memory.bytesPerEntry.toFixed(1)} B per entry of ${result.entryBytes} B of JSON`);
  console.log('| total rate (entries/s) | entries | cross-node p50 ms | cross-node p99 ms | commands/entry | Node cores | Redis cores |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rates) console.log(`| ${r.rate} | ${r.entries} | ${r.crossNodeP50Ms.toFixed(2)} | ${r.crossNodeP99Ms.toFixed(2)} | ${r.commandsPerEntry.toFixed(2)} | ${r.nodeCores.toFixed(2)} | ${r.redisCores.toFixed(2)} |`);
}
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(result, null, 1)}\n`);
