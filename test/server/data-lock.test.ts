/** The data folder's lock: one holder at a time, dropped by the OS when the holder dies, never fooled by a pid file. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DataDirBusyError, DataDirLock, SERVER_LOCK_FILE, SERVER_PID_FILE, serverOnDataDir } from '../../src/server/data-lock.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

let tmp: string;
let n = 0;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-lock-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const freshDir = () => {
  const d = path.join(tmp, `d${n++}`);
  mkdirSync(d);
  return d;
};

describe('DataDirLock', () => {
  it('one holder at a time; the pid file names it; release frees the folder and removes the pid file', () => {
    const dir = freshDir();
    assert.deepEqual(serverOnDataDir(dir), { running: false });
    assert.equal(existsSync(path.join(dir, SERVER_LOCK_FILE)), false, 'a check creates nothing');

    const lock = DataDirLock.acquire(dir, { writePid: true });
    assert.equal(statSync(path.join(dir, SERVER_LOCK_FILE)).mode & 0o777, 0o600);
    assert.equal(readFileSync(path.join(dir, SERVER_PID_FILE), 'utf8'), `${process.pid}\n`);
    assert.deepEqual(serverOnDataDir(dir, 50), { running: true, pid: process.pid });
    assert.throws(
      () => DataDirLock.acquire(dir, { waitMs: 50 }),
      (e: unknown) => e instanceof DataDirBusyError && e.pid === process.pid && e.dir === dir,
    );
    lock.release();
    lock.release(); // idempotent
    assert.equal(existsSync(path.join(dir, SERVER_PID_FILE)), false);
    assert.deepEqual(serverOnDataDir(dir), { running: false });
    DataDirLock.acquire(dir).release();
  });

  it('a pid file alone means nothing: a live process named in it does not count, nor does junk', () => {
    const dir = freshDir();
    DataDirLock.acquire(dir).release(); // the lock file exists, nobody holds it
    writeFileSync(path.join(dir, SERVER_PID_FILE), `${process.pid}\n`); // a live pid: PID reuse, or a stale file
    assert.deepEqual(serverOnDataDir(dir), { running: false });
    writeFileSync(path.join(dir, SERVER_PID_FILE), 'not a pid');
    const lock = DataDirLock.acquire(dir);
    assert.deepEqual(serverOnDataDir(dir, 50), { running: true, pid: undefined }, 'a holder without a readable pid is still a holder');
    lock.release();
  });

  it('a holder killed with SIGKILL frees the folder at once (the OS drops the lock)', async () => {
    const dir = freshDir();
    const moduleUrl = pathToFileURL(path.join(PROJECT_ROOT, 'dist/src/server/data-lock.js')).href;
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', `const { DataDirLock } = await import(${JSON.stringify(moduleUrl)}); DataDirLock.acquire(${JSON.stringify(dir)}, { writePid: true }); console.log('held'); setInterval(() => {}, 1000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((r) => child.stdout.once('data', r));
    assert.deepEqual(serverOnDataDir(dir, 50), { running: true, pid: child.pid });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok(existsSync(path.join(dir, SERVER_PID_FILE)), 'the stale pid file is still there');
    assert.deepEqual(serverOnDataDir(dir), { running: false });
    DataDirLock.acquire(dir, { waitMs: 0 }).release();
  });
});
