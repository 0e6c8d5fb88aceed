/**
 * Why a connection attempt failed (src/client/connect-failure.ts) and what ChatConnection does
 * with it: the failures that waiting cannot heal (a refused certificate, the wrong scheme) stop
 * it for good with advice; every other one — and anything the server says — is retried, its
 * reason and advice in the `reconnecting` status; a Retry-After lengthens the wait, capped.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeFailure, hostPort } from '../../src/client/connect-failure.js';
import { ChatConnection, type ConnectionStatus, type FatalError } from '../../src/client/connection.js';
import type { SocketFactory, SocketFailure } from '../../src/client/socket.js';
import type { ChatEvent } from '../../src/chat/events.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { rsaKey } from '../protocol/helpers.js';
import { fakeSocketFactory, plainError } from './fake-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('describeFailure', () => {
  const U = 'ws://127.0.0.1:8765';
  const S = 'wss://chat.example.org';
  // [url, failure, fatal code or undefined (retried), brief, what the reason (or message+hint) must say]
  const cases: [string, SocketFailure | undefined, string | undefined, string, RegExp][] = [
    [U, { kind: 'refused', code: 'ECONNREFUSED' }, undefined, 'connection refused', /^127\.0\.0\.1:8765 refused the connection \(ECONNREFUSED\): is the server running\? is the port right\?$/],
    ['ws://exmaple.org:8765', { kind: 'dns', code: 'ENOTFOUND' }, undefined, 'unknown host', /^cannot find the host exmaple\.org \(ENOTFOUND\): check its spelling/],
    [U, { kind: 'unreachable', code: 'EHOSTUNREACH' }, undefined, 'host unreachable', /cannot reach 127\.0\.0\.1:8765 \(EHOSTUNREACH\): check your network/],
    [U, { kind: 'timeout' }, undefined, 'no answer', /did not answer in time/],
    [U, { kind: 'reset', code: 'ECONNRESET' }, undefined, 'connection cut', /closed the connection before the WebSocket opened \(socket hang up\): is it a Parley server/],
    [U, { kind: 'http_status', httpStatus: 429, retryAfterMs: 7000 }, undefined, 'refused for now (HTTP 429)', /HTTP 429: too many connections or handshakes from your address\); it asks to wait 7s$/],
    [U, { kind: 'http_status', httpStatus: 503 }, undefined, 'server busy (HTTP 503)', /is full or busy \(HTTP 503\)$/],
    [U, { kind: 'http_status', httpStatus: 404 }, undefined, 'HTTP 404', /answered HTTP 404 instead of opening a WebSocket/],
    [S, { kind: 'tls', code: 'EPROTO' }, undefined, 'TLS failed', /the TLS handshake with chat\.example\.org:443 failed: socket hang up/],
    [U, { kind: 'other' }, undefined, 'cannot connect', /^socket hang up$/],
    [U, undefined, undefined, 'cannot connect', /^socket hang up$/],
    [S, { kind: 'tls_untrusted', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'tls_untrusted', 'certificate refused', /^the TLS certificate of chat\.example\.org:443 is not trusted: socket hang up \(DEPTH_ZERO_SELF_SIGNED_CERT\); .*--ca FILE/],
    [S, { kind: 'tls_untrusted', code: 'CERT_HAS_EXPIRED' }, 'tls_untrusted', 'certificate refused', /has expired \(CERT_HAS_EXPIRED\); its operator must renew it/],
    [S, { kind: 'tls_untrusted', code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'tls_untrusted', 'certificate refused', /is not for the name chat\.example\.org/],
    ['wss://127.0.0.1:8765/x', { kind: 'not_tls', code: 'EPROTO' }, 'wrong_scheme', 'wrong scheme', /^127\.0\.0\.1:8765 does not speak TLS.*; connect with ws:\/\/127\.0\.0\.1:8765\/x /],
    [U, { kind: 'tls_required' }, 'wrong_scheme', 'wrong scheme', /^127\.0\.0\.1:8765 speaks TLS.*; connect with wss:\/\/127\.0\.0\.1:8765 \(and --ca FILE/],
  ];
  for (const [url, failure, fatal, brief, says] of cases) {
    it(`${url} ${failure?.kind ?? '(no detail)'}${failure?.code ? ` ${failure.code}` : ''}: ${fatal ?? 'retried'}`, () => {
      const d = describeFailure(url, 'socket hang up', failure);
      assert.equal(d.fatal?.code, fatal);
      assert.equal(d.brief, brief);
      assert.match(fatal ? `${d.fatal!.message}; ${d.fatal!.hint}` : d.reason, says);
      assert.equal(d.retryAfterMs, failure?.retryAfterMs);
    });
  }

  it('hostPort writes out the default port of the scheme', () => {
    assert.deepEqual(hostPort('wss://Chat.example.org/'), { host: 'chat.example.org', hostPort: 'chat.example.org:443' });
    assert.deepEqual(hostPort('ws://[::1]'), { host: '[::1]', hostPort: '[::1]:80' });
    assert.deepEqual(hostPort('not a url'), { host: 'not a url', hostPort: 'not a url' });
  });
});

/** A transport that fails every attempt with `failure` (as the `ws` socket reports it: error, then close). */
function failing(failure: SocketFailure, message = 'it failed'): { factory: SocketFactory; attempts: () => number } {
  let n = 0;
  const factory: SocketFactory = (_url, h) => {
    n++;
    queueMicrotask(() => {
      h.onError(message, failure);
      h.onClose(1006, '');
    });
    return { send() {}, close() {}, terminate() {}, isOpen: false };
  };
  return { factory, attempts: () => n };
}

function client(factory: SocketFactory, extra: { maxRetryAfterMs?: number; url?: string } = {}) {
  const conn = new ChatConnection({
    url: extra.url ?? 'ws://127.0.0.1:8765',
    identity: rsaKey('conn-client'),
    name: 'alice',
    crypto: nodeCrypto,
    socket: factory,
    verifyServer: () => ({ ok: true }),
    minReconnectMs: 5,
    maxReconnectMs: 20,
    ...(extra.maxRetryAfterMs !== undefined && { maxRetryAfterMs: extra.maxRetryAfterMs }),
  });
  const rec = { statuses: [] as ConnectionStatus[], events: [] as ChatEvent[], fatal: [] as FatalError[] };
  conn.on('status', (s) => rec.statuses.push(s));
  conn.on('event', (e) => rec.events.push(e));
  conn.on('fatal', (f) => rec.fatal.push(f));
  return { conn, ...rec };
}
const reconnecting = (statuses: ConnectionStatus[]) => statuses.flatMap((s) => (s.state === 'reconnecting' ? [s] : []));

describe('ChatConnection and transport failures', () => {
  for (const failure of [{ kind: 'tls_untrusted', code: 'SELF_SIGNED_CERT_IN_CHAIN' }, { kind: 'not_tls' }, { kind: 'tls_required' }] as SocketFailure[]) {
    it(`${failure.kind}: fatal at once, with a hint; no second attempt`, async () => {
      const { factory, attempts } = failing(failure);
      const c = client(factory, { url: failure.kind === 'tls_required' ? 'ws://127.0.0.1:8765' : 'wss://127.0.0.1:8765' });
      c.conn.start();
      await until(() => c.fatal.length === 1, 'the fatal error');
      await sleep(60);
      assert.equal(attempts(), 1);
      assert.equal(c.fatal[0]!.code, failure.kind === 'tls_untrusted' ? 'tls_untrusted' : 'wrong_scheme');
      assert.equal(c.fatal[0]!.fromServer, false);
      assert.ok(c.fatal[0]!.hint && c.fatal[0]!.hint.length > 10, JSON.stringify(c.fatal[0]));
      assert.deepEqual(reconnecting(c.statuses), []);
    });
  }

  for (const failure of [{ kind: 'refused', code: 'ECONNREFUSED' }, { kind: 'dns', code: 'ENOTFOUND' }, { kind: 'timeout' }, { kind: 'http_status', httpStatus: 503 }] as SocketFailure[]) {
    it(`${failure.kind}: retried, the reason, its advice and a brief in every reconnecting status`, async () => {
      const { factory, attempts } = failing(failure, 'connect ECONNREFUSED 127.0.0.1:8765');
      const c = client(factory);
      c.conn.start();
      await until(() => attempts() >= 3, 'three attempts');
      c.conn.close();
      assert.deepEqual(c.fatal, []);
      const d = describeFailure('ws://127.0.0.1:8765', 'connect ECONNREFUSED 127.0.0.1:8765', failure);
      for (const s of reconnecting(c.statuses)) assert.deepEqual({ reason: s.reason, brief: s.brief }, { reason: d.reason, brief: d.brief });
    });
  }

  it("honours the server's Retry-After (429), capped by maxRetryAfterMs", async () => {
    const { factory } = failing({ kind: 'http_status', httpStatus: 429, retryAfterMs: 400 });
    const c = client(factory);
    c.conn.start();
    await until(() => reconnecting(c.statuses).length >= 1, 'a reconnecting status');
    c.conn.close();
    assert.equal(reconnecting(c.statuses)[0]!.inMs, 400, 'waits as long as the server asks, not the 5 ms backoff');

    const capped = failing({ kind: 'http_status', httpStatus: 429, retryAfterMs: 3_600_000 });
    const d = client(capped.factory, { maxRetryAfterMs: 250 });
    d.conn.start();
    await until(() => reconnecting(d.statuses).length >= 1, 'a reconnecting status');
    d.conn.close();
    assert.equal(reconnecting(d.statuses)[0]!.inMs, 250);
  });

  it('a plaintext Error from the server stays a retry whatever its code (issue 10), with a brief', async () => {
    const { factory, connections } = fakeSocketFactory(() => ({ helloReply: plainError('tls_untrusted', 'give up now'), close: { code: 4001, reason: 'x' } }));
    const c = client(factory);
    c.conn.start();
    await until(() => connections() >= 2, 'a second attempt');
    c.conn.close();
    assert.deepEqual(c.fatal, []);
    assert.deepEqual(
      { reason: reconnecting(c.statuses)[0]!.reason, brief: reconnecting(c.statuses)[0]!.brief },
      { reason: 'tls_untrusted: give up now', brief: 'refused (tls_untrusted)' },
    );
  });

  it('a URL the transport cannot parse: fatal bad_url with a hint', async () => {
    const factory: SocketFactory = () => {
      throw new SyntaxError('Invalid URL: ws://127.0.0.1:99999');
    };
    const c = client(factory, { url: 'ws://127.0.0.1:99999' });
    c.conn.start();
    assert.equal(c.fatal.length, 1);
    assert.deepEqual(c.fatal[0], {
      code: 'bad_url',
      message: 'cannot connect to ws://127.0.0.1:99999: Invalid URL: ws://127.0.0.1:99999',
      fromServer: false,
      hint: 'give the server as ws://HOST:PORT or wss://HOST:PORT',
    });
  });
});
