/** Shared helpers of the CLI tests: run the built CLI or openssl, temp dirs, error-shape checks. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CLI } from '../helpers/paths.js';

/** The outcome of one CLI run. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `node dist/src/cli/main.js ...args` with optional stdin, cwd and extra environment. */
export function runCli(
  args: string[],
  opts: { input?: string | Uint8Array; cwd?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, PARLEY_DEBUG: '', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => {}); // the CLI may exit before reading its input
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }),
    );
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Runs openssl synchronously; throws with its stderr when it fails (unless `allowFail`). */
export function openssl(args: string[], opts: { input?: string | Uint8Array; cwd?: string; allowFail?: boolean } = {}): {
  status: number | null;
  stdout: Buffer;
  stderr: string;
} {
  const r = spawnSync('openssl', args, { cwd: opts.cwd, input: opts.input });
  const res = { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
  if (!opts.allowFail && r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (${r.status}): ${res.stderr}`);
  return res;
}

/** A fresh temporary directory, and a function removing it. */
export async function tempDir(prefix = 'parley-cli-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Asserts an expected failure: exit `code`, stderr exactly one line "parley: …" (matching
 * `pattern` when given) and no stack frame.
 */
export function assertCleanError(r: RunResult, code: number, pattern?: RegExp): void {
  const ctx = `exit ${r.code}, stderr: ${JSON.stringify(r.stderr)}`;
  assert.equal(r.code, code, ctx);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `stack trace in stderr: ${ctx}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one stderr line: ${ctx}`);
  assert.match(lines[0]!, /^parley: \S/, ctx);
  if (pattern) assert.match(lines[0]!, pattern, ctx);
}

/** openssl's fingerprint of a public key PEM: SHA256:base64(SHA-256(SPKI DER)) without '='. */
export function opensslFingerprint(pubPemFile: string): string {
  const der = openssl(['pkey', '-pubin', '-in', pubPemFile, '-outform', 'DER']).stdout;
  const digest = openssl(['dgst', '-sha256', '-binary'], { input: der }).stdout;
  return `SHA256:${digest.toString('base64').replace(/=+$/, '')}`;
}

/** Generates an RSA key with openssl (PKCS#8 PEM) into `file`, and its SPKI PEM into `file.pub`. */
export function opensslKeyPair(file: string, bits = 2048): void {
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`, '-out', file]);
  openssl(['pkey', '-in', file, '-pubout', '-out', `${file}.pub`]);
}

/**
 * Runs the built CLI with stdin, stdout and stderr on a pseudo-terminal (util-linux `script`),
 * as a user typing the command would. `output` is everything the terminal received (stdout and
 * stderr together, line ends as CR LF).
 */
export function runCliInTerminal(args: string[], opts: { cwd?: string } = {}): Promise<{ code: number | null; output: Buffer }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      cwd: opts.cwd,
      env: { ...process.env, PARLEY_DEBUG: '', TERM: 'xterm' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: Buffer.concat(out) }));
  });
}

/**
 * Runs `parley server --port 0 ...args` (PARLEY_DEBUG, PARLEY_REDIS and PARLEY_DB cleared, then
 * `env`): resolves with the fingerprint it prints once it listens (then stops it with SIGTERM), or
 * with its exit when it refuses to start. Rejects when it does neither within `timeoutMs`.
 */
export function startCliServer(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<{ started: boolean; fingerprint?: string; stdout: string[]; result: RunResult }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'server', '--port', '0', ...args], { env: { ...process.env, PARLEY_DEBUG: '', PARLEY_REDIS: '', PARLEY_DB: '', ...env } });
    const out: string[] = [];
    const err: Buffer[] = [];
    let fingerprint: string | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`parley server neither started nor exited within ${timeoutMs} ms: ${Buffer.concat(err).toString()}`));
    }, timeoutMs);
    createInterface({ input: child.stdout }).on('line', (l) => {
      out.push(l);
      const m = /^server key fingerprint: (\S+)$/.exec(l);
      if (m) {
        fingerprint = m[1];
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code, signal, stdout: Buffer.from(out.join('\n')), stderr: Buffer.concat(err).toString() };
      resolve({ started: fingerprint !== undefined, ...(fingerprint !== undefined && { fingerprint }), stdout: out, result });
    });
  });
}
