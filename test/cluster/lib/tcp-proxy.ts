/**
 * A TCP proxy for fault tests: a net server on a free loopback port that forwards every
 * connection to a target port. `cut()` destroys every current connection and refuses new ones
 * (accepted and closed at once) until `restore()`; `holdReplies()` drops what the target sends
 * from then on (a reply lost on the way back) until the next cut; `freeze()` makes the current
 * connections silent both ways without closing them (a network partition: no RST, no FIN).
 */
import net from 'node:net';

/** A running proxy; `url` is the target's redis:// URL through it. */
export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  /** Destroys every open connection and refuses new ones until restore(). */
  cut(): void;
  /** Accepts and forwards connections again. */
  restore(): void;
  /** From now on, bytes from the target are dropped (requests still reach it). Cleared by cut(). */
  holdReplies(): void;
  /** The current connections stop forwarding both ways and stay open; new ones work. */
  freeze(): void;
  /** Connections forwarded now. */
  readonly open: number;
  close(): Promise<void>;
}

/** Starts a proxy to 127.0.0.1:`targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  const frozen = new WeakSet<net.Socket>();
  let refusing = false;
  let holding = false;
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (d) => {
      if (!frozen.has(client)) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!holding && !frozen.has(client)) client.write(d);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const destroyAll = () => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    cut() {
      refusing = true;
      holding = false;
      destroyAll();
    },
    restore() {
      refusing = false;
    },
    holdReplies() {
      holding = true;
    },
    freeze() {
      for (const [a] of pairs) frozen.add(a);
    },
    get open() {
      return pairs.size;
    },
    close() {
      destroyAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
