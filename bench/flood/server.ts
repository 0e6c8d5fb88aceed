/**
 * The server process of the flood benchmark: a ParleyServer with the default limits, except the
 * transport options given as JSON in argv[2] (the benchmark raises the per-source ones out of the
 * way for its comparison runs). It answers the orchestrator over IPC: `address`, `usage` (its
 * CPU time), `sources` (what given sources hold open) and `log` (refusal lines by reason).
 */
import { MemoryNameRegistry } from '../../src/chat/index.js';
import type { Logger } from '../../src/server/log.js';
import type { TransportOptions } from '../../src/server/options.js';
import { ParleyServer } from '../../src/server/server.js';
import { serve } from '../lib/ipc.js';
import { quickKey } from '../lib/keys.js';
import { usage } from '../lib/usage.js';

const transport = JSON.parse(process.argv[2] ?? '{}') as Partial<TransportOptions>;
const counts: Record<string, number> = {};
/** Counts log lines by their first words and reason, e.g. "refused connection … handshake_rate". */
const log: Logger = {
  info(m) {
    const reason = /: (\w+)/.exec(m)?.[1] ?? '';
    const k = `${m.split(' ').slice(0, 2).join(' ')}${m.startsWith('refused') ? ` ${reason}` : ''}`;
    counts[k] = (counts[k] ?? 0) + 1;
  },
  warn(m) {
    process.stderr.write(`server warn: ${m}\n`);
  },
  debug() {},
};
const server = new ParleyServer({ identity: quickKey(), names: new MemoryNameRegistry(), host: '127.0.0.1', port: 0, transport, log });
const address = server.listen();

serve({
  address: async () => ({ port: (await address).port }),
  usage: (gc: boolean) => usage(gc),
  sources: (keys: string[]) => Object.fromEntries(keys.map((k) => [k, server.sourceCounts(k)])),
  log: () => ({ ...counts }),
});
