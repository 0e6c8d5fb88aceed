/**
 * The `ws` transport's failure reports (src/client/socket-ws.ts) against real local servers:
 * nothing listening, an unknown host, wss:// to a plain HTTP server, ws:// to a TLS server (the
 * TLS probe), a self-signed certificate, an HTTP 429 with Retry-After, a server that cuts the
 * connection without being a TLS server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { classifyError, retryAfterMs, wsSocketFactory } from '../../src/client/socket-ws.js';
import type { SocketFailure } from '../../src/client/socket.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-socket-ws-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const servers: net.Server[] = [];
after(() => servers.forEach((s) => s.close()));

/** Opens `url` with the ws factory; resolves with what it reported before onClose. */
function attempt(url: string, ca?: Buffer): Promise<{ message?: string; failure?: SocketFailure; opened: boolean }> {
  return new Promise((resolve) => {
    const out: { message?: string; failure?: SocketFailure; opened: boolean } = { opened: false };
    const sock = wsSocketFactory(ca ? { ca } : {})(
      url,
      {
        onOpen: () => {
          out.opened = true;
          sock.close(1000, 'test');
        },
        onMessage: () => {},
        onError: (message, failure) => {
          out.message = message;
          if (failure) out.failure = failure;
        },
        onClose: () => resolve(out),
      },
      { subprotocol: 'parley.v1', maxFrameBytes: 65536, connectTimeoutMs: 5000 },
    );
  });
}

async function listen<T extends net.Server>(server: T): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('wsSocketFactory failures', () => {
  let cert: Buffer;
  let key: Buffer;
  before(() => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    cert = readFileSync(path.join(dir, 'cert.pem'));
    key = readFileSync(path.join(dir, 'key.pem'));
  });

  it('nothing listening: refused (ECONNREFUSED)', async () => {
    const s = net.createServer();
    const port = await listen(s);
    await new Promise((r) => s.close(r));
    const r = await attempt(`ws://127.0.0.1:${port}`);
    assert.deepEqual(r.failure, { kind: 'refused', code: 'ECONNREFUSED' });
  });

  it('an unknown host: dns', async () => {
    const r = await attempt('ws://no-such-host.invalid:8765');
    assert.equal(r.failure?.kind, 'dns', JSON.stringify(r));
  });

  it('wss:// to a plain HTTP server: not_tls', async () => {
    const port = await listen(http.createServer((_q, res) => res.end('plain')));
    const r = await attempt(`wss://127.0.0.1:${port}`);
    assert.equal(r.failure?.kind, 'not_tls', JSON.stringify(r));
  });

  it('ws:// to a TLS server: tls_required (one TLS handshake tells)', async () => {
    const port = await listen(https.createServer({ cert, key }, (_q, res) => res.end('tls')));
    const r = await attempt(`ws://127.0.0.1:${port}`);
    assert.deepEqual(r.failure, { kind: 'tls_required' }, JSON.stringify(r));
  });

  it('a self-signed certificate: tls_untrusted; trusted with ca, the failure is no longer about TLS', async () => {
    const port = await listen(https.createServer({ cert, key }, (_q, res) => res.end('tls')));
    assert.deepEqual((await attempt(`wss://127.0.0.1:${port}`)).failure, { kind: 'tls_untrusted', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    const trusted = await attempt(`wss://127.0.0.1:${port}`, cert);
    assert.equal(trusted.failure?.kind, 'http_status', JSON.stringify(trusted));
  });

  it('an HTTP 429 with Retry-After: http_status with its status and the wait in ms', async () => {
    const port = await listen(http.createServer((_q, res) => res.writeHead(429, { 'Retry-After': '7' }).end('slow down')));
    const r = await attempt(`ws://127.0.0.1:${port}`);
    assert.deepEqual(r.failure, { kind: 'http_status', httpStatus: 429, retryAfterMs: 7000 });
    assert.match(r.message ?? '', /HTTP 429/);
  });

  it('a server that cuts the connection and does not speak TLS: reset', async () => {
    const port = await listen(net.createServer((s) => s.destroy()));
    const r = await attempt(`ws://127.0.0.1:${port}`);
    assert.equal(r.failure?.kind, 'reset', JSON.stringify(r));
  });
});

describe('classifyError and retryAfterMs', () => {
  it('maps Node error codes', () => {
    const e = (code: string | undefined, message = 'x') => Object.assign(new Error(message), code ? { code } : {});
    assert.deepEqual(classifyError(e('EAI_AGAIN'), 'ws://h:1'), { kind: 'dns', code: 'EAI_AGAIN' });
    assert.deepEqual(classifyError(e('ETIMEDOUT'), 'ws://h:1'), { kind: 'timeout', code: 'ETIMEDOUT' });
    assert.deepEqual(classifyError(e(undefined, 'Opening handshake has timed out'), 'ws://h:1'), { kind: 'timeout' });
    assert.deepEqual(classifyError(e('CERT_HAS_EXPIRED'), 'wss://h:1'), { kind: 'tls_untrusted', code: 'CERT_HAS_EXPIRED' });
    assert.deepEqual(classifyError(e('EPROTO', 'write EPROTO …:wrong version number:…'), 'wss://h:1'), { kind: 'not_tls', code: 'EPROTO' });
    assert.deepEqual(classifyError(e('EPROTO', 'write EPROTO …:wrong version number:…'), 'ws://h:1'), { kind: 'tls', code: 'EPROTO' });
    assert.deepEqual(classifyError(e(undefined, 'Server sent no subprotocol'), 'ws://h:1'), { kind: 'other' });
  });

  it('Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3); junk ignored', () => {
    assert.equal(retryAfterMs('30'), 30_000);
    assert.equal(retryAfterMs(['2', '9']), 2000);
    assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
    assert.equal(retryAfterMs(undefined), undefined);
    assert.equal(retryAfterMs('soon'), undefined);
    assert.equal(retryAfterMs('-5'), undefined);
  });
});
