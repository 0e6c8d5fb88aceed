/**
 * `parley server`'s cluster flags and --key FILE through child processes of the built CLI: both
 * or neither of --redis/--db, --key never made and checked like server_key, two servers on one
 * --key present one fingerprint, and a clear refusal when PostgreSQL is unreachable (a real
 * PostgreSQL from test/helpers/services.ts for the reachable case). A whole cluster node cannot
 * start on this branch: the Redis bus is a placeholder that refuses (cluster_unavailable).
 */
import assert from 'node:assert/strict';
import { chmod, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { freePort, startPostgres, type TestService } from '../helpers/services.js';
import { assertCleanError, openssl, opensslFingerprint, runCli, startCliServer, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
const at = (...f: string[]): string => path.join(dir, ...f);
const R = 'redis://127.0.0.1:1';
const D = 'postgres://parley@127.0.0.1:1/parley';

/** Runs `parley server --port 0 ...args` (startCliServer): the fingerprint it prints once it listens, or its exit. */
const startServer = (args: string[], env: Record<string, string> = {}, timeoutMs = 60_000) => startCliServer(args, env, timeoutMs);

/** An openssl-made 2048-bit PKCS#8 key at `file` with `mode` (encrypted with `passphrase` when given), and its .pub. */
function makeKey(file: string, mode = 0o600, passphrase?: string): Promise<void> {
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file, ...(passphrase ? ['-aes-256-cbc', '-pass', `pass:${passphrase}`] : [])]);
  openssl(['pkey', '-in', file, ...(passphrase ? ['-passin', `pass:${passphrase}`] : []), '-pubout', '-out', `${file}.pub`]);
  return chmod(file, mode);
}

before(async () => {
  ({ dir, cleanup } = await tempDir('parley-server-cluster-'));
  await makeKey(at('shared_key'));
  await makeKey(at('enc_key'), 0o600, 'cluster secret');
  await writeFile(at('pass'), 'cluster secret\n');
  await writeFile(at('wrong'), 'not it\n');
});
after(() => cleanup());

describe('parley server: --redis and --db, both or neither', () => {
  const cases: [string, string[], Record<string, string>, number, RegExp][] = [
    ['--redis alone', ['--redis', R, '--key', 'k'], {}, 2, /--redis \(or PARLEY_REDIS\) was given without --db URL.*a cluster needs both.*\(cluster_bad_option\); give both/],
    ['--db alone', ['--db', D, '--key', 'k'], {}, 2, /--db \(or PARLEY_DB\) was given without --redis URL.*\(cluster_bad_option\)/],
    ['PARLEY_DB alone', ['--key', 'k'], { PARLEY_DB: D }, 2, /\(cluster_bad_option\)/],
    ['a bad --redis URL', ['--redis', 'localhost:6379', '--db', D], {}, 2, /--redis "localhost:6379" is not usable: the scheme must be redis:\/\/.*\(cluster_bad_url\); give it as redis:\/\/HOST:PORT/],
    ['a bad PARLEY_DB', [], { PARLEY_REDIS: R, PARLEY_DB: 'postgres://u:pw@h' }, 2, /PARLEY_DB "postgres:\/\/u:\*\*\*@h" is not usable: name the database/],
    ['a cluster without --key', ['--redis', R, '--db', D], {}, 2, /a cluster node needs --key FILE.*parley keygen --out FILE/],
    ['a cluster with --data', ['--redis', R, '--db', D, '--key', 'k', '--data', 'd'], {}, 2, /--data is not used by a cluster node/],
    ['--node-id without a cluster', ['--node-id', 'n1'], {}, 2, /--node-id only means something in a cluster/],
  ];
  for (const [what, args, env, code, pattern] of cases) {
    it(`${what}: exit ${code}, one line, nothing started`, async () => {
      const data = at(`none-${what.replace(/\W+/g, '-')}`);
      const { fingerprint, result } = await startServer(args.includes('--redis') || env.PARLEY_REDIS || env.PARLEY_DB ? args : [...args, '--data', data], env);
      assert.equal(fingerprint, undefined);
      assertCleanError(result, code, pattern);
    });
  }

  it('neither: a single node in its data folder, as before (server_key and names.sqlite made there)', async () => {
    const data = at('single');
    const { fingerprint, stdout, result } = await startServer(['--data', data]);
    assert.ok(fingerprint, result.stderr);
    assert.ok(!stdout.some((l) => l.startsWith('cluster node')), 'no cluster line');
    assert.deepEqual((await readdir(data)).filter((f) => !f.startsWith('server.')).sort(), ['names.sqlite', 'server_key', 'server_key.pub']);
  });
});

describe('parley server --key FILE', () => {
  it('two servers on one --key present one fingerprint: the key file\'s, and no key is made in their data folders', async () => {
    const [a, b] = await Promise.all([startServer(['--key', at('shared_key'), '--data', at('ka')]), startServer(['--key', at('shared_key'), '--data', at('kb')])]);
    assert.ok(a.fingerprint, a.result.stderr);
    assert.equal(a.fingerprint, opensslFingerprint(at('shared_key.pub')));
    assert.equal(b.fingerprint, a.fingerprint);
    for (const d of ['ka', 'kb']) assert.ok(!(await readdir(at(d))).includes('server_key'), `no server_key in ${d}`);
  });

  it('a missing FILE is never made: exit 1, saying to run parley keygen --out FILE', async () => {
    const missing = at('no such key');
    const { fingerprint, result } = await startServer(['--key', missing, '--data', at('km')]);
    assert.equal(fingerprint, undefined);
    assertCleanError(result, 1, /the server key .*no such key \(--key\) does not exist; parley server never makes a key there.*make it once with 'parley keygen --out '.*no such key''/);
    assert.ok(!(await readdir(dir)).includes('no such key'), 'nothing written');
    const withPass = await startServer(['--key', at('nope'), '--key-passphrase-file', at('pass'), '--data', at('km')]);
    assertCleanError(withPass.result, 1, new RegExp(`parley keygen --out ${at('nope')} --passphrase-file ${at('pass')}`));
  });

  it('the hint is a command that works: parley keygen --out FILE, then the server starts with it', async () => {
    const file = at('made_by_keygen');
    const k = await runCli(['keygen', '--out', file]);
    assert.equal(k.code, 0, k.stderr);
    const { fingerprint, result } = await startServer(['--key', file, '--data', at('kk')]);
    assert.equal(fingerprint, k.stdout.toString().trim().split(/\s+/).find((w) => w.startsWith('SHA256:')), result.stderr);
  });

  for (const mode of [0o644, 0o640, 0o604]) {
    it(`mode ${mode.toString(8).padStart(4, '0')}: refused as server_key is, saying to run chmod 600`, async () => {
      const file = at(`open-${mode.toString(8)}`);
      await makeKey(file, mode);
      const { fingerprint, result } = await startServer(['--key', file, '--data', at('ko')]);
      assert.equal(fingerprint, undefined);
      assertCleanError(result, 1, new RegExp(`server key ${file} has mode 0${mode.toString(8)}: group or others can read or change it.*run 'chmod 600 ${file}'.*parley keygen --out FILE`));
    });
  }

  it('an encrypted FILE: refused without a passphrase, opened with the right one, refused with a wrong one', async () => {
    const none = await startServer(['--key', at('enc_key'), '--data', at('ke')]);
    assertCleanError(none.result, 1, /is encrypted with a passphrase.*--key-passphrase-file/);
    const good = await startServer(['--key', at('enc_key'), '--key-passphrase-file', at('pass'), '--data', at('ke')]);
    assert.equal(good.fingerprint, opensslFingerprint(at('enc_key.pub')), good.result.stderr);
    const wrong = await startServer(['--key', at('enc_key'), '--key-passphrase-file', at('wrong'), '--data', at('ke')]);
    assert.equal(wrong.fingerprint, undefined);
    assert.equal(wrong.result.code, 1, wrong.result.stderr);
  });

  it('a passphrase for a FILE that is not encrypted is refused', async () => {
    const r = await startServer(['--key', at('shared_key'), '--key-passphrase-file', at('pass'), '--data', at('kp')]);
    assertCleanError(r.result, 1, /--key-passphrase-file was given, but the server key .*shared_key is not encrypted/);
  });

  it('--help documents --key, --redis, --db and --node-id', async () => {
    const r = await runCli(['server', '--help']);
    const text = r.stdout.toString();
    for (const f of ['--key FILE', '--redis URL', '--db URL', '--node-id ID', 'PARLEY_REDIS', 'PARLEY_DB', 'parley keygen --out FILE', 'docs/DEPLOY.md']) assert.ok(text.includes(f), f);
  });
});

describe('parley server --db: PostgreSQL', () => {
  let db: TestService | undefined;
  before(async () => {
    db = await startPostgres();
  });
  after(() => db?.close());

  it('unreachable (nothing listens on the port): exit 1, one line naming registry_unavailable and what to check', async () => {
    const port = await freePort();
    const url = `postgres://parley@127.0.0.1:${port}/parley`;
    const started = Date.now();
    const { fingerprint, result } = await startServer(['--redis', R, '--db', url, '--key', at('shared_key')]);
    assert.equal(fingerprint, undefined);
    assertCleanError(result, 1, new RegExp(`cannot reach PostgreSQL at postgres://parley@127\\.0\\.0\\.1:${port}/parley: .*ECONNREFUSED.*\\(registry_unavailable\\); check that PostgreSQL runs and listens`));
    assert.ok(Date.now() - started < 30_000, 'refused promptly');
  });

  it('a database that does not exist: exit 1 with PostgreSQL\'s own words and its SQLSTATE', async () => {
    const url = db!.url.replace(/\/parley$/, '/no_such_db');
    const { result } = await startServer(['--redis', R, '--db', url, '--key', at('shared_key')]);
    assertCleanError(result, 1, /PostgreSQL at .*no_such_db refused: database "no_such_db" does not exist \(SQLSTATE 3D000\)/);
  });

  it('reachable: the registry is made ready (schema migrated) before the bus is built; the placeholder bus then refuses (cluster_unavailable)', async () => {
    const { fingerprint, result } = await startServer(['--redis', R, '--db', db!.url, '--key', at('shared_key'), '--node-id', 'n1']);
    assert.equal(fingerprint, undefined, 'no cluster node can start until the Redis bus lands');
    // with the real bus, R (port 1) is unreachable: the same code, from bus.start
    assertCleanError(result, 1, /cannot join the cluster.*\(cluster_unavailable\)/);
    const pool = new pg.Pool({ connectionString: db!.url });
    try {
      const r = await pool.query<{ version: number }>("SELECT version FROM schema_version WHERE component = 'names'");
      assert.equal(r.rows[0]?.version, 1, 'the node migrated the schema: PostgreSQL was reached first');
    } finally {
      await pool.end();
    }
  });
});
