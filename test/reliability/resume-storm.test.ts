/**
 * A reconnection storm after a cluster node dies (issue 14, item 3): 1,000 clients that held
 * tickets of the dead node come back to another node — a server process of its own with the
 * same identity key file — by resuming, join their rooms (10 members each) and chat; every one of
 * them must be back and have received every message of its room well within 10 s on this
 * 2-core machine, with no RSA operation on the server (every client reports a resumption).
 *
 * The dead node's tickets are sealed here, in the test process, with the same code and key a
 * node runs (serverTickets on the same identity and default options): making them through 1,000
 * full handshakes would cost ~40 s of RSA before the storm even starts. That tickets issued by one
 * ParleyServer resume on another is shown with real handshakes in test/integration/resume.test.ts.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { PER_SOURCE_OFF } from './lib/inproc.js';
import { nodeTicket, pool } from './lib/storm-tickets.js';
import { keyPool, toParleyKey } from './lib/keys.js';
import { RawClient } from './lib/raw-client.js';
import { ServerChild } from './lib/server-child.js';
import { payloadText, roomMessage } from './lib/swarm.js';
import { tempDirs } from './lib/tmp.js';

const CLIENTS = 1000;
const KEYS = 100;
const ROOM_SIZE = 10;
const CONCURRENCY = 100;
/** The target: everyone back and chatting within 10 s. */
const TARGET_MS = 10_000;

describe('reconnection storm with session resumption', () => {
  const tmp = tempDirs('parley-storm-');
  let server: ServerChild | undefined;
  const clients: RawClient[] = [];
  after(async () => {
    for (const c of clients) c.terminate();
    await server?.stop();
    tmp.cleanup();
  });

  it(`${CLIENTS} clients of a dead node resume on another node, rejoin and chat within ${TARGET_MS / 1000} s`, { timeout: 180_000 }, async (t) => {
    // the cluster's identity key file, loaded by the surviving node
    const pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = path.join(tmp.make('key'), 'server.pem');
    writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
    const identity: RsaPrivateKey = toParleyKey(pair.privateKey);
    const keys = await keyPool(KEYS);
    server = await ServerChild.start({
      keyFile,
      chat: { maxNamesPerKey: CLIENTS / KEYS, newNamesPerSourceBurst: CLIENTS, messagesPerSecond: 50, burst: 50 },
      transport: PER_SOURCE_OFF,
    });
    // the tickets the dead node had issued (same key, same default ticket options as the surviving node)
    const authenticatedAt = Date.now() - 10 * 60_000;
    const plan = Array.from({ length: CLIENTS }, (_, i) => {
      const key = keys[i % KEYS]!;
      const name = `s${i}`;
      return { key, name, room: `r${Math.floor(i / ROOM_SIZE)}`, ticket: nodeTicket(identity, key, name, authenticatedAt) };
    });
    const got = new Map<string, number>();
    const cpu = async () => {
      const c = (await server!.mem()).cpu;
      return (c.user + c.system) / 1000;
    };
    const cpu0 = await cpu();
    const t0 = performance.now();
    let attempts = 0;
    // every client of the dead node reconnects at once (CONCURRENCY at a time), offering its ticket
    await pool(plan, CONCURRENCY, async (p) => {
      const { client, attempts: a } = await RawClient.connectWithRetry(server!.url, p.key, p.name, {
        ticket: p.ticket,
        deadlineMs: 60_000,
        onEvent: (e) => {
          if (e.type === 'e2e_room' && e.room === p.room && payloadText(e)?.startsWith('hello from ')) got.set(p.name, (got.get(p.name) ?? 0) + 1);
        },
      });
      attempts += a;
      clients.push(client);
    });
    const ready = performance.now() - t0;
    const cpuReady = await cpu();
    // each rejoins its room (the lobby, which everyone is put in first, makes every arrival a notice to all: O(n²) events)
    await pool(clients, CONCURRENCY, async (c) => {
      const room = plan.find((p) => p.name === c.name)!.room;
      c.send({ t: 'join', room });
      await c.next((e) => e.type === 'join' && e.name === c.name && e.room === room, 30_000);
    });
    const back = performance.now() - t0;
    for (const [i, c] of clients.entries()) c.send(roomMessage(plan.find((p) => p.name === c.name)!.room, `hello from ${c.name} ${i}`));
    const end = Date.now() + 30_000;
    while ([...got.values()].filter((n) => n === ROOM_SIZE).length < CLIENTS && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const chatting = performance.now() - t0;
    const cpuEnd = await cpu();
    const resumed = clients.filter((c) => c.resumed).length;
    t.diagnostic(
      `${CLIENTS} clients (${CONCURRENCY} at a time): all resumed and ready after ${(ready / 1000).toFixed(2)} s (${attempts} attempts; server CPU ${(cpuReady - cpu0).toFixed(0)} ms, ` +
        `${((cpuReady - cpu0) / CLIENTS).toFixed(2)} ms per connection: handshake, ready, lobby join notices), back in their rooms after ${(back / 1000).toFixed(2)} s, ` +
        `every room message delivered after ${(chatting / 1000).toFixed(2)} s; server CPU in all ${(cpuEnd - cpu0).toFixed(0)} ms; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
    );
    assert.equal(clients.length, CLIENTS, 'everyone connected');
    assert.equal(resumed, CLIENTS, 'every connection resumed: no RSA operation on the server');
    assert.equal([...got.values()].filter((n) => n === ROOM_SIZE).length, CLIENTS, 'every client got every message of its room, once');
    assert.ok([...got.values()].every((n) => n === ROOM_SIZE), 'no duplicate');
    assert.ok(chatting < TARGET_MS, `back and chatting in ${chatting.toFixed(0)} ms, under ${TARGET_MS} ms`);
  });
});
