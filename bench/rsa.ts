/**
 * `npm run bench:rsa [-- --json] [-- --quick] [-- --out FILE]`: Parley's RSA against node:crypto
 * (OpenSSL) in the same run, at 2048, 3072 and 4096 bits: key generation (≥ 10 runs each), PSS
 * sign and verify, OAEP encrypt and decrypt. Prints the machine first — the CPU model and whether
 * it has AVX-512 IFMA, with which OpenSSL 3 takes a much faster RSA-2048 path, so the ratio at
 * 2048 bits depends on the CPU — then medians with their spread (p10–p90) and the ratio
 * Parley / node:crypto. With --json the last line is one JSON object. A full run writes the raw
 * result to bench/results/rsa.json (--quick: the temp folder; --out: elsewhere).
 * This is a benchmark, not a test: it asserts nothing and is not part of `npm test`.
 */
import crypto from 'node:crypto';
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
  type RsaPrivateKey,
} from '../src/rsa/index.js';
import { machine, machineLine } from './lib/machine.js';

const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const SIZES = [2048, 3072, 4096] as const;
const KEYGEN_RUNS: Record<number, number> = QUICK ? { 2048: 10, 3072: 10, 4096: 10 } : { 2048: 61, 3072: 11, 4096: 11 };
const OP_SAMPLES = QUICK ? 11 : 21;
const outAt = process.argv.indexOf('--out');
const OUT = outAt > 0 ? process.argv[outAt + 1]! : QUICK ? path.join(os.tmpdir(), 'parley-bench-rsa-quick.json') : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results', 'rsa.json');
const MACHINE = machine();
const t0 = performance.now();
console.error(`RSA benchmark on ${MACHINE.cpu} — AVX-512 IFMA: ${MACHINE.avx512ifma ? 'yes (OpenSSL 3 takes its fast RSA-2048 path: the 2048-bit ratio is higher than on CPUs without it)' : 'no'}; load average ${MACHINE.loadavg.join(' ')}`);

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

/** Batch size for which `fn` takes about 20 ms, after a warm-up (JIT, blinding, exponent plans). */
function batchSize(fn: () => void): number {
  for (let i = 0; i < 3; i++) fn();
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    if (performance.now() - t0 > 20 || batch >= 1024) return batch;
    batch *= 2;
  }
}

/**
 * Times two implementations of one operation in alternating batches, so that load on the
 * machine affects both alike. Returns per-call milliseconds of each batch for each.
 */
function sampleBoth(a: () => void, b: () => void, samples: number): [number[], number[]] {
  const ba = batchSize(a);
  const bb = batchSize(b);
  const ta: number[] = [];
  const tb: number[] = [];
  for (let s = 0; s < samples; s++) {
    let t0 = performance.now();
    for (let i = 0; i < ba; i++) a();
    ta.push((performance.now() - t0) / ba);
    t0 = performance.now();
    for (let i = 0; i < bb; i++) b();
    tb.push((performance.now() - t0) / bb);
  }
  return [ta, tb];
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
  parley: Stat;
  node: Stat;
  ratio: number;
}

const rows: Row[] = [];
function record(op: string, bits: number, [parley, node]: [number[], number[]]): void {
  const p = stat(parley);
  const n = stat(node);
  rows.push({ op, bits, parley: p, node: n, ratio: p.median / n.median });
  if (!JSON_OUT) process.stderr.write(`  ${op} ${bits}: ${p.median.toFixed(3)} ms vs ${n.median.toFixed(3)} ms\n`);
}

const msg = new Uint8Array(32).fill(7);
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
  const nodeKey = toNodeKey(k);
  const pss = { key: nodeKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  const sig = pssSign(k, msg);
  record('sign', bits, sampleBoth(() => pssSign(k, msg), () => crypto.sign('sha256', msg, pss), OP_SAMPLES));
  record('verify', bits, sampleBoth(() => pssVerify(k.publicKey, msg, sig), () => crypto.verify('sha256', msg, pss, sig), OP_SAMPLES));
  const oaep = { key: nodeKey, oaepHash: 'sha256', padding: crypto.constants.RSA_PKCS1_OAEP_PADDING };
  record('encrypt', bits, sampleBoth(() => oaepEncrypt(k.publicKey, msg), () => crypto.publicEncrypt(oaep, msg), OP_SAMPLES));
  const ct = oaepEncrypt(k.publicKey, msg);
  record('decrypt', bits, sampleBoth(() => oaepDecrypt(k, ct), () => crypto.privateDecrypt(oaep, ct), OP_SAMPLES));
}

const fmt = (s: Stat) => `${s.median.toFixed(3)} [${s.p10.toFixed(3)}–${s.p90.toFixed(3)}]`;
const header = '| op | bits | Parley ms, median [p10–p90] | node:crypto ms, median [p10–p90] | ratio |';
console.log(`RSA benchmark — ${machineLine(MACHINE)}; load average at start ${MACHINE.loadavg.join(' ')}; runs: keygen ${Object.values(KEYGEN_RUNS).join('/')}, ops ${OP_SAMPLES} batches`);
console.log(header);
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.op} | ${r.bits} | ${fmt(r.parley)} | ${fmt(r.node)} | ${r.ratio.toFixed(2)}× |`);
const ratioOf = (op: string, bits: number) => rows.find((r) => r.op === op && r.bits === bits)!.ratio;
const privateOps = (bits: number) => (ratioOf('sign', bits) + ratioOf('decrypt', bits)) / 2;
const summary = {
  private_op_ratio_2048: privateOps(2048),
  keygen_ratio_2048: ratioOf('keygen', 2048),
  private_op_ratio_3072: privateOps(3072),
  private_op_ratio_4096: privateOps(4096),
  keygen_ratio_3072: ratioOf('keygen', 3072),
  keygen_ratio_4096: ratioOf('keygen', 4096),
  cpu: MACHINE.cpu,
  avx512ifma: MACHINE.avx512ifma,
  node: process.version,
  openssl: process.versions.openssl,
  rows: rows.map((r) => ({ op: r.op, bits: r.bits, parley_ms: r.parley.median, node_ms: r.node.median, ratio: r.ratio, parley_p10: r.parley.p10, parley_p90: r.parley.p90, node_p10: r.node.p10, node_p90: r.node.p90, runs: r.parley.runs })),
};
console.log(
  `private-key ops: ${summary.private_op_ratio_2048.toFixed(2)}× node:crypto at 2048 bits, ${summary.private_op_ratio_3072.toFixed(2)}× at 3072, ${summary.private_op_ratio_4096.toFixed(2)}× at 4096 ` +
    `(${MACHINE.cpu}, AVX-512 IFMA ${MACHINE.avx512ifma ? 'yes' : 'no'}); key generation: ${summary.keygen_ratio_2048.toFixed(2)}× at 2048 bits`,
);
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify({ benchmark: 'rsa', date: new Date().toISOString(), machine: MACHINE, loadavgAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100), seconds: Math.round((performance.now() - t0) / 1000), settings: { quick: QUICK, keygenRuns: KEYGEN_RUNS, opSamples: OP_SAMPLES }, summary }, null, 1)}\n`);
console.error(`raw result: ${OUT}`);
if (JSON_OUT) console.log(JSON.stringify(summary));
