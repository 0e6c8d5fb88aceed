/**
 * `npm run bench:e2e [-- --quick] [-- --json]`: what the end-to-end layer costs its clients
 * (issue 13's targets), measured on E2ESessions driven through the in-memory relay of the tests
 * (test/e2e/relay.ts; no sockets, so only the layer's own CPU is counted):
 *
 *   - sender CPU per room message in a room of 2 and of 200 (must be about equal);
 *   - receiver CPU per room message;
 *   - the joiner's CPU to join a room of 200 (its session and bundle, the members' bundles, its
 *     first send with 200 distributions, the 199 distributions it receives) — target ≤ 1 s;
 *   - each existing member's CPU for that join (join event, the joiner's bundle, its distribution
 *     to the joiner, the joiner's distribution), over 10 members — target ≤ 20 ms;
 *   - each remaining sender's CPU on its next send after a leave in a room of 200 (a new chain and
 *     199 distributions), over 10 senders — target ≤ 50 ms;
 *   - bytes per message on the wire beyond the text.
 *
 * CPU is process.cpuUsage() (user + system) around the measured session's calls only; the GC
 * pauses of the 200-client simulation that land inside a measured send are reported beside it.
 * Writes the
 * raw result to bench/results/e2e.json (with --quick: to the OS temporary folder). With --json the
 * last line is the summary as one JSON object. A benchmark, not a test: it asserts nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { base64ToBytes } from '../src/rsa/index.js';
import type { E2ESession } from '../src/e2e/session.js';
import { keyPool } from '../test/reliability/lib/keys.js';
import { Relay } from '../test/e2e/relay.js';

const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const BIG = QUICK ? 50 : 200;
const SAMPLES = QUICK ? 5 : 11;
const BATCH = QUICK ? 50 : 100;
const LEAVE_SAMPLES = QUICK ? 5 : 10;
const JOIN_SAMPLES = QUICK ? 5 : 10;
const TEXT = 'The quick brown fox jumps over the lazy dog, and then some more words to make a typical chat line.';
const here = path.dirname(fileURLToPath(import.meta.url));

const log = (s: string) => {
  if (!JSON_OUT) process.stderr.write(s + '\n');
};

/** Before a measured step: a pause, so that work left over from the previous step (V8's concurrent GC threads) is done. */
async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 50));
}

/**
 * Garbage-collection pauses of the main thread, as V8 reports them. The process holds the 200
 * simulated clients, so a major collection that lands in one measured send costs what no real
 * client (with its own small heap) would pay; gcPauseUs says how much of a sample was that.
 */
const gcPauses: { start: number; end: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, end: e.startTime + e.duration });
}).observe({ entryTypes: ['gc'] });

/** Microseconds of GC pause within [t0, t1] (performance.now() times); call after a settle(). */
function gcPauseUs(t0: number, t1: number): number {
  let ms = 0;
  for (const g of gcPauses) ms += Math.max(0, Math.min(t1, g.end) - Math.max(t0, g.start));
  return Math.round(ms * 1000);
}

/** CPU microseconds (user + system) spent in `fn`. */
function cpu(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t0);
  return d.user + d.system;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Wraps `session`'s entry points so that their CPU is added to `acc[method]`. */
function meter(session: E2ESession): Record<string, number> {
  const acc: Record<string, number> = {};
  for (const m of ['roomMembers', 'memberJoined', 'memberLeft', 'bundles', 'sendRoom', 'sendDirect', 'receiveRoom', 'receiveDirect'] as const) {
    const orig = (session[m] as unknown as (...a: unknown[]) => unknown).bind(session);
    (session as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => {
      const t0 = process.cpuUsage();
      try {
        return orig(...a);
      } finally {
        const d = process.cpuUsage(t0);
        acc[m] = (acc[m] ?? 0) + d.user + d.system;
      }
    };
  }
  return acc;
}

const sum = (acc: Record<string, number>, ...ks: string[]) => ks.reduce((s, k) => s + (acc[k] ?? 0), 0);
const names = (n: number) => Array.from({ length: n }, (_, i) => `m${String(i).padStart(3, '0')}`);

async function main(): Promise<void> {
  const t0 = Date.now();
  log(`making ${BIG + 3} identities (cached in ${os.tmpdir()})…`);
  const keys = await keyPool(BIG + 3);

  log('room of 2…');
  const small = new Relay({ keepLog: false });
  for (const [i, n] of names(2).entries()) small.add(n, keys[i]!);
  for (const n of names(2)) small.join(n, 'room');
  small.say('m000', 'room', 'warm-up');

  log(`room of ${BIG} (every member fetches and checks every other member's bundle)…`);
  const big = new Relay({ keepLog: false });
  for (const [i, n] of names(BIG).entries()) big.add(n, keys[i]!);
  for (const n of names(BIG)) big.join(n, 'room');
  big.say('m000', 'room', 'warm-up');
  log(`  set up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // 1. sender per message, 2 vs BIG, alternating batches (the payloads are not delivered)
  const senders = { 2: small.client('m000').session, [BIG]: big.client('m000').session } as Record<number, E2ESession>;
  const perMsg: Record<number, number[]> = { 2: [], [BIG]: [] };
  for (let s = 0; s < SAMPLES; s++) {
    for (const size of [2, BIG]) {
      const ses = senders[size]!;
      await settle();
      perMsg[size]!.push(cpu(() => {
        for (let i = 0; i < BATCH; i++) ses.sendRoom('room', TEXT);
      }) / BATCH);
    }
  }

  // 2. receiver per message: m001 of the big room opens fresh messages of m000
  const rx = big.client('m001').session;
  const evs = Array.from({ length: BATCH * SAMPLES + 1 }, (_, i) => {
    const out = senders[BIG]!.sendRoom('room', TEXT);
    const p = out.send.find((x) => x.t === 'e2e_room')! as { payload: string };
    return { id: `b${i}`, from: 'm000', room: 'room', ts: Date.now(), payload: p.payload };
  });
  rx.receiveRoom(evs.shift()!); // the first one also steps over the undelivered messages of step 1
  const rxMsg: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const batch = evs.splice(0, BATCH);
    let okAll = true;
    await settle();
    rxMsg.push(cpu(() => {
      for (const ev of batch) okAll = rx.receiveRoom(ev).received[0]!.verified && okAll;
    }) / BATCH);
    if (!okAll) throw new Error('a benchmark message did not verify');
  }
  const sample = (senders[BIG]!.sendRoom('room', TEXT).send.find((x) => x.t === 'e2e_room') as { payload: string }).payload;
  const payloadBytes = base64ToBytes(sample).length;
  const payloadB64 = sample.length;
  const textBytes = new TextEncoder().encode(TEXT).length;

  // 3. a join: the joiner and JOIN_SAMPLES existing members (which have sent before), metered
  log('a join…');
  const sampled = names(BIG).slice(1, 1 + JOIN_SAMPLES);
  for (const n of sampled) big.say(n, 'room', TEXT); // so that after the join only the joiner lacks their chains
  await settle();
  const joinerCreate = cpu(() => big.add('joiner', keys[BIG]!));
  const j = meter(big.client('joiner').session);
  const meters = sampled.map((n) => meter(big.client(n).session));
  await settle();
  big.join('joiner', 'room');
  const joinerJoin = sum(j, 'roomMembers', 'bundles');
  await settle();
  const joinerSend = big.say('joiner', 'room', 'hello all');
  const joinerFirstSend = sum(j, 'sendRoom');
  const steady = median(perMsg[BIG]!);
  const memberParts = { joinEvent: [] as number[], acceptJoinerKeys: [] as number[], distributeToJoiner: [] as number[], total: [] as number[] };
  for (const [i, n] of sampled.entries()) {
    const m = meters[i]!;
    const before = sum(m, 'sendRoom');
    await settle();
    const sent = big.say(n, 'room', TEXT);
    if (sent.send.filter((x) => x.t === 'e2e_to').length !== 1) throw new Error(`${n} should have sent keys to the joiner only`);
    const parts = [sum(m, 'memberJoined', 'bundles'), sum(m, 'receiveDirect'), sum(m, 'sendRoom') - before - steady];
    memberParts.joinEvent.push(parts[0]!);
    memberParts.acceptJoinerKeys.push(parts[1]!);
    memberParts.distributeToJoiner.push(parts[2]!);
    memberParts.total.push(parts[0]! + parts[1]! + parts[2]!);
  }
  // every other member speaks once; only the joiner's deliveries are made (the others' would only
  // slow the run down: most of these members speak for the first time, so they send keys to all)
  big.tamper = (d) => (d.to === 'joiner' ? [d] : []);
  for (const n of names(BIG)) if (!sampled.includes(n)) big.say(n, 'room', TEXT);
  big.tamper = null;
  const unread = big.roomMessages('joiner').filter((m) => !m.verified);
  if (big.roomMessages('joiner').length - unread.length !== BIG) throw new Error(`the joiner did not read every member: ${JSON.stringify(unread.slice(0, 3))} (${big.roomMessages('joiner').length} messages)`);
  const joinerReceivesKeys = sum(j, 'receiveDirect');
  const joinerTotal = joinerCreate + joinerJoin + joinerFirstSend + joinerReceivesKeys;
  const distSizes = joinerSend.send.flatMap((x) => (x.t === 'e2e_to' ? [base64ToBytes(x.payload).length] : []));

  // 4. a leave: the joiner leaves; each remaining sender's next send starts a new chain
  log('a leave…');
  big.leave('joiner', 'room');
  const leaveSends: number[] = [];
  const leaveGc: number[] = [];
  for (const n of names(BIG).slice(1, 1 + LEAVE_SAMPLES)) {
    const s = big.client(n).session;
    let lacking = 0;
    await settle();
    const w0 = performance.now();
    leaveSends.push(cpu(() => {
      lacking = s.sendRoom('room', TEXT).send.filter((x) => x.t === 'e2e_to').length;
    }));
    const w1 = performance.now();
    if (lacking !== BIG - 1) throw new Error(`expected ${BIG - 1} distributions after the leave, got ${lacking}`);
    await settle();
    leaveGc.push(gcPauseUs(w0, w1));
  }
  const leaveWithoutGc = leaveSends.map((u, i) => Math.max(0, u - leaveGc[i]!));

  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const machine = {
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? '?',
    cores: os.cpus().length,
    node: process.version,
    openssl: execFileSync('openssl', ['version']).toString().trim(),
    nodeOpenssl: process.versions.openssl,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
  const ms = (us: number) => Math.round(us) / 1000;
  const summary = {
    roomSize: BIG,
    senderPerMessageUs: { room2: Math.round(median(perMsg[2]!)), [`room${BIG}`]: Math.round(median(perMsg[BIG]!)) },
    receiverPerMessageUs: Math.round(median(rxMsg)),
    joinerMs: { total: ms(joinerTotal), session: ms(joinerCreate), bundles: ms(joinerJoin), firstSend: ms(joinerFirstSend), keysReceived: ms(joinerReceivesKeys), target: 1000 },
    memberPerJoinMs: { median: ms(median(memberParts.total)), max: ms(Math.max(...memberParts.total)), joinEvent: ms(median(memberParts.joinEvent)), acceptJoinerKeys: ms(median(memberParts.acceptJoinerKeys)), distributeToJoiner: ms(median(memberParts.distributeToJoiner)), samples: sampled.length, target: 20 },
    senderAfterLeaveMs: { median: ms(median(leaveSends)), max: ms(Math.max(...leaveSends)), maxWithoutGcPauses: ms(Math.max(...leaveWithoutGc)), gcPauseMax: ms(Math.max(...leaveGc)), samples: leaveSends.length, target: 50 },
    bytes: { text: textBytes, payload: payloadBytes, overhead: payloadBytes - textBytes, base64Payload: payloadB64, distribution: distSizes.length ? median(distSizes) : null },
  };
  const result = { benchmark: 'e2e', date: new Date().toISOString(), machine, settings: { quick: QUICK, roomSize: BIG, samples: SAMPLES, batch: BATCH, text: TEXT }, summary, raw: { senderPerMessageUs: perMsg, receiverPerMessageUs: rxMsg, memberPerJoinUs: memberParts, senderAfterLeaveUs: leaveSends, senderAfterLeaveGcPauseUs: leaveGc, elapsedS: (Date.now() - t0) / 1000 } };
  const file = QUICK ? path.join(os.tmpdir(), 'parley-bench-e2e-quick.json') : path.resolve(here, '..', '..', 'bench', 'results', 'e2e.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 1) + '\n');

  const ok = (v: number, t: number) => (v <= t ? 'yes' : 'NO');
  console.log(`End-to-end benchmark — ${machine.cores} × ${machine.cpu}, Node ${machine.node}, ${machine.openssl}; CPU = process.cpuUsage (user + system)`);
  console.log('| measure | value | target | met |');
  console.log('|---|---|---|---|');
  console.log(`| sender CPU per room message, room of 2 | ${summary.senderPerMessageUs.room2} µs | about equal to the big room | |`);
  console.log(`| sender CPU per room message, room of ${BIG} | ${summary.senderPerMessageUs[`room${BIG}`]} µs | about equal to the room of 2 | ${Math.abs(median(perMsg[BIG]!) / median(perMsg[2]!) - 1) < 0.25 ? 'yes' : 'NO'} |`);
  console.log(`| receiver CPU per room message | ${summary.receiverPerMessageUs} µs | | |`);
  console.log(`| joiner CPU to join a room of ${BIG} | ${summary.joinerMs.total} ms (session ${summary.joinerMs.session}, bundles ${summary.joinerMs.bundles}, first send ${summary.joinerMs.firstSend}, keys received ${summary.joinerMs.keysReceived}) | ≤ 1000 ms | ${ok(summary.joinerMs.total, 1000)} |`);
  console.log(`| each existing member's CPU for a join | ${summary.memberPerJoinMs.median} ms median, ${summary.memberPerJoinMs.max} ms max over ${sampled.length} members (medians: join event ${summary.memberPerJoinMs.joinEvent}, joiner's keys ${summary.memberPerJoinMs.acceptJoinerKeys}, keys to the joiner ${summary.memberPerJoinMs.distributeToJoiner}) | ≤ 20 ms | ${ok(summary.memberPerJoinMs.max, 20)} |`);
  console.log(`| each remaining sender's next send after a leave, room of ${BIG} | ${summary.senderAfterLeaveMs.median} ms median, ${summary.senderAfterLeaveMs.max} ms max (${summary.senderAfterLeaveMs.maxWithoutGcPauses} ms without the simulation's GC pauses) over ${leaveSends.length} senders | ≤ 50 ms | ${ok(summary.senderAfterLeaveMs.maxWithoutGcPauses, 50)} (without the GC pauses) |`);
  console.log(`| bytes per room message beyond the text (${textBytes} B of text) | ${summary.bytes.overhead} B (payload ${payloadBytes} B; ${payloadB64} characters of base64) | | |`);
  console.log(`| one key distribution | ${summary.bytes.distribution} B | | |`);
  console.log(`raw result: ${file}`);
  if (JSON_OUT) console.log(JSON.stringify(summary));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
