/** The SQLite name registry: persistence across reopen, case-insensitivity, atomic claims between connections and threads. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ChatHub } from '../../src/chat/index.js';
import { NAMES_DB_FILE, SqliteNameRegistry } from '../../src/server/names-sqlite.js';
import { PROJECT_ROOT } from '../helpers/paths.js';
import { FakeSink, fp } from '../chat/helpers.js';

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-names-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
const freshFile = () => path.join(tmp, `names-${n++}.sqlite`);

describe('SqliteNameRegistry', () => {
  it('claims persist across closing and reopening the file', () => {
    const file = freshFile();
    const r1 = new SqliteNameRegistry(file);
    assert.deepEqual(r1.claim('Alice', fp('a'), 1000), { ok: true, created: true, record: { name: 'Alice', fingerprint: fp('a'), createdAt: 1000 } });
    assert.ok(r1.claim('bob', fp('b'), 2000).ok);
    r1.close();
    r1.close(); // idempotent

    const r2 = new SqliteNameRegistry(file);
    assert.equal(r2.size(), 2);
    assert.deepEqual(r2.lookup('alice'), { name: 'Alice', fingerprint: fp('a'), createdAt: 1000 });
    assert.deepEqual(r2.claim('alice', fp('a'), 5000), { ok: true, created: false, record: { name: 'Alice', fingerprint: fp('a'), createdAt: 1000 } });
    assert.deepEqual(r2.claim('ALICE', fp('m'), 5000), { ok: false, record: { name: 'Alice', fingerprint: fp('a'), createdAt: 1000 } });
    assert.equal(r2.claim('Bob', fp('m')).ok, false);
    assert.equal(r2.lookup('carol'), undefined);
    assert.equal(r2.lookup('not a name'), undefined);
    r2.close();
  });

  it('uses WAL, a private file, schema version 1 and the documented table', () => {
    const dir = path.join(tmp, 'data-dir', 'nested');
    const r = SqliteNameRegistry.inDataDir(dir);
    assert.equal(r.file, path.join(dir, NAMES_DB_FILE));
    r.claim('alice', fp('a'));
    r.close();
    assert.equal(statSync(r.file).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const db = new Database(r.file, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('user_version', { simple: true }), 1);
      const cols = db.prepare('PRAGMA table_info(names)').all() as { name: string; type: string; notnull: number; pk: number }[];
      assert.deepEqual(
        cols.map((c) => [c.name, c.type, c.pk]),
        [
          ['name', 'TEXT', 1],
          ['fingerprint', 'TEXT', 0],
          ['created_at', 'INTEGER', 0],
        ],
      );
    } finally {
      db.close();
    }
  });

  it('refuses invalid input, a newer schema, and a file that is not a database', () => {
    const r = new SqliteNameRegistry(':memory:');
    assert.throws(() => r.claim('a b', fp('a')), RangeError);
    assert.throws(() => r.claim("x'; DROP TABLE names; --", fp('a')), RangeError);
    assert.throws(() => r.claim('alice', ''), RangeError);
    assert.equal(r.size(), 0);
    r.close();

    const newer = freshFile();
    const db = new Database(newer);
    db.pragma('user_version = 2');
    db.close();
    assert.throws(() => new SqliteNameRegistry(newer), /newer version of Parley/);

    const junk = freshFile();
    writeFileSync(junk, 'this is not a database, just some text that is long enough to have a header');
    assert.throws(() => new SqliteNameRegistry(junk));
  });

  it('a claim is atomic between two connections to the same file', () => {
    const file = freshFile();
    const a = new SqliteNameRegistry(file);
    const b = new SqliteNameRegistry(file);
    const ra = a.claim('alice', fp('key-a'));
    const rb = b.claim('Alice', fp('key-b'));
    assert.ok(ra.ok && ra.created);
    assert.ok(!rb.ok);
    assert.equal(rb.record.fingerprint, fp('key-a'));
    assert.equal(b.lookup('ALICE')?.fingerprint, fp('key-a'));
    a.close();
    b.close();
  });

  it('claims racing from 4 threads: each name gets exactly one owner, and every thread agrees', async () => {
    const file = freshFile();
    new SqliteNameRegistry(file).close(); // create the schema first
    const THREADS = 4;
    const NAMES = 150;
    const barrier = new Int32Array(new SharedArrayBuffer(8));
    const moduleUrl = pathToFileURL(path.join(PROJECT_ROOT, 'dist/src/server/names-sqlite.js')).href;
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        const { SqliteNameRegistry } = await import(workerData.moduleUrl);
        const reg = new SqliteNameRegistry(workerData.file, { busyTimeoutMs: 20000 });
        const b = workerData.barrier;
        Atomics.add(b, 0, 1);
        Atomics.notify(b, 0);
        while (Atomics.load(b, 1) === 0) Atomics.wait(b, 1, 0, 50);
        const results = [];
        for (let i = 0; i < workerData.names; i++) {
          const j = workerData.reverse ? workerData.names - 1 - i : i;
          const r = reg.claim('user' + j, workerData.fingerprint);
          results.push({ name: 'user' + j, ok: r.ok, created: r.ok && r.created, owner: r.record.fingerprint });
        }
        reg.close();
        parentPort.postMessage(results);
      })().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
    `;
    const runs = Array.from({ length: THREADS }, (_, t) => {
      const w = new Worker(code, {
        eval: true,
        workerData: { moduleUrl, file, barrier, names: NAMES, fingerprint: fp(`thread-${t}`), reverse: t % 2 === 1 },
      });
      return new Promise<{ name: string; ok: boolean; created: boolean; owner: string }[]>((resolve, reject) => {
        w.once('message', (m) => (Array.isArray(m) ? resolve(m) : reject(new Error(m.error))));
        w.once('error', reject);
      });
    });
    // release them together once all are ready
    while (Atomics.load(barrier, 0) < THREADS) await new Promise((r) => setTimeout(r, 5));
    Atomics.store(barrier, 1, 1);
    Atomics.notify(barrier, 1);
    const results = await Promise.all(runs);

    const check = new SqliteNameRegistry(file);
    assert.equal(check.size(), NAMES);
    for (let j = 0; j < NAMES; j++) {
      const name = `user${j}`;
      const owner = check.lookup(name)!.fingerprint;
      const rows = results.map((rs) => rs.find((r) => r.name === name)!);
      assert.equal(rows.filter((r) => r.created).length, 1, `${name}: exactly one creator`);
      assert.equal(rows.filter((r) => r.ok).length, 1, `${name}: exactly one thread owns it`);
      for (const r of rows) assert.equal(r.owner, owner, `${name}: every thread saw the same owner`);
      const winner = rows.findIndex((r) => r.ok);
      assert.equal(owner, fp(`thread-${winner}`));
    }
    check.close();
  });

  it('plugs into the hub: ownership survives a hub (server) restart', () => {
    const file = freshFile();
    const names1 = new SqliteNameRegistry(file);
    const hub1 = new ChatHub({}, names1);
    assert.ok(hub1.connect({ name: 'Alice', fingerprint: fp('a') }, new FakeSink()).ok);
    hub1.shutdown('restart');
    names1.close();

    const names2 = new SqliteNameRegistry(file);
    const hub2 = new ChatHub({}, names2);
    const stolen = hub2.connect({ name: 'alice', fingerprint: fp('mallory') }, new FakeSink());
    assert.equal(!stolen.ok && stolen.code, 'name_taken');
    const sink = new FakeSink();
    const back = hub2.connect({ name: 'alice', fingerprint: fp('a') }, sink);
    assert.ok(back.ok);
    assert.equal(back.member.name, 'Alice');
    hub2.handle(back.member, { t: 'whois', name: 'ALICE' });
    assert.deepEqual(sink.of('whois')[0], { type: 'whois', name: 'Alice', fingerprint: fp('a'), online: true, rooms: ['lobby'] });
    names2.close();
  });
});
