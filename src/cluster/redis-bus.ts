/**
 * PLACEHOLDER on branch i14-cli: the real RedisClusterBus (a Redis Stream; see bus.ts) is being
 * written on another branch, and the lead takes that file at merge. Only the signature the CLI
 * builds against is here: its constructor refuses, so `parley server --redis … --db …` stops
 * with a clear `cluster_unavailable` error until the real bus lands.
 */
import { ClusterError, type ClusterBus, type ClusterBusStats, type ClusterHandler, type LostReason, type NodeId } from './bus.js';

/** Options of RedisClusterBus (the real file adds its tuning options). */
export interface RedisBusOptions {
  /** redis://[USER[:PASSWORD]@]HOST[:PORT][/DB] or rediss:// (as `--redis` / PARLEY_REDIS give it). */
  url: string;
  /** This node's id, `[A-Za-z0-9_-]{1,64}` (default: random). */
  nodeId?: string;
  /** Prefix of every Redis key the bus uses. */
  prefix?: string;
  log?: { info(m: string): void; warn(m: string): void };
}

/** The cluster bus on Redis — not built on this branch: the constructor throws ClusterError `cluster_unavailable`. */
export class RedisClusterBus implements ClusterBus {
  readonly nodeId: NodeId = '';
  readonly connected = false;
  constructor(opts: RedisBusOptions) {
    void opts;
    throw new ClusterError('cluster_unavailable', 'not built yet');
  }
  start(_handler: ClusterHandler): Promise<void> {
    return Promise.reject(new ClusterError('cluster_unavailable', 'not built yet'));
  }
  publish(_entry: Record<string, unknown>, _lost?: (reason: LostReason) => void): void {}
  liveNodes(): Promise<NodeId[]> {
    return Promise.resolve([]);
  }
  stats(): ClusterBusStats {
    return { published: 0, received: 0, duplicates: 0, lost: 0, outbox: 0, roundTrips: 0, reconnects: 0 };
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}
