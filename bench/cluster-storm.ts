/**
 * `npm run bench:storm`: the reconnection storm of issue 14 (test/cluster/lib/storm.ts) timed on
 * this machine — 1,000 clients of a node killed with SIGKILL back on the two other nodes by
 * resumption, in their rooms and chatting — over several trials, each on a fresh 3-node cluster
 * (real redis-server and PostgreSQL in temporary folders). Target: every trial under 10 s from the
 * kill. Prints a table; `--json` prints the raw trials; `--trials N` (default 5).
 *
 * Honest limit: the 1,000 clients run in this process, on the same 2 cores as the nodes, Redis
 * and PostgreSQL; their CPU is printed beside the nodes'.
 */
import { execSync } from 'node:child_process';
import os from 'node:os';
import { keyPool } from '../test/reliability/lib/keys.js';
import type { RawClient } from '../test/reliability/lib/raw-client.js';
import { startCluster } from '../test/cluster/lib/cluster.js';
import { runStorm, STORM_CLIENTS, STORM_KEYS, type StormResult } from '../test/cluster/lib/storm.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const trialsArg = args.indexOf('--trials');
const trials = trialsArg >= 0 ? Number(args[trialsArg + 1]) : 5;
if (!Number.isInteger(trials) || trials < 1 || trials > 50) throw new Error('--trials N: 1–50');

function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const openssl = (() => {
    try {
      return execSync('openssl version', { encoding: 'utf8' }).trim();
    } catch {
      return 'openssl: not found';
    }
  })();
  return { cpu, cores: os.cpus().length, node: process.version, openssl };
}

const keys = await keyPool(STORM_KEYS + 1);
const results: StormResult[] = [];
for (let i = 0; i < trials; i++) {
  const cluster = await startCluster({ nodes: 3, nodeArgs: ['--max-names-per-key', String(STORM_CLIENTS / STORM_KEYS), '--rate', '50', '--quiet'] });
  const clients: RawClient[] = [];
  try {
    const r = await runStorm(cluster, keys, clients);
    results.push(r);
    if (!json) console.log(`trial ${i + 1}: ${r.summary}`);
  } finally {
    for (const c of clients) c.terminate();
    await cluster.close();
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[]) => `${Math.min(...xs)}–${Math.max(...xs)}`;
const summary = {
  machine: machine(),
  clients: STORM_CLIENTS,
  trials,
  target_ms: 10_000,
  chatting_ms_median: median(results.map((r) => r.chattingMs)),
  chatting_ms_max: Math.max(...results.map((r) => r.chattingMs)),
  all_resumed: results.every((r) => r.resumed === r.clients),
  all_complete: results.every((r) => r.complete === r.clients),
  target_met: results.every((r) => r.chattingMs < 10_000 && r.complete === r.clients),
  results,
};
if (json) console.log(JSON.stringify(summary, null, 2));
else {
  const m = summary.machine;
  console.log(`\nmachine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.openssl}`);
  console.log(`${trials} trials of ${STORM_CLIENTS} clients; times since the SIGKILL, median [min–max]:`);
  console.log(`  all ready (resumed) on n2/n3   ${median(results.map((r) => r.readyMs))} ms [${range(results.map((r) => r.readyMs))}]`);
  console.log(`  all back in their rooms        ${median(results.map((r) => r.roomsMs))} ms [${range(results.map((r) => r.roomsMs))}]`);
  console.log(`  every room message delivered   ${summary.chatting_ms_median} ms [${range(results.map((r) => r.chattingMs))}]   target < 10000 ms: ${summary.target_met ? 'met' : 'NOT met'}`);
  console.log(`  resumed without RSA: ${summary.all_resumed ? 'all' : 'NOT all'}; every message once: ${summary.all_complete ? 'yes' : 'NO'}`);
  console.log(`  CPU per trial: n2 ${range(results.map((r) => Math.round(r.cpu.n2 * 10) / 10))} s, n3 ${range(results.map((r) => Math.round(r.cpu.n3 * 10) / 10))} s, clients ${range(results.map((r) => Math.round(r.cpu.clients * 10) / 10))} s`);
}
