/** Confidentiality on the wire: every byte between client and server goes through a recording proxy. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { bodyFor } from '../../src/client/input.js';
import { startServer, TestClient, closeAll } from './harness.js';

/** A TCP proxy that forwards to `port` and records both directions. */
async function recordingProxy(port: number): Promise<{ port: number; bytes: () => Buffer; close: () => void }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => {
      chunks.push(Buffer.from(d));
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      chunks.push(Buffer.from(d));
      client.write(d);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as net.AddressInfo;
  return {
    port: addr.port,
    bytes: () => Buffer.concat(chunks),
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
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

  it('never shows the message text, its hex or its base64 — in room and direct messages', async () => {
    const url = `ws://127.0.0.1:${proxy.port}`;
    const alice = await new TestClient(url, 'alice').connect();
    const bob = await new TestClient(url, 'bob').connect();
    const secret = 'the eagle lands at dawn 7f3a';
    const dm = 'meet me by the old mill 91c2';
    alice.send({ t: 'say', room: 'lobby', body: bodyFor(secret) });
    alice.send({ t: 'dm', to: 'bob', body: bodyFor(dm) });
    await bob.next((e) => e.type === 'message' && e.body.text === secret);
    await bob.next((e) => e.type === 'direct' && e.body.text === dm);
    alice.close();
    bob.close();
    const wire = proxy.bytes();
    assert.ok(wire.length > 2000, `recorded ${wire.length} bytes`);
    for (const text of [secret, dm]) {
      const forms = [
        Buffer.from(text, 'utf8'),
        Buffer.from(Buffer.from(text).toString('hex')),
        Buffer.from(Buffer.from(text).toString('base64')),
        Buffer.from(Buffer.from(text).toString('base64url')),
        Buffer.from(text, 'utf16le'),
        Buffer.from(text.slice(0, 12)), // even a fragment
      ];
      for (const f of forms) assert.equal(wire.indexOf(f), -1, `found ${JSON.stringify(f.toString())} on the wire`);
    }
    // sanity: the recording did capture the connection (the WebSocket upgrade is plain HTTP;
    // client frames are masked by WebSocket itself, RFC 6455 §5.3, so look at the upgrade)
    assert.notEqual(wire.indexOf(Buffer.from('parley.v1')), -1, 'the recording captured the upgrade');
  });
});
