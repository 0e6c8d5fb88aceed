/**
 * The full load run: 1,000 concurrent clients (distinct keys) on one server process, in rooms
 * of 50 (and all in the lobby, the default room), each sending numbered messages; every
 * receiver checks exactly-once, in-order delivery per sender and measures latency. Then all
 * disconnect and the server's heap (after a full GC, reported over IPC) is compared with its
 * level before; two rounds, so a per-round leak shows as growth from round 1 to round 2.
 *
 * The server and the load generators are separate processes (server-proc.ts, swarm-proc.ts).
 * Default chat limits (5 messages/s, bursts of 10; 1000 members) — the clients stay under them —
 * and default transport limits: each client connects from its own loopback address (127.1.x.y,
 * see planClients), so the per-source limits see 1,000 users, as they would in real use.
 *
 *   node dist/bench/reliability/load.js [--clients 1000] [--room-size 50] [--messages 10]
 *     [--interval-ms 2000] [--procs 2] [--rounds 2] [--json]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { keyPool } from '../../test/reliability/lib/keys.js';
import { ServerChild, type MemReport } from '../../test/reliability/lib/server-child.js';
import { percentiles, planClients, type SwarmPlan, type SwarmReport } from '../../test/reliability/lib/swarm.js';

export interface LoadOptions {
  clients: number;
  roomSize: number;
  messages: number;
  intervalMs: number;
  procs: number;
  rounds: number;
}

/** One round of the load run: the swarm's counts summed over the generator processes, plus the server's memory. */
export interface LoadRound
  extends Pick<SwarmReport, 'connectSeconds' | 'connectAttempts' | 'expected' | 'delivered' | 'duplicates' | 'outOfOrder' | 'foreign' | 'complete' | 'errors' | 'unexpectedCloses'> {
  round: number;
  chatSeconds: number;
  /** The worst of the generator processes' percentiles. */
  latencyMs: Omit<SwarmReport['latencyMs'], 'count'>;
  heapConnectedMiB: number;
  heapAfterMiB: number;
  rssAfterMiB: number;
  connectionsAfter: number;
}

export interface LoadResult {
  options: LoadOptions;
  baselineHeapMiB: number;
  baselineRssMiB: number;
  rounds: LoadRound[];
  ok: boolean;
}

const MiB = 1024 * 1024;
const mib = (n: number) => Math.round((n / MiB) * 10) / 10;

function ask<T>(p: ChildProcess, msg: unknown, answer: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => (p.off('message', on), reject(new Error(`no ${answer} within ${timeoutMs} ms`))), timeoutMs);
    const on = (m: { type: string; message?: string }) => {
      if (m.type === 'error') {
        clearTimeout(t);
        p.off('message', on);
        reject(new Error(m.message));
      } else if (m.type === answer) {
        clearTimeout(t);
        p.off('message', on);
        resolve(m as T);
      }
    };
    p.on('message', on);
    p.send(msg as object);
  });
}

export async function runLoad(o: LoadOptions, log: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<LoadResult> {
  log(`load: ${o.clients} clients, rooms of ${o.roomSize}, ${o.messages} messages each every ${o.intervalMs} ms, ${o.procs} generator processes, ${o.rounds} rounds`);
  await keyPool(o.clients, { onProgress: (n) => n % 100 === 0 && log(`  keys: ${n}/${o.clients}`) });
  // every client comes from 127.0.0.1: its budget of new names is raised (default 20 at once)
  const server = await ServerChild.start({ chat: { newNamesPerSourceBurst: Math.max(20, o.clients) } });
  const procs: ChildProcess[] = [];
  try {
    const { clients, roomMembers } = planClients(o.clients, o.roomSize, o.clients);
    const script = fileURLToPath(new URL('./swarm-proc.js', import.meta.url));
    for (let i = 0; i < o.procs; i++) {
      const mine = clients.filter((_, k) => k % o.procs === i);
      const plan: SwarmPlan = { url: server.url, clients: mine, roomMembers, messagesPerClient: o.messages, intervalMs: o.intervalMs, connectConcurrency: 24, padding: 100 };
      const p = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      procs.push(p);
      await ask(p, { type: 'plan', plan, keyCount: o.clients }, 'ready', 120_000);
    }
    const base: MemReport = await server.mem();
    log(`  server baseline: heap ${mib(base.heapUsed)} MiB, rss ${mib(base.rss)} MiB`);
    const rounds: LoadRound[] = [];
    for (let round = 1; round <= o.rounds; round++) {
      const t0 = Date.now();
      await Promise.all(procs.map((p) => ask(p, { type: 'connect' }, 'connected', 600_000)));
      const connectSeconds = (Date.now() - t0) / 1000;
      const connected: MemReport = await server.mem();
      log(`  round ${round}: ${connected.connections} connected in ${connectSeconds.toFixed(1)} s; server heap ${mib(connected.heapUsed)} MiB`);
      const t1 = Date.now();
      const reports = (await Promise.all(procs.map((p) => ask<{ report: SwarmReport }>(p, { type: 'chat', timeoutMs: 180_000 }, 'chatted', 600_000)))).map((x) => x.report);
      const chatSeconds = (Date.now() - t1) / 1000;
      await Promise.all(procs.map((p) => ask(p, { type: 'close' }, 'closed', 120_000)));
      let after: MemReport = await server.mem();
      for (let i = 0; i < 50 && after.connections > 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        after = await server.mem();
      }
      const sum = (f: (r: SwarmReport) => number) => reports.reduce((n, r) => n + f(r), 0);
      const errors: Record<string, number> = {};
      for (const r of reports) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
      // latency percentiles: the max of the processes' percentiles (an upper bound, since each process sees half the traffic)
      const lat = { p50: Math.max(...reports.map((r) => r.latencyMs.p50)), p90: Math.max(...reports.map((r) => r.latencyMs.p90)), p99: Math.max(...reports.map((r) => r.latencyMs.p99)), max: Math.max(...reports.map((r) => r.latencyMs.max)) };
      const r: LoadRound = {
        round, connectSeconds, connectAttempts: sum((x) => x.connectAttempts), expected: sum((x) => x.expected), delivered: sum((x) => x.delivered),
        duplicates: sum((x) => x.duplicates), outOfOrder: sum((x) => x.outOfOrder), foreign: sum((x) => x.foreign), complete: sum((x) => x.complete),
        errors, unexpectedCloses: sum((x) => x.unexpectedCloses), chatSeconds, latencyMs: lat,
        heapConnectedMiB: mib(connected.heapUsed), heapAfterMiB: mib(after.heapUsed), rssAfterMiB: mib(after.rss), connectionsAfter: after.connections,
      };
      rounds.push(r);
      log(`  round ${round}: ${r.delivered}/${r.expected} delivered in ${chatSeconds.toFixed(1)} s, dup ${r.duplicates}, out of order ${r.outOfOrder}, complete ${r.complete}/${o.clients}, ` +
        `latency p50 ${lat.p50} p99 ${lat.p99} max ${lat.max} ms, errors ${JSON.stringify(errors)}; after disconnect: ${after.connections} connections, heap ${r.heapAfterMiB} MiB, rss ${r.rssAfterMiB} MiB`);
      await Promise.all(procs.map((p) => ask(p, { type: 'reset' }, 'reset', 30_000)));
    }
    const ok = rounds.every((r) => r.delivered === r.expected && r.duplicates === 0 && r.outOfOrder === 0 && r.foreign === 0 && r.unexpectedCloses === 0 && r.connectionsAfter === 0) &&
      (rounds.length < 2 || rounds[rounds.length - 1]!.heapAfterMiB - rounds[0]!.heapAfterMiB < 4);
    return { options: o, baselineHeapMiB: mib(base.heapUsed), baselineRssMiB: mib(base.rss), rounds, ok };
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    await server.stop();
  }
}

void percentiles;

const isMain = process.argv[1] === fileURLToPath(import.meta.url);
if (isMain) {
  const arg = (name: string, d: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : d;
  };
  const o: LoadOptions = { clients: arg('clients', 1000), roomSize: arg('room-size', 50), messages: arg('messages', 10), intervalMs: arg('interval-ms', 2000), procs: arg('procs', 2), rounds: arg('rounds', 2) };
  runLoad(o).then(
    (r) => {
      console.log(JSON.stringify(r));
      process.exit(r.ok ? 0 : 1);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
