/** Attacks and bad input over real sockets: each gets a clear error and the server keeps serving. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket from 'ws';
import { bodyFor } from '../../src/client/input.js';
import { ClientHandshake, SUBPROTOCOL, parseError } from '../../src/protocol/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import type { ServerEvent } from '../../src/chat/events.js';
import { quickKey, sleep, startServer, TestClient, closeAll } from './harness.js';
import { unbatch } from '../../src/protocol/batch.js';

type Raw = { ws: WebSocket; received: Uint8Array[]; closed: Promise<{ code: number; reason: string }> };

/** A raw WebSocket to the server that records what it receives. */
async function raw(url: string, protocol = SUBPROTOCOL): Promise<Raw> {
  const ws = new WebSocket(url, protocol);
  const received: Uint8Array[] = [];
  ws.on('message', (d) => received.push(new Uint8Array(d as Buffer)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, received, closed };
}

const waitFor = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
};

/** Runs a full handshake on a raw socket; returns the socket and the client session. */
async function handshake(url: string, name: string) {
  const identity = quickKey(); // before the socket opens: the server's handshake timer starts then
  const r = await raw(url);
  const hs = new ClientHandshake({ identity, name, crypto: nodeCrypto });
  r.ws.send(hs.hello());
  await waitFor(() => r.received.length >= 1);
  const res = hs.onServerHello(r.received[0]!);
  r.ws.send(res.finish);
  await waitFor(() => r.received.length >= 2); // the encrypted `ready`
  assert.equal(unbatch(res.session.open(r.received[1]!) as ServerEvent)[0]!.type, 'ready');
  return { ...r, session: res.session };
}

// whatever a failed test left open is closed, so the process always exits
after(closeAll);

describe('attacks and bad input', () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  let witness: TestClient;
  before(async () => {
    ctx = await startServer({ transport: { handshakeTimeoutMs: 2500, maxFrameBytes: 16 * 1024 } });
    witness = await new TestClient(ctx.url, 'witness').connect();
  });
  after(async () => {
    witness?.close();
    await ctx?.server.close();
  });

  /** The server still serves: the witness can talk to itself through the lobby. */
  async function stillServing(tag: string) {
    witness.send({ t: 'say', room: 'lobby', body: bodyFor(`still here ${tag}`) });
    await witness.next((e) => e.type === 'message' && e.body.text === `still here ${tag}`);
  }

  it('rejects a replayed frame and closes that connection', async () => {
    const c = await handshake(ctx.url, 'replayer');
    const frame = c.session.seal({ t: 'say', room: 'lobby', body: bodyFor('once') });
    c.ws.send(frame);
    await witness.next((e) => e.type === 'message' && e.body.text === 'once');
    c.ws.send(frame); // the same bytes again
    const { code } = await c.closed;
    assert.equal(code, 4003);
    const errors = c.received.slice(2).flatMap((f) => { try { return unbatch(c.session.open(f) as ServerEvent); } catch { return []; } });
    assert.ok(errors.some((e) => e?.type === 'error' && e.code === 'protocol_error' && /replay/.test(e.message)), 'told why');
    assert.equal(witness.events.filter((e) => e.type === 'message' && e.body.text === 'once').length, 1, 'delivered once');
    await stillServing('replay');
  });

  it('rejects a ciphertext with one flipped bit', async () => {
    const c = await handshake(ctx.url, 'flipper');
    const frame = c.session.seal({ t: 'say', room: 'lobby', body: bodyFor('flip me') });
    frame[frame.length - 20]! ^= 0x04;
    c.ws.send(frame);
    assert.equal((await c.closed).code, 4003);
    await sleep(100);
    assert.ok(!witness.events.some((e) => e.type === 'message' && e.body.text === 'flip me'));
    await stillServing('flip');
  });

  it('refuses a second key claiming a taken name', async () => {
    const impostor = new TestClient(ctx.url, 'witness');
    impostor.conn.start();
    await waitFor(() => impostor.fatal.length > 0, 5000);
    assert.equal(impostor.fatal[0]!.code, 'name_taken');
    impostor.close();
    await stillServing('name');
  });

  it('answers garbage, truncated, text and oversized frames and a wrong version with an error, then closes', async () => {
    const hello = new ClientHandshake({ identity: quickKey(), name: 'x', crypto: nodeCrypto }).hello();
    const wrongVersion = hello.slice();
    wrongVersion[1] = 99;
    const cases: [string, (ws: WebSocket) => void, string][] = [
      ['garbage', (ws) => ws.send(new Uint8Array([1, 2, 3, 4, 5])), 'handshake_failed'],
      ['truncated hello', (ws) => ws.send(hello.subarray(0, 40)), 'handshake_failed'],
      ['wrong version', (ws) => ws.send(wrongVersion), 'handshake_failed'],
      ['text frame', (ws) => ws.send('hello?'), 'handshake_failed'],
    ];
    for (const [what, act, code] of cases) {
      const r = await raw(ctx.url);
      act(r.ws);
      const closed = await r.closed;
      assert.equal(closed.code, 4001, what);
      const err = parseError(r.received[0]!);
      assert.equal(err.code, code, what);
      if (what === 'wrong version') assert.match(err.message, /version/);
    }
    const big = await raw(ctx.url);
    big.ws.send(new Uint8Array(32 * 1024));
    assert.equal((await big.closed).code, 1009, 'oversized frame');
    await stillServing('garbage');
  });

  it('refuses a connection without the Parley subprotocol', async () => {
    const ws = new WebSocket(ctx.url);
    const code = await new Promise<number>((resolve) => {
      ws.on('close', (c) => resolve(c));
      ws.on('error', () => {});
    });
    assert.ok(code === 4003 || code === 1006, `closed (${code})`);
  });

  it('times out a client that stops mid-handshake, and keeps serving', async () => {
    const r = await raw(ctx.url);
    const closed = await r.closed;
    assert.equal(closed.code, 4001);
    assert.equal(parseError(r.received[0]!).code, 'handshake_timeout');
    // a half-open TCP connection that never speaks WebSocket is cut by the HTTP server
    const sock = net.connect(ctx.port, '127.0.0.1');
    sock.on('error', () => {});
    await stillServing('stall');
    sock.destroy();
    assert.ok(ctx.log.lines.some((l) => /handshake_timeout/.test(l)));
  });
});

describe('server key pinning', () => {
  it('refuses, loudly, a server that presents a different key than the pinned one', async () => {
    const first = await startServer();
    let pinned: string | undefined;
    const pin = (fp: string) => {
      if (!pinned) pinned = fp;
      return fp === pinned ? { ok: true as const } : { ok: false as const, message: `server key changed: pinned ${pinned}, presented ${fp}` };
    };
    const key = quickKey();
    const a = await new TestClient(first.url, 'pinner', key, pin).connect();
    a.close();
    await first.server.close();
    const second = await startServer({ port: first.port }); // same address, new key
    const b = new TestClient(second.url, 'pinner', key, pin);
    b.conn.start();
    await waitFor(() => b.fatal.length > 0, 5000);
    assert.equal(b.fatal[0]!.code, 'server_key_changed');
    assert.match(b.fatal[0]!.message, new RegExp(pinned!.replace(/[+/]/g, '.')));
    b.close();
    await second.server.close();
  });
});
