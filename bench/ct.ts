/**
 * `npm run bench:ct [-- --n N] [-- --warmup W] [-- --quick] [-- --json] [-- --out FILE]`:
 * a statistical timing-leak test of the RSA private-key path in the manner of dudect (Reparaz,
 * Balasch, Verbauwhede, "Dude, is my code constant time?", DATE 2017), for the WebAssembly
 * engine and, as the control, the BigInt reference. Each test has two classes of inputs; every
 * measurement's class is drawn from the CSPRNG, its input prepared beforehand, and one call timed
 * with process.hrtime.bigint(). Welch's t between the classes' timings is computed on all
 * measurements and on the measurements cropped at several percentiles of the pooled timings
 * (bench/lib/welch.ts); a test's |t| is the largest over the croppings. |t| ≥ 4.5 is a leak;
 * below, no leak was detected at that many measurements — a t-test finds leaks, it never proves
 * their absence. The tests take turns in chunks, so that drift on the machine affects all alike.
 * A full run writes the raw result to bench/results/ct.json (--quick: the temp folder).
 * This is a benchmark: it asserts nothing and is not part of `npm test`.
 */
import crypto from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { i2osp, os2ip, type RsaPrivateKey } from '../src/rsa/index.js';
import { quickKey } from './lib/keys.js';
import { machine, machineLine } from './lib/machine.js';
import { loadEngines, type EngineName, type Engines } from './lib/rsa-engines.js';
import { fmt, median, quantile } from './lib/stats.js';
import { CROPS, croppedT, maxAbsT, type Cropped } from './lib/welch.js';

const HELP = `usage: npm run bench:ct [-- --n N] [-- --warmup W] [-- --quick] [-- --json] [-- --out FILE]
  --n N       measurements per test and engine, both classes together (default 30000: about
              8–10 minutes for the 6 tests on the 2-core machine of docs/PERFORMANCE.md, at
              ~16–19 ms per round of one measurement of each)
  --warmup W  untimed calls of each test before measuring (default 300: V8 tiers WebAssembly
              and JavaScript up after a few dozen calls)
  --quick     --n 1000 --warmup 50, raw result to the temp folder
  --json      end with one line of JSON (the summary)
  --out F     write the raw result to F (default bench/results/ct.json)`;
const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}
/** The value of a numeric flag, or `dflt`; exits with a usage error when it is not a positive integer. */
function intFlag(name: string, dflt: number): number {
  const at = argv.indexOf(name);
  if (at < 0) return dflt;
  const v = Number(argv[at + 1]);
  if (!Number.isSafeInteger(v) || v < 1) {
    console.error(`bench:ct: ${name} needs a positive integer (got ${argv[at + 1] ?? 'nothing'}); see --help`);
    process.exit(2);
  }
  return v;
}
const QUICK = argv.includes('--quick');
const JSON_OUT = argv.includes('--json');
const N = intFlag('--n', QUICK ? 1000 : 30_000);
const WARMUP = intFlag('--warmup', QUICK ? 50 : 300);
/** Measurements each test takes before the next test's turn. */
const CHUNK = 500;
/** |t| at or above which a test reports a leak (dudect's threshold). */
const THRESHOLD = 4.5;
const here = path.dirname(fileURLToPath(import.meta.url));
const outAt = argv.indexOf('--out');
const OUT = outAt >= 0 ? argv[outAt + 1]! : QUICK ? path.join(os.tmpdir(), 'parley-bench-ct-quick.json') : path.resolve(here, '..', '..', 'bench', 'results', 'ct.json');

/** A test for one engine: `prepare` makes the input of measurement i for its class; `call` runs it. */
interface Test {
  id: string;
  engine: EngineName;
  what: string;
  classes: [string, string];
  prepare(cls: 0 | 1): unknown;
  call(input: unknown): void;
}

const rand = (n: number) => new Uint8Array(crypto.randomBytes(n));
/** A uniform-enough random integer below m (2^64 more bytes than m, reduced: bias < 2^-64). */
const below = (m: bigint) => os2ip(rand(Math.ceil(m.toString(16).length / 2) + 8)) % m;

/**
 * An exponent of `bytes` bytes whose top bit is set and of whose other bits exactly `k` are set
 * (low weight) or exactly `k` cleared (high weight), at places the CSPRNG picks.
 */
function exponentOfWeight(kind: 'low' | 'high', k: number, bytes: number): Uint8Array {
  const e = new Uint8Array(bytes).fill(kind === 'low' ? 0 : 0xff);
  const picked = new Set<number>();
  // bit b counts from the top bit (0), which is never picked
  while (picked.size < k) picked.add(1 + crypto.randomInt(bytes * 8 - 1));
  for (const b of picked) {
    if (kind === 'low') e[b >> 3]! |= 0x80 >> (b & 7);
    else e[b >> 3]! &= ~(0x80 >> (b & 7)) & 0xff;
  }
  e[0]! |= 0x80;
  return e;
}
/** Bits set or cleared in the low- and high-weight exponents. */
const WEIGHT_BITS = 16;

function tests(key: RsaPrivateKey, engines: Engines): Test[] {
  const k = Math.ceil(key.n.toString(16).length / 2);
  const fixedC = below(key.n);
  const fixedCBytes = i2osp(fixedC, k);
  // a fixed odd modulus the size of a CRT half of RSA-2048: the key's p
  const m = key.p;
  const mLen = Math.ceil(m.toString(16).length / 2);
  const mBytes = i2osp(m, mLen);
  const fixedBase = below(m);
  const fixedBaseBytes = i2osp(fixedBase, mLen);
  const fixedExp = rand(mLen);
  fixedExp[0]! |= 0x80;
  const fixedExpInt = os2ip(fixedExp);
  const out: Test[] = [];
  const weights: [string, string] = [`exponent of Hamming weight ${1 + WEIGHT_BITS}`, `exponent of Hamming weight ${mLen * 8 - WEIGHT_BITS}`];
  const bases: [string, string] = ['fixed base', 'random base'];
  const ciphertexts: [string, string] = ['fixed ciphertext', 'random ciphertexts'];
  if (engines.available) {
    out.push(
      { id: 'private-op', engine: 'wasm', what: 'RSA-2048 private op, privateOpWasm (blinding, CRT, fault check)', classes: ciphertexts, prepare: (c) => (c ? i2osp(below(key.n), k) : fixedCBytes), call: (x) => engines.privateOpWasm(key, x as Uint8Array) },
      { id: 'modpow-weight', engine: 'wasm', what: `modPowWasm, 1024-bit modulus and fixed base`, classes: weights, prepare: (c) => exponentOfWeight(c ? 'high' : 'low', WEIGHT_BITS, mLen), call: (e) => engines.modPowWasm(mBytes, fixedBaseBytes, e as Uint8Array) },
      { id: 'modpow-base', engine: 'wasm', what: 'modPowWasm, 1024-bit modulus and fixed random exponent', classes: bases, prepare: (c) => (c ? i2osp(below(m), mLen) : fixedBaseBytes), call: (b) => engines.modPowWasm(mBytes, b as Uint8Array, fixedExp) },
    );
  }
  out.push(
    { id: 'private-op', engine: 'bigint', what: 'RSA-2048 private op, privateOpBigInt (blinding, CRT, fault check)', classes: ciphertexts, prepare: (c) => (c ? below(key.n) : fixedC), call: (x) => engines.privateOpBigInt(key, x as bigint) },
    { id: 'modpow-weight', engine: 'bigint', what: 'bigint.ts modPow (sliding window), same modulus and base', classes: weights, prepare: (c) => os2ip(exponentOfWeight(c ? 'high' : 'low', WEIGHT_BITS, mLen)), call: (e) => engines.modPowBigInt(m, fixedBase, e as bigint) },
    { id: 'modpow-base', engine: 'bigint', what: 'bigint.ts modPow, same modulus and exponent', classes: bases, prepare: (c) => (c ? below(m) : fixedBase), call: (b) => engines.modPowBigInt(m, b as bigint, fixedExpInt) },
  );
  return out;
}

/** One test's measurements so far. */
interface Run {
  test: Test;
  times: [number[], number[]];
  done: number;
}

/** Takes the next `count` measurements of a run: classes from the CSPRNG, inputs prepared first, one timed call each. */
function measure(run: Run, count: number): void {
  const bits = crypto.randomBytes(Math.ceil(count / 8));
  const cls: (0 | 1)[] = Array.from({ length: count }, (_, i) => ((bits[i >> 3]! >> (i & 7)) & 1) as 0 | 1);
  const inputs = cls.map((c) => run.test.prepare(c));
  const ns = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const x = inputs[i];
    const t0 = process.hrtime.bigint();
    run.test.call(x);
    ns[i] = Number(process.hrtime.bigint() - t0);
  }
  for (let i = 0; i < count; i++) run.times[cls[i]!].push(ns[i]!);
  run.done += count;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const m = machine();
  const engines = await loadEngines();
  const engineInUse = await engines.init();
  const key = quickKey();
  console.error(`bench:ct on ${machineLine(m)}; load average ${m.loadavg.join(' ')}; ${fmt(N)} measurements per test, ${WARMUP} warm-up calls, croppings at ${CROPS.map((c) => `${c * 100}%`).join(', ')}`);
  if (!engines.available) console.error(`the WebAssembly engine does not load here (${engines.reason}): BigInt tests only`);
  else if (!engines.supportsKey(key)) console.error('warning: the WebAssembly engine does not take this key; privateOpWasm may refuse it');
  const runs: Run[] = tests(key, engines).map((test) => ({ test, times: [[], []], done: 0 }));
  for (const r of runs) {
    const w0 = performance.now();
    for (let i = 0; i < WARMUP; i++) r.test.call(r.test.prepare((i & 1) as 0 | 1));
    console.error(`warm-up ${r.test.engine} ${r.test.id}: ${WARMUP} calls in ${((performance.now() - w0) / 1000).toFixed(1)} s`);
  }
  let last = performance.now();
  while (runs.some((r) => r.done < N)) {
    for (const r of runs) if (r.done < N) measure(r, Math.min(CHUNK, N - r.done));
    if (performance.now() - last > 30_000) {
      last = performance.now();
      console.error(`${runs.map((r) => `${r.test.engine} ${r.test.id} ${r.done}: |t| ${maxAbsT(croppedT(...r.times)).toFixed(2)}`).join('; ')}`);
    }
  }
  interface Result {
    id: string;
    engine: EngineName;
    what: string;
    classes: [string, string];
    measurements: [number, number];
    median_us: [number, number];
    /** Per class: mean and the 10th, 25th, 50th, 75th and 90th percentiles, µs (raw file only). */
    distribution_us: { mean: number; p10: number; p25: number; p50: number; p75: number; p90: number }[];
    max_abs_t: number;
    crops: Cropped[];
    verdict: string;
  }
  const results: Result[] = runs.map(({ test, times }) => {
    const crops = croppedT(times[0], times[1]);
    const t = maxAbsT(crops);
    return {
      id: test.id,
      engine: test.engine,
      what: test.what,
      classes: test.classes,
      measurements: [times[0].length, times[1].length],
      median_us: [median(times[0]) / 1000, median(times[1]) / 1000],
      distribution_us: times.map((xs) => ({
        mean: xs.reduce((a, b) => a + b, 0) / xs.length / 1000,
        ...Object.fromEntries(([10, 25, 50, 75, 90] as const).map((q) => [`p${q}`, quantile(xs, q / 100) / 1000])),
      })) as Result['distribution_us'],
      max_abs_t: t,
      crops,
      verdict: t < THRESHOLD ? `no leak detected at ${fmt(N)} measurements` : 'leak',
    };
  });
  const maxOf = (e: EngineName) => {
    const ts = results.filter((r) => r.engine === e).map((r) => r.max_abs_t);
    return ts.length ? Math.max(...ts) : null;
  };
  console.log(`Timing-leak test (dudect: Welch's t, two classes in CSPRNG order) — ${machineLine(m)}; engine in use by default: ${engineInUse}; ${fmt(N)} measurements per test, ${WARMUP} warm-up calls; |t| is the largest over croppings at ${CROPS.map((c) => `${c * 100}%`).join(', ')} of the pooled timings; |t| ≥ ${THRESHOLD} is a leak`);
  console.log(`| test | engine | classes (0 / 1) | mean µs (0 / 1) | ${CROPS.map((c) => (c >= 1 ? 't, all' : `t, ≤ p${c * 100}`)).join(' | ')} | max abs t | verdict |`);
  console.log(`|---|---|---|---|${CROPS.map(() => '---|').join('')}---|---|`);
  for (const r of results) {
    console.log(`| ${r.id}: ${r.what} | ${r.engine} | ${r.classes.join(' / ')} | ${r.distribution_us.map((d) => d.mean.toFixed(1)).join(' / ')} | ${r.crops.map((c) => c.t.toFixed(2)).join(' | ')} | ${r.max_abs_t.toFixed(2)} | ${r.verdict} |`);
  }
  const summary = {
    max_abs_t_wasm: maxOf('wasm'),
    max_abs_t_bigint: maxOf('bigint'),
    threshold: THRESHOLD,
    measurements_per_test: N,
    warmup_calls: WARMUP,
    crops: CROPS,
    wasm_available: engines.available,
    tests: Object.fromEntries(results.map((r) => [`${r.id}_${r.engine}`, { max_abs_t: r.max_abs_t, t: r.crops.map((c) => c.t), measurements: r.measurements, median_us: r.median_us, leak: r.max_abs_t >= THRESHOLD }])),
    cpu: m.cpu,
    node: m.node,
  };
  console.log(`max |t|: WebAssembly ${summary.max_abs_t_wasm === null ? 'did not load' : summary.max_abs_t_wasm.toFixed(2)}, BigInt ${summary.max_abs_t_bigint!.toFixed(2)} (threshold ${THRESHOLD}; ${fmt(N)} measurements per test)`);
  mkdirSync(path.dirname(OUT), { recursive: true });
  const seconds = Math.round((performance.now() - t0) / 1000);
  writeFileSync(OUT, `${JSON.stringify({ benchmark: 'ct', date: new Date().toISOString(), machine: m, loadavgAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100), seconds, settings: { quick: QUICK, n: N, warmup: WARMUP, chunk: CHUNK, crops: CROPS, weightBits: WEIGHT_BITS }, results, summary }, null, 1)}\n`);
  console.error(`raw result: ${OUT} (${seconds} s)`);
  if (JSON_OUT) console.log(JSON.stringify(summary));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
