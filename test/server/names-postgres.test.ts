/**
 * The PostgreSQL name registry against a real PostgreSQL (15, started here in a temporary folder
 * on a free port, stopped afterwards): the NameRegistry contract's scenarios, the key history,
 * the schema and its idempotent migration, two registries ("nodes") racing for the same names,
 * and the database going away (registry_unavailable) and coming back (it heals).
 *
 * The PostgreSQL process code below is deliberately minimal and local to this file: the shared
 * test helper for real redis-server / PostgreSQL processes (issue 14) will replace it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { nameSkeleton, nameKey, type NameRecord } from '../../src/chat/index.js';
import {
  NameRegistrySchemaError,
  NameRegistryUnavailableError,
  PG_NAMES_SCHEMA_VERSION,
  PostgresNameRegistry,
  type PostgresNameRegistryOptions,
} from '../../src/server/names-postgres.js';
import { fp } from '../chat/helpers.js';
import { outcome, SCENARIOS } from '../chat/registry-contract.js';
import { startPostgres, type TestService } from '../helpers/services.js';

// ─── one real PostgreSQL for the file (test/helpers/services.ts) ───────────────────────────────

let server: TestService;
let admin: pg.Pool;
/** `server.url` with another database. */
const urlOf = (db: string) => server.url.replace(/\/[^/?]*(\?|$)/, `/${db}$1`);
before(async () => {
  server = await startPostgres();
  admin = new pg.Pool({ connectionString: urlOf('postgres'), max: 2 });
  admin.on('error', () => undefined); // its idle connections die when a test stops the server
});
after(async () => {
  await admin?.end();
  await server?.close();
});

let dbs = 0;
/** A fresh, empty database; its URL. */
async function freshDb(): Promise<string> {
  const db = `names_${dbs++}`; // a counter, never input: safe as an identifier
  await admin.query(`CREATE DATABASE ${db}`);
  return urlOf(db);
}

function open(url: string, more: Partial<PostgresNameRegistryOptions> = {}): PostgresNameRegistry {
  return new PostgresNameRegistry({ connectionString: url, ...more });
}

/** Rows as a registry from before the look-alike rule could hold them (grandfathered), written directly. */
async function seed(url: string, rows: NameRecord[]): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const r of rows) {
      await c.query('INSERT INTO names (name_key, name, fingerprint, created_at, skeleton) VALUES ($1, $2, $3, $4, $5)', [
        nameKey(r.name),
        r.name,
        r.fingerprint,
        r.createdAt,
        nameSkeleton(r.name),
      ]);
    }
  } finally {
    await c.end();
  }
}

const rec = (name: string, key: string, createdAt: number): NameRecord => ({ name, fingerprint: fp(key), createdAt });

// ─── the NameRegistry contract, awaited ───────────────────────────────────────────────────────

describe('PostgresNameRegistry: the NameRegistry contract (the scenarios of test/chat/registry-contract.ts)', () => {
  for (const s of SCENARIOS) {
    it(s.title, async () => {
      const url = await freshDb();
      const r = open(url);
      try {
        await r.ready();
        if (s.seed) await seed(url, s.seed);
        let t = 10_000;
        for (const [name, key, policy, expected] of s.steps) {
          assert.equal(outcome(await r.claim(name, fp(key), (t += 1000), policy)), expected, `claim ${name} by ${key} ${JSON.stringify(policy ?? {})}`);
        }
        if (s.after) assert.deepEqual((await r.list()).map((x) => x.name), s.after);
        assert.equal(await r.size(), (await r.list()).length);
      } finally {
        await r.close();
      }
    });
  }

  it('a claim returns the record (first spelling, owner, time of the first claim); lookup and list agree', async () => {
    const r = open(await freshDb());
    try {
      assert.deepEqual(await r.claim('Alice', fp('a'), 1000), { ok: true, created: true, record: { name: 'Alice', fingerprint: fp('a'), createdAt: 1000 } });
      assert.deepEqual(await r.claim('alice', fp('a'), 2000), { ok: true, created: false, record: { name: 'Alice', fingerprint: fp('a'), createdAt: 1000 } });
      assert.deepEqual(await r.claim('ALICE', fp('m'), 3000), { ok: false, reason: 'taken', record: { name: 'Alice', fingerprint: fp('a'), createdAt: 1000 } });
      assert.deepEqual(await r.lookup('aLiCe'), { name: 'Alice', fingerprint: fp('a'), createdAt: 1000 });
      assert.equal(await r.lookup('bob'), undefined);
      assert.equal(await r.lookup('not valid'), undefined);
      assert.deepEqual(await r.list(), [{ name: 'Alice', fingerprint: fp('a'), createdAt: 1000 }]);
    } finally {
      await r.close();
    }
  });

  it('release (any case) frees a name for anyone; the key history keeps every key the name has had, and when', async () => {
    const url = await freshDb();
    const r = open(url);
    try {
      await r.ready();
      assert.equal(outcome(await r.claim('alice', fp('A'), 1000)), 'created');
      assert.equal(await r.release('bob'), undefined);
      assert.equal(await r.release('not valid'), undefined);
      assert.equal(outcome(await r.claim('aIice', fp('M'), 1500)), 'lookalike:alice');
      assert.deepEqual(await r.release('ALICE', 2000), { name: 'alice', fingerprint: fp('A'), createdAt: 1000 });
      assert.equal(await r.lookup('alice'), undefined);
      assert.equal(await r.size(), 0);
      assert.equal(await r.release('alice', 2500), undefined, 'twice: already gone');
      assert.equal(outcome(await r.claim('aIice', fp('M'), 3000, { maxNamesPerKey: 1 })), 'created');
      assert.equal(outcome(await r.claim('alice', fp('A'), 3500)), 'lookalike:aIice', 'the old owner is now the look-alike');
      assert.equal(outcome(await r.claim('Alice', fp('M'), 4000)), 'created', 'a different key takes the released name');
      assert.deepEqual(await r.history('ALICE'), [
        { name: 'alice', fingerprint: fp('A'), event: 'claimed', at: 1000 },
        { name: 'alice', fingerprint: fp('A'), event: 'released', at: 2000 },
        { name: 'Alice', fingerprint: fp('M'), event: 'claimed', at: 4000 },
      ]);
      assert.deepEqual(await r.history('aiice'), [{ name: 'aIice', fingerprint: fp('M'), event: 'claimed', at: 3000 }]);
      assert.deepEqual(await r.history('nobody'), []);
      assert.deepEqual(await r.history('not valid'), []);
      // a refused or repeated claim, or the release of an unknown name, writes no history
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      assert.equal((await c.query('SELECT count(*)::int AS n FROM name_keys')).rows[0].n, 4);
      await c.end();
    } finally {
      await r.close();
    }
  });

  it('refuses invalid names and fingerprints with RangeError, changing nothing; a fingerprint with SQL in it is stored as text', async () => {
    const r = open(await freshDb());
    try {
      for (const [name, key] of [
        ['a b', fp('a')],
        ['x'.repeat(33), fp('a')],
        ["x'; DROP TABLE names; --", fp('a')],
        ['alice', ''],
        ['alice', 'with space'],
      ] as const) {
        await assert.rejects(r.claim(name, key), RangeError, `${name} ${key}`);
      }
      assert.equal(await r.size(), 0);
      const evil = "SHA256:x');DROP_TABLE_names;--";
      assert.equal(outcome(await r.claim('bob', evil)), 'created');
      assert.equal((await r.lookup('bob'))?.fingerprint, evil);
      assert.equal(await r.size(), 1);
    } finally {
      await r.close();
    }
  });
});

// ─── schema, nodes, faults ──────────────────────────────────────────────────────────────────────

/** Runs `sql` on the database at `url`; the rows. */
async function q<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

describe('PostgresNameRegistry: schema, several nodes, faults', () => {
  it('creates the documented schema once: nodes starting together migrate once, reopening keeps every name, a newer schema is refused', async () => {
    const url = await freshDb();
    const nodes = [open(url), open(url), open(url)];
    await Promise.all(nodes.map((n) => n.ready())); // three nodes at once on an empty database
    assert.equal(outcome(await nodes[0]!.claim('Alice', fp('a'), 1000)), 'created');
    await Promise.all(nodes.map((n) => n.close()));
    await nodes[0]!.close(); // idempotent

    assert.deepEqual(await q(url, 'SELECT component, version FROM schema_version'), [{ component: 'names', version: PG_NAMES_SCHEMA_VERSION }]);
    const cols = await q<{ table_name: string; column_name: string; data_type: string }>(
      url,
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_name IN ('names', 'name_keys') ORDER BY table_name, ordinal_position`,
    );
    assert.deepEqual(
      cols.map((c) => `${c.table_name}.${c.column_name} ${c.data_type}`),
      [
        'name_keys.id bigint',
        'name_keys.name_key text',
        'name_keys.name text',
        'name_keys.fingerprint text',
        'name_keys.event text',
        'name_keys.at bigint',
        'names.name_key text',
        'names.name text',
        'names.fingerprint text',
        'names.created_at bigint',
        'names.skeleton text',
      ],
    );
    const idx = await q<{ indexname: string }>(url, `SELECT indexname FROM pg_indexes WHERE tablename IN ('names', 'name_keys') ORDER BY indexname`);
    assert.deepEqual(idx.map((i) => i.indexname), ['name_keys_name', 'name_keys_pkey', 'names_fingerprint', 'names_pkey', 'names_skeleton']);

    const triggers = await q<{ tgname: string }>(url, `SELECT tgname FROM pg_trigger WHERE tgrelid = 'names'::regclass AND NOT tgisinternal ORDER BY tgname`);
    assert.deepEqual(triggers.map((x) => x.tgname), ['names_total_delete', 'names_total_insert', 'names_total_truncate']);

    const again = open(url);
    assert.deepEqual(await again.lookup('ALICE'), { name: 'Alice', fingerprint: fp('a'), createdAt: 1000 });
    assert.equal(outcome(await again.claim('alice', fp('m'))), 'taken:Alice');

    // the count stays exact when an operator edits the table by hand
    assert.equal(await again.size(), 1);
    await seed(url, [rec('bob', 'b', 2000), rec('carol', 'c', 3000)]);
    assert.equal(await again.size(), 3);
    await q(url, `DELETE FROM names WHERE name_key = 'bob'`);
    assert.equal(await again.size(), 2);
    await q(url, 'TRUNCATE names');
    assert.equal(await again.size(), 0);
    assert.equal(outcome(await again.claim('dave', fp('d'), 4000, { maxNames: 1 })), 'created');
    assert.equal(outcome(await again.claim('erin', fp('e'), 5000, { maxNames: 1 })), 'full:1');
    await again.close();

    await q(url, `UPDATE schema_version SET version = $1 WHERE component = 'names'`, [PG_NAMES_SCHEMA_VERSION + 1]);
    const old = open(url);
    await assert.rejects(old.lookup('alice'), (e: unknown) => e instanceof NameRegistrySchemaError && e.code === 'newer' && /newer version of Parley/.test(e.message));
    await old.close();
  });

  it('two nodes racing for the same names: each name gets exactly one owner, and both nodes agree', async () => {
    const url = await freshDb();
    const a = open(url);
    const b = open(url);
    try {
      await Promise.all([a.ready(), b.ready()]);
      const N = 120;
      const names = Array.from({ length: N }, (_, i) => `user${i}`);
      // node B asks in upper case and in the reverse order: the same names (same skeletons: no 'I' in them)
      const [ra, rb] = await Promise.all([
        Promise.all(names.map((n) => a.claim(n, fp('node-a-key')))),
        Promise.all([...names].reverse().map((n) => b.claim(n.toUpperCase(), fp('node-b-key')))),
      ]);
      rb.reverse();
      for (let i = 0; i < N; i++) {
        const x = ra[i]!;
        const y = rb[i]!;
        assert.equal(Number(x.ok && x.created) + Number(y.ok && y.created), 1, `${names[i]}: exactly one creator`);
        assert.equal(Number(x.ok) + Number(y.ok), 1, `${names[i]}: exactly one owner`);
        assert.equal(x.ok ? x.record.fingerprint : x.reason === 'taken' && x.record.fingerprint, y.ok ? y.record.fingerprint : y.reason === 'taken' && y.record.fingerprint);
      }
      assert.equal(await a.size(), N);
      // the case where the skeletons differ too ('ALICE' → 'allce', 'alice' → 'alice'): only the UNIQUE name decides
      for (let i = 0; i < 30; i++) {
        const [x, y] = await Promise.all([a.claim(`alice${i}`, fp('A')), b.claim(`ALICE${i}`, fp('B'))]);
        assert.equal(Number(x.ok) + Number(y.ok), 1, `alice${i}`);
        assert.ok((x.ok || x.reason === 'taken') && (y.ok || y.reason === 'taken'));
      }
      // look-alikes of one another (different names, one skeleton) from two nodes: one of each family
      for (let i = 0; i < 30; i++) {
        const [x, y] = await Promise.all([a.claim(`lol${i}`, fp('A')), b.claim(`l0l${i}`, fp('B'))]);
        assert.equal(Number(x.ok) + Number(y.ok), 1, `lol${i}`);
        const loser = x.ok ? y : x;
        assert.equal(!loser.ok && loser.reason, 'lookalike');
      }
      const hist = await q<{ n: number }>(url, `SELECT count(*)::int AS n FROM name_keys WHERE event = 'claimed'`);
      assert.equal(hist[0]!.n, N + 30 + 30, 'one history row per name created, none for the losers');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('limits hold under a race from two nodes: names in all, names per key', async () => {
    const url = await freshDb();
    const a = open(url);
    const b = open(url);
    try {
      await Promise.all([a.ready(), b.ready()]);
      const claims = (r: PostgresNameRegistry, tag: string, n: number, key: (i: number) => string, policy: object) =>
        Promise.all(Array.from({ length: n }, (_, i) => r.claim(`${tag}${i}`, fp(key(i)), Date.now(), policy)));
      const cap = (await Promise.all([claims(a, 'a', 60, (i) => `ka${i}`, { maxNames: 70 }), claims(b, 'b', 60, (i) => `kb${i}`, { maxNames: 70 })])).flat();
      assert.equal(cap.filter((r) => r.ok && r.created).length, 70);
      assert.ok(cap.every((r) => (r.ok && r.created) || (!r.ok && r.reason === 'full')));
      assert.equal(await a.size(), 70);
      const one = (await Promise.all([claims(a, 'x', 20, () => 'one-key', { maxNamesPerKey: 3 }), claims(b, 'y', 20, () => 'one-key', { maxNamesPerKey: 3 })])).flat();
      assert.equal(one.filter((r) => r.ok && r.created).length, 3);
      // one node releases names while the other claims them: every call settles (no deadlock), and the count stays exact
      const names = Array.from({ length: 30 }, (_, i) => `rel${i}`);
      for (const n of names) assert.equal(outcome(await a.claim(n, fp('old-owner'))), 'created');
      const [released, claimed] = await Promise.all([Promise.all(names.map((n) => a.release(n))), Promise.all(names.map((n) => b.claim(n, fp('new-owner'))))]);
      assert.ok(released.every((x) => x?.fingerprint === fp('old-owner')));
      assert.ok(claimed.every((x) => (x.ok && x.created) || (!x.ok && x.reason === 'taken')));
      const left = (await b.list()).filter((x) => x.name.startsWith('rel'));
      assert.equal(left.length, claimed.filter((x) => x.ok).length);
      assert.equal(await b.size(), (await b.list()).length);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('PostgreSQL stopped: every call fails with registry_unavailable, nothing crashes; restarted: the same registry heals by itself', async () => {
    const url = await freshDb();
    const r = open(url, { connectTimeoutMs: 1000, queryTimeoutMs: 2000 });
    let late: PostgresNameRegistry | undefined;
    try {
      assert.equal(outcome(await r.claim('alice', fp('a'))), 'created');
      await server.stop();
      const unavailable = (e: unknown) => e instanceof NameRegistryUnavailableError && e.code === 'registry_unavailable' && /cannot be reached/.test(e.message);
      await assert.rejects(r.claim('bob', fp('b')), unavailable);
      await assert.rejects(r.claim('alice', fp('a')), unavailable);
      await assert.rejects(r.lookup('alice'), unavailable);
      await assert.rejects(r.release('alice'), unavailable);
      await assert.rejects(r.history('alice'), unavailable);
      late = open(url, { connectTimeoutMs: 1000 }); // a node that starts while the database is down
      await assert.rejects(late.ready(), unavailable);
      await server.start();
      assert.equal(outcome(await r.claim('alice', fp('a'))), 'owned');
      assert.equal(outcome(await r.claim('bob', fp('b'))), 'created');
      assert.equal(outcome(await late.claim('BOB', fp('m'))), 'taken:bob');
    } finally {
      if (!server.running) await server.start(); // in case an assertion failed while it was stopped
      await r.close();
      await late?.close();
    }
  });
});

describe('PostgresNameRegistry: among 100,000 names', () => {
  it('the look-alike, per-key and exact-name queries use their indexes; a new-name claim under the hub\'s default limits stays cheap', async (t) => {
    const url = await freshDb();
    const r = open(url);
    try {
      await r.ready();
      // 100,000 names of 5,000 keys; skeletons as nameSkeleton gives them for these spellings (lower case, no 0/1/m/w/d/I: 'user' + digits 2–9 only)
      await q(
        url,
        `INSERT INTO names (name_key, name, fingerprint, created_at, skeleton)
         SELECT 'user' || translate(i::text, '01', 'xy'), 'user' || translate(i::text, '01', 'xy'), 'SHA256:k' || (i % 5000), i, 'user' || translate(i::text, '01', 'xy')
         FROM generate_series(1, 100000) AS i`,
      );
      await q(url, 'ANALYZE names');
      const plan = async (sql: string, params: unknown[]) => (await q<{ 'QUERY PLAN': string }>(url, `EXPLAIN ${sql}`, params)).map((p) => p['QUERY PLAN']).join(' ');
      assert.match(await plan('SELECT name FROM names WHERE skeleton = $1 AND fingerprint <> $2 ORDER BY created_at LIMIT 1', ['userx', 'k']), /names_skeleton/);
      assert.match(await plan('SELECT name FROM names WHERE fingerprint = $1 ORDER BY created_at, name_key LIMIT $2', ['SHA256:k7', 1]), /names_fingerprint/);
      assert.match(await plan('SELECT name FROM names WHERE name_key = $1', ['userx']), /names_pkey/);
      assert.match(await plan('SELECT id FROM name_keys WHERE name_key = $1 ORDER BY id', ['userx']), /name_keys_name/);

      const policy = { maxNamesPerKey: 1, maxNames: 100_000_000 }; // the hub's defaults: 1 per key; a total cap makes the count run
      const CLAIMS = 100;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < CLAIMS; i++) assert.equal(outcome(await r.claim(`fresh${i}`, fp(`fresh-key-${i}`), 1, policy)), 'created');
      const ms = Number(process.hrtime.bigint() - t0) / 1e6 / CLAIMS;
      const o0 = process.hrtime.bigint();
      for (let i = 0; i < CLAIMS; i++) assert.equal(outcome(await r.claim(`fresh${i}`, fp(`fresh-key-${i}`), 1, policy)), 'owned');
      const owned = Number(process.hrtime.bigint() - o0) / 1e6 / CLAIMS;
      t.diagnostic(`among 100,000 names: a new-name claim ${ms.toFixed(2)} ms (wall, one at a time, fsync off); a known name ${owned.toFixed(2)} ms`);
      assert.equal(await r.size(), 100_000 + CLAIMS);
    } finally {
      await r.close();
    }
  });
});
