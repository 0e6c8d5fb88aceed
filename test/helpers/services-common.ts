/** Shared parts of the test services (services.ts): the typed error, the service handle, binaries, ports, processes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Stable codes of ServiceError. */
export type ServiceErrorCode = 'service_binary_missing' | 'service_user_missing' | 'service_start_failed' | 'service_stop_failed';

/** A test service could not be found, started or stopped; the message says what to install or read. */
export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** A server started for a test. `url` stays the same across stop/start/restart (same port, same data). */
export interface TestService {
  readonly url: string;
  readonly port: number;
  /** The temporary folder holding the server's data, socket and log. */
  readonly dir: string;
  /** Whether the server process is up. */
  readonly running: boolean;
  /** The server's process id while it runs (for fault tests: SIGKILL a crash, SIGSTOP a hung server), else undefined. */
  readonly pid: number | undefined;
  /** Starts the stopped server again on the same port and data; resolves once it answers. Throws ServiceError. */
  start(): Promise<void>;
  /** Stops the server cleanly (Redis: SIGTERM, which flushes the AOF; PostgreSQL: pg_ctl stop -m fast). Idempotent. */
  stop(): Promise<void>;
  /** Kills the server without a clean shutdown (Redis: SIGKILL; PostgreSQL: pg_ctl stop -m immediate). Idempotent. */
  kill(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** Stops the server and removes its folder. Idempotent; safe in an `after` hook even when start failed. */
  close(): Promise<void>;
}

/** How long a server may take to answer after it is started, ms. */
export const SERVICE_START_TIMEOUT_MS = 30_000;
/** How long a clean stop may take before the process is killed, ms. */
export const SERVICE_STOP_TIMEOUT_MS = 10_000;

/** Kills, synchronously, every service still up when the test process exits (a safety net, not a substitute for close()). */
export const live = new Set<() => void>();
process.on('exit', () => {
  for (const killNow of live) killNow();
});

/** An executable named `name` on $PATH, then in `extraDirs`, or undefined. */
export function findBinary(name: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `name`'s path, or ServiceError `service_binary_missing` naming the install command. */
export function requireBinary(name: string, install: string, extraDirs: string[] = []): string {
  const file = findBinary(name, extraDirs);
  if (!file) throw new ServiceError('service_binary_missing', `${name} was not found on PATH${extraDirs.length ? ` nor in ${extraDirs.join(', ')}` : ''}: install it (${install}), or run bash .ci/run, which does`);
  return file;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with true once `fn` does, polling every 50 ms until `timeoutMs`; false on timeout or when `stop()` says so. */
export async function waitFor(fn: () => Promise<boolean>, timeoutMs: number, stop: () => boolean): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (stop()) return false;
    if (await fn()) return true;
    await sleep(50);
  }
  return false;
}

/** Resolves when `child` has exited; SIGKILLs it after `timeoutMs`. */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Runs `cmd` to its exit; resolves with its exit code and the end of its output. */
export function run(cmd: string, args: string[], opts: { uid?: number; gid?: number; cwd: string }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const c = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    const keep = (d: Buffer) => (output = (output + d.toString('utf8')).slice(-4000));
    c.stdout?.on('data', keep);
    c.stderr?.on('data', keep);
    c.once('error', (e) => resolve({ code: null, output: `${output}${e.message}` }));
    // 'exit', not 'close': pg_ctl's server outlives it (its output goes to the log file)
    c.once('exit', (code) => resolve({ code, output }));
  });
}
