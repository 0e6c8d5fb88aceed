/** Test helpers of the cluster bus: a handler that records everything, waiting, and the exactly-once check. */
import assert from 'node:assert/strict';
import type { ClusterHandler, LostReason, NodeId } from '../../../src/cluster/bus.js';
import { RedisClusterBus } from '../../../src/cluster/redis-bus.js';
import type { RedisBusOptions } from '../../../src/cluster/options.js';

/** One received entry: its publisher, its `k` field (a test's key), own. */
export interface Got {
  from: NodeId;
  k: string;
  own: boolean;
}

/** A ClusterHandler that records what it is told. */
export class Recorder implements ClusterHandler {
  readonly got: Got[] = [];
  readonly lost: NodeId[] = [];
  readonly resyncs: Array<'gap' | 'rejoined'> = [];
  /** When each entry key was received (Date.now()). */
  readonly at = new Map<string, number>();
  entry(from: NodeId, entry: Record<string, unknown>, own: boolean): void {
    const k = String(entry.k);
    this.got.push({ from, k, own });
    this.at.set(k, Date.now());
  }
  nodeLost(node: NodeId): void {
    this.lost.push(node);
  }
  resync(reason: 'gap' | 'rejoined'): void {
    this.resyncs.push(reason);
  }
  keys(): string[] {
    return this.got.map((g) => g.k);
  }
}

/** Resolves once `fn()` is true; fails the test with `what` after `timeoutMs`. */
export async function until(fn: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A started bus and its recorder. Fast timings unless overridden. */
export async function startBus(url: string, opts: Partial<RedisBusOptions> = {}): Promise<{ bus: RedisClusterBus; rec: Recorder }> {
  const bus = new RedisClusterBus({ url, heartbeatMs: 200, nodeTimeoutMs: 1000, readBlockMs: 200, startTimeoutMs: 5000, reconnectMaxMs: 200, ...opts });
  const rec = new Recorder();
  await bus.start(rec);
  return { bus, rec };
}

/** A publisher that records what it published and what it was told was lost. */
export class Publisher {
  readonly published: string[] = [];
  readonly lost = new Map<string, LostReason>();
  private n = 0;
  constructor(
    readonly bus: RedisClusterBus,
    readonly name: string,
  ) {}
  /** Publishes `{ k: name-n }`; returns the key. */
  publish(extra: Record<string, unknown> = {}): string {
    const k = `${this.name}-${++this.n}`;
    this.published.push(k);
    this.bus.publish({ k, ...extra }, (reason) => this.lost.set(k, reason));
    return k;
  }
  /** Keys published and not reported lost. */
  delivered(): string[] {
    return this.published.filter((k) => !this.lost.has(k));
  }
}

/**
 * The contract's check over several nodes: each received every key in `expected` exactly once,
 * nothing else; all in one order (the same on every node); each publisher's keys in its order;
 * `own` set exactly on the node's own entries.
 */
export function assertExactlyOnce(nodes: Array<{ bus: RedisClusterBus; rec: Recorder }>, publishers: Publisher[]): void {
  const expected = new Set(publishers.flatMap((p) => p.delivered()));
  const reference = nodes[0]?.rec.keys() ?? [];
  for (const { bus, rec } of nodes) {
    const keys = rec.keys();
    assert.equal(new Set(keys).size, keys.length, `${bus.nodeId} received a key twice`);
    const missing = [...expected].filter((k) => !rec.at.has(k));
    assert.deepEqual(missing, [], `${bus.nodeId} missed entries`);
    // an entry reported lost may still have reached Redis (its answer was lost): allowed, once
    const extra = keys.filter((k) => !expected.has(k) && !publishers.some((p) => p.lost.has(k)));
    assert.deepEqual(extra, [], `${bus.nodeId} received entries nobody published`);
    assert.deepEqual(keys, reference, `${bus.nodeId} received the entries in another order than ${nodes[0]?.bus.nodeId}`);
    for (const g of rec.got) assert.equal(g.own, g.from === bus.nodeId, `own flag of ${g.k} on ${bus.nodeId}`);
  }
  for (const p of publishers) {
    const order = reference.filter((k) => k.startsWith(`${p.name}-`)).map((k) => Number(k.slice(p.name.length + 1)));
    assert.deepEqual(order, [...order].sort((a, b) => a - b), `${p.name}'s entries out of publish order`);
  }
}
