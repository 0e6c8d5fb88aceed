/**
 * A group of connected clients of one server in one load-generator process, and the open-loop
 * traffic the fan-out benchmark drives through it. All clients of a run are in one room, which
 * may span several generator processes; each process's senders send at scheduled times
 * (Poisson arrivals from a seeded PRNG, whatever the server does), and every latency is measured
 * from the SCHEDULED time, so that a server (or generator) that falls behind is charged for
 * the wait it caused (no coordinated omission). Times are on the machine-wide monotonic clock
 * (lib/clock.ts), so a message sent by one process is timed by receivers in another.
 *
 * Every delivery is decoded by its client (clients.ts) and verified here: the SHA-256 of its
 * text must be the one its sender put in the body. The text starts with the run's id and the
 * scheduled time.
 *
 * A group may span several server nodes (bench:cluster): each client then has its own port and
 * node number, the text carries the sender's node after the time (`@<node>`), and every
 * latency sample is also filed as same-node or cross-node.
 */
import crypto from 'node:crypto';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { monoNow } from '../lib/clock.js';
import { Histogram } from '../lib/histogram.js';
import { Prng } from '../lib/prng.js';
import { connectClient, type BenchClient, type Kind, type Receiver } from './clients.js';

/** Length of every message text (its JSON event is ~250 bytes). */
export const TEXT_LENGTH = 100;

/**
 * One open-loop run, times in monotonic ms: sending starts at `start`, deliveries and latencies
 * are counted for messages scheduled in [`from`, `to`) (the measurement window; before it is
 * warm-up), sending goes on until `stop` so that the window's last messages meet the same load
 * as its first.
 */
export interface Plan {
  run: number;
  start: number;
  from: number;
  to: number;
  stop: number;
  /** Messages per second this process sends (the room receives this × room size deliveries per second, per process). */
  messagesPerSecond: number;
  /** How many of this group's clients send (the first ones). */
  senders: number;
  seed: number;
}

/** What one process reports for one run. */
export interface RunResult {
  /** Messages this process sent that were scheduled in the window. */
  sentInWindow: number;
  /** All messages this process sent in the run. */
  sentTotal: number;
  /** Deliveries received during the window (by receive time): the achieved rate's numerator. */
  deliveredInWindow: number;
  /** WebSocket messages (frames) received during the window. */
  framesInWindow: number;
  /** Deliveries of messages scheduled in the window (whenever they arrived): the latency samples. */
  windowDeliveries: number;
  /** Deliveries of this run's messages received so far (for the drain check). */
  receivedTotal: number;
  /** Deliveries whose text did not hash to the SHA-256 in their body (must be 0). */
  badHash: number;
  /** Latency from the scheduled time, ms, of messages scheduled in the window: histogram.toSparse(). */
  latency: [number, number][];
  /** The generator's own lateness (actual send − scheduled time), ms, for sends scheduled in the window. */
  lateness: [number, number][];
  /** This process's CPU over the window, in cores (read at `from` and `to` on its own clock). */
  cores: number;
  /** Messages sent, by scheduled time in 1 ms bins from plan.start (for the achieved fraction, see point.ts). */
  sendBins: number[];
  /** A group on several nodes: the latency samples whose sender and receiver are on the same node, and the others (sparse). */
  latencySame?: [number, number][];
  latencyCross?: [number, number][];
  /** Clients the server closed during the run (reconnected by `repair`). */
  dropped: number;
  /** `error` events received during the run, by code (e.g. rate_limited). */
  errors: Record<string, number>;
}

/** Where each client of a connect() goes, one entry per name (default: the group's port, no node, no forwarded address). */
export interface Placement {
  ports?: number[];
  nodes?: number[];
  forwardedFor?: string[];
}

interface Slot {
  name: string;
  port: number;
  node: number | undefined;
  forwardedFor: string | undefined;
  key: RsaPrivateKey;
}

const sha256Hex: (s: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (s) => (crypto as unknown as { hash: (a: string, d: string) => string }).hash('sha256', s)
    : (s) => crypto.createHash('sha256').update(s).digest('hex');

/** Clients of one kind on one server (or spread over the nodes of a cluster); the first `plan.senders` send. */
export class Group implements Receiver {
  readonly clients: BenchClient[] = [];
  private readonly slots: Slot[] = [];
  private readonly dead = new Set<number>();
  private split = false;
  private latencySame = new Histogram();
  private latencyCross = new Histogram();
  private plan: Plan | undefined;
  private prefix = '';
  private timer: NodeJS.Timeout | undefined;
  private prng = new Prng(1);
  private next = 0;
  private r: RunResult = Group.empty();
  private latency = new Histogram();
  private lateness = new Histogram();
  private cpu: { at: number; micros: number }[] = [];
  private sendBins = new Uint32Array(0);
  private sending: Promise<void> = Promise.resolve();

  constructor(readonly kind: Kind, readonly port: number) {}

  private static empty(): RunResult {
    return { sentInWindow: 0, sentTotal: 0, deliveredInWindow: 0, framesInWindow: 0, windowDeliveries: 0, receivedTotal: 0, badHash: 0, latency: [], lateness: [], cores: NaN, sendBins: [], dropped: 0, errors: {} };
  }

  /**
   * Connects `names.length` clients, `concurrency` handshakes at a time; key i % keys.length for
   * client i; each where `place` says. Clients keep the order of `names` (the first ones send).
   */
  async connect(names: string[], keys: RsaPrivateKey[], concurrency: number, place: Placement = {}): Promise<void> {
    const base = this.slots.length;
    names.forEach((name, i) => {
      const node = place.nodes?.[i];
      if (node !== undefined) this.split = true;
      this.slots.push({ name, port: place.ports?.[i] ?? this.port, node, forwardedFor: place.forwardedFor?.[i], key: keys[i % keys.length]! });
    });
    let next = 0;
    const worker = async () => {
      while (next < names.length) await this.open(base + next++);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
  }

  /** Connects slot i (again). */
  private async open(i: number): Promise<void> {
    const s = this.slots[i]!;
    let c: BenchClient | undefined;
    const rx: Receiver = {
      onFrame: () => this.onFrame(),
      onMessage: (_from, text, sha256) => this.received(text, sha256, s.node),
      onClose: () => {
        if (this.clients[i] === c) {
          this.dead.add(i);
          if (this.plan) this.r.dropped++;
        }
      },
      onError: (code) => {
        if (this.plan) this.r.errors[code] = (this.r.errors[code] ?? 0) + 1;
      },
    };
    c = await connectClient(this.kind, s.port, s.name, s.key, rx, s.forwardedFor);
    this.clients[i] = c;
    this.dead.delete(i);
  }

  /** Reconnects every client the server closed; resolves with how many were (re)connected and how many could not be. */
  async repair(concurrency: number): Promise<{ reconnected: number; failed: number }> {
    const todo = [...this.dead];
    let reconnected = 0;
    let failed = 0;
    const worker = async () => {
      for (let i = todo.shift(); i !== undefined; i = todo.shift()) {
        try {
          await this.open(i);
          reconnected++;
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
    return { reconnected, failed };
  }

  /** Receiver: one WebSocket message arrived. */
  onFrame(): void {
    const p = this.plan;
    if (!p) return;
    const now = monoNow();
    if (now >= p.from && now < p.to) this.r.framesInWindow++;
  }

  /** Receiver: one delivery — verified, then counted and timed if it belongs to this run. */
  onMessage(_from: string, text: string, sha256: string): void {
    this.received(text, sha256, undefined);
  }

  /** One delivery to a client on node `node` (undefined: a single server). */
  private received(text: string, sha256: string, node: number | undefined): void {
    const p = this.plan;
    if (!p) return;
    const now = monoNow();
    if (sha256Hex(text) !== sha256) {
      this.r.badHash++;
      return;
    }
    if (!text.startsWith(this.prefix)) return; // a late delivery of an earlier run
    this.r.receivedTotal++;
    if (now >= p.from && now < p.to) this.r.deliveredInWindow++;
    const scheduled = parseFloat(text.slice(this.prefix.length));
    if (scheduled >= p.from && scheduled < p.to) {
      this.r.windowDeliveries++;
      this.latency.record(now - scheduled);
      if (this.split && node !== undefined) {
        const at = text.indexOf(' @', this.prefix.length);
        const from = at < 0 ? NaN : parseInt(text.slice(at + 2), 10);
        (from === node ? this.latencySame : this.latencyCross).record(now - scheduled);
      }
    }
  }

  /**
   * Starts `plan` and resolves once this process has sent its last message (at plan.stop).
   * Arrivals: a Poisson process of rate plan.messagesPerSecond, each arrival sent by a sender
   * drawn at random. A timer is set for the next arrival; Node's timers have 1 ms resolution, so
   * arrivals less than that apart leave in the same turn, each timed from its own scheduled time
   * (their lateness is recorded). Spinning on setImmediate would time them to the µs but costs
   * a whole core at a few thousand arrivals/s — a core the server needs on this machine.
   */
  run(plan: Plan): Promise<void> {
    this.plan = plan;
    this.prefix = `r${plan.run} `;
    this.r = Group.empty();
    this.latency = new Histogram();
    this.lateness = new Histogram();
    this.latencySame = new Histogram();
    this.latencyCross = new Histogram();
    this.prng = new Prng(plan.seed);
    this.cpu = [];
    this.sendBins = new Uint32Array(Math.ceil(plan.stop - plan.start) + 1);
    const senders = Array.from({ length: Math.min(plan.senders, this.clients.length) }, (_, i) => i);
    const mean = 1000 / plan.messagesPerSecond;
    this.next = plan.start + this.prng.exponential(mean);
    const readCpu = (t: number) =>
      setTimeout(() => {
        const c = process.cpuUsage();
        this.cpu.push({ at: monoNow(), micros: c.user + c.system });
      }, Math.max(0, t - monoNow()));
    readCpu(plan.from);
    readCpu(plan.to);
    this.sending = new Promise<void>((resolve) => {
      const tick = () => {
        this.timer = undefined;
        let now = monoNow();
        while (this.next <= now) {
          if (this.next >= plan.stop) return resolve();
          this.send(senders[this.prng.below(senders.length)]!, this.next, now);
          this.next += this.prng.exponential(mean);
          now = monoNow();
        }
        if (this.next >= plan.stop) {
          this.timer = setTimeout(resolve, Math.max(0, plan.stop - now));
          return;
        }
        this.timer = setTimeout(tick, Math.max(0, Math.floor(this.next - now)));
      };
      this.timer = setTimeout(tick, Math.max(0, Math.floor(this.next - monoNow())));
    });
    return this.sending;
  }

  private send(i: number, scheduled: number, now: number): void {
    const p = this.plan!;
    const c = this.clients[i]!;
    const node = this.slots[i]?.node;
    let text = `${this.prefix}${scheduled.toFixed(3)} ${node === undefined ? '' : `@${node} `}${c.name} `;
    text += 'x'.repeat(Math.max(0, TEXT_LENGTH - text.length));
    c.say(text, sha256Hex(text));
    this.r.sentTotal++;
    this.sendBins[Math.floor(scheduled - p.start)]!++;
    if (scheduled >= p.from && scheduled < p.to) {
      this.r.sentInWindow++;
      this.lateness.record(now - scheduled);
    }
  }

  /** Counts so far (the drain check polls receivedTotal). */
  progress(): { sentTotal: number; receivedTotal: number } {
    return { sentTotal: this.r.sentTotal, receivedTotal: this.r.receivedTotal };
  }

  /** The run's result; the group stops counting (until the next run). */
  finish(): RunResult {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const [a, b] = this.cpu;
    const r: RunResult = {
      ...this.r,
      latency: this.latency.toSparse(),
      lateness: this.lateness.toSparse(),
      sendBins: Array.from(this.sendBins),
      cores: a && b ? (b.micros - a.micros) / 1000 / (b.at - a.at) : NaN,
      ...(this.split && { latencySame: this.latencySame.toSparse(), latencyCross: this.latencyCross.toSparse() }),
    };
    this.plan = undefined;
    return r;
  }

  /** Closes every client. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const c of this.clients) c.close();
    this.clients.length = 0;
    this.slots.length = 0;
    this.dead.clear();
  }
}
