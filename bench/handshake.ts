/**
 * `npm run bench:handshake [-- --json] [-- --quick]`: completed Parley handshakes per second
 * (ClientHello → ServerHello → ClientFinish → the server's first frame opened: RSA-2048 keys on
 * both sides, both authenticated, Parley's own RSA) against its like-for-like peer, MUTUAL TLS:
 * a WebSocket over TLS (wss) to a Node https server that requires an RSA-2048 client certificate
 * (OpenSSL; certificates made by the openssl command line in a temporary folder), counted when
 * the server's first message arrives; and, for reference, one-way TLS (server certificate only)
 * to a Node `tls` server. Parley's server runs twice, once on each RSA engine of issue 15
 * (PARLEY_RSA_ENGINE=wasm: the WebAssembly engine; =bigint: the BigInt reference), in processes
 * of their own like the others; the clients run in one load-generator process (on its default
 * engine for both). Trials rotate between the four and the report gives medians, with the
 * server's CPU time per handshake. A full run writes the raw result to
 * bench/results/handshake.json. This is a benchmark: it asserts nothing.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child } from './lib/ipc.js';
import { loadEngines } from './lib/rsa-engines.js';
import { machine, machineLine } from './lib/machine.js';
import { fmt, median } from './lib/stats.js';
import type { Usage } from './lib/usage.js';
import { makePki } from './servers/tls.js';

const HELP = `usage: npm run bench:handshake [-- --json] [-- --quick]
  --json    end with one line of JSON (the summary)
  --quick   1 trial of 2 s per server (default 5 of 4 s); raw result to the temp folder`;
const args = new Set(process.argv.slice(2));
if (args.has('--help') || args.has('-h')) {
  console.log(HELP);
  process.exit(0);
}
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const TRIALS = QUICK ? 1 : 5;
const DURATION_MS = QUICK ? 2000 : 4000;
const CONCURRENCY = 8;

const here = path.dirname(fileURLToPath(import.meta.url));
const KINDS = ['parley', 'parley-bigint', 'mtls', 'tls'] as const;
type Kind = (typeof KINDS)[number];
const LABEL: Record<Kind, string> = { parley: 'Parley (both sides RSA-2048), server on the WebAssembly engine', 'parley-bigint': 'Parley, server on the BigInt engine', mtls: 'mutual TLS over wss (RSA-2048 certificates on both sides)', tls: 'one-way TLS (node:tls, RSA-2048 server certificate)' };
const OUT = QUICK ? path.join(os.tmpdir(), 'parley-bench-handshake-quick.json') : path.resolve(here, '..', '..', 'bench', 'results', 'handshake.json');

interface Trial {
  perSecond: number;
  serverCpuMs: number;
  serverCores: number;
  loadCores: number;
  failed: number;
  /** TLS sessions resumed (must be 0: every handshake full). */
  resumed: number;
}

/** What the load generator connects as: both Parley servers take the same clients. */
const loadKind = (k: Kind) => (k === 'parley-bigint' ? 'parley' : k);

async function trial(server: Child, port: number, load: Child, kind: Kind, pki: string): Promise<Trial> {
  const u0 = await server.call<Usage>('usage', false);
  const r = await load.call<{ completed: number; failed: number; resumed: number; seconds: number; cpuMicros: number }>('handshakes', { kind: loadKind(kind), port, concurrency: CONCURRENCY, durationMs: DURATION_MS, pki });
  const u1 = await server.call<Usage>('usage', false);
  const cpu = (u1.cpuMicros - u0.cpuMicros) / 1e6;
  return { perSecond: r.completed / r.seconds, serverCpuMs: (cpu * 1000) / r.completed, serverCores: cpu / r.seconds, loadCores: r.cpuMicros / 1e6 / r.seconds, failed: r.failed, resumed: r.resumed };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const m = machine();
  const pki = makePki();
  const servers = {} as Record<Kind, { child: Child; port: number }>;
  const results: Record<Kind, Trial[]> = { parley: [], 'parley-bigint': [], mtls: [], tls: [] };
  const engines: Partial<Record<Kind, string>> = {};
  const wasm = (await loadEngines()).available;
  if (!wasm) {
    console.error('the WebAssembly engine does not load here: both Parley servers run on BigInt');
    LABEL.parley = 'Parley (both sides RSA-2048), server on its default engine (BigInt: the WebAssembly engine does not load here)';
  }
  let load: Child | undefined;
  try {
    for (const k of KINDS) {
      // the load generator knows one Parley; the server's engine is the process's PARLEY_RSA_ENGINE
      const env: Record<string, string> = k === 'parley' ? { PARLEY_RSA_ENGINE: wasm ? 'wasm' : 'auto' } : k === 'parley-bigint' ? { PARLEY_RSA_ENGINE: 'bigint' } : {};
      const child = await Child.start(path.join(here, 'servers', 'child.js'), [k === 'parley-bigint' ? 'parley' : k, pki], env);
      servers[k] = { child, port: (await child.call<{ port: number }>('address')).port };
    }
    load = await Child.start(path.join(here, 'load', 'worker.js'));
    await load.call('keys', 1);
    // warm-up: JIT and WebAssembly tier-up, first-use initialisation on both sides
    for (const k of KINDS) await load.call('handshakes', { kind: loadKind(k), port: servers[k].port, concurrency: CONCURRENCY, durationMs: 1000, pki });
    for (const k of ['parley', 'parley-bigint'] as const) engines[k] = await servers[k].child.call<string>('engine');
    console.error(`server engines after warm-up: ${engines.parley} and ${engines['parley-bigint']}`);
    if (wasm && engines.parley !== 'wasm') throw new Error(`the WebAssembly server uses ${engines.parley}: is its key one the engine takes?`);
    for (let t = 0; t < TRIALS; t++) {
      for (const k of KINDS.map((_, i) => KINDS[(i + t) % KINDS.length]!)) {
        const r = await trial(servers[k].child, servers[k].port, load, k, pki);
        results[k].push(r);
        console.error(`${LABEL[k]}: ${fmt(r.perSecond, 1)}/s, server ${r.serverCpuMs.toFixed(2)} ms CPU per handshake, cores server ${r.serverCores.toFixed(2)} load ${r.loadCores.toFixed(2)}${r.failed ? `, ${r.failed} failed` : ''}${r.resumed ? `, ${r.resumed} RESUMED` : ''}`);
      }
    }
  } finally {
    await load?.stop();
    for (const s of Object.values(servers)) await s.child.stop();
    rmSync(pki, { recursive: true, force: true });
  }
  const med = (k: Kind, f: (t: Trial) => number) => median(results[k].map(f));
  const range = (k: Kind, f: (t: Trial) => number, d: number) => `${fmt(med(k, f), d)} [${fmt(Math.min(...results[k].map(f)), d)}–${fmt(Math.max(...results[k].map(f)), d)}]`;
  console.log(`Handshake benchmark — ${machineLine(m)}; load average at start ${m.loadavg.join(' ')}; ${TRIALS} rotating trials of ${DURATION_MS / 1000} s, ${CONCURRENCY} concurrent connections; medians [min–max]`);
  console.log('| server | handshakes/s | server CPU ms per handshake | server CPU (cores) | load-generator CPU (cores) |');
  console.log('|---|---|---|---|---|');
  for (const k of KINDS) {
    console.log(`| ${LABEL[k]} | ${range(k, (t) => t.perSecond, 1)} | ${range(k, (t) => t.serverCpuMs, 2)} | ${med(k, (t) => t.serverCores).toFixed(2)} | ${med(k, (t) => t.loadCores).toFixed(2)} |`);
  }
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const summary = {
    ratio_mtls: round(med('parley', (t) => t.perSecond) / med('mtls', (t) => t.perSecond)),
    cpu_ratio_mtls: round(med('mtls', (t) => t.serverCpuMs) / med('parley', (t) => t.serverCpuMs)),
    ratio_tls: round(med('parley', (t) => t.perSecond) / med('tls', (t) => t.perSecond)),
    cpu_ratio_tls: round(med('tls', (t) => t.serverCpuMs) / med('parley', (t) => t.serverCpuMs)),
    parley_per_second: round(med('parley', (t) => t.perSecond)),
    mtls_per_second: round(med('mtls', (t) => t.perSecond)),
    tls_per_second: round(med('tls', (t) => t.perSecond)),
    parley_server_cpu_ms: round(med('parley', (t) => t.serverCpuMs)),
    mtls_server_cpu_ms: round(med('mtls', (t) => t.serverCpuMs)),
    tls_server_cpu_ms: round(med('tls', (t) => t.serverCpuMs)),
    handshakes_per_s_bigint: round(med('parley-bigint', (t) => t.perSecond)),
    bigint_server_cpu_ms: round(med('parley-bigint', (t) => t.serverCpuMs)),
    handshake_speedup_wasm: round(med('parley', (t) => t.perSecond) / med('parley-bigint', (t) => t.perSecond)),
    server_cpu_speedup_wasm: round(med('parley-bigint', (t) => t.serverCpuMs) / med('parley', (t) => t.serverCpuMs)),
    server_engine: engines.parley,
    bigint_server_engine: engines['parley-bigint'],
    cpu: m.cpu,
    avx512ifma: m.avx512ifma,
  };
  console.log(`Parley's server on ${summary.server_engine}: ${summary.handshake_speedup_wasm}× the handshakes per second of the same server on ${summary.bigint_server_engine}, server CPU per handshake ${summary.server_cpu_speedup_wasm}× lower (BigInt's over this one's)`);
  console.log(`Parley: ${summary.ratio_mtls}× the mutual-TLS (wss) handshake rate, ${summary.cpu_ratio_mtls}× as efficient per server CPU time; against one-way TLS ${summary.ratio_tls}× and ${summary.cpu_ratio_tls}×`);
  mkdirSync(path.dirname(OUT), { recursive: true });
  const seconds = Math.round((performance.now() - t0) / 1000);
  writeFileSync(OUT, `${JSON.stringify({ benchmark: 'handshake', date: new Date().toISOString(), machine: m, loadavgAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100), seconds, settings: { quick: QUICK, trials: TRIALS, durationMs: DURATION_MS, concurrency: CONCURRENCY, engines }, trials: results, summary }, null, 1)}\n`);
  console.error(`raw result: ${OUT} (${seconds} s)`);
  if (JSON_OUT) console.log(JSON.stringify(summary));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
