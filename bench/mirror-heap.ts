/**
 * `node dist/bench/mirror-heap.js [N]`: what one member of another node costs each node of a
 * cluster — the hub's mirror (src/chat/hub-cluster.ts) in the hub's maps, its rooms and the bundle
 * directory — and what applying the entries costs in CPU. Builds one hub with a cluster port that
 * publishes nowhere, applies N `up` + `join` (+ `bundle`) entries as if another node sent them,
 * and reports the heap growth per mirror (after a full GC: run with --expose-gc) and the time per
 * entry. Prints one JSON line. Used for docs/DEPLOY.md's capacity model.
 */
import { execSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import { ChatHub, MemoryNameRegistry } from '../src/chat/index.js';

const N = Number(process.argv[2] ?? 20_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const fp = (s: string) => 'SHA256:' + createHash('sha256').update(s).digest('base64').replace(/=+$/, '');
/** A 2048-bit key's SPKI DER is 294 bytes: its base64, 392 characters. */
const pk = () => randomBytes(294).toString('base64');
/** A typical bundle: an X25519 key and an RSA-PSS signature (docs/PROTOCOL.md §Bundle format), ~300 bytes. */
const bundle = () => randomBytes(300).toString('base64');

const hub = new ChatHub({ serverFingerprint: fp('server'), maxConnections: 10 }, new MemoryNameRegistry(), Date.now, { nodeId: 'n1', publish: () => {} });
const handler = hub.clusterHandler();
/** The entries of mirror i, made on demand: the strings the hub keeps are counted with the mirror. */
const entriesOf = (i: number) => {
  const name = `u${i}`;
  const sid = `n2:${i + 1}`;
  return [
    { k: 'up', name, fp: fp(name), pk: pk(), sid },
    { k: 'join', name, sid, room: `r${i % 1000}` },
    { k: 'bundle', name, sid, bundle: bundle() },
  ];
};
// the time per entry, on a first batch (its entries made beforehand, not timed)
const timed = Array.from({ length: N }, (_, i) => entriesOf(i));
const t0 = process.hrtime.bigint();
for (const es of timed) for (const e of es) handler.entry('n2', e, false);
const ns = Number(process.hrtime.bigint() - t0);
timed.length = 0;
// the heap per mirror, on a second batch of N other members
gc();
const before = process.memoryUsage().heapUsed;
for (let i = N; i < 2 * N; i++) for (const e of entriesOf(i)) handler.entry('n2', e, false);
gc();
const after = process.memoryUsage().heapUsed;
const stats = hub.stats();
console.log(
  JSON.stringify({
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, openssl: execSync('openssl version', { encoding: 'utf8' }).trim() },
    mirrors_measured: N,
    mirrors_in_hub: stats.remoteMembers,
    rooms: stats.rooms,
    heap_bytes_per_mirror: Math.round((after - before) / N),
    apply_us_per_entry: Math.round((ns / 1000 / (3 * N)) * 100) / 100,
    note: 'per mirror: MemberImpl, its RateState, online map entry, room membership, bundle directory entry with a 392-char key and a 400-char bundle (strings included)',
  }),
);
