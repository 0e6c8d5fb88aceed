/**
 * Handshake loops for the handshake benchmark: `concurrency` connections at a time, each one a
 * full handshake followed by a close, for a fixed time. A Parley handshake counts once the
 * server's `ready` frame has been opened (key confirmation in both directions); a one-way TLS one
 * at `secureConnect`; a mutual-TLS WebSocket one (wss with a client certificate, see
 * servers/tls.ts) once the server's first message has arrived. No TLS session is ever resumed.
 */
import tls from 'node:tls';
import WebSocket from 'ws';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { readPki } from '../servers/tls.js';
import { connectParley, IGNORE } from './clients.js';

/** The handshakes the benchmark compares. */
export type HandshakeKind = 'parley' | 'tls' | 'mtls';

let serial = 0;
let resumed = 0;

function tlsOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      if (s.isSessionReused()) resumed++;
      s.destroy();
      resolve();
    });
    s.on('error', reject);
  });
}

/** One wss connection with the client certificate, verifying the server's certificate against the CA. */
function mtlsOnce(port: number, pki: ReturnType<typeof readPki>): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/`, { ca: pki['ca.pem'], cert: pki['client.pem'], key: pki['client.key'], perMessageDeflate: false });
    ws.on('message', () => {
      const s = (ws as unknown as { _socket?: tls.TLSSocket })._socket;
      if (s?.isSessionReused()) resumed++;
      ws.terminate();
      resolve();
    });
    ws.on('error', reject);
    ws.on('close', () => reject(new Error('closed before the first message')));
  });
}

async function parleyOnce(port: number, key: RsaPrivateKey): Promise<void> {
  const c = await connectParley(port, `h${(++serial).toString(36)}`, key, IGNORE);
  c.close();
}

/**
 * Runs handshakes against `port` for `durationMs`; returns how many completed (and failed, and
 * were resumed TLS sessions — must be 0) and this process's CPU time. `pki`: the folder of
 * servers/tls.ts makePki(), for mtls.
 */
export async function runHandshakes(kind: HandshakeKind, port: number, key: RsaPrivateKey, concurrency: number, durationMs: number, pki?: string) {
  const certs = kind === 'mtls' ? readPki(pki!) : undefined;
  const end = performance.now() + durationMs;
  let completed = 0;
  let failed = 0;
  resumed = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const once = () => (kind === 'tls' ? tlsOnce(port) : kind === 'mtls' ? mtlsOnce(port, certs!) : parleyOnce(port, key));
  const loop = async () => {
    while (performance.now() < end) {
      try {
        await once();
        if (performance.now() <= end) completed++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const c = process.cpuUsage(c0);
  return { completed, failed, resumed, seconds: (Math.min(performance.now(), end) - t0) / 1000, cpuMicros: c.user + c.system };
}
