/**
 * The setups bench:cluster compares, each started from nothing and stopped afterwards: Parley on
 * 1 node (today's server: no service) and on 3 nodes (Redis + PostgreSQL, one shared key), and
 * Socket.IO on 1 node and on 3 nodes with @socket.io/redis-adapter. Each clustered setup gets
 * its own redis-server (the same binary and settings, test/helpers/services.ts), so that one
 * setup's idle traffic never counts in another's Redis figures.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { freePort, startPostgres, startRedis, type TestService } from '../../test/helpers/services.js';
import { ClusterProbe, type ProbeSources } from './probe.js';
import { makeServerKey, startParleyNode, startSioNode, type BenchNode } from './nodes.js';
import type { ClusterKind } from './report.js';

/** One setup, up and measurable. */
export interface Setup {
  kind: ClusterKind;
  nodes: BenchNode[];
  probe: ClusterProbe;
  /** The services' versions, for the result file. */
  versions: Record<string, string>;
  /** Stops the nodes, then the services; removes their folders. Never throws. */
  close(): Promise<void>;
}

/** Starts `kind` in folder `dir` (for the nodes' data and the shared key). Throws (after cleaning up) when a part does not start. */
export async function startSetup(kind: ClusterKind, dir: string): Promise<Setup> {
  const nodes: BenchNode[] = [];
  const services: TestService[] = [];
  const clients: { close(): Promise<unknown> }[] = [];
  const versions: Record<string, string> = {};
  const close = async () => {
    for (const n of nodes) await n.stop().catch(() => {});
    for (const c of clients) await c.close().catch(() => {});
    for (const s of services) await s.close().catch(() => {});
  };
  try {
    const count = kind.endsWith('3') ? 3 : 1;
    const sources: ProbeSources = { processes: [] };
    let redisUrl: string | undefined;
    if (count > 1) {
      const redis = await startRedis();
      services.push(redis);
      redisUrl = redis.url;
      const client = createClient({ url: redis.url });
      client.on('error', () => {}); // a reading fails and says so; the benchmark ends
      await client.connect();
      clients.push({ close: () => client.quit() });
      sources.redis = client;
      versions['redis-server'] = /redis_version:(\S+)/.exec(String(await client.sendCommand(['INFO', 'server'])))?.[1] ?? '?';
      sources.processes.push({ name: 'redis', pid: redis.pid! });
    }
    if (kind === 'parley3') {
      const db = await startPostgres();
      services.push(db);
      const admin = new URL(db.url);
      admin.pathname = '/postgres'; // the counters are read from another database, so that reading them does not count
      const client = new pg.Client({ connectionString: admin.toString() });
      client.on('error', () => {});
      await client.connect();
      clients.push({ close: () => client.end() });
      sources.pg = { client, database: decodeURIComponent(new URL(db.url).pathname.slice(1)) };
      versions.postgres = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?';
      sources.processes.push({ name: 'postgres', pid: db.pid!, tree: true });
      const key = path.join(dir, 'server_key');
      makeServerKey(key);
      for (let i = 0; i < count; i++) nodes.push(await startParleyNode(await freePort(), { redis: redisUrl!, db: db.url, key, nodeId: `bench${i}` }));
    } else if (kind === 'parley1') {
      const data = path.join(dir, 'node0');
      mkdirSync(data, { recursive: true });
      nodes.push(await startParleyNode(await freePort(), { data }));
    } else {
      for (let i = 0; i < count; i++) nodes.push(await startSioNode(redisUrl));
    }
    sources.processes = [...nodes.map((n, i) => ({ name: `node${i}`, pid: n.pid })), ...sources.processes];
    return { kind, nodes, probe: new ClusterProbe(sources), versions, close };
  } catch (e) {
    await close();
    throw e;
  }
}
