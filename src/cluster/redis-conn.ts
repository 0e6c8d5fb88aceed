/**
 * One connection of the bus to Redis (node-redis 6): RESP2, no offline queue (a command issued
 * while disconnected fails at once — the bus keeps its own outbox and decides what to retry), a
 * reconnection strategy with capped exponential backoff, and a socket timeout so that a silent
 * network partition (no RST, no FIN) is noticed: every connection of the bus has at most one round
 * of commands in flight and gets an answer at least every `idleMs`, so silence beyond it means the
 * link is dead and node-redis reconnects.
 */
import { randomInt } from 'node:crypto';
import { createClient } from 'redis';
import type { ResolvedBusOptions } from './options.js';

/** Capped exponential backoff: 50 ms, 100 ms, 200 ms… up to `maxMs`, with up to 20 % jitter (nodes do not reconnect in lockstep). */
export function reconnectDelay(retries: number, maxMs: number): number {
  const base = Math.min(maxMs, 50 * 2 ** Math.min(retries, 16));
  return Math.max(1, Math.round(base * (0.8 + randomInt(0, 201) / 1000)));
}

/** Makes a (not yet connected) client; throws nothing for an unreachable server. */
function makeClient(o: ResolvedBusOptions, role: 'cmd' | 'read', idleMs: number) {
  return createClient({
    url: o.url,
    RESP: 2,
    disableOfflineQueue: true,
    name: `parley-bus-${role}-${o.nodeId}`,
    socket: {
      connectTimeout: Math.min(5000, o.startTimeoutMs),
      socketTimeout: idleMs,
      reconnectStrategy: (retries: number) => reconnectDelay(retries, o.reconnectMaxMs),
    },
  });
}

/** A bus connection (node-redis client, RESP2). */
export type BusClient = ReturnType<typeof makeClient>;

/**
 * The two connections of a bus: `cmd` for XADD, heartbeats and queries, `read` for the blocking
 * XREAD (a blocked connection can run nothing else). Their 'error' events are consumed here (an
 * unheard 'error' would crash the process) and reported through `onChange`, as are 'ready' and 'end'.
 */
export function makeBusClients(o: ResolvedBusOptions, onChange: (what: 'ready' | 'error' | 'end', err?: Error) => void): { cmd: BusClient; read: BusClient } {
  const cmd = makeClient(o, 'cmd', o.heartbeatMs + o.nodeTimeoutMs);
  const read = makeClient(o, 'read', o.readBlockMs + o.nodeTimeoutMs);
  for (const c of [cmd, read]) {
    c.on('error', (e: Error) => onChange('error', e));
    c.on('ready', () => onChange('ready'));
    c.on('end', () => onChange('end'));
  }
  return { cmd, read };
}

/** Resolves after `ms`; the timer does not keep the process alive. */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** Whether `e` is Redis's answer for a missing key ("ERR no such key"). */
export function isNoSuchKey(e: unknown): boolean {
  return e instanceof Error && /no such key/i.test(e.message);
}
