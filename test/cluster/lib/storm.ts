/**
 * The reconnection storm of issue 14 (item 3), shared by test/cluster/cluster-storm.test.ts (which
 * checks what must hold) and bench/cluster-storm.ts (which times it on an idle machine): 1,000
 * clients of node n1, in rooms of 10, holding the session tickets n1 gave them; n1 is killed
 * with SIGKILL; every client comes back on n2 or n3 by resuming (no RSA on either side: the
 * ticket key is derived from the key file every node shares), rejoins its room and chats.
 *
 * The clients' first connection to n1 also resumes, with tickets sealed here as a node seals them
 * (nodeTicket: serverTickets, same key and options): 1,000 full handshakes first would cost ~40 s of RSA.
 * What is timed starts at the kill; the tickets the clients offer then are the ones n1 gave.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { RsaPrivateKey } from '../../../src/rsa/index.js';
import { toParleyKey } from '../../reliability/lib/keys.js';
import { RawClient } from '../../reliability/lib/raw-client.js';
import { nodeTicket, pool } from '../../reliability/lib/storm-tickets.js';
import { loopbackAddress, payloadText, roomMessage } from '../../reliability/lib/swarm.js';
import type { Cluster } from './cluster.js';

export const STORM_CLIENTS = 1000;
/** Keys of the storm's clients (each holds STORM_CLIENTS / STORM_KEYS names: nodes get --max-names-per-key). */
export const STORM_KEYS = 100;
const ROOM_SIZE = 10;
const CONCURRENCY = 100;
/**
 * Setting up (before the kill, not timed): fewer at a time, with a long deadline — n1 alone then
 * sends every arrival's lobby notice to everyone already there (O(n²) events), and one run of
 * bench:storm saw a client's handshakes time out for 2 minutes at 100 at a time.
 */
const SETUP_CONCURRENCY = 20;
const SETUP_DEADLINE_MS = 240_000;

/** What one storm measured. */
export interface StormResult {
  clients: number;
  /** Clients back on n2/n3, and how many of them resumed (no RSA). */
  back: number;
  resumed: number;
  attempts: number;
  /** Clients that got every message of their room exactly once. */
  complete: number;
  /** Since the SIGKILL: all ready, all in their rooms, every room message delivered (ms). */
  readyMs: number;
  roomsMs: number;
  chattingMs: number;
  /** The watcher on n3 saw a storm client leave. */
  sawLeave: boolean;
  /** CPU seconds during the storm: each surviving node, and the clients (the calling process). */
  cpu: { n2: number; n3: number; clients: number };
  loadAverage: number[];
  summary: string;
}

/**
 * Runs the storm on `cluster` (3 nodes started with --max-names-per-key STORM_CLIENTS/STORM_KEYS;
 * n1 is killed). `keys`: STORM_KEYS + 1 keys (the last for a watcher on n3). Leaves its clients
 * in `clients` for the caller to terminate.
 */
export async function runStorm(cluster: Cluster, keys: RsaPrivateKey[], clients: RawClient[]): Promise<StormResult> {
  const CLIENTS = STORM_CLIENTS;
  const KEYS = STORM_KEYS;
    const identity = toParleyKey(cluster.identity);
    const plan = Array.from({ length: CLIENTS }, (_, i) => {
      const key = keys[i % KEYS]!;
      const name = `s${i}`;
      const ticket = nodeTicket(identity, key, name, Date.now() - 60_000);
      return { key, name, room: `r${Math.floor(i / ROOM_SIZE)}`, ticket, localAddress: loopbackAddress(i) };
    });
    // everyone on n1, in their rooms, holding a ticket n1 issued
    const first: RawClient[] = [];
    await pool(plan, SETUP_CONCURRENCY, async (p) => {
      const { client } = await RawClient.connectWithRetry(cluster.nodes[0]!.url, p.key, p.name, { ticket: p.ticket, localAddress: p.localAddress, deadlineMs: SETUP_DEADLINE_MS });
      first.push(client);
      clients.push(client);
      client.send({ t: 'join', room: p.room });
    });
    const watcher = await RawClient.connect(cluster.nodes[2]!.url, keys[KEYS]!, 'watcher', { keepEvents: true, localAddress: '127.2.0.1' });
    clients.push(watcher);
    await new Promise((r) => setTimeout(r, 2000));
    if (!first.every((c) => c.ticket)) throw new Error(`n1 gave ${first.filter((c) => c.ticket).length} of ${first.length} clients a ticket`);
    const byName = new Map(plan.map((p) => [p.name, p]));
    const tickets = new Map(first.map((c) => [c.name, c.ticket!]));

    const got = new Map<string, number>();
    /** CPU seconds used so far by a node process (utime + stime from /proc), or by this test process (the clients). */
    const nodeCpu = (pid: number) => {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    };
    const cpuNow = () => ({ n2: nodeCpu(cluster.nodes[1]!.proc.pid!), n3: nodeCpu(cluster.nodes[2]!.proc.pid!), clients: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6 });
    const cpu0 = cpuNow();
    const killed = Date.now();
    await cluster.nodes[0]!.stop('SIGKILL');
    for (const c of first) c.terminate();
    let resumed = 0;
    let attempts = 0;
    const back: RawClient[] = [];
    await pool(plan, CONCURRENCY, async (p, i) => {
      const node = cluster.nodes[1 + (i % 2)]!;
      const { client, attempts: a } = await RawClient.connectWithRetry(node.url, p.key, p.name, {
        ticket: tickets.get(p.name)!,
        localAddress: p.localAddress,
        deadlineMs: 60_000,
        onEvent: (e) => {
          if (e.type === 'e2e_room' && e.room === p.room && payloadText(e)?.startsWith('back ')) got.set(p.name, (got.get(p.name) ?? 0) + 1);
        },
      });
      attempts += a;
      if (client.resumed) resumed++;
      back.push(client);
      clients.push(client);
    });
    const readyMs = Date.now() - killed;
    await pool(back, CONCURRENCY, async (c) => {
      const room = byName.get(c.name)!.room;
      c.send({ t: 'join', room });
      await c.next((e) => e.type === 'join' && e.name === c.name && e.room === room, 30_000);
    });
    const roomsMs = Date.now() - killed;
    for (const c of back) c.send(roomMessage(byName.get(c.name)!.room, `back ${c.name}`));
    const end = Date.now() + 30_000;
    while ([...got.values()].filter((n) => n === ROOM_SIZE).length < CLIENTS && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const chattingMs = Date.now() - killed;
    const cpu1 = cpuNow();
    const used = `CPU during the storm: n2 ${(cpu1.n2 - cpu0.n2).toFixed(1)} s, n3 ${(cpu1.n3 - cpu0.n3).toFixed(1)} s, the 1,000 clients (this process) ${(cpu1.clients - cpu0.clients).toFixed(1)} s`;
    const sawLeave = watcher.events.some((e) => e.type === 'leave' && e.name === 's0');
    const summary = (
      `after the SIGKILL of n1: ${back.length} clients ready on n2/n3 after ${readyMs} ms (${resumed} resumed, ${attempts} attempts), in their rooms after ${roomsMs} ms, ` +
        `every room message delivered after ${chattingMs} ms; ${used}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`
    );
  return {
    clients: CLIENTS,
    back: back.length,
    resumed,
    attempts,
    complete: [...got.values()].filter((n) => n === ROOM_SIZE).length,
    readyMs,
    roomsMs,
    chattingMs,
    sawLeave,
    cpu: { n2: cpu1.n2 - cpu0.n2, n3: cpu1.n3 - cpu0.n3, clients: cpu1.clients - cpu0.clients },
    loadAverage: os.loadavg(),
    summary,
  };
}
