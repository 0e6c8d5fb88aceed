/**
 * `npm run bench:reliability`: the full load run (bench/reliability/load.ts: 1,000 clients, two
 * rounds) with its results as Markdown table rows for docs/RELIABILITY.md, and the raw JSON last.
 * The slow-consumer, flood and restart scenarios are in test/reliability/ (npm test); their
 * numbers are printed as test diagnostics.
 *
 *   npm run bench:reliability [-- --clients 1000 --room-size 50 --messages 10 --interval-ms 2000 --procs 2 --rounds 2]
 */
import { runLoad, type LoadOptions } from './load.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const o: LoadOptions = { clients: arg('clients', 1000), roomSize: arg('room-size', 50), messages: arg('messages', 10), intervalMs: arg('interval-ms', 2000), procs: arg('procs', 2), rounds: arg('rounds', 2) };

const r = await runLoad(o).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
console.log(`\nserver baseline heap ${r.baselineHeapMiB} MiB (rss ${r.baselineRssMiB} MiB)\n`);
console.log('| round | clients | connect s (attempts) | messages delivered / expected | duplicates | gaps/reorders | latency p50 / p99 / max ms | errors | server heap connected → after disconnect MiB |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const x of r.rounds)
  console.log(`| ${x.round} | ${o.clients} | ${x.connectSeconds.toFixed(0)} (${x.connectAttempts}) | ${x.delivered} / ${x.expected} | ${x.duplicates} | ${x.outOfOrder} | ${x.latencyMs.p50} / ${x.latencyMs.p99} / ${x.latencyMs.max} | ${JSON.stringify(x.errors)} | ${x.heapConnectedMiB} → ${x.heapAfterMiB} |`);
console.log(`\n${r.ok ? 'held' : 'FAILED'}`);
console.log(JSON.stringify(r));
process.exit(r.ok ? 0 : 1);
