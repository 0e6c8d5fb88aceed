/**
 * The offered-rate sweep and the capacity search of the fan-out benchmark. In each trial every
 * server climbs a ladder of offered rates (start × step^k) until a point fails the latency
 * target, then bisects (geometric midpoints) between its last passing and first failing rate a
 * few times (later trials skip the rungs far below the first trial's capacity). The servers take each step together, in an order that rotates from step to step
 * and trial to trial, so that noise on the shared machine hits them alike; at a given trial and
 * rate every server gets the same seed, so the same Poisson arrival pattern.
 */
import type { Child } from '../lib/ipc.js';
import { runPoint, sleep, type Limits, type Point, type Target, type Timing } from './point.js';

/** How the sweep climbs. */
export interface Ladder {
  /** The first offered rate (deliveries/s); every trial runs it, so it is also the fixed-rate point. */
  start: number;
  /** Factor between rungs. */
  step: number;
  /** No rung above this: a server still passing there has a capacity of "at least" it. */
  max: number;
  /** Bisection steps after the first failure (each halves the gap in log scale). */
  refine: number;
  /**
   * Trials after the first run the first rung, then skip to this many rungs below the rung of
   * the server's capacity in the first trial (the rungs below passed there with room to spare);
   * Infinity: every trial climbs the whole ladder.
   */
  resumeBelow: number;
  /** A disturbed point (see Limits.otherCores) is run again up to this many times … */
  repeatDisturbed: number;
  /** … after this pause, ms. */
  disturbedPauseMs: number;
  /** Instead of the climb: exactly these offered rates in every trial (no capacity search). */
  fixedRates?: number[];
}

/** One server's capacity in one trial. */
export interface Capacity {
  kind: string;
  clients: number;
  trial: number;
  /** The highest offered rate that passed below the first failure (0 if the first rung failed). */
  rate: number;
  /** The lowest failing rate above it (Infinity: it never failed up to ladder.max). */
  failedAt: number;
  /** The failure above was a generator-bound point: the server may sustain more. */
  generatorBound: boolean;
}

interface Climb {
  lo: number;
  hi: number;
  hiGeneratorBound: boolean;
  rung: number;
  refinements: number;
  done: boolean;
}

const round100 = (x: number) => Math.round(x / 100) * 100;

function nextRate(c: Climb, l: Ladder): number | undefined {
  if (l.fixedRates) return l.fixedRates[c.rung];
  if (c.hi === Infinity) {
    const r = round100(l.start * l.step ** c.rung);
    return r <= l.max ? r : undefined;
  }
  if (c.lo === 0 || c.refinements >= l.refine) return undefined;
  const mid = round100(Math.sqrt(c.lo * c.hi));
  return mid > c.lo && mid < c.hi ? mid : undefined;
}

/** A stable 32-bit seed for (trial, rate): the same arrivals for every server at that point. */
export function seedOf(trial: number, rate: number): number {
  let h = 0x811c9dc5;
  for (const x of [trial, Math.round(rate)]) h = Math.imul(h ^ x, 0x01000193) >>> 0;
  return h;
}

/**
 * Runs `trials` trials of the ladder for every target with `clients` clients; calls (and awaits)
 * `onPoint` after every point. Returns every point and every trial's capacity per server.
 */
export async function sweep(
  targets: Target[], generators: Child[], clients: number, senders: number, trials: number, ladder: Ladder, timing: Timing, limits: Limits,
  nextRun: () => number, onPoint: (p: Point) => void | Promise<void>,
): Promise<{ points: Point[]; capacities: Capacity[] }> {
  const points: Point[] = [];
  const capacities: Capacity[] = [];
  let turn = 0;
  const first = new Map<string, number>();
  const rungOf = (rate: number) => Math.floor(Math.log(rate / ladder.start) / Math.log(ladder.step) + 1e-9);
  for (let trial = 0; trial < trials; trial++) {
    const climbs = new Map(targets.map((t) => [t.kind, { lo: 0, hi: Infinity, hiGeneratorBound: false, rung: 0, refinements: 0, done: false } as Climb]));
    for (;;) {
      const order = targets.map((_, i) => targets[(i + turn) % targets.length]!);
      turn++;
      let ran = false;
      for (const t of order) {
        const c = climbs.get(t.kind)!;
        if (c.done) continue;
        const rate = nextRate(c, ladder);
        if (rate === undefined) {
          c.done = true;
          continue;
        }
        ran = true;
        let p: Point;
        for (let attempt = 0; ; attempt++) {
          p = await runPoint(t, generators, clients, senders, rate, trial, seedOf(trial, rate), nextRun(), timing, limits);
          if (!p.disturbed || attempt >= ladder.repeatDisturbed) break;
          p.discarded = true;
          await onPoint(p);
          points.push(p);
          await sleep(ladder.disturbedPauseMs); // let the other job finish
        }
        await onPoint(p);
        points.push(p);
        if (ladder.fixedRates) c.rung++;
        else if (c.hi === Infinity) {
          if (p.pass) {
            c.lo = rate;
            c.rung++;
            const cap0 = first.get(t.kind);
            if (trial > 0 && c.rung === 1 && cap0 !== undefined && cap0 > 0) c.rung = Math.max(1, rungOf(cap0) - ladder.resumeBelow);
          } else {
            c.hi = rate;
            c.hiGeneratorBound = p.generatorBound;
          }
        } else {
          c.refinements++;
          if (p.pass) c.lo = rate;
          else {
            c.hi = rate;
            c.hiGeneratorBound = p.generatorBound;
          }
        }
      }
      if (!ran) break;
    }
    for (const t of targets) {
      const c = climbs.get(t.kind)!;
      capacities.push({ kind: t.kind, clients, trial, rate: c.lo, failedAt: c.hi, generatorBound: c.hiGeneratorBound });
      if (trial === 0) first.set(t.kind, c.lo);
    }
  }
  return { points, capacities };
}
