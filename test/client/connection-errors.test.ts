/**
 * What ChatConnection does with errors (docs/PROTOCOL.md §Errors, "What a client does with an
 * error"), against a scripted server made of the protocol's own classes: nothing
 * unauthenticated stops it for good — a plaintext Error before the session ends one attempt, one
 * after the session is a protocol error whose text is never shown — while a changed pinned key
 * and the authenticated name errors do stop it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChatConnection, FATAL_ERROR_CODES, VERSION_HINT, type ConnectionStatus, type FatalError, type PinDecision } from '../../src/client/connection.js';
import type { SocketFactory } from '../../src/client/socket.js';
import type { ChatEvent } from '../../src/chat/events.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { rsaKey } from '../protocol/helpers.js';
import { fakeSocketFactory, plainError, ready, type ConnPlan } from './fake-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A reconnecting client over `factory`, recording everything it reports. */
function client(factory: SocketFactory, verifyServer: (fp: string) => PinDecision = () => ({ ok: true })) {
  const conn = new ChatConnection({
    url: 'ws://fake',
    identity: rsaKey('conn-client'),
    name: 'alice',
    crypto: nodeCrypto,
    socket: factory,
    verifyServer,
    minReconnectMs: 5,
    maxReconnectMs: 20,
  });
  const rec = { statuses: [] as ConnectionStatus[], events: [] as ChatEvent[], fatal: [] as FatalError[] };
  conn.on('status', (s) => rec.statuses.push(s));
  conn.on('event', (e) => rec.events.push(e));
  conn.on('fatal', (f) => rec.fatal.push(f));
  return { conn, ...rec };
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const readies = (events: ChatEvent[]) => events.filter((e) => e.type === 'ready').length;
/** Everything the client reported, as one string: a forged text must appear nowhere in it. */
const everything = (c: { statuses: unknown[]; events: unknown[]; fatal: unknown[] }) => JSON.stringify([c.statuses, c.events, c.fatal]);

describe('a plaintext Error after the session is open', () => {
  it('is a protocol error: no fatal, the client reconnects, its text is shown nowhere', async () => {
    const FORGED = 'FORGED-after-session: pick another name';
    const { factory, connections } = fakeSocketFactory((n) => (n === 0 ? { after: [ready(), plainError('name_taken', FORGED)] } : {}));
    const c = client(factory);
    c.conn.start();
    await until(() => readies(c.events) === 2, 'a second ready');
    c.conn.close();
    assert.deepEqual(c.fatal, [], 'not fatal');
    assert.equal(connections(), 2, 'reconnected once');
    const why = c.statuses.find((s) => s.state === 'reconnecting');
    assert.ok(why && why.state === 'reconnecting' && /unexpected_message/.test(why.reason), JSON.stringify(why));
    assert.ok(!everything(c).includes('FORGED'), 'the forged text is never reported');
  });

  it('any other unencrypted message after the session (a second ServerHello, an unknown type) is treated the same', async () => {
    for (const bytes of [new Uint8Array([0x02, 0x01, 0, 0]), new Uint8Array([0x42, 1, 2, 3])]) {
      const { factory, connections } = fakeSocketFactory((n) => (n === 0 ? { after: [ready(), bytes] } : {}));
      const c = client(factory);
      c.conn.start();
      await until(() => readies(c.events) === 2, 'a second ready');
      c.conn.close();
      assert.deepEqual(c.fatal, []);
      assert.equal(connections(), 2);
    }
  });
});

describe('backoff', () => {
  it('a forged Error injected after every handshake does not make a tight loop: the delay doubles', async () => {
    const { factory } = fakeSocketFactory(() => ({ after: [ready(), plainError('name_taken', 'forged')] }));
    const c = client(factory);
    c.conn.start();
    await until(() => c.statuses.filter((s) => s.state === 'reconnecting').length >= 4, 'four reconnections');
    c.conn.close();
    const delays = c.statuses.flatMap((s) => (s.state === 'reconnecting' ? [s.inMs] : []));
    // minReconnectMs 5, maxReconnectMs 20, ±20 % jitter: 4–6, 8–12, 16–24, 16–24 (capped) …
    assert.ok(delays[0]! <= 6 && delays[1]! >= 8 && delays[2]! >= 16 && delays[3]! >= 16, JSON.stringify(delays));
    assert.deepEqual(c.fatal, []);
  });

  it('after a connection that stayed up for stableAfterMs the delay starts again from minReconnectMs', async () => {
    let n = 0;
    const { factory } = fakeSocketFactory(() => (n++ < 3 ? { helloReply: plainError('server_full', 'full') } : { after: [ready()], close: { code: 1001, reason: 'bye' } }));
    const conn = new ChatConnection({ url: 'ws://fake', identity: rsaKey('conn-client'), name: 'alice', crypto: nodeCrypto, socket: factory, verifyServer: () => ({ ok: true }), minReconnectMs: 5, maxReconnectMs: 1000, stableAfterMs: 0 });
    const delays: number[] = [];
    conn.on('status', (s) => s.state === 'reconnecting' && delays.push(s.inMs));
    conn.start();
    await until(() => delays.length >= 4, 'four reconnections');
    conn.close();
    // three failed attempts double the delay (5, 10, 20 ±20 %); the stable session resets it to 5 ±20 %
    assert.ok(delays[2]! >= 16 && delays[3]! <= 6, JSON.stringify(delays));
  });
});

describe('a plaintext Error before the session', () => {
  // every code, even the ones that are fatal when authenticated: unauthenticated, it ends one attempt only
  for (const code of ['name_taken', 'handshake_failed', 'server_key_changed', 'invalid_name', 'replaced', 'name_limit', 'server_full', 'handshake_timeout']) {
    it(`${code}: ends this attempt; the client reconnects and shows code and message as the reason`, async () => {
      const { factory, connections } = fakeSocketFactory((n) => (n === 0 ? { helloReply: plainError(code, `refused (${code})`), close: { code: 4001, reason: 'x' } } : {}));
      const c = client(factory);
      c.conn.start();
      await until(() => readies(c.events) === 1, 'ready on the second attempt');
      c.conn.close();
      assert.deepEqual(c.fatal, [], 'not fatal');
      assert.equal(connections(), 2);
      const why = c.statuses.find((s) => s.state === 'reconnecting');
      assert.ok(why && why.state === 'reconnecting', 'a reconnecting status');
      assert.equal(why.reason, `${code}: refused (${code})`);
    });
  }

  it('unsupported_version: ends this attempt only, its reason with the client\'s own advice to upgrade', async () => {
    const text = 'this server speaks Parley protocol 3 and your client speaks protocol 2: …';
    const { factory, connections } = fakeSocketFactory((n) => (n === 0 ? { helloReply: plainError('unsupported_version', text), close: { code: 4002, reason: 'x' } } : {}));
    const c = client(factory);
    c.conn.start();
    await until(() => readies(c.events) === 1, 'ready on the second attempt');
    c.conn.close();
    assert.deepEqual(c.fatal, [], 'unauthenticated: not fatal');
    assert.equal(connections(), 2);
    const why = c.statuses.find((s) => s.state === 'reconnecting');
    assert.ok(why && why.state === 'reconnecting');
    assert.equal(why.reason, `unsupported_version: ${text} (${VERSION_HINT})`);
    assert.equal(why.brief, 'protocol version refused: upgrade Parley?');
    assert.match(VERSION_HINT, /upgrade Parley/);
  });

  it('an invalid ServerHello is a failed attempt, not fatal', async () => {
    const { factory, connections } = fakeSocketFactory((n) => (n === 0 ? { helloReply: new Uint8Array([0x02, PROTOCOL_VERSION, 1, 2, 3]) } : {}));
    const c = client(factory);
    c.conn.start();
    await until(() => readies(c.events) === 1, 'ready on the second attempt');
    c.conn.close();
    assert.deepEqual(c.fatal, []);
    assert.equal(connections(), 2);
    const why = c.statuses.find((s) => s.state === 'reconnecting');
    assert.ok(why && why.state === 'reconnecting' && /handshake is invalid \(malformed\)/.test(why.reason), JSON.stringify(why));
  });
});

describe('what stays fatal', () => {
  it('a server key other than the pinned one: fatal server_key_changed, ClientFinish never sent, no reconnection', async () => {
    const { factory, connections, requests } = fakeSocketFactory(() => ({ identity: rsaKey('an-impostor') }));
    let finishSent = false;
    const watching: SocketFactory = (url, h, s) => {
      const sock = factory(url, h, s);
      let sent = 0;
      return { ...sock, send: (d) => { if (++sent === 2) finishSent = true; sock.send(d); }, close: sock.close, terminate: sock.terminate, get isOpen() { return sock.isOpen; } };
    };
    const c = client(watching, () => ({ ok: false, message: 'pinned SHA256:old, presented SHA256:new' }));
    c.conn.start();
    await until(() => c.fatal.length === 1, 'the fatal error');
    await sleep(60);
    assert.deepEqual(c.fatal, [{ code: 'server_key_changed', message: 'pinned SHA256:old, presented SHA256:new', fromServer: false }]);
    assert.equal(finishSent, false, 'no ClientFinish');
    assert.equal(connections(), 1, 'no reconnection');
    assert.deepEqual(requests, []);
  });

  // the table of docs/PROTOCOL.md: authenticated error events, fatal or not
  const cases: [string, boolean][] = [
    ['name_taken', true],
    ['invalid_name', true],
    ['replaced', true],
    ['name_limit', true],
    ['unsupported_version', true],
    ['hash_mismatch', false],
    ['too_long', false],
    ['server_full', false],
    ['handshake_failed', false],
    ['server_key_changed', false],
  ];
  for (const [code, fatal] of cases) {
    it(`an authenticated error event ${code}: ${fatal ? 'fatal' : 'shown, not fatal'}`, async () => {
      const { factory, connections } = fakeSocketFactory(() => ({ after: [ready(), { type: 'error', code: code as 'too_long', message: `because ${code}` }] }));
      const c = client(factory);
      c.conn.start();
      await until(() => c.fatal.length > 0 || c.events.some((e) => e.type === 'error'), 'the error');
      await sleep(30);
      c.conn.close();
      assert.equal(FATAL_ERROR_CODES.has(code), fatal);
      if (fatal) {
        // unsupported_version comes with the client's own advice (the server's text is only the server's)
        const hint = code === 'unsupported_version' ? { hint: VERSION_HINT } : {};
        assert.deepEqual(c.fatal, [{ code, message: `because ${code}`, fromServer: true, ...hint }]);
        assert.equal(connections(), 1, 'no reconnection');
      } else {
        assert.deepEqual(c.fatal, []);
        assert.ok(c.events.some((e) => e.type === 'error' && e.code === code && e.message === `because ${code}`));
      }
    });
  }
});

describe('events of the wrong shape', () => {
  it('a known event with a mistyped field is a protocol error: not shown, the client reconnects', async () => {
    const bad = { type: 'join', room: 'lobby', name: 'bob', members: '\x1b[2J', ts: 1 } as unknown as ChatEvent;
    const plans: ConnPlan[] = [{ after: [ready(), bad] }, {}];
    const { factory, connections } = fakeSocketFactory((n) => plans[n] ?? {});
    const c = client(factory);
    c.conn.start();
    await until(() => readies(c.events) === 2, 'a second ready');
    c.conn.close();
    assert.equal(connections(), 2);
    assert.ok(!c.events.some((e) => e.type === 'join'), 'the bad event is not passed on');
    const why = c.statuses.find((s) => s.state === 'reconnecting');
    assert.ok(why && why.state === 'reconnecting' && /malformed/.test(why.reason) && !why.reason.includes('\x1b'), JSON.stringify(why));
  });
});

describe('retryAs: another name after a refused one', () => {
  for (const code of ['name_taken', 'invalid_name'] as const) {
    it(`after a fatal ${code}: connects again asking for the new name, exactly once`, async () => {
      const { factory, connections, names } = fakeSocketFactory((n) =>
        n === 0 ? { after: [{ type: 'error', code, message: 'no' }], close: { code: 4002, reason: code } } : { after: [ready({}, { name: 'bob' })] },
      );
      const c = client(factory);
      c.conn.start();
      await until(() => c.fatal.length === 1, 'the fatal error');
      assert.equal(c.fatal[0]!.code, code);
      await sleep(30); // the refused connection is closed by now
      c.conn.retryAs('bob');
      assert.equal(c.conn.currentName, 'bob');
      await until(() => readies(c.events) === 1, 'ready as bob');
      await sleep(60);
      c.conn.close();
      assert.deepEqual(names, ['alice', 'bob']);
      assert.equal(connections(), 2, 'one new connection, no reconnection loop from the old socket');
    });
  }

  it('retryAs right after the fatal event (the refused socket still open): the old socket reports nothing more', async () => {
    const { factory, connections, names } = fakeSocketFactory((n) =>
      n === 0 ? { after: [{ type: 'error', code: 'name_taken', message: 'no' }], close: { code: 4002, reason: 'taken' } } : { after: [ready({}, { name: 'bob' })] },
    );
    const c = client(factory);
    c.conn.on('fatal', () => c.conn.retryAs('bob'));
    c.conn.start();
    await until(() => readies(c.events) === 1, 'ready as bob');
    await sleep(60);
    c.conn.close();
    assert.deepEqual(names, ['alice', 'bob']);
    assert.equal(connections(), 2);
    assert.ok(!c.statuses.some((s) => s.state === 'reconnecting'), JSON.stringify(c.statuses));
  });

  it('throws in any other state, and for an invalid name', async () => {
    const { factory } = fakeSocketFactory((n) => (n === 0 ? { after: [{ type: 'error', code: 'name_taken', message: 'no' }] } : {}));
    const c = client(factory);
    assert.throws(() => c.conn.retryAs('bob'), RangeError, 'not stopped');
    c.conn.start();
    await until(() => c.fatal.length === 1, 'the fatal error');
    assert.throws(() => c.conn.retryAs('no way'), RangeError);
    c.conn.close();
    const k = client(fakeSocketFactory(() => ({ identity: rsaKey('an-impostor') })).factory, () => ({ ok: false, message: 'changed' }));
    k.conn.start();
    await until(() => k.fatal.length === 1, 'server_key_changed');
    assert.throws(() => k.conn.retryAs('bob'), RangeError, 'only a refused name can be retried');
  });
});
