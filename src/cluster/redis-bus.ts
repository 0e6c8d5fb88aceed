/**
 * The cluster bus on Redis Streams (the contract is in bus.ts), as Socket.IO's streams adapter
 * does it: every entry is XADDed to one stream, `{prefix}stream` (MAXLEN ~ streamMaxLen), whose
 * order is the cluster's one order; every node reads it with XREAD BLOCK from the last id it
 * received (stream-reader.ts), and announces itself with a heartbeat key (heartbeat.ts).
 *
 * Two connections per node (redis-conn.ts): one blocked in XREAD, one for everything else.
 * Publishing: entries wait in the outbox (outbox.ts) and go out in batches from its head, one batch
 * in flight at a time; a batch of several entries is one MULTI … EXEC (all or none: an error such
 * as LOADING after a restart can never leave a hole that a later entry overtakes), pipelined in
 * one write. A batch that fails, or whose answer is lost with the connection, stays at the head
 * and goes out again first, with the same sequence numbers: if it had reached Redis, the readers
 * drop the second copy (every entry carries its node id and per-node sequence number).
 */
import { ClusterError, type ClusterBus, type ClusterBusStats, type ClusterHandler, type LostReason, type NodeId } from './bus.js';
import { Heartbeat } from './heartbeat.js';
import { resolveBusOptions, type RedisBusOptions, type ResolvedBusOptions } from './options.js';
import { Outbox, type OutboxItem } from './outbox.js';
import { makeBusClients, pause, reconnectDelay, type BusClient } from './redis-conn.js';
import { entryFields } from './stream-codec.js';
import { StreamReader } from './stream-reader.js';

/** The constructor's options (defined in options.ts). */
export { type RedisBusOptions } from './options.js';

/** Entries sent at most in one MULTI batch. */
const BATCH_MAX_ENTRIES = 1000;
/** JSON bytes sent at most in one batch (a single larger entry still goes alone). */
const BATCH_MAX_BYTES = 4 * 1024 * 1024;
/** How long stop() waits for Redis to delete this node's heartbeat, ms. */
const LEAVE_TIMEOUT_MS = 1000;

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** The cluster bus on Redis Streams; see the file comment and bus.ts. */
export class RedisClusterBus implements ClusterBus {
  readonly nodeId: NodeId;
  private readonly o: ResolvedBusOptions;
  private readonly streamKey: string;
  private readonly outbox: Outbox;
  private state: State = 'new';
  private handler: ClusterHandler | undefined;
  private cmd: BusClient | undefined;
  private read: BusClient | undefined;
  private reader: StreamReader | undefined;
  private heartbeat: Heartbeat | undefined;
  private seq = 0;
  private published = 0;
  private lost = 0;
  private sent = 0;
  private reconnects = 0;
  private up = false;
  private everUp = false;
  private downSince = 0;
  private lastError = '';
  private pumpQueued = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  /** Checks the options (nothing connects yet). Throws ClusterError `cluster_bad_url` or `cluster_bad_option`. */
  constructor(opts: RedisBusOptions) {
    this.o = resolveBusOptions(opts);
    this.nodeId = this.o.nodeId;
    this.streamKey = `${this.o.prefix}stream`;
    this.outbox = new Outbox(this.o.outboxMaxEntries, this.o.outboxTimeoutMs, (item, reason) => this.giveUp(item, reason));
  }

  /** Whether both connections to Redis are up now. */
  get connected(): boolean {
    return !!this.cmd?.isReady && !!this.read?.isReady;
  }

  /**
   * Connects both connections, checks that Redis is 7.0 or later, takes the stream's current end
   * as the starting point, beats once, then starts reading, beating and sending. Rejects with
   * ClusterError `cluster_unavailable` (naming the URL without its password and what to check)
   * when that is not done within startTimeoutMs, leaving nothing running (entries published
   * before are then reported `stopped`). Throws a plain Error when called twice.
   */
  async start(handler: ClusterHandler): Promise<void> {
    if (this.state !== 'new') throw new Error('RedisClusterBus.start() may be called once');
    this.state = 'starting';
    this.handler = handler;
    const { cmd, read } = makeBusClients(this.o, (what, err) => this.onConnChange(what, err));
    this.cmd = cmd;
    this.read = read;
    const sent = (n: number) => (this.sent += n);
    const reader = (this.reader = new StreamReader({ client: read, key: this.streamKey, readCount: this.o.readCount, readBlockMs: this.o.readBlockMs, sent, log: this.o.log, entry: (from, e) => this.onEntry(from, e), gap: () => this.call('resync', () => handler.resync('gap')) }));
    const heartbeat = (this.heartbeat = new Heartbeat({ client: cmd, prefix: this.o.prefix, nodeId: this.nodeId, heartbeatMs: this.o.heartbeatMs, nodeTimeoutMs: this.o.nodeTimeoutMs, sent, log: this.o.log, lost: (id) => this.call('nodeLost', () => handler.nodeLost(id)), rejoined: () => this.call('resync', () => handler.resync('rejoined')) }));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(this.lastError ? `last error: ${this.lastError}` : 'no answer')), this.o.startTimeoutMs);
    });
    const init = (async () => {
      await Promise.all([cmd.connect(), read.connect()]);
      this.sent += 1;
      const info = String(await cmd.sendCommand(['INFO', 'server']));
      const version = /redis_version:(\d+)\.(\d+)/.exec(info);
      if (!version || Number(version[1]) < 7) throw new ClusterError('cluster_unavailable', `the Redis at ${this.o.safeUrl} is version ${version ? `${version[1]}.${version[2]}` : '(unknown)'}; the cluster bus needs Redis 7.0 or later (it counts stream entries with XINFO STREAM entries-added): upgrade Redis`);
      await reader.init();
      await heartbeat.beat();
    })();
    init.catch(() => {}); // settled below; a late rejection after the timeout must not be unhandled
    try {
      await Promise.race([init, timeout]);
    } catch (e) {
      this.state = 'stopped';
      cmd.destroy();
      read.destroy();
      // entries published before start() would otherwise wait forever
      this.outbox.drain('stopped');
      if (e instanceof ClusterError) throw e;
      throw new ClusterError('cluster_unavailable', `cannot reach Redis at ${this.o.safeUrl} within ${this.o.startTimeoutMs} ms (${(e as Error).message}): check that redis-server runs there and accepts connections from this machine, and the host, port, user and password of --redis / PARLEY_REDIS`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
    if (this.state !== 'starting') throw new ClusterError('cluster_unavailable', 'the cluster bus was stopped while it was starting');
    this.state = 'running';
    this.onConnChange('ready');
    reader.start();
    heartbeat.start();
    this.sweepTimer = setInterval(() => this.outbox.expire(Date.now()), Math.min(1000, Math.ceil(this.o.outboxTimeoutMs / 4)));
    this.schedulePump();
  }

  /** Queues `entry` for every node (see bus.ts). Never throws; `lost` is called at most once, later, if the entry is given up. */
  publish(entry: Record<string, unknown>, lost?: (reason: LostReason) => void): void {
    const item: OutboxItem = { seq: 0, json: '', at: Date.now(), lost };
    if (this.state === 'stopping' || this.state === 'stopped') return this.giveUp(item, 'stopped');
    let json: string | undefined;
    try {
      json = typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? JSON.stringify(entry) : undefined;
    } catch {
      json = undefined;
    }
    if (json === undefined) {
      this.o.log.warn('cluster bus: an entry that is not a JSON object was given up (reported too_large)');
      return this.giveUp(item, 'too_large');
    }
    if (json.length > this.o.maxEntryBytes || (json.length * 3 > this.o.maxEntryBytes && Buffer.byteLength(json) > this.o.maxEntryBytes)) return this.giveUp(item, 'too_large');
    if (this.outbox.push({ ...item, seq: ++this.seq, json })) this.schedulePump();
  }

  /** Node ids whose heartbeat is live now, this one included. Rejects with ClusterError `cluster_unavailable` while Redis cannot be reached. */
  async liveNodes(): Promise<NodeId[]> {
    if (!this.heartbeat || this.state !== 'running' || !this.cmd?.isReady) throw new ClusterError('cluster_unavailable', `the cluster bus is not connected to Redis at ${this.o.safeUrl}`);
    try {
      return await this.heartbeat.liveNodes();
    } catch (e) {
      throw new ClusterError('cluster_unavailable', `cannot list the live nodes from Redis at ${this.o.safeUrl}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Counters since start (see ClusterBusStats). */
  stats(): ClusterBusStats {
    return { published: this.published, received: this.reader?.received ?? 0, duplicates: this.reader?.duplicates ?? 0, lost: this.lost, outbox: this.outbox.size, roundTrips: this.sent, reconnects: this.reconnects };
  }

  /**
   * Stops: no more entries are handed to the handler; the outbox gets up to stopFlushMs to reach
   * Redis (entries published just before, such as the hub's own leave notices, go out); the rest
   * is reported `stopped`; this node's heartbeat key is deleted (the others report it lost at their
   * next check); both connections and every timer are closed. Idempotent; never rejects.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    this.heartbeat?.stop();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (wasRunning) {
      const end = Date.now() + this.o.stopFlushMs;
      while (this.outbox.size > 0 && this.cmd?.isReady && Date.now() < end) {
        this.pump();
        await pause(5);
      }
      if (this.cmd?.isReady && this.heartbeat) await Promise.race([this.heartbeat.leave().catch(() => {}), pause(LEAVE_TIMEOUT_MS)]);
    }
    this.state = 'stopped';
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.outbox.drain('stopped');
    this.cmd?.destroy();
    this.read?.destroy();
    await this.reader?.stop();
  }

  private onEntry(from: NodeId, entry: Record<string, unknown>): void {
    if (this.state !== 'running' || !this.handler) return;
    this.heartbeat?.noteSender(from);
    const handler = this.handler;
    this.call('entry', () => handler.entry(from, entry, from === this.nodeId));
  }

  /** Runs a handler call; a handler that throws is logged, never thrown back into the bus. */
  private call(what: string, fn: () => void): void {
    if (this.state !== 'running') return;
    try {
      fn();
    } catch (e) {
      this.o.log.warn(`cluster bus: the handler's ${what} threw: ${(e as Error).message}`);
    }
  }

  private giveUp(item: OutboxItem, reason: LostReason): void {
    this.lost++;
    const cb = item.lost;
    if (!cb) return;
    queueMicrotask(() => {
      try {
        cb(reason);
      } catch (e) {
        this.o.log.warn(`cluster bus: a lost() callback threw: ${(e as Error).message}`);
      }
    });
  }

  /** Tracks whether both connections are up: logs the loss once, counts and logs the recovery, and sends the outbox when back. */
  private onConnChange(what: 'ready' | 'error' | 'end', err?: Error): void {
    if (err) this.lastError = err.message;
    if (this.state !== 'running' && this.state !== 'stopping') return;
    const now = this.connected;
    if (now && !this.up) {
      if (this.everUp) {
        this.reconnects++;
        this.o.log.info(`cluster bus: reconnected to Redis at ${this.o.safeUrl} after ${Date.now() - this.downSince} ms; ${this.outbox.size} entries in the outbox`);
      }
      this.everUp = true;
      this.schedulePump();
    } else if (!now && this.up) {
      this.downSince = Date.now();
      this.o.log.warn(`cluster bus: lost the connection to Redis at ${this.o.safeUrl} (${err?.message ?? what}); reconnecting, entries wait in the outbox (up to ${this.o.outboxMaxEntries}, ${this.o.outboxTimeoutMs} ms)`);
    }
    this.up = now;
  }

  /** Sends the outbox once the current synchronous code is done (a burst of publishes goes out as one batch). */
  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** Sends the next batch from the outbox's head, if none is in flight and the command connection is up. */
  private pump(): void {
    if ((this.state !== 'running' && this.state !== 'stopping') || !this.cmd?.isReady) return;
    const batch = this.outbox.take(BATCH_MAX_ENTRIES, BATCH_MAX_BYTES);
    if (batch.length === 0) return;
    const xadd = (item: OutboxItem) => ['XADD', this.streamKey, 'MAXLEN', '~', String(this.o.streamMaxLen), '*', ...entryFields(this.nodeId, item.seq, item.json)];
    let done: Promise<unknown>;
    if (batch.length === 1) {
      done = this.cmd.sendCommand(xadd(batch[0] as OutboxItem));
      this.sent += 1;
    } else {
      const m = this.cmd.multi();
      for (const item of batch) m.addCommand(xadd(item));
      done = m.exec();
      this.sent += batch.length + 2;
    }
    done.then(
      () => {
        this.failures = 0;
        this.published += this.outbox.confirm();
        this.pump();
      },
      (e: unknown) => {
        this.outbox.fail();
        if (this.state !== 'running' && this.state !== 'stopping') return;
        // a lost connection comes back with 'ready' (which sends again); an error answer (LOADING, OOM…) is retried with backoff
        const delay = reconnectDelay(this.failures++, this.o.reconnectMaxMs);
        if (this.cmd?.isReady && this.failures <= 3) this.o.log.warn(`cluster bus: sending ${batch.length} entries failed (${(e as Error).message}); sending again in ${delay} ms`);
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.pump(), delay);
      },
    );
  }
}
