/**
 * `parley server`'s transport flags: --trust-proxy, --max-per-source and --handshake-rate reach
 * the server (a real `parley server` process: X-Forwarded-For from the named proxy is believed,
 * and one forwarded client is held to --max-per-source), and bad values are usage errors. A
 * server key outside the protocol's bounds (2048–4096 bits, e = 65537) stops the start.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CLI } from '../helpers/paths.js';
import { assertCleanError, openssl, runCli, tempDir } from '../cli/helpers.js';
import { keyPool } from '../reliability/lib/keys.js';
import { ConnectError, RawClient } from '../reliability/lib/raw-client.js';

describe('parley server transport flags', () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('bad values are usage errors (exit 2, one line)', async () => {
    assertCleanError(await runCli(['server', '--trust-proxy', 'localhost']), 2, /--trust-proxy: trusted proxy "localhost" is not an IP address/);
    assertCleanError(await runCli(['server', '--trust-proxy', '10.0.0.0/40']), 2, /--trust-proxy/);
    assertCleanError(await runCli(['server', '--max-per-source', '0']), 2, /--max-per-source must be at least 1/);
    assertCleanError(await runCli(['server', '--handshake-rate', 'fast']), 2, /--handshake-rate must be a whole number/);
  });

  it('a chat flag out of its range is a usage error naming the flag, before any key is made', async () => {
    const data = await tempDir('parley-server-range-');
    cleanups.push(data.cleanup);
    const dir = path.join(data.dir, 'data');
    assertCleanError(await runCli(['server', '--data', dir, '--rate', '0']), 2, /^parley: --rate: 0 is out of range/);
    assertCleanError(await runCli(['server', '--data', dir, '--max-names-per-key', '0']), 2, /--max-names-per-key: 0 is out of range \[1, 10000\]/);
    assertCleanError(await runCli(['server', '--data', dir, '--max-message-length', '0']), 2, /--max-message-length: /);
    assert.ok(!existsSync(dir), 'no data folder (and no key) was made');
  });

  it('a server key outside the protocol\'s bounds (e = 3) is refused at start, with what to do', { timeout: 30_000 }, async () => {
    const data = await tempDir('parley-server-e3-');
    cleanups.push(data.cleanup);
    const keyFile = path.join(data.dir, 'server_key');
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-pkeyopt', 'rsa_keygen_pubexp:3', '-out', keyFile]);
    chmodSync(keyFile, 0o600);
    chmodSync(data.dir, 0o700);
    assertCleanError(await runCli(['server', '--data', data.dir, '--port', '0']), 1, /server key .*server_key cannot be used: server RSA public exponent is 3; only e = 65537 is accepted; move it away/);
  });

  it('--help documents them', async () => {
    const r = await runCli(['server', '--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--trust-proxy ADDR', '--max-per-source N', '--handshake-rate N', '--max-names-per-key N']) assert.ok(r.stdout.toString().includes(flag), flag);
  });

  it('--trust-proxy and --max-per-source reach the server', { timeout: 120_000 }, async (t) => {
    const keys = await keyPool(3);
    const data = await tempDir('parley-server-flags-');
    cleanups.push(data.cleanup);
    const child = spawn(process.execPath, [CLI, 'server', '--port', '0', '--data', data.dir, '--trust-proxy', '127.0.0.1', '--max-per-source', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => new Promise<void>((r) => (child.exitCode !== null ? r() : (child.once('exit', () => r()), child.kill('SIGKILL')))));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line within 60 s; stderr: ${stderr}`)), 60_000);
      createInterface({ input: child.stdout }).on('line', (l) => {
        const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(l);
        if (m) (clearTimeout(timer), resolve(Number(m[1])));
      });
    });
    const url = `ws://127.0.0.1:${port}`;
    const via = (xff: string, i: number) =>
      RawClient.connect(url, keys[i]!, `f${i}`, { headers: { 'X-Forwarded-For': xff } }).then(
        (c) => (cleanups.push(() => c.terminate()), 'connected'),
        (e: unknown) => (e instanceof ConnectError ? `${e.kind} ${e.status ?? e.code}` : String(e)),
      );
    const a = await via('203.0.113.9', 0);
    const b = await via('198.51.100.7', 1);
    const c = await via('203.0.113.9', 2);
    await new Promise((r) => setTimeout(r, 200));
    t.diagnostic(`a ${a}, b ${b}, c ${c}; server log: ${stderr.split('\n').filter((l) => /connect|refused/.test(l)).join(' | ')}`);
    assert.equal(a, 'connected');
    assert.equal(b, 'connected', 'another forwarded address is another source');
    assert.equal(c, 'http 429', 'the same forwarded address is held to --max-per-source 1');
    assert.match(stderr, /connect f0 \(SHA256:\S+\) from 203\.0\.113\.9 via 127\.0\.0\.1:\d+/);
    assert.match(stderr, /refused connection from 203\.0\.113\.9 via 127\.0\.0\.1:\d+: connections from 203\.0\.113\.9/);
  });
});
