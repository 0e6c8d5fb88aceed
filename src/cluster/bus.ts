/**
 * The cluster bus: how the server nodes of one chat share what happens on each of them. The hub
 * (src/chat) decides *what* to share — its entries are plain JSON objects it validates itself
 * (src/chat/cluster-entries.ts); the bus only carries them, and knows nothing of members or rooms.
 *
 * The contract every implementation keeps (src/cluster/redis-bus.ts, on a Redis Stream):
 * - **One order.** Every node receives every entry, its own included (`own: true`), in one total
 *   order, the same on every node: the order of the stream. Entries of one node appear in the
 *   order it published them.
 * - **Exactly once.** A node never receives an entry twice — not after a reconnection, not when a
 *   publish was retried because its answer was lost — and misses none while it catches up from
 *   where it left off. When it cannot (the stream no longer holds entries it missed), it says so
 *   with `handler.resync('gap')` instead of going on silently.
 * - **Never lost silently.** `publish` never throws. While the bus cannot reach its store, entries
 *   wait in a bounded outbox (named limits) and go out in order when it is back; an entry given up
 *   (outbox full, or waited longer than its limit) is reported through the `lost` callback given
 *   with it, so that its sender can be told.
 * - **Liveness.** Each node announces itself with a heartbeat that expires on its own (a node
 *   killed with SIGKILL simply stops); every node reports another node's expiry once through
 *   `handler.nodeLost(node)`. A node whose own heartbeat expired while it was cut off (the others
 *   have dropped it) reports `handler.resync('rejoined')` when it is back, and starts beating again.
 */

/** A node's id: unique per process (a node that restarts is a new node). `[A-Za-z0-9_-]{1,64}`. */
export type NodeId = string;

/** What the bus tells its owner (the hub's cluster link). Calls never overlap; none may throw back into the bus. */
export interface ClusterHandler {
  /** One entry, in stream order. `own`: published by this node. */
  entry(from: NodeId, entry: Record<string, unknown>, own: boolean): void;
  /** Another node's heartbeat expired (or it stopped): everything it announced is gone. Reported once per node id — again only if the node was seen live again since (it rejoined). */
  nodeLost(node: NodeId): void;
  /**
   * This node's view of the others may be incomplete: `gap` — entries it missed were trimmed
   * from the stream; `rejoined` — its heartbeat expired while it was cut off, so the others have
   * dropped everything it announced. The owner rebuilds: it announces its own state again and
   * asks the others for theirs.
   */
  resync(reason: 'gap' | 'rejoined'): void;
}

/** Why an entry was given up. */
export type LostReason = 'outbox_full' | 'outbox_timeout' | 'too_large' | 'stopped';

/** Counters since start, for logs, tests and benchmarks. */
export interface ClusterBusStats {
  /** Entries this node published (accepted by the store). */
  published: number;
  /** Entries received from the stream, own ones included. */
  received: number;
  /** Entries dropped as duplicates (a retried publish). */
  duplicates: number;
  /** Entries given up (reported through `lost`). */
  lost: number;
  /** Entries waiting in the outbox now. */
  outbox: number;
  /** Round trips to the store (commands sent), for "round trips per message" figures. */
  roundTrips: number;
  /** Times the connection to the store was lost and re-established. */
  reconnects: number;
}

/** The bus, as the hub's cluster link and the server use it. */
export interface ClusterBus {
  readonly nodeId: NodeId;
  /**
   * Connects, starts the heartbeat and reads the stream from its current end. Rejects with a
   * ClusterError (`cluster_unavailable`) when the store cannot be reached within the start timeout.
   */
  start(handler: ClusterHandler): Promise<void>;
  /**
   * Queues `entry` (a JSON object) for every node, in order after this node's earlier entries.
   * Never throws. `lost(reason)` is called at most once, if the entry is given up.
   */
  publish(entry: Record<string, unknown>, lost?: (reason: LostReason) => void): void;
  /** Node ids whose heartbeat is live now, this one included (for /stats and tests). */
  liveNodes(): Promise<NodeId[]>;
  /** Whether the bus is connected to its store now. */
  readonly connected: boolean;
  stats(): ClusterBusStats;
  /**
   * Stops the heartbeat (the others see this node leave within the heartbeat timeout, or at their
   * next check: it deletes its heartbeat) and disconnects. Publishes nothing itself (the owner
   * publishes its leave entries before calling it); entries still in the outbox get a short,
   * bounded time to go out (RedisClusterBus: `stopFlushMs`), the rest is reported `stopped`.
   * No more handler calls once it is called. Idempotent; never rejects.
   */
  stop(): Promise<void>;
}

/** Stable codes of cluster errors. */
export type ClusterErrorCode = 'cluster_unavailable' | 'cluster_bad_url' | 'cluster_bad_option';

/** A typed cluster error with a stable `code`. */
export class ClusterError extends Error {
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ClusterError';
  }
}
