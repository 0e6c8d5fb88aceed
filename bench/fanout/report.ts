/**
 * The fan-out benchmark's report: medians over trials, the printed table with ratios, the JSON
 * summary (last line with --json) and the SVG chart.
 */
import { barChartSvg } from '../lib/svg.js';
import { fmt, median } from '../lib/stats.js';
import type { FixedTrial, MemoryPoint, SaturationTrial } from './scenarios.js';

export const KINDS = ['parley', 'ws', 'sio'] as const;
export type ServerKind = (typeof KINDS)[number];
export const LABEL: Record<ServerKind, string> = { parley: 'Parley', ws: 'ws', sio: 'Socket.IO' };

/** Everything measured, by room size (clients) and server kind. */
export interface Results {
  sizes: number[];
  idleCounts: number[];
  rate: number;
  saturation: Record<number, Record<ServerKind, SaturationTrial[]>>;
  fixed: Record<number, Record<ServerKind, FixedTrial[]>>;
  memory: Record<ServerKind, MemoryPoint[]>;
}

type Row = [string, Record<ServerKind, number>, number];

const med = <T>(xs: T[], f: (x: T) => number) => median(xs.map(f));

/**
 * RSS per idle connection without the growth of V8's young generation since the baseline (a
 * one-time, process-wide step of up to 16 MiB that lands in whichever reading happens to trigger
 * it; see Usage.youngGeneration), bytes.
 */
function steadyRss(r: Results, k: ServerKind, i: number): number {
  const m = r.memory[k][i];
  return m ? m.rssPerConnection - m.youngGenerationGrowth / m.connections : NaN;
}

/** The table rows: label, value per server, digits. */
export function rows(r: Results): Row[] {
  const out: Row[] = [];
  const each = (f: (k: ServerKind) => number) => Object.fromEntries(KINDS.map((k) => [k, f(k)])) as Record<ServerKind, number>;
  for (const n of r.sizes) out.push([`saturation, ${n} clients: deliveries/s`, each((k) => med(r.saturation[n]![k], (t) => t.deliveriesPerSecond)), 0]);
  for (const n of r.sizes) out.push([`saturation, ${n} clients: server CPU µs per delivery`, each((k) => med(r.saturation[n]![k], (t) => t.serverCpuPerDelivery)), 2]);
  for (const n of r.sizes) out.push([`saturation, ${n} clients: server CPU (cores)`, each((k) => med(r.saturation[n]![k], (t) => t.serverCores)), 2]);
  for (const n of r.sizes) out.push([`saturation, ${n} clients: load-generator CPU (cores)`, each((k) => med(r.saturation[n]![k], (t) => t.loadCores)), 2]);
  for (const n of r.sizes) out.push([`${fmt(r.rate)}/s, ${n} clients: achieved deliveries/s`, each((k) => med(r.fixed[n]![k], (t) => t.deliveriesPerSecond)), 0]);
  for (const n of r.sizes) out.push([`${fmt(r.rate)}/s, ${n} clients: p50 latency ms`, each((k) => med(r.fixed[n]![k], (t) => t.p50)), 2]);
  for (const n of r.sizes) out.push([`${fmt(r.rate)}/s, ${n} clients: p99 latency ms`, each((k) => med(r.fixed[n]![k], (t) => t.p99)), 2]);
  r.idleCounts.forEach((c, i) => out.push([`${fmt(c)} idle: RSS KB per connection`, each((k) => (r.memory[k][i]?.rssPerConnection ?? NaN) / 1024), 1]));
  r.idleCounts.slice(1).forEach((c, i) => out.push([`${fmt(r.idleCounts[i]!)}→${fmt(c)} idle: marginal RSS KB per connection`, each((k) => (r.memory[k][i + 1]?.marginalRssPerConnection ?? NaN) / 1024), 1]));
  r.idleCounts.forEach((c, i) => out.push([`${fmt(c)} idle: RSS KB per connection, young-generation step taken out`, each((k) => steadyRss(r, k, i) / 1024), 1]));
  r.idleCounts.forEach((c, i) => out.push([`${fmt(c)} idle: V8 young-generation growth MB (whole process)`, each((k) => (r.memory[k][i]?.youngGenerationGrowth ?? NaN) / 1048576), 0]));
  r.idleCounts.forEach((c, i) => out.push([`${fmt(c)} idle: heap+external KB per connection`, each((k) => (r.memory[k][i]?.heapPerConnection ?? NaN) / 1024), 1]));
  return out;
}

/** The Markdown table with Parley/ws and Parley/Socket.IO ratios. */
export function table(r: Results): string {
  const lines = ['| measure | Parley | ws | Socket.IO | Parley / ws | Parley / Socket.IO |', '|---|---|---|---|---|---|'];
  for (const [label, v, d] of rows(r)) {
    const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '—');
    lines.push(`| ${label} | ${fmt(v.parley, d)} | ${fmt(v.ws, d)} | ${fmt(v.sio, d)} | ${ratio(v.parley, v.ws)} | ${ratio(v.parley, v.sio)} |`);
  }
  return lines.join('\n');
}

/** The JSON summary: the ratios first, then the medians. */
export function summary(r: Results): Record<string, unknown> {
  const big = r.sizes[r.sizes.length - 1]!;
  const sat = (k: ServerKind) => med(r.saturation[big]![k], (t) => t.deliveriesPerSecond);
  const cpu = (k: ServerKind) => med(r.saturation[big]![k], (t) => t.serverCpuPerDelivery);
  const p99 = (k: ServerKind) => med(r.fixed[big]![k], (t) => t.p99);
  const mem = (k: ServerKind) => r.memory[k][0]?.rssPerConnection ?? NaN;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    ratio_ws: round(sat('parley') / sat('ws')),
    ratio_socketio: round(sat('parley') / sat('sio')),
    p99_ratio_ws: round(p99('parley') / p99('ws')),
    memory_ratio_ws: round(mem('parley') / mem('ws')),
    memory_ratio_ws_without_young_generation_step: round(steadyRss(r, 'parley', 0) / steadyRss(r, 'ws', 0)),
    cpu_ratio_ws: round(cpu('ws') / cpu('parley')),
    cpu_ratio_socketio: round(cpu('sio') / cpu('parley')),
    clients: big,
    medians: Object.fromEntries(rows(r).map(([label, v]) => [label, Object.fromEntries(KINDS.map((k) => [k, round(v[k])]))])),
  };
}

/** The chart: saturation throughput, p99 at the fixed rate, RSS per idle connection. */
export function chart(r: Results, note: string): string {
  const series = (f: (k: ServerKind) => number[]) => KINDS.map((k) => ({ name: LABEL[k], values: f(k) }));
  return barChartSvg(
    'npm run bench:fanout',
    [
      {
        title: 'Saturation (higher is better)',
        unit: 'thousand deliveries/s, by room size',
        groups: r.sizes.map((n) => `${n} clients`),
        series: series((k) => r.sizes.map((n) => med(r.saturation[n]![k], (t) => t.deliveriesPerSecond) / 1000)),
        digits: 1,
      },
      {
        title: `p99 latency at ${fmt(r.rate)}/s (lower is better)`,
        unit: 'ms, by room size',
        groups: r.sizes.map((n) => `${n} clients`),
        series: series((k) => r.sizes.map((n) => med(r.fixed[n]![k], (t) => t.p99))),
        digits: 2,
      },
      {
        title: 'RSS per idle connection (lower is better)',
        unit: 'KB, by number of connections',
        groups: r.idleCounts.map((c) => `${fmt(c)}`),
        series: series((k) => r.idleCounts.map((_, i) => (r.memory[k][i]?.rssPerConnection ?? NaN) / 1024)),
        digits: 1,
      },
    ],
    note,
  );
}
