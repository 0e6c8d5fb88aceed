/**
 * bench:cluster's report: capacity of each setup at the latency target, same-node and
 * cross-node latency and the cost per message at the fixed rate, every swept point, what limits
 * each figure, and the JSON summary (last line with --json). Medians over trials [min–max].
 */
import { Histogram } from '../lib/histogram.js';
import { machineLine, type Machine } from '../lib/machine.js';
import { fmt } from '../lib/stats.js';
import type { Point } from '../fanout/point.js';
import { capacity, spread, type Spread } from '../fanout/report.js';
import type { Capacity } from '../fanout/sweep.js';

export const CLUSTER_KINDS = ['parley1', 'parley3', 'sio1', 'sio3'] as const;
export type ClusterKind = (typeof CLUSTER_KINDS)[number];
export const CLUSTER_LABEL: Record<ClusterKind, string> = {
  parley1: 'Parley, 1 node',
  parley3: 'Parley, 3 nodes',
  sio1: 'Socket.IO, 1 node',
  sio3: 'Socket.IO + redis-adapter, 3 nodes',
};

/** Everything measured (the raw result file holds exactly this). */
export interface ClusterResults {
  benchmark: 'cluster';
  date: string;
  machine: Machine;
  settings: Record<string, unknown> & { measureMs: number; p99Ms: number; achieved: number };
  clients: number;
  kinds: ClusterKind[];
  /** Why a setup was not measured (e.g. parley3 in a build without the cluster flags). */
  skipped: Partial<Record<ClusterKind, string>>;
  /** The fixed rate (deliveries/s): the ladder's first rung, run in every trial. */
  rate: number;
  points: Point[];
  capacities: Capacity[];
  durationSeconds: number;
  loadavgAtEnd: number[];
}

/** The median, Infinity included (a point with undelivered messages has an infinite p99); NaN for none. */
function med(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = (s.length - 1) / 2;
  const [a, b] = [s[Math.floor(i)]!, s[Math.ceil(i)]!];
  return a === b ? a : (a + b) / 2;
}
const num = (x: number, d: number) => (x === Infinity ? '∞' : fmt(x, d));

const used = (r: ClusterResults, k: string, rate?: number) => r.points.filter((p) => !p.discarded && p.kind === k && (rate === undefined || p.offered === rate));
const show = (s: Spread, d = 0) => (s.n === 0 ? 'n/a' : s.n === 1 || s.min === s.max ? num(s.median, d) : `${num(s.median, d)} [${num(s.min, d)}–${num(s.max, d)}]`);
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? Math.round((a / b) * 1000) / 1000 : null);
const q = (sparse: [number, number][] | undefined, x: number) => (sparse ? Histogram.fromSparse(sparse).quantile(x) : NaN);

/** Messages (not deliveries) scheduled in a point's window. */
export const windowMessages = (r: ClusterResults, p: Point) => (p.scheduledRate * r.settings.measureMs) / 1000 / p.clients;

/** Per-point figures the tables and the summary share. */
export const FIGURES: Record<string, { label: string; digits: number; f: (p: Point, r: ClusterResults) => number }> = {
  // JSON writes an infinite quantile (undelivered messages) as null
  p50: { label: 'p50 latency ms, all deliveries', digits: 2, f: (p) => p.p50 ?? Infinity },
  p99: { label: 'p99 latency ms, all deliveries', digits: 2, f: (p) => p.p99 ?? Infinity },
  sameP50: { label: 'same-node p50 ms', digits: 2, f: (p) => q(p.latencySame, 0.5) },
  sameP99: { label: 'same-node p99 ms', digits: 2, f: (p) => q(p.latencySame, 0.99) },
  crossP50: { label: 'cross-node p50 ms', digits: 2, f: (p) => q(p.latencyCross, 0.5) },
  crossP99: { label: 'cross-node p99 ms', digits: 2, f: (p) => q(p.latencyCross, 0.99) },
  cpu: { label: 'CPU µs per delivery (nodes + Redis + PostgreSQL)', digits: 2, f: (p) => p.serverCpuPerDelivery },
  nodes: { label: 'server nodes, cores', digits: 2, f: (p) => Object.entries(p.serverParts ?? {}).filter(([k]) => k.startsWith('node')).reduce((a, [, v]) => a + v, 0) },
  redis: { label: 'redis-server, cores', digits: 2, f: (p) => p.serverParts?.redis ?? NaN },
  postgres: { label: 'PostgreSQL, cores', digits: 2, f: (p) => p.serverParts?.postgres ?? NaN },
  generators: { label: 'load generators, cores (busiest)', digits: 2, f: (p) => Math.max(...p.generatorCores) },
  machine: { label: 'whole machine, cores busy', digits: 2, f: (p) => p.machineCores },
  redisPerMessage: { label: 'Redis commands per message', digits: 2, f: (p, r) => (p.counters?.['redis.commands'] ?? NaN) / windowMessages(r, p) },
  redisBytesPerMessage: { label: 'Redis bytes in + out per message', digits: 0, f: (p, r) => ((p.counters?.['redis.bytes_in'] ?? NaN) + (p.counters?.['redis.bytes_out'] ?? NaN)) / windowMessages(r, p) },
  pgPerMessage: { label: 'PostgreSQL transactions per message', digits: 3, f: (p, r) => ((p.counters?.['pg.xact_commit'] ?? NaN) + (p.counters?.['pg.xact_rollback'] ?? NaN)) / windowMessages(r, p) },
  achieved: { label: 'achieved / scheduled', digits: 3, f: (p) => p.achieved },
  dropped: { label: 'clients dropped by the server', digits: 0, f: (p) => p.dropped },
  errors: { label: 'error events received (rate_limited, …)', digits: 0, f: (p) => Object.values(p.errors).reduce((a, n) => a + n, 0) },
};

/** A figure over the trials at the fixed rate. */
export function atRate(r: ClusterResults, k: string, fig: keyof typeof FIGURES): Spread {
  const xs = used(r, k, r.rate).map((p) => FIGURES[fig]!.f(p, r)).filter((x) => !Number.isNaN(x));
  return { ...spread(xs), median: med(xs) };
}

/** Capacity per setup, and 3 nodes / 1 node per stack. */
export function capacityTable(r: ClusterResults): string {
  const lines = [`| capacity (deliveries/s), p99 ≤ ${r.settings.p99Ms} ms and ≥ ${r.settings.achieved * 100} % delivered, ${r.clients} clients in one room | median [min–max] | 3 nodes / 1 node |`, '|---|---|---|'];
  for (const k of r.kinds) {
    const c = capacity(r, k, r.clients);
    const one = k.endsWith('3') ? capacity(r, k.replace('3', '1'), r.clients) : undefined;
    const notes = [c.generatorBound ? `first failure generator-bound in ${c.generatorBound}/${c.n}` : '', c.neverFailed ? `≥: passed the top rung in ${c.neverFailed}/${c.n}` : ''].filter(Boolean).join('; ');
    lines.push(`| ${CLUSTER_LABEL[k]} | ${show(c)}${notes ? ` (${notes})` : ''} | ${one && one.n ? `${ratio(c.median, one.median) ?? 'n/a'}×` : '—'} |`);
  }
  for (const [k, why] of Object.entries(r.skipped)) lines.push(`| ${CLUSTER_LABEL[k as ClusterKind]} | not measured: ${why} | — |`);
  return lines.join('\n');
}

/** Latency and cost per message at the fixed rate, every setup side by side. */
export function fixedTable(r: ClusterResults): string {
  const lines = [`| at ${fmt(r.rate)} deliveries/s | ${r.kinds.map((k) => CLUSTER_LABEL[k]).join(' | ')} |`, `|---|${r.kinds.map(() => '---|').join('')}`];
  for (const [key, fig] of Object.entries(FIGURES)) lines.push(`| ${fig.label} | ${r.kinds.map((k) => show(atRate(r, k, key), fig.digits)).join(' | ')} |`);
  return lines.join('\n');
}

/** Every swept rate of every setup, medians over the trials that ran it. */
export function sweepTable(r: ClusterResults): string {
  const cols: (keyof typeof FIGURES)[] = ['achieved', 'p50', 'p99', 'sameP99', 'crossP99', 'cpu', 'nodes', 'redis', 'postgres', 'generators', 'machine', 'redisPerMessage', 'dropped', 'errors'];
  const lines = [`| setup | offered/s | trials (passed) | ${cols.map((c) => FIGURES[c]!.label).join(' | ')} | generator-bound |`, `|---|---|---|${cols.map(() => '---|').join('')}---|`];
  for (const k of r.kinds) {
    const rates = [...new Set(used(r, k).map((p) => p.offered))].sort((a, b) => a - b);
    for (const rate of rates) {
      const ps = used(r, k, rate);
      const m = (c: keyof typeof FIGURES) => num(med(ps.map((p) => FIGURES[c]!.f(p, r))), FIGURES[c]!.digits);
      lines.push(`| ${CLUSTER_LABEL[k]} | ${fmt(rate)} | ${ps.length} (${ps.filter((p) => p.pass).length}) | ${cols.map(m).join(' | ')} | ${ps.filter((p) => p.generatorBound).length}/${ps.length} |`);
    }
  }
  return lines.join('\n');
}

/** What limits each capacity: the generators, the shared CPU, or the setup itself — read off the points at and just above it. */
export function limitsText(r: ClusterResults): string {
  const out = [
    `What limits these figures: every process — the server nodes, redis-server, PostgreSQL, the load generators and this orchestrator — shares the machine's ${r.machine.cores} cores. Three nodes here get no more CPU than one, so "3 nodes" measures what the cluster path costs (a Redis round trip, fan-out on every node), not the scale-out of three machines.`,
  ];
  for (const k of r.kinds) {
    const caps = r.capacities.filter((c) => c.kind === k);
    const at = used(r, k).filter((p) => caps.some((c) => c.trial === p.trial && c.failedAt === p.offered));
    const mm = (f: (p: Point) => number) => num(med(at.map(f)), 2);
    const gb = at.filter((p) => p.generatorBound).length;
    out.push(
      at.length === 0
        ? `- ${CLUSTER_LABEL[k]}: never failed up to the top rung (a lower bound).`
        : `- ${CLUSTER_LABEL[k]}: at the first failing rate the machine was ${mm((p) => p.machineCores)} of ${r.machine.cores} cores busy (nodes ${mm((p) => FIGURES.nodes!.f(p, r))}, Redis ${mm((p) => FIGURES.redis!.f(p, r))}, PostgreSQL ${mm((p) => FIGURES.postgres!.f(p, r))}, busiest generator ${mm((p) => FIGURES.generators!.f(p, r))}); generator-bound in ${gb}/${at.length} trial(s)${gb ? ' — the server may sustain more' : ''}; clients dropped there: ${at.reduce((a, p) => a + p.dropped, 0)}; error events there: ${JSON.stringify(at.reduce((a: Record<string, number>, p) => { for (const [c, n] of Object.entries(p.errors)) a[c] = (a[c] ?? 0) + n; return a; }, {}))}.`,
    );
  }
  return out.join('\n');
}

/**
 * The JSON summary. cross_node_p99_ratio: Parley 3 nodes, cross-node p99 / same-node p99 at the
 * fixed rate (target ≤ 1.5); capacity_ratio_socketio_cluster: Parley 3 nodes / Socket.IO +
 * redis-adapter 3 nodes (target ≥ 1.0). null when a setup was not measured (never a guess).
 */
export function summary(r: ClusterResults): Record<string, unknown> {
  const has = (k: ClusterKind) => r.kinds.includes(k);
  const cap = (k: ClusterKind) => (has(k) ? capacity(r, k, r.clients).median : NaN);
  const fixed = (k: ClusterKind, f: keyof typeof FIGURES) => (has(k) ? atRate(r, k, f).median : NaN);
  const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);
  const per = (f: keyof typeof FIGURES) => Object.fromEntries(r.kinds.map((k) => [k, round(fixed(k, f))]));
  const crossRatio = ratio(fixed('parley3', 'crossP99'), fixed('parley3', 'sameP99'));
  const capRatio = ratio(cap('parley3'), cap('sio3'));
  return {
    cross_node_p99_ratio: crossRatio,
    capacity_ratio_socketio_cluster: capRatio,
    targets: { cross_node_p99_ratio: '≤ 1.5', capacity_ratio_socketio_cluster: '≥ 1.0' },
    met: { cross_node_p99_ratio: crossRatio === null ? null : crossRatio <= 1.5, capacity_ratio_socketio_cluster: capRatio === null ? null : capRatio >= 1.0 },
    cross_node_p99_ratio_socketio: ratio(fixed('sio3', 'crossP99'), fixed('sio3', 'sameP99')),
    capacity_ratio_parley_3_to_1: ratio(cap('parley3'), cap('parley1')),
    capacity_ratio_socketio_3_to_1: ratio(cap('sio3'), cap('sio1')),
    parley_cluster_available: has('parley3'),
    skipped: r.skipped,
    clients: r.clients,
    rate: r.rate,
    trials: r.settings.trials,
    capacity: Object.fromEntries(r.kinds.map((k) => [k, round(cap(k))])),
    capacity_generator_bound: Object.fromEntries(r.kinds.map((k) => [k, capacity(r, k, r.clients).generatorBound])),
    same_node_p50_ms: per('sameP50'),
    same_node_p99_ms: per('sameP99'),
    cross_node_p50_ms: per('crossP50'),
    cross_node_p99_ms: per('crossP99'),
    redis_commands_per_message: per('redisPerMessage'),
    redis_bytes_per_message: per('redisBytesPerMessage'),
    pg_transactions_per_message: per('pgPerMessage'),
    cpu_us_per_delivery: per('cpu'),
  };
}

/** Everything the run prints before the raw results' path: header, tables, limits, targets. */
export function report(r: ClusterResults): string {
  const st = r.settings as ClusterResults['settings'] & { quick: boolean; trials: number; generators: number; senders: number; parleyFlags: string[]; otherCores: number; ladder: { repeatDisturbed: number }; versions: Record<string, string> };
  const v = st.versions;
  const d = r.points.filter((p) => p.discarded).length;
  const still = r.points.filter((p) => !p.discarded && p.disturbed).length;
  const s = summary(r);
  const target = (x: unknown) => (x === null ? 'not measured' : String(x));
  return [
    `Cluster benchmark — ${machineLine(r.machine)}; load average at start ${r.machine.loadavg.join(' ')}, at end ${r.loadavgAtEnd.join(' ')}; ${st.trials} interleaved trial(s) per point, medians [min–max]; ` +
      `${r.clients} clients in one room spread round-robin over the nodes, ${st.senders} senders, ${st.generators} load-generator process(es); redis-server ${v['redis-server'] ?? 'n/a'}, PostgreSQL ${v.postgres ?? 'n/a'}, socket.io ${v['socket.io']} + @socket.io/redis-adapter ${v['@socket.io/redis-adapter']}; ` +
      `Parley nodes: parley server ${st.parleyFlags.join(' ')}; total ${r.durationSeconds} s${st.quick ? '; QUICK SMOKE RUN: not a measurement to quote' : ''}`,
    '',
    capacityTable(r),
    '',
    ...(r.kinds.length === 0 ? ['No setup was measured.'] : [fixedTable(r), '', sweepTable(r), '', limitsText(r)]),
    '',
    `${r.points.length - d} points used; ${d} disturbed point(s) (other processes > ${st.otherCores} cores) discarded and run again; ${still} used point(s) disturbed${st.quick ? ' (--quick keeps them)' : ` after ${st.ladder.repeatDisturbed} repeats`}.`,
    'PostgreSQL counts transactions per backend and reports them at most once a second while busy (within 10 s once idle): a window can miss up to that.',
    `Targets: cross-node p99 / same-node p99 (Parley, 3 nodes, at ${fmt(r.rate)}/s) = ${target(s.cross_node_p99_ratio)} (target ≤ 1.5); Parley 3 nodes / Socket.IO + redis-adapter 3 nodes capacity = ${target(s.capacity_ratio_socketio_cluster)} (target ≥ 1.0)`,
  ].join('\n');
}
