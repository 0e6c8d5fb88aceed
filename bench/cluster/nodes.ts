/**
 * The server nodes of bench:cluster. A Parley node is started exactly as a user starts one — the
 * built CLI, `node dist/src/cli/main.js server …`, in a process of its own — with the flags a
 * load test needs (ParleyBenchFlags); in a cluster every node also gets `--redis`, `--db` and
 * one shared `--key` file made once with `parley keygen`. A Socket.IO node is
 * bench/servers/child.js (`sio`, or `sio-redis URL`: @socket.io/redis-adapter).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child } from '../lib/ipc.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The built CLI (dist/src/cli/main.js). */
export const CLI = path.resolve(here, '..', '..', 'src', 'cli', 'main.js');
const SERVER_CHILD = path.resolve(here, '..', 'servers', 'child.js');

/** Nodes still running: killed when this process exits, however it exits (a safety net, not a substitute for stop()). */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

/** How long a node may take to print that it listens, ms. */
export const NODE_START_TIMEOUT_MS = 60_000;

/**
 * The flags every Parley node of the benchmark gets, all of them documented in `parley server
 * --help`: 10,000 messages/s per user (the load's senders send up to a few hundred a second
 * each; the burst stays the CLI's 10), room for the connections, and 127.0.0.1 trusted as a
 * reverse proxy: each load-generator client sends its own X-Forwarded-For address, as clients
 * behind nginx do, so that the per-address limits (new names, handshakes) count each client
 * apart. Everything else — 1 MiB of buffered output per connection, one name per key — is the
 * default a user gets.
 */
export const PARLEY_BENCH_FLAGS = ['--rate', '10000', '--max-connections', '100000', '--trust-proxy', '127.0.0.1', '--quiet'];

/** Whether this build's `parley server --help` lists --redis (the cluster flags of issue 14). Throws nothing. */
export function parleyClusterAvailable(): boolean {
  try {
    return /--redis\b/.test(execFileSync(process.execPath, [CLI, 'server', '--help'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
}

/** Makes the cluster's shared server key with `parley keygen --out FILE` (FILE and FILE.pub). Throws with keygen's stderr on failure. */
export function makeServerKey(file: string): void {
  execFileSync(process.execPath, [CLI, 'keygen', '--out', file], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A started server node. */
export interface BenchNode {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

/** Where a clustered Parley node finds the others: Redis and PostgreSQL URLs, the shared key file, and its name in logs. */
export interface ClusterFlags {
  redis: string;
  db: string;
  key: string;
  nodeId: string;
}

/**
 * Starts `parley server --host 127.0.0.1 --port PORT …`: on its own with `--data DIR`, or as a
 * cluster node with `--redis URL --db URL --key FILE --node-id ID` (a cluster node has no data
 * folder) when `node` is a ClusterFlags. Resolves once it prints that it listens. Rejects with
 * the end of its output when it exits first or takes longer than NODE_START_TIMEOUT_MS.
 */
export function startParleyNode(port: number, node: { data: string } | ClusterFlags): Promise<BenchNode> {
  const where = 'data' in node ? ['--data', node.data] : ['--redis', node.redis, '--db', node.db, '--key', node.key, '--node-id', node.nodeId];
  const args = [CLI, 'server', '--host', '127.0.0.1', '--port', String(port), ...where, ...PARLEY_BENCH_FLAGS];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let output = '';
  const exited = new Promise<void>((r) =>
    proc.once('exit', () => {
      running.delete(proc);
      r();
    }),
  );
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`parley server on port ${port} did not start in ${NODE_START_TIMEOUT_MS / 1000} s: ${output.slice(-500)}`));
    }, NODE_START_TIMEOUT_MS);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (/listening on /.test(output)) {
        clearTimeout(timer);
        proc.stdout.off('data', onData);
        proc.stdout.resume();
        resolve({ pid: proc.pid!, port, stop });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.length > 20_000) output = output.slice(-10_000);
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`parley server on port ${port} exited (${code ?? signal}) before listening: ${output.slice(-500).trim()}`));
    });
  });
}

/** Starts a Socket.IO node (bench/servers/child.js): alone, or on Redis with the redis-adapter. */
export async function startSioNode(redisUrl?: string): Promise<BenchNode> {
  const child = await Child.start(SERVER_CHILD, redisUrl === undefined ? ['sio'] : ['sio-redis', redisUrl]);
  const { port } = await child.call<{ port: number }>('address');
  return { pid: child.proc.pid!, port, stop: () => child.stop() };
}
