/**
 * `parley server` when it cannot listen: a busy port, an address this machine does not have, a
 * host name that does not resolve — one line saying what to do, exit 1, no stack trace (real
 * `parley server` processes) — and the message for each error code (listenError).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listenError } from '../../src/cli/listen-error.js';
import { CLI } from '../helpers/paths.js';
import { assertCleanError, runCli, tempDir } from './helpers.js';

describe('parley server cannot listen (child processes)', () => {
  let data: { dir: string; cleanup: () => Promise<void> };
  let busy: net.Server;
  let busyPort: number;
  before(async () => {
    data = await tempDir('parley-listen-');
    // the server key made beforehand, so that a start prints nothing but its error
    const made = await runCli(['keygen', '--out', path.join(data.dir, 'server_key')]);
    assert.equal(made.code, 0, made.stderr);
    busy = net.createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    busyPort = (busy.address() as net.AddressInfo).port;
  });
  after(async () => {
    busy.close();
    await data.cleanup();
  });

  const cases: [string, () => string[], RegExp][] = [
    ['a port in use (EADDRINUSE)', () => ['--port', String(busyPort)], /port \d+ on 127\.0\.0\.1 is already in use.*; stop it or choose another --port/],
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): no machine has it; binding fails locally, nothing is sent
    ['an address this machine does not have (EADDRNOTAVAIL)', () => ['--host', '192.0.2.1', '--port', '0'], /192\.0\.2\.1 is not an address of this machine; give --host an address of this machine/],
    // .invalid never resolves (RFC 2606)
    ['a host name that does not resolve', () => ['--host', 'no-such-host.invalid', '--port', '0'], /the host name no-such-host\.invalid does not resolve \((ENOTFOUND|EAI_[A-Z]+)\); give --host/],
  ];
  for (const [what, args, pattern] of cases) {
    it(`${what}: one line saying what to do, exit 1, no stack trace`, { timeout: 60_000 }, async () => {
      const r = await runCli(['server', '--data', data.dir, ...args()]);
      assertCleanError(r, 1, pattern);
      assert.equal(r.stdout.toString(), '', 'nothing on stdout: the server never listened');
    });
  }

  it('after a failed start the data folder is free: the next server on it starts', { timeout: 60_000 }, async () => {
    assertCleanError(await runCli(['server', '--data', data.dir, '--port', String(busyPort)]), 1, /already in use/);
    busy.close();
    await once(busy, 'close');
    // the port is free now: a server starts on it (and is stopped once it says so)
    const child = spawn(process.execPath, [CLI, 'server', '--data', data.dir, '--port', String(busyPort), '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listening line; stdout ${out}`)), 30_000);
      child.stdout.on('data', () => /listening on/.test(out) && (clearTimeout(t), resolve()));
      child.on('exit', (code) => reject(new Error(`exited ${code} before listening`)));
    });
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });
});

describe('listenError', () => {
  const err = (code: string) => Object.assign(new Error(`listen ${code}`), { code });
  const table: [string, number, string, RegExp][] = [
    ['EADDRINUSE', 8765, '127.0.0.1', /^port 8765 on 127\.0\.0\.1 is already in use/],
    ['EADDRNOTAVAIL', 8765, '::2', /^cannot listen on \[::2\]:8765: ::2 is not an address of this machine$/],
    ['EACCES', 80, '0.0.0.0', /^not allowed to listen on port 80: ports below 1024 need administrator rights$/],
    ['EACCES', 9000, '0.0.0.0', /^not allowed to listen on 0\.0\.0\.0:9000 \(permission denied\)$/],
    ['EAFNOSUPPORT', 8765, '::1', /does not support that address family/],
    ['ENOTFOUND', 8765, 'nohost', /the host name nohost does not resolve \(ENOTFOUND\)/],
    ['EAI_AGAIN', 8765, 'nohost', /the host name nohost does not resolve \(EAI_AGAIN\)/],
    ['EMFILE', 8765, '127.0.0.1', /^cannot listen on 127\.0\.0\.1:8765: listen EMFILE$/],
  ];
  for (const [code, port, host, message] of table) {
    it(`${code} on ${host}:${port}`, () => {
      const e = listenError(err(code), host, port);
      assert.equal(e.exitCode, 1);
      assert.match(e.message, message);
      assert.ok(e.hint && e.hint.length > 0, 'a hint saying what to do');
    });
  }
});
