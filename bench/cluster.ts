/**
 * `npm run bench:cluster [-- options]`: one node against three on this machine, Parley (the
 * built CLI's `parley server`; three nodes on Redis and PostgreSQL) and Socket.IO (three nodes
 * with @socket.io/redis-adapter), on bench:fanout's open-loop load and method (fanout/point.ts,
 * fanout/sweep.ts): one room of 200 clients, 10 senders, clients spread round-robin over the
 * nodes and over the load-generator processes; in each trial every setup climbs a ladder of
 * offered rates until p99 > 100 ms or < 99 % is delivered, then bisects; setups take turns at
 * every step. Each delivery's latency is also filed by whether its sender and receiver are on
 * the same node. Cost per message: the CPU of every node, redis-server and PostgreSQL (/proc),
 * Redis commands and bytes (INFO) and PostgreSQL transactions (pg_stat_database) over each
 * point's window. Parley's 3-node setup needs a build whose `parley server --help` lists
 * --redis; without it that setup is skipped and said so. This is a benchmark: it asserts nothing.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child } from './lib/ipc.js';
import { machine, machineLine } from './lib/machine.js';
import { fmt } from './lib/stats.js';
import { runPoint, type Limits, type Point, type Target, type Timing } from './fanout/point.js';
import { sweep, type Ladder } from './fanout/sweep.js';
import { parleyClusterAvailable, PARLEY_BENCH_FLAGS } from './cluster/nodes.js';
import { CLUSTER_KINDS, CLUSTER_LABEL, report, summary, type ClusterKind, type ClusterResults } from './cluster/report.js';
import { startSetup, type Setup } from './cluster/setup.js';

const USAGE = `usage: npm run bench:cluster [-- options]

  --quick            a smoke run (a few minutes): 1 trial, 60 clients, a coarse ladder (×2, one
                     bisection), short windows, disturbed points kept (marked) instead of run
                     again; results go to the temp folder unless --out is given
  --json             print the summary as one JSON object on the last line
  --trials N         interleaved trials (default 3; --quick: 1)
  --clients N        clients in the room (default 200; --quick: 60)
  --generators N     load-generator processes (default 2)
  --setups LIST      comma-separated, of parley1,parley3,sio1,sio3 (default all four)
  --out FILE         where to write the raw results (default bench/results/cluster.json)
  --report FILE      print the tables of earlier raw results (and --json's line); run nothing
  --help             this text`;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}
function fail(message: string): never {
  console.error(`bench:cluster: ${message}\n\n${USAGE}`);
  process.exit(2);
}
function intOption(name: string, dflt: number, min: number): number {
  const v = option(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`${name} needs a whole number ≥ ${min}, not "${v}"`);
  return n;
}

const args = new Set(process.argv.slice(2));
if (args.has('--help') || args.has('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const TRIALS = intOption('--trials', QUICK ? 1 : 3, 1);
const CLIENTS = intOption('--clients', QUICK ? 60 : 200, 6);
const GENERATORS = intOption('--generators', 2, 1);
const SETUPS = (option('--setups')?.split(',').filter(Boolean) ?? [...CLUSTER_KINDS]) as ClusterKind[];
if (SETUPS.length === 0 || SETUPS.some((k) => !CLUSTER_KINDS.includes(k))) fail(`--setups takes ${CLUSTER_KINDS.join(',')}, not "${option('--setups')}"`);
const SENDERS = 10;
const LADDER: Ladder = QUICK
  ? { start: 5_000, step: 2, max: 1_280_000, refine: 1, resumeBelow: 2, repeatDisturbed: 0, disturbedPauseMs: 0 }
  : { start: 5_000, step: Math.SQRT2, max: 1_280_000, refine: 2, resumeBelow: 2, repeatDisturbed: 3, disturbedPauseMs: 5000 };
const TIMING: Timing = QUICK
  ? { leadMs: 150, warmupMs: 500, measureMs: 1500, tailMs: 300, drainMs: 15_000 }
  : { leadMs: 150, warmupMs: 1000, measureMs: 3000, tailMs: 500, drainMs: 30_000 };
// bench:fanout's target and honesty rules, unchanged
const LIMITS: Limits = { p99Ms: 100, achieved: 0.99, generatorCores: 0.9, latenessP99Ms: 10, otherCores: 0.2 };

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const WORKER = path.join(here, 'load', 'worker.js');
const OUT = option('--out') ?? (QUICK ? path.join(os.tmpdir(), 'parley-bench-cluster-quick.json') : path.join(root, 'bench', 'results', 'cluster.json'));
const NOT_AVAILABLE = 'Parley cluster: not available in this build';

const log = (s: string) => console.error(s);
const ms = (x: number) => (x === Infinity ? '∞' : x.toFixed(2));
const version = (pkg: string) => {
  try {
    return (JSON.parse(readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
};

function describe(p: Point): string {
  const c = p.counters ?? {};
  return (
    `${CLUSTER_LABEL[p.kind as ClusterKind]} t${p.trial} ${fmt(p.offered)}/s: achieved ${p.achieved.toFixed(3)}, p50 ${ms(p.p50)} p99 ${ms(p.p99)} ms, ` +
    `CPU ${p.serverCpuPerDelivery.toFixed(2)} µs/delivery (${Object.entries(p.serverParts ?? {}).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')} cores), generators ${p.generatorCores.map((x) => x.toFixed(2)).join('+')}, machine ${p.machineCores.toFixed(2)} (other ${p.otherCores.toFixed(2)}), ` +
    `Redis commands ${c['redis.commands'] ?? '-'}, PostgreSQL transactions ${c['pg.xact_commit'] ?? '-'}` +
    `${p.pass ? '' : ' FAIL'}${p.generatorBound ? ' generator-bound' : ''}${p.dropped ? ` ${p.dropped} clients dropped` : ''}${Object.keys(p.errors).length ? ` errors ${JSON.stringify(p.errors)}` : ''}${p.badHash ? ` ${p.badHash} BAD HASHES` : ''}${p.drained ? '' : ' not drained'}${p.disturbed ? ' DISTURBED' : ''}${p.discarded ? ' (discarded, run again)' : ''}`
  );
}

/** Connects the room to `s`: client j on node j mod nodes, in generator j mod generators; Parley clients each with their own X-Forwarded-For address. */
async function connect(s: Setup, generators: Child[]): Promise<void> {
  const t0 = performance.now();
  const kind = s.kind.startsWith('parley') ? 'parley' : 'sio';
  await Promise.all(
    generators.map((g, i) => {
      const js = Array.from({ length: CLIENTS }, (_, j) => j).filter((j) => j % generators.length === i);
      const node = (j: number) => j % s.nodes.length;
      return g.call('connect', {
        id: s.kind,
        kind,
        port: s.nodes[0]!.port,
        names: js.map((j) => `c${CLIENTS}x${j}`),
        concurrency: 8,
        place: { ports: js.map((j) => s.nodes[node(j)]!.port), nodes: js.map(node), forwardedFor: js.map((j) => `10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}`) },
      });
    }),
  );
  log(`${CLUSTER_LABEL[s.kind]}: ${CLIENTS} clients connected in ${fmt(performance.now() - t0)} ms`);
}

async function measure(r: ClusterResults, setups: Setup[], generators: Child[]): Promise<void> {
  let run = 0;
  await Promise.all(generators.map((g) => g.call('keys', setups.some((s) => s.kind.startsWith('parley')) ? Math.ceil(CLIENTS / generators.length) : 1)));
  for (const s of setups) await connect(s, generators);
  const targets: Target[] = setups.map((s) => ({ kind: s.kind, server: s.probe, group: s.kind }));
  const repair = async (p: Point) => {
    log(describe(p));
    const rs = await Promise.all(generators.map((g) => g.call<{ reconnected: number; failed: number }>('repair', { id: p.kind, concurrency: 8 })));
    const back = rs.reduce((a, x) => a + x.reconnected, 0);
    const lost = rs.reduce((a, x) => a + x.failed, 0);
    if (back || lost) log(`  ${CLUSTER_LABEL[p.kind as ClusterKind]}: ${back} dropped clients reconnected${lost ? `, ${lost} could not be` : ''}`);
  };
  // one discarded point per setup: JIT and first-use costs out of the way
  for (const t of targets) await repair(await runPoint(t, generators, CLIENTS, SENDERS, LADDER.start, -1, 1, ++run, { ...TIMING, warmupMs: 500, measureMs: 1000 }, LIMITS));
  const res = await sweep(targets, generators, CLIENTS, SENDERS, TRIALS, LADDER, TIMING, LIMITS, () => ++run, repair);
  r.points.push(...res.points);
  r.capacities.push(...res.capacities);
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const m = machine();
  log(`bench:cluster on ${machineLine(m)}; load average at start ${m.loadavg.join(' ')}`);
  const skipped: ClusterResults['skipped'] = {};
  let kinds = SETUPS;
  if (kinds.includes('parley3') && !parleyClusterAvailable()) {
    console.log(NOT_AVAILABLE);
    log(`${NOT_AVAILABLE} ('parley server --help' does not list --redis): the 3-node Parley setup is skipped`);
    skipped.parley3 = "this build's parley server has no --redis";
    kinds = kinds.filter((k) => k !== 'parley3');
  }
  const r: ClusterResults = {
    benchmark: 'cluster',
    date: new Date().toISOString(),
    machine: m,
    settings: { quick: QUICK, trials: TRIALS, generators: GENERATORS, senders: SENDERS, ladder: LADDER, timing: TIMING, ...LIMITS, measureMs: TIMING.measureMs, parleyFlags: PARLEY_BENCH_FLAGS, versions: { 'socket.io': version('socket.io'), '@socket.io/redis-adapter': version('@socket.io/redis-adapter'), 'redis (npm)': version('redis'), 'pg (npm)': version('pg') } },
    clients: CLIENTS,
    kinds,
    skipped,
    rate: LADDER.start,
    points: [],
    capacities: [],
    durationSeconds: 0,
    loadavgAtEnd: [],
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-cluster-'));
  const setups: Setup[] = [];
  const generators: Child[] = [];
  try {
    for (const k of kinds) {
      mkdirSync(path.join(dir, k));
      try {
        setups.push(await startSetup(k, path.join(dir, k)));
        log(`${CLUSTER_LABEL[k]}: up on port(s) ${setups[setups.length - 1]!.nodes.map((n) => n.port).join(', ')}`);
      } catch (e) {
        // a setup that does not start is reported and left out, never estimated
        const why = `did not start: ${(e as Error).message.replace(/\s+/g, ' ').slice(0, 300)}`;
        log(`${CLUSTER_LABEL[k]}: ${why}`);
        if (k === 'parley3') console.log(`${NOT_AVAILABLE} (${why})`);
        r.skipped[k] = why;
      }
    }
    r.kinds = setups.map((s) => s.kind);
    for (const s of setups) Object.assign(r.settings.versions as object, s.versions);
    for (let i = 0; i < GENERATORS; i++) generators.push(await Child.start(WORKER));
    if (setups.length > 0) await measure(r, setups, generators);
  } finally {
    for (const g of generators) await g.stop();
    for (const s of setups) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
  r.durationSeconds = Math.round((performance.now() - t0) / 1000);
  r.loadavgAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(r)}\n`);
  console.log(`${report(r)}\nRaw results: ${path.relative(process.cwd(), OUT)}`);
  if (JSON_OUT) console.log(JSON.stringify(summary(r)));
}

/** --report FILE: the tables (and --json line) of an earlier run's raw results, without running anything. */
function reprint(file: string): void {
  let r: ClusterResults;
  try {
    r = JSON.parse(readFileSync(file, 'utf8')) as ClusterResults;
    if (r.benchmark !== 'cluster') throw new Error(`it holds a ${String(r.benchmark)} benchmark's results`);
  } catch (e) {
    console.error(`bench:cluster: cannot read ${file}: ${(e as Error).message}; give the raw results of a bench:cluster run`);
    process.exit(2);
  }
  console.log(report(r));
  if (JSON_OUT) console.log(JSON.stringify(summary(r)));
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130)); // exit handlers stop the services
const REPORT = option('--report');
if (REPORT !== undefined) reprint(REPORT);
else main().catch((e) => {
  console.error(e);
  process.exit(1);
});
