/**
 * The load-generator process. The orchestrator forks it and drives it over IPC: `keys` (make
 * the client key pool), `connect` (a named group of clients on one server), `start` / `mark` /
 * `stop` (traffic, see traffic.ts), `close`, `handshakes` (see handshakes.ts) and `usage`.
 */
import { serve } from '../lib/ipc.js';
import { keyPool } from '../lib/keys.js';
import { usage } from '../lib/usage.js';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import type { Kind } from './clients.js';
import { runHandshakes } from './handshakes.js';
import { Group } from './traffic.js';

let keys: RsaPrivateKey[] = [];
const groups = new Map<string, Group>();

function group(id: string): Group {
  const g = groups.get(id);
  if (!g) throw new Error(`no group ${id}`);
  return g;
}

serve({
  keys: (n: number) => {
    keys = keyPool(n);
    return keys.length;
  },
  connect: async (a: { id: string; kind: Kind; port: number; names: string[]; concurrency: number }) => {
    const g = groups.get(a.id) ?? new Group(a.kind, a.port);
    groups.set(a.id, g);
    const t0 = performance.now();
    await g.connect(a.names, keys, a.concurrency);
    return { clients: g.clients.length, ms: performance.now() - t0 };
  },
  start: (a: { id: string; mode: 'saturate' | 'fixed'; senders: number; window?: number; deliveriesPerSecond?: number }) => {
    const g = group(a.id);
    if (a.mode === 'saturate') g.startSaturate(a.senders, a.window ?? 10);
    else g.startFixed(a.senders, a.deliveriesPerSecond ?? 20_000);
    return true;
  },
  mark: (id: string) => group(id).mark(),
  stop: (id: string) => group(id).stop(),
  close: (id: string) => {
    group(id).close();
    groups.delete(id);
    return true;
  },
  handshakes: (a: { kind: 'parley' | 'tls'; port: number; concurrency: number; durationMs: number }) =>
    runHandshakes(a.kind, a.port, keys[0]!, a.concurrency, a.durationMs),
  usage: (gc: boolean) => usage(gc),
});
