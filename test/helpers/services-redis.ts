/** A real redis-server for tests, on a free loopback port in a temporary folder (see services.ts). */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, live, requireBinary, ServiceError, SERVICE_START_TIMEOUT_MS, SERVICE_STOP_TIMEOUT_MS, type TestService, waitExit, waitFor } from './services-common.js';

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
    get pid() {
      return isRunning() ? child?.pid : undefined;
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
