/**
 * bench:cluster's reader of a target's cost: the CPU time of each of its processes (server
 * nodes, redis-server, PostgreSQL's postmaster and its backends) from /proc, and the services'
 * own counters — Redis `INFO stats commandstats` (commands run, bytes in and out) and
 * PostgreSQL's pg_stat_database (transactions of the chat's database) — read at the two
 * instants of a point's window. It answers `window` like a server process does (see
 * servers/child.ts), so that fanout/point.ts runs a cluster point unchanged; everything is read
 * from this (mostly idle) process, on the same monotonic clock as the window.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Client as PgClient } from 'pg';
import { monoNow } from '../lib/clock.js';
import type { Probe } from '../fanout/point.js';
import type { Reading } from '../servers/child.js';

/** USER_HZ: /proc's clock ticks per second (100 on Linux). */
const TICKS_PER_SECOND = 100;

/** What the probe needs of a node-redis client. */
export interface RedisCommands {
  sendCommand(args: string[]): Promise<unknown>;
}

/** A process's state, parent and CPU time (user + system, µs) from /proc/PID/stat; undefined once it is gone. */
function procStat(pid: number): { ppid: number; micros: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // proc(5): fields after "(comm)": state ppid … utime (14th field) stime (15th)
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), micros: ((Number(f[11]) + Number(f[12])) * 1e6) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** CPU time (µs) of `pid` and of its children now (PostgreSQL's backends are the postmaster's children). */
function treeMicros(pid: number): number {
  let total = procStat(pid)?.micros ?? 0;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const st = procStat(Number(e));
    if (st && st.ppid === pid) total += st.micros;
  }
  return total;
}

/**
 * The Redis counters: commands run (all but this reader's INFO), by command, and bytes in and
 * out; `reply` is the length of this INFO answer (it counts in the server's bytes out).
 */
export async function redisCounters(redis: RedisCommands): Promise<{ counters: Record<string, number>; reply: number }> {
  const info = String(await redis.sendCommand(['INFO', 'stats', 'commandstats']));
  const out: Record<string, number> = { 'redis.commands': 0 };
  for (const line of info.split(/\r?\n/)) {
    const cmd = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (cmd) {
      if (cmd[1] === 'info') continue;
      out[`redis.${cmd[1]}`] = Number(cmd[2]);
      out['redis.commands']! += Number(cmd[2]);
    }
    const net = /^total_net_(input|output)_bytes:(\d+)/.exec(line);
    if (net) out[`redis.bytes_${net[1] === 'input' ? 'in' : 'out'}`] = Number(net[2]);
  }
  return { counters: out, reply: Buffer.byteLength(info) };
}

/**
 * The chat database's committed and rolled-back transactions. Read over a connection to another
 * database, so that reading does not count itself. PostgreSQL 15 backends report their counts at
 * most once a second while busy and within 10 s once idle: a window's delta can miss up to that.
 */
export async function pgCounters(pg: PgClient, database: string): Promise<Record<string, number>> {
  const r = await pg.query<{ c: string; r: string }>('SELECT xact_commit AS c, xact_rollback AS r FROM pg_stat_database WHERE datname = $1', [database]);
  const row = r.rows[0];
  return { 'pg.xact_commit': Number(row?.c ?? NaN), 'pg.xact_rollback': Number(row?.r ?? NaN) };
}

/** What a target is made of: named processes (`node0`, `redis`, …; `tree`: count its children too) and service clients. */
export interface ProbeSources {
  processes: { name: string; pid: number; tree?: boolean }[];
  redis?: RedisCommands;
  pg?: { client: PgClient; database: string };
}

/** Answers `window` with Readings of every process and counter of `sources` (deliveries NaN: the clients count them). */
export class ClusterProbe implements Probe {
  /** Bytes of this probe's earlier INFO answers: taken off Redis's bytes out, which count them. */
  private infoBytes = 0;

  constructor(private readonly sources: ProbeSources) {}

  /** One reading now. */
  async read(): Promise<Reading> {
    const at = monoNow();
    const parts: Record<string, number> = {};
    for (const p of this.sources.processes) parts[p.name] = p.tree ? treeMicros(p.pid) : (procStat(p.pid)?.micros ?? NaN);
    const [r, g] = await Promise.all([
      this.sources.redis ? redisCounters(this.sources.redis) : undefined,
      this.sources.pg ? pgCounters(this.sources.pg.client, this.sources.pg.database) : {},
    ]);
    const counters: Record<string, number> = { ...r?.counters, ...g };
    if (r) {
      if (counters['redis.bytes_out'] !== undefined) counters['redis.bytes_out'] -= this.infoBytes;
      this.infoBytes += r.reply;
    }
    return { at, cpuMicros: Object.values(parts).reduce((a, x) => a + x, 0), deliveries: NaN, parts, counters };
  }

  /** `window` {from, to}: readings at those monotonic instants. Other commands are refused. */
  async call<T = unknown>(cmd: string, arg?: unknown): Promise<T> {
    if (cmd !== 'window') throw new Error(`ClusterProbe: unknown command ${cmd}`);
    const w = arg as { from: number; to: number };
    const at = (t: number) => new Promise((res) => setTimeout(res, Math.max(0, t - monoNow())));
    await at(w.from);
    const a = await this.read();
    await at(w.to);
    return [a, await this.read()] as T;
  }
}
