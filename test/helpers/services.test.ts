/**
 * The test services are real servers (issue 14, point 4): Redis answers the `redis` client, keeps
 * its data across a restart only with AOF, and node-redis resubscribes by itself after a restart;
 * PostgreSQL answers `pg`, enforces a UNIQUE constraint (23505), fails queries while stopped and
 * heals on start; a missing binary is a typed error that says what to install.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createClient } from 'redis';
import { ServiceError, startPostgres, startRedis, type TestService } from './services.js';

const HELPER = pathToFileURL(path.join(path.dirname(new URL(import.meta.url).pathname), 'services.js')).href;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** A node-redis client that retries every 100 ms; with `failFast`, commands fail at once while it is disconnected. */
const newClient = (url: string, failFast = false) => createClient({ url, disableOfflineQueue: failFast, socket: { reconnectStrategy: () => 100 } });
type Redis = ReturnType<typeof newClient>;

/** A connected client that never throws an unhandled 'error'. */
async function redisClient(url: string, failFast = false): Promise<Redis> {
  const c = newClient(url, failFast);
  c.on('error', () => {});
  await c.connect();
  return c;
}

describe('startRedis', () => {
  const services: TestService[] = [];
  const clients: Redis[] = [];
  after(async () => {
    for (const c of clients) c.destroy();
    for (const s of services) await s.close();
  });

  it('a publish reaches a subscriber through the real server', async () => {
    const redis = await startRedis();
    services.push(redis);
    assert.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    const [pub, sub] = [await redisClient(redis.url), await redisClient(redis.url)];
    clients.push(pub, sub);
    const got = new Promise<string>((resolve) => void sub.subscribe('room:1', (m) => resolve(m)));
    // SUBSCRIBE is acknowledged before publish: wait for the server to count the subscriber
    while ((await pub.pubSubNumSub('room:1'))['room:1'] !== 1) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await pub.publish('room:1', 'hello'), 1);
    assert.equal(await got, 'hello');
  });

  it('with AOF a restart keeps a key, the URL stays, and node-redis reconnects and resubscribes by itself', async () => {
    const redis = await startRedis({ aof: true });
    services.push(redis);
    const [pub, sub] = [await redisClient(redis.url), await redisClient(redis.url)];
    clients.push(pub, sub);
    await pub.set('name:alice', 'key-1');
    let received: string[] = [];
    await sub.subscribe('cluster', (m) => received.push(m));
    await redis.restart();
    assert.equal(redis.running, true);
    assert.equal(await pub.get('name:alice'), 'key-1', 'the same client, reconnected, reads the key back from the AOF');
    received = [];
    const deadline = Date.now() + 5000;
    while (!received.includes('after-restart') && Date.now() < deadline) {
      await pub.publish('cluster', 'after-restart');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(received.includes('after-restart'), 'the subscriber was resubscribed after the restart');
  });

  it('without AOF a restart starts empty (nothing is persisted)', async () => {
    const redis = await startRedis();
    services.push(redis);
    const c = await redisClient(redis.url);
    clients.push(c);
    await c.set('k', 'v');
    await redis.restart();
    assert.equal(await c.get('k'), null);
  });

  it('stop makes commands fail, start heals; close removes the folder', async () => {
    const redis = await startRedis();
    services.push(redis);
    const c = await redisClient(redis.url, true);
    clients.push(c);
    await redis.stop();
    assert.equal(redis.running, false);
    await assert.rejects(c.ping());
    await redis.start();
    const deadline = Date.now() + 5000;
    let pong: string | undefined;
    while (pong === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      pong = await c.ping().catch(() => undefined);
    }
    assert.equal(pong, 'PONG');
    await redis.close();
    assert.equal(existsSync(redis.dir), false);
  });

  it('a missing redis-server is a ServiceError with code service_binary_missing that says what to install', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'parley-nopath-'));
    const saved = process.env.PATH;
    process.env.PATH = empty;
    try {
      await assert.rejects(startRedis(), (e: unknown) => e instanceof ServiceError && e.code === 'service_binary_missing' && /apt-get install -y redis-server/.test(e.message));
    } finally {
      process.env.PATH = saved;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('startPostgres', () => {
  let db: TestService;
  let pool: pg.Pool;
  const poolErrors: Error[] = [];
  before(async () => {
    db = await startPostgres();
    pool = new pg.Pool({ connectionString: db.url, connectionTimeoutMillis: 2000 });
    // the server ends idle connections when it stops: the pool reports them here
    pool.on('error', (e) => poolErrors.push(e));
  });
  after(async () => {
    await pool?.end();
    await db?.close();
  });

  it('answers pg on the URL it gives, in its own database', async () => {
    assert.match(db.url, /^postgres:\/\/[^@]+@127\.0\.0\.1:\d+\/parley$/);
    const r = await pool.query<{ db: string; v: string }>('SELECT current_database() AS db, current_setting($1) AS v', ['server_version_num']);
    assert.equal(r.rows[0]?.db, 'parley');
    assert.ok(Number(r.rows[0]?.v) >= 150000, `PostgreSQL 15 or later, got ${r.rows[0]?.v}`);
  });

  it('a UNIQUE name: the second insert fails with 23505, ON CONFLICT DO NOTHING keeps the first key', async () => {
    await pool.query('CREATE TABLE names (name text PRIMARY KEY, key text NOT NULL)');
    await pool.query('INSERT INTO names VALUES ($1, $2)', ['alice', 'key-1']);
    await assert.rejects(pool.query('INSERT INTO names VALUES ($1, $2)', ['alice', 'key-2']), (e: unknown) => (e as { code?: string }).code === '23505');
    const r = await pool.query('INSERT INTO names VALUES ($1, $2) ON CONFLICT DO NOTHING', ['alice', 'key-3']);
    assert.equal(r.rowCount, 0);
    assert.deepEqual((await pool.query('SELECT key FROM names WHERE name = $1', ['alice'])).rows, [{ key: 'key-1' }]);
  });

  it('stopped, a query fails with a connection error; started again, the same pool heals and the data is there', async () => {
    await db.stop();
    assert.equal(db.running, false);
    await assert.rejects(pool.query('SELECT 1'), (e: unknown) => {
      const err = e as { code?: string; message: string };
      return err.code === 'ECONNREFUSED' || err.code === '57P01' || /terminat|ECONNREFUSED/i.test(err.message);
    });
    await db.start();
    assert.equal(db.running, true);
    assert.deepEqual((await pool.query('SELECT key FROM names WHERE name = $1', ['alice'])).rows, [{ key: 'key-1' }]);
  });

  it('a crash (SIGKILL of the server process): no longer running, queries fail, start recovers it', async () => {
    const pid = db.pid;
    assert.ok(pid, 'a running server has a pid');
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 5000;
    while (db.running && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(db.running, false, 'the stale postmaster.pid is not taken for a running server');
    await assert.rejects(pool.query('SELECT 1'));
    await db.start();
    assert.deepEqual((await pool.query('SELECT key FROM names WHERE name = $1', ['alice'])).rows, [{ key: 'key-1' }]);
  });

  it('kill (immediate shutdown) then start: committed rows survive crash recovery', async () => {
    await pool.query('INSERT INTO names VALUES ($1, $2)', ['bob', 'key-b']);
    await db.kill();
    assert.equal(db.running, false);
    await db.start();
    assert.deepEqual((await pool.query('SELECT key FROM names WHERE name = $1', ['bob'])).rows, [{ key: 'key-b' }]);
  });
});

describe('a test that forgets close()', () => {
  it('does not hang its process, and both servers are killed when it exits', async () => {
    const script = `const m = await import(${JSON.stringify(HELPER)}); const r = await m.startRedis(); const p = await m.startPostgres(); console.log(JSON.stringify({ redis: [r.pid, r.dir], pg: [p.pid, p.dir] }));`;
    // it exits by itself (a hang fails here on the timeout), leaving its servers to the exit handler
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    const { redis, pg: postgres } = JSON.parse(out) as { redis: [number, string]; pg: [number, string] };
    try {
      const deadline = Date.now() + 10_000;
      while ((alive(redis[0]) || alive(postgres[0])) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(alive(redis[0]), false, 'redis-server was killed');
      assert.equal(alive(postgres[0]), false, 'the postmaster was shut down');
    } finally {
      rmSync(redis[1], { recursive: true, force: true });
      rmSync(postgres[1], { recursive: true, force: true });
    }
  });
});
