/**
 * `npm run bench:fanout [-- --json] [-- --quick]`: Parley against a plain `ws` broadcast server
 * and a Socket.IO broadcast server on the same scenarios, in one run. Each server runs in a
 * process of its own (bench/servers/child.ts), the clients in one load-generator process
 * (bench/load/worker.ts); this process only orchestrates. Scenarios: one room of 50 and of 200
 * clients with 10 senders — (a) closed-loop saturation, deliveries/s; (b) a fixed 20,000
 * deliveries/s, p50/p99 end-to-end latency; (c) 1,000 and 5,000 idle connections, server
 * memory per connection. Trials alternate between the servers (rotating the order) and the
 * report gives medians. Writes docs/perf-fanout.svg (--quick: a file in the temp folder). This is a benchmark: it asserts nothing.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child } from './lib/ipc.js';
import { fmt } from './lib/stats.js';
import { chart, KINDS, LABEL, summary, table, type Results, type ServerKind } from './fanout/report.js';
import { fixedTrial, idleMemory, saturationTrial } from './fanout/scenarios.js';

const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const SIZES = [50, 200];
const SENDERS = 10;
const WINDOW = 48; // messages in flight per sender at saturation: enough that the slower side (server or load generator) is always busy
const RATE = 20_000;
const TRIALS = QUICK ? 1 : 3;
const WARMUP_MS = QUICK ? 500 : 1000;
const MEASURE_MS = QUICK ? 1500 : 3000;
const IDLE = QUICK ? [100, 500] : [1000, 5000];
const IDLE_WARMUP = QUICK ? { waves: 2, size: 50 } : { waves: 5, size: 200 }; // connections made and closed before the memory baseline (see idleMemory)
const IDLE_SETTLE_MS = 2000; // wait after connecting before the memory reading's GCs begin (see idleMemory)

const here = path.dirname(fileURLToPath(import.meta.url));
const SERVER = path.join(here, 'servers', 'child.js');
const WORKER = path.join(here, 'load', 'worker.js');
// a --quick smoke run must not replace the chart docs/PERFORMANCE.md shows
const CHART = QUICK ? path.join(os.tmpdir(), 'parley-perf-fanout-quick.svg') : path.resolve(here, '..', '..', 'docs', 'perf-fanout.svg');

const log = (s: string) => console.error(s);
const rotate = <T>(xs: readonly T[], by: number): T[] => xs.map((_, i) => xs[(i + by) % xs.length]!);
const byKind = <T>(f: () => T) => Object.fromEntries(KINDS.map((k) => [k, f()])) as Record<ServerKind, T>;

async function startServer(kind: ServerKind): Promise<{ child: Child; port: number }> {
  const child = await Child.start(SERVER, [kind]);
  const { port } = await child.call<{ port: number }>('address');
  return { child, port };
}

async function fanout(r: Results): Promise<void> {
  const servers = byKind(() => undefined as unknown as { child: Child; port: number });
  for (const k of KINDS) servers[k] = await startServer(k);
  const load = await Child.start(WORKER);
  await load.call('keys', SENDERS);
  try {
    for (const n of SIZES) {
      r.saturation[n] = byKind(() => []);
      r.fixed[n] = byKind(() => []);
      const names = Array.from({ length: n }, (_, i) => `c${n}x${i}`);
      for (const k of KINDS) {
        const c = await load.call<{ ms: number }>('connect', { id: `${k}${n}`, kind: k, port: servers[k].port, names, concurrency: 8 });
        log(`${LABEL[k]}: ${n} clients connected in ${fmt(c.ms)} ms`);
      }
      for (let t = 0; t < TRIALS; t++) {
        for (const k of rotate(KINDS, t)) {
          const s = await saturationTrial(servers[k].child, load, `${k}${n}`, SENDERS, WINDOW, WARMUP_MS, MEASURE_MS);
          r.saturation[n]![k].push(s);
          log(`saturation ${n} ${LABEL[k]}: ${fmt(s.deliveriesPerSecond)}/s, server ${s.serverCpuPerDelivery.toFixed(2)} µs/delivery, cores server ${s.serverCores.toFixed(2)} load ${s.loadCores.toFixed(2)}${s.drained ? '' : ' (not drained)'}`);
        }
      }
      for (let t = 0; t < TRIALS; t++) {
        for (const k of rotate(KINDS, t)) {
          const f = await fixedTrial(servers[k].child, load, `${k}${n}`, SENDERS, RATE, WARMUP_MS, MEASURE_MS);
          r.fixed[n]![k].push(f);
          log(`fixed ${n} ${LABEL[k]}: ${fmt(f.deliveriesPerSecond)}/s, p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms (${f.samples} samples)${f.overloaded ? ' OVERLOADED: sends skipped' : ''}`);
        }
      }
      for (const k of KINDS) await load.call('close', `${k}${n}`);
    }
  } finally {
    await load.stop();
    for (const k of KINDS) await servers[k].child.stop();
  }
}

async function memory(r: Results): Promise<void> {
  // idle client i is named i<k>x<i>: Parley puts it in room idle<k> (rooms of 100, see bench/servers/parley.ts)
  const names = (from: number, to: number) => Array.from({ length: to - from }, (_, j) => `i${Math.floor((from + j) / 100)}x${from + j}`);
  for (const k of KINDS) {
    const { child, port } = await startServer(k);
    const load = await Child.start(WORKER);
    try {
      await load.call('keys', 4);
      r.memory[k] = await idleMemory(child, load, 'idle', k, port, IDLE, names, IDLE_WARMUP, IDLE_SETTLE_MS);
      log(`memory ${LABEL[k]}: ${r.memory[k].map((m) => `${fmt(m.connections)} → ${(m.rssPerConnection / 1024).toFixed(1)} KB RSS (marginal ${(m.marginalRssPerConnection / 1024).toFixed(1)}), ${(m.heapPerConnection / 1024).toFixed(1)} KB heap, young generation +${(m.youngGenerationGrowth / 1048576).toFixed(0)} MB`).join('; ')}`);
    } finally {
      await load.stop();
      await child.stop();
    }
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const r: Results = { sizes: SIZES, idleCounts: IDLE, rate: RATE, saturation: {}, fixed: {}, memory: byKind(() => []) };
  await fanout(r);
  await memory(r);
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? '?'}, Node ${process.version}`;
  writeFileSync(CHART, chart(r, machine));
  const s = summary(r);
  console.log(`Fan-out benchmark — ${machine}; ${TRIALS} interleaved trial(s) per point, medians; ${SENDERS} senders; total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  console.log(table(r));
  console.log(
    `Parley at saturation (${SIZES[SIZES.length - 1]} clients): ${s.ratio_ws}× ws, ${s.ratio_socketio}× Socket.IO (server CPU per delivery: ${s.cpu_ratio_ws}× / ${s.cpu_ratio_socketio}× as efficient); ` +
      `p99 at ${fmt(RATE)}/s: ${s.p99_ratio_ws}× ws; RSS per idle connection (${fmt(IDLE[0]!)}): ${s.memory_ratio_ws}× ws (${s.memory_ratio_ws_without_young_generation_step}× with V8's young-generation step taken out). Chart: ${QUICK ? CHART : path.relative(process.cwd(), CHART)}`,
  );
  if (JSON_OUT) console.log(JSON.stringify(s));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
