/**
 * TLS: `parley server --tls-cert --tls-key` serves https:// and wss:// with a certificate made by
 * openssl in the test; clients trust it with --ca (terminal) or the ca option; without it they refuse.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { wsSocketFactory } from '../../src/client/socket-ws.js';
import { bodyFor } from '../../src/client/input.js';
import type { ConnectionStatus } from '../../src/client/connection.js';
import { CLI } from '../helpers/paths.js';
import { CliClient, killCliClients } from './cli-client.js';
import { closeAll, sleep, startServer, tempDir, TestClient } from './harness.js';

// whatever a failed test left open is closed, so the process always exits
after(closeAll);
const sockets: net.Socket[] = [];
after(() => sockets.forEach((s) => s.destroy()));
after(killCliClients);

const tmp = tempDir('parley-tls-');
after(() => tmp.cleanup());
const CERT = path.join(tmp.dir, 'cert.pem');
const KEY = path.join(tmp.dir, 'key.pem');

/** A self-signed certificate for 127.0.0.1 and localhost, made by openssl. */
function makeCert(): void {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-keyout', KEY, '-out', CERT, '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore' });
}

function get(url: string, ca?: Buffer): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https
      .get(url, { ...(ca && { ca }) }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`GET ${url}: no answer within 15 s`)));
  });
}

describe('TLS', () => {
  before(makeCert);

  it('an in-process server with tls: wss chat with the CA trusted; refused without it', async () => {
    const ca = readFileSync(CERT);
    const ctx = await startServer({ tls: { cert: readFileSync(CERT), key: readFileSync(KEY) } });
    const url = `wss://127.0.0.1:${ctx.port}`;
    const a = await new TestClient(url, 'alice', undefined, undefined, false, wsSocketFactory({ ca })).connect();
    const b = await new TestClient(url, 'bob', undefined, undefined, false, wsSocketFactory({ ca })).connect();
    a.sendRoom('lobby', 'over TLS');
    const m = await b.nextText('over TLS');
    assert.equal(m.type === 'e2e_room' && m.from, 'alice');

    // a certificate the client refuses cannot heal by waiting: fatal tls_untrusted, with the advice to use --ca
    const untrusting = new TestClient(url, 'mallory', undefined, undefined, true);
    const statuses: ConnectionStatus[] = [];
    untrusting.conn.on('status', (s) => statuses.push(s));
    untrusting.conn.start();
    const end = Date.now() + 5000;
    while (untrusting.fatal.length === 0 && Date.now() < end) await sleep(20);
    assert.equal(untrusting.fatal[0]?.code, 'tls_untrusted', JSON.stringify([untrusting.fatal, statuses]));
    assert.match(untrusting.fatal[0]!.message, /self[- ]signed|certificate/i);
    assert.ok(!statuses.some((s) => s.state === 'reconnecting'), 'no retry loop');
    assert.ok(!untrusting.events.some((e) => e.type === 'ready'));

    // ws:// to the TLS port: fatal wrong_scheme, saying to use wss://
    const plain = new TestClient(`ws://127.0.0.1:${ctx.port}`, 'plain', undefined, undefined, true);
    plain.conn.start();
    const end2 = Date.now() + 8000;
    while (plain.fatal.length === 0 && Date.now() < end2) await sleep(20);
    assert.equal(plain.fatal[0]?.code, 'wrong_scheme', JSON.stringify(plain.fatal));
    assert.ok(!plain.events.some((e) => e.type === 'ready'), 'plain ws to a TLS port never gets in');
    untrusting.close();
    plain.close();
  });

  it('over TLS, chat connections stop counting as raw TCP once upgraded; past maxRawConnectionsPerSource a silent socket is closed', async () => {
    const ca = readFileSync(CERT);
    const ctx = await startServer({ tls: { cert: readFileSync(CERT), key: readFileSync(KEY) }, transport: { maxRawConnectionsPerSource: 2 } });
    const url = `wss://127.0.0.1:${ctx.port}`;
    for (let i = 0; i < 4; i++) await new TestClient(url, `u${i}`, undefined, undefined, false, wsSocketFactory({ ca })).connect();
    assert.deepEqual(ctx.server.sourceCounts('127.0.0.1'), { raw: 0, connections: 4, pendingHandshakes: 0 }, 'four chat connections over TLS, none counted as raw');
    // the order of events, not times: the third silent socket is closed while the first two are
    // still held (they wait for the handshake timeout, 10 s by default)
    const closed: number[] = [];
    let thirdClosed!: Promise<void>;
    for (let i = 0; i < 3; i++) {
      const s = net.connect(ctx.port, '127.0.0.1');
      s.on('error', () => {});
      const gone = new Promise<void>((resolve) => s.on('close', () => (closed.push(i), resolve())));
      if (i === 2) thirdClosed = gone;
      sockets.push(s);
      await new Promise((r) => (s.once('connect', r), s.once('close', r))); // one after the other, so the server sees them in order
    }
    await Promise.race([thirdClosed, sleep(8000).then(() => assert.fail(`the third silent socket was not closed (closed: ${closed})`))]);
    assert.deepEqual(closed, [2], 'the third is closed at once (no HTTP can be spoken before TLS); the first two are held');
    assert.equal(ctx.server.sourceCounts('127.0.0.1').raw, 2);
    assert.ok(ctx.log.lines.some((l) => /^refused TCP connection from 127\.0\.0\.1: raw_connections/.test(l)));
  });

  it('parley server --tls-cert/--tls-key: wss:// for parley chat --ca, the web page over https with its security headers', async () => {
    const data = tempDir();
    const home = tempDir();
    const server = spawn(process.execPath, [CLI, 'server', '--port', '0', '--data', data.dir, '--tls-cert', CERT, '--tls-key', KEY]);
    let proc: ChildProcessWithoutNullStreams | undefined = server;
    try {
      const lines: string[] = [];
      createInterface({ input: server.stdout }).on('line', (l) => lines.push(l));
      const end = Date.now() + 60000;
      while (!lines.some((l) => l.startsWith('server key fingerprint')) && Date.now() < end) await sleep(50);
      const listening = lines.find((l) => l.startsWith('parley server listening on '));
      assert.match(listening ?? '', /^parley server listening on wss:\/\/127\.0\.0\.1:\d+$/, lines.join('\n'));
      const port = Number(/:(\d+)$/.exec(listening!)![1]);
      assert.ok(lines.includes(`web client: https://127.0.0.1:${port}/`), lines.join('\n'));

      const page = await get(`https://127.0.0.1:${port}/`, readFileSync(CERT));
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
      assert.equal(page.headers['x-content-type-options'], 'nosniff');
      await assert.rejects(get(`https://127.0.0.1:${port}/`), /self[- ]signed|certificate/i, 'not trusted without the CA');

      const alice = new CliClient(`wss://127.0.0.1:${port}`, 'alice', home.dir, ['--ca', CERT]);
      const ready = await alice.next((e) => e.type === 'ready', 60000);
      assert.equal(ready.name, 'alice');
      alice.line('secure hello');
      const m = await alice.next((e) => e.type === 'message' && e.text === 'secure hello');
      assert.equal(m.verified, true);
      assert.equal(await alice.quit(), 0);
    } finally {
      proc?.kill('SIGTERM');
      proc = undefined;
      data.cleanup();
      home.cleanup();
    }
  });

  it('parley server refuses half a TLS configuration or an unusable certificate with a clear error', () => {
    const data = tempDir();
    try {
      const run = (args: string[]) => {
        try {
          execFileSync(process.execPath, [CLI, 'server', '--port', '0', '--data', data.dir, ...args], { stdio: 'pipe', timeout: 30_000 });
          return { code: 0, err: '' };
        } catch (e) {
          const x = e as { status: number; stderr: Buffer };
          return { code: x.status, err: x.stderr.toString() };
        }
      };
      const half = run(['--tls-cert', CERT]);
      assert.equal(half.code, 2);
      assert.match(half.err, /--tls-cert and --tls-key go together/);
      const bad = path.join(data.dir, 'bad.pem');
      writeFileSync(bad, 'not a certificate\n');
      const unusable = run(['--tls-cert', bad, '--tls-key', KEY]);
      assert.equal(unusable.code, 1);
      assert.match(unusable.err, /TLS certificate and key are not usable/);
      assert.doesNotMatch(unusable.err, /\n\s+at /, 'no stack trace');
      const missing = run(['--tls-cert', path.join(data.dir, 'nope.pem'), '--tls-key', KEY]);
      assert.equal(missing.code, 1);
      assert.match(missing.err, /cannot read --tls-cert/);
    } finally {
      data.cleanup();
    }
  });
});
