/**
 * The idle-memory measurement of the fan-out benchmark: a fresh server process, idle clients
 * connected in steps, and the server's memory growth per connection read after full GCs of an
 * idle process.
 */
import type { Child } from '../lib/ipc.js';
import type { Usage } from '../lib/usage.js';
import { sleep } from './point.js';

/** Memory of a server per idle connection at one connection count. */
export interface MemoryPoint {
  connections: number;
  /** (RSS after − RSS before) / connections, bytes. */
  rssPerConnection: number;
  /** Same for V8 heapUsed + external (ArrayBuffers), bytes. */
  heapPerConnection: number;
  /** RSS growth per connection since the previous step (the first step: since the baseline), bytes. */
  marginalRssPerConnection: number;
  /** Growth of V8's young-generation reservation since the baseline, bytes (see Usage.youngGeneration). */
  youngGenerationGrowth: number;
}

/**
 * Connects idle clients to a fresh server in steps up to each of `counts` (ascending) and
 * returns the server's memory growth per connection after a full GC at each step.
 * `names(from, to)` gives the client names for one step. First `warmup.waves` waves of
 * `warmup.size` clients each connect and leave again, so that one-time costs (code compiled on
 * first use — the JIT needs many handshakes to finish — TLS/crypto initialisation) are in the
 * baseline, not charged to connections; in small waves, so that the memory the warm-up touched
 * and freed (which the process keeps and the measured connections would reuse) stays small.
 *
 * Each reading (the baseline too) is of an idle server: V8 keeps a young generation of up to
 * 32 MiB after a connection storm and gives it back at a full GC only once the allocation rate
 * since the previous GC is low (under ~1 KB/ms; V8's memory reducer does the same by itself in
 * an idle process within seconds). So: wait `settleMs` for the storm to end, full GC, wait
 * 6 s (now the last GC-to-GC interval is idle), full GC — which shrinks it — wait 1 s for the
 * freed pages to go back, full GC and read. A reading taken 1.5 s after the storm caught the
 * transient 16–32 MiB by chance, for one server and not another (docs/PERFORMANCE.md).
 */
export async function idleMemory(server: Child, load: Child, id: string, kind: string, port: number, counts: number[], names: (from: number, to: number) => string[], warmup: { waves: number; size: number }, settleMs: number): Promise<MemoryPoint[]> {
  const idleUsage = async (): Promise<Usage> => {
    await sleep(settleMs);
    await server.call<Usage>('usage', true);
    await sleep(6000);
    await server.call<Usage>('usage', true);
    await sleep(1000);
    return server.call<Usage>('usage', true);
  };
  for (let w = 0; w < warmup.waves; w++) {
    await load.call('connect', { id: `${id}-warmup`, kind, port, names: Array.from({ length: warmup.size }, (_, i) => `w${w}x${i}`), concurrency: 32 });
    await load.call('close', `${id}-warmup`);
    await sleep(200); // let the server see the closes before the next wave takes the names
  }
  const base = await idleUsage();
  const out: MemoryPoint[] = [];
  let have = 0;
  let prevRss = base.rss;
  for (const n of counts) {
    await load.call('connect', { id, kind, port, names: names(have, n), concurrency: 32 });
    const u = await idleUsage();
    out.push({
      connections: n,
      rssPerConnection: (u.rss - base.rss) / n,
      heapPerConnection: (u.heapUsed + u.external - base.heapUsed - base.external) / n,
      marginalRssPerConnection: (u.rss - prevRss) / (n - have),
      youngGenerationGrowth: u.youngGeneration - base.youngGeneration,
    });
    prevRss = u.rss;
    have = n;
  }
  return out;
}
