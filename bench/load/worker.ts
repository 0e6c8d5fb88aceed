/**
 * The load-generator process. The orchestrator forks one or more of them and drives them over
 * IPC: `keys` (make the client key pool), `connect` (a named group of clients on one server),
 * `run` (one open-loop run, see traffic.ts; resolves when this process has sent its last
 * message), `progress` and `finish` (its counts and histograms), `repair` (reconnect the clients
 * a server closed), `close`, `handshakes` (see
 * handshakes.ts) and `usage`.
 */
import { serve } from '../lib/ipc.js';
import { keyPool } from '../lib/keys.js';
import { usage } from '../lib/usage.js';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import type { Kind } from './clients.js';
import { runHandshakes, type HandshakeKind } from './handshakes.js';
import { Group, type Placement, type Plan } from './traffic.js';

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
  connect: async (a: { id: string; kind: Kind; port: number; names: string[]; concurrency: number; place?: Placement }) => {
    const g = groups.get(a.id) ?? new Group(a.kind, a.port);
    groups.set(a.id, g);
    const t0 = performance.now();
    await g.connect(a.names, keys, a.concurrency, a.place);
    return { clients: g.clients.length, ms: performance.now() - t0 };
  },
  repair: (a: { id: string; concurrency: number }) => group(a.id).repair(a.concurrency),
  run: (a: { id: string; plan: Plan }) => group(a.id).run(a.plan),
  progress: (id: string) => group(id).progress(),
  finish: (id: string) => group(id).finish(),
  close: (id: string) => {
    group(id).close();
    groups.delete(id);
    return true;
  },
  handshakes: (a: { kind: HandshakeKind; port: number; concurrency: number; durationMs: number; pki?: string }) =>
    runHandshakes(a.kind, a.port, keys[0]!, a.concurrency, a.durationMs, a.pki),
  usage: (gc: boolean) => usage(gc),
});
