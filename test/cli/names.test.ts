/**
 * `parley names list|release` as child processes, on a stopped server's data folder and beside a
 * running `parley server`; and `parley server` refusing a data folder that a live server uses,
 * but not one whose server was killed (a stale pid file must not block).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteNameRegistry } from '../../src/server/names-sqlite.js';
import { CLI } from '../helpers/paths.js';
import { fp } from '../chat/helpers.js';
import { assertCleanError, opensslKeyPair, runCli, tempDir } from './helpers.js';

let root: string;
let cleanup: () => Promise<void>;
let n = 0;
before(async () => {
  ({ dir: root, cleanup } = await tempDir('parley-names-'));
});
after(async () => {
  for (const s of servers) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
  await cleanup();
});

/** A data folder whose registry holds `names` ([name, key, createdAt]); a server key made by OpenSSL when `withKey`. */
function dataDir(names: [string, string, number][], withKey = false): string {
  const dir = path.join(root, `data-${n++}`);
  const reg = SqliteNameRegistry.inDataDir(dir);
  for (const [name, key, at] of names) assert.ok(reg.claim(name, fp(key), at).ok);
  reg.close();
  if (withKey) {
    opensslKeyPair(path.join(dir, 'server_key'));
    chmodSync(path.join(dir, 'server_key'), 0o600);
  }
  return dir;
}

const servers: ChildProcessWithoutNullStreams[] = [];

/** Starts `parley server --port 0 --data DIR`; resolves once it listens. */
async function startServer(dir: string): Promise<ChildProcessWithoutNullStreams> {
  const p = spawn(process.execPath, [CLI, 'server', '--port', '0', '--data', dir, '--quiet'], { env: { ...process.env, PARLEY_DEBUG: '' } });
  servers.push(p);
  let out = '';
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start: ${out} ${err}`)), 60_000);
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/listening on ws:\/\//.test(out)) {
        clearTimeout(t);
        resolve();
      }
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`server exited ${code}: ${err}`));
    });
  });
  return p;
}

const exited = (p: ChildProcessWithoutNullStreams) =>
  p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => p.once('exit', () => r()));

const ALICE_AT = Date.UTC(2024, 0, 2, 3, 4);

describe('parley names', () => {
  it('--help for the group and each command', async () => {
    for (const args of [['names', '--help'], ['names', 'list', '--help'], ['names', 'release', '--help'], ['help', 'names']]) {
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.toString(), /^Usage: parley names/);
    }
    const r = await runCli(['names', 'release', '--help']);
    assert.match(r.stdout.toString(), /lost (its|their) key/);
    assert.match(r.stdout.toString(), /--data DIR/);
  });

  it('list: a table of the names, oldest spelling, owner and date, look-alikes marked; --json one object per line', async () => {
    const dir = dataDir([
      ['bob', 'b', ALICE_AT + 60_000],
      ['alice', 'a', ALICE_AT],
    ]);
    const r = await runCli(['names', 'list', '--data', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'no server runs: nothing to warn about');
    const lines = r.stdout.toString().trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME\s+FINGERPRINT\s+CLAIMED/);
    assert.match(lines[1]!, new RegExp(`^alice\\s+${escape(fp('a'))}\\s+2024-01-02 03:04`));
    assert.match(lines[2]!, new RegExp(`^bob\\s+${escape(fp('b'))}\\s+2024-01-02 03:05`));
    assert.match(lines.at(-1)!, /^2 names$/);

    const j = await runCli(['names', 'list', '--json', '--data', dir]);
    assert.equal(j.code, 0, j.stderr);
    const objs = j.stdout.toString().trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(objs, [
      { name: 'alice', fingerprint: fp('a'), createdAt: ALICE_AT },
      { name: 'bob', fingerprint: fp('b'), createdAt: ALICE_AT + 60_000 },
    ]);
  });

  it('list marks look-alikes kept from before the rule; the default folder is $PARLEY_DATA', async () => {
    const dir = path.join(root, `data-${n++}`);
    const reg = SqliteNameRegistry.inDataDir(dir);
    assert.ok(reg.claim('alice', fp('a'), 1).ok);
    reg.close();
    // a version-1 file could hold aIice beside alice: put it there as one would have
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dir, 'names.sqlite'));
    db.prepare("INSERT INTO names (name, fingerprint, created_at, skeleton) VALUES ('aIice', ?, 2, 'alice')").run(fp('m'));
    db.close();
    const r = await runCli(['names', 'list'], { env: { PARLEY_DATA: dir } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /^aIice\s.*looks like alice/m);
    assert.match(r.stdout.toString(), /^alice\s.*looks like aIice/m);
  });

  it('an empty registry, and a folder without one (nothing is created), say so', async () => {
    const empty = dataDir([]);
    const e = await runCli(['names', 'list', '--data', empty]);
    assert.equal(e.code, 0, e.stderr);
    assert.equal(e.stdout.toString(), 'no names registered\n');
    const ej = await runCli(['names', 'list', '--json', '--data', empty]);
    assert.equal(ej.stdout.toString(), '');

    const missing = path.join(root, 'no-such-folder');
    assertCleanError(await runCli(['names', 'list', '--data', missing]), 1, /no name registry .*no-such-folder.*--data/);
    assertCleanError(await runCli(['names', 'release', 'alice', '--data', missing]), 1, /no name registry/);
    assert.equal(existsSync(missing), false, 'nothing was created');
  });

  it('release frees a name (any case) for anyone; an unknown name is exit 1; a bad one exit 2', async () => {
    const dir = dataDir([
      ['Alice', 'a', ALICE_AT],
      ['bob', 'b', ALICE_AT],
    ]);
    const r = await runCli(['names', 'release', 'ALICE', '--data', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), new RegExp(`^released Alice \\(key ${escape(fp('a'))}, claimed 2024-01-02 03:04 UTC\\)`));
    assert.match(r.stdout.toString(), /anyone may claim it now/);
    const reg = new SqliteNameRegistry(path.join(dir, 'names.sqlite'));
    assert.equal(reg.lookup('alice'), undefined);
    assert.ok(reg.claim('alice', fp('new-key')).ok, 'another key may now claim it');
    reg.close();

    assertCleanError(await runCli(['names', 'release', 'carol', '--data', dir]), 1, /no name carol is registered in .*; 'parley names list/);
    assertCleanError(await runCli(['names', 'release', 'a b', '--data', dir]), 2, /names are 1–32 characters/);
    assertCleanError(await runCli(['names', 'release', '--data', dir]), 2, /missing NAME/);
    assertCleanError(await runCli(['names', 'release', 'x', 'y', '--data', dir]), 2, /unexpected argument 'y'/);
    assertCleanError(await runCli(['names', 'frobnicate']), 2, /unknown names command "frobnicate"/);
    assertCleanError(await runCli(['names']), 2, /missing names command/);
  });

  it('beside a running server: list works and warns on stderr, release refuses; a second server is refused', async () => {
    const dir = dataDir([['alice', 'a', ALICE_AT]], true);
    const server = await startServer(dir);

    const l = await runCli(['names', 'list', '--data', dir]);
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout.toString(), /^alice\s/m);
    assert.match(l.stderr, new RegExp(`^parley: note: a Parley server \\(pid ${server.pid}\\) is running on .*; the list may change`));

    assertCleanError(await runCli(['names', 'release', 'alice', '--data', dir]), 1, new RegExp(`server \\(pid ${server.pid}\\) is running on .*; stop the server first`));
    const second = await runCli(['server', '--port', '0', '--data', dir]);
    assertCleanError(second, 1, new RegExp(`another Parley server \\(pid ${server.pid}\\) is running on the data folder`));

    server.kill('SIGTERM');
    await exited(server);
    assert.equal(server.exitCode, 0);
    const r = await runCli(['names', 'release', 'alice', '--data', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(path.join(dir, 'server.pid')), false, 'a clean stop removes the pid file');
  });

  it('a server killed with SIGKILL does not block: its stale pid file (even naming a live process) is ignored', async () => {
    const dir = dataDir([['alice', 'a', ALICE_AT]], true);
    const server = await startServer(dir);
    server.kill('SIGKILL');
    await exited(server);
    assert.ok(existsSync(path.join(dir, 'server.pid')), 'the killed server left its pid file');
    writeFileSync(path.join(dir, 'server.pid'), `${process.pid}\n`); // PID reuse: a live process that is no server

    const l = await runCli(['names', 'list', '--data', dir]);
    assert.equal(l.code, 0, l.stderr);
    assert.equal(l.stderr, '');
    const r = await runCli(['names', 'release', 'alice', '--data', dir]);
    assert.equal(r.code, 0, r.stderr);
    const again = await startServer(dir);
    again.kill('SIGTERM');
    await exited(again);
    assert.equal(again.exitCode, 0);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
