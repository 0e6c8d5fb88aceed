/**
 * The bus's reading side: one loop of `XREAD COUNT readCount BLOCK readBlockMs STREAMS key lastId`
 * on the bus's blocking connection, from the last id received (never `$`, which would skip what
 * arrived while the loop was away): a read cut by a lost connection is simply issued again, from
 * the same id, once the connection is back. It drops duplicates and detects gaps.
 *
 * Duplicates: every entry carries its node's sequence number; an entry whose number is not above
 * the last one seen from that node is a retried publish whose first copy already arrived (or an
 * older entry read again) — dropped and counted.
 *
 * Gaps: XADD MAXLEN ~ trims the oldest entries; a reader away for long may find that entries after
 * its last id are gone. (Redis 7.0's `max-deleted-entry-id` is not moved by trimming, only by
 * XDEL, and a first id above the last one read is ambiguous: the entries between may never have
 * existed.) So the reader counts: Redis ≥ 7.0 numbers the entries of a stream (`entries-added` in
 * XINFO STREAM), and trimming removes a prefix, so `entries-added − length` entries are gone; the
 * reader knows the number of the last entry it read (`consumed`: the stream's `entries-added` when
 * it started, plus every entry read since). More gone than consumed is a gap, exactly. XINFO is
 * pipelined right before the XREAD on the same connection (Redis runs a client's pipelined
 * commands back to back), at the first read, after every failed read, after a full batch (the
 * reader lags) and after a slow turn (handler slower than readBlockMs) — the only moments at which
 * more than streamMaxLen entries can have come in since the previous read. A stream whose
 * `last-generated-id` is below the last id lost its tail in Redis itself (restart with the last
 * second of AOF lost): also a gap; reading goes on from the stream's last id (this node read
 * everything up to it before). A stream that no longer exists, or counts fewer entries than this
 * reader has read, was lost by Redis (restart without persistence): a gap, and the count starts
 * again. Assumes nobody XDELs entries of the bus's stream.
 */
import type { NodeId } from './bus.js';
import { compareStreamIds, decodeEntry, flatToMap } from './stream-codec.js';
import { isNoSuchKey, pause, type BusClient } from './redis-conn.js';

/** What the reader needs from the bus. */
export interface ReaderDeps {
  client: BusClient;
  /** The stream's key. */
  key: string;
  readCount: number;
  readBlockMs: number;
  /** Counts commands sent. */
  sent(n: number): void;
  /** A new entry, in stream order. */
  entry(from: NodeId, entry: Record<string, unknown>): void;
  /** Entries this reader never saw are gone. */
  gap(): void;
  log: { info(m: string): void; warn(m: string): void };
}

/** Reads the stream in a loop; see the file comment. */
export class StreamReader {
  /** The id of the last entry read (valid or not). */
  lastId = '0-0';
  /** The number (in the stream's `entries-added` count) of the entry `lastId`. */
  private consumed = 0;
  /** Entries received (valid, not duplicates). */
  received = 0;
  /** Entries dropped as duplicates. */
  duplicates = 0;
  private readonly lastSeq = new Map<NodeId, number>();
  private checkNext = true;
  private running = false;
  private loop: Promise<void> | undefined;
  private lastReadAt = 0;
  private badLogged = 0;
  private failing = false;

  constructor(private readonly d: ReaderDeps) {}

  /** Sets the starting point to the stream's current end (its last generated id; 0-0 when it does not exist). Rejects when Redis cannot be reached. */
  async init(): Promise<void> {
    this.d.sent(1);
    try {
      const info = flatToMap(await this.d.client.sendCommand(['XINFO', 'STREAM', this.d.key]));
      this.lastId = String(info.get('last-generated-id') ?? '0-0');
      this.consumed = Number(info.get('entries-added') ?? 0);
    } catch (e) {
      if (!isNoSuchKey(e)) throw e;
      this.lastId = '0-0';
      this.consumed = 0;
    }
  }

  /** Starts the loop (after init). */
  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Ends the loop; resolves once it has (destroy the connection first, or the current XREAD is waited for). */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (!this.d.client.isReady) {
        this.checkNext = true;
        await pause(20);
        continue;
      }
      try {
        await this.turn();
      } catch (e) {
        if (!this.running) break;
        this.checkNext = true;
        // the connection dropped (node-redis reconnects by itself) or Redis answered an error: read again shortly (logged once a streak)
        if (this.d.client.isReady && !this.failing) this.d.log.warn(`cluster bus: reading the stream failed (${(e as Error).message}); reading again`);
        this.failing = true;
        await pause(50);
      }
    }
  }

  /** One read: the pipelined gap check if due, then XREAD, then the entries. */
  private async turn(): Promise<void> {
    // due also when handing the previous batch on took longer than readBlockMs (a slow handler)
    const check = this.checkNext || Date.now() - this.lastReadAt > this.d.readBlockMs;
    const fromId = this.lastId;
    const info = check ? this.d.client.sendCommand(['XINFO', 'STREAM', this.d.key]).then(flatToMap, (e: unknown) => (isNoSuchKey(e) ? null : Promise.reject(e))) : undefined;
    const read = this.d.client.sendCommand(['XREAD', 'COUNT', String(this.d.readCount), 'BLOCK', String(this.d.readBlockMs), 'STREAMS', this.d.key, fromId]);
    this.d.sent(check ? 2 : 1);
    // both settle (no unhandled rejection) before either is looked at
    const [i, r] = await Promise.allSettled([info, read]);
    if (i.status === 'rejected') throw i.reason;
    if (r.status === 'rejected') throw r.reason;
    this.lastReadAt = Date.now();
    this.checkNext = false;
    this.failing = false;
    if (!this.running) return;
    if (check) {
      const v = this.verdict(i.value ?? null, fromId);
      if (v) {
        this.d.log.warn(`cluster bus: entries after ${fromId} are no longer in the stream ${this.d.key} (${v.why}): resynchronising`);
        this.consumed = v.consumed;
        this.d.gap();
        if (v.lastId !== undefined) {
          // the read from `fromId` is void: read again from the new point
          this.lastId = v.lastId;
          return;
        }
      }
    }
    const got = this.deliver(r.value);
    if (got >= this.d.readCount) this.checkNext = true;
  }

  /**
   * Whether entries after `fromId` are gone (`info` null: there is no stream): undefined when not;
   * else why, this reader's new `consumed` and, when the read from `fromId` must be done again, the
   * id to read from.
   */
  private verdict(info: Map<string, unknown> | null, fromId: string): { why: string; consumed: number; lastId?: string } | undefined {
    if (info === null) return fromId === '0-0' ? undefined : { why: 'the stream is gone: Redis lost its data', consumed: 0, lastId: '0-0' };
    const last = String(info.get('last-generated-id') ?? '0-0');
    const added = Number(info.get('entries-added') ?? 0);
    const gone = added - Number(info.get('length') ?? 0);
    // every entry up to the stream's last id was read before (ids grow): go on from there
    if (compareStreamIds(last, fromId) < 0) return { why: `it ends at ${last}: Redis lost its tail`, consumed: added, lastId: last };
    // a new stream (Redis lost everything, then a node wrote again): its entries all come after `fromId`
    if (added < this.consumed) return { why: 'it was created again: Redis lost its data', consumed: gone };
    return gone > this.consumed ? { why: `${gone - this.consumed} were trimmed before this node read them`, consumed: gone } : undefined;
  }

  /** Hands the entries of an XREAD reply (RESP2: null or [[key, [[id, fields]…]]]) on; returns how many it held. */
  private deliver(reply: unknown): number {
    if (!Array.isArray(reply)) return 0;
    const stream = reply[0] as unknown;
    const entries = Array.isArray(stream) ? (stream[1] as unknown) : undefined;
    if (!Array.isArray(entries)) return 0;
    for (const raw of entries) {
      if (!Array.isArray(raw) || typeof raw[0] !== 'string') continue;
      const id = raw[0];
      if (compareStreamIds(id, this.lastId) <= 0) continue;
      this.lastId = id;
      this.consumed++;
      const e = decodeEntry(raw[1]);
      if ('why' in e) {
        if (this.badLogged++ < 10) this.d.log.warn(`cluster bus: skipped stream entry ${id}: ${e.why}`);
        continue;
      }
      const last = this.lastSeq.get(e.from) ?? 0;
      if (e.seq <= last) {
        this.duplicates++;
        continue;
      }
      this.lastSeq.set(e.from, e.seq);
      this.received++;
      this.d.entry(e.from, e.entry);
    }
    return entries.length;
  }
}
