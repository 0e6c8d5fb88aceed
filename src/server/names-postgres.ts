/**
 * The cluster's NameRegistry: names in PostgreSQL, shared by every node, with the semantics of
 * the SQLite registry (src/server/names-sqlite.ts) — the first key to use a name owns it, names
 * are case-insensitive, a new name whose skeleton matches another key's name is a look-alike,
 * limits on names per key and in all, release by the operator — plus the append-only key
 * history of each name. The schema is in names-postgres-schema.ts.
 *
 * Asynchronous (AsyncNameRegistry): every call is a round trip. How a claim stays atomic
 * between nodes without read-then-write:
 * - a name the key already owns, or another key's name: one indexed SELECT, no transaction;
 * - a new name: one transaction that takes, in a fixed order, an advisory lock on its skeleton
 *   and one on the key (only with maxNamesPerKey), reads the name again, the look-alike and the
 *   key's names under them, and INSERTs. The INSERT's trigger updates names_total and holds its
 *   row lock until COMMIT: with maxNames the claim reads the count there (exact, its own row
 *   included) and rolls back when over the cap. Only that short tail (INSERT, history, COMMIT)
 *   is serialised between all new-name claims of the cluster; claims of different skeletons
 *   check in parallel. Two claims of the
 *   same name (in any case — whose skeletons may differ: 'ALICE' and 'alice') are resolved by
 *   the PRIMARY KEY on name_key: the loser gets 23505 (unique_violation), rolls back, and
 *   answers from the winner's row. Look-alikes and limits are serialised by the locks.
 * - every query is parameterised; no value is ever spliced into SQL text.
 *
 * When the database cannot be reached every call rejects with NameRegistryUnavailableError
 * (code `registry_unavailable`); the pool drops broken connections and the next call opens a
 * new one, so the registry heals by itself when PostgreSQL is back (the schema is checked
 * again on the first call that reaches it).
 */
import pg from 'pg';
import { NAME_RE } from '../chat/events.js';
import { checkClaimArgs, checkNewName, nameKey, type AsyncNameRegistry, type ClaimPolicy, type ClaimResult, type KeyHistoryEntry, type NameRecord } from '../chat/names.js';
import { nameSkeleton } from '../chat/skeleton.js';
import { asUnavailable, LOCK, migrateNames } from './names-postgres-schema.js';

export { NameRegistrySchemaError, NameRegistryUnavailableError, PG_NAMES_SCHEMA_VERSION } from './names-postgres-schema.js';

/** One event of a name's key history. */
export type { AsyncNameRegistry, KeyHistoryEntry } from '../chat/names.js';

export interface PostgresNameRegistryOptions {
  /** postgres://USER@HOST:PORT/DB (as `--db` / PARLEY_DB give it). */
  connectionString: string;
  /** Connections this node keeps to PostgreSQL at most. Default 10. */
  poolSize?: number;
  /** How long opening a connection may take before the call fails with registry_unavailable, ms. Default 5000. */
  connectTimeoutMs?: number;
  /** How long one query may take before the call fails with registry_unavailable, ms. Default 5000. */
  queryTimeoutMs?: number;
}

interface Row {
  name: string;
  fingerprint: string;
  created_at: string;
}

const COLS = 'name, fingerprint, created_at';

function toRecord(r: Row): NameRecord {
  return { name: r.name, fingerprint: r.fingerprint, createdAt: Number(r.created_at) };
}

/** Whether `e` is PostgreSQL's unique_violation (SQLSTATE 23505). */
function isUniqueViolation(e: unknown): boolean {
  return e instanceof pg.DatabaseError && e.code === '23505';
}

/** 32-bit key of a text for pg_advisory_xact_lock(int, int): collisions only serialise more. */
const LOCK_SQL = 'SELECT pg_advisory_xact_lock($1, hashtext($2))';

export class PostgresNameRegistry implements AsyncNameRegistry {
  private readonly pool: pg.Pool;
  private schema: Promise<void> | undefined;
  private closed = false;

  /** Makes the pool; connects lazily (the first call migrates the schema). Never throws for an unreachable database. */
  constructor(opts: PostgresNameRegistryOptions) {
    this.pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
      query_timeout: opts.queryTimeoutMs ?? 5000,
      keepAlive: true,
    });
    // an idle pooled connection that dies (server restart) is reported here; without a listener it would crash the process
    this.pool.on('error', () => undefined);
  }

  /** Checks that the database is reachable and its schema current (migrating it). Rejects with NameRegistryUnavailableError or NameRegistrySchemaError. */
  async ready(): Promise<void> {
    if (!this.schema) {
      this.schema = this.run(async () => {
        const c = await this.pool.connect();
        let failed: Error | undefined;
        try {
          await migrateNames(c);
        } catch (e) {
          throw (failed = e as Error);
        } finally {
          c.release(failed);
        }
      });
      this.schema.catch(() => (this.schema = undefined)); // try again on the next call
    }
    return this.schema;
  }

  async claim(name: string, fingerprint: string, now: number = Date.now(), policy: ClaimPolicy = {}): Promise<ClaimResult> {
    checkClaimArgs(name, fingerprint);
    const at = Number.isFinite(now) ? Math.floor(now) : Date.now();
    await this.ready();
    return this.run(async () => {
      const known = await this.owner(name, fingerprint);
      if (known) return known;
      const c = await this.pool.connect();
      let failed: Error | undefined;
      try {
        return await this.claimNew(c, name, fingerprint, at, policy);
      } catch (e) {
        if (!isUniqueViolation(e)) throw (failed = e as Error);
      } finally {
        c.release(failed); // a connection that failed otherwise is closed, not reused
      }
      // another node inserted this name (any case) between our SELECT and INSERT: its row decides
      const won = await this.owner(name, fingerprint);
      if (!won) throw new Error(`${name} was claimed concurrently and released again; try again`);
      return won;
    });
  }

  async lookup(name: string): Promise<NameRecord | undefined> {
    if (typeof name !== 'string' || !NAME_RE.test(name)) return undefined;
    await this.ready();
    return this.run(async () => {
      const r = await this.pool.query<Row>(`SELECT ${COLS} FROM names WHERE name_key = $1`, [nameKey(name)]);
      return r.rows[0] && toRecord(r.rows[0]);
    });
  }

  async list(): Promise<NameRecord[]> {
    await this.ready();
    return this.run(async () => (await this.pool.query<Row>(`SELECT ${COLS} FROM names ORDER BY name_key`)).rows.map(toRecord));
  }

  async release(name: string, now: number = Date.now()): Promise<NameRecord | undefined> {
    if (typeof name !== 'string' || !NAME_RE.test(name)) return undefined;
    await this.ready();
    return this.run(async () => {
      const c = await this.pool.connect();
      let failed: Error | undefined;
      try {
        await c.query('BEGIN');
        const r = await c.query<Row>(`DELETE FROM names WHERE name_key = $1 RETURNING ${COLS}`, [nameKey(name)]);
        const row = r.rows[0];
        if (row) await this.logEvent(c, row.name, row.fingerprint, 'released', Number.isFinite(now) ? Math.floor(now) : Date.now());
        await c.query('COMMIT');
        return row && toRecord(row);
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw (failed = e as Error);
      } finally {
        c.release(failed);
      }
    });
  }

  async size(): Promise<number> {
    await this.ready();
    return this.run(async () => Number((await this.pool.query<{ n: string }>('SELECT n FROM names_total')).rows[0]?.n ?? 0));
  }

  async history(name: string): Promise<KeyHistoryEntry[]> {
    if (typeof name !== 'string' || !NAME_RE.test(name)) return [];
    await this.ready();
    return this.run(async () => {
      const r = await this.pool.query<{ name: string; fingerprint: string; event: 'claimed' | 'released'; at: string }>(
        'SELECT name, fingerprint, event, at FROM name_keys WHERE name_key = $1 ORDER BY id',
        [nameKey(name)],
      );
      return r.rows.map((x) => ({ name: x.name, fingerprint: x.fingerprint, event: x.event, at: Number(x.at) }));
    });
  }

  /** Ends the pool (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /** The outcome for a name that is registered already (owned or taken), or undefined when it is free. */
  private async owner(name: string, fingerprint: string): Promise<ClaimResult | undefined> {
    const r = await this.pool.query<Row>(`SELECT ${COLS} FROM names WHERE name_key = $1`, [nameKey(name)]);
    if (!r.rows[0]) return undefined;
    const record = toRecord(r.rows[0]);
    return record.fingerprint === fingerprint ? { ok: true, record, created: false } : { ok: false, reason: 'taken', record };
  }

  /** The new-name transaction (see the file comment); a 23505 from the INSERT propagates after the rollback. */
  private async claimNew(c: pg.PoolClient, name: string, fingerprint: string, at: number, policy: ClaimPolicy): Promise<ClaimResult> {
    const skeleton = nameSkeleton(name);
    await c.query('BEGIN');
    try {
      await c.query(LOCK_SQL, [LOCK.skeleton, skeleton]);
      if (policy.maxNamesPerKey !== undefined) await c.query(LOCK_SQL, [LOCK.key, fingerprint]);
      // the name itself again, under the locks: taken while we waited (same skeleton) is `taken`, as in SQLite, not a look-alike
      const same = await c.query<Row>(`SELECT ${COLS} FROM names WHERE name_key = $1`, [nameKey(name)]);
      if (same.rows[0]) {
        await c.query('ROLLBACK');
        const record = toRecord(same.rows[0]);
        return record.fingerprint === fingerprint ? { ok: true, record, created: false } : { ok: false, reason: 'taken', record };
      }
      const look = await c.query<Row>(`SELECT ${COLS} FROM names WHERE skeleton = $1 AND fingerprint <> $2 ORDER BY created_at LIMIT 1`, [skeleton, fingerprint]);
      // checkNewName calls held/size at most once each, only when the policy sets that limit
      let held: NameRecord[] = [];
      if (policy.maxNamesPerKey !== undefined) {
        const limit = Math.min(policy.maxNamesPerKey, 1e9);
        held = (await c.query<Row>(`SELECT ${COLS} FROM names WHERE fingerprint = $1 ORDER BY created_at, name_key LIMIT $2`, [fingerprint, limit])).rows.map(toRecord);
      }
      // the count is read without a lock here (it only decides between `full` and `new_names_paused`);
      // the cap itself is enforced after the INSERT, under the count's row lock
      const total = async () => Number((await c.query<{ n: string }>('SELECT n FROM names_total')).rows[0]?.n ?? 0);
      const before = policy.maxNames !== undefined && policy.allowNew === false ? await total() : 0;
      const refusal = checkNewName(fingerprint, policy, { lookalike: look.rows[0] && toRecord(look.rows[0]), held: () => held, size: () => before });
      if (refusal) {
        await c.query('ROLLBACK');
        return refusal;
      }
      // a 23505 here: another node has just inserted this name (in any case, under another skeleton lock)
      await c.query('INSERT INTO names (name_key, name, fingerprint, created_at, skeleton) VALUES ($1, $2, $3, $4, $5)', [nameKey(name), name, fingerprint, at, skeleton]);
      if (policy.maxNames !== undefined) {
        // the INSERT's trigger holds names_total's row lock until COMMIT: this count is exact, ours included
        const after = await total();
        if (after > policy.maxNames) {
          await c.query('ROLLBACK');
          return { ok: false, reason: 'full', size: after - 1 };
        }
      }
      await this.logEvent(c, name, fingerprint, 'claimed', at);
      await c.query('COMMIT');
      return { ok: true, record: { name, fingerprint, createdAt: at }, created: true };
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  private async logEvent(c: pg.PoolClient, name: string, fingerprint: string, event: KeyHistoryEntry['event'], at: number): Promise<void> {
    await c.query('INSERT INTO name_keys (name_key, name, fingerprint, event, at) VALUES ($1, $2, $3, $4, $5)', [nameKey(name), name, fingerprint, event, at]);
  }

  /** Runs `f`, turning a lost database into NameRegistryUnavailableError. */
  private async run<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw asUnavailable(e);
    }
  }
}
