/**
 * A raw WebSocket to a test server that records every binary message it receives, for tests that
 * speak the protocol by hand (attacks, versions, one connection seen on the wire), and a poll
 * that waits for a condition with a named timeout.
 */
import WebSocket from 'ws';
import { SUBPROTOCOL } from '../../src/protocol/index.js';
import { sleep } from './harness.js';

/** An open raw socket: what it has received so far, and its close once it comes. */
export type RawSocket = { ws: WebSocket; received: Uint8Array[]; closed: Promise<{ code: number; reason: string }> };

/** Opens a WebSocket offering `protocols` (Parley's by default); rejects if it does not open. */
export async function rawSocket(url: string, protocols: string | string[] = SUBPROTOCOL): Promise<RawSocket> {
  const ws = new WebSocket(url, protocols);
  const received: Uint8Array[] = [];
  ws.on('message', (d) => received.push(new Uint8Array(d as Buffer)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, received, closed };
}

/** Waits until `cond()` holds, polling every 10 ms; throws "timed out waiting for WHAT" after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
