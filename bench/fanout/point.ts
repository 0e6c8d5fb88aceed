/**
 * One point of the fan-out sweep: one server, one room size, one offered rate, one trial. The
 * orchestrator plans the run on the machine-wide monotonic clock; every load generator sends its
 * share of the Poisson arrivals and times deliveries from their scheduled times; the server reads
 * its own CPU time and deliveries at the window's start and end, in its own process. After the
 * last send the point waits until every message has reached every client (or a deadline: the
 * rest count as never delivered) so that the next point starts on an idle server.
 */
import type { Child } from '../lib/ipc.js';
import { monoNow } from '../lib/clock.js';
import { Histogram } from '../lib/histogram.js';
import { machineCpu } from '../lib/machine.js';
import type { RunResult } from '../load/traffic.js';
import type { Reading } from '../servers/child.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Timing of every point, ms. */
export interface Timing {
  /** From the plan to the first send: time for the IPC messages to arrive everywhere. */
  leadMs: number;
  warmupMs: number;
  measureMs: number;
  /** Sending goes on this long after the window, so its last messages meet the same load. */
  tailMs: number;
  /** After the last send, wait at most this long for every delivery. */
  drainMs: number;
}

/** The latency target and what makes a point generator-bound. */
export interface Limits {
  /** A point passes with p99 ≤ this (ms) … */
  p99Ms: number;
  /** … and at least this fraction of the scheduled deliveries received within the window. */
  achieved: number;
  /** A generator process at this many cores or more is the limit … */
  generatorCores: number;
  /** … and so is one whose sends leave this late (p99, ms) after their scheduled times. */
  latenessP99Ms: number;
  /**
   * A point during which other processes on the machine (not the server, the generators or the
   * kernel work charged to them) used more than this many cores is disturbed: it is kept in the
   * raw results but discarded and run again (see sweep.ts).
   */
  otherCores: number;
}

/** The result of one point (one line of the raw results). */
export interface Point {
  kind: string;
  clients: number;
  trial: number;
  /** Offered deliveries per second (messages per second × clients). */
  offered: number;
  /** Deliveries scheduled in the window per second (the Poisson draw of this trial: ~offered). */
  scheduledRate: number;
  /** Deliveries received during the window, per second. */
  achievedRate: number;
  /**
   * Deliveries received during the window / deliveries of the messages scheduled in the window
   * shifted back by the median latency (the ones that, at that latency, were due to arrive in
   * it): 1 when the server keeps up, below when it falls behind. Without the shift, the Poisson
   * count of the few messages scheduled near the window's edges would move it by ±1 % at low
   * rates.
   */
  achieved: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Deliveries of window messages never received by the deadline (counted as infinitely late). */
  missing: number;
  /** Deliveries whose text failed the SHA-256 check (must be 0). */
  badHash: number;
  samples: number;
  /** Deliveries per WebSocket message received in the window (1 = no batching). */
  deliveriesPerFrame: number;
  /** Server CPU time per delivery, µs, both read inside the server at the same instants. */
  serverCpuPerDelivery: number;
  /** Server CPU over the window in cores, on the server's own clock. */
  serverCores: number;
  /** Each generator process's CPU over the window, in cores, on its own clock. */
  generatorCores: number[];
  /**
   * The whole machine's busy CPU over the window, in cores (/proc/stat), and what is left of it
   * after the server and the generators: this process, the kernel's network work outside them,
   * and anything else running on the machine (other people's jobs).
   */
  machineCores: number;
  otherCores: number;
  /** CPU time the hypervisor took from this VM during the window, in cores. */
  stealCores: number;
  /** The generators' lateness (actual send − scheduled), p50 and p99, ms. */
  latenessP50: number;
  latenessP99: number;
  /** The generator, not the server, is (or may be) the limit here. */
  generatorBound: boolean;
  /** Passed the latency target: achieved ≥ limits.achieved and p99 ≤ limits.p99Ms. */
  pass: boolean;
  drained: boolean;
  /** Other processes used more than limits.otherCores during the window. */
  disturbed: boolean;
  /** Set on a disturbed point that was run again: not used in any figure. */
  discarded?: boolean;
  /** The raw latency histogram (sparse), for anyone who wants other quantiles. */
  latency: [number, number][];
  /** Clients the server closed during the point (bench:cluster reconnects them before the next). */
  dropped: number;
  /** `error` events the clients received during the point, by code. */
  errors: Record<string, number>;
  /** A target of several processes: each one's CPU over the window, in cores (serverCores is their sum). */
  serverParts?: Record<string, number>;
  /** A target with service counters (Redis commands, PostgreSQL transactions): their change over the window. */
  counters?: Record<string, number>;
  /** A group spread over nodes: latency of same-node and cross-node deliveries (sparse histograms; never-delivered ones are only in `latency`). */
  latencySame?: [number, number][];
  latencyCross?: [number, number][];
}

type M = { at: number; busy: number; steal: number };

/** Readings of the machine's CPU (/proc/stat) at `from` and `to` on the monotonic clock, taken by this (idle) process's timers. */
function machineReadings(from: number, to: number): Promise<[M, M]> {
  const one = (t: number) => new Promise<M>((r) => setTimeout(() => r({ at: monoNow(), ...machineCpu() }), Math.max(0, t - monoNow())));
  return Promise.all([one(from), one(to)]);
}

/**
 * What answers `window` (two Readings, see servers/child.ts) for a target: its server process
 * (a Child), or bench:cluster's reader of several processes' CPU time and the services' counters.
 */
export interface Probe {
  call<T = unknown>(cmd: string, arg?: unknown): Promise<T>;
}

/** One server under test: what reads its CPU and, in each generator, the id of its group of clients. */
export interface Target {
  kind: string;
  server: Probe;
  group: string;
}

/**
 * Runs one point: `offered` deliveries/s to a room of `clients` spread over `generators`, with
 * `senders` senders in all (split evenly). Resolves with the point's figures.
 */
export async function runPoint(t: Target, generators: Child[], clients: number, senders: number, offered: number, trial: number, seed: number, run: number, timing: Timing, limits: Limits): Promise<Point> {
  const g = generators.length;
  const start = monoNow() + timing.leadMs;
  const from = start + timing.warmupMs;
  const to = from + timing.measureMs;
  const stop = to + timing.tailMs;
  const perProcess = offered / clients / g;
  const window = t.server.call<[Reading, Reading]>('window', { from, to });
  const machineWindow = machineReadings(from, to);
  await Promise.all(
    generators.map((p, i) =>
      p.call('run', { id: t.group, plan: { run, start, from, to, stop, messagesPerSecond: perProcess, senders: Math.max(1, Math.round(senders / g)), seed: (seed * 31 + i) >>> 0 } }),
    ),
  );
  const deadline = monoNow() + timing.drainMs;
  let drained = false;
  for (;;) {
    const ps = await Promise.all(generators.map((p) => p.call<{ sentTotal: number; receivedTotal: number }>('progress', t.group)));
    const sent = ps.reduce((a, p) => a + p.sentTotal, 0);
    const received = ps.reduce((a, p) => a + p.receivedTotal, 0);
    if (received >= sent * clients) {
      drained = true;
      break;
    }
    if (monoNow() > deadline) break;
    await sleep(25);
  }
  const rs = await Promise.all(generators.map((p) => p.call<RunResult>('finish', t.group)));
  const [s0, s1] = await window;
  const [m0, m1] = await machineWindow;
  const machineCores = (m1.busy - m0.busy) / ((m1.at - m0.at) / 1000);
  const serverCores = (s1.cpuMicros - s0.cpuMicros) / 1000 / (s1.at - s0.at);
  const sum = (f: (r: RunResult) => number) => rs.reduce((a, r) => a + f(r), 0);
  const latency = new Histogram();
  const lateness = new Histogram();
  const same = new Histogram();
  const cross = new Histogram();
  const split = rs.some((r) => r.latencySame !== undefined);
  const errors: Record<string, number> = {};
  for (const r of rs) {
    latency.merge(Histogram.fromSparse(r.latency));
    lateness.merge(Histogram.fromSparse(r.lateness));
    if (r.latencySame) same.merge(Histogram.fromSparse(r.latencySame));
    if (r.latencyCross) cross.merge(Histogram.fromSparse(r.latencyCross));
    for (const [code, n] of Object.entries(r.errors ?? {})) errors[code] = (errors[code] ?? 0) + n;
  }
  const expected = sum((r) => r.sentInWindow) * clients;
  const missing = Math.max(0, expected - sum((r) => r.windowDeliveries));
  for (let i = 0; i < missing; i++) latency.record(Infinity);
  const seconds = timing.measureMs / 1000;
  const scheduledRate = expected / seconds;
  const delivered = sum((r) => r.deliveredInWindow);
  const achievedRate = delivered / seconds;
  const generatorCores = rs.map((r) => r.cores);
  const latenessP99 = lateness.quantile(0.99);
  const p50 = latency.quantile(0.5);
  const shift = Math.min(timing.warmupMs, Number.isFinite(p50) ? Math.round(p50) : 0);
  const first = Math.round(from - start) - shift;
  const dueInWindow = rs.reduce((a, r) => a + r.sendBins.slice(first, first + timing.measureMs).reduce((x, y) => x + y, 0), 0) * clients;
  const achieved = delivered / dueInWindow;
  const p99 = latency.quantile(0.99);
  const serverDeliveries = s1.deliveries - s0.deliveries;
  // a counter first seen at the window's end (a Redis command run for the first time) started at 0
  const delta = (a: Record<string, number> | undefined, b: Record<string, number> | undefined, scale: number, before: number) =>
    a && b ? Object.fromEntries(Object.keys(b).map((k) => [k, (b[k]! - (a[k] ?? before)) * scale])) : undefined;
  const serverParts = delta(s0.parts, s1.parts, 1 / 1000 / (s1.at - s0.at), NaN);
  const counters = delta(s0.counters, s1.counters, 1, 0);
  return {
    kind: t.kind,
    clients,
    trial,
    offered,
    scheduledRate,
    achievedRate,
    achieved,
    p50,
    p99,
    p999: latency.quantile(0.999),
    max: latency.max,
    missing,
    badHash: sum((r) => r.badHash),
    samples: latency.count,
    deliveriesPerFrame: sum((r) => r.deliveredInWindow) / sum((r) => r.framesInWindow),
    // a server that does not count its deliveries (NaN): the ones the clients received in the window
    serverCpuPerDelivery: (s1.cpuMicros - s0.cpuMicros) / (Number.isFinite(serverDeliveries) ? serverDeliveries : delivered),
    serverCores,
    generatorCores,
    machineCores,
    otherCores: machineCores - serverCores - generatorCores.reduce((a, c) => a + c, 0),
    stealCores: (m1.steal - m0.steal) / ((m1.at - m0.at) / 1000),
    latenessP50: lateness.quantile(0.5),
    latenessP99,
    generatorBound: generatorCores.some((c) => c >= limits.generatorCores) || latenessP99 > limits.latenessP99Ms,
    pass: achieved >= limits.achieved && p99 <= limits.p99Ms,
    drained,
    disturbed: machineCores - serverCores - generatorCores.reduce((a, c) => a + c, 0) > limits.otherCores,
    latency: latency.toSparse(),
    dropped: sum((r) => r.dropped ?? 0),
    errors,
    ...(serverParts && { serverParts }),
    ...(counters && { counters }),
    ...(split && { latencySame: same.toSparse(), latencyCross: cross.toSparse() }),
  };
}
