/**
 * `npm run bench:flood [-- --quick] [-- --json]`: what one flooding address costs the server
 * and its other users (issue 10, items 2 and 3). Three processes: the server
 * (bench/flood/server.ts, its CPU time read with process.cpuUsage over IPC), the attacker
 * (bench/flood/attacker.ts) and this one, whose legitimate users connect from 127.0.0.1.
 *
 * Each trial starts a fresh server and runs: a quiet baseline (legitimate users only), then the
 * flood — 127.0.0.2 replays one genuine ClientHello on new connections as fast as they open,
 * 127.0.0.3 holds as many silent WebSockets and silent TCP connections as it can — while a new
 * legitimate client connects every 500 ms (first attempt → `ready`, retrying refusals) and two
 * connected clients chat (round trip of their own messages). Two variants, same code: the
 * default limits, and the per-source limits raised out of the way (what the server did before
 * them); trials alternate between the two. Writes the raw result to bench/results/flood.json
 * (--quick: to the temp folder). This is a benchmark: it asserts nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TRANSPORT, type TransportOptions } from '../src/server/options.js';
import { Child } from './lib/ipc.js';
import { keyPool } from './lib/keys.js';
import { fmt, median, quantile } from './lib/stats.js';
import type { Usage } from './lib/usage.js';
import type { AttackPlan, FloodSnapshot } from './flood/attacker.js';
import { Chatters, handshakeLoop } from './flood/legit.js';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const JSON_OUT = args.has('--json');
const TRIALS = QUICK ? 1 : 3;
const BASELINE_MS = QUICK ? 2000 : 4000;
const SETTLE_MS = 1000;
const FLOOD_MS = QUICK ? 4000 : 10_000;
const NEW_CLIENT_EVERY_MS = 500;
const CHAT_EVERY_MS = 200;
const LEGIT_DEADLINE_MS = 5000;
const REPLAYER = '127.0.0.2';
const HOLDER = '127.0.0.3';
/** The two attacks: the replayer alone, and the replayer with the holder (with the limits raised, the holder alone locks everyone out — the replayer too). */
const SCENARIOS = {
  replay: { replay: { localAddress: REPLAYER, slots: 16 } },
  'replay+hold': { replay: { localAddress: REPLAYER, slots: 16 }, hold: { localAddress: HOLDER, wsSlots: 200, tcpSlots: 100, reopenMs: 100 } },
} as const satisfies Record<string, Omit<AttackPlan, 'port'>>;
type Scenario = keyof typeof SCENARIOS;
const RAISED: Partial<TransportOptions> = {
  maxConnectionsPerSource: 1_000_000, maxPendingHandshakesPerSource: 1_000_000, maxRawConnectionsPerSource: 1_000_000,
  handshakesPerSecondPerSource: 1_000_000, handshakeBurstPerSource: 1_000_000,
};
const VARIANTS = { limited: {}, raised: RAISED } as const;
type Variant = keyof typeof VARIANTS;

const here = path.dirname(fileURLToPath(import.meta.url));
const log = (s: string) => console.error(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
const dist = (xs: number[]) => ({ n: xs.length, p50: round(quantile(xs, 0.5)), p99: round(quantile(xs, 0.99)), max: round(xs.length ? Math.max(...xs) : NaN) });

interface Phase {
  seconds: number;
  serverCores: number;
  legit: { handshake: ReturnType<typeof dist>; attempts: ReturnType<typeof dist>; failed: number; rtt: ReturnType<typeof dist>; chatSent: number };
}

interface Trial {
  scenario: Scenario;
  variant: Variant;
  trial: number;
  baseline: Phase;
  flood: Phase & {
    serverHellosPerSecond: number;
    replayRefusedPerSecond: number;
    replayAttemptsPerSecond: number;
    holderHeld: { raw: number; connections: number; pendingHandshakes: number };
    holderRefused: Record<string, number>;
    attackerCores: number;
    serverLog: Record<string, number>;
  };
}

async function phase(server: Child, url: string, chat: Chatters, keys: Parameters<typeof handshakeLoop>[1], ms: number): Promise<Phase> {
  chat.window();
  const u0 = await server.call<Usage>('usage', false);
  const t0 = performance.now();
  const hs = await handshakeLoop(url, keys, NEW_CLIENT_EVERY_MS, ms, LEGIT_DEADLINE_MS);
  const seconds = (performance.now() - t0) / 1000;
  const u1 = await server.call<Usage>('usage', false);
  const w = chat.window();
  return {
    seconds: round(seconds, 2)!,
    serverCores: round((u1.cpuMicros - u0.cpuMicros) / 1e6 / seconds, 3)!,
    legit: { handshake: dist(hs.handshakeMs), attempts: dist(hs.attempts), failed: hs.failed, rtt: dist(w.rttMs), chatSent: w.sent },
  };
}

async function trial(scenario: Scenario, variant: Variant, n: number, attacker: Child, keys: Parameters<typeof handshakeLoop>[1]): Promise<Trial> {
  const server = await Child.start(path.join(here, 'flood', 'server.js'), [JSON.stringify(VARIANTS[variant])]);
  try {
    const { port } = await server.call<{ port: number }>('address');
    const url = `ws://127.0.0.1:${port}`;
    const chat = await Chatters.start(url, keys, CHAT_EVERY_MS);
    try {
      await handshakeLoop(url, keys.slice(2), 100, 1000, LEGIT_DEADLINE_MS); // warm-up (JIT) on both sides
      const baseline = await phase(server, url, chat, keys.slice(2), BASELINE_MS);
      await attacker.call('start', { ...SCENARIOS[scenario], port } satisfies AttackPlan);
      await sleep(SETTLE_MS);
      const a0 = await attacker.call<{ replay: FloodSnapshot; cpuMicros: number }>('stats');
      const p = await phase(server, url, chat, keys.slice(2), FLOOD_MS);
      const a1 = await attacker.call<{ replay: FloodSnapshot; holdWs?: FloodSnapshot; holdTcp?: FloodSnapshot; cpuMicros: number }>('stats');
      const held = (await server.call<Record<string, Trial['flood']['holderHeld']>>('sources', [HOLDER]))[HOLDER]!;
      const serverLog = await server.call<Record<string, number>>('log');
      await attacker.call('stop');
      const perS = (k: (s: FloodSnapshot) => number) => round((k(a1.replay) - k(a0.replay)) / p.seconds)!;
      const refused = (s: FloodSnapshot) => Object.values(s.refused).reduce((x, y) => x + y, 0);
      const holderRefused: Record<string, number> = {};
      for (const s of [a1.holdWs, a1.holdTcp]) if (s) for (const [k, v] of Object.entries(s.refused)) holderRefused[k] = (holderRefused[k] ?? 0) + v;
      return {
        scenario, variant, trial: n, baseline,
        flood: {
          ...p,
          serverHellosPerSecond: perS((s) => s.serverHellos),
          replayRefusedPerSecond: perS(refused),
          replayAttemptsPerSecond: perS((s) => s.attempts),
          holderHeld: held,
          holderRefused,
          attackerCores: round((a1.cpuMicros - a0.cpuMicros) / 1e6 / p.seconds, 3)!,
          serverLog,
        },
      };
    } finally {
      await attacker.call('stop');
      chat.stop();
    }
  } finally {
    await server.stop();
  }
}

function summary(trials: Trial[]) {
  const range = (xs: number[]) => ({ min: round(Math.min(...xs), 2), median: round(median(xs), 2), max: round(Math.max(...xs), 2) });
  const out: Record<string, Record<string, unknown>> = {};
  for (const sc of Object.keys(SCENARIOS) as Scenario[]) {
    for (const v of Object.keys(VARIANTS) as Variant[]) {
      const mine = trials.filter((t) => t.variant === v && t.scenario === sc);
      const by = (f: (t: Trial) => number | null) => mine.map((t) => f(t) ?? NaN);
      out[`${sc}/${v}`] = {
        baselineServerCores: range(by((t) => t.baseline.serverCores)),
        floodServerCores: range(by((t) => t.flood.serverCores)),
        serverHellosPerSecond: range(by((t) => t.flood.serverHellosPerSecond)),
        replayRefusedPerSecond: range(by((t) => t.flood.replayRefusedPerSecond)),
        legitHandshakeP50Ms: range(by((t) => t.flood.legit.handshake.p50)),
        legitHandshakeMaxMs: range(by((t) => t.flood.legit.handshake.max)),
        legitFailed: by((t) => t.flood.legit.failed),
        legitRttP50Ms: range(by((t) => t.flood.legit.rtt.p50)),
        legitRttP99Ms: range(by((t) => t.flood.legit.rtt.p99)),
        baselineHandshakeP50Ms: range(by((t) => t.baseline.legit.handshake.p50)),
        baselineRttP50Ms: range(by((t) => t.baseline.legit.rtt.p50)),
        baselineRttP99Ms: range(by((t) => t.baseline.legit.rtt.p99)),
      };
    }
  }
  return out;
}

async function main(): Promise<void> {
  const keys = keyPool(6); // 2 chatters, 4 rotating new clients
  const attacker = await Child.start(path.join(here, 'flood', 'attacker.js'));
  const trials: Trial[] = [];
  try {
    for (let n = 1; n <= TRIALS; n++) {
      for (const [sc, v] of (Object.keys(SCENARIOS) as Scenario[]).flatMap((sc) => ((n % 2 ? ['limited', 'raised'] : ['raised', 'limited']) as Variant[]).map((v) => [sc, v] as const))) {
        const t = await trial(sc, v, n, attacker, keys);
        trials.push(t);
        const f = t.flood;
        log(`${sc} ${v} #${n}: server ${f.serverCores} cores (baseline ${t.baseline.serverCores}, legit handshake p50 ${t.baseline.legit.handshake.p50} ms, rtt p50 ${t.baseline.legit.rtt.p50} p99 ${t.baseline.legit.rtt.p99} ms); replay ${f.serverHellosPerSecond} ServerHellos/s, ${f.replayRefusedPerSecond} refused/s; ` +
          `holder holds ${JSON.stringify(f.holderHeld)}; legit handshake p50 ${f.legit.handshake.p50} max ${f.legit.handshake.max} ms (${f.legit.handshake.n} in, ${f.legit.failed} failed, attempts max ${f.legit.attempts.max}), ` +
          `rtt p50 ${f.legit.rtt.p50} p99 ${f.legit.rtt.p99} ms; attacker ${f.attackerCores} cores`);
      }
    }
  } finally {
    await attacker.stop();
  }
  const cpu = os.cpus();
  const machine = { cpu: cpu[0]?.model.trim() ?? '?', cores: cpu.length, node: process.version, openssl: process.versions.openssl, loadavg: os.loadavg().map((x) => round(x, 2)) };
  const result = {
    benchmark: 'flood', date: new Date().toISOString(), machine,
    settings: { quick: QUICK, trials: TRIALS, baselineMs: BASELINE_MS, floodMs: FLOOD_MS, settleMs: SETTLE_MS, newClientEveryMs: NEW_CLIENT_EVERY_MS, chatEveryMs: CHAT_EVERY_MS, legitDeadlineMs: LEGIT_DEADLINE_MS, scenarios: SCENARIOS, defaults: DEFAULT_TRANSPORT, raised: RAISED },
    summary: summary(trials),
    trials,
  };
  const file = QUICK ? path.join(os.tmpdir(), 'parley-bench-flood-quick.json') : path.resolve(here, '..', '..', 'bench', 'results', 'flood.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 1) + '\n');
  const s = result.summary as Record<string, Record<string, { min: number; median: number; max: number }>>;
  console.log(`Flood benchmark — ${machine.cores} × ${machine.cpu}, Node ${machine.node}, OpenSSL ${machine.openssl}; ${TRIALS} trial(s) per column, ${FLOOD_MS / 1000} s of flood each; min–max over trials`);
  const cols = (Object.keys(SCENARIOS) as Scenario[]).flatMap((sc) => (Object.keys(VARIANTS) as Variant[]).map((v) => `${sc}/${v}`));
  console.log(`| | ${cols.join(' | ')} |`);
  console.log(`|---|${cols.map(() => '---').join('|')}|`);
  const row = (label: string, k: string, d = 1) => console.log(`| ${label} | ${cols.map((c) => `${fmt(s[c]![k]!.min, d)}–${fmt(s[c]![k]!.max, d)}`).join(' | ')} |`);
  row('server CPU during the flood (cores)', 'floodServerCores', 2);
  row('server CPU, quiet baseline (cores)', 'baselineServerCores', 2);
  row("replayer's ServerHellos per second", 'serverHellosPerSecond');
  row("replayer's refused attempts per second", 'replayRefusedPerSecond', 0);
  row('legitimate handshake p50 (ms)', 'legitHandshakeP50Ms', 0);
  row('legitimate handshake max (ms)', 'legitHandshakeMaxMs', 0);
  row('legitimate message round trip p50 (ms)', 'legitRttP50Ms', 0);
  row('legitimate message round trip p99 (ms)', 'legitRttP99Ms', 0);
  console.log(`| legitimate clients that did not get in within ${LEGIT_DEADLINE_MS / 1000} s | ${cols.map((c) => (s[c]!.legitFailed as unknown as number[]).join(', ')).join(' | ')} |`);
  console.log(`raw result: ${file}`);
  if (JSON_OUT) console.log(JSON.stringify(result.summary));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
