/** A real PostgreSQL server for tests, on a free loopback port in a temporary folder (see services.ts). */
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, live, requireBinary, run, ServiceError, SERVICE_START_TIMEOUT_MS, SERVICE_STOP_TIMEOUT_MS, sleep, type TestService, waitFor } from './services-common.js';

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
  // pg_ctl passes the socket folder to the server through a shell: keep it to plain characters
  if (!/^[\w./-]+$/.test(os.tmpdir())) throw new ServiceError('service_start_failed', `the temporary folder ${os.tmpdir()} has characters pg_ctl cannot pass on: set TMPDIR to a plain path such as /tmp`);
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
  // the server's pid from postmaster.pid, when that process is alive (a server killed from outside leaves the file behind)
  const postmasterPid = (): number | undefined => {
    try {
      const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (!Number.isInteger(pid) || pid <= 0) return undefined;
      process.kill(pid, 0);
      // a killed server reparented to pid 1 stays a zombie until that reaps it
      if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return undefined;
      return pid;
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
  } catch (e) {
    await halt('immediate').catch(() => {});
    throw fail(`could not create database ${database}`, (e as Error).message);
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
    get pid() {
      return postmasterPid();
    },
    async start() {
      if (closed) throw new ServiceError('service_start_failed', 'this PostgreSQL was closed');
      if (postmasterPid()) return;
      // after a crash the lock file names a dead (or zombie) postmaster, and its children may hold
      // the shared memory for a moment: remove the stale file, retry while the old server's leftovers go
      rmSync(path.join(data, 'postmaster.pid'), { force: true });
      const end = Date.now() + SERVICE_START_TIMEOUT_MS;
      for (;;) {
        const r = await launch();
        if (r.ok) return;
        if (Date.now() > end || !/already exists|already in use/i.test(r.output)) {
          throw new ServiceError('service_start_failed', `PostgreSQL did not start again on port ${port} in ${dir}; its log ends:\n${r.output.trim()}`);
        }
        await sleep(200);
      }
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
