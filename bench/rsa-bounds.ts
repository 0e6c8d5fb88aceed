/**
 * `npm run bench:rsa-bounds [-- --out FILE] [-- --quick]`: what one hostile key file can cost
 * under the default import bounds of src/rsa (docs/SECURITY.md, "Bounds on hostile key files").
 *
 *   1. PBKDF2: for every PRF, an encrypted key file at its default iteration bound, with a wrong
 *      key inside (the time until RSA_BAD_PASSPHRASE is the key derivation); CPU per iteration,
 *      and what the old bound of 10 000 000 iterations would have cost (computed from it).
 *   2. Public keys: pssVerify and oaepEncrypt with the largest default modulus (16384 bits) and
 *      the largest default exponent (e = 2^256 − 1: 256 bits, all ones, the most multiplications);
 *      e = 65537 beside it, and e of 16383 bits (the old worst case) for one verify.
 *   3. Private keys: import (primality tests) at 8192 bits, the default bound, and at 16384 bits
 *      (allowed only with maxBits); and the worst single file by default: the 8192-bit key
 *      encrypted with the slowest PRF at its bound, opened with the right passphrase.
 *
 * Keys are made by `openssl genpkey` and cached in the temporary folder (about 15 s for 8192
 * bits, 2–3 minutes for 16384). Every figure is process CPU time (user + system, all threads:
 * WebCrypto's PBKDF2 runs in libuv's pool), the median of the repetitions. Writes the raw result
 * as JSON to bench/results/rsa-bounds.json (or --out), with the load average of the machine at the
 * start and the end (other jobs on a shared machine inflate CPU times). A benchmark: it asserts nothing.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { derInteger, derNull, derOctetString, derOid, derSequence } from '../src/rsa/asn1.js';
import { isRsaError } from '../src/rsa/errors.js';
import { MAX_BITS, MAX_EXPONENT_BITS, MAX_PRIVATE_BITS, publicKeyFromComponents } from '../src/rsa/key.js';
import { importPrivateKey, parsePrivateKey } from '../src/rsa/keyfile.js';
import { oaepEncrypt } from '../src/rsa/oaep.js';
import { DEFAULT_MAX_KDF_ITERATIONS, PRF_OIDS, decryptPrivateKeyInfo } from '../src/rsa/pbes2.js';
import { pssVerify } from '../src/rsa/pss.js';
import { fmt, median } from './lib/stats.js';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const OUT = args.includes('--out') ? args[args.indexOf('--out') + 1]! : path.join('bench', 'results', 'rsa-bounds.json');
const REPS = QUICK ? 1 : 3;
const OLD_MAX_ITERATIONS = 10_000_000;
const KEY_CACHE = path.join(os.tmpdir(), 'parley-bench-rsa-bounds');

/** CPU milliseconds (user + system, every thread of the process) of one run of `fn`. */
async function cpuMs(fn: () => unknown): Promise<number> {
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

async function medianCpuMs(fn: () => unknown, reps = REPS): Promise<{ ms: number; runs: number[] }> {
  const runs: number[] = [];
  for (let i = 0; i < reps; i++) runs.push(await cpuMs(fn));
  return { ms: median(runs), runs };
}

/** EncryptedPrivateKeyInfo (RFC 5958 §3) with PBES2 (RFC 8018 A.4): PBKDF2 with `prfOid`, AES-256-CBC, random "ciphertext". */
function hostilePbes2(prfOid: string, iterations: number): Uint8Array {
  const kdf = derSequence(derOid('1.2.840.113549.1.5.12'), derSequence(derOctetString(randomBytes(16)), derInteger(iterations), derSequence(derOid(prfOid), derNull())));
  const alg = derSequence(derOid('1.2.840.113549.1.5.13'), derSequence(kdf, derSequence(derOid('2.16.840.1.101.3.4.1.42'), derOctetString(randomBytes(16)))));
  return derSequence(alg, derOctetString(randomBytes(32)));
}

/** An RSA key made by openssl, cached in the temporary folder. */
function opensslKey(bits: number): string {
  mkdirSync(KEY_CACHE, { recursive: true });
  const file = path.join(KEY_CACHE, `rsa${bits}.pem`);
  if (!existsSync(file)) {
    console.error(`generating a ${bits}-bit key with openssl (cached in ${KEY_CACHE})…`);
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`, '-out', `${file}.part`], { stdio: 'ignore' });
    execFileSync('mv', [`${file}.part`, file]);
  }
  return readFileSync(file, 'utf8');
}

function machine(): Record<string, string | number> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? '?',
    cores: os.cpus().length,
    node: process.version,
    openssl: execFileSync('openssl', ['version']).toString().trim(),
  };
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = { date: new Date().toISOString(), machine: machine(), repetitions: REPS, loadAverageAtStart: os.loadavg() };
  console.log(`RSA import bounds — ${JSON.stringify(result.machine)}; CPU ms, median of ${REPS}`);

  // 1. PBKDF2 at each PRF's default bound
  const pbkdf2: Record<string, unknown>[] = [];
  console.log('\nPBKDF2 at the default bound (hostile file, wrong key inside: time until RSA_BAD_PASSPHRASE)');
  for (const [prf, max] of Object.entries(DEFAULT_MAX_KDF_ITERATIONS)) {
    const der = hostilePbes2(PRF_OIDS[prf]!, max);
    const { ms, runs } = await medianCpuMs(async () => {
      await decryptPrivateKeyInfo(der, 'x').then(
        () => undefined,
        (e: unknown) => {
          if (!isRsaError(e, 'RSA_BAD_PASSPHRASE')) throw e;
        },
      );
    });
    const usPerIteration = (ms * 1000) / max;
    const refused = await cpuMs(() => decryptPrivateKeyInfo(hostilePbes2(PRF_OIDS[prf]!, OLD_MAX_ITERATIONS), 'x').catch((e: unknown) => {
      if (!isRsaError(e, 'RSA_LIMIT_EXCEEDED')) throw e;
    }));
    const oldMs = (usPerIteration * OLD_MAX_ITERATIONS) / 1000;
    pbkdf2.push({ prf, maxIterations: max, cpuMs: ms, runs, usPerIteration, refusedAt10MCpuMs: refused, oldBound10MEstimatedMs: oldMs });
    console.log(`  ${prf.padEnd(19)} ${fmt(max).padStart(9)} it.  ${fmt(ms).padStart(6)} ms  (${fmt(usPerIteration, 3)} µs/it.; 10M iterations would take ~${fmt(oldMs / 1000, 0)} s, now refused in ${fmt(refused, 2)} ms)`);
  }
  result.pbkdf2 = pbkdf2;

  // 2. Public-key operations with the largest default modulus and exponents
  console.log(`\nPublic-key operations, ${MAX_BITS}-bit modulus (random odd n; only n and e matter to the cost)`);
  const n = (BigInt('0x' + randomBytes(MAX_BITS / 8).toString('hex')) | (1n << BigInt(MAX_BITS - 1))) | 1n;
  const sig = randomBytes(MAX_BITS / 8);
  sig[0] = 0x01; // below n
  const msg = new Uint8Array(16);
  const publicOps: Record<string, unknown>[] = [];
  const exps: [label: string, e: bigint, reps: number, encrypt: boolean][] = [
    ['65537', 65537n, REPS, true],
    [`2^${MAX_EXPONENT_BITS} − 1 (largest by default)`, (1n << BigInt(MAX_EXPONENT_BITS)) - 1n, REPS, true],
    [`2^${MAX_BITS - 1} − 1 (accepted before the bound)`, (1n << BigInt(MAX_BITS - 1)) - 1n, 1, false],
  ];
  for (const [label, e, reps, withEncrypt] of exps) {
    const pub = publicKeyFromComponents({ n, e }, { maxExponentBits: MAX_BITS });
    const verify = await medianCpuMs(() => pssVerify(pub, msg, sig), reps);
    const encrypt = withEncrypt ? await medianCpuMs(() => oaepEncrypt(pub, msg), reps) : undefined;
    publicOps.push({ e: label, eBits: e.toString(2).length, verifyCpuMs: verify.ms, verifyRuns: verify.runs, encryptCpuMs: encrypt?.ms, encryptRuns: encrypt?.runs });
    console.log(`  e = ${label.padEnd(36)} verify ${fmt(verify.ms).padStart(5)} ms${encrypt ? `   encrypt ${fmt(encrypt.ms).padStart(5)} ms` : ''}`);
  }
  result.publicOps = publicOps;

  // 3. Private keys: import cost, and the worst single file by default
  console.log('\nPrivate key import (p·q = n, e·d ≡ 1 mod λ, Miller–Rabin on p and q)');
  const privateImport: Record<string, unknown>[] = [];
  for (const bits of [MAX_PRIVATE_BITS, 16384]) {
    const pem = opensslKey(bits);
    const opts = bits > MAX_PRIVATE_BITS ? { maxBits: bits } : {};
    const { ms, runs } = await medianCpuMs(() => parsePrivateKey(pem, opts), bits > MAX_PRIVATE_BITS ? 1 : REPS);
    privateImport.push({ bits, defaultAccepted: bits <= MAX_PRIVATE_BITS, cpuMs: ms, runs });
    console.log(`  ${bits} bits${bits > MAX_PRIVATE_BITS ? ' (needs maxBits)' : ' (largest by default)'}: ${fmt(ms)} ms`);
  }
  result.privateImport = privateImport;

  const slowest = (pbkdf2 as { prf: string; maxIterations: number; cpuMs: number }[]).reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a));
  const pem = opensslKey(MAX_PRIVATE_BITS);
  const encrypted = execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-v2prf', slowest.prf, '-iter', String(slowest.maxIterations), '-passout', 'pass:bench'], { input: pem }).toString();
  const worst = await medianCpuMs(() => importPrivateKey(encrypted, { passphrase: 'bench' }));
  result.worstPrivateFile = { bits: MAX_PRIVATE_BITS, prf: slowest.prf, iterations: slowest.maxIterations, cpuMs: worst.ms, runs: worst.runs };
  console.log(`\nWorst single file by default: a ${MAX_PRIVATE_BITS}-bit key under ${slowest.prf} × ${fmt(slowest.maxIterations)}: ${fmt(worst.ms)} ms`);

  result.loadAverageAtEnd = os.loadavg();
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nraw result: ${OUT}`);
}

await main();
