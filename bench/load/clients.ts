/**
 * The load generator's clients, one per server kind, behind one small interface: connect, send
 * a room message, receive room messages. Every client decodes every WebSocket message it gets
 * and hands each room message in it to the receiver with its text and claimed SHA-256 (the
 * receiver checks it, the same way for every server). The Parley client speaks the real protocol
 * (ClientHandshake + Session on nodeCrypto) and decrypts and parses every frame; the ws-batched
 * and Parley clients unpack `batch` events (docs/PROTOCOL.md §Batches). Parley's room messages
 * are protocol 2's e2e_room: the opaque payload is the base64 of `{text, sha256, pad}` in JSON,
 * padded to the size of a real end-to-end message of that text (E2E_OVERHEAD, docs/E2E.md) —
 * the server relays payloads unread, so its cost is that of any bytes of that size; the E2E
 * layer's own cost is bench:e2e's.
 */
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import type { ServerEvent } from '../../src/chat/events.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { ClientHandshake, SUBPROTOCOL, type Session } from '../../src/protocol/index.js';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { unbatch } from '../../src/protocol/batch.js';

/** The servers under test. */
export type Kind = 'parley' | 'ws' | 'ws-batched' | 'sio';

/** What a client reports: each WebSocket message (frame) it received, and each room message in it. */
export interface Receiver {
  /** One WebSocket message (for Socket.IO: one packet) was received and decoded. */
  onFrame(): void;
  /** One room message: the sender's name, the text and the SHA-256 (hex) the sender claimed for it. */
  onMessage(from: string, text: string, sha256: string): void;
  /** The connection closed after it was ready (the server dropped it, or close() was called). */
  onClose?(): void;
  /** The server sent an `error` event after `ready` (e.g. rate_limited): its code. */
  onError?(code: string): void;
}

/** A Receiver that ignores everything (handshake loops). */
export const IGNORE: Receiver = { onFrame() {}, onMessage() {} };

interface MessageEvent {
  type: string;
  from: string;
  body: { text: string; sha256: string };
  events?: MessageEvent[];
}

/** One connected load-generator client. */
export interface BenchClient {
  readonly name: string;
  /** Sends a room message to `lobby`. */
  say(text: string, sha256: string): void;
  close(): void;
}

/**
 * Connects one client of `kind` to 127.0.0.1:`port`; resolves once it can chat (Parley: after
 * `ready`). `forwardedFor`: an X-Forwarded-For address this Parley client claims, as if it came
 * through a reverse proxy (the server must trust 127.0.0.1 as one: bench:cluster).
 */
export function connectClient(kind: Kind, port: number, name: string, key: RsaPrivateKey, rx: Receiver, forwardedFor?: string): Promise<BenchClient> {
  if (kind === 'parley') return connectParley(port, name, key, rx, forwardedFor);
  if (kind === 'sio') return connectSio(port, name, rx);
  return connectWs(port, name, rx);
}

const bufferBytes = (d: WebSocket.RawData): Uint8Array => {
  const b = Array.isArray(d) ? Buffer.concat(d) : Buffer.isBuffer(d) ? d : Buffer.from(d);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

/** Bytes a real end-to-end room message adds to its text's UTF-8 (bench:e2e, bench/results/e2e.json: 191). */
export const E2E_OVERHEAD = 191;

/** The stand-in payload of an e2e_room: `{text, sha256, pad}` in JSON, as long as a real E2E message of the text, in base64. */
function e2eSizedPayload(text: string, sha256: string): string {
  const bare = JSON.stringify({ text, sha256, pad: '' });
  const want = Buffer.byteLength(text, 'utf8') + E2E_OVERHEAD;
  return Buffer.from(JSON.stringify({ text, sha256, pad: 'x'.repeat(Math.max(0, want - Buffer.byteLength(bare))) }), 'utf8').toString('base64');
}

/** A Parley client: handshake, then every frame opened (decrypted, counter-checked, JSON-parsed). */
export function connectParley(port: number, name: string, key: RsaPrivateKey, rx: Receiver, forwardedFor?: string): Promise<BenchClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, SUBPROTOCOL, { perMessageDeflate: false, ...(forwardedFor !== undefined && { headers: { 'x-forwarded-for': forwardedFor } }) });
    let ready = false;
    const hs = new ClientHandshake({ identity: key, name, crypto: nodeCrypto });
    let session: Session | undefined;
    const client: BenchClient = {
      name,
      say: (text, sha256) => ws.send(session!.seal({ t: 'e2e_room', room: 'lobby', payload: e2eSizedPayload(text, sha256) })),
      close: () => ws.terminate(),
    };
    ws.on('open', () => ws.send(hs.hello()));
    ws.on('error', reject);
    ws.on('close', (code, reason) => {
      if (ready) rx.onClose?.();
      reject(new Error(`${name}: closed ${code} ${reason.toString()}`));
    });
    ws.on('message', (data) => {
      try {
        const bytes = bufferBytes(data);
        if (!session) {
          const r = hs.onServerHello(bytes);
          ws.send(r.finish);
          session = r.session;
          return;
        }
        rx.onFrame();
        for (const ev of unbatch(session.open(bytes) as ServerEvent)) {
          if (ev.type === 'e2e_room') {
            const m = JSON.parse(Buffer.from(ev.payload, 'base64').toString('utf8')) as { text: string; sha256: string };
            rx.onMessage(ev.from, m.text, m.sha256);
          } else if (ev.type === 'ready') {
            ready = true;
            resolve(client);
          } else if (ev.type === 'error') {
            if (ready) rx.onError?.(ev.code);
            reject(new Error(`${name}: ${ev.code}: ${ev.message}`));
          }
        }
      } catch (e) {
        reject(e);
        ws.terminate();
      }
    });
  });
}

/**
 * A plain WebSocket client of the ws and ws-batched broadcast servers: JSON text in, JSON text
 * out; a `batch` event's events are taken one by one.
 */
function connectWs(port: number, name: string, rx: Receiver): Promise<BenchClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/?name=${encodeURIComponent(name)}`, { perMessageDeflate: false });
    ws.on('open', () =>
      resolve({
        name,
        say: (text, sha256) => ws.send(JSON.stringify({ t: 'say', room: 'lobby', body: { text, sha256 } })),
        close: () => ws.terminate(),
      }),
    );
    ws.on('error', reject);
    ws.on('message', (data) => {
      const ev = JSON.parse(data.toString()) as MessageEvent;
      rx.onFrame();
      if (ev.type === 'message') rx.onMessage(ev.from, ev.body.text, ev.body.sha256);
      else if (ev.type === 'batch') for (const e of ev.events!) if (e.type === 'message') rx.onMessage(e.from, e.body.text, e.body.sha256);
    });
  });
}

/** A Socket.IO client (WebSocket transport only, no reconnection). */
function connectSio(port: number, name: string, rx: Receiver): Promise<BenchClient> {
  return new Promise((resolve, reject) => {
    const s = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], auth: { name }, reconnection: false, forceNew: true });
    s.on('connect', () =>
      resolve({
        name,
        say: (text, sha256) => void s.emit('say', { room: 'lobby', body: { text, sha256 } }),
        close: () => void s.disconnect(),
      }),
    );
    s.on('connect_error', reject);
    s.on('disconnect', () => rx.onClose?.());
    s.on('message', (ev: MessageEvent) => {
      rx.onFrame();
      rx.onMessage(ev.from, ev.body.text, ev.body.sha256);
    });
  });
}
