/**
 * `parley server`'s cluster flags, validated where they enter: `--redis URL` (PARLEY_REDIS),
 * `--db URL` (PARLEY_DB) and `--node-id ID`. Both URLs or neither: with neither the server is
 * one node on SQLite, exactly as before; with both it joins a cluster. A flag wins over its
 * environment variable; an empty variable counts as unset.
 */
import { NODE_ID_RE, randomNodeId, redactUrl } from '../cluster/options.js';
import type { Args } from './args.js';
import { CliError, EXIT_USAGE } from './errors.js';

/** Stable codes of the cluster flags' errors. */
export type ClusterFlagCode = 'cluster_bad_url' | 'cluster_bad_option';

/** A bad cluster flag: a usage error (exit 2) with a stable `code`, also named at the end of its message. */
export class ClusterFlagError extends CliError {
  constructor(
    readonly code: ClusterFlagCode,
    message: string,
    hint: string,
  ) {
    super(`${message} (${code})`, { exitCode: EXIT_USAGE, hint });
    this.name = 'ClusterFlagError';
  }
}

/** The cluster to join, as the flags give it. */
export interface ClusterFlags {
  redisUrl: string;
  dbUrl: string;
  /** --node-id, or a random one: `[A-Za-z0-9_-]{1,64}` (the bus's NodeId). */
  nodeId: string;
  /** Whether --node-id was given (else it is random). */
  nodeIdGiven: boolean;
}

/** redactUrl, and what a node id may be (NODE_ID_RE, src/cluster/bus.ts NodeId): the bus's own, for the CLI. */
export { NODE_ID_RE, redactUrl };

/** Parses `value` as a URL of one of `schemes`, with a host and a port 1–65535 if one is written; throws ClusterFlagError cluster_bad_url. */
function checkUrl(value: string, flag: string, schemes: readonly string[], example: string): URL {
  const bad = (why: string) =>
    new ClusterFlagError('cluster_bad_url', `${flag} ${JSON.stringify(redactUrl(value))} is not usable: ${why}`, `give it as ${example}`);
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw bad('not a URL');
  }
  if (!schemes.includes(u.protocol)) throw bad(`the scheme must be ${schemes.map((s) => `${s}//`).join(' or ')}`);
  if (u.hash) throw bad('a URL fragment (#…) means nothing here');
  // an IPv6 host is written [::1]; WHATWG URL keeps the brackets in hostname
  if (!u.hostname && !(flag === '--db' && u.searchParams.get('host'))) throw bad('no host');
  if (u.port === '0') throw bad('port 0');
  return u;
}

/** Checks a redis:// or rediss:// URL: host, optional port, optional /N database number. Throws ClusterFlagError. */
export function checkRedisUrl(value: string, flag = '--redis'): string {
  const u = checkUrl(value, flag, ['redis:', 'rediss:'], 'redis://HOST:PORT (rediss:// for TLS)');
  if (u.pathname !== '' && u.pathname !== '/' && !/^\/[0-9]{1,5}$/.test(u.pathname)) {
    throw new ClusterFlagError('cluster_bad_url', `${flag} ${JSON.stringify(redactUrl(value))} is not usable: the path may only be a database number (/0)`, 'give it as redis://HOST:PORT or redis://HOST:PORT/0');
  }
  if (u.search) throw new ClusterFlagError('cluster_bad_url', `${flag} ${JSON.stringify(redactUrl(value))} is not usable: query parameters are not supported`, 'give it as redis://HOST:PORT');
  return value;
}

/** Checks a postgres:// or postgresql:// URL: a host (or ?host=/socket/dir) and a database name. Throws ClusterFlagError. */
export function checkDbUrl(value: string, flag = '--db'): string {
  const u = checkUrl(value, flag, ['postgres:', 'postgresql:'], 'postgres://USER@HOST:PORT/DB');
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (db === '' || db.includes('/')) {
    throw new ClusterFlagError('cluster_bad_url', `${flag} ${JSON.stringify(redactUrl(value))} is not usable: name the database (…/DB)`, 'give it as postgres://USER@HOST:PORT/DB');
  }
  return value;
}

/**
 * Reads --redis/--db (or PARLEY_REDIS/PARLEY_DB from `env`) and --node-id. Returns undefined for a
 * single node (neither URL), the cluster otherwise. Throws ClusterFlagError: `cluster_bad_option`
 * for only one of the two URLs or a bad --node-id (or --node-id without a cluster),
 * `cluster_bad_url` for a URL that does not parse or has the wrong scheme.
 */
export function clusterFlags(args: Args, env: NodeJS.ProcessEnv = process.env): ClusterFlags | undefined {
  const fromEnv = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const redis = args.string('redis') ?? fromEnv('PARLEY_REDIS');
  const db = args.string('db') ?? fromEnv('PARLEY_DB');
  const nodeId = args.string('node-id');
  if (redis === undefined && db === undefined) {
    if (nodeId !== undefined) throw new ClusterFlagError('cluster_bad_option', '--node-id only means something in a cluster', 'give --redis URL and --db URL too, or leave --node-id out');
    return undefined;
  }
  if (redis === undefined || db === undefined) {
    const [has, lacks] = redis === undefined ? ['--db (or PARLEY_DB)', '--redis URL (or PARLEY_REDIS)'] : ['--redis (or PARLEY_REDIS)', '--db URL (or PARLEY_DB)'];
    throw new ClusterFlagError(
      'cluster_bad_option',
      `${has} was given without ${lacks}: a cluster needs both, Redis for the messages between nodes and PostgreSQL for the names`,
      'give both to run a cluster node, or neither for one server on its own data folder',
    );
  }
  const redisUrl = checkRedisUrl(redis, args.string('redis') !== undefined ? '--redis' : 'PARLEY_REDIS');
  const dbUrl = checkDbUrl(db, args.string('db') !== undefined ? '--db' : 'PARLEY_DB');
  if (nodeId !== undefined && !NODE_ID_RE.test(nodeId)) {
    throw new ClusterFlagError('cluster_bad_option', `--node-id ${JSON.stringify(nodeId)} is not usable: 1–64 of A–Z a–z 0–9 _ -`, 'for example --node-id node-1, or leave it out for a random one');
  }
  return { redisUrl, dbUrl, nodeId: nodeId ?? randomNodeId(), nodeIdGiven: nodeId !== undefined };
}
