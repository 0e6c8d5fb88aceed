/**
 * The client's ticket rules (docs/PROTOCOL.md §Session resumption, "Client rules"): TicketKeeper
 * keeps the latest ticket in memory, offers it only for its name and before it expires, ignores
 * malformed ticket events, wipes the secret when it drops one; ChatConnection asks for tickets
 * with a ResumeHello, and falls back to plain ClientHellos for good once a server answers a
 * ResumeHello with an Error `unexpected_message` (a server without resumption), or `handshake_failed`
 * (one that also predates the error codes).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChatConnection } from '../../src/client/connection.js';
import type { SocketFactory } from '../../src/client/socket.js';
import { TicketKeeper } from '../../src/client/tickets.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { MessageType } from '../../src/protocol/index.js';
import { rsaKey } from '../protocol/helpers.js';
import { fakeSocketFactory, plainError, ready } from './fake-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');

describe('TicketKeeper', () => {
  it('offers the latest ticket for its name until it expires, then forgets it', () => {
    const clock = { now: 1000 };
    const k = new TicketKeeper(() => clock.now);
    const secret = new Uint8Array(32).fill(1);
    k.take({ ticket: b64(100), lifetimeMs: 5000 }, secret, 'SHA256:server', 'alice');
    secret.fill(9); // the keeper has its own copy
    const t = k.offer('alice');
    assert.ok(t);
    assert.deepEqual(t.resumptionSecret, new Uint8Array(32).fill(1));
    assert.equal(t.serverFingerprint, 'SHA256:server');
    assert.equal(k.offer('bob'), undefined, 'not for another name');
    k.take({ ticket: b64(200), lifetimeMs: 5000 }, new Uint8Array(32).fill(2), 'SHA256:server', 'alice');
    assert.equal(k.offer('alice')!.ticket.length, 200, 'the latest replaces the previous');
    assert.deepEqual(t.resumptionSecret, new Uint8Array(32), 'the replaced ticket’s secret was wiped');
    clock.now += 5000;
    assert.equal(k.offer('alice'), undefined, 'expired');
    assert.equal(k.held, false);
  });

  it('caps the lifetime at 7 days and ignores malformed events or a missing secret', () => {
    const clock = { now: 0 };
    const k = new TicketKeeper(() => clock.now);
    k.take({ ticket: b64(100), lifetimeMs: 30 * 24 * 3600 * 1000 }, new Uint8Array(32), 'SHA256:s', 'a');
    clock.now = 7 * 24 * 3600 * 1000;
    assert.equal(k.offer('a'), undefined, 'a server cannot make a client keep a ticket beyond 7 days');
    for (const [ev, secret] of [
      [{ ticket: b64(100), lifetimeMs: 0 }, new Uint8Array(32)],
      [{ ticket: b64(100), lifetimeMs: -5 }, new Uint8Array(32)],
      [{ ticket: '', lifetimeMs: 1000 }, new Uint8Array(32)],
      [{ ticket: b64(769), lifetimeMs: 1000 }, new Uint8Array(32)],
      [{ ticket: '%%%not base64', lifetimeMs: 1000 }, new Uint8Array(32)],
      [{ ticket: b64(100), lifetimeMs: 1000 }, undefined],
    ] as const) {
      k.take(ev, secret, 'SHA256:s', 'a');
      assert.equal(k.held, false, JSON.stringify(ev));
    }
  });
});

/**
 * Runs a ChatConnection against a fake server whose first connection answers the hello with
 * `firstReply` and closes with `close`, later ones with `ready`; returns the types of the first
 * `count` hellos the client sent (ClientHello or ResumeHello).
 */
async function helloTypes(firstReply: Uint8Array, close: { code: number; reason: string }, count: number): Promise<number[]> {
  const hellos: number[] = [];
  const { factory } = fakeSocketFactory((n) => (n === 0 ? { helloReply: firstReply, close } : { after: [ready()], close: { code: 1001, reason: 'bye' } }));
  const recording: SocketFactory = (url, h, o) => {
    const s = factory(url, h, o);
    return new Proxy(s, {
      get(t, p) {
        if (p === 'send') return (d: Uint8Array) => (hellos.length < 10 && (d[0] === MessageType.ClientHello || d[0] === MessageType.ResumeHello) && hellos.push(d[0]), t.send(d));
        return Reflect.get(t, p) as unknown;
      },
    });
  };
  const conn = new ChatConnection({ url: 'ws://fake', identity: rsaKey('conn-client'), name: 'alice', crypto: nodeCrypto, socket: recording, verifyServer: () => ({ ok: true }), minReconnectMs: 5, maxReconnectMs: 20 });
  conn.start();
  const end = Date.now() + 5000;
  while (hellos.length < count && Date.now() < end) await sleep(10);
  conn.close();
  return hellos.slice(0, count);
}

describe('ChatConnection and servers that predate resumption', () => {
  // what a server without resumption answers a ResumeHello (docs/PROTOCOL.md §Who asks for tickets):
  // unexpected_message; servers before the error codes said handshake_failed, their text naming the reason
  const refusals: [string, string][] = [
    ['unexpected_message', 'expected ClientHello, got 0x04'],
    ['handshake_failed', 'unexpected_message: expected ClientHello, got 0x04'],
  ];
  for (const [code, text] of refusals) it(`asks for tickets with a ResumeHello; after an Error ${code} answering it, sends ClientHellos from then on`, async () => {
    // connection 0: a server that does not know 0x04 refuses it as it would any unknown message
    const hellos = await helloTypes(plainError(code, text), { code: 4001, reason: 'handshake failed' }, 3);
    assert.deepEqual(hellos, [MessageType.ResumeHello, MessageType.ClientHello, MessageType.ClientHello]);
  });

  it('another Error code (server_full) does not turn resumption off', async () => {
    const hellos = await helloTypes(plainError('server_full', 'full'), { code: 1013, reason: 'full' }, 2);
    assert.deepEqual(hellos, [MessageType.ResumeHello, MessageType.ResumeHello]);
  });
});
