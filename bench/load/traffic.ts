/**
 * A group of connected clients in one room and the traffic the fan-out benchmark drives through
 * it: `saturate` (each sender keeps `window` messages in flight: a new one whenever its own
 * comes back) or `fixed` (the senders together make the room receive `deliveriesPerSecond`).
 * Every message text starts with its send time (performance.now(), ms), so each receiver
 * computes the end-to-end latency; all clients live in this one process, so one clock serves.
 */
import crypto from 'node:crypto';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { connectClient, type BenchClient, type Kind } from './clients.js';

/** Length of every message text (its JSON event is ~250 bytes). */
export const TEXT_LENGTH = 100;

/** What mark() returns: counts since the previous mark. */
export interface Mark {
  /** performance.now() at the mark, ms. */
  at: number;
  deliveries: number;
  sent: number;
  /** This process's CPU time (user + system) at the mark, µs. */
  cpuMicros: number;
  /** End-to-end latencies (ms) of the deliveries since the previous mark, fixed mode only. */
  latencies?: number[];
  /** Fixed mode: sends were skipped since the previous mark because a second's worth of deliveries was still outstanding. */
  overloaded?: boolean;
}

type Mode = 'idle' | 'saturate' | 'fixed' | 'stopping';

/** Clients of one kind on one server, the first `senders` of which send. */
export class Group {
  readonly clients: BenchClient[] = [];
  private mode: Mode = 'idle';
  private deliveries = 0;
  private sentTotal = 0;
  private receivedTotal = 0;
  private sentSinceMark = 0;
  private latencies: number[] = [];
  private overloaded = false;
  private senderByName = new Map<string, BenchClient>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly kind: Kind, readonly port: number) {}

  /** Connects `names.length` clients, `concurrency` handshakes at a time; key i % keys.length for client i. */
  async connect(names: string[], keys: RsaPrivateKey[], concurrency: number): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < names.length) {
        const i = next++;
        const name = names[i]!;
        this.clients.push(await connectClient(this.kind, this.port, name, keys[i % keys.length]!, (from, text) => this.onMessage(name, from, text)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
  }

  private onMessage(to: string, from: string, text: string): void {
    this.receivedTotal++;
    if (this.mode === 'idle') return;
    this.deliveries++;
    if (this.mode === 'fixed') this.latencies.push(performance.now() - parseFloat(text));
    else if (this.mode === 'saturate' && to === from) {
      const c = this.senderByName.get(to);
      if (c) this.send(c);
    }
  }

  private send(c: BenchClient): void {
    let text = `${performance.now().toFixed(3)} ${c.name} `;
    text += 'x'.repeat(Math.max(0, TEXT_LENGTH - text.length));
    c.say(text, crypto.createHash('sha256').update(text).digest('hex'));
    this.sentTotal++;
    this.sentSinceMark++;
  }

  /** The first `senders` clients become senders (any client may be picked: the room is one). */
  private pickSenders(senders: number): BenchClient[] {
    const s = this.clients.slice(0, senders);
    this.senderByName = new Map(s.map((c) => [c.name, c]));
    return s;
  }

  /** Starts closed-loop saturation: each sender puts `window` messages in flight and replaces each one that comes back. */
  startSaturate(senders: number, window: number): void {
    this.mode = 'saturate';
    for (const c of this.pickSenders(senders)) for (let i = 0; i < window; i++) this.send(c);
  }

  /** Starts open-loop sending so that the room as a whole receives `deliveriesPerSecond`, senders evenly staggered. */
  startFixed(senders: number, deliveriesPerSecond: number): void {
    this.mode = 'fixed';
    const list = this.pickSenders(senders);
    const perSender = deliveriesPerSecond / this.clients.length / senders; // messages per second per sender
    const t0 = performance.now();
    const sent = new Array<number>(senders).fill(0);
    this.timer = setInterval(() => {
      const el = (performance.now() - t0) / 1000;
      // a server that cannot keep up would build an unbounded backlog: skip sends beyond 1 s of it
      const backlogged = this.sentTotal * this.clients.length - this.receivedTotal > deliveriesPerSecond;
      if (backlogged) this.overloaded = true;
      for (let i = 0; i < list.length; i++) {
        const due = Math.floor((el + i / (senders * perSender)) * perSender);
        while (sent[i]! < due) {
          sent[i]!++;
          if (!backlogged) this.send(list[i]!);
        }
      }
    }, 1);
  }

  /** Counts since the previous mark (and resets them). */
  mark(): Mark {
    const c = process.cpuUsage();
    const m: Mark = { at: performance.now(), deliveries: this.deliveries, sent: this.sentSinceMark, cpuMicros: c.user + c.system };
    if (this.mode === 'fixed') {
      m.latencies = this.latencies;
      m.overloaded = this.overloaded;
    }
    this.overloaded = false;
    this.deliveries = 0;
    this.sentSinceMark = 0;
    this.latencies = [];
    return m;
  }

  /** Stops sending and waits (up to `timeoutMs`) until every message sent has reached every client. */
  async stop(timeoutMs = 15_000): Promise<{ drained: boolean }> {
    this.mode = 'stopping';
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const expected = this.sentTotal * this.clients.length;
    const end = performance.now() + timeoutMs;
    while (this.receivedTotal < expected && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
    const drained = this.receivedTotal >= expected;
    this.mode = 'idle';
    this.sentTotal = 0;
    this.receivedTotal = 0;
    this.deliveries = 0;
    this.latencies = [];
    return { drained };
  }

  /** Closes every client. */
  close(): void {
    for (const c of this.clients) c.close();
    this.clients.length = 0;
  }
}
