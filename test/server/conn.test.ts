/**
 * One connection of the real server, seen on the wire (src/server/conn.ts; docs/PROTOCOL.md
 * §Errors, §ServerEvent, "Before ready"): the Error message of a failed handshake carries the
 * protocol's own code; `ready` says the rooms the client is in — the server joined it to
 * `lobby` itself, and the client receives its own `join` — and the server's frame limit;
 * requests sent right after the ClientFinish, before `ready`, are answered after it, in order.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerEvent } from '../../src/chat/events.js';
import { ClientHandshake, parseError, SUBPROTOCOL, type Session } from '../../src/protocol/index.js';
import { unbatch } from '../../src/protocol/batch.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { closeAll, quickKey, startServer } from '../integration/harness.js';
import { rawSocket, until, type RawSocket } from '../integration/raw-socket.js';

after(closeAll);

type Raw = RawSocket;
const raw = (url: string): Promise<Raw> => rawSocket(url);

/** A raw socket that has received the ServerHello: the ClientFinish is the caller's to send (or to spoil). */
async function uptoFinish(url: string, name: string): Promise<Raw & { finish: Uint8Array; session: Session }> {
  const identity = quickKey();
  const r = await raw(url);
  const hs = new ClientHandshake({ identity, name, crypto: nodeCrypto });
  r.ws.send(hs.hello());
  await until(() => r.received.length >= 1, 'the ServerHello');
  const res = hs.onServerHello(r.received[0]!);
  return { ...r, finish: res.finish, session: res.session };
}

const opened = new WeakMap<Session, { frames: number; events: ServerEvent[] }>();

/** Every event in the frames received after the ServerHello, in order (each frame opened once: sessions count frames). */
function eventsOf(r: Raw, session: Session): ServerEvent[] {
  const o = opened.get(session) ?? { frames: 0, events: [] };
  opened.set(session, o);
  for (; o.frames < r.received.length - 1; o.frames++) o.events.push(...unbatch(session.open(r.received[o.frames + 1]!) as ServerEvent));
  return o.events;
}

describe('a connection on the wire', () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  let small: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    ctx = await startServer();
    small = await startServer({ transport: { maxFrameBytes: 8192 } });
  });

  // docs/PROTOCOL.md §Protocol error codes: the code of the Error message is the reason itself
  const spoiled: [string, (finish: Uint8Array) => Uint8Array, string, RegExp][] = [
    ['a ClientFinish whose signature does not verify', (f) => { const b = f.slice(); b[b.length - 1]! ^= 1; return b; }, 'bad_signature', /signature/],
    ['a ClientFinish with a byte too many', (f) => Uint8Array.from([...f, 0]), 'malformed', /^ClientFinish: /],
    ['a ClientFinish of another version', (f) => { const b = f.slice(); b[1] = 3; return b; }, 'unsupported_version', /^this server speaks Parley protocol 2 and your client speaks protocol 3/],
    ['a second ClientHello instead of the ClientFinish', (f) => Uint8Array.from([0x01, ...f.subarray(1)]), 'unexpected_message', /^expected ClientFinish, got ClientHello$/],
  ];
  for (const [what, spoil, code, text] of spoiled) {
    it(`${what}: Error ${code}, close ${code === 'unsupported_version' ? 4002 : 4001}`, async () => {
      const r = await uptoFinish(ctx.url, 'spoiler');
      r.ws.send(spoil(r.finish));
      const closed = await r.closed;
      assert.equal(r.received.length, 2, 'the ServerHello, then one Error message');
      const err = parseError(r.received[1]!);
      assert.equal(err.code, code);
      assert.match(err.message, text);
      assert.ok(!err.message.startsWith(`${code}:`), 'the text does not repeat the code');
      assert.deepEqual(closed, { code: code === 'unsupported_version' ? 4002 : 4001, reason: err.message.slice(0, 120) });
      assert.equal(ctx.server.hub.member('spoiler'), undefined);
    });
  }

  it('a resumption whose ResumeFinish does not verify: Error bad_signature, close 4001', async () => {
    const identity = quickKey();
    // a full handshake through a ResumeHello: ready, its join, then a ticket
    const first = await raw(ctx.url);
    const hs = new ClientHandshake({ identity, name: 'resumer', crypto: nodeCrypto, tickets: true });
    first.ws.send(hs.hello());
    await until(() => first.received.length >= 1, 'the ServerHello');
    const res = hs.onServerHello(first.received[0]!);
    first.ws.send(res.finish);
    await until(() => eventsOf(first, res.session).some((e) => e.type === ('ticket' as string)), 'the ticket');
    const t = eventsOf(first, res.session).find((e) => e.type === ('ticket' as string)) as unknown as { ticket: string };
    first.ws.close();
    await first.closed;
    // the ticket offered again, and a ResumeFinish with one bit flipped
    const again = await raw(ctx.url);
    const hs2 = new ClientHandshake({
      identity, name: 'resumer', crypto: nodeCrypto, tickets: true,
      ticket: { ticket: new Uint8Array(Buffer.from(t.ticket, 'base64')), resumptionSecret: res.resumptionSecret!, serverFingerprint: res.serverFingerprint },
    });
    again.ws.send(hs2.hello());
    await until(() => again.received.length >= 1, 'the ResumeServerHello');
    const r2 = hs2.onServerHello(again.received[0]!);
    assert.equal(r2.resumed, true, 'the ticket was accepted');
    const spoiled = r2.finish.slice();
    spoiled[spoiled.length - 1]! ^= 1;
    again.ws.send(spoiled);
    const closed = await again.closed;
    assert.equal(again.received.length, 2);
    const err = parseError(again.received[1]!);
    assert.equal(err.code, 'bad_signature');
    assert.deepEqual(closed, { code: 4001, reason: err.message.slice(0, 120) });
  });

  it('ready: the name, the rooms the client is in (lobby, joined by the server), the frame limit; then its own join', async () => {
    const r = await uptoFinish(ctx.url, 'Newbie');
    r.ws.send(r.finish);
    await until(() => eventsOf(r, r.session).length >= 2, 'ready and the join');
    const [ready, join] = eventsOf(r, r.session) as [Extract<ServerEvent, { type: 'ready' }>, ServerEvent];
    assert.equal(ready.type, 'ready');
    assert.equal(ready.name, 'Newbie');
    assert.deepEqual(ready.rooms, ['lobby']);
    assert.equal(ready.maxFrameLength, 65536, 'the server\'s maxFrameBytes (default)');
    assert.deepEqual(Object.keys(ready), ['type', 'name', 'fingerprint', 'serverFingerprint', 'rooms', 'limits', 'maxFrameLength']);
    assert.ok(join.type === 'join' && join.room === 'lobby' && join.name === 'Newbie' && join.members === 1, JSON.stringify(join));
    r.ws.close();
  });

  it('ready.maxFrameLength is the server option maxFrameBytes', async () => {
    const r = await uptoFinish(small.url, 'smallframes');
    r.ws.send(r.finish);
    await until(() => eventsOf(r, r.session).length >= 1, 'ready');
    const [ready] = eventsOf(r, r.session);
    assert.ok(ready?.type === 'ready');
    assert.equal(ready.maxFrameLength, 8192);
    r.ws.close();
  });

  it('ready.name is the registered spelling: another case of the same name, same key, gets it', async () => {
    const identity = quickKey();
    const names: string[] = [];
    for (const asked of ['Carol', 'CAROL']) {
      const r = await raw(ctx.url);
      const hs = new ClientHandshake({ identity, name: asked, crypto: nodeCrypto });
      r.ws.send(hs.hello());
      await until(() => r.received.length >= 1, 'the ServerHello');
      const res = hs.onServerHello(r.received[0]!);
      r.ws.send(res.finish);
      await until(() => eventsOf(r, res.session).length >= 1, 'ready');
      const [ready] = eventsOf(r, res.session);
      assert.ok(ready?.type === 'ready');
      names.push(ready.name);
      r.ws.close();
      await r.closed;
    }
    assert.deepEqual(names, ['Carol', 'Carol']);
  });

  it('requests sent right after the ClientFinish, before ready, are handled after ready, in order', async () => {
    const r = await uptoFinish(ctx.url, 'early');
    // all in one go, before any answer: the server is still admitting the client
    r.ws.send(r.finish);
    r.ws.send(r.session.seal({ t: 'join', room: 'first' }));
    r.ws.send(r.session.seal({ t: 'ping' }));
    r.ws.send(r.session.seal({ t: 'who', room: 'first' }));
    await until(() => eventsOf(r, r.session).some((e) => e.type === 'who'), 'the who');
    const got = eventsOf(r, r.session).map((e) => (e.type === 'join' ? `join ${e.room}` : e.type));
    assert.deepEqual(got, ['ready', 'join lobby', 'join first', 'pong', 'who']);
    r.ws.close();
  });
});
