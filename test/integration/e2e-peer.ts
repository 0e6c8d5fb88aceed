/**
 * An in-process client with the end-to-end layer (src/client/e2e-client.ts) on a real
 * connection, for integration tests: it records what the layer shows (decrypted messages,
 * notices, the server's other events) and sends say / dm through it.
 */
import { ChatConnection } from '../../src/client/connection.js';
import { E2EClient, type E2EClientEvent } from '../../src/client/e2e-client.js';
import { bodyFor } from '../../src/client/input.js';
import { wsSocketFactory } from '../../src/client/socket-ws.js';
import { nodeE2ECrypto } from '../../src/e2e/crypto-node.js';
import type { PinStore } from '../../src/e2e/index.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { quickKey } from './harness.js';

const live = new Set<E2EPeer>();

/** A client with end-to-end encryption that records the layer's events. */
export class E2EPeer {
  readonly events: E2EClientEvent[] = [];
  readonly conn: ChatConnection;
  readonly e2e: E2EClient;
  constructor(url: string, readonly name: string, readonly key: RsaPrivateKey = quickKey(), pins?: PinStore) {
    this.conn = new ChatConnection({ url, identity: key, name, crypto: nodeCrypto, socket: wsSocketFactory(), verifyServer: () => ({ ok: true }), reconnect: false });
    this.e2e = new E2EClient({ connection: this.conn, crypto: nodeE2ECrypto, identity: key, ...(pins && { pins }) });
    this.e2e.on('event', (e) => this.events.push(e));
    live.add(this);
  }
  /** Connects and waits until our lobby's member list is known (the layer can send there). */
  async connect(): Promise<this> {
    this.conn.start();
    await this.next((e) => e.type === 'ready');
    return this;
  }
  say(room: string, text: string, action = false): void {
    this.e2e.send({ t: 'say', room, body: bodyFor(text, action) });
  }
  dm(to: string, text: string): void {
    this.e2e.send({ t: 'dm', to, body: bodyFor(text) });
  }
  /** Resolves with the first event (already received or future) matching `pred`. */
  next(pred: (e: E2EClientEvent) => boolean, timeoutMs = 8000): Promise<E2EClientEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.e2e.off('event', on);
        reject(new Error(`${this.name}: no matching event within ${timeoutMs} ms; got ${JSON.stringify(this.events.slice(-6))}`));
      }, timeoutMs);
      const on = (e: E2EClientEvent) => {
        if (!pred(e)) return;
        clearTimeout(t);
        this.e2e.off('event', on);
        resolve(e);
      };
      this.e2e.on('event', on);
    });
  }
  close(): void {
    live.delete(this);
    this.e2e.close();
    this.conn.close();
  }
}

/** Closes every E2EPeer still open (an after hook). */
export function closeE2EPeers(): void {
  for (const p of [...live]) p.close();
}
