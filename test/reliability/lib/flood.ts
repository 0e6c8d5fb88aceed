/**
 * Floods from one source address, for the per-source tests and bench/flood.ts: silent
 * WebSockets that never send a ClientHello, silent raw TCP connections that never send a
 * request, and one genuine ClientHello replayed on new connections as fast as they open. Each
 * keeps a fixed number of slots busy and re-opens a slot as soon as (or `reopenMs` after) its
 * connection ends, and counts what the server answered. stop() ends everything at once.
 */
import net from 'node:net';
import WebSocket from 'ws';
import { SUBPROTOCOL } from '../../../src/protocol/index.js';

/** What the server did to one flood's connections. */
export interface FloodStats {
  /** Connection attempts made. */
  attempts: number;
  /** Connections open now (upgraded WebSockets; for raw TCP, connected sockets the server has not answered or closed). */
  open: number;
  /** The most open at once. */
  maxOpen: number;
  /** Refusals by HTTP status ("429", "503", …; "closed" for a raw socket closed without an answer). */
  refused: Record<string, number>;
  /** Retry-After values seen on refusals. */
  retryAfter: Set<string>;
  /** Replay flood: ServerHellos received (each one an RSA signature by the server). */
  serverHellos: number;
  /** Replay flood: Error messages received instead. */
  errors: number;
}

export interface Flood {
  readonly stats: FloodStats;
  stop(): void;
}

export interface FloodOptions {
  localAddress: string;
  slots: number;
  /** Wait before re-opening a slot whose connection ended (0: at once). */
  reopenMs?: number;
  /** Extra upgrade request headers. */
  headers?: Record<string, string>;
}

function newStats(): FloodStats {
  return { attempts: 0, open: 0, maxOpen: 0, refused: {}, retryAfter: new Set(), serverHellos: 0, errors: 0 };
}

function runSlots(o: FloodOptions, open: (done: () => void) => { end(): void }): { stop(): void } {
  let stopped = false;
  const live = new Set<{ end(): void }>();
  const timers = new Set<NodeJS.Timeout>();
  const start = () => {
    if (stopped) return;
    const c = open(() => {
      live.delete(c);
      if (stopped) return;
      if (!o.reopenMs) return void setImmediate(start);
      const t = setTimeout(() => (timers.delete(t), start()), o.reopenMs);
      timers.add(t);
    });
    live.add(c);
  };
  for (let i = 0; i < o.slots; i++) start();
  return {
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const c of live) c.end();
      live.clear();
    },
  };
}

/**
 * WebSockets to `url` from `o.localAddress`. With `hello`, each sends it on open (a replayed
 * ClientHello) and hangs up once the server answers; without, each stays silent until the
 * server closes it.
 */
export function wsFlood(url: string, o: FloodOptions, hello?: Uint8Array): Flood {
  const stats = newStats();
  const slots = runSlots(o, (done) => {
    stats.attempts++;
    const ws = new WebSocket(url, SUBPROTOCOL, { perMessageDeflate: false, localAddress: o.localAddress, ...(o.headers && { headers: o.headers }) });
    let opened = false;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (opened) stats.open--;
      done();
    };
    ws.on('unexpected-response', (_req, res) => {
      const k = String(res.statusCode);
      stats.refused[k] = (stats.refused[k] ?? 0) + 1;
      const ra = res.headers['retry-after'];
      if (typeof ra === 'string') stats.retryAfter.add(ra);
      res.resume();
      ws.terminate();
      finish();
    });
    ws.on('error', () => finish());
    ws.on('close', () => finish());
    ws.on('open', () => {
      opened = true;
      stats.open++;
      stats.maxOpen = Math.max(stats.maxOpen, stats.open);
      if (hello) ws.send(hello);
    });
    ws.on('message', (d: Buffer) => {
      if (d[0] === 0x02) stats.serverHellos++;
      else if (d[0] === 0x7f) stats.errors++;
      if (hello) ws.terminate();
    });
    return { end: () => ws.terminate() };
  });
  return { stats, stop: () => slots.stop() };
}

/** Raw TCP connections to 127.0.0.1:`port` from `o.localAddress` that never send a byte. */
export function tcpFlood(port: number, o: FloodOptions): Flood {
  const stats = newStats();
  const slots = runSlots(o, (done) => {
    stats.attempts++;
    const s = net.connect({ port, host: '127.0.0.1', localAddress: o.localAddress });
    let held = false; // connected, and the server has said nothing yet
    let answer = '';
    s.on('connect', () => {
      held = true;
      stats.open++;
      stats.maxOpen = Math.max(stats.maxOpen, stats.open);
    });
    s.on('data', (d) => {
      if (held) stats.open--;
      held = false;
      answer += d.toString('latin1');
    });
    s.on('error', () => {});
    s.on('close', () => {
      if (held) stats.open--;
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 'closed';
      stats.refused[status] = (stats.refused[status] ?? 0) + 1;
      const ra = /\r\nRetry-After: (\S+)/i.exec(answer)?.[1];
      if (ra) stats.retryAfter.add(ra);
      done();
    });
    return { end: () => s.destroy() };
  });
  return { stats, stop: () => slots.stop() };
}
