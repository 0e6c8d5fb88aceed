/**
 * A benchmark server process: `node child.js <kind> [pki folder | Redis URL]` starts that server
 * (parley, ws, ws-batched, sio; sio-redis with a Redis URL: a node of a Socket.IO cluster; tls
 * and mtls for the handshake benchmark) and answers the orchestrator
 * over IPC: `address` (its port), `usage` (CPU time, memory after GC), `engine` (the RSA engine
 * in use), `heapTypes` (its heap by
 * kind of object, lib/heap-types.ts) and `window` (its own CPU
 * time and deliveries, read inside this process on its own clock at two given times), so that
 * each server's cost is measured in a process of its own and not on another process's clock.
 */
import { monoNow } from '../lib/clock.js';
import { heapTypes } from '../lib/heap-types.js';
import { serve } from '../lib/ipc.js';
import { quickKey } from '../lib/keys.js';
import { loadEngines } from '../lib/rsa-engines.js';
import { usage } from '../lib/usage.js';
import { startParley } from './parley.js';
import { startSioBroadcast } from './sio.js';
import { startMutualTls, startTls } from './tls.js';
import { startWsBatched } from './ws-batched.js';
import { startWsBroadcast } from './ws.js';

const kind = process.argv[2];
// the PKI folder (mtls) or the Redis URL (sio-redis)
const arg = process.argv[3] ?? '';

async function start(): Promise<{ port: number; deliveries: () => number }> {
  const none = () => 0;
  switch (kind) {
    case 'parley': {
      const s = await startParley(quickKey());
      return { port: s.address.port, deliveries: s.deliveries };
    }
    case 'sio-redis': {
      const s = await startSioBroadcast(arg);
      return { port: s.address.port, deliveries: s.deliveries };
    }
    case 'ws':
    case 'ws-batched':
    case 'sio': {
      const s = await (kind === 'ws' ? startWsBroadcast() : kind === 'sio' ? startSioBroadcast() : startWsBatched());
      return { port: s.address.port, deliveries: s.deliveries };
    }
    case 'tls':
      return { port: (await startTls()).address.port, deliveries: none };
    case 'mtls':
      return { port: (await startMutualTls(arg)).address.port, deliveries: none };
    default:
      throw new Error(`unknown server kind ${kind}`);
  }
}

/**
 * One reading inside this process: the monotonic clock, CPU time (µs) and deliveries so far.
 * A reading of several processes (bench:cluster's nodes and services, from /proc) also has each
 * one's CPU time (`parts`, µs; cpuMicros is their sum), counters read from the services
 * (`counters`), and NaN deliveries when the servers do not count them.
 */
export interface Reading {
  at: number;
  cpuMicros: number;
  deliveries: number;
  parts?: Record<string, number>;
  counters?: Record<string, number>;
}

const server = start();

async function read(): Promise<Reading> {
  const deliveries = (await server).deliveries;
  const c = process.cpuUsage();
  return { at: monoNow(), cpuMicros: c.user + c.system, deliveries: deliveries() };
}

/** Resolves at `t` on the monotonic clock (or as soon after as this process gets to run). */
function at(t: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, t - monoNow())));
}

serve({
  address: async () => ({ port: (await server).port }),
  usage: (gc: boolean) => usage(gc),
  heapTypes: () => heapTypes(),
  /** The RSA engine this process's private-key operations use now ('wasm' or 'bigint'; PARLEY_RSA_ENGINE chooses it). */
  engine: async () => (await loadEngines()).current(),
  /** Readings at `from` and `to` (monotonic ms): a busy server takes them late, but each one in a single instant. */
  window: async (w: { from: number; to: number }) => {
    await at(w.from);
    const a = await read();
    await at(w.to);
    return [a, await read()];
  },
});
