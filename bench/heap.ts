/**
 * `npm run bench:heap [-- --json]`: what an idle connection holds on the V8 heap of Parley's
 * server and of the plain ws baseline, by kind of object. For each server: a fresh process, the
 * fan-out benchmark's warm-up (5 waves of 200 connections made and closed), a heap snapshot of
 * the idle server, 1,000 idle connections, another snapshot; the difference divided by 1,000,
 * largest first. It explains bench:fanout's heap_per_idle_connection_ratio_ws. Writes the raw
 * result to bench/results/heap.json. This is a benchmark: it asserts nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './fanout/point.js';
import type { HeapTypes } from './lib/heap-types.js';
import { Child } from './lib/ipc.js';
import { machine, machineLine } from './lib/machine.js';

const KINDS = ['parley', 'ws'] as const;
const CONNECTIONS = 1000;
const WARMUP = { waves: 5, size: 200 };
const TOP = 16;
const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(here, '..', '..', 'bench', 'results', 'heap.json');

async function measure(kind: string): Promise<{ perConnection: Record<string, number>; totalPerConnection: number }> {
  const server = await Child.start(path.join(here, 'servers', 'child.js'), [kind]);
  const load = await Child.start(path.join(here, 'load', 'worker.js'));
  try {
    const { port } = await server.call<{ port: number }>('address');
    await load.call('keys', 4);
    for (let w = 0; w < WARMUP.waves; w++) {
      await load.call('connect', { id: 'warm', kind, port, names: Array.from({ length: WARMUP.size }, (_, i) => `w${w}x${i}`), concurrency: 32 });
      await load.call('close', 'warm');
      await sleep(200);
    }
    await sleep(2000);
    const before = await server.call<HeapTypes>('heapTypes');
    // names i<k>x<n>: Parley puts them in rooms of 100, as in bench:fanout (bench/servers/parley.ts)
    await load.call('connect', { id: 'idle', kind, port, names: Array.from({ length: CONNECTIONS }, (_, i) => `i${Math.floor(i / 100)}x${i}`), concurrency: 32 });
    await sleep(2000);
    const after = await server.call<HeapTypes>('heapTypes');
    const perConnection: Record<string, number> = {};
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const d = ((after[k]?.size ?? 0) - (before[k]?.size ?? 0)) / CONNECTIONS;
      if (Math.abs(d) >= 1) perConnection[k] = Math.round(d);
    }
    const totalPerConnection = Object.values(perConnection).reduce((a, b) => a + b, 0);
    return { perConnection, totalPerConnection };
  } finally {
    await load.stop();
    await server.stop();
  }
}

const m = machine();
const results: Record<string, Awaited<ReturnType<typeof measure>>> = {};
for (const k of KINDS) results[k] = await measure(k);
console.log(`Heap per idle connection by kind of object — ${machineLine(m)}; ${CONNECTIONS} connections, bytes per connection (snapshot self sizes; a snapshot does not count ArrayBuffer backing stores and other memory outside the V8 heap)`);
const p = results.parley!.perConnection;
const w = results.ws!.perConnection;
const rows = [...new Set([...Object.keys(p), ...Object.keys(w)])].map((k) => [k, p[k] ?? 0, w[k] ?? 0] as const).sort((a, b) => Math.abs(b[1] - b[2]) - Math.abs(a[1] - a[2]));
console.log('| kind of object | Parley | ws | difference |\n|---|---|---|---|');
for (const [k, a, b] of rows.slice(0, TOP)) console.log(`| ${k} | ${a} | ${b} | ${a - b} |`);
const rest = rows.slice(TOP).reduce((x, [, a, b]) => x + a - b, 0);
console.log(`| everything else (${rows.length - TOP} kinds) | | | ${rest} |`);
console.log(`| **all** | **${results.parley!.totalPerConnection}** | **${results.ws!.totalPerConnection}** | **${results.parley!.totalPerConnection - results.ws!.totalPerConnection}** |`);
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify({ benchmark: 'heap', date: new Date().toISOString(), machine: m, connections: CONNECTIONS, warmup: WARMUP, results }, null, 1)}\n`);
if (process.argv.includes('--json')) console.log(JSON.stringify(Object.fromEntries(KINDS.map((k) => [k, results[k]!.totalPerConnection]))));
