/**
 * The PostgreSQL name registry's schema, its idempotent migration, and the registry's typed
 * errors. Every node runs `migrateNames` when it first reaches the database; the migration
 * holds a transaction-scoped advisory lock, so nodes starting together do not race on CREATE.
 *
 *   schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL, updated_at TIMESTAMPTZ)
 *       one row per versioned part of the database; this file owns component 'names'
 *   names (name_key TEXT PRIMARY KEY, name TEXT, fingerprint TEXT, created_at BIGINT, skeleton TEXT)
 *       name_key = the name in ASCII lower case (nameKey): the UNIQUE name, cluster-wide;
 *       name = the spelling of the first claim; skeleton = nameSkeleton(name)
 *       indexes: names_skeleton (skeleton), names_fingerprint (fingerprint, created_at)
 *   names_total (one_row BOOLEAN PRIMARY KEY, n BIGINT): the number of rows of names, kept by
 *       statement triggers on INSERT, DELETE and TRUNCATE (exact even when an operator edits names by
 *       hand); the cap check reads it in O(1) instead of count(*) (~7 ms at 100,000 names on
 *       this machine), under the row lock the INSERT's trigger holds until COMMIT
 *   name_keys (id BIGSERIAL PRIMARY KEY, name_key, name, fingerprint, event, at BIGINT)
 *       the append-only key history: one 'claimed' row when a key takes a name, one 'released'
 *       row when the operator frees it; never updated or deleted by Parley. It answers "which
 *       keys has this name had, and when" (what a peer-key change seen by end-to-end pinning is
 *       checked against). index: name_keys_name (name_key, id)
 */
import pg from 'pg';

/** The version of component 'names' this code writes. */
export const PG_NAMES_SCHEMA_VERSION = 1;

/** The database cannot be reached (down, refusing, too slow): new logins get `registry_unavailable`. */
export class NameRegistryUnavailableError extends Error {
  readonly code = 'registry_unavailable' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NameRegistryUnavailableError';
  }
}

/** The database holds a schema of a newer Parley (`newer`): upgrade this node. */
export class NameRegistrySchemaError extends Error {
  constructor(
    readonly code: 'newer',
    message: string,
  ) {
    super(message);
    this.name = 'NameRegistrySchemaError';
  }
}

/**
 * True when `e` means the database is unreachable or going away rather than a mistake in a
 * query: a socket error (an errno code: ECONNREFUSED, ECONNRESET, ETIMEDOUT, …), the driver's
 * connect or query timeout or "Connection terminated", and server errors of SQLSTATE classes
 * 08 (connection exception), 53 (insufficient resources), 57 (operator intervention: shutdown,
 * cannot_connect_now) and 58 (system error). Any other error (a bug, a constraint) is not.
 */
export function isUnavailable(e: unknown): boolean {
  if (e instanceof pg.DatabaseError) return ['08', '53', '57', '58'].includes(String(e.code ?? '').slice(0, 2));
  if (!(e instanceof Error)) return false;
  const code = (e as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return true;
  if (e instanceof AggregateError) return e.errors.some(isUnavailable); // a host with several addresses, all refused
  return /connection terminated|connection ended|timeout|not queryable|connection error/i.test(e.message);
}

/** `e` as a NameRegistryUnavailableError when it means unavailability (isUnavailable), else `e` unchanged. */
export function asUnavailable(e: unknown): unknown {
  if (e instanceof NameRegistryUnavailableError || e instanceof NameRegistrySchemaError) return e;
  if (!isUnavailable(e)) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new NameRegistryUnavailableError(
    `the name registry (PostgreSQL) cannot be reached: ${why}; signed-in users keep chatting, new sign-ins are refused until it is back`,
    { cause: e },
  );
}

/** Advisory lock classes (the first key of pg_advisory_xact_lock(int, int)); taken in this order only. */
export const LOCK = { migrate: 7001, skeleton: 7002, key: 7003 } as const;

/**
 * Brings the database to PG_NAMES_SCHEMA_VERSION in one transaction on `client`, under an
 * advisory lock; a no-op when it is there already. Throws NameRegistrySchemaError for a newer
 * schema, and the driver's error otherwise.
 */
export async function migrateNames(client: pg.PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK.migrate]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_version (
      component TEXT PRIMARY KEY,
      version INTEGER NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    const r = await client.query<{ version: number }>('SELECT version FROM schema_version WHERE component = $1', ['names']);
    const version = r.rows[0]?.version ?? 0;
    if (version > PG_NAMES_SCHEMA_VERSION) {
      throw new NameRegistrySchemaError(
        'newer',
        `the name registry in PostgreSQL was written by a newer version of Parley (schema ${version}; this one knows ${PG_NAMES_SCHEMA_VERSION}): upgrade this node`,
      );
    }
    if (version < 1) {
      await client.query(`CREATE TABLE names (
        name_key TEXT PRIMARY KEY CHECK (name_key = lower(name)),
        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 32),
        fingerprint TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        skeleton TEXT NOT NULL
      )`);
      await client.query('CREATE INDEX names_skeleton ON names (skeleton)');
      await client.query('CREATE INDEX names_fingerprint ON names (fingerprint, created_at)');
      await client.query(`CREATE TABLE name_keys (
        id BIGSERIAL PRIMARY KEY,
        name_key TEXT NOT NULL,
        name TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        event TEXT NOT NULL CHECK (event IN ('claimed', 'released')),
        at BIGINT NOT NULL
      )`);
      await client.query('CREATE INDEX name_keys_name ON name_keys (name_key, id)');
      await client.query(`CREATE TABLE names_total (
        one_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (one_row),
        n BIGINT NOT NULL CHECK (n >= 0)
      )`);
      await client.query('INSERT INTO names_total (n) SELECT count(*) FROM names');
      // statement-level, with transition tables: a bulk INSERT (an import) updates the count once, not once per row
      await client.query(`CREATE FUNCTION names_total_count() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN UPDATE names_total SET n = n + (SELECT count(*) FROM added);
          ELSIF TG_OP = 'DELETE' THEN UPDATE names_total SET n = n - (SELECT count(*) FROM removed);
          ELSE UPDATE names_total SET n = 0;
          END IF;
          RETURN NULL;
        END $$`);
      await client.query('CREATE TRIGGER names_total_insert AFTER INSERT ON names REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION names_total_count()');
      await client.query('CREATE TRIGGER names_total_delete AFTER DELETE ON names REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION names_total_count()');
      await client.query('CREATE TRIGGER names_total_truncate AFTER TRUNCATE ON names FOR EACH STATEMENT EXECUTE FUNCTION names_total_count()');
    }
    if (version < PG_NAMES_SCHEMA_VERSION) {
      await client.query(
        `INSERT INTO schema_version (component, version) VALUES ($1, $2)
         ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version, updated_at = now()`,
        ['names', PG_NAMES_SCHEMA_VERSION],
      );
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
