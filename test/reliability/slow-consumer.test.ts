/**
 * Slow consumers: a client that stops reading its socket must not delay anyone else, and is
 * disconnected with `slow_consumer` (close 4005) once its bounded outbound queue
 * (maxBufferedBytes) fills. A probe client measures its own round-trip latency (say → its own
 * echo, through the same room as the stalled client) before and during the stall.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerEvent } from '../../src/chat/events.js';
import { keyPool } from './lib/keys.js';
import { startInProc, sleep, within, type InProcServer } from './lib/inproc.js';
import { RawClient } from './lib/raw-client.js';
import { payloadText, percentiles, roomMessage } from './lib/swarm.js';

const say = roomMessage;

describe('slow consumer', () => {
  let ctx: InProcServer | undefined;
  const clients: RawClient[] = [];
  const timers: NodeJS.Timeout[] = [];
  after(async () => {
    for (const t of timers) clearInterval(t);
    for (const c of clients) c.terminate();
    await ctx?.close();
  });

  it('a client that stops reading is cut off with slow_consumer when its queue fills, and the others keep their latency', { timeout: 90_000 }, async (t) => {
    const keys = await keyPool(5);
    const MAX_BUFFERED = 256 * 1024;
    ctx = await startInProc({ transport: { maxBufferedBytes: MAX_BUFFERED }, chat: { messagesPerSecond: 1000, burst: 1000 } });
    const room = 'busy';
    const join = async (c: RawClient) => {
      const joined = c.next((e) => e.type === 'join' && e.room === room && e.name === c.name);
      c.send({ t: 'join', room });
      await joined;
      return c;
    };
    const slow = await join(await RawClient.connect(ctx.url, keys[0]!, 'slowpoke', { keepEvents: true }));
    clients.push(slow);
    const probeRtt: { at: number; ms: number }[] = [];
    const probe = await join(
      await RawClient.connect(ctx.url, keys[1]!, 'probe', {
        keepEvents: true,
        onEvent: (e) => {
          if (e.type === 'e2e_room' && e.from === 'probe') probeRtt.push({ at: Date.now(), ms: Date.now() - Number(payloadText(e)!.split(' ')[1]) });
        },
      }),
    );
    clients.push(probe);
    const talkers: RawClient[] = [];
    for (let i = 0; i < 3; i++) talkers.push(await join(await RawClient.connect(ctx.url, keys[2 + i]!, `talker${i}`, { keepEvents: false })));
    clients.push(...talkers);

    // traffic: three talkers at up to 200 messages/s of ~3.9 KB each, the probe every 50 ms
    const filler = 'lorem ipsum '.repeat(320);
    let sent = 0;
    timers.push(setInterval(() => {
      for (const c of talkers) {
        c.send(say(room, `${c.name} ${sent++} ${filler}`));
        c.send(say(room, `${c.name} ${sent++} ${filler}`));
      }
    }, 10));
    timers.push(setInterval(() => probe.send(say(room, `probe ${Date.now()}`)), 50));

    await sleep(1500);
    const stallAt = Date.now();
    slow.pause();
    const leave = await probe.next((e) => e.type === 'leave' && e.name === 'slowpoke', 60_000);
    const cutAfterMs = Date.now() - stallAt;
    await sleep(500);
    for (const x of timers.splice(0)) clearInterval(x);

    const before = percentiles(probeRtt.filter((r) => r.at < stallAt).map((r) => r.ms));
    const during = percentiles(probeRtt.filter((r) => r.at >= stallAt).map((r) => r.ms));
    const stats = ctx.server.hub.stats();
    t.diagnostic(
      `stalled client cut after ${cutAfterMs} ms (${sent} talker messages sent in all); leave reason ${JSON.stringify((leave as { reason?: string }).reason)}; ` +
        `probe RTT before: p50 ${before.p50} ms p99 ${before.p99} ms (n=${before.count}); during the stall: p50 ${during.p50} ms p99 ${during.p99} ms max ${during.max} ms (n=${during.count})`,
    );
    assert.equal(stats.slowConsumers, 1, 'exactly one slow consumer');
    assert.equal((leave as { reason?: string }).reason, 'slow consumer');
    assert.ok(during.count >= 5, 'the probe kept getting its echoes during the stall');
    assert.ok(during.p50 < Math.max(250, 5 * before.p50), `the probe's median latency stayed low (${during.p50} ms)`);
    assert.ok(during.p99 < 2000, `the probe's p99 latency stayed bounded (${during.p99} ms)`);
    for (const c of [probe, ...talkers]) assert.ok(c.isOpen, `${c.name} is still connected`);
    assert.ok(!probe.events.some((e) => e.type === 'error'), 'the probe got no error');

    // the stalled client reads again: its backlog, then the reason, then the close
    slow.resume();
    const closed = await within(slow.closed, 20_000);
    assert.ok(closed, 'the stalled client was closed');
    assert.equal(closed.code, 4005, `close code 4005 (got ${closed.code} ${closed.reason})`);
    const last = slow.events.at(-1) as ServerEvent;
    assert.equal(last.type, 'error');
    assert.equal(last.type === 'error' && last.code, 'slow_consumer');
    assert.match(last.type === 'error' ? last.message : '', /fell behind|queue/);
    t.diagnostic(`the stalled client read ${slow.events.length} events, the last: ${JSON.stringify(last)}; close ${closed.code} "${closed.reason}"`);
  });
});
