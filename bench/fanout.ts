/**
 * `npm run bench:fanout [-- options]`: Parley against three broadcast servers on the same
 * open-loop load — `ws-batched` (plain ws with Parley's per-turn batching: Parley minus it is the
 * price of security), plain `ws` and Socket.IO (what people write). Each server runs in a process
 * of its own (bench/servers/child.ts); the clients of one room are spread over one or more
 * load-generator processes (bench/load/worker.ts); this process only orchestrates.
 *
 * Per room size (50 and 200 clients, 10 senders): in each trial every server climbs a ladder of
 * offered rates (Poisson arrivals, latency from the scheduled time) until p99 exceeds the target
 * or less than 99 % is delivered, then bisects (fanout/sweep.ts); the highest passing rate is its
 * capacity. The first rung, 20,000 deliveries/s, gives server CPU per delivery at a fixed rate.
 * Then idle memory per connection (1,000 connections), every server in each trial. Writes the raw
 * results (bench/results/fanout.json; --quick: the temp folder) and docs/perf-fanout.svg.
 * This is a benchmark: it asserts nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child } from './lib/ipc.js';
import { machine, machineLine } from './lib/machine.js';
import { fmt } from './lib/stats.js';
import { idleMemory, type MemoryPoint } from './fanout/memory.js';
import { runPoint, type Limits, type Point, type Target, type Timing } from './fanout/point.js';
import { capacityTable, chart, fixedTable, KINDS, LABEL, memoryTable, summary, sweepTable, type Results, type ServerKind } from './fanout/report.js';
import { sweep, type Ladder } from './fanout/sweep.js';

const USAGE = `usage: npm run bench:fanout [-- options]

  --quick            a smoke run (~4 min): 1 trial, short windows, 200 idle connections;
                     results go to the temp folder, not bench/results/ or docs/
  --json             print the summary as one JSON object on the last line
  --trials N         trials per point (default 5; --quick: 1)
  --generators N     load-generator processes (default 2)
  --part P           sweep, memory or all (default all)
  --servers LIST     comma-separated, of parley,ws-batched,ws,sio (default all four)
  --sizes LIST       room sizes, comma-separated (default 50,200)
  --rates LIST       offered rates (deliveries/s), comma-separated: run exactly these in every
                     trial instead of searching for the capacity
  --out FILE         where to write the raw results (default bench/results/fanout.json)
  --help             this text`;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}
function intOption(name: string, dflt: number): number {
  const v = option(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench:fanout: ${name} needs a whole number ≥ 1, not "${v}"\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

const args = new Set(process.argv.slice(2));
if (args.has('--help') || args.has('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const PART = option('--part') ?? 'all';
if (!['all', 'sweep', 'memory'].includes(PART)) {
  console.error(`bench:fanout: --part is sweep, memory or all, not "${PART}"\n\n${USAGE}`);
  process.exit(2);
}
const TRIALS = intOption('--trials', QUICK ? 1 : 5);
const GENERATORS = intOption('--generators', 2);
function listOption<T extends string>(name: string, allowed: readonly T[] | undefined, dflt: T[]): T[] {
  const v = option(name);
  if (v === undefined) return dflt;
  const xs = v.split(',').filter(Boolean) as T[];
  const bad = xs.find((x) => (allowed ? !allowed.includes(x) : !(Number.isInteger(Number(x)) && Number(x) >= 2)));
  if (bad !== undefined || xs.length === 0) {
    console.error(`bench:fanout: ${name} takes ${allowed ? allowed.join(',') : 'whole numbers ≥ 2'}, not "${v}"\n\n${USAGE}`);
    process.exit(2);
  }
  return xs;
}
const SERVERS = listOption('--servers', KINDS, [...KINDS]);
const SIZES = listOption('--sizes', undefined, ['50', '200']).map(Number);
const RATES = option('--rates') === undefined ? undefined : listOption('--rates', undefined, []).map(Number);
const SENDERS = 10;
const LADDER: Ladder = { start: 20_000, step: Math.SQRT2, max: 1_280_000, refine: 2, resumeBelow: 2, repeatDisturbed: 3, disturbedPauseMs: 5000, ...(RATES && { fixedRates: RATES }) };
const TIMING: Timing = QUICK
  ? { leadMs: 150, warmupMs: 500, measureMs: 1500, tailMs: 300, drainMs: 15_000 }
  : { leadMs: 150, warmupMs: 1000, measureMs: 3000, tailMs: 500, drainMs: 30_000 };
const LIMITS: Limits = { p99Ms: 100, achieved: 0.99, generatorCores: 0.9, latenessP99Ms: 10, otherCores: 0.2 };
const IDLE = QUICK ? [200] : [1000];
const IDLE_WARMUP = QUICK ? { waves: 2, size: 50 } : { waves: 5, size: 200 }; // connections made and closed before the memory baseline (see idleMemory)
const IDLE_SETTLE_MS = 2000;

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const SERVER = path.join(here, 'servers', 'child.js');
const WORKER = path.join(here, 'load', 'worker.js');
// a --quick smoke run must not replace the chart and results the docs show
const CHART = QUICK ? path.join(os.tmpdir(), 'parley-perf-fanout-quick.svg') : path.join(root, 'docs', 'perf-fanout.svg');
const OUT = option('--out') ?? (QUICK ? path.join(os.tmpdir(), 'parley-bench-fanout-quick.json') : path.join(root, 'bench', 'results', 'fanout.json'));

const log = (s: string) => console.error(s);
const ms = (x: number) => (x === Infinity ? '∞' : x.toFixed(2));

function describe(p: Point): string {
  return (
    `${p.clients} ${LABEL[p.kind as ServerKind]} t${p.trial} ${fmt(p.offered)}/s: achieved ${p.achieved.toFixed(3)}, p50 ${ms(p.p50)} p99 ${ms(p.p99)} p99.9 ${ms(p.p999)} ms, ` +
    `server ${p.serverCpuPerDelivery.toFixed(2)} µs/delivery ${p.serverCores.toFixed(2)} cores, generators ${p.generatorCores.map((c) => c.toFixed(2)).join('+')} cores, machine ${p.machineCores.toFixed(2)} (other ${p.otherCores.toFixed(2)}, steal ${p.stealCores.toFixed(2)}), lateness p99 ${ms(p.latenessP99)} ms, ` +
    `${p.deliveriesPerFrame.toFixed(1)}/message${p.pass ? '' : ' FAIL'}${p.generatorBound ? ' generator-bound' : ''}${p.badHash ? ` ${p.badHash} BAD HASHES` : ''}${p.drained ? '' : ' not drained'}${p.disturbed ? ' DISTURBED by other processes' : ''}${p.discarded ? ' (discarded, run again)' : ''}`
  );
}

async function startServer(kind: string): Promise<{ child: Child; port: number }> {
  const child = await Child.start(SERVER, [kind]);
  const { port } = await child.call<{ port: number }>('address');
  return { child, port };
}

async function fanout(r: Results): Promise<void> {
  const servers = new Map<string, { child: Child; port: number }>();
  const generators: Child[] = [];
  let run = 0;
  try {
    for (const k of SERVERS) servers.set(k, await startServer(k));
    for (let i = 0; i < GENERATORS; i++) generators.push(await Child.start(WORKER));
    await Promise.all(generators.map((g) => g.call('keys', Math.ceil(SENDERS / GENERATORS))));
    for (const n of SIZES) {
      const targets: Target[] = SERVERS.map((k) => ({ kind: k, server: servers.get(k)!.child, group: `${k}${n}` }));
      for (const k of SERVERS) {
        const t0 = performance.now();
        await Promise.all(
          generators.map((g, i) => {
            const names = Array.from({ length: n }, (_, j) => `c${n}x${j}`).filter((_, j) => j % GENERATORS === i);
            return g.call('connect', { id: `${k}${n}`, kind: k, port: servers.get(k)!.port, names, concurrency: 8 });
          }),
        );
        log(`${LABEL[k]}: ${n} clients connected in ${fmt(performance.now() - t0)} ms`);
      }
      // one discarded point per server: JIT and first-use costs out of the way
      for (const t of targets) await runPoint(t, generators, n, SENDERS, LADDER.start, -1, 1, ++run, { ...TIMING, warmupMs: 500, measureMs: 1000 }, LIMITS);
      const s = await sweep(targets, generators, n, SENDERS, TRIALS, LADDER, TIMING, LIMITS, () => ++run, (p) => log(describe(p)));
      r.points.push(...s.points);
      r.capacities.push(...s.capacities);
      for (const c of s.capacities.filter((c) => c.trial === TRIALS - 1)) log(`capacity ${n} ${LABEL[c.kind as ServerKind]} (last trial): ${fmt(c.rate)}/s`);
      for (const k of SERVERS) await Promise.all(generators.map((g) => g.call('close', `${k}${n}`)));
    }
  } finally {
    for (const g of generators) await g.stop();
    for (const s of servers.values()) await s.child.stop();
  }
}

/** Idle memory: in each trial every server, each in a fresh process with its own generator, side by side (the readings are of idle processes). */
async function memory(r: Results): Promise<void> {
  // idle client i is named i<k>x<i>: Parley puts it in room idle<k> (rooms of 100, see bench/servers/parley.ts)
  const names = (from: number, to: number) => Array.from({ length: to - from }, (_, j) => `i${Math.floor((from + j) / 100)}x${from + j}`);
  for (let t = 0; t < TRIALS; t++) {
    const one = async (k: ServerKind): Promise<MemoryPoint[]> => {
      const { child, port } = await startServer(k);
      const load = await Child.start(WORKER);
      try {
        await load.call('keys', 4);
        return await idleMemory(child, load, 'idle', k, port, IDLE, names, IDLE_WARMUP, IDLE_SETTLE_MS);
      } finally {
        await load.stop();
        await child.stop();
      }
    };
    const ms = await Promise.all(SERVERS.map(one));
    SERVERS.forEach((k, i) => {
      (r.memory[k] ??= []).push(ms[i]!);
      log(`memory t${t} ${LABEL[k]}: ${ms[i]!.map((m) => `${fmt(m.connections)} → ${(m.heapPerConnection / 1024).toFixed(2)} KB heap, ${(m.rssPerConnection / 1024).toFixed(2)} KB RSS`).join('; ')}`);
    });
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const m = machine();
  log(`bench:fanout on ${machineLine(m)}; load average at start ${m.loadavg.join(' ')}`);
  const r: Results = {
    benchmark: 'fanout',
    date: new Date().toISOString(),
    machine: m,
    settings: { quick: QUICK, part: PART, trials: TRIALS, generators: GENERATORS, senders: SENDERS, ladder: LADDER, timing: TIMING, ...LIMITS, idle: IDLE, idleWarmup: IDLE_WARMUP },
    sizes: SIZES,
    kinds: SERVERS,
    rate: LADDER.start,
    points: [],
    capacities: [],
    memory: {},
    durationSeconds: 0,
    loadavgAtEnd: [],
  };
  if (PART !== 'memory') await fanout(r);
  if (PART !== 'sweep') await memory(r);
  r.durationSeconds = Math.round((performance.now() - t0) / 1000);
  r.loadavgAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(r)}\n`);
  const note = `${machineLine(m)}; ${TRIALS} trial(s), medians`;
  if (PART === 'all') writeFileSync(CHART, chart(r, note));
  console.log(`Fan-out benchmark — ${machineLine(m)}; load average at start ${m.loadavg.join(' ')}, at end ${r.loadavgAtEnd.join(' ')}; ${TRIALS} interleaved trial(s) per point, medians [min–max]; ${SENDERS} senders, ${GENERATORS} load-generator process(es); total ${r.durationSeconds} s`);
  if (PART !== 'memory') {
    console.log(`\n${capacityTable(r)}\n\n${fixedTable(r)}\n\n${sweepTable(r)}`);
  }
  if (PART !== 'sweep') console.log(`\n${memoryTable(r)}`);
  if (PART !== 'memory') {
    const d = r.points.filter((p) => p.discarded).length;
    const still = r.points.filter((p) => !p.discarded && p.disturbed).length;
    console.log(`\n${r.points.length - d} points used; ${d} point(s) during which other processes used > ${LIMITS.otherCores} cores were discarded and run again; ${still} used point(s) still disturbed after ${LADDER.repeatDisturbed} repeats.`);
  }
  console.log(`\nRaw results: ${path.relative(process.cwd(), OUT)}${PART === 'all' ? `; chart: ${QUICK ? CHART : path.relative(process.cwd(), CHART)}` : ''}`);
  const s = summary(r);
  console.log(
    `Parley's capacity at p99 ≤ ${LIMITS.p99Ms} ms (${SIZES[SIZES.length - 1]} clients): ${s.capacity_ratio_ws}× ws, ${s.capacity_ratio_ws_batched}× ws-batched, ${s.capacity_ratio_socketio}× Socket.IO; ` +
      `batching alone: ws-batched ${s.batching_gain_ws}× ws; server CPU per delivery at ${fmt(LADDER.start)}/s: ${s.cpu_per_delivery_ratio_ws_batched}× ws-batched; heap per idle connection: ${s.heap_per_idle_connection_ratio_ws}× ws`,
  );
  if (JSON_OUT) console.log(JSON.stringify(s));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
