/**
 * The persistent NameRegistry of `parley server`: a SQLite file (better-sqlite3) in the data
 * folder, so a name stays with the key that first used it across restarts.
 *
 *   CREATE TABLE names (name TEXT PRIMARY KEY COLLATE NOCASE, fingerprint TEXT NOT NULL, created_at INTEGER NOT NULL)
 *
 * - Names are case-insensitive (COLLATE NOCASE folds ASCII, and NAME_RE allows only ASCII):
 *   'Alice' and 'alice' are one name, so no look-alike can impersonate its owner. The spelling
 *   of the first claim is stored and returned.
 * - A claim is one IMMEDIATE transaction — INSERT … ON CONFLICT DO NOTHING, then SELECT the
 *   owner — with prepared statements, so it is atomic even between several processes (or
 *   connections) on the same file: exactly one key wins a name.
 * - WAL journal (readers do not block the writer), synchronous=FULL (an acknowledged claim
 *   survives a power cut), busy timeout 5 s. The file is created with mode 0600.
 * - PRAGMA user_version records the schema version (1); a file from a newer version is refused.
 */
import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { NAME_RE } from '../chat/events.js';
import { checkClaimArgs, type ClaimResult, type NameRecord, type NameRegistry } from '../chat/names.js';

/** The registry's file name inside the server's data folder. */
export const NAMES_DB_FILE = 'names.sqlite';
const SCHEMA_VERSION = 1;

interface Row {
  name: string;
  fingerprint: string;
  created_at: number;
}

export interface SqliteNameRegistryOptions {
  /** How long a claim waits for another writer's lock, ms. Default 5000. */
  busyTimeoutMs?: number;
}

function toRecord(r: Row): NameRecord {
  return { name: r.name, fingerprint: r.fingerprint, createdAt: Number(r.created_at) };
}

export class SqliteNameRegistry implements NameRegistry {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly selectStmt: Database.Statement<[string], Row>;
  private readonly countStmt: Database.Statement<[], { n: number }>;
  private readonly claimTx: Database.Transaction<(name: string, fingerprint: string, now: number) => { created: boolean; row: Row }>;
  private closed = false;

  /** Opens (creating when missing) the registry at `file`; ':memory:' for a throw-away one. Throws on a corrupt or newer file. */
  constructor(file: string, opts: SqliteNameRegistryOptions = {}) {
    this.file = file;
    if (file !== ':memory:') {
      try {
        closeSync(openSync(file, 'wx', 0o600)); // an empty file is an empty database; created private
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    const db = new Database(file, { timeout: opts.busyTimeoutMs ?? 5000 });
    try {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new Error(`${file} was written by a newer version of Parley (schema ${version}; this one knows ${SCHEMA_VERSION})`);
      }
      if (file !== ':memory:') {
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (String(mode).toLowerCase() !== 'wal') throw new Error(`${file}: cannot switch to WAL mode (got ${String(mode)})`);
      }
      db.pragma('synchronous = FULL');
      db.exec(`CREATE TABLE IF NOT EXISTS names (
        name TEXT PRIMARY KEY COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 32),
        fingerprint TEXT NOT NULL,
        created_at INTEGER NOT NULL
      )`);
      if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } catch (e) {
      db.close();
      throw e;
    }
    this.db = db;
    const insert = db.prepare<[string, string, number]>(
      'INSERT INTO names (name, fingerprint, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
    );
    this.selectStmt = db.prepare<[string], Row>('SELECT name, fingerprint, created_at FROM names WHERE name = ?');
    this.countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM names');
    this.claimTx = db.transaction((name: string, fingerprint: string, now: number) => {
      const created = insert.run(name, fingerprint, now).changes === 1;
      const row = this.selectStmt.get(name);
      if (!row) throw new Error('name registry: claimed name not found');
      return { created, row };
    });
  }

  /** Opens `<dir>/names.sqlite`, creating the folder (mode 0700) when missing. */
  static inDataDir(dir: string, opts: SqliteNameRegistryOptions = {}): SqliteNameRegistry {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new SqliteNameRegistry(path.join(dir, NAMES_DB_FILE), opts);
  }

  claim(name: string, fingerprint: string, now: number = Date.now()): ClaimResult {
    checkClaimArgs(name, fingerprint);
    const at = Number.isFinite(now) ? Math.floor(now) : Date.now();
    // IMMEDIATE: take the write lock before reading, so no other connection can slip in between.
    const { created, row } = this.claimTx.immediate(name, fingerprint, at);
    const record = toRecord(row);
    return record.fingerprint === fingerprint ? { ok: true, record, created } : { ok: false, record };
  }

  lookup(name: string): NameRecord | undefined {
    if (typeof name !== 'string' || !NAME_RE.test(name)) return undefined;
    const row = this.selectStmt.get(name);
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
