/** A TCP proxy for tests that records every byte of each connection, one buffer per direction. */
import net from 'node:net';

/** What one proxied TCP connection carried, each direction in its own buffer. */
export interface Recorded {
  c2s: Buffer[];
  s2c: Buffer[];
  /** Resolves when both sockets of the connection have closed. */
  closed: Promise<void>;
}

/** A TCP proxy that forwards to `port` and records each connection's two directions apart. */
export async function recordingProxy(port: number): Promise<{ port: number; connections: Recorded[]; close: () => void }> {
  const connections: Recorded[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    const ends = [client, upstream].map((s) => {
      sockets.add(s);
      s.on('error', () => {});
      return new Promise<void>((r) => s.on('close', () => (sockets.delete(s), r())));
    });
    const rec: Recorded = { c2s: [], s2c: [], closed: Promise.all(ends).then(() => {}) };
    connections.push(rec);
    client.on('data', (d) => {
      rec.c2s.push(Buffer.from(d));
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      rec.s2c.push(Buffer.from(d));
      client.write(d);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** Waits until every recorded connection has closed; rejects after `ms`. */
export async function allClosed(conns: Recorded[], ms = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`a proxied connection did not close within ${ms} ms`)), ms)));
  try {
    await Promise.race([Promise.all(conns.map((c) => c.closed)), late]);
  } finally {
    clearTimeout(timer);
  }
}
