/** Resource usage of the current process, for the benchmarks' child processes. */

/** CPU time (user + system, µs) and memory after a full garbage collection (when exposed). */
export interface Usage {
  cpuMicros: number;
  rss: number;
  heapUsed: number;
  external: number;
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
  return { cpuMicros: c.user + c.system, rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}
