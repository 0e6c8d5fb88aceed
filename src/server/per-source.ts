/**
 * Per-source limits of the transport (docs/PROTOCOL.md §Server behaviour): for each source
 * (source.ts: an IPv4 address, an IPv6 /64, or a forwarded client address), how many TCP
 * connections it has that are not (yet) WebSockets, how many WebSocket connections, how many of
 * those are still in the handshake, and a token bucket of handshakes — one token per upgraded
 * connection, i.e. per ClientHello the server will answer with an RSA signature.
 *
 * The table is bounded: a source is in it only while it has an open connection (so there are
 * at most as many such entries as sockets) or while its bucket is refilling after it had one;
 * those idle entries are kept in the order they went idle, at most `maxIdleSources` of them
 * (the oldest is forgotten first, its bucket starting full again), and dropped as soon as their
 * bucket is full (at the next sweep, or when touched).
 */
import type { TransportOptions } from './options.js';

/** The limits the table enforces (the TransportOptions of the same names). */
export type PerSourceLimits = Pick<
  TransportOptions,
  | 'maxConnectionsPerSource'
  | 'maxPendingHandshakesPerSource'
  | 'maxRawConnectionsPerSource'
  | 'handshakesPerSecondPerSource'
  | 'handshakeBurstPerSource'
  | 'maxIdleSources'
>;

/** Why a source's new connection is refused, and when it may retry (whole seconds, for Retry-After). */
export interface SourceRefusal {
  reason: 'raw_connections' | 'connections' | 'pending_handshakes' | 'handshake_rate';
  /** For the log and the HTTP response body. */
  message: string;
  retryAfterS: number;
}

class Entry {
  raw = 0;
  conns = 0;
  pending = 0;
  constructor(
    public tokens: number,
    public at: number,
  ) {}
  get busy(): boolean {
    return this.raw + this.conns + this.pending > 0;
  }
}

/** Counts and handshake buckets per source; every method is O(1) except sweep(). Never throws. */
export class SourceTable {
  private readonly live = new Map<string, Entry>();
  /** Entries with nothing open whose bucket is not full yet, oldest first. */
  private readonly idle = new Map<string, Entry>();

  constructor(
    private readonly o: PerSourceLimits,
    /** Milliseconds, monotonic (tests pass a fake clock). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Sources in the table (live + idle): for tests and stats. */
  get size(): number {
    return this.live.size + this.idle.size;
  }

  /** What `key` has open now (zeros for a source not in the table): for tests and stats. */
  counts(key: string): { raw: number; connections: number; pendingHandshakes: number } {
    const e = this.live.get(key);
    return { raw: e?.raw ?? 0, connections: e?.conns ?? 0, pendingHandshakes: e?.pending ?? 0 };
  }

  /** A TCP connection from `key` arrives (before any HTTP): counted, or refused past maxRawConnectionsPerSource. */
  openRaw(key: string): SourceRefusal | undefined {
    const e = this.entry(key);
    if (e.raw >= this.o.maxRawConnectionsPerSource) {
      this.settle(key, e);
      return { reason: 'raw_connections', message: `too many connections from your address that are not chat connections yet (${e.raw}); retry in a moment`, retryAfterS: 1 };
    }
    e.raw++;
    return undefined;
  }

  /** A counted TCP connection was upgraded to a WebSocket or closed. */
  closeRaw(key: string): void {
    const e = this.live.get(key);
    if (e && e.raw > 0) {
      e.raw--;
      this.settle(key, e);
    }
  }

  /**
   * Admits one WebSocket upgrade from `key` — counted as a connection in its handshake, and one
   * handshake token taken — or refuses it past maxConnectionsPerSource,
   * maxPendingHandshakesPerSource or an empty bucket (then nothing changes but the refill).
   */
  admit(key: string): SourceRefusal | undefined {
    const e = this.entry(key);
    const refusal = this.refusal(e);
    if (refusal) {
      this.settle(key, e);
      return refusal;
    }
    e.tokens -= 1;
    e.conns++;
    e.pending++;
    return undefined;
  }

  /** Counts a connection in its handshake without any check (for one that bypassed admit(), so that its releases balance). */
  track(key: string): void {
    const e = this.entry(key);
    e.conns++;
    e.pending++;
  }

  /** An admitted connection's handshake finished, failed or timed out. */
  handshakeEnded(key: string): void {
    const e = this.live.get(key);
    if (e && e.pending > 0) {
      e.pending--;
      this.settle(key, e);
    }
  }

  /** An admitted connection closed. */
  connectionClosed(key: string): void {
    const e = this.live.get(key);
    if (e && e.conns > 0) {
      e.conns--;
      this.settle(key, e);
    }
  }

  /** Forgets idle sources whose bucket has refilled. O(idle sources); the server calls it from its periodic timer. */
  sweep(): void {
    for (const [key, e] of this.idle) {
      this.refill(e);
      if (e.tokens >= this.o.handshakeBurstPerSource) this.idle.delete(key);
    }
  }

  private refusal(e: Entry): SourceRefusal | undefined {
    const o = this.o;
    if (e.conns >= o.maxConnectionsPerSource)
      return { reason: 'connections', message: `too many connections from your address (${e.conns}); close some or retry later`, retryAfterS: 5 };
    if (e.pending >= o.maxPendingHandshakesPerSource)
      return { reason: 'pending_handshakes', message: `too many handshakes in progress from your address (${e.pending}); retry in a moment`, retryAfterS: 1 };
    this.refill(e);
    if (e.tokens < 1) {
      const waitS = Math.max(1, Math.ceil((1 - e.tokens) / o.handshakesPerSecondPerSource));
      return { reason: 'handshake_rate', message: `too many new connections from your address (at most ${o.handshakesPerSecondPerSource}/s, bursts of ${o.handshakeBurstPerSource}); retry in ${waitS} s`, retryAfterS: waitS };
    }
    return undefined;
  }

  private refill(e: Entry): void {
    const now = this.now();
    e.tokens = Math.min(this.o.handshakeBurstPerSource, e.tokens + ((now - e.at) / 1000) * this.o.handshakesPerSecondPerSource);
    e.at = now;
  }

  /** The live entry of `key`: an idle one comes back to life, a new one starts with a full bucket. */
  private entry(key: string): Entry {
    let e = this.live.get(key);
    if (e) return e;
    e = this.idle.get(key);
    if (e) this.idle.delete(key);
    else e = new Entry(this.o.handshakeBurstPerSource, this.now());
    this.live.set(key, e);
    return e;
  }

  /** Puts `e` where it belongs after a change: live while anything is open, else idle while refilling, else gone. */
  private settle(key: string, e: Entry): void {
    if (e.busy) return;
    this.live.delete(key);
    this.refill(e);
    if (e.tokens >= this.o.handshakeBurstPerSource) return;
    this.idle.set(key, e);
    if (this.idle.size > this.o.maxIdleSources) this.idle.delete(this.idle.keys().next().value!);
  }
}
