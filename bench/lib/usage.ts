/** Resource usage of the current process, for the benchmarks' child processes. */
import v8 from 'node:v8';

/** CPU time (user + system, µs) and memory after a full garbage collection (when exposed). */
export interface Usage {
  cpuMicros: number;
  rss: number;
  heapUsed: number;
  external: number;
  /**
   * Bytes V8 has reserved for its young generation (new space). V8 doubles it (up to 32 MiB)
   * when many objects survive its scavenges, and does not give it back: a one-time, process-wide
   * step that a memory reading may or may not contain.
   */
  youngGeneration: number;
}

/** Current usage; with `gc` true, collects garbage first (needs node --expose-gc) so memory numbers are stable. */
export function usage(gc = false): Usage {
  const g = (globalThis as { gc?: () => void }).gc;
  if (gc && g) {
    g();
    g();
  }
  const c = process.cpuUsage();
  const m = process.memoryUsage();
  const young = v8.getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space')?.space_size ?? 0;
  return { cpuMicros: c.user + c.system, rss: m.rss, heapUsed: m.heapUsed, external: m.external, youngGeneration: young };
}
