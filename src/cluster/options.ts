/**
 * The options of the Redis cluster bus (src/cluster/redis-bus.ts): their defaults, their valid
 * ranges, and the Redis URL check. Every limit is a named option with a safe default; a value out
 * of range is refused when the bus is made, with a ClusterError that names the option and its range.
 */
import { randomBytes } from 'node:crypto';
import { ClusterError, type NodeId } from './bus.js';

/** What a node id may look like (see NodeId in bus.ts). */
export const NODE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** Options of RedisClusterBus. */
export interface RedisBusOptions {
  /** redis://[user:pass@]HOST:PORT[/db] (rediss:// for TLS). Checked: ClusterError `cluster_bad_url`. */
  url: string;
  /** This node's id, `[A-Za-z0-9_-]{1,64}`. Default: 'n-' + 10 random hex characters (crypto). */
  nodeId?: NodeId;
  /** Prefix of every Redis key the bus uses (several clusters on one Redis), `[A-Za-z0-9_:.-]{0,64}`. Default 'parley:'. */
  prefix?: string;
  /** How often the node renews its heartbeat and checks the others', ms (50–60,000). Default 1000. */
  heartbeatMs?: number;
  /** Heartbeat time to live: another node is lost this long after its last beat, ms (≥ 2 × heartbeatMs, ≤ 600,000). Default 5000. */
  nodeTimeoutMs?: number;
  /** The stream keeps about this many entries (XADD MAXLEN ~), 10–100,000,000. Default 100,000. */
  streamMaxLen?: number;
  /** Entries read at most per XREAD (COUNT), 1–100,000. Default 1000. */
  readCount?: number;
  /** How long one XREAD waits for new entries (BLOCK), ms (10–60,000). Default 1000. */
  readBlockMs?: number;
  /** Entries that may wait in the outbox while Redis cannot be reached, 1–10,000,000. Default 10,000. */
  outboxMaxEntries?: number;
  /** An entry that waited longer in the outbox is given up (`outbox_timeout`), ms (100–3,600,000). Default 30,000. */
  outboxTimeoutMs?: number;
  /** A larger entry (its JSON, in bytes) is given up at once (`too_large`), 64–64 MiB. Default 1 MiB. */
  maxEntryBytes?: number;
  /** start() rejects with `cluster_unavailable` when Redis cannot be reached within this, ms (100–600,000). Default 10,000. */
  startTimeoutMs?: number;
  /** Longest wait between two reconnection attempts (capped exponential backoff from 50 ms), ms (50–60,000). Default 1000. */
  reconnectMaxMs?: number;
  /** How long stop() waits for the outbox to reach Redis before giving the rest up (`stopped`), ms (0–60,000). Default 2000. */
  stopFlushMs?: number;
  /** Where the bus reports connection losses and recoveries. Default: nothing is logged. */
  log?: { info(m: string): void; warn(m: string): void };
}

/** The options with every default filled in, the URL checked. */
export interface ResolvedBusOptions extends Required<Omit<RedisBusOptions, 'log'>> {
  log: { info(m: string): void; warn(m: string): void };
  /** The URL without its password, for messages. */
  safeUrl: string;
}

/** [name, default, min, max] of every numeric option. */
const NUMERIC: ReadonlyArray<[keyof RedisBusOptions, number, number, number]> = [
  ['heartbeatMs', 1000, 50, 60_000],
  ['nodeTimeoutMs', 5000, 100, 600_000],
  ['streamMaxLen', 100_000, 10, 100_000_000],
  ['readCount', 1000, 1, 100_000],
  ['readBlockMs', 1000, 10, 60_000],
  ['outboxMaxEntries', 10_000, 1, 10_000_000],
  ['outboxTimeoutMs', 30_000, 100, 3_600_000],
  ['maxEntryBytes', 1024 * 1024, 64, 64 * 1024 * 1024],
  ['startTimeoutMs', 10_000, 100, 600_000],
  ['reconnectMaxMs', 1000, 50, 60_000],
  ['stopFlushMs', 2000, 0, 60_000],
];

const PREFIX_RE = /^[A-Za-z0-9_:.-]{0,64}$/;

/** `url` with its password replaced by `***` (never put a password in a message or a log). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // not a URL: still hide what stands where a password would (`//user:secret@`)
    return url.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@');
  }
}

/**
 * Checks a Redis URL: redis:// or rediss://, a host, a database number if given, nothing else
 * (no query, no fragment; the URL parser itself refuses a port out of 0–65535). Returns it redacted.
 * Throws ClusterError `cluster_bad_url` saying what is wrong and what a good URL looks like.
 */
export function checkRedisUrl(url: unknown): string {
  const form = 'expected redis://[USER:PASSWORD@]HOST:PORT[/DB], e.g. redis://127.0.0.1:6379/0';
  if (typeof url !== 'string' || url.length === 0 || url.length > 2048) throw new ClusterError('cluster_bad_url', `the Redis URL is missing or too long: ${form}`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ClusterError('cluster_bad_url', `the Redis URL ${JSON.stringify(redactUrl(url))} cannot be parsed: ${form}`);
  }
  const safe = redactUrl(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ClusterError('cluster_bad_url', `the Redis URL ${safe} has the scheme ${u.protocol}: ${form}`);
  if (!u.hostname) throw new ClusterError('cluster_bad_url', `the Redis URL ${safe} names no host: ${form}`);
  if (u.search || u.hash) throw new ClusterError('cluster_bad_url', `the Redis URL ${safe} has a query or fragment, which the bus does not use: ${form}`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,5}$/.test(db)) throw new ClusterError('cluster_bad_url', `the Redis URL ${safe} names the database ${JSON.stringify(db)}, which is not a number: ${form}`);
  return safe;
}

/** A random node id: 'n-' and 10 hex characters from the CSPRNG. */
export function randomNodeId(): NodeId {
  return `n-${randomBytes(5).toString('hex')}`;
}

const silent = { info() {}, warn() {} };

/**
 * Fills in the defaults and checks every option. Throws ClusterError `cluster_bad_url` for the URL
 * and `cluster_bad_option` (naming the option and its valid range) for anything else.
 */
export function resolveBusOptions(opts: RedisBusOptions): ResolvedBusOptions {
  if (typeof opts !== 'object' || opts === null) throw new ClusterError('cluster_bad_option', 'the bus options must be an object with at least { url }');
  const safeUrl = checkRedisUrl(opts.url);
  const out: Record<string, unknown> = { url: opts.url, safeUrl };
  for (const [name, def, min, max] of NUMERIC) {
    const v = opts[name] ?? def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new ClusterError('cluster_bad_option', `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    }
    out[name] = v;
  }
  const r = out as unknown as ResolvedBusOptions;
  if (r.nodeTimeoutMs < 2 * r.heartbeatMs) throw new ClusterError('cluster_bad_option', `nodeTimeoutMs must be at least twice heartbeatMs (${r.heartbeatMs}), got ${r.nodeTimeoutMs}: a node would be taken for lost between two beats`);
  const nodeId = opts.nodeId ?? randomNodeId();
  if (typeof nodeId !== 'string' || !NODE_ID_RE.test(nodeId)) throw new ClusterError('cluster_bad_option', `nodeId must be 1 to 64 characters of A-Z a-z 0-9 _ -, got ${JSON.stringify(nodeId)}`);
  const prefix = opts.prefix ?? 'parley:';
  if (typeof prefix !== 'string' || !PREFIX_RE.test(prefix)) throw new ClusterError('cluster_bad_option', `prefix must be 0 to 64 characters of A-Z a-z 0-9 _ : . -, got ${JSON.stringify(prefix)}`);
  const log = opts.log ?? silent;
  if (typeof log.info !== 'function' || typeof log.warn !== 'function') throw new ClusterError('cluster_bad_option', 'log must have info(message) and warn(message) functions');
  return { ...r, nodeId, prefix, log };
}
