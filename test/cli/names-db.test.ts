/**
 * `parley names list|release --db URL` (or PARLEY_DB): a cluster's registry in a real PostgreSQL
 * (test/helpers/services.ts), as child processes of the built CLI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PostgresNameRegistry } from '../../src/server/names-postgres.js';
import { fp } from '../chat/helpers.js';
import { freePort, startPostgres, type TestService } from '../helpers/services.js';
import { assertCleanError, runCli } from './helpers.js';

let db: TestService | undefined;
let registry: PostgresNameRegistry;
before(async () => {
  db = await startPostgres();
  registry = new PostgresNameRegistry({ connectionString: db.url });
  assert.ok((await registry.claim('alice', fp('a'), Date.UTC(2024, 0, 2, 3, 4))).ok);
  assert.ok((await registry.claim('bob', fp('b'), Date.UTC(2024, 0, 3))).ok);
});
after(async () => {
  await registry?.close();
  await db?.close();
});

const NO_DB = { PARLEY_DB: '' };

describe('parley names --db', () => {
  it('list: the table, and --json, from PostgreSQL', async () => {
    const r = await runCli(['names', 'list', '--db', db!.url], { env: NO_DB });
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.toString();
    assert.match(out, new RegExp(`^alice\\s+${fp('a').replace(/[+/]/g, '\\$&')}\\s+2024-01-02 03:04$`, 'm'));
    assert.match(out, /^bob\s/m);
    assert.match(out, /2 names\n$/);
    const j = await runCli(['names', 'list', '--json'], { env: { PARLEY_DB: db!.url } });
    assert.equal(j.code, 0, j.stderr);
    assert.deepEqual(j.stdout.toString().trim().split('\n').map((l) => JSON.parse(l)), [
      { name: 'alice', fingerprint: fp('a'), createdAt: Date.UTC(2024, 0, 2, 3, 4) },
      { name: 'bob', fingerprint: fp('b'), createdAt: Date.UTC(2024, 0, 3) },
    ]);
  });

  it('release: frees the name (the key history says so); an unknown name is exit 1', async () => {
    const r = await runCli(['names', 'release', 'BOB', '--db', db!.url], { env: NO_DB });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /^released bob \(key SHA256:.*\); anyone may claim it now/);
    assert.equal(await registry.lookup('bob'), undefined);
    assert.deepEqual((await registry.history('bob')).map((h) => h.event), ['claimed', 'released']);
    assertCleanError(await runCli(['names', 'release', 'bob', '--db', db!.url], { env: NO_DB }), 1, /no name bob is registered in postgres:/);
  });

  it('--data and --db together: a usage error; a bad URL: cluster_bad_url', async () => {
    assertCleanError(await runCli(['names', 'list', '--db', db!.url, '--data', '/tmp/x'], { env: NO_DB }), 2, /--data and --db exclude each other/);
    assertCleanError(await runCli(['names', 'list', '--db', 'mysql://x/y'], { env: NO_DB }), 2, /\(cluster_bad_url\)/);
  });

  it('PostgreSQL unreachable: exit 1, registry_unavailable and what to check', async () => {
    const url = `postgres://parley@127.0.0.1:${await freePort()}/parley`;
    assertCleanError(await runCli(['names', 'list', '--db', url], { env: NO_DB }), 1, /cannot reach PostgreSQL at .*\(registry_unavailable\); check that PostgreSQL runs/);
  });
});
