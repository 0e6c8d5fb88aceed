/**
 * A real Parley cluster for tests: a redis-server (AOF on) and a PostgreSQL started in temporary
 * folders (test/helpers/services.ts), one server key file shared by every node, and nodes started
 * as users start them — `parley server --redis … --db … --key …` child processes — so that a
 * test can SIGKILL one. close() stops everything and removes the folders.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RsaPrivateKey } from '../../../src/rsa/index.js';
import { freePort, startPostgres, startRedis, type TestService } from '../../helpers/services.js';
import { RawClient } from '../../reliability/lib/raw-client.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/cli/main.js');

/** One node: a `parley server` child process. */
export interface ClusterNode {
  readonly id: string;
  readonly port: number;
  readonly url: string;
  readonly proc: ChildProcess;
  /** Everything it printed (stdout and stderr), line by line. */
  readonly output: string[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface Cluster {
  readonly redis: TestService;
  readonly pg: TestService;
  readonly keyFile: string;
  /** The cluster's identity key (what --key FILE holds), for tests that seal tickets as a node would. */
  readonly identity: KeyObject;
  readonly nodes: ClusterNode[];
  /** Starts one more node (args: extra server flags; redisUrl: reach Redis through another address, e.g. a TcpProxy). */
  startNode(id?: string, args?: string[], redisUrl?: string): Promise<ClusterNode>;
  close(): Promise<void>;
}

/** How long a node may take to print its "listening" line, ms. */
const NODE_START_TIMEOUT_MS = 30_000;

/**
 * Starts Redis, PostgreSQL and `nodes` Parley nodes (ids n1…nN). `nodeArgs`: extra flags for
 * every node (e.g. limits). Throws if anything fails to start (what started is stopped).
 */
export async function startCluster(opts: { nodes: number; nodeArgs?: string[] }): Promise<Cluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-cluster-'));
  const keyFile = path.join(dir, 'cluster_key');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
  const started: TestService[] = [];
  const nodes: ClusterNode[] = [];
  try {
    const redis = await startRedis({ aof: true });
    started.push(redis);
    const pg = await startPostgres();
    started.push(pg);
    let next = 1;
    const cluster: Cluster = {
      redis,
      pg,
      keyFile,
      identity: privateKey,
      nodes,
      async startNode(id = `n${next++}`, args = [], redisUrl = redis.url) {
        const node = await startNode(id, [...(opts.nodeArgs ?? []), ...args], { redis: redisUrl, db: pg.url, keyFile, dir });
        nodes.push(node);
        return node;
      },
      async close() {
        await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
        await Promise.all(started.map((s) => s.close()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
    for (let i = 0; i < opts.nodes; i++) await cluster.startNode();
    return cluster;
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    await Promise.all(started.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function startNode(id: string, args: string[], c: { redis: string; db: string; keyFile: string; dir: string }): Promise<ClusterNode> {
  const port = await freePort();
  // a cluster node keeps nothing in a data folder (the CLI refuses --data with --redis/--db)
  const argv = [MAIN, 'server', '--port', String(port), '--redis', c.redis, '--db', c.db, '--key', c.keyFile, '--node-id', id, ...args];
  const proc = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PARLEY_REDIS: '', PARLEY_DB: '' } });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  let listening: () => void = () => {};
  const ready = new Promise<void>((resolve) => (listening = resolve));
  for (const stream of [proc.stdout, proc.stderr]) {
    let buf = '';
    stream!.setEncoding('utf8');
    stream!.on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        output.push(line);
        if (line.includes('listening on')) listening();
      }
    });
  }
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), NODE_START_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };
  if (outcome !== 'ready') {
    await stop('SIGKILL');
    throw new Error(`node ${id} did not start (${outcome}):\n${output.slice(-20).join('\n')}`);
  }
  return { id, port, url: `ws://127.0.0.1:${port}`, proc, output, exited, stop };
}

/** A RawClient on node `node` of `cluster` as `name` with `key`, keeping its events; added to `clients` (for the caller's cleanup). */
export async function connectTo(cluster: Cluster, node: number, key: RsaPrivateKey, name: string, clients: RawClient[]): Promise<RawClient> {
  const c = await RawClient.connect(cluster.nodes[node]!.url, key, name, { keepEvents: true });
  clients.push(c);
  return c;
}
