/**
 * ChatConnection with several servers (the nodes of one cluster): it connects to the first that
 * answers and, when its server goes away, to the next one by itself, within its backoff. Two real
 * ParleyServers in this process, single nodes sharing one identity key (no cluster needed to
 * show the client's side); pins checked as `parley chat` does (checkPin with the group).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { ChatConnection, type ConnectionStatus, type FatalError } from '../../src/client/connection.js';
import { checkPin, knownHostsPath, serverId } from '../../src/client/pins.js';
import { wsSocketFactory } from '../../src/client/socket-ws.js';
import type { ChatEvent } from '../../src/chat/events.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { fingerprint } from '../../src/rsa/fingerprint.js';
import type { RsaPrivateKey } from '../../src/rsa/key.js';
import { closeAll, freePort, quickKey, sleep, startServer, tempDir } from '../integration/harness.js';

after(closeAll);

const MIN_MS = 100;
const MAX_MS = 800;

/** A connection to `urls` recording its statuses, `ready` events (with the server they came from) and fatal errors. */
function client(urls: string[], verify: (fp: string, url: string) => { ok: true } | { ok: false; message: string } = () => ({ ok: true })) {
  const conn = new ChatConnection({ url: urls, identity: quickKey(), name: 'alice', crypto: nodeCrypto, socket: wsSocketFactory(), verifyServer: verify, minReconnectMs: MIN_MS, maxReconnectMs: MAX_MS });
  const statuses: ConnectionStatus[] = [];
  const readies: { url: string; at: number }[] = [];
  const fatal: FatalError[] = [];
  conn.on('status', (s: ConnectionStatus) => statuses.push(s));
  conn.on('event', (e: ChatEvent) => {
    if (e.type === 'ready') readies.push({ url: conn.url, at: Date.now() });
  });
  conn.on('fatal', (f: FatalError) => fatal.push(f));
  return { conn, statuses, readies, fatal };
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(10);
  }
}

async function pair(keyB?: RsaPrivateKey) {
  const key = quickKey();
  const a = await startServer({ identity: key });
  const b = await startServer({ identity: keyB ?? key });
  return { key, a, b };
}

describe('ChatConnection with several servers', () => {
  it('connected to A; A stops: it reconnects to B by itself, within its backoff, and says where it is', async () => {
    const { a, b, key } = await pair();
    const c = client([a.url, b.url]);
    c.conn.start();
    await until(() => c.readies.length === 1, 10_000, 'ready on A');
    assert.equal(c.readies[0]!.url, a.url);
    assert.deepEqual(c.statuses.find((s) => s.state === 'connected'), { state: 'connected', serverFingerprint: fingerprint(key.publicKey), url: a.url });
    const closedAt = Date.now();
    await a.server.close('the server is shutting down');
    await until(() => c.readies.length === 2, 5_000, 'ready on B');
    const took = c.readies[1]!.at - closedAt;
    assert.equal(c.readies[1]!.url, b.url);
    assert.equal(c.conn.url, b.url);
    // one failure after a connection that had not been up for stableAfterMs: at most 2 × MIN_MS × 1.2, plus a handshake
    assert.ok(took < 2 * MIN_MS * 1.2 + 2_000, `moved to B after ${took} ms`);
    const connecting = c.statuses.filter((s): s is Extract<ConnectionStatus, { state: 'connecting' }> => s.state === 'connecting').map((s) => s.url);
    assert.deepEqual(connecting, [a.url, b.url], 'the next attempt went to B, not to A again');
    assert.deepEqual(c.fatal, []);
    c.conn.close();
  });

  it('the first server is down at start: it goes on to the next one (round robin), and back to the first when that one goes', async () => {
    const down = `ws://127.0.0.1:${await freePort()}`;
    const { b } = await pair();
    const c = client([down, b.url]);
    c.conn.start();
    await until(() => c.readies.length === 1, 10_000, 'ready on B');
    assert.equal(c.readies[0]!.url, b.url);
    const failed = c.statuses.find((s) => s.state === 'reconnecting');
    assert.ok(failed && failed.state === 'reconnecting' && /refused/.test(failed.reason), JSON.stringify(failed));
    await b.server.close('bye');
    await until(() => c.statuses.filter((s) => s.state === 'connecting').length >= 4, 10_000, 'tries down, then B again');
    const order = c.statuses.filter((s): s is Extract<ConnectionStatus, { state: 'connecting' }> => s.state === 'connecting').map((s) => s.url);
    assert.deepEqual(order.slice(0, 4), [down, b.url, down, b.url]);
    c.conn.close();
  });

  it("a server's Retry-After (HTTP 429) delays only the attempts on that server", async () => {
    const busy = http.createServer((_q, res) => res.writeHead(429, { 'Retry-After': '60' }).end('slow down'));
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const a = `ws://127.0.0.1:${(busy.address() as AddressInfo).port}`;
      const { b } = await pair();
      const c = client([a, b.url]);
      const started = Date.now();
      c.conn.start();
      await until(() => c.readies.length === 1, 10_000, 'ready on B');
      assert.ok(Date.now() - started < 5_000, 'B was not made to wait for A\'s Retry-After');
      await b.server.close('bye');
      // the next attempt is A's: it waits out A's Retry-After (60 s), not the backoff
      await until(() => c.statuses.filter((s) => s.state === 'reconnecting').length === 2, 5_000, 'B dropped');
      const waits = c.statuses.filter((s): s is Extract<ConnectionStatus, { state: 'reconnecting' }> => s.state === 'reconnecting').map((s) => s.inMs);
      assert.ok(waits[0]! <= MAX_MS * 1.2, `to B after A's 429: ${waits[0]} ms`);
      assert.ok(waits[1]! > 55_000 && waits[1]! <= 60_000, `to A again: ${waits[1]} ms`);
      c.conn.close();
    } finally {
      busy.closeAllConnections();
      await new Promise((r) => busy.close(r));
    }
  });

  describe('pins: the servers given together share one key', () => {
    /** verifyServer as `parley chat` makes it: checkPin with the whole list as the group. */
    const pinned = (home: string, urls: string[]) => (fp: string, url: string) => {
      const r = checkPin(home, url, fp, urls);
      return r === 'new' || r === 'match' || 'shared' in r ? ({ ok: true } as const) : ({ ok: false, message: 'server_key_changed' } as const);
    };

    it('B presents the key pinned on A: accepted, and pinned for B too', async () => {
      const { a, b, key } = await pair();
      const home = tempDir();
      try {
        const urls = [a.url, b.url];
        const c = client(urls, pinned(home.dir, urls));
        c.conn.start();
        await until(() => c.readies.length === 1, 10_000, 'ready on A');
        await a.server.close('bye');
        await until(() => c.readies.length === 2, 5_000, 'ready on B');
        const fp = fingerprint(key.publicKey);
        assert.equal(readFileSync(knownHostsPath(home.dir), 'utf8'), `${serverId(a.url)} ${fp}\n${serverId(b.url)} ${fp}\n`);
        assert.deepEqual(c.fatal, []);
        c.conn.close();
      } finally {
        home.cleanup();
      }
    });

    it('B presents another key: refused for good with server_key_changed, nothing pinned for B', async () => {
      const { a, b, key } = await pair(quickKey());
      const home = tempDir();
      try {
        const urls = [a.url, b.url];
        const c = client(urls, pinned(home.dir, urls));
        c.conn.start();
        await until(() => c.readies.length === 1, 10_000, 'ready on A');
        await a.server.close('bye');
        await until(() => c.fatal.length === 1, 5_000, 'refused on B');
        assert.equal(c.fatal[0]!.code, 'server_key_changed');
        assert.equal(c.readies.length, 1, 'never ready on B');
        assert.equal(readFileSync(knownHostsPath(home.dir), 'utf8'), `${serverId(a.url)} ${fingerprint(key.publicKey)}\n`);
        await sleep(3 * MAX_MS);
        assert.equal(c.statuses.filter((s) => s.state === 'connecting').length, 2, 'no attempt after the refusal');
        c.conn.close();
      } finally {
        home.cleanup();
      }
    });
  });
});
