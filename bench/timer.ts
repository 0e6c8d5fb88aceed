/**
 * `npm run bench:timer [-- --json]`: why the fan-out benchmark's load generator schedules its
 * Poisson arrivals with timers rather than by spinning. For several arrival rates it runs the
 * schedule alone (no sockets) for 3 s, once with a timer to the next arrival (Node's timers have
 * 1 ms resolution, so arrivals less than 1 ms apart leave together) and once spinning on
 * setImmediate while the next arrival is less than 1 ms away (µs precision), and reports each
 * one's lateness (actual − scheduled time, p50/p99) and the CPU it burns. Writes the raw result
 * to bench/results/timer.json. This is a benchmark: it asserts nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monoNow } from './lib/clock.js';
import { Histogram } from './lib/histogram.js';
import { machine, machineLine } from './lib/machine.js';
import { Prng } from './lib/prng.js';

const RATES = [200, 1000, 3000, 10000];
const DURATION_MS = 3000;
const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(here, '..', '..', 'bench', 'results', 'timer.json');

/** Runs the schedule at `rate` arrivals/s; `spin`: setImmediate for gaps under 1 ms. */
function schedule(rate: number, spin: boolean): Promise<{ rate: number; spin: boolean; arrivals: number; cores: number; latenessP50: number; latenessP99: number }> {
  const prng = new Prng(rate);
  const lateness = new Histogram();
  const mean = 1000 / rate;
  const t0 = monoNow();
  const end = t0 + DURATION_MS;
  let next = t0 + prng.exponential(mean);
  const c0 = process.cpuUsage();
  return new Promise((resolve) => {
    const tick = () => {
      const now = monoNow();
      while (next <= now) {
        lateness.record(now - next);
        next += prng.exponential(mean);
      }
      if (next >= end) {
        const c = process.cpuUsage(c0);
        resolve({ rate, spin, arrivals: lateness.count, cores: (c.user + c.system) / 1000 / (monoNow() - t0), latenessP50: lateness.quantile(0.5), latenessP99: lateness.quantile(0.99) });
        return;
      }
      const gap = next - monoNow();
      if (spin && gap < 1) setImmediate(tick);
      else setTimeout(tick, Math.max(0, Math.floor(gap)));
    };
    tick();
  });
}

const m = machine();
const rows = [];
for (const rate of RATES) for (const spin of [false, true]) rows.push(await schedule(rate, spin));
console.log(`Arrival scheduling — ${machineLine(m)}; load average at start ${m.loadavg.join(' ')}; ${DURATION_MS / 1000} s per row`);
console.log('| arrivals/s | method | CPU (cores) | lateness p50 ms | lateness p99 ms |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.rate} | ${r.spin ? 'spin (setImmediate under 1 ms)' : 'timer to the next arrival'} | ${r.cores.toFixed(3)} | ${r.latenessP50.toFixed(3)} | ${r.latenessP99.toFixed(3)} |`);
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify({ benchmark: 'timer', date: new Date().toISOString(), machine: m, durationMs: DURATION_MS, rows }, null, 1)}\n`);
if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
