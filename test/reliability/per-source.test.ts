/**
 * Per-source limits (issue 10, items 2 and 3), with the default limits: one address (a client
 * bound to 127.0.0.2 — Linux routes all of 127.0.0.0/8 to lo) floods, and a legitimate client
 * from 127.0.0.1 still gets in and chats. Silent WebSockets and silent TCP connections from one
 * address can hold only that address's share; a replayed ClientHello gets at most the
 * handshake bucket's burst + rate × elapsed ServerHellos; keys outside the protocol's bounds
 * are refused before the server touches its private key. X-Forwarded-For is believed only from
 * a trusted proxy.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket from 'ws';
import { ClientHandshake, PROTOCOL_VERSION, SUBPROTOCOL, parseError } from '../../src/protocol/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { exportPublicKeyDer, publicKeyFromComponents } from '../../src/rsa/index.js';
import type { ConnectIdentity, MemberSink } from '../../src/chat/index.js';
import { DEFAULT_TRANSPORT } from '../../src/server/options.js';
import { recordingIdentity, rsaKey } from '../protocol/helpers.js';
import { keyPool } from './lib/keys.js';
import { startInProc, sleep, within, type InProcServer } from './lib/inproc.js';
import { ConnectError, RawClient } from './lib/raw-client.js';
import { tcpFlood, wsFlood, type Flood } from './lib/flood.js';
import { payloadText, roomMessage } from './lib/swarm.js';

const FLOODER = '127.0.0.2';
const D = DEFAULT_TRANSPORT;

/** A legitimate client connects (retrying refusals until `deadlineMs`), says something and hears it back. */
async function legitimate(url: string, key: Parameters<typeof RawClient.connect>[1], name: string, deadlineMs: number) {
  const t0 = Date.now();
  const { client, attempts } = await RawClient.connectWithRetry(url, key, name, { deadlineMs, timeoutMs: deadlineMs, keepEvents: true });
  const connectMs = Date.now() - t0;
  const text = `hello from ${name} ${Date.now()}`;
  const t1 = Date.now();
  client.send(roomMessage('lobby', text));
  await client.next((e) => payloadText(e) === text, 5000);
  return { client, attempts, connectMs, rttMs: Date.now() - t1 };
}

describe('per-source limits', () => {
  let ctx: InProcServer | undefined;
  const floods: Flood[] = [];
  const clients: RawClient[] = [];
  const sockets: net.Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  afterEach(async () => {
    for (const x of timers.splice(0)) clearInterval(x);
    for (const f of floods.splice(0)) f.stop();
    for (const c of clients.splice(0)) c.terminate();
    for (const s of sockets.splice(0)) s.destroy();
    if (ctx) await within(ctx.close(), 5000);
    ctx = undefined;
  });

  it('one address holding and re-opening silent WebSockets and silent TCP connections cannot lock out another address', { timeout: 60_000 }, async (t) => {
    const [key] = await keyPool(1);
    ctx = await startInProc({});
    // 160 WebSocket slots (more than the server-wide 128 pending handshakes) and 100 raw TCP slots, re-opened 250 ms after each ends
    const ws = wsFlood(ctx.url, { localAddress: FLOODER, slots: 160, reopenMs: 250 });
    const tcp = tcpFlood(ctx.port, { localAddress: FLOODER, slots: 100, reopenMs: 250 });
    floods.push(ws, tcp);
    await sleep(1000);
    // what the server holds for the flooder, sampled every 50 ms (the client side's view also
    // counts connections still waiting in the kernel's accept queue)
    const held: { raw: number; connections: number; pendingHandshakes: number }[] = [];
    const sampler = setInterval(() => held.push(ctx!.server.sourceCounts(FLOODER)), 50);
    timers.push(sampler);
    await sleep(500);
    const r = await legitimate(ctx.url, key!, 'legit', 2000);
    clients.push(r.client);
    await sleep(500);
    clearInterval(sampler);
    const maxOf = (k: keyof (typeof held)[number]) => Math.max(...held.map((h) => h[k]));
    t.diagnostic(
      `flooder WebSockets: ${ws.stats.attempts} attempts, ${ws.stats.open} open (max ${ws.stats.maxOpen}), refused ${JSON.stringify(ws.stats.refused)}, Retry-After ${[...ws.stats.retryAfter].join(',')}; ` +
        `raw TCP: ${tcp.stats.attempts} attempts, ${tcp.stats.open} held; server-side max raw ${maxOf('raw')}, connections ${maxOf('connections')}, pending ${maxOf('pendingHandshakes')} (${held.length} samples), answered ${JSON.stringify(tcp.stats.refused)}; ` +
        `legitimate client in after ${r.connectMs} ms (${r.attempts} attempt(s)), round trip ${r.rttMs} ms; log: ${ctx.log.lines.filter((l) => /refused/.test(l)).slice(0, 2).join(' | ')}`,
    );
    assert.ok(r.connectMs < 2000, `the legitimate client completed its handshake within 2 s (${r.connectMs} ms)`);
    assert.equal(r.attempts, 1, 'on its first attempt');
    assert.ok(ws.stats.maxOpen <= D.maxPendingHandshakesPerSource, `the flooder held at most its ${D.maxPendingHandshakesPerSource} pending handshakes (${ws.stats.maxOpen})`);
    assert.ok((ws.stats.refused['429'] ?? 0) > 100, 'the rest were refused with 429');
    assert.ok(ws.stats.retryAfter.size > 0, 'with Retry-After');
    assert.ok(held.length >= 10 && maxOf('raw') <= D.maxRawConnectionsPerSource, `the server held at most ${D.maxRawConnectionsPerSource} of its TCP connections (${maxOf('raw')})`);
    assert.ok(maxOf('raw') >= D.maxRawConnectionsPerSource / 2, 'the flood did fill them');
    assert.ok(maxOf('pendingHandshakes') <= D.maxPendingHandshakesPerSource);
    assert.ok((tcp.stats.refused['429'] ?? 0) > 0, 'the rest answered 429 at once');
    assert.ok(ctx.log.lines.some((l) => /^refused connection from 127\.0\.0\.2:\d+: pending_handshakes from 127\.0\.0\.2/.test(l)), 'the log says who and why');
    assert.ok(ctx.log.lines.some((l) => /^refused TCP connection from 127\.0\.0\.2: raw_connections/.test(l)));
    assert.ok(ctx.log.lines.filter((l) => /^refused/.test(l)).length < 200, 'refusal lines are rate-limited');
  });

  it('a replayed ClientHello gets at most burst + rate × elapsed ServerHellos; another address handshakes and chats meanwhile', { timeout: 60_000 }, async (t) => {
    const keys = await keyPool(2);
    ctx = await startInProc({});
    const hello = new ClientHandshake({ identity: keys[1]!, name: 'mallory', crypto: nodeCrypto }).hello();
    const t0 = performance.now();
    const replay = wsFlood(ctx.url, { localAddress: FLOODER, slots: 8 }, hello);
    floods.push(replay);
    await sleep(1000);
    const r = await legitimate(ctx.url, keys[0]!, 'legit', 2000);
    clients.push(r.client);
    await sleep(3000);
    replay.stop();
    const elapsedS = (performance.now() - t0) / 1000;
    const bound = D.handshakeBurstPerSource + D.handshakesPerSecondPerSource * elapsedS;
    t.diagnostic(
      `replay for ${elapsedS.toFixed(1)} s: ${replay.stats.attempts} attempts, ${replay.stats.serverHellos} ServerHellos (bound ${bound.toFixed(1)}), refused ${JSON.stringify(replay.stats.refused)}; ` +
        `legitimate client in after ${r.connectMs} ms, round trip ${r.rttMs} ms`,
    );
    assert.ok(replay.stats.serverHellos <= bound + 2, `${replay.stats.serverHellos} ServerHellos ≤ ${D.handshakeBurstPerSource} + ${D.handshakesPerSecondPerSource}/s × ${elapsedS.toFixed(1)} s (+2)`);
    assert.ok(replay.stats.serverHellos >= D.handshakeBurstPerSource, 'the burst itself was answered');
    assert.ok((replay.stats.refused['429'] ?? 0) > replay.stats.serverHellos, 'the rest were refused with 429 before any RSA work');
    assert.ok(r.client.isOpen && r.connectMs < 2000, 'the legitimate client got in and exchanged a message');
    assert.ok(ctx.log.lines.some((l) => /handshake_rate from 127\.0\.0\.2/.test(l)));
  });

  it('a client key of 8192 bits (malformed: its SPKI is over the bound) or with e = 3 (handshake_failed) is refused before the server touches its private key', { timeout: 30_000 }, async (t) => {
    const { identity, used } = recordingIdentity(rsaKey('server-recording'));
    ctx = await startInProc({ identity });
    const eph = nodeCrypto.x25519Keypair().publicKey;
    const hello = (spki: Uint8Array) => encodeClientHelloRaw(spki, eph);
    const fake8192 = exportPublicKeyDer(publicKeyFromComponents({ n: (1n << 8191n) + 1n, e: 65537n }));
    const e3 = exportPublicKeyDer(rsaKey('e3', 2048, 3).publicKey);
    const results: string[] = [];
    // the Error message's code is the reason (docs/PROTOCOL.md §Error codes): the parser's bound, or the key's
    for (const [what, spki, code] of [['8192-bit', fake8192, 'malformed'], ['e = 3', e3, 'handshake_failed']] as const) {
      const answer = await oneHello(ctx.url, hello(spki));
      results.push(`${what}: ${answer.kind} ${answer.code ?? ''} close ${answer.close} "${answer.message ?? ''}"`);
      assert.equal(answer.kind, 'error', `${what}: an Error message, no ServerHello`);
      assert.equal(answer.code, code, what);
      assert.equal(answer.close, 4001, what);
    }
    t.diagnostic(results.join('; '));
    assert.deepEqual([...used], [], 'no private-key component was read');
    // the control: a client with an acceptable key makes the server sign
    const [key] = await keyPool(1);
    clients.push(await RawClient.connect(ctx.url, key!, 'fine'));
    assert.ok(used.size > 0, 'a real handshake reads the private key');
  });

  for (const trusted of [true, false]) {
    it(`X-Forwarded-For is ${trusted ? 'honoured from a trusted proxy' : 'ignored from a peer that is not a trusted proxy'}`, { timeout: 60_000 }, async (t) => {
      const keys = await keyPool(3);
      ctx = await startInProc({ transport: { maxConnectionsPerSource: 1, maxRawConnectionsPerSource: 2, ...(trusted && { trustedProxies: ['127.0.0.1'] }) } });
      const sources: (string | undefined)[] = [];
      const hub = ctx.server.hub;
      const admit = hub.admit.bind(hub);
      hub.admit = (id: ConnectIdentity, sink: MemberSink) => (sources.push(id.source), admit(id, sink));
      const via = (xff: string, i: number) =>
        RawClient.connect(ctx!.url, keys[i]!, `c${i}`, { headers: { 'X-Forwarded-For': xff } }).then(
          (c) => (clients.push(c), 'connected'),
          (e: unknown) => (e instanceof ConnectError ? `${e.kind} ${e.status ?? e.code}` : String(e)),
        );
      const a = await via('203.0.113.9', 0);
      const b = await via('198.51.100.7, 127.0.0.1', 1); // a second client behind the proxy (and a trusted hop)
      const c = await via('203.0.113.9', 2); // the same client address again: over maxConnectionsPerSource 1
      // raw TCP connections from the proxy's own address
      const raw = tcpFlood(ctx.port, { localAddress: '127.0.0.1', slots: 4, reopenMs: 60_000 });
      floods.push(raw);
      await sleep(500);
      t.diagnostic(`a: ${a}, b: ${b}, c: ${c}; hub sources ${JSON.stringify(sources)}; raw TCP from the proxy: ${raw.stats.open} held, answered ${JSON.stringify(raw.stats.refused)}; log: ${ctx.log.lines.filter((l) => /^connect|X-Forwarded/.test(l)).join(' | ')}`);
      assert.equal(a, 'connected');
      if (trusted) {
        assert.equal(b, 'connected', 'another forwarded client is another source');
        assert.equal(c, 'http 429', 'the same forwarded client is refused past its limit');
        assert.deepEqual(sources, ['203.0.113.9', '198.51.100.7'], 'the hub gets the forwarded source');
        assert.ok(ctx.log.lines.some((l) => /^connect c0 .* from 203\.0\.113\.9 via 127\.0\.0\.1:\d+$/.test(l)), 'the log shows the client and the proxy');
        assert.equal(raw.stats.open, 4, "the raw-TCP limit does not apply to the trusted proxy's own address");
      } else {
        assert.equal(b, 'http 429', 'every client counts as the peer: the second is over maxConnectionsPerSource');
        assert.equal(c, 'http 429');
        assert.deepEqual(sources, ['127.0.0.1']);
        assert.ok(ctx.log.lines.some((l) => /WARN a request from 127\.0\.0\.1 carried X-Forwarded-For, which is ignored.*--trust-proxy 127\.0\.0\.1/.test(l)), 'the operator is told once');
        assert.equal(raw.stats.open, 2, 'the raw-TCP limit applies');
        assert.equal(raw.stats.refused['429'], 2);
      }
    });
  }
});

/** A ClientHello with any SPKI, even one longer than the encoder allows (docs/PROTOCOL.md §ClientHello). */
function encodeClientHelloRaw(spki: Uint8Array, ephemeral: Uint8Array): Uint8Array {
  const name = new TextEncoder().encode('mallory');
  return Buffer.concat([Uint8Array.of(1, PROTOCOL_VERSION), nodeCrypto.randomBytes(32), ephemeral, Uint8Array.of(spki.length >> 8, spki.length & 0xff), spki, Uint8Array.of(name.length), name]);
}

/** Sends one ClientHello on a new WebSocket and reports the server's answer. */
function oneHello(url: string, hello: Uint8Array): Promise<{ kind: 'server_hello' | 'error' | 'none'; code?: string; message?: string; close?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, SUBPROTOCOL, { perMessageDeflate: false });
    let answer: { kind: 'server_hello' | 'error' | 'none'; code?: string; message?: string } = { kind: 'none' };
    ws.on('open', () => ws.send(hello));
    ws.on('message', (d: Buffer) => {
      if (d[0] === 0x02) answer = { kind: 'server_hello' };
      else if (d[0] === 0x7f) answer = { kind: 'error', ...parseError(new Uint8Array(d)) };
    });
    ws.on('error', () => {});
    ws.on('close', (code) => resolve({ ...answer, close: code }));
    setTimeout(() => ws.terminate(), 5000).unref();
  });
}
