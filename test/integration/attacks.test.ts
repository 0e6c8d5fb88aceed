/**
 * Attacks and bad input over real sockets: each is refused with its own close code and error code
 * (asserted exactly: a crash, a 1006, or another reason does not pass), and the server keeps serving.
 * A changed server key is refused by the real `parley chat` through its known_hosts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { ClientHandshake, SUBPROTOCOL, parseError } from '../../src/protocol/index.js';
import { fingerprint } from '../../src/rsa/fingerprint.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import type { ServerEvent } from '../../src/chat/events.js';
import { payloadOf, quickKey, sleep, startServer, tempDir, TestClient, closeAll, textOf } from './harness.js';
import { unbatch } from '../../src/protocol/batch.js';
import { CliClient, killCliClients } from './cli-client.js';
import { allClosed, recordingProxy } from './recording-proxy.js';
import { parseWsStream } from './ws-wire.js';
import { rawSocket, type RawSocket } from './raw-socket.js';

type Raw = RawSocket;
const raw = (url: string, protocol: string = SUBPROTOCOL): Promise<Raw> => rawSocket(url, protocol);

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

/** The `error` events the server sent on a session (frames after `ready`, opened once: call it once). */
function serverErrors(c: { received: Uint8Array[]; session: { open(f: Uint8Array): unknown } }): Extract<ServerEvent, { type: 'error' }>[] {
  return c.received
    .slice(2)
    .flatMap((f) => unbatch(c.session.open(f) as ServerEvent))
    .filter((e): e is Extract<ServerEvent, { type: 'error' }> => e.type === 'error');
}

// whatever a failed test left open is closed, so the process always exits
after(closeAll);
after(killCliClients);

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
    witness.sendRoom('lobby', `still here ${tag}`);
    await witness.nextText(`still here ${tag}`);
  }

  it('rejects a replayed frame and closes that connection', async () => {
    const c = await handshake(ctx.url, 'replayer');
    const frame = c.session.seal({ t: 'e2e_room', room: 'lobby', payload: payloadOf('once') });
    c.ws.send(frame);
    await witness.nextText('once');
    c.ws.send(frame); // the same bytes again
    const closed = await c.closed;
    assert.equal(closed.code, 4003, 'closed as a protocol error');
    const err = serverErrors(c).at(-1);
    assert.equal(err?.code, 'protocol_error');
    // the client's first frame (counter 0) sent again, after the server had moved on to counter 1
    assert.equal(err!.message, 'replay: frame 0 replayed (expected 1)', 'told why: the session says replay');
    assert.equal(closed.reason, err!.message, 'the close reason says the same');
    assert.equal(witness.events.filter((e) => textOf(e) === 'once').length, 1, 'delivered once');
    await stillServing('replay');
  });

  it('rejects a ciphertext with one flipped bit', async () => {
    const c = await handshake(ctx.url, 'flipper');
    const frame = c.session.seal({ t: 'e2e_room', room: 'lobby', payload: payloadOf('flip me') });
    frame[frame.length - 20]! ^= 0x04; // in the ciphertext, before the 16-byte GCM tag
    c.ws.send(frame);
    const closed = await c.closed;
    assert.equal(closed.code, 4003, 'closed as a protocol error');
    const err = serverErrors(c).at(-1);
    assert.equal(err?.code, 'protocol_error');
    assert.match(err!.message, /^decrypt_failed: /, 'refused because it does not authenticate');
    assert.equal(closed.reason, err!.message.slice(0, 120), 'the close reason says the same');
    await sleep(100);
    assert.ok(!witness.events.some((e) => textOf(e) === 'flip me'));
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
    // each refusal: one plaintext Error and a close — its code the protocol's own reason (the
    // ProtocolError code the ServerHandshake threw: docs/PROTOCOL.md §Protocol error codes) with
    // close 4001, or for a version the server does not speak, unsupported_version (4002) saying
    // which it speaks; the text never repeats the code
    const tooBig = new Uint8Array(2049);
    tooBig.set(hello);
    const cases: [string, (ws: WebSocket) => void, string, number, RegExp][] = [
      ['garbage', (ws) => ws.send(new Uint8Array([1, 2, 3, 4, 5])), 'malformed', 4001, /^ClientHello: /],
      ['wrong type', (ws) => ws.send(Uint8Array.from([0x02, 2, ...hello.subarray(2)])), 'unexpected_message', 4001, /^expected ClientHello, got ServerHello$/],
      ['an Error message', (ws) => ws.send(Uint8Array.from([0x7f, 2, 1, 0x78, 0, 0])), 'unexpected_message', 4001, /^expected ClientHello, got Error$/],
      ['truncated hello', (ws) => ws.send(hello.subarray(0, 40)), 'malformed', 4001, /^ClientHello: /],
      ['over 2048 bytes', (ws) => ws.send(tooBig), 'too_large', 4001, /^ClientHello: 2049 bytes exceeds the 2048-byte limit$/],
      ['wrong version', (ws) => ws.send(wrongVersion), 'unsupported_version', 4002, /^this server speaks Parley protocol 2 and your client speaks protocol 99: /],
      ['text frame', (ws) => ws.send('hello?'), 'malformed', 4001, /^text WebSocket messages are not part of the protocol$/],
    ];
    for (const [what, act, code, closeCode, message] of cases) {
      const r = await raw(ctx.url);
      act(r.ws);
      const closed = await r.closed;
      assert.equal(closed.code, closeCode, what);
      assert.equal(r.received.length, 1, `${what}: one message, the Error`);
      const err = parseError(r.received[0]!);
      assert.equal(err.code, code, what);
      assert.match(err.message, message, what);
      assert.equal(closed.reason, err.message.slice(0, 120), `${what}: the close reason says the same`);
    }
    // over maxFrameBytes: ws refuses the frame itself (RFC 6455 §7.4.1 1009, "message too big")
    const big = await raw(ctx.url);
    big.ws.send(new Uint8Array(32 * 1024));
    const bigClosed = await big.closed;
    assert.equal(bigClosed.code, 1009, 'oversized frame');
    assert.deepEqual(big.received, [], 'no Error: the frame never reached the protocol');
    await stillServing('garbage');
  });

  it('refuses an upgrade without the Parley subprotocol (HTTP 400), and accepts one that offers it on any path', async () => {
    const attempt = async (protocols: string[]) => {
      const ws = new WebSocket(ctx.url, protocols);
      const received: unknown[] = [];
      const errors: string[] = [];
      ws.on('message', (d) => received.push(d));
      ws.on('error', (e) => errors.push(e.message));
      const closed = await new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
      return { closed, received, errors };
    };
    // none asked for, or only others: the upgrade itself is refused, HTTP 400 naming the
    // subprotocol (docs/PROTOCOL.md §Transport) — no WebSocket, no close code, nothing counted
    for (const offered of [[], ['chat.v2'], ['parley.v3', 'PARLEY.V2']]) {
      const refused = await attempt(offered);
      assert.deepEqual(refused, { closed: { code: 1006, reason: '' }, received: [], errors: ['Unexpected server response: 400'] }, JSON.stringify(offered));
    }
    // what the refusal says, as any HTTP client sees it
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`http://127.0.0.1:${ctx.port}/`, {
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': 'chat.v2' },
      });
      req.on('response', (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(res, { status: 400, body: 'Parley needs the WebSocket subprotocol parley.v2 (Sec-WebSocket-Protocol)' });
    // one of ours among others: selected, on any path; the permessage-deflate this client offers is declined
    const ws = new WebSocket(`${ctx.url}/any/path?x=1`, ['chat.v9', SUBPROTOCOL], { perMessageDeflate: true });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    assert.equal(ws.protocol, SUBPROTOCOL);
    assert.equal(ws.extensions, '', 'no extension negotiated (docs/PROTOCOL.md §Transport)');
    ws.close();
    await stillServing('subprotocol');
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

describe('server key pinning: the real parley chat and its known_hosts', () => {
  it('a server whose key differs from the pinned one: exit 1, the warning names parley pins forget, no ClientFinish, no session', async () => {
    const ctx = await startServer();
    const proxy = await recordingProxy(ctx.port);
    const home = tempDir();
    try {
      const witness = await new TestClient(ctx.url, 'witness').connect();
      // known_hosts pins another key for the address parley chat connects to (the proxy's)
      const id = `127.0.0.1:${proxy.port}`;
      const pinned = `SHA256:${'A'.repeat(43)}`;
      writeFileSync(path.join(home.dir, 'known_hosts'), `${id} ${pinned}\n`);
      const mallory = new CliClient(`ws://${id}`, 'mallory', home.dir);
      const err = await mallory.next((e) => e.type === 'error');
      const code = await new Promise<number | null>((r) => (mallory.proc.exitCode !== null ? r(mallory.proc.exitCode) : mallory.proc.on('exit', r)));
      assert.equal(code, 1, mallory.stderr.join('\n'));
      assert.equal(err.code, 'server_key_changed');
      const warning = String(err.message);
      assert.match(warning, /WARNING: THE SERVER'S IDENTIFICATION HAS CHANGED!/);
      assert.match(warning, new RegExp(`Key pinned on first contact: +${pinned}`));
      assert.ok(warning.includes(`Key presented now:`) && warning.includes(fingerprint(ctx.key.publicKey)), 'both fingerprints');
      assert.match(warning, new RegExp(`^ {4}parley pins forget ${id.replace(/\./g, '\\.')}$`, 'm'), 'the command that accepts the new key');
      // on the wire, client to server: the ClientHello and a normal close, nothing else
      await allClosed(proxy.connections);
      assert.equal(proxy.connections.length, 1);
      const up = parseWsStream(Buffer.concat(proxy.connections[0]!.c2s));
      assert.deepEqual(up.messages.map((m) => [m.opcode, m.payload[0]]), [[2, 0x04], [8, 1000 >> 8]], 'a ClientHello (ResumeHello: asking for tickets), then a close frame');
      assert.equal(up.messages[1]!.payload.readUInt16BE(0), 1000, 'a normal close (RFC 6455 §7.4.1)');
      // on the server: no session, no member, nothing logged of mallory but the refused handshake's absence
      assert.ok(!ctx.log.lines.some((l) => /mallory/.test(l)), `the server never learned the name:\n${ctx.log.lines.join('\n')}`);
      assert.ok(!witness.events.some((e) => e.type === 'join' && e.name === 'mallory'), 'nobody joined');
      assert.deepEqual(ctx.server.sourceCounts('127.0.0.1'), { raw: 0, connections: 1, pendingHandshakes: 0 }, 'only the witness is connected; no handshake pending');
      witness.close();
    } finally {
      proxy.close();
      await ctx.server.close();
      home.cleanup();
    }
  });
});
