/**
 * A benchmark server process: `node child.js <parley|ws|sio|tls>` starts that server and then
 * answers the orchestrator over IPC: `address` (its port) and `usage` (CPU time, memory after
 * GC), so that each server's cost is measured in a process of its own.
 */
import { serve } from '../lib/ipc.js';
import { quickKey } from '../lib/keys.js';
import { usage } from '../lib/usage.js';
import { startParley } from './parley.js';
import { startSioBroadcast } from './sio.js';
import { startTls } from './tls.js';
import { startWsBroadcast } from './ws.js';

const kind = process.argv[2];

async function start(): Promise<number> {
  switch (kind) {
    case 'parley':
      return (await startParley(quickKey())).address.port;
    case 'ws':
      return (await startWsBroadcast()).address.port;
    case 'sio':
      return (await startSioBroadcast()).address.port;
    case 'tls':
      return (await startTls()).address.port;
    default:
      throw new Error(`unknown server kind ${kind}`);
  }
}

const port = start();
serve({
  address: async () => ({ port: await port }),
  usage: (gc: boolean) => usage(gc),
});
