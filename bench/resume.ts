/**
 * `npm run bench:resume [-- --json] [-- --quick]`: what session resumption (docs/PROTOCOL.md
 * §Session resumption) saves the server. Two measurements, full handshakes against resumed ones:
 *
 * 1. Over WebSocket, the real ParleyServer in a process of its own (bench/servers/child.ts, the
 *    benchmarks' limits) and the clients in this process, CONCURRENCY connections at a time for a
 *    fixed time, each one handshake → `ready` → close. A full handshake is a plain ClientHello
 *    (two RSA-2048 private-key operations on the server); a resumed one offers the ticket the
 *    previous connection of its loop received. Reported: handshakes per second achieved, the
 *    server's CPU time per handshake, and from it handshakes per second per server core.
 * 2. The protocol alone, in this process: ServerHandshake's CPU time per full and per resumed
 *    handshake (the client's work excluded), without sockets or the chat hub.
 *
 * Trials alternate between the two kinds; the report gives medians [min–max]. A full run writes
 * bench/results/resume.json (raw) and the printed report to bench/results/resume.txt. This is a
 * benchmark: it asserts nothing (but counts handshakes that did not resume when they should).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeCrypto } from '../src/protocol/crypto-node.js';
import { ClientHandshake, ServerHandshake, type ClientTicket } from '../src/protocol/index.js';
import { base64ToBytes, type RsaPrivateKey } from '../src/rsa/index.js';
import { transportOptions } from '../src/server/options.js';
import { serverTickets } from '../src/server/tickets.js';
import { RawClient } from '../test/reliability/lib/raw-client.js';
import { Child } from './lib/ipc.js';
import { quickKey } from './lib/keys.js';
import { machine, machineLine } from './lib/machine.js';
import { fmt, median } from './lib/stats.js';
import type { Usage } from './lib/usage.js';

const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const TRIALS = QUICK ? 1 : 5;
const DURATION_MS = QUICK ? 2000 : 4000;
const CONCURRENCY = 8;
const PROTOCOL_ROUNDS = QUICK ? 20 : 100;

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.resolve(here, '..', '..', 'bench', 'results');
const KINDS = ['full', 'resumed'] as const;
type Kind = (typeof KINDS)[number];

interface Trial {
  perSecond: number;
  serverCpuMs: number;
  perCoreSecond: number;
  failed: number;
  /** Resumed loop: handshakes that fell back to a full one (must be 0). */
  notResumed: number;
}

let serial = 0;

/** One connection: handshake, `ready`, the ticket if asked for, close. */
async function once(url: string, key: RsaPrivateKey, name: string, ticket: ClientTicket | undefined, tickets: boolean): Promise<RawClient> {
  const c = await RawClient.connect(url, key, name, { ...(tickets && { tickets: true }), ...(ticket && { ticket }), timeoutMs: 30_000 });
  if (tickets) for (let i = 0; i < 100 && !c.ticket; i++) await new Promise((r) => setTimeout(r, 5));
  c.close();
  return c;
}

async function trial(server: Child, url: string, key: RsaPrivateKey, kind: Kind): Promise<Trial> {
  // each resumed loop starts with a ticket from a full handshake, outside the measured window
  const loops = await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    const name = `r${(++serial).toString(36)}`;
    return { name, ticket: kind === 'resumed' ? (await once(url, key, name, undefined, true)).ticket : undefined };
  }));
  const u0 = await server.call<Usage>('usage', false);
  const t0 = performance.now();
  const end = t0 + DURATION_MS;
  let completed = 0;
  let failed = 0;
  let notResumed = 0;
  await Promise.all(loops.map(async (loop) => {
    while (performance.now() < end) {
      try {
        const c = kind === 'full' ? await once(url, key, `f${(++serial).toString(36)}`, undefined, false) : await once(url, key, loop.name, loop.ticket, true);
        if (kind === 'resumed') {
          if (!c.resumed) notResumed++;
          if (c.ticket) loop.ticket = c.ticket;
        }
        if (performance.now() <= end) completed++;
      } catch {
        failed++;
      }
    }
  }));
  const seconds = (Math.min(performance.now(), end) - t0) / 1000;
  const u1 = await server.call<Usage>('usage', false);
  const serverCpuMs = (u1.cpuMicros - u0.cpuMicros) / 1000 / completed;
  return { perSecond: completed / seconds, serverCpuMs, perCoreSecond: 1000 / serverCpuMs, failed, notResumed };
}

/** ServerHandshake's own CPU time per handshake (µs of process CPU around the server's calls only). */
function protocolOnly(kind: Kind, serverKey: RsaPrivateKey, clientKey: RsaPrivateKey): number {
  const tickets = serverTickets(serverKey, transportOptions());
  let ticket: ClientTicket | undefined;
  let serverMicros = 0;
  for (let i = 0; i < PROTOCOL_ROUNDS + 5; i++) {
    const c = new ClientHandshake({ identity: clientKey, name: 'bench', crypto: nodeCrypto, tickets: kind === 'resumed', ...(ticket && { ticket }) });
    const hello = c.hello();
    let u = process.cpuUsage();
    const s = new ServerHandshake({ identity: serverKey, crypto: nodeCrypto, tickets });
    const sh = s.onClientHello(hello);
    let d = process.cpuUsage(u);
    let micros = d.user + d.system;
    const r = c.onServerHello(sh);
    u = process.cpuUsage();
    const done = s.onClientFinish(r.finish);
    d = process.cpuUsage(u);
    micros += d.user + d.system;
    if (kind === 'resumed' && done.ticket) ticket = { ticket: base64ToBytes(done.ticket.ticket), resumptionSecret: r.resumptionSecret!, serverFingerprint: r.serverFingerprint };
    if (i >= 5) serverMicros += micros; // the first rounds warm up (and the resumed loop's first is its full handshake)
  }
  return serverMicros / 1000 / PROTOCOL_ROUNDS;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const m = machine();
  const results: Record<Kind, Trial[]> = { full: [], resumed: [] };
  const protocol: Record<Kind, number[]> = { full: [], resumed: [] };
  const key = quickKey();
  const server = await Child.start(path.join(here, 'servers', 'child.js'), ['parley']);
  try {
    const url = `ws://127.0.0.1:${(await server.call<{ port: number }>('address')).port}`;
    for (const k of KINDS) await trial(server, url, key, k); // warm-up: JIT on both sides
    for (let t = 0; t < TRIALS; t++) {
      for (const k of t % 2 ? [...KINDS].reverse() : KINDS) {
        const r = await trial(server, url, key, k);
        results[k].push(r);
        console.error(`${k}: ${fmt(r.perSecond, 1)}/s, server ${r.serverCpuMs.toFixed(3)} ms CPU per handshake (${fmt(r.perCoreSecond, 0)}/s per core)${r.failed ? `, ${r.failed} failed` : ''}${r.notResumed ? `, ${r.notResumed} NOT RESUMED` : ''}`);
      }
    }
  } finally {
    await server.stop();
  }
  const serverKey = quickKey();
  for (let t = 0; t < TRIALS; t++) for (const k of KINDS) protocol[k].push(protocolOnly(k, serverKey, key));
  const med = (k: Kind, f: (t: Trial) => number) => median(results[k].map(f));
  const range = (xs: number[], d: number) => `${fmt(median(xs), d)} [${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)}]`;
  const lines: string[] = [];
  lines.push(`Session resumption benchmark — ${machineLine(m)}; load average at start ${m.loadavg.join(' ')}; ${TRIALS} alternating trials of ${DURATION_MS / 1000} s, ${CONCURRENCY} concurrent connections, RSA-2048 keys; medians [min–max]`);
  lines.push('');
  lines.push('Over WebSocket (ParleyServer in its own process; each connection: handshake, ready, close):');
  lines.push('| handshake | handshakes/s achieved | server CPU ms per handshake | handshakes/s per server core |');
  lines.push('|---|---|---|---|');
  for (const k of KINDS) lines.push(`| ${k} | ${range(results[k].map((t) => t.perSecond), 1)} | ${range(results[k].map((t) => t.serverCpuMs), 3)} | ${range(results[k].map((t) => t.perCoreSecond), 0)} |`);
  lines.push('');
  lines.push(`Protocol only (ServerHandshake in process, ${PROTOCOL_ROUNDS} handshakes per trial, the client's work excluded):`);
  lines.push('| handshake | server CPU ms per handshake | handshakes/s per core |');
  lines.push('|---|---|---|');
  for (const k of KINDS) lines.push(`| ${k} | ${range(protocol[k], 3)} | ${range(protocol[k].map((x) => 1000 / x), 0)} |`);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const summary = {
    full_per_core_second: round(med('full', (t) => t.perCoreSecond)),
    resumed_per_core_second: round(med('resumed', (t) => t.perCoreSecond)),
    speedup_server_cpu: round(med('full', (t) => t.serverCpuMs) / med('resumed', (t) => t.serverCpuMs)),
    full_server_cpu_ms: round(med('full', (t) => t.serverCpuMs)),
    resumed_server_cpu_ms: round(med('resumed', (t) => t.serverCpuMs)),
    protocol_full_ms: round(median(protocol.full)),
    protocol_resumed_ms: round(median(protocol.resumed)),
    not_resumed: results.resumed.reduce((a, t) => a + t.notResumed, 0),
    failed: [...results.full, ...results.resumed].reduce((a, t) => a + t.failed, 0),
    cpu: m.cpu,
  };
  lines.push('');
  lines.push(`A resumed handshake costs the server ${summary.speedup_server_cpu}× less CPU than a full one (${summary.resumed_per_core_second} vs ${summary.full_per_core_second} handshakes/s per core over WebSocket); ${summary.not_resumed} resumptions fell back, ${summary.failed} connections failed`);
  const report = lines.join('\n');
  console.log(report);
  const seconds = Math.round((performance.now() - t0) / 1000);
  if (!QUICK) {
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(path.join(RESULTS, 'resume.json'), `${JSON.stringify({ benchmark: 'resume', date: new Date().toISOString(), machine: m, loadavgAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100), seconds, settings: { trials: TRIALS, durationMs: DURATION_MS, concurrency: CONCURRENCY, protocolRounds: PROTOCOL_ROUNDS }, trials: results, protocol, summary }, null, 1)}\n`);
    writeFileSync(path.join(RESULTS, 'resume.txt'), `${report}\n`);
    console.error(`raw result: bench/results/resume.json and resume.txt (${seconds} s)`);
  }
  if (JSON_OUT) console.log(JSON.stringify(summary));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
