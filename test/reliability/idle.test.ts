/**
 * The idle timeout (idleTimeoutMs): the server pings every connection from one timer and closes
 * one that has shown no sign of life for that long with `idle_timeout` (close 4006); a silent
 * client that still answers pings stays. A peer that has stopped (here: one that never answers
 * a ping) must be cut even though its kernel keeps accepting the server's pings.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CLOSE } from '../../src/server/server.js';
import { keyPool } from './lib/keys.js';
import { startInProc, within, type InProcServer } from './lib/inproc.js';
import { RawClient } from './lib/raw-client.js';

describe('idle timeout', () => {
  let ctx: InProcServer | undefined;
  const clients: RawClient[] = [];
  after(async () => {
    for (const c of clients) c.terminate();
    await ctx?.close();
  });

  it('closes a peer that stops answering pings with idle_timeout, and keeps a silent one that answers them', { timeout: 60_000 }, async (t) => {
    const IDLE = 3000; // pings (and checks) every 1 s
    const keys = await keyPool(2);
    ctx = await startInProc({ transport: { idleTimeoutMs: IDLE } });
    const quiet = await RawClient.connect(ctx.url, keys[0]!, 'quiet', { keepEvents: true });
    const stopped = await RawClient.connect(ctx.url, keys[1]!, 'stopped', { keepEvents: true, autoPong: false });
    clients.push(quiet, stopped);
    const t0 = Date.now();
    const closed = await within(stopped.closed, 3 * IDLE);
    const after = Date.now() - t0;
    t.diagnostic(`the peer that does not answer pings: ${closed ? `closed ${closed.code} "${closed.reason}" after ${after} ms` : `still open after ${after} ms`} (idleTimeoutMs ${IDLE})`);
    assert.ok(closed, 'the stopped peer is closed');
    assert.equal(closed.code, CLOSE.idle);
    const last = stopped.events.at(-1) as { type: string; code?: string };
    assert.equal(last.type === 'error' && last.code, 'idle_timeout', 'it is told why');
    assert.ok(after >= IDLE - 100, `not before the timeout (${after} ms)`);
    // the quiet client has sent nothing since `ready` either, but answers pings
    await new Promise((r) => setTimeout(r, IDLE));
    assert.equal(quiet.closeInfo, undefined, `the silent client that answers pings is still connected after ${Date.now() - t0} ms`);
    assert.equal(ctx.server.connectionCount, 1);
  });

  it('pings a connection as soon as its handshake is done, long before the first ping interval', { timeout: 30_000 }, async () => {
    // the pong replaces the ClientFinish that ws would otherwise keep referenced (src/server/conn.ts)
    const [key] = await keyPool(1);
    const fresh = await startInProc({ transport: { idleTimeoutMs: 600_000 } }); // first sweep ping after 200 s
    try {
      const c = await RawClient.connect(fresh.url, key!, 'fresh');
      clients.push(c);
      const deadline = Date.now() + 2000;
      while (c.pings === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(c.pings, 1, 'one ping within 2 s of ready');
    } finally {
      await fresh.close();
    }
  });
});
