/**
 * The attacker process of the flood benchmark: from one address it replays one genuine
 * ClientHello on new connections as fast as they open (`replay`); from another it holds as many
 * silent WebSockets and silent TCP connections as it can, re-opening each as soon as it ends
 * (`hold`). Commands: `start`, `stats` (a snapshot of what the server answered so far, and this
 * process's CPU time), `stop`. The floods are test/reliability/lib/flood.ts.
 */
import { ClientHandshake } from '../../src/protocol/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { tcpFlood, wsFlood, type Flood, type FloodStats } from '../../test/reliability/lib/flood.js';
import { serve } from '../lib/ipc.js';
import { quickKey } from '../lib/keys.js';

export interface AttackPlan {
  port: number;
  replay?: { localAddress: string; slots: number };
  hold?: { localAddress: string; wsSlots: number; tcpSlots: number; reopenMs: number };
}

/** FloodStats as IPC can carry them. */
export type FloodSnapshot = Omit<FloodStats, 'retryAfter'> & { retryAfter: string[] };

// one ClientHello, made once: "the same 364 bytes work forever"
const hello = new ClientHandshake({ identity: quickKey(), name: 'mallory', crypto: nodeCrypto }).hello();
const floods: Record<string, Flood> = {};

const snapshot = (f: Flood | undefined): FloodSnapshot | undefined =>
  f && { ...f.stats, refused: { ...f.stats.refused }, retryAfter: [...f.stats.retryAfter] };

serve({
  start: (p: AttackPlan) => {
    const url = `ws://127.0.0.1:${p.port}`;
    if (p.replay) floods.replay = wsFlood(url, { localAddress: p.replay.localAddress, slots: p.replay.slots }, hello);
    if (p.hold) {
      floods.holdWs = wsFlood(url, { localAddress: p.hold.localAddress, slots: p.hold.wsSlots, reopenMs: p.hold.reopenMs });
      floods.holdTcp = tcpFlood(p.port, { localAddress: p.hold.localAddress, slots: p.hold.tcpSlots, reopenMs: p.hold.reopenMs });
    }
    return { helloBytes: hello.length };
  },
  stats: () => {
    const c = process.cpuUsage();
    return { replay: snapshot(floods.replay), holdWs: snapshot(floods.holdWs), holdTcp: snapshot(floods.holdTcp), cpuMicros: c.user + c.system };
  },
  stop: () => {
    for (const [k, f] of Object.entries(floods)) {
      f.stop();
      delete floods[k];
    }
    return true;
  },
});
