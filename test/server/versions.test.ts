/**
 * The Parley server meets clients of other protocol versions, over real sockets
 * (docs/PROTOCOL.md §Versions): a version-1 client completes its own handshake and is told,
 * inside its authenticated session, to upgrade — and never reaches the chat; a handshake message
 * of a version the connection does not speak gets a plaintext `unsupported_version`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerEvent } from '../../src/chat/events.js';
import { MemoryNameRegistry } from '../../src/chat/index.js';
import { ClientHandshake, parseError, SUBPROTOCOL } from '../../src/protocol/index.js';
import { unbatch } from '../../src/protocol/batch.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { closeAll, quickKey, sleep, startServer, TestClient } from '../integration/harness.js';
import { rawSocket, until, type RawSocket } from '../integration/raw-socket.js';

after(closeAll);

const raw = (url: string, protocols: string[]): Promise<RawSocket> => rawSocket(url, protocols);

describe('clients of other protocol versions', () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  let names: MemoryNameRegistry;
  let witness: TestClient;
  before(async () => {
    names = new MemoryNameRegistry();
    ctx = await startServer({ names });
    witness = await new TestClient(ctx.url, 'witness').connect();
  });

  it('a version-1 client is told over its authenticated session to upgrade, and never joins the chat', async () => {
    const identity = quickKey();
    const r = await raw(ctx.url, ['parley.v1']);
    assert.equal(r.ws.protocol, 'parley.v1', 'the server selects parley.v1 for a client that offers nothing newer');
    const hs = new ClientHandshake({ identity, name: 'oldie', crypto: nodeCrypto, version: 1 });
    r.ws.send(hs.hello());
    await until(() => r.received.length >= 1, 'the ServerHello');
    assert.equal(r.received[0]![1], 1, 'a version-1 ServerHello');
    const res = hs.onServerHello(r.received[0]!);
    assert.equal(res.serverFingerprint, ctx.server.fingerprint, 'signed by the server key a pin would hold: authenticated');
    r.ws.send(res.finish);
    const closed = await r.closed;
    assert.equal(r.received.length, 2, 'one frame after the ServerHello');
    const events = unbatch(res.session.open(r.received[1]!) as ServerEvent);
    assert.equal(events.length, 1);
    const [e] = events;
    assert.ok(e?.type === 'error');
    assert.equal(e.code, 'unsupported_version');
    assert.match(e.message, /^this server speaks Parley protocol 2 .*your client speaks protocol 1: please upgrade Parley/);
    assert.deepEqual(closed, { code: 4002, reason: e.message.slice(0, 120) });
    // never admitted: no member, no registered name, nobody saw a join
    await sleep(100);
    assert.equal(ctx.server.hub.member('oldie'), undefined);
    assert.equal(names.lookup('oldie'), undefined);
    assert.ok(!witness.events.some((x) => x.type === 'join' && x.name === 'oldie'));
    assert.ok(ctx.log.lines.some((l) => /^refused oldie \(SHA256:[^)]+\) from .*: unsupported_version \(protocol 1\)$/.test(l)), ctx.log.lines.join('\n'));
  });

  it('a version-1 ClientHello on a parley.v2 connection: a plaintext unsupported_version, no signature', async () => {
    const r = await raw(ctx.url, [SUBPROTOCOL]);
    r.ws.send(new ClientHandshake({ identity: quickKey(), name: 'confused', crypto: nodeCrypto, version: 1 }).hello());
    const closed = await r.closed;
    assert.equal(r.received.length, 1, 'only the Error: no ServerHello, so no RSA signature');
    const err = parseError(r.received[0]!);
    assert.equal(err.code, 'unsupported_version');
    assert.match(err.message, /please upgrade Parley/);
    assert.equal(r.received[0]![1], 2, 'the Error carries the server\'s version; its layout is the same in every version');
    assert.deepEqual(closed, { code: 4002, reason: err.message.slice(0, 120) });
  });

  it('a version-2 ClientHello on a parley.v1 connection: a plaintext unsupported_version', async () => {
    const r = await raw(ctx.url, ['parley.v1']);
    r.ws.send(new ClientHandshake({ identity: quickKey(), name: 'mixed', crypto: nodeCrypto }).hello());
    await r.closed;
    assert.equal(parseError(r.received[0]!).code, 'unsupported_version');
  });

  it('a client offering parley.v1 and parley.v2 gets parley.v2, and chats', async () => {
    const r = await raw(ctx.url, ['parley.v1', SUBPROTOCOL]);
    assert.equal(r.ws.protocol, SUBPROTOCOL);
    r.ws.close();
    const c = await new TestClient(ctx.url, 'modern').connect();
    assert.ok(c.events.some((e) => e.type === 'ready'));
    c.close();
  });

  it('the server still serves version-2 clients afterwards', async () => {
    witness.sendRoom('lobby', 'still here');
    await witness.nextText('still here');
  });
});
