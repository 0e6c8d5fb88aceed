/**
 * Real Redis and PostgreSQL servers for tests (issue 14): each on a free loopback port in a
 * temporary folder of its own, never a system service, stopped and removed by `close()` (call it
 * in an `after` hook). No mocks: the cluster tests talk to these processes with the `redis` and
 * `pg` clients. A last-resort exit handler kills whatever a test left running when its process
 * exits normally; a test process killed with SIGKILL leaves its servers behind, as any child would.
 *
 * PostgreSQL refuses to run as root: when this process is root, initdb and the server run as the
 * `postgres` user (spawn's uid/gid), in a folder chowned to that user; otherwise as the current user.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chownSync, constants, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

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
  /** Whether the server process is up (as far as this helper knows). */
  readonly running: boolean;
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

const live = new Set<() => void>();
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

/** Debian's PostgreSQL binaries live off $PATH in /usr/lib/postgresql/VERSION/bin: the newest first. */
function postgresBinDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`);
  } catch {
    return [];
  }
}

function requireBinary(name: string, install: string, extraDirs: string[] = []): string {
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with true once `fn` does, polling every 50 ms until `timeoutMs`; false on timeout or when `stop()` says so. */
async function waitFor(fn: () => Promise<boolean>, timeoutMs: number, stop: () => boolean): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (stop()) return false;
    if (await fn()) return true;
    await sleep(50);
  }
  return false;
}

/** Sends PING to a Redis server on `port`; true when it answers +PONG. */
function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
  });
}

/** Resolves when `child` has exited; SIGKILLs it after `timeoutMs`. */
function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Options of startRedis. */
export interface RedisOptions {
  /** Persist with an append-only file (appendonly yes, appendfsync everysec), so a restart keeps the data. Default false: no persistence at all. */
  aof?: boolean;
}

/**
 * Starts `redis-server` on a free port of 127.0.0.1 in a new temporary folder, without RDB
 * snapshots (--save '') and with AOF only when `opts.aof`; resolves once it answers PING.
 * Throws ServiceError: `service_binary_missing` (with the apt command) or `service_start_failed`
 * (with the end of the server's log).
 */
export async function startRedis(opts: RedisOptions = {}): Promise<TestService> {
  const bin = requireBinary('redis-server', 'apt-get install -y redis-server');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  let log = '';
  const killNow = () => child?.kill('SIGKILL');

  const launch = async (): Promise<boolean> => {
    log = '';
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no', '--logfile', ''];
    args.push('--appendonly', opts.aof ? 'yes' : 'no');
    if (opts.aof) args.push('--appendfsync', 'everysec');
    const c = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    live.add(killNow);
    const keep = (d: Buffer) => (log = (log + d.toString('utf8')).slice(-4000));
    c.stdout?.on('data', keep);
    c.stderr?.on('data', keep);
    // a service a test forgot to close must not keep the test process alive: the exit handler kills it
    c.unref();
    (c.stdout as net.Socket | null)?.unref();
    (c.stderr as net.Socket | null)?.unref();
    c.once('exit', () => live.delete(killNow));
    const exited = () => c.exitCode !== null || c.signalCode !== null;
    if (await waitFor(() => redisPing(port), SERVICE_START_TIMEOUT_MS, exited)) return true;
    c.kill('SIGKILL');
    await waitExit(c, SERVICE_STOP_TIMEOUT_MS);
    return false;
  };

  const startFailed = () => new ServiceError('service_start_failed', `redis-server did not start on port ${port} in ${dir}; its log ends:\n${log.trim()}`);
  // the free port may be taken between the check and the start: try a few
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    if (await launch()) break;
    if (attempt === 2 || !/address already in use/i.test(log)) {
      rmSync(dir, { recursive: true, force: true });
      throw startFailed();
    }
  }

  let closed = false;
  const isRunning = () => !!child && child.exitCode === null && child.signalCode === null;
  const halt = async (signal: NodeJS.Signals) => {
    if (!child || !isRunning()) return;
    child.kill(signal);
    await waitExit(child, SERVICE_STOP_TIMEOUT_MS);
  };
  const svc: TestService = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get running() {
      return isRunning();
    },
    async start() {
      if (closed) throw new ServiceError('service_start_failed', 'this Redis was closed');
      if (isRunning()) return;
      if (!(await launch())) throw startFailed();
    },
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    async restart() {
      await svc.stop();
      await svc.start();
    },
    async close() {
      if (closed) return;
      closed = true;
      await svc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return svc;
}

/** Runs `cmd` to its exit; resolves with its exit code and the end of its output. */
function run(cmd: string, args: string[], opts: { uid?: number; gid?: number; cwd: string }): Promise<{ code: number | null; output: string }> {
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

/** The uid and gid of `name` from /etc/passwd, or undefined. */
function lookupUser(name: string): { uid: number; gid: number } | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2] && f[3]) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

/** Options of startPostgres. */
export interface PostgresOptions {
  /** The database created at the first start, named in `url`. Default 'parley'. */
  database?: string;
}

/**
 * Creates a PostgreSQL cluster (initdb, trust authentication, UTF8, locale C, fsync off: a test
 * server, never a machine crash) in a new temporary folder, starts it with pg_ctl on a free port
 * of 127.0.0.1 (its Unix socket in the same folder), waits until `SELECT 1` answers, and creates
 * `opts.database`. As root, everything runs as the `postgres` user, the folder chowned to it.
 * Throws ServiceError: `service_binary_missing`, `service_user_missing` (root without a postgres
 * user) or `service_start_failed` (with the end of initdb's or the server's log).
 */
export async function startPostgres(opts: PostgresOptions = {}): Promise<TestService> {
  const install = 'apt-get install -y postgresql';
  const binDirs = postgresBinDirs();
  const initdb = requireBinary('initdb', install, binDirs);
  const pgCtl = requireBinary('pg_ctl', install, binDirs);
  const database = opts.database ?? 'parley';
  let owner: { uid: number; gid: number } | undefined;
  let user = os.userInfo().username;
  if (process.getuid?.() === 0) {
    owner = lookupUser('postgres');
    if (!owner) throw new ServiceError('service_user_missing', `PostgreSQL refuses to run as root and there is no postgres user: create it (useradd --system postgres), or install PostgreSQL (${install}), which does`);
    user = 'postgres';
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-pg-'));
  const data = path.join(dir, 'data');
  const sock = path.join(dir, 'sock');
  const logFile = path.join(dir, 'postgres.log');
  mkdirSync(sock);
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(sock, owner.uid, owner.gid);
  }
  const as = { ...owner, cwd: dir };
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-3000).trim();
    } catch {
      return '(no log)';
    }
  };
  const fail = (what: string, output: string) => {
    rmSync(dir, { recursive: true, force: true });
    return new ServiceError('service_start_failed', `PostgreSQL ${what} in ${dir}; its output ends:\n${output.trim()}`);
  };

  const init = await run(initdb, ['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], as);
  if (init.code !== 0) throw fail('initdb failed', init.output);

  let port = 0;
  const postmasterPid = (): number | undefined => {
    try {
      const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  // SIGQUIT is the postmaster's immediate shutdown
  const killNow = () => {
    const pid = postmasterPid();
    if (pid) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // gone already
      }
    }
  };
  const selectOne = async (db: string): Promise<boolean> => {
    const c = new pg.Client({ host: '127.0.0.1', port, user, database: db, connectionTimeoutMillis: 2000 });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => {});
    }
  };
  const launch = async (): Promise<{ ok: boolean; output: string }> => {
    const o = `-p ${port} -k '${sock}' -c listen_addresses=127.0.0.1 -c fsync=off`;
    const r = await run(pgCtl, ['start', '-D', data, '-l', logFile, '-w', '-t', String(SERVICE_START_TIMEOUT_MS / 1000), '-o', o], as);
    if (r.code !== 0) return { ok: false, output: `${r.output}\n${readLog()}` };
    live.add(killNow);
    const ok = await waitFor(() => selectOne('postgres'), SERVICE_START_TIMEOUT_MS, () => false);
    return { ok, output: readLog() };
  };
  const halt = async (mode: 'fast' | 'immediate') => {
    if (!postmasterPid()) return;
    const r = await run(pgCtl, ['stop', '-D', data, '-m', mode, '-w', '-t', String(SERVICE_STOP_TIMEOUT_MS / 1000)], as);
    if (r.code !== 0 && postmasterPid()) {
      killNow();
      throw new ServiceError('service_stop_failed', `pg_ctl stop failed in ${dir}; its output ends:\n${r.output.trim()}`);
    }
    live.delete(killNow);
  };

  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const r = await launch();
    if (r.ok) break;
    await halt('immediate').catch(() => {});
    if (attempt === 2 || !/address already in use/i.test(r.output)) throw fail(`did not start on port ${port}`, r.output);
  }
  const admin = new pg.Client({ host: '127.0.0.1', port, user, database: 'postgres' });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await admin.end().catch(() => {});
  }

  let closed = false;
  const svc: TestService = {
    url: `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    port,
    dir,
    get running() {
      return postmasterPid() !== undefined;
    },
    async start() {
      if (closed) throw new ServiceError('service_start_failed', 'this PostgreSQL was closed');
      if (postmasterPid()) return;
      const r = await launch();
      if (!r.ok) throw new ServiceError('service_start_failed', `PostgreSQL did not start again on port ${port} in ${dir}; its log ends:\n${r.output.trim()}`);
    },
    stop: () => halt('fast'),
    kill: () => halt('immediate'),
    async restart() {
      await svc.stop();
      await svc.start();
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await svc.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return svc;
}
