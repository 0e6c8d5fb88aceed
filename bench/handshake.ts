/**
 * `npm run bench:handshake [-- --json] [-- --quick]`: completed Parley handshakes per second
 * (ClientHello → ServerHello → ClientFinish → the server's first frame opened: RSA-2048 keys on
 * both sides, Parley's own RSA) against full TLS handshakes per second to a Node `tls` server
 * with an RSA-2048 certificate (OpenSSL), in the same run. Each server runs in a process of its
 * own, the clients in one load-generator process; trials alternate between the two and the
 * report gives medians, with the server's CPU time per handshake. This is a benchmark: it
 * asserts nothing.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child } from './lib/ipc.js';
import { fmt, median } from './lib/stats.js';
import type { Usage } from './lib/usage.js';

const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const TRIALS = QUICK ? 1 : 5;
const DURATION_MS = QUICK ? 2000 : 4000;
const CONCURRENCY = 8;

const here = path.dirname(fileURLToPath(import.meta.url));
const KINDS = ['parley', 'tls'] as const;
type Kind = (typeof KINDS)[number];
const LABEL: Record<Kind, string> = { parley: 'Parley', tls: 'TLS (node:tls, RSA-2048)' };

interface Trial {
  perSecond: number;
  serverCpuMs: number;
  serverCores: number;
  loadCores: number;
  failed: number;
}

async function trial(server: Child, port: number, load: Child, kind: Kind): Promise<Trial> {
  const u0 = await server.call<Usage>('usage', false);
  const r = await load.call<{ completed: number; failed: number; seconds: number; cpuMicros: number }>('handshakes', { kind, port, concurrency: CONCURRENCY, durationMs: DURATION_MS });
  const u1 = await server.call<Usage>('usage', false);
  const cpu = (u1.cpuMicros - u0.cpuMicros) / 1e6;
  return { perSecond: r.completed / r.seconds, serverCpuMs: (cpu * 1000) / r.completed, serverCores: cpu / r.seconds, loadCores: r.cpuMicros / 1e6 / r.seconds, failed: r.failed };
}

async function main(): Promise<void> {
  const servers = {} as Record<Kind, { child: Child; port: number }>;
  for (const k of KINDS) {
    const child = await Child.start(path.join(here, 'servers', 'child.js'), [k]);
    servers[k] = { child, port: (await child.call<{ port: number }>('address')).port };
  }
  const load = await Child.start(path.join(here, 'load', 'worker.js'));
  const results: Record<Kind, Trial[]> = { parley: [], tls: [] };
  try {
    await load.call('keys', 1);
    // warm-up: JIT, first-use initialisation on both sides
    for (const k of KINDS) await load.call('handshakes', { kind: k, port: servers[k].port, concurrency: CONCURRENCY, durationMs: 500 });
    for (let t = 0; t < TRIALS; t++) {
      for (const k of t % 2 ? [...KINDS].reverse() : KINDS) {
        const r = await trial(servers[k].child, servers[k].port, load, k);
        results[k].push(r);
        console.error(`${LABEL[k]}: ${fmt(r.perSecond, 1)}/s, server ${r.serverCpuMs.toFixed(2)} ms CPU per handshake, cores server ${r.serverCores.toFixed(2)} load ${r.loadCores.toFixed(2)}${r.failed ? `, ${r.failed} failed` : ''}`);
      }
    }
  } finally {
    await load.stop();
    for (const k of KINDS) await servers[k].child.stop();
  }
  const med = (k: Kind, f: (t: Trial) => number) => median(results[k].map(f));
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? '?'}, Node ${process.version}, OpenSSL ${process.versions.openssl}`;
  console.log(`Handshake benchmark — ${machine}; ${TRIALS} alternating trials of ${DURATION_MS / 1000} s, ${CONCURRENCY} concurrent connections; medians`);
  console.log('| server | handshakes/s | server CPU ms per handshake | server CPU (cores) | load-generator CPU (cores) |');
  console.log('|---|---|---|---|---|');
  for (const k of KINDS) {
    console.log(`| ${LABEL[k]} | ${fmt(med(k, (t) => t.perSecond), 1)} | ${med(k, (t) => t.serverCpuMs).toFixed(2)} | ${med(k, (t) => t.serverCores).toFixed(2)} | ${med(k, (t) => t.loadCores).toFixed(2)} |`);
  }
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const summary = {
    ratio_tls: round(med('parley', (t) => t.perSecond) / med('tls', (t) => t.perSecond)),
    cpu_ratio_tls: round(med('tls', (t) => t.serverCpuMs) / med('parley', (t) => t.serverCpuMs)),
    parley_per_second: round(med('parley', (t) => t.perSecond)),
    tls_per_second: round(med('tls', (t) => t.perSecond)),
    parley_server_cpu_ms: round(med('parley', (t) => t.serverCpuMs)),
    tls_server_cpu_ms: round(med('tls', (t) => t.serverCpuMs)),
  };
  console.log(`Parley: ${summary.ratio_tls}× the TLS handshake rate; per server CPU time, ${summary.cpu_ratio_tls}× as efficient`);
  if (JSON_OUT) console.log(JSON.stringify(summary));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
