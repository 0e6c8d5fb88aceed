/**
 * A real server on an ephemeral port with in-process clients, for integration tests.
 * Keys come from node:crypto (fast) converted to Parley keys; every RSA operation of the
 * protocol still runs through src/rsa.
 */
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { once } from 'node:events';
import { ChatConnection, type PinDecision } from '../../src/client/connection.js';
import { wsSocketFactory } from '../../src/client/socket-ws.js';
import type { SocketFactory } from '../../src/client/socket.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import type { ChatEvent, OutgoingRequest } from '../../src/chat/events.js';
import { MemoryNameRegistry } from '../../src/chat/index.js';
import { ParleyServer, type ServerOptions } from '../../src/server/server.js';
import type { Logger } from '../../src/server/log.js';
import { base64ToBytes, os2ip, privateKeyFromComponents, type RsaPrivateKey } from '../../src/rsa/index.js';

/** A fresh 2048-bit key made by OpenSSL, as a Parley key. */
export function quickKey(): RsaPrivateKey {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const j = privateKey.export({ format: 'jwk' });
  const b = (s?: string) => os2ip(base64ToBytes(s!));
  return privateKeyFromComponents({ n: b(j.n), e: b(j.e), d: b(j.d), p: b(j.p), q: b(j.q) });
}

/** Log lines recorded by a test server. */
export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  info(m: string) {
    this.lines.push(m);
  }
  warn(m: string) {
    this.lines.push(`WARN ${m}`);
  }
  debug() {}
}

/** Starts a server on 127.0.0.1 with an ephemeral port. */
export async function startServer(opts: Partial<ServerOptions> = {}): Promise<{ server: ParleyServer; url: string; port: number; log: RecordingLogger; key: RsaPrivateKey }> {
  const log = new RecordingLogger();
  const key = opts.identity ?? quickKey();
  const server = new ParleyServer({ identity: key, names: new MemoryNameRegistry(), host: '127.0.0.1', port: 0, log, ...opts });
  live.add(server);
  const addr = await server.listen();
  return { server, url: `ws://127.0.0.1:${addr.port}`, port: addr.port, log, key };
}

/** An opaque end-to-end payload standing for `text`: its UTF-8 in base64, which the server relays unread. */
export function payloadOf(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The text an e2e_room or e2e_to event's payload stands for (see payloadOf); undefined for any other event. */
export function textOf(e: ChatEvent): string | undefined {
  return e.type === 'e2e_room' || e.type === 'e2e_to' ? Buffer.from(e.payload, 'base64').toString('utf8') : undefined;
}

/** An in-process client that records every event it receives. */
export class TestClient {
  readonly events: ChatEvent[] = [];
  readonly fatal: { code: string; message: string }[] = [];
  readonly conn: ChatConnection;
  constructor(url: string, readonly name: string, readonly key: RsaPrivateKey = quickKey(), verify: (fp: string) => PinDecision = () => ({ ok: true }), reconnect = false, socket: SocketFactory = wsSocketFactory()) {
    this.conn = new ChatConnection({ url, identity: key, name, crypto: nodeCrypto, socket, verifyServer: verify, reconnect, minReconnectMs: 100 });
    live.add(this);
    this.conn.on('event', (e: ChatEvent) => this.events.push(e));
    this.conn.on('fatal', (f: { code: string; message: string }) => this.fatal.push(f));
  }
  /** Connects and waits for `ready`. */
  async connect(): Promise<this> {
    const ready = this.next((e) => e.type === 'ready');
    this.conn.start();
    await ready;
    return this;
  }
  send(req: OutgoingRequest): void {
    this.conn.send(req);
  }
  /** Sends an e2e_room whose payload stands for `text` (payloadOf). */
  sendRoom(room: string, text: string): void {
    this.conn.send({ t: 'e2e_room', room, payload: payloadOf(text) });
  }
  /** Resolves with the first e2e_room or e2e_to whose payload stands for `text`. */
  nextText(text: string, timeoutMs = 5000): Promise<ChatEvent> {
    return this.next((e) => textOf(e) === text, timeoutMs);
  }
  /** Resolves with the first event (already received or future) matching `pred`. */
  next(pred: (e: ChatEvent) => boolean, timeoutMs = 5000): Promise<ChatEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.conn.off('event', on);
        reject(new Error(`${this.name}: no matching event within ${timeoutMs} ms; got ${JSON.stringify(this.events.slice(-5))}`));
      }, timeoutMs);
      const on = (e: ChatEvent) => {
        if (pred(e)) {
          clearTimeout(t);
          this.conn.off('event', on);
          resolve(e);
        }
      };
      this.conn.on('event', on);
    });
  }
  close(): void {
    live.delete(this);
    this.conn.close();
  }
}

/** Servers and clients started by this file's tests, closed by closeAll. */
const live = new Set<TestClient | ParleyServer>();

/**
 * Closes every server and client still open. Each integration test file runs it after its tests
 * (`after(closeAll)`; names.test.ts after each test, `afterEach(closeAll)`), so a failed
 * assertion never leaves a socket that keeps the test process — and CI — waiting.
 */
export async function closeAll(): Promise<void> {
  const all = [...live];
  live.clear();
  for (const x of all) if (x instanceof TestClient) x.conn.close();
  await Promise.allSettled(all.filter((x): x is ParleyServer => x instanceof ParleyServer).map((s) => s.close()));
}

/** A temporary folder removed by the returned cleanup. */
export function tempDir(prefix = 'parley-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { once };

/** A port nothing listens on (bound, then closed). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
