/**
 * The persistent NameRegistry of `parley server`: a SQLite file (better-sqlite3) in the data
 * folder, so a name stays with the key that first used it across restarts.
 *
 *   CREATE TABLE names (name TEXT PRIMARY KEY COLLATE NOCASE, fingerprint TEXT NOT NULL,
 *                       created_at INTEGER NOT NULL, skeleton TEXT NOT NULL DEFAULT '')
 *   CREATE INDEX names_skeleton ON names (skeleton)
 *   CREATE INDEX names_fingerprint ON names (fingerprint, created_at)
 *
 * - Names are case-insensitive (COLLATE NOCASE folds ASCII, and NAME_RE allows only ASCII):
 *   'Alice' and 'alice' are one name. `skeleton` is nameSkeleton(name) (src/chat/skeleton.ts):
 *   a new name whose skeleton equals that of another key's name is a look-alike and refused.
 *   The spelling of the first claim is stored and returned.
 * - A claim is one IMMEDIATE transaction — the exact owner, the look-alike, the key's count and
 *   the total count are read and the row inserted under one write lock, with prepared
 *   statements — so it is atomic even between several processes (or connections) on the same
 *   file: exactly one key wins a name, and no limit is overshot.
 * - WAL journal (readers do not block the writer), synchronous=FULL (an acknowledged claim
 *   survives a power cut), busy timeout 5 s. The file is created with mode 0600.
 * - PRAGMA user_version is the schema version (2); a file from a newer version is refused.
 *   Version 1 (no skeleton) is migrated on open, in one transaction: the column and indexes are
 *   added and every row's skeleton computed. Rows of version 1 that look alike are kept
 *   (grandfathered): each owner keeps its name; only new claims are compared.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { NAME_RE } from '../chat/events.js';
import { checkClaimArgs, checkNewName, type ClaimPolicy, type ClaimResult, type NameRecord, type NameRegistry } from '../chat/names.js';
import { nameSkeleton } from '../chat/skeleton.js';

/** The registry's file name inside the server's data folder. */
export const NAMES_DB_FILE = 'names.sqlite';
/** The schema this version writes (PRAGMA user_version). */
export const SCHEMA_VERSION = 2;

interface Row {
  name: string;
  fingerprint: string;
  created_at: number;
}

export interface SqliteNameRegistryOptions {
  /** How long a claim waits for another writer's lock, ms. Default 5000. */
  busyTimeoutMs?: number;
  /** Refuse to create a missing file (an operator command must not make an empty registry). Default false. */
  mustExist?: boolean;
}

/** The file is missing (with `mustExist`), newer than this version, or not a Parley name registry. */
export class NameRegistryFileError extends Error {
  constructor(
    readonly code: 'missing' | 'newer' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'NameRegistryFileError';
  }
}

function toRecord(r: Row): NameRecord {
  return { name: r.name, fingerprint: r.fingerprint, createdAt: Number(r.created_at) };
}

/** Brings `db` to SCHEMA_VERSION in one IMMEDIATE transaction; throws NameRegistryFileError for a newer file. */
function migrate(db: Database.Database, file: string): void {
  db.function('parley_skeleton', { deterministic: true }, (name: unknown) => (typeof name === 'string' ? nameSkeleton(name) : ''));
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new NameRegistryFileError('newer', `${file} was written by a newer version of Parley (schema ${version}; this one knows ${SCHEMA_VERSION})`);
    }
    if (version < 1) {
      db.exec(`CREATE TABLE IF NOT EXISTS names (
        name TEXT PRIMARY KEY COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 32),
        fingerprint TEXT NOT NULL,
        created_at INTEGER NOT NULL
      )`);
    }
    if (version < 2) {
      db.exec(`ALTER TABLE names ADD COLUMN skeleton TEXT NOT NULL DEFAULT ''`);
      db.exec('CREATE INDEX names_skeleton ON names (skeleton)');
      db.exec('CREATE INDEX names_fingerprint ON names (fingerprint, created_at)');
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
    // every row's skeleton: all of them after the migration; afterwards only rows written without one
    db.exec(`UPDATE names SET skeleton = parley_skeleton(name) WHERE skeleton = ''`);
  }).immediate();
}

export class SqliteNameRegistry implements NameRegistry {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly selectStmt: Database.Statement<[string], Row>;
  private readonly countStmt: Database.Statement<[], { n: number }>;
  private readonly listStmt: Database.Statement<[], Row>;
  private readonly claimTx: Database.Transaction<(name: string, fingerprint: string, now: number, policy: ClaimPolicy) => ClaimResult>;
  private readonly releaseTx: Database.Transaction<(name: string) => Row | undefined>;
  private closed = false;

  /**
   * Opens (creating when missing, unless `mustExist`) the registry at `file`, migrating an older
   * schema; ':memory:' for a throw-away one. Throws NameRegistryFileError for a missing, newer
   * or foreign file, and SQLite's error for a corrupt one.
   */
  constructor(file: string, opts: SqliteNameRegistryOptions = {}) {
    this.file = file;
    if (file !== ':memory:') {
      if (opts.mustExist && !existsSync(file)) throw new NameRegistryFileError('missing', `${file} does not exist`);
      try {
        closeSync(openSync(file, 'wx', 0o600)); // an empty file is an empty database; created private
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    const db = new Database(file, { timeout: opts.busyTimeoutMs ?? 5000 });
    try {
      if (file !== ':memory:') {
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (String(mode).toLowerCase() !== 'wal') throw new Error(`${file}: cannot switch to WAL mode (got ${String(mode)})`);
      }
      db.pragma('synchronous = FULL');
      migrate(db, file);
    } catch (e) {
      db.close();
      throw e;
    }
    this.db = db;
    const insert = db.prepare<[string, string, number, string]>('INSERT INTO names (name, fingerprint, created_at, skeleton) VALUES (?, ?, ?, ?)');
    const lookalikeStmt = db.prepare<[string, string], Row>(
      'SELECT name, fingerprint, created_at FROM names WHERE skeleton = ? AND fingerprint <> ? ORDER BY created_at LIMIT 1',
    );
    const heldStmt = db.prepare<[string, number], Row>(
      'SELECT name, fingerprint, created_at FROM names WHERE fingerprint = ? ORDER BY created_at, name LIMIT ?',
    );
    const deleteStmt = db.prepare<[string]>('DELETE FROM names WHERE name = ?');
    this.selectStmt = db.prepare<[string], Row>('SELECT name, fingerprint, created_at FROM names WHERE name = ?');
    this.countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM names');
    this.listStmt = db.prepare<[], Row>('SELECT name, fingerprint, created_at FROM names ORDER BY name');
    this.claimTx = db.transaction((name: string, fingerprint: string, now: number, policy: ClaimPolicy): ClaimResult => {
      const row = this.selectStmt.get(name);
      if (row) {
        const record = toRecord(row);
        return record.fingerprint === fingerprint ? { ok: true, record, created: false } : { ok: false, reason: 'taken', record };
      }
      const skeleton = nameSkeleton(name);
      const lookalike = lookalikeStmt.get(skeleton, fingerprint);
      const refusal = checkNewName(fingerprint, policy, {
        lookalike: lookalike && toRecord(lookalike),
        held: () => heldStmt.all(fingerprint, Math.min(policy.maxNamesPerKey ?? 1e9, 1e9)).map(toRecord),
        size: () => this.countStmt.get()?.n ?? 0,
      });
      if (refusal) return refusal;
      insert.run(name, fingerprint, now, skeleton);
      return { ok: true, record: { name, fingerprint, createdAt: now }, created: true };
    });
    this.releaseTx = db.transaction((name: string) => {
      const row = this.selectStmt.get(name);
      if (row) deleteStmt.run(name);
      return row;
    });
  }

  /** Opens `<dir>/names.sqlite`, creating the folder (mode 0700) when missing. */
  static inDataDir(dir: string, opts: SqliteNameRegistryOptions = {}): SqliteNameRegistry {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new SqliteNameRegistry(path.join(dir, NAMES_DB_FILE), opts);
  }

  /**
   * Every record of the registry at `file`, sorted by name, read without writing anything (no
   * migration: version 1 and 2 files both work, and a running server is not disturbed).
   * Throws NameRegistryFileError for a missing, newer or foreign file.
   */
  static readFile(file: string): NameRecord[] {
    if (!existsSync(file)) throw new NameRegistryFileError('missing', `${file} does not exist`);
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
    try {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new NameRegistryFileError('newer', `${file} was written by a newer version of Parley (schema ${version}; this one knows ${SCHEMA_VERSION})`);
      }
      const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'names'").get();
      if (!table) throw new NameRegistryFileError('invalid', `${file} is not a Parley name registry (no names table)`);
      return db.prepare<[], Row>('SELECT name, fingerprint, created_at FROM names ORDER BY name').all().map(toRecord);
    } finally {
      db.close();
    }
  }

  claim(name: string, fingerprint: string, now: number = Date.now(), policy: ClaimPolicy = {}): ClaimResult {
    checkClaimArgs(name, fingerprint);
    const at = Number.isFinite(now) ? Math.floor(now) : Date.now();
    // IMMEDIATE: take the write lock before reading, so no other connection can slip in between.
    return this.claimTx.immediate(name, fingerprint, at, policy);
  }

  lookup(name: string): NameRecord | undefined {
    if (typeof name !== 'string' || !NAME_RE.test(name)) return undefined;
    const row = this.selectStmt.get(name);
    return row ? toRecord(row) : undefined;
  }

  list(): NameRecord[] {
    return this.listStmt.all().map(toRecord);
  }

  release(name: string): NameRecord | undefined {
    if (typeof name !== 'string' || !NAME_RE.test(name)) return undefined;
    const row = this.releaseTx.immediate(name);
    return row ? toRecord(row) : undefined;
  }

  size(): number {
    return this.countStmt.get()?.n ?? 0;
  }

  /** Closes the database (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
