/**
 * A swarm of raw Parley clients for the load test: connect them all (bounded concurrency,
 * retrying refused upgrades), put each in its room, let each send `messagesPerClient` numbered
 * messages, and check at every receiver that every member's messages arrive exactly once and in
 * order (no duplicate, no gap, no reordering), measuring delivery latency (send → receive).
 *
 * Used in-process by test/reliability/load.test.ts and, one swarm per child process, by
 * bench/reliability/load.ts (see swarm-proc.ts).
 */
import type { ClientRequest, ServerEvent } from '../../../src/chat/events.js';
import type { RsaPrivateKey } from '../../../src/rsa/index.js';
import { RawClient } from './raw-client.js';

export interface SwarmClientPlan {
  name: string;
  /** Index into the key list given to the swarm. */
  key: number;
  room: string;
  /** The local address to connect from (see loopbackAddress): the server's per-source limits count by it. */
  localAddress?: string;
}

export interface SwarmPlan {
  url: string;
  clients: SwarmClientPlan[];
  /** Every member of every room the swarm's clients are in, across all swarms (for the expected counts). */
  roomMembers: Record<string, string[]>;
  messagesPerClient: number;
  intervalMs: number;
  connectConcurrency: number;
  /** Text padding, so that messages have a realistic size. */
  padding?: number;
}

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface SwarmReport {
  clients: number;
  connected: number;
  connectAttempts: number;
  connectSeconds: number;
  /** Messages expected at receivers (room size × messages per member, summed over clients). */
  expected: number;
  /** In-order, first-time deliveries. */
  delivered: number;
  duplicates: number;
  /** A message whose number skipped ahead (an earlier one missing or reordered). */
  outOfOrder: number;
  /** Messages from someone not in the receiver's room, or unparseable. */
  foreign: number;
  /** Clients that got every expected message. */
  complete: number;
  latencyMs: Percentiles;
  errors: Record<string, number>;
  /** Connections that closed before closeAll(). */
  unexpectedCloses: number;
  /** Events received of each type. */
  eventTypes: Record<string, number>;
}

export function percentiles(xs: number[]): Percentiles {
  if (xs.length === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const s = Float64Array.from(xs).sort();
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { count: s.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s[s.length - 1]! };
}

/**
 * An e2e_room request whose opaque payload stands for `text` (its UTF-8 in base64): these tests
 * have no E2E layer, and the server relays payloads without reading them.
 */
export function roomMessage(room: string, text: string): ClientRequest {
  return { t: 'e2e_room', room, payload: Buffer.from(text, 'utf8').toString('base64') };
}

/** The text an e2e_room or e2e_to event's payload stands for (see roomMessage); undefined for other events. */
export function payloadText(e: ServerEvent): string | undefined {
  return e.type === 'e2e_room' || e.type === 'e2e_to' ? Buffer.from(e.payload, 'base64').toString('utf8') : undefined;
}

interface ClientState {
  plan: SwarmClientPlan;
  client?: RawClient;
  last: Map<string, number>;
  delivered: number;
  expected: number;
  done: boolean;
  timer?: NodeJS.Timeout;
}

export class Swarm {
  private readonly states: ClientState[];
  private readonly latencies: number[] = [];
  private readonly errors: Record<string, number> = {};
  private readonly eventTypes: Record<string, number> = {};
  private duplicates = 0;
  private outOfOrder = 0;
  private foreign = 0;
  private attempts = 0;
  private connectSeconds = 0;
  private closing = false;
  private unexpectedCloses = 0;
  private onProgress: (() => void) | undefined;

  constructor(private readonly plan: SwarmPlan, private readonly keys: RsaPrivateKey[]) {
    this.states = plan.clients.map((p) => ({
      plan: p,
      last: new Map(),
      delivered: 0,
      expected: (plan.roomMembers[p.room]?.length ?? 0) * plan.messagesPerClient,
      done: false,
    }));
  }

  /** Connects every client (at most connectConcurrency handshakes at once) and has it join its room. */
  async connectAll(deadlineMs = 120_000): Promise<void> {
    const t0 = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < this.states.length) {
        const st = this.states[next++]!;
        const { client, attempts } = await RawClient.connectWithRetry(this.plan.url, this.keys[st.plan.key]!, st.plan.name, {
          deadlineMs,
          onEvent: (e) => this.onEvent(st, e),
          ...(st.plan.localAddress !== undefined && { localAddress: st.plan.localAddress }),
        });
        this.attempts += attempts;
        st.client = client;
        void client.closed.then(() => {
          if (!this.closing) this.unexpectedCloses++;
        });
        const joined = client.next((e) => e.type === 'join' && e.room === st.plan.room && e.name === st.plan.name, 30_000);
        client.send({ t: 'join', room: st.plan.room });
        await joined;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.plan.connectConcurrency, this.states.length) }, worker));
    this.connectSeconds = (Date.now() - t0) / 1000;
  }

  private onEvent(st: ClientState, e: ServerEvent): void {
    this.eventTypes[e.type] = (this.eventTypes[e.type] ?? 0) + 1;
    if (e.type === 'error') {
      this.errors[e.code] = (this.errors[e.code] ?? 0) + 1;
      return;
    }
    if (e.type !== 'e2e_room' || e.room !== st.plan.room) return;
    // text: "<sender> <seq> <sentAtMs> <padding>"
    const [from, seqS, sentS] = payloadText(e)!.split(' ');
    const seq = Number(seqS);
    if (from !== e.from || !Number.isInteger(seq) || !(this.plan.roomMembers[st.plan.room] ?? []).includes(from)) {
      this.foreign++;
      return;
    }
    const last = st.last.get(from) ?? -1;
    if (seq <= last) this.duplicates++;
    else if (seq > last + 1) {
      this.outOfOrder++;
      st.last.set(from, seq);
    } else {
      st.last.set(from, seq);
      st.delivered++;
      this.latencies.push(Date.now() - Number(sentS));
      if (st.delivered === st.expected) {
        st.done = true;
        this.onProgress?.();
      }
    }
  }

  /** Every client sends its messages, one every intervalMs (each starting at a random offset). Resolves when all are sent. */
  chat(): Promise<void> {
    const pad = 'x'.repeat(this.plan.padding ?? 0);
    return new Promise((resolve) => {
      let left = this.states.length;
      if (left === 0) resolve();
      for (const st of this.states) {
        let seq = 0;
        const sendOne = () => {
          const text = `${st.plan.name} ${seq} ${Date.now()} ${pad}`.trimEnd();
          st.client?.send(roomMessage(st.plan.room, text));
          if (++seq >= this.plan.messagesPerClient) {
            clearInterval(st.timer);
            st.timer = undefined;
            if (--left === 0) resolve();
          }
        };
        const start = setTimeout(() => {
          sendOne();
          if (seq < this.plan.messagesPerClient) st.timer = setInterval(sendOne, this.plan.intervalMs);
        }, Math.random() * this.plan.intervalMs);
        st.timer = start;
      }
    });
  }

  /** Resolves true once every client has every expected message, false at the timeout. */
  waitComplete(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.states.every((s) => s.done)) {
          clearTimeout(t);
          this.onProgress = undefined;
          resolve(true);
        }
      };
      const t = setTimeout(() => {
        this.onProgress = undefined;
        resolve(false);
      }, timeoutMs);
      this.onProgress = check;
      check();
    });
  }

  report(): SwarmReport {
    return {
      clients: this.states.length,
      connected: this.states.filter((s) => s.client).length,
      connectAttempts: this.attempts,
      connectSeconds: this.connectSeconds,
      expected: this.states.reduce((n, s) => n + s.expected, 0),
      delivered: this.states.reduce((n, s) => n + s.delivered, 0),
      duplicates: this.duplicates,
      outOfOrder: this.outOfOrder,
      foreign: this.foreign,
      complete: this.states.filter((s) => s.done).length,
      latencyMs: percentiles(this.latencies),
      errors: { ...this.errors },
      unexpectedCloses: this.unexpectedCloses,
      eventTypes: { ...this.eventTypes },
    };
  }

  /** Closes every client and waits for the closes (each cut after 2 s at most). Never throws. */
  async closeAll(): Promise<void> {
    this.closing = true;
    for (const s of this.states) {
      if (s.timer) clearTimeout(s.timer);
      if (s.timer) clearInterval(s.timer);
      s.client?.close();
    }
    await Promise.all(this.states.map((s) => (s.client ? s.client.closed : undefined)));
  }

  /** Forgets the clients (after closeAll), so that a second round can reconnect the same plan. */
  reset(): void {
    for (const s of this.states) {
      s.client = undefined;
      s.last.clear();
      s.delivered = 0;
      s.done = false;
    }
    this.latencies.length = 0;
    this.duplicates = this.outOfOrder = this.foreign = this.attempts = this.unexpectedCloses = 0;
    for (const k of Object.keys(this.errors)) delete this.errors[k];
    for (const k of Object.keys(this.eventTypes)) delete this.eventTypes[k];
    this.closing = false;
  }
}

/** Plans `n` clients named `${prefix}${i}` in rooms of `roomSize`, using `keys` keys round-robin. */
/**
 * A distinct loopback address for user `k` (0 ≤ k < 65535): 127.1.x.y. Linux routes all of
 * 127.0.0.0/8 to the loopback interface, so a client can connect from any of them, and the
 * server's per-source limits see many users instead of one address.
 */
export function loopbackAddress(k: number): string {
  return `127.1.${((k + 1) >> 8) & 255}.${(k + 1) & 255}`;
}

/**
 * `n` clients in rooms of `roomSize`, on `keys` keys (client i uses key i mod keys); every key is
 * one user, connecting from its own loopback address (loopbackAddress), as users do from their
 * own machines — so the server's default per-source limits apply as they would in real use.
 */
export function planClients(n: number, roomSize: number, keys: number, prefix = 'u'): { clients: SwarmClientPlan[]; roomMembers: Record<string, string[]> } {
  const clients: SwarmClientPlan[] = [];
  const roomMembers: Record<string, string[]> = {};
  for (let i = 0; i < n; i++) {
    const room = `room${Math.floor(i / roomSize)}`;
    const name = `${prefix}${i}`;
    clients.push({ name, key: i % keys, room, localAddress: loopbackAddress(i % keys) });
    (roomMembers[room] ??= []).push(name);
  }
  return { clients, roomMembers };
}
