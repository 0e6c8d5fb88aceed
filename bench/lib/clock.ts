/**
 * One clock for every benchmark process: milliseconds on the system's monotonic clock
 * (CLOCK_MONOTONIC, what process.hrtime reads), so that a time written by the load generator in
 * one process can be compared with a time read in another process — the server or a second
 * generator — on the same machine. Sub-microsecond resolution; performance.now() reads the same
 * clock, shifted by the process's start, so the shift is measured once and added.
 */

const OFFSET = Number(process.hrtime.bigint()) / 1e6 - performance.now();

/** Now, in ms on the machine-wide monotonic clock. Throws nothing. */
export function monoNow(): number {
  return performance.now() + OFFSET;
}
