/**
 * The legitimate users of the flood benchmark, from 127.0.0.1: a new client every `everyMs` that
 * connects (retrying refused upgrades as the real client does), is measured from the first
 * attempt to `ready`, and leaves; and two clients that stay connected and chat, each measuring
 * the round trip of its own messages (say → the room's echo back to it).
 */
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { RawClient } from '../../test/reliability/lib/raw-client.js';
import { payloadText, roomMessage } from '../../test/reliability/lib/swarm.js';

/** What the legitimate users saw in one measurement window. */
export interface LegitWindow {
  /** Handshake latencies (first attempt → `ready`) of the clients that got in, ms. */
  handshakeMs: number[];
  /** Attempts each of them needed. */
  attempts: number[];
  /** Clients that did not get in within the deadline. */
  failed: number;
  /** Round trips of the chatting clients' messages, ms. */
  rttMs: number[];
  /** Messages sent by the chatting clients that never came back in the window. */
  lost: number;
}

const LOCAL = '127.0.0.1';

/** Two connected clients chatting every `everyMs`; window() returns and resets what they measured. */
export class Chatters {
  private rtt: number[] = [];
  private sent = 0;
  private timer: NodeJS.Timeout | undefined;
  private constructor(private readonly clients: RawClient[]) {}

  static async start(url: string, keys: RsaPrivateKey[], everyMs: number): Promise<Chatters> {
    const c = new Chatters([]);
    for (let i = 0; i < 2; i++) {
      const name = `chat${i}`;
      const { client } = await RawClient.connectWithRetry(url, keys[i]!, name, {
        localAddress: LOCAL,
        onEvent: (e) => {
          if (e.type === 'e2e_room' && e.from === name) c.rtt.push(performance.now() - Number(payloadText(e)!.split(' ')[1]));
        },
      });
      c.clients.push(client);
    }
    c.timer = setInterval(() => {
      for (const cl of c.clients) {
        const text = `rtt ${performance.now()} ${'x'.repeat(60)}`;
        cl.send(roomMessage('lobby', text));
        c.sent++;
      }
    }, everyMs);
    return c;
  }

  /** The round trips since the last call, and how many sent messages are unaccounted for. */
  window(): { rttMs: number[]; sent: number } {
    const r = { rttMs: this.rtt, sent: this.sent };
    this.rtt = [];
    this.sent = 0;
    return r;
  }

  get open(): boolean {
    return this.clients.every((c) => c.isOpen);
  }

  stop(): void {
    clearInterval(this.timer);
    for (const c of this.clients) c.terminate();
  }
}

/**
 * New clients, one every `everyMs` (each waits for the previous), for `durationMs`; each gives up
 * after `deadlineMs`. Keys and names rotate over `keys` (the same key reconnecting with its name).
 */
export async function handshakeLoop(url: string, keys: RsaPrivateKey[], everyMs: number, durationMs: number, deadlineMs: number): Promise<Pick<LegitWindow, 'handshakeMs' | 'attempts' | 'failed'>> {
  const out = { handshakeMs: [] as number[], attempts: [] as number[], failed: 0 };
  const end = performance.now() + durationMs;
  for (let i = 0; performance.now() < end; i++) {
    const t0 = performance.now();
    try {
      const { client, attempts } = await RawClient.connectWithRetry(url, keys[i % keys.length]!, `new${i % keys.length}`, { localAddress: LOCAL, deadlineMs, timeoutMs: deadlineMs });
      out.handshakeMs.push(performance.now() - t0);
      out.attempts.push(attempts);
      client.terminate();
    } catch {
      out.failed++;
    }
    const wait = everyMs - (performance.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return out;
}
