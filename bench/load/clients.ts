/**
 * The load generator's clients, one per server kind, behind one small interface: connect, send
 * a room message, receive room messages. The Parley client speaks the real protocol
 * (ClientHandshake + Session on nodeCrypto) and decrypts and parses every frame it receives. Its
 * room messages are protocol 2's e2e_room with the text's UTF-8 in base64 as the opaque payload
 * (no E2E layer: the server relays payloads unread, so its cost is the same for any bytes of
 * that size).
 */
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import type { ServerEvent } from '../../src/chat/events.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { ClientHandshake, SUBPROTOCOL, type Session } from '../../src/protocol/index.js';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { unbatch } from '../../src/protocol/batch.js';

/** The servers under test. */
export type Kind = 'parley' | 'ws' | 'sio';

/** Called for every room message a client receives: the sender's name and the text. */
export type OnMessage = (from: string, text: string) => void;

/** One connected load-generator client. */
export interface BenchClient {
  readonly name: string;
  /** Sends a room message to `lobby`. */
  say(text: string, sha256: string): void;
  close(): void;
}

/** Connects one client of `kind` to 127.0.0.1:`port`; resolves once it can chat (Parley: after `ready`). */
export function connectClient(kind: Kind, port: number, name: string, key: RsaPrivateKey, onMessage: OnMessage): Promise<BenchClient> {
  if (kind === 'parley') return connectParley(port, name, key, onMessage);
  if (kind === 'ws') return connectWs(port, name, onMessage);
  return connectSio(port, name, onMessage);
}

const bufferBytes = (d: WebSocket.RawData): Uint8Array => {
  const b = Array.isArray(d) ? Buffer.concat(d) : Buffer.isBuffer(d) ? d : Buffer.from(d);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

/** A Parley client: handshake, then every frame opened (decrypted, counter-checked, JSON-parsed). */
export function connectParley(port: number, name: string, key: RsaPrivateKey, onMessage: OnMessage): Promise<BenchClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, SUBPROTOCOL, { perMessageDeflate: false });
    const hs = new ClientHandshake({ identity: key, name, crypto: nodeCrypto });
    let session: Session | undefined;
    const client: BenchClient = {
      name,
      say: (text) => ws.send(session!.seal({ t: 'e2e_room', room: 'lobby', payload: Buffer.from(text, 'utf8').toString('base64') })),
      close: () => ws.terminate(),
    };
    ws.on('open', () => ws.send(hs.hello()));
    ws.on('error', reject);
    ws.on('close', (code, reason) => reject(new Error(`${name}: closed ${code} ${reason.toString()}`)));
    ws.on('message', (data) => {
      try {
        const bytes = bufferBytes(data);
        if (!session) {
          const r = hs.onServerHello(bytes);
          ws.send(r.finish);
          session = r.session;
          return;
        }
        for (const ev of unbatch(session.open(bytes) as ServerEvent)) {
          if (ev.type === 'e2e_room') onMessage(ev.from, Buffer.from(ev.payload, 'base64').toString('utf8'));
          else if (ev.type === 'ready') resolve(client);
          else if (ev.type === 'error') reject(new Error(`${name}: ${ev.code}: ${ev.message}`));
        }
      } catch (e) {
        reject(e);
        ws.terminate();
      }
    });
  });
}

/** A plain WebSocket client of the ws broadcast server: JSON text in, JSON text out. */
function connectWs(port: number, name: string, onMessage: OnMessage): Promise<BenchClient> {
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
      const ev = JSON.parse(data.toString()) as { type: string; from: string; body: { text: string } };
      if (ev.type === 'message') onMessage(ev.from, ev.body.text);
    });
  });
}

/** A Socket.IO client (WebSocket transport only, no reconnection). */
function connectSio(port: number, name: string, onMessage: OnMessage): Promise<BenchClient> {
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
    s.on('message', (ev: { from: string; body: { text: string } }) => onMessage(ev.from, ev.body.text));
  });
}
