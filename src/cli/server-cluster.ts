/**
 * `parley server --redis … --db …`: opens what a cluster node shares with the others — the name
 * registry in PostgreSQL and the bus on Redis — with a clear CLI error for each way it can fail
 * before the server listens. The server itself starts the bus (`bus.start` inside listen) and
 * stops it on close; the CLI closes the registry after the server.
 *
 * The drivers are imported only here, when a cluster is asked for: loading `redis` takes ~0.4 s
 * and `pg` ~0.07 s on this machine, which every other `parley` command would pay otherwise.
 */
import { ClusterError, type ClusterBus } from '../cluster/bus.js';
import type { PostgresNameRegistry } from '../server/names-postgres.js';
import type { Logger } from '../server/log.js';
import { redactUrl, type ClusterFlags } from './cluster-flags.js';
import { failure } from './errors.js';

/** What a cluster node opened: the shared name registry and the bus (the caller closes both). */
export interface ClusterParts {
  names: PostgresNameRegistry;
  cluster: ClusterBus;
}

/** What to check when PostgreSQL cannot be reached, for the hint of every such error. */
const DB_HINT =
  'check that PostgreSQL runs and listens at that host and port (pg_isready -d URL), that the user may log in and the database exists, and the URL given with --db or PARLEY_DB';

/**
 * Opens the PostgreSQL registry and waits until it is ready (reachable, schema migrated), then
 * builds the Redis bus. Closes what it opened before throwing. Throws CliErrors (exit 1):
 * PostgreSQL unreachable (registry_unavailable), refusing the login or the database (its
 * SQLSTATE), holding a newer schema; the bus refusing its options (its ClusterError code).
 */
export async function openCluster(flags: ClusterFlags, log: Logger): Promise<ClusterParts> {
  const names = await openRegistry(flags.dbUrl);
  let cluster: ClusterBus;
  try {
    const { RedisClusterBus } = await import('../cluster/redis-bus.js');
    cluster = new RedisClusterBus({ url: flags.redisUrl, nodeId: flags.nodeId, log });
  } catch (e) {
    await names.close().catch(() => undefined);
    if (e instanceof ClusterError) {
      throw failure(`cannot join the cluster through Redis at ${redactUrl(flags.redisUrl)}: ${e.message} (${e.code})`, 'check --redis or PARLEY_REDIS', e);
    }
    throw e;
  }
  return { names, cluster };
}

/**
 * Opens the PostgreSQL registry at `dbUrl` (its driver loaded only now) and waits until it is
 * ready (reachable, schema migrated). Closes it and throws the CliError of registryStartError
 * when it cannot get ready.
 */
export async function openRegistry(dbUrl: string): Promise<PostgresNameRegistry> {
  const { PostgresNameRegistry } = await import('../server/names-postgres.js');
  const names = new PostgresNameRegistry({ connectionString: dbUrl });
  try {
    await names.ready();
  } catch (e) {
    await names.close().catch(() => undefined);
    throw registryStartError(e, redactUrl(dbUrl));
  }
  return names;
}

/**
 * The CLI error for a registry that could not get ready (or answer) — NameRegistryUnavailableError
 * and NameRegistrySchemaError told by their name and code, so that this file loads no driver.
 * Throws nothing; returns `e` itself when it is none of these.
 */
export function registryStartError(e: unknown, db: string): unknown {
  if (!(e instanceof Error)) return e;
  const code = (e as { code?: unknown }).code;
  if (e.name === 'NameRegistryUnavailableError' && code === 'registry_unavailable') {
    const why = e.cause instanceof Error ? e.cause.message || (e.cause as NodeJS.ErrnoException).code || e.cause.name : e.message;
    return failure(`cannot reach PostgreSQL at ${db}: ${why} (registry_unavailable)`, DB_HINT, e);
  }
  if (e.name === 'NameRegistrySchemaError') {
    return failure(`the database at ${db}: ${e.message}`, 'upgrade Parley on this node to the version the other nodes run', e);
  }
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    // PostgreSQL answered but refused: a bad password (28P01), an unknown role (28000) or database (3D000), no rights (42501)…
    return failure(`PostgreSQL at ${db} refused: ${e.message} (SQLSTATE ${code})`, DB_HINT, e);
  }
  return e;
}
