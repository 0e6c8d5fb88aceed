/**
 * The `leave` reason the others see names why a member went: a real server, a watcher in the
 * room, and a member that quits, whose process dies (no close frame), or that stops answering
 * (idle timeout) — and the tables of src/server/close-codes.ts.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ServerEvent } from '../../src/chat/events.js';
import { leaveReasonFor, leaveReasonForClose } from '../../src/server/close-codes.js';
import { keyPool } from '../reliability/lib/keys.js';
import { startInProc, type InProcServer } from '../reliability/lib/inproc.js';
import { RawClient } from '../reliability/lib/raw-client.js';

const IDLE = 1500;

describe('leave reasons through a real server', () => {
  let ctx: InProcServer | undefined;
  const clients: RawClient[] = [];
  after(async () => {
    for (const c of clients) c.terminate();
    await ctx?.close();
  });

  const cases: [string, (c: RawClient) => void, string, boolean][] = [
    ['quits (a close handshake)', (c) => c.close(), 'quit', true],
    ['dies: its socket ends without a close frame (a killed process, a lost network)', (c) => c.terminate(), 'connection lost', true],
    ['stops answering pings', () => {}, 'idle timeout', false],
  ];
  for (const [what, end, reason, autoPong] of cases) {
    it(`a member that ${what}: the room sees reason "${reason}"`, { timeout: 30_000 }, async () => {
      const keys = await keyPool(2);
      ctx ??= await startInProc({ transport: { idleTimeoutMs: IDLE } });
      const watcher = await RawClient.connect(ctx.url, keys[0]!, 'watcher', { keepEvents: true });
      const leaver = await RawClient.connect(ctx.url, keys[1]!, 'leaver', { keepEvents: true, autoPong });
      clients.push(watcher, leaver);
      await watcher.next((e) => e.type === 'join' && e.name === 'leaver');
      end(leaver);
      const ev = (await watcher.next((e) => e.type === 'leave' && e.name === 'leaver', 4 * IDLE)) as Extract<ServerEvent, { type: 'leave' }>;
      assert.equal(ev.reason, reason);
      watcher.close();
      leaver.terminate();
      await new Promise((r) => setTimeout(r, 100));
    });
  }
});

describe('close-codes tables', () => {
  it('leaveReasonFor: the server ended the member', () => {
    const table = [
      ['idle_timeout', 'idle timeout'],
      ['slow_consumer', 'slow consumer'],
      ['rate_limited', 'flooding'],
      ['protocol_error', 'protocol error'],
      ['internal_error', 'server error'],
      ['replaced', 'replaced'],
    ] as const;
    for (const [code, reason] of table) assert.equal(leaveReasonFor(code), reason, code);
  });

  it('leaveReasonForClose: the client side ended the connection', () => {
    const table: [number, string][] = [
      [1000, 'quit'],
      [1001, 'quit'],
      [1005, 'quit'],
      [1006, 'connection lost'],
      [1002, 'connection error'],
      [1009, 'connection error'],
    ];
    for (const [code, reason] of table) assert.equal(leaveReasonForClose(code), reason, String(code));
  });
});
