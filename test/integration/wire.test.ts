/**
 * Confidentiality on the wire: every byte between clients and server goes through a recording
 * proxy, kept per connection and per direction, and read back as WebSocket (RFC 6455 §5.2: frames
 * unmasked, messages joined, test/integration/ws-wire.ts). No form of a message text may appear in
 * either direction. A control connection that sends a text in plaintext shows that the same
 * recording and search would catch a client that leaks one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { SUBPROTOCOL } from '../../src/protocol/index.js';
import { payloadOf, startServer, TestClient, closeAll } from './harness.js';
import { clientFrame, findLeaks, parseWsStream } from './ws-wire.js';
import { allClosed, recordingProxy, type Recorded } from './recording-proxy.js';

/** Both directions of a finished connection, parsed; every client frame must be masked, no server frame. */
function read(rec: Recorded) {
  const c2sRaw = Buffer.concat(rec.c2s);
  const s2cRaw = Buffer.concat(rec.s2c);
  const c2s = parseWsStream(c2sRaw);
  const s2c = parseWsStream(s2cRaw);
  assert.match(c2s.head, /^GET \/ HTTP\/1\.1\r\n/, 'the client side starts with the upgrade request');
  assert.match(s2c.head, /^HTTP\/1\.1 101 /, 'the server side starts with 101 Switching Protocols');
  assert.ok(c2s.frames.every((f) => f.masked), 'RFC 6455 §5.1: a client masks every frame');
  assert.ok(s2c.frames.every((f) => !f.masked), 'RFC 6455 §5.1: a server masks none');
  assert.deepEqual([c2s.trailing, s2c.trailing], [0, 0], 'the recording ends on frame boundaries');
  return { c2sRaw, s2cRaw, c2s, s2c };
}

// whatever a failed test left open is closed, so the process always exits
after(closeAll);

describe('confidentiality on the wire', () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  before(async () => {
    ctx = await startServer();
    proxy = await recordingProxy(ctx.port);
  });
  after(async () => {
    proxy?.close();
    await ctx?.server.close();
  });

  const secret = 'the eagle lands at dawn 7f3a';
  const dm = 'meet me by the old mill 91c2';

  it('never shows the message text in any encoding, in either direction of any connection — room and direct messages', async () => {
    const url = `ws://127.0.0.1:${proxy.port}`;
    const alice = await new TestClient(url, 'alice').connect();
    const bob = await new TestClient(url, 'bob').connect();
    // the payloads here are the texts in base64 (no E2E layer in this test): the transport alone must hide them
    alice.sendRoom('lobby', secret);
    alice.send({ t: 'e2e_to', to: 'bob', kind: 'dm', payload: payloadOf(dm) });
    await bob.nextText(secret);
    await bob.nextText(dm);
    alice.close();
    bob.close();
    const conns = proxy.connections.slice();
    assert.equal(conns.length, 2, 'one connection per client');
    await allClosed(conns);
    for (const [i, rec] of conns.entries()) {
      const { c2sRaw, s2cRaw, c2s, s2c } = read(rec);
      // the recording is the protocol: ResumeHello (a ClientHello asking for a session ticket),
      // ClientFinish, frames up (alice's two messages); ServerHello, then frames down (the ticket in one)
      const types = (m: { opcode: number; payload: Buffer }[]) => m.filter((x) => x.opcode === 2).map((x) => x.payload[0]);
      const up = types(c2s.messages);
      assert.deepEqual(up.slice(0, 2), [0x04, 0x03], `connection ${i}: client handshake messages`);
      assert.ok(up.slice(2).every((t) => t === 0x10) && (i === 1 || up.length >= 4), `connection ${i}: then encrypted frames: ${up}`);
      assert.deepEqual(types(s2c.messages).slice(0, 2), [0x02, 0x10], `connection ${i}: server messages`);
      for (const text of [secret, dm]) {
        assert.deepEqual(findLeaks(c2sRaw, c2s, text), [], `connection ${i}, client → server: ${text}`);
        assert.deepEqual(findLeaks(s2cRaw, s2c, text), [], `connection ${i}, server → client: ${text}`);
      }
    }
  });

  it('control: a client that sends a text in plaintext, split across two frames, is caught — by the unmasked, joined reading only', async () => {
    const before = proxy.connections.length;
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}`, SUBPROTOCOL);
    ws.on('error', () => {});
    await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    // split inside the first 12 characters: no frame holds the text or its fragment
    ws.send(Buffer.from(secret.slice(0, 6)), { binary: true, fin: false });
    ws.send(Buffer.from(secret.slice(6)), { binary: true, fin: true });
    assert.equal(await closed, 4001, 'the server refuses it as a handshake');
    const rec = proxy.connections[before]!;
    await allClosed([rec]);
    const { c2sRaw, c2s } = read(rec);
    assert.deepEqual(findLeaks(c2sRaw, c2s, secret).sort(), ['first 12 characters in message 0', 'first 12 characters in the messages joined', 'utf8 in message 0', 'utf8 in the messages joined']);
    // what the old test did, a search of the raw bytes, finds nothing: the client's masking hides it
    assert.equal(c2sRaw.indexOf(Buffer.from(secret)), -1);
    assert.equal(c2sRaw.indexOf(Buffer.from(secret.slice(0, 12))), -1);
  });

  it('the reading handles 7-, 16- and 64-bit lengths, fragments with a control frame between them, and every encoding', () => {
    const mask = () => randomBytes(4);
    const text = 'attack at noon, bring the maps';
    const big = Buffer.concat([randomBytes(70_000), Buffer.from(text, 'utf16le'), randomBytes(10)]);
    const mid = Buffer.concat([randomBytes(300), Buffer.from(Buffer.from(text).toString('base64url').slice(0)), randomBytes(3)]);
    const stream = Buffer.concat([
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      clientFrame(Buffer.from('no secret here'), 2, true, mask()),
      clientFrame(big, 2, true, mask()),
      clientFrame(mid, 2, true, mask()),
      clientFrame(Buffer.from(Buffer.from(text).toString('hex').toUpperCase().slice(0, 20)), 2, false, mask()),
      clientFrame(Buffer.alloc(0), 9, true, mask()), // a ping between the fragments
      clientFrame(Buffer.from(Buffer.from(text).toString('hex').toUpperCase().slice(20)), 0, true, mask()),
      clientFrame(Buffer.concat([randomBytes(1), Buffer.from(text).subarray(0, 1)]), 2, true, mask()),
    ]);
    const s = parseWsStream(stream);
    assert.equal(s.trailing, 0);
    assert.deepEqual(s.frames.map((f) => [f.opcode, f.payload.length]), [[2, 14], [2, big.length], [2, mid.length], [2, 20], [9, 0], [0, text.length * 2 - 20], [2, 2]]);
    assert.deepEqual(s.messages.map((m) => m.opcode), [2, 2, 2, 9, 2, 2]);
    const found = findLeaks(stream, s, text);
    for (const want of ['utf16le in message 1', 'base64url/0 in message 2', 'HEX in message 4']) assert.ok(found.includes(want), `${want}: ${found.join('; ')}`);
    assert.ok(!found.some((f) => f.includes('raw stream')), `masked: nothing in the raw bytes (${found.join('; ')})`);
    assert.equal(parseWsStream(stream.subarray(0, stream.length - 3)).trailing, 2 + 4 + 2 - 3, 'a cut last frame is reported');
  });
});
