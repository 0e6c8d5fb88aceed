/**
 * The fan-out benchmark's report: medians and ranges over trials, the printed tables (capacity
 * at the latency target first, then the fixed rate, the sweep and idle memory), the JSON summary
 * (last line with --json) and the SVG chart.
 */
import { barChartSvg } from '../lib/svg.js';
import { fmt, median } from '../lib/stats.js';
import type { Machine } from '../lib/machine.js';
import type { MemoryPoint } from './memory.js';
import type { Point } from './point.js';
import type { Capacity } from './sweep.js';

export const KINDS = ['parley', 'ws-batched', 'ws', 'sio'] as const;
export type ServerKind = (typeof KINDS)[number];
export const LABEL: Record<ServerKind, string> = { parley: 'Parley', 'ws-batched': 'ws-batched', ws: 'ws', sio: 'Socket.IO' };

/** Everything measured (the raw result file holds exactly this). */
export interface Results {
  benchmark: 'fanout';
  date: string;
  machine: Machine;
  settings: Record<string, unknown>;
  sizes: number[];
  kinds: ServerKind[];
  /** The fixed rate (deliveries/s): the ladder's first rung. */
  rate: number;
  points: Point[];
  capacities: Capacity[];
  /** Idle memory: one array of steps per trial, per server. */
  memory: Record<string, MemoryPoint[][]>;
  durationSeconds: number;
  loadavgAtEnd: number[];
}

/** Median, min and max of some numbers (NaN for none). */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(xs: number[]): Spread {
  return { median: median(xs), min: xs.length ? Math.min(...xs) : NaN, max: xs.length ? Math.max(...xs) : NaN, n: xs.length };
}

const show = (s: Spread, d = 0) => (s.n === 0 ? 'n/a' : s.n === 1 || s.min === s.max ? fmt(s.median, d) : `${fmt(s.median, d)} [${fmt(s.min, d)}–${fmt(s.max, d)}]`);
const ms = (x: number) => (x === Infinity ? '∞' : x >= 100 ? fmt(x, 0) : fmt(x, 2));

/** One server's capacity over trials, and in how many trials its limit was the generator. */
export function capacity(r: Pick<Results, 'capacities'>, k: string, n: number): Spread & { generatorBound: number; neverFailed: number } {
  const cs = r.capacities.filter((c) => c.kind === k && c.clients === n);
  return { ...spread(cs.map((c) => c.rate)), generatorBound: cs.filter((c) => c.generatorBound).length, neverFailed: cs.filter((c) => c.failedAt === Infinity).length };
}

/** The points of one server and size at one offered rate (not the discarded ones). */
const at = (r: Results, k: string, n: number, rate: number) => r.points.filter((p) => !p.discarded && p.kind === k && p.clients === n && p.offered === rate);

/** A figure of the fixed-rate points over trials. */
export function fixed(r: Results, k: string, n: number, f: (p: Point) => number): Spread {
  return spread(at(r, k, n, r.rate).map(f));
}

/** Heap (+ external) and RSS per idle connection at the first idle count, over trials, bytes. */
export function memory(r: Results, k: string, f: (m: MemoryPoint) => number, step = 0): Spread {
  return spread((r.memory[k] ?? []).map((t) => t[step]).filter((m): m is MemoryPoint => !!m).map(f));
}

const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;

/** The headline table: capacity at the latency target by room size, with ratios. */
export function capacityTable(r: Results): string {
  const lines = [`| capacity (deliveries/s) with p99 ≤ ${r.settings.p99Ms} ms and ≥ ${Number(r.settings.achieved) * 100} % delivered | ${r.kinds.map((k) => LABEL[k]).join(' | ')} | Parley / ws | Parley / ws-batched | Parley / Socket.IO | ws-batched / ws (batching) |`, `|---|${r.kinds.map(() => '---|').join('')}---|---|---|---|`];
  for (const n of r.sizes) {
    const c = Object.fromEntries(r.kinds.map((k) => [k, capacity(r, k, n)]));
    const cell = (k: string) => `${show(c[k]!)}${c[k]!.generatorBound ? ` (generator-bound in ${c[k]!.generatorBound}/${c[k]!.n})` : ''}${c[k]!.neverFailed ? ` (≥: passed the top rung in ${c[k]!.neverFailed}/${c[k]!.n})` : ''}`;
    const q = (a: string, b: string) => (c[a] && c[b] ? `${ratio(c[a]!.median, c[b]!.median)}×` : '—');
    lines.push(`| ${n} clients | ${r.kinds.map(cell).join(' | ')} | ${q('parley', 'ws')} | ${q('parley', 'ws-batched')} | ${q('parley', 'sio')} | ${q('ws-batched', 'ws')} |`);
  }
  return lines.join('\n');
}

/** The fixed-rate table: server CPU per delivery and latency at r.rate. */
export function fixedTable(r: Results): string {
  const rows: [string, (p: Point) => number, number][] = [
    ['server CPU µs per delivery', (p) => p.serverCpuPerDelivery, 2],
    ['server CPU (cores, its own clock)', (p) => p.serverCores, 2],
    ['load-generator CPU (cores, busiest process)', (p) => Math.max(...p.generatorCores), 2],
    ['p50 latency ms (from scheduled time)', (p) => p.p50, 2],
    ['p99 latency ms', (p) => p.p99, 2],
    ['p99.9 latency ms', (p) => p.p999, 2],
    ['deliveries per WebSocket message', (p) => p.deliveriesPerFrame, 2],
    ['achieved / scheduled', (p) => p.achieved, 3],
  ];
  const lines = [`| at ${fmt(r.rate)} deliveries/s | ${r.kinds.map((k) => LABEL[k]).join(' | ')} | Parley / ws-batched | Parley / ws |`, `|---|${r.kinds.map(() => '---|').join('')}---|---|`];
  for (const n of r.sizes) {
    for (const [label, f, d] of rows) {
      const s = Object.fromEntries(r.kinds.map((k) => [k, fixed(r, k, n, f)]));
      const q = (b: string) => (s.parley && s[b] ? `${ratio(s.parley.median, s[b]!.median)}×` : '—');
      lines.push(`| ${n} clients: ${label} | ${r.kinds.map((k) => show(s[k]!, d)).join(' | ')} | ${q('ws-batched')} | ${q('ws')} |`);
    }
  }
  return lines.join('\n');
}

/** Every swept point, medians over the trials that ran it. */
export function sweepTable(r: Results): string {
  const lines = ['| server | clients | offered/s | trials (passed) | achieved | p50 ms | p99 ms | p99.9 ms | server µs/delivery | server cores | generator cores (max) | other CPU on the machine (cores) | generator lateness p99 ms | deliveries/message | generator-bound |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|'];
  for (const n of r.sizes) {
    for (const k of r.kinds) {
      const rates = [...new Set(r.points.filter((p) => !p.discarded && p.kind === k && p.clients === n).map((p) => p.offered))].sort((a, b) => a - b);
      for (const rate of rates) {
        const ps = at(r, k, n, rate);
        const m = (f: (p: Point) => number) => median(ps.map(f));
        lines.push(`| ${LABEL[k]} | ${n} | ${fmt(rate)} | ${ps.length} (${ps.filter((p) => p.pass).length}) | ${fmt(m((p) => p.achieved), 3)} | ${ms(m((p) => p.p50))} | ${ms(m((p) => p.p99))} | ${ms(m((p) => p.p999))} | ${fmt(m((p) => p.serverCpuPerDelivery), 2)} | ${fmt(m((p) => p.serverCores), 2)} | ${fmt(m((p) => Math.max(...p.generatorCores)), 2)} | ${fmt(m((p) => p.otherCores), 2)} | ${ms(m((p) => p.latenessP99))} | ${fmt(m((p) => p.deliveriesPerFrame), 1)} | ${ps.filter((p) => p.generatorBound).length}/${ps.length} |`);
      }
    }
  }
  return lines.join('\n');
}

/** Idle memory per connection, medians [ranges] over trials. */
export function memoryTable(r: Results): string {
  const counts = (r.settings.idle as number[]) ?? [];
  const lines = [`| per idle connection | ${r.kinds.map((k) => LABEL[k]).join(' | ')} | Parley / ws |`, `|---|${r.kinds.map(() => '---|').join('')}---|`];
  counts.forEach((c, i) => {
    for (const [label, f] of [['heap + external KB', (m: MemoryPoint) => m.heapPerConnection / 1024], ['RSS KB', (m: MemoryPoint) => m.rssPerConnection / 1024]] as const) {
      const s = Object.fromEntries(r.kinds.map((k) => [k, memory(r, k, f, i)]));
      lines.push(`| ${fmt(c)} connections: ${label} | ${r.kinds.map((k) => show(s[k]!, 2)).join(' | ')} | ${s.parley && s.ws ? `${ratio(s.parley.median, s.ws.median)}×` : '—'} |`);
    }
  });
  return lines.join('\n');
}

/**
 * The JSON summary. New: capacity_ratio_ws, capacity_ratio_ws_batched, capacity_ratio_socketio
 * (200 clients, Parley / baseline), cpu_per_delivery_ratio_ws_batched (Parley / ws-batched at the
 * fixed rate, 200 clients: > 1 means Parley costs more), heap_per_idle_connection_ratio_ws
 * (Parley / ws, 1,000 connections). Kept from the closed-loop version, now from the open-loop
 * runs: ratio_ws and ratio_socketio (= the capacity ratios), p99_ratio_ws (at the fixed rate),
 * memory_ratio_ws (RSS), memory_ratio_ws_without_young_generation_step, cpu_ratio_ws and
 * cpu_ratio_socketio (baseline's / Parley's CPU per delivery at the fixed rate: 1 = as
 * efficient), clients and medians.
 */
export function summary(r: Results): Record<string, unknown> {
  const big = r.sizes[r.sizes.length - 1]!;
  const cap = (k: string) => capacity(r, k, big).median;
  const cpu = (k: string) => fixed(r, k, big, (p) => p.serverCpuPerDelivery).median;
  const p99 = (k: string) => fixed(r, k, big, (p) => p.p99).median;
  const heap = (k: string) => memory(r, k, (m) => m.heapPerConnection).median;
  const rss = (k: string) => memory(r, k, (m) => m.rssPerConnection).median;
  const steady = (k: string) => memory(r, k, (m) => m.rssPerConnection - m.youngGenerationGrowth / m.connections).median;
  const medians: Record<string, Record<string, number>> = {};
  const put = (label: string, f: (k: string) => number) => (medians[label] = Object.fromEntries(r.kinds.map((k) => [k, Math.round(f(k) * 1000) / 1000])));
  for (const n of r.sizes) put(`capacity, ${n} clients: deliveries/s`, (k) => capacity(r, k, n).median);
  for (const n of r.sizes) put(`${r.rate}/s, ${n} clients: server CPU µs per delivery`, (k) => fixed(r, k, n, (p) => p.serverCpuPerDelivery).median);
  for (const n of r.sizes) put(`${r.rate}/s, ${n} clients: p99 latency ms`, (k) => fixed(r, k, n, (p) => p.p99).median);
  put(`${(r.settings.idle as number[])[0]} idle: heap+external KB per connection`, (k) => heap(k) / 1024);
  put(`${(r.settings.idle as number[])[0]} idle: RSS KB per connection`, (k) => rss(k) / 1024);
  return {
    capacity_ratio_ws: ratio(cap('parley'), cap('ws')),
    capacity_ratio_ws_batched: ratio(cap('parley'), cap('ws-batched')),
    capacity_ratio_socketio: ratio(cap('parley'), cap('sio')),
    cpu_per_delivery_ratio_ws_batched: ratio(cpu('parley'), cpu('ws-batched')),
    heap_per_idle_connection_ratio_ws: ratio(heap('parley'), heap('ws')),
    batching_gain_ws: ratio(cap('ws-batched'), cap('ws')),
    ratio_ws: ratio(cap('parley'), cap('ws')),
    ratio_socketio: ratio(cap('parley'), cap('sio')),
    p99_ratio_ws: ratio(p99('parley'), p99('ws')),
    memory_ratio_ws: ratio(rss('parley'), rss('ws')),
    memory_ratio_ws_without_young_generation_step: ratio(steady('parley'), steady('ws')),
    cpu_ratio_ws: ratio(cpu('ws'), cpu('parley')),
    cpu_ratio_socketio: ratio(cpu('sio'), cpu('parley')),
    capacity_generator_bound: Object.fromEntries(r.kinds.map((k) => [k, capacity(r, k, big).generatorBound])),
    clients: big,
    trials: r.settings.trials,
    medians,
  };
}

/** The chart: capacity by room size, server CPU per delivery at the fixed rate, heap per idle connection. */
export function chart(r: Results, note: string): string {
  const series = (f: (k: ServerKind) => number[]) => r.kinds.map((k) => ({ name: LABEL[k], values: f(k) }));
  const groups = r.sizes.map((n) => `${n} clients`);
  return barChartSvg(
    'npm run bench:fanout',
    [
      { title: `Capacity at p99 ≤ ${r.settings.p99Ms} ms (higher is better)`, unit: 'thousand deliveries/s, by room size', groups, series: series((k) => r.sizes.map((n) => capacity(r, k, n).median / 1000)), digits: 0 },
      { title: `Server CPU per delivery at ${fmt(r.rate)}/s`, unit: 'µs (lower is better), by room size', groups, series: series((k) => r.sizes.map((n) => fixed(r, k, n, (p) => p.serverCpuPerDelivery).median)), digits: 1 },
      { title: 'Heap per idle connection (lower is better)', unit: 'KB, by number of connections', groups: ((r.settings.idle as number[]) ?? []).map((c) => fmt(c)), series: series((k) => ((r.settings.idle as number[]) ?? []).map((_, i) => memory(r, k, (m) => m.heapPerConnection, i).median / 1024)), digits: 1 },
    ],
    note,
  );
}
