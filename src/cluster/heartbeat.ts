/**
 * Liveness of the nodes. Every heartbeatMs each node runs one pipelined round on its command
 * connection:
 *   SET {prefix}node:{id} <ms since epoch> PX nodeTimeoutMs GET   — renew its own key; the old value
 *       comes back: nil after an earlier beat means the key had expired (this node was cut off longer
 *       than nodeTimeoutMs and the others dropped it) → `rejoined`
 *   SADD {prefix}nodes {id}; SMEMBERS {prefix}nodes                — the set of known node ids
 * then MGET of the keys of the other nodes it knows (the set, plus every node it has seen live or
 * received an entry from): a node whose key is gone is lost → `lost(id)` once. It is removed
 * from the set (SREM) only once it has been missing for nodeTimeoutMs, so that every other node
 * finds it there at one of its checks in between, even one that never saw it live (a node that
 * started and stopped within one beat). A node reported lost is reported again only after it was
 * seen live again.
 *
 * Why a set and not SCAN: SCAN walks the whole keyspace (shared with other data and other
 * clusters) every beat on every node; the set costs O(nodes). A node killed with SIGKILL stays in
 * the set until another node finds its key expired and removes it.
 */
import type { NodeId } from './bus.js';
import type { BusClient } from './redis-conn.js';

/** What the heartbeat needs from the bus. */
export interface HeartbeatDeps {
  client: BusClient;
  prefix: string;
  nodeId: NodeId;
  heartbeatMs: number;
  nodeTimeoutMs: number;
  /** Counts commands sent. */
  sent(n: number): void;
  lost(node: NodeId): void;
  rejoined(): void;
  log: { info(m: string): void; warn(m: string): void };
}

/** The heartbeat of one node and its watch over the others; see the file comment. */
export class Heartbeat {
  private readonly peers = new Map<NodeId, 'live' | 'lost'>();
  /** When each lost node was first found missing (Date.now()). */
  private readonly missingSince = new Map<NodeId, number>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private beaten = false;
  private failing = false;
  private readonly setKey: string;

  constructor(private readonly d: HeartbeatDeps) {
    this.setKey = `${d.prefix}nodes`;
  }

  /** The key of a node's heartbeat. */
  keyOf(node: NodeId): string {
    return `${this.d.prefix}node:${node}`;
  }

  /** Starts beating every heartbeatMs (after a first `beat()`). */
  start(): void {
    this.timer = setInterval(() => this.tick(), this.d.heartbeatMs);
  }

  /** Stops beating (the key expires by itself unless `leave()` deletes it). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A node an entry came from: watched from now on (a node that published and died at once is still reported lost). */
  noteSender(node: NodeId): void {
    if (node !== this.d.nodeId && !this.peers.has(node)) this.peers.set(node, 'live');
  }

  private tick(): void {
    // one round at a time; none while disconnected (the beat resumes, and the check with it, when Redis is back)
    if (this.busy || !this.d.client.isReady) return;
    this.busy = true;
    this.beat()
      .then(() => (this.failing = false))
      .catch((e: unknown) => {
        if (this.timer && !this.failing) this.d.log.warn(`cluster bus: heartbeat failed (${(e as Error).message}); beating again every ${this.d.heartbeatMs} ms`);
        this.failing = true;
      })
      .finally(() => (this.busy = false));
  }

  /** One round: renew this node's key, then check the others. Rejects when Redis cannot be reached. */
  async beat(): Promise<void> {
    const c = this.d.client;
    const own = c.sendCommand(['SET', this.keyOf(this.d.nodeId), String(Date.now()), 'PX', String(this.d.nodeTimeoutMs), 'GET']);
    const add = c.sendCommand(['SADD', this.setKey, this.d.nodeId]);
    const members = c.sendCommand(['SMEMBERS', this.setKey]);
    this.d.sent(3);
    const [prev, , ids] = await Promise.all([own, add, members]);
    if (this.beaten && prev === null) {
      this.d.log.warn(`cluster bus: this node's heartbeat had expired (cut off from Redis for more than ${this.d.nodeTimeoutMs} ms): the others dropped it; resynchronising`);
      this.d.rejoined();
    }
    this.beaten = true;
    const watch = new Set<NodeId>();
    if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string' && id !== this.d.nodeId) watch.add(id);
    for (const [id, state] of this.peers) if (state === 'live') watch.add(id);
    if (watch.size === 0) return;
    const list = [...watch];
    const values = await c.sendCommand(['MGET', ...list.map((id) => this.keyOf(id))]);
    this.d.sent(1);
    const gone: NodeId[] = [];
    const now = Date.now();
    list.forEach((id, i) => {
      const alive = Array.isArray(values) && values[i] !== null && values[i] !== undefined;
      if (alive) {
        this.peers.set(id, 'live');
        this.missingSince.delete(id);
        return;
      }
      if (this.peers.get(id) !== 'lost') {
        this.peers.set(id, 'lost');
        this.d.lost(id);
      }
      const since = this.missingSince.get(id) ?? now;
      this.missingSince.set(id, since);
      if (now - since >= this.d.nodeTimeoutMs) {
        gone.push(id);
        this.missingSince.delete(id);
      }
    });
    if (gone.length > 0) {
      this.d.sent(1);
      await c.sendCommand(['SREM', this.setKey, ...gone]);
    }
  }

  /** The ids whose heartbeat is live now, this node's included if it is. Rejects when Redis cannot be reached. */
  async liveNodes(): Promise<NodeId[]> {
    const ids = await this.d.client.sendCommand(['SMEMBERS', this.setKey]);
    const list = new Set<NodeId>([this.d.nodeId]);
    if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string') list.add(id);
    const all = [...list];
    const values = await this.d.client.sendCommand(['MGET', ...all.map((id) => this.keyOf(id))]);
    this.d.sent(2);
    return all.filter((_, i) => Array.isArray(values) && values[i] !== null && values[i] !== undefined).sort();
  }

  /** Deletes this node's key (not its set membership: the others find it missing there): they report it lost at their next check. Rejects when Redis cannot be reached. */
  async leave(): Promise<void> {
    this.d.sent(1);
    await this.d.client.sendCommand(['DEL', this.keyOf(this.d.nodeId)]);
  }
}
