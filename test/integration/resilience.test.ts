/** Reconnection, graceful shutdown and rate limiting over real sockets. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ClientHandshake, SUBPROTOCOL } from '../../src/protocol/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import type { ServerEvent } from '../../src/chat/events.js';
import WebSocket from 'ws';
import { CLI } from '../helpers/paths.js';
import { payloadOf, quickKey, sleep, startServer, tempDir, TestClient, closeAll, textOf } from './harness.js';
import { unbatch } from '../../src/protocol/batch.js';

// whatever a failed test left open is closed, so the process always exits
after(closeAll);

describe('resilience', () => {
  it('reconnects by itself after the server restarts, says so, and rejoins its rooms', async () => {
    const key = quickKey();
    const first = await startServer({ identity: key });
    const c = new TestClient(first.url, 'roamer', quickKey(), () => ({ ok: true }), true);
    const statuses: string[] = [];
    c.conn.on('status', (s: { state: string }) => statuses.push(s.state));
    await c.connect();
    c.send({ t: 'join', room: 'ops' });
    await c.next((e) => e.type === 'join' && e.room === 'ops');
    await first.server.close();
    const second = await startServer({ identity: key, port: first.port });
    const readies = () => c.events.filter((e) => e.type === 'ready').length;
    const end = Date.now() + 10000;
    while (readies() < 2 && Date.now() < end) await sleep(50);
    assert.equal(readies(), 2, 'a second ready after reconnecting');
    assert.ok(statuses.includes('reconnecting'), 'told the user it is reconnecting');
    const witness = await new TestClient(second.url, 'witness').connect();
    witness.send({ t: 'join', room: 'ops' });
    await c.next((e) => e.type === 'join' && e.room === 'ops' && e.name === 'roamer' && e.ts > Date.now() - 5000);
    witness.sendRoom('ops', 'welcome back');
    await c.nextText('welcome back');
    c.close();
    witness.close();
    await second.server.close();
  });

  it('paces a fast sender: nothing dropped, nothing refused', async () => {
    const ctx = await startServer({ chat: { messagesPerSecond: 20, burst: 5 } });
    const a = await new TestClient(ctx.url, 'chatty').connect();
    let paced = 0;
    a.conn.on('paced', () => paced++);
    for (let i = 0; i < 25; i++) a.sendRoom('lobby', `n${i}`);
    await a.nextText('n24', 10000);
    const got = a.events.filter((e) => e.type === 'e2e_room').map(textOf);
    assert.deepEqual(got, Array.from({ length: 25 }, (_, i) => `n${i}`), 'all, in order');
    assert.ok(!a.events.some((e) => e.type === 'error'), 'no rate_limited errors');
    assert.ok(paced > 0, 'it said it was pacing');
    a.close();
    await ctx.server.close();
  });

  it('throttles a client that does not pace itself, without hurting others', async () => {
    const ctx = await startServer({ chat: { messagesPerSecond: 5, burst: 5 } });
    const calm = await new TestClient(ctx.url, 'calm').connect();
    const ws = new WebSocket(ctx.url, SUBPROTOCOL);
    const got: Uint8Array[] = [];
    ws.on('message', (d) => got.push(new Uint8Array(d as Buffer)));
    await new Promise((r) => ws.once('open', r));
    const hs = new ClientHandshake({ identity: quickKey(), name: 'flood', crypto: nodeCrypto });
    ws.send(hs.hello());
    while (got.length < 1) await sleep(10);
    const r = hs.onServerHello(got[0]!);
    ws.send(r.finish);
    while (got.length < 2) await sleep(10);
    for (let i = 0; i < 30; i++) ws.send(r.session.seal({ t: 'e2e_room', room: 'lobby', payload: payloadOf(`flood ${i}`) }));
    calm.sendRoom('lobby', 'calm words');
    await calm.nextText('calm words');
    await sleep(300);
    const events = got.slice(1).flatMap((f) => unbatch(r.session.open(f) as ServerEvent));
    const limited = events.filter((e) => e.type === 'error' && e.code === 'rate_limited');
    assert.ok(limited.length >= 20, `${limited.length} refusals`);
    assert.ok(limited.every((e) => e.type === 'error' && (e.retryAfterMs ?? 0) > 0), 'each says when to retry');
    const delivered = calm.events.filter((e) => textOf(e)?.startsWith('flood')).length;
    assert.ok(delivered <= 6, `at most the burst got through (${delivered})`);
    ws.close();
    calm.close();
    await ctx.server.close();
  });

  it('parley server: SIGTERM closes every connection with a notice and exits 0', async () => {
    const data = tempDir();
    const proc = spawn(process.execPath, [CLI, 'server', '--port', '0', '--data', data.dir], { env: { ...process.env } });
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: proc.stdout }).on('line', (l) => {
        const m = /listening on (ws:\/\/\S+)/.exec(l);
        if (m) resolve(m[1]!);
      });
      proc.on('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    const stderr: string[] = [];
    createInterface({ input: proc.stderr }).on('line', (l) => stderr.push(l));
    const c = await new TestClient(url, 'listener').connect();
    proc.kill('SIGTERM');
    const e = await c.next((x) => x.type === 'error');
    assert.equal(e.type === 'error' && e.code, 'shutting_down');
    const code = await new Promise((r) => proc.on('exit', (x) => r(x)));
    assert.equal(code, 0);
    assert.ok(stderr.some((l) => /SIGTERM/.test(l)), 'logged');
    c.close();
    data.cleanup();
  });
});
