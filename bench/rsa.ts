/**
 * `npm run bench:rsa [-- --json] [-- --quick] [-- --out FILE]`: Parley's RSA against node:crypto
 * (OpenSSL) in the same run, at 2048, 3072 and 4096 bits: key generation (≥ 10 runs each), PSS
 * sign and verify, OAEP encrypt and decrypt, and the bare private-key operation (RSADP). Three
 * columns: Parley with the engine it uses by default (the WebAssembly engine of issue 15 where
 * it loads and the key fits it), Parley forced onto its BigInt reference engine, and node:crypto;
 * the three take turns batch by batch, in an order that rotates from batch to batch. Prints the
 * machine first — the CPU model and whether it has AVX-512 IFMA, with which OpenSSL 3 takes a
 * much faster RSA-2048 path, so the ratio at 2048 bits depends on the CPU — and the engine in
 * use, then medians with their spread (p10–p90), the ratio Parley / node:crypto and the speed-up
 * over BigInt; and, apart, the first operations of a fresh process (cold: the module's compile,
 * V8's baseline tier) on each engine. With --json the last line is one JSON object. A full run
 * writes the raw result to bench/results/rsa.json (--quick: the temp folder; --out: elsewhere).
 * This is a benchmark, not a test: it asserts nothing and is not part of `npm test`.
 */
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bytesToBase64,
  generateKeyPair,
  i2osp,
  oaepDecrypt,
  oaepEncrypt,
  pssSign,
  pssVerify,
  rsadp,
  type RsaPrivateKey,
} from '../src/rsa/index.js';
import { machine, machineLine } from './lib/machine.js';
import { loadEngines } from './lib/rsa-engines.js';
import { median } from './lib/stats.js';

const HELP = `usage: npm run bench:rsa [-- --json] [-- --quick] [-- --out FILE]
  --json    end with one line of JSON (the summary)
  --quick   fewer runs (keygen 10 per size, 11 batches per operation, 1 cold process per engine);
            the raw result goes to the temp folder, not bench/results/rsa.json
  --out F   write the raw result to F`;
const args = new Set(process.argv.slice(2));
if (args.has('--help') || args.has('-h')) {
  console.log(HELP);
  process.exit(0);
}
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const SIZES = [2048, 3072, 4096] as const;
const KEYGEN_RUNS: Record<number, number> = QUICK ? { 2048: 10, 3072: 10, 4096: 10 } : { 2048: 61, 3072: 11, 4096: 11 };
const OP_SAMPLES = QUICK ? 11 : 21;
/** Fresh processes per engine for the cold-start figures. */
const COLD_RUNS = QUICK ? 1 : 5;
/** Calls of each operation before it is timed, and at least this long: WebAssembly tiers up after ~20 operations. */
const WARMUP_CALLS = 30;
const WARMUP_MS = 200;
const here = path.dirname(fileURLToPath(import.meta.url));
const outAt = process.argv.indexOf('--out');
const OUT = outAt > 0 ? process.argv[outAt + 1]! : QUICK ? path.join(os.tmpdir(), 'parley-bench-rsa-quick.json') : path.resolve(here, '..', '..', 'bench', 'results', 'rsa.json');
const MACHINE = machine();
const t0 = performance.now();
const engines = await loadEngines();
const DEFAULT_ENGINE = await engines.init();
console.error(`RSA benchmark on ${MACHINE.cpu} — AVX-512 IFMA: ${MACHINE.avx512ifma ? 'yes (OpenSSL 3 takes its fast RSA-2048 path: the 2048-bit ratio is higher than on CPUs without it)' : 'no'}; load average ${MACHINE.loadavg.join(' ')}`);
console.error(engines.available ? `engine: ${DEFAULT_ENGINE} by default; the BigInt column forces the BigInt reference` : `engine: BigInt only — the WebAssembly engine does not load here (${engines.reason}); the Parley and BigInt columns run the same code`);

interface Stat {
  median: number;
  p10: number;
  p90: number;
  runs: number;
}

function stat(xs: number[]): Stat {
  const s = [...xs].sort((a, b) => a - b);
  const q = (f: number) => {
    const i = (s.length - 1) * f;
    const lo = Math.floor(i);
    const hi = Math.ceil(i);
    return s[lo]! + (s[hi]! - s[lo]!) * (i - lo);
  };
  return { median: q(0.5), p10: q(0.1), p90: q(0.9), runs: s.length };
}

/** One implementation in a comparison: `setup` runs before each of its batches, untimed (it selects the engine). */
interface Impl {
  fn: () => void;
  setup?: () => void;
}

/** Batch size for which `fn` takes about 20 ms, after a warm-up (JIT and WebAssembly tier-up, blinding, exponent plans). */
function batchSize({ fn, setup }: Impl): number {
  setup?.();
  const w0 = performance.now();
  for (let i = 0; i < WARMUP_CALLS || performance.now() - w0 < WARMUP_MS; i++) fn();
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    if (performance.now() - t0 > 20 || batch >= 1024) return batch;
    batch *= 2;
  }
}

/**
 * Times implementations of one operation in turns of one batch each, the order rotating from
 * turn to turn, so that load on the machine and drift affect all alike. Returns per-call
 * milliseconds of each batch, per implementation.
 */
function sampleAll(impls: Impl[], samples: number): number[][] {
  const sizes = impls.map(batchSize);
  const out: number[][] = impls.map(() => []);
  for (let s = 0; s < samples; s++) {
    for (let j = 0; j < impls.length; j++) {
      const i = (j + s) % impls.length;
      const { fn, setup } = impls[i]!;
      setup?.();
      const t0 = performance.now();
      for (let k = 0; k < sizes[i]!; k++) fn();
      out[i]!.push((performance.now() - t0) / sizes[i]!);
    }
  }
  // whatever the last turn selected, the rest of the run (key generation included) is on the default engine
  engines.use('auto');
  return out;
}

function toNodeKey(k: RsaPrivateKey): crypto.KeyObject {
  const b64 = (x: bigint) => bytesToBase64(i2osp(x, Math.ceil(x.toString(16).length / 2)), true);
  return crypto.createPrivateKey({
    format: 'jwk',
    key: { kty: 'RSA', n: b64(k.n), e: b64(k.e), d: b64(k.d), p: b64(k.p), q: b64(k.q), dp: b64(k.dp), dq: b64(k.dq), qi: b64(k.qi) },
  });
}

interface Row {
  op: string;
  bits: number;
  /** Parley with its default engine. */
  parley: Stat;
  /** Parley on the BigInt reference (null for key generation, which does not depend on the engine). */
  bigint: Stat | null;
  node: Stat;
  /** Parley / node:crypto. */
  ratio: number;
  /** BigInt / Parley (null for key generation). */
  speedup: number | null;
}

const rows: Row[] = [];
function record(op: string, bits: number, [parley, node, bigint]: number[][]): void {
  const p = stat(parley!);
  const n = stat(node!);
  const b = bigint ? stat(bigint) : null;
  rows.push({ op, bits, parley: p, bigint: b, node: n, ratio: p.median / n.median, speedup: b ? b.median / p.median : null });
  if (!JSON_OUT) process.stderr.write(`  ${op} ${bits}: ${p.median.toFixed(3)} ms (${DEFAULT_ENGINE})${b ? ` vs ${b.median.toFixed(3)} ms (BigInt)` : ''} vs ${n.median.toFixed(3)} ms (node:crypto)\n`);
}

/** Parley with its default engine, Parley on BigInt, node:crypto (in that order in the result). */
function three(parley: () => void, node: () => void): Impl[] {
  return [
    { fn: parley, setup: () => engines.use('auto') },
    { fn: node },
    { fn: parley, setup: () => engines.use('bigint') },
  ];
}

const msg = new Uint8Array(32).fill(7);
const fits: Record<number, boolean> = {};
for (const bits of SIZES) {
  // key generation: alternate the two implementations so machine noise hits both alike
  const kp: number[] = [];
  const kn: number[] = [];
  let key: RsaPrivateKey | undefined;
  for (let i = 0; i < KEYGEN_RUNS[bits]!; i++) {
    let t0 = performance.now();
    key = generateKeyPair({ bits });
    kp.push(performance.now() - t0);
    t0 = performance.now();
    crypto.generateKeyPairSync('rsa', { modulusLength: bits });
    kn.push(performance.now() - t0);
  }
  record('keygen', bits, [kp, kn]);
  const k = key!;
  fits[bits] = engines.supportsKey(k);
  const nodeKey = toNodeKey(k);
  const pss = { key: nodeKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  const sig = pssSign(k, msg);
  record('sign', bits, sampleAll(three(() => pssSign(k, msg), () => crypto.sign('sha256', msg, pss)), OP_SAMPLES));
  record('verify', bits, sampleAll(three(() => pssVerify(k.publicKey, msg, sig), () => crypto.verify('sha256', msg, pss, sig)), OP_SAMPLES));
  const oaep = { key: nodeKey, oaepHash: 'sha256', padding: crypto.constants.RSA_PKCS1_OAEP_PADDING };
  record('encrypt', bits, sampleAll(three(() => oaepEncrypt(k.publicKey, msg), () => crypto.publicEncrypt(oaep, msg)), OP_SAMPLES));
  const ct = oaepEncrypt(k.publicKey, msg);
  record('decrypt', bits, sampleAll(three(() => oaepDecrypt(k, ct), () => crypto.privateDecrypt(oaep, ct)), OP_SAMPLES));
  // the bare private-key operation: RSADP without padding on both sides
  const c = 0x1234567890abcdefn * (k.n >> 80n);
  const cBuf = Buffer.from(i2osp(c, Math.ceil(bitLen(k.n) / 8)));
  const raw = { key: nodeKey, padding: crypto.constants.RSA_NO_PADDING };
  record('rsadp', bits, sampleAll(three(() => rsadp(k, c), () => crypto.privateDecrypt(raw, cBuf)), OP_SAMPLES));
}
engines.use('auto');

/** The cold start: fresh processes, alternating engines, each timing its first RSA-2048 operations (lib/rsa-cold.ts). */
interface Cold {
  engine: string;
  initMs: number;
  firstMs: number;
  ops2to10Ms: number;
  ops41to60Ms: number;
}
const coldEngines = engines.available ? (['wasm', 'bigint'] as const) : (['bigint'] as const);
const cold: Record<string, Cold[]> = {};
for (let r = 0; r < COLD_RUNS; r++) {
  for (const e of coldEngines) {
    const out = execFileSync(process.execPath, [path.join(here, 'lib', 'rsa-cold.js')], { env: { ...process.env, PARLEY_RSA_ENGINE: e }, encoding: 'utf8' });
    (cold[e] ??= []).push(JSON.parse(out.trim().split('\n').pop()!) as Cold);
  }
}
const coldMedian = (e: string, f: keyof Omit<Cold, 'engine'>) => median(cold[e]!.map((c) => c[f]));

const fmt = (s: Stat | null) => (s ? `${s.median.toFixed(3)} [${s.p10.toFixed(3)}–${s.p90.toFixed(3)}]` : '—');
console.log(`RSA benchmark — ${machineLine(MACHINE)}; Parley's engine: ${engines.available ? DEFAULT_ENGINE : 'BigInt (the WebAssembly engine does not load here)'}; load average at start ${MACHINE.loadavg.join(' ')}; runs: keygen ${Object.values(KEYGEN_RUNS).join('/')}, ops ${OP_SAMPLES} batches per column, order rotating`);
console.log(`| op | bits | Parley (${DEFAULT_ENGINE}) ms, median [p10–p90] | Parley on BigInt ms | node:crypto ms | Parley / node:crypto | BigInt / Parley |`);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.op} | ${r.bits} | ${fmt(r.parley)} | ${fmt(r.bigint)} | ${fmt(r.node)} | ${r.ratio.toFixed(2)}× | ${r.speedup === null ? '—' : `${r.speedup.toFixed(2)}×`} |`);
const ratioOf = (op: string, bits: number) => rows.find((r) => r.op === op && r.bits === bits)!.ratio;
const speedupOf = (op: string, bits: number) => rows.find((r) => r.op === op && r.bits === bits)!.speedup!;
const privateOps = (bits: number) => (ratioOf('sign', bits) + ratioOf('decrypt', bits)) / 2;
const speedup = (bits: number) => (speedupOf('sign', bits) + speedupOf('decrypt', bits)) / 2;
console.log(`First RSA-2048 operations in a fresh process, median of ${COLD_RUNS} process${COLD_RUNS > 1 ? 'es' : ''} per engine (ms):`);
console.log('| engine | module compile (initRsaEngine) | 1st operation | operations 2–10 | operations 41–60 |');
console.log('|---|---|---|---|---|');
for (const e of coldEngines) console.log(`| ${e} | ${coldMedian(e, 'initMs').toFixed(2)} | ${coldMedian(e, 'firstMs').toFixed(2)} | ${coldMedian(e, 'ops2to10Ms').toFixed(2)} | ${coldMedian(e, 'ops41to60Ms').toFixed(2)} |`);
const summary = {
  private_op_ratio_2048: privateOps(2048),
  keygen_ratio_2048: ratioOf('keygen', 2048),
  private_op_ratio_3072: privateOps(3072),
  private_op_ratio_4096: privateOps(4096),
  keygen_ratio_3072: ratioOf('keygen', 3072),
  keygen_ratio_4096: ratioOf('keygen', 4096),
  speedup_vs_bigint_2048: speedup(2048),
  speedup_vs_bigint_3072: speedup(3072),
  speedup_vs_bigint_4096: speedup(4096),
  engine: engines.available ? DEFAULT_ENGINE : 'bigint',
  wasm_available: engines.available,
  wasm_fits_key: fits,
  cold_2048: Object.fromEntries(coldEngines.map((e) => [e, { init_ms: coldMedian(e, 'initMs'), first_op_ms: coldMedian(e, 'firstMs'), ops_2_10_ms: coldMedian(e, 'ops2to10Ms'), ops_41_60_ms: coldMedian(e, 'ops41to60Ms') }])),
  cpu: MACHINE.cpu,
  avx512ifma: MACHINE.avx512ifma,
  node: process.version,
  openssl: process.versions.openssl,
  rows: rows.map((r) => ({
    op: r.op,
    bits: r.bits,
    parley_ms: r.parley.median,
    node_ms: r.node.median,
    ratio: r.ratio,
    parley_p10: r.parley.p10,
    parley_p90: r.parley.p90,
    node_p10: r.node.p10,
    node_p90: r.node.p90,
    runs: r.parley.runs,
    bigint_ms: r.bigint?.median ?? null,
    bigint_p10: r.bigint?.p10 ?? null,
    bigint_p90: r.bigint?.p90 ?? null,
    speedup_vs_bigint: r.speedup,
  })),
};
console.log(
  `private-key ops: ${summary.private_op_ratio_2048.toFixed(2)}× node:crypto at 2048 bits, ${summary.private_op_ratio_3072.toFixed(2)}× at 3072, ${summary.private_op_ratio_4096.toFixed(2)}× at 4096 ` +
    `(${MACHINE.cpu}, AVX-512 IFMA ${MACHINE.avx512ifma ? 'yes' : 'no'}); ${summary.engine} is ${summary.speedup_vs_bigint_2048.toFixed(2)}× as fast as BigInt at 2048 bits, ` +
    `${summary.speedup_vs_bigint_3072.toFixed(2)}× at 3072, ${summary.speedup_vs_bigint_4096.toFixed(2)}× at 4096${engines.available ? '' : ' (the WebAssembly engine did not load: both columns ran BigInt, so this measures only noise)'}; key generation: ${summary.keygen_ratio_2048.toFixed(2)}× at 2048 bits`,
);
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify({ benchmark: 'rsa', date: new Date().toISOString(), machine: MACHINE, loadavgAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100), seconds: Math.round((performance.now() - t0) / 1000), settings: { quick: QUICK, keygenRuns: KEYGEN_RUNS, opSamples: OP_SAMPLES, coldRuns: COLD_RUNS, warmupCalls: WARMUP_CALLS, warmupMs: WARMUP_MS }, cold, summary }, null, 1)}\n`);
console.error(`raw result: ${OUT}`);
if (JSON_OUT) console.log(JSON.stringify(summary));

function bitLen(x: bigint): number {
  return x.toString(2).length;
}
