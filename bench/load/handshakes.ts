/**
 * Handshake loops for the handshake benchmark: `concurrency` connections at a time, each one a
 * full handshake followed by a close, for a fixed time. A Parley handshake counts once the
 * server's `ready` frame has been opened (key confirmation in both directions); a TLS one at
 * `secureConnect` (no session is ever resumed).
 */
import tls from 'node:tls';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { connectParley } from './clients.js';

let serial = 0;

function tlsOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      s.destroy();
      resolve();
    });
    s.on('error', reject);
  });
}

async function parleyOnce(port: number, key: RsaPrivateKey): Promise<void> {
  const c = await connectParley(port, `h${(++serial).toString(36)}`, key, () => {});
  c.close();
}

/** Runs handshakes against `port` for `durationMs`; returns how many completed and this process's CPU time. */
export async function runHandshakes(kind: 'parley' | 'tls', port: number, key: RsaPrivateKey, concurrency: number, durationMs: number) {
  const end = performance.now() + durationMs;
  let completed = 0;
  let failed = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const loop = async () => {
    while (performance.now() < end) {
      try {
        await (kind === 'tls' ? tlsOnce(port) : parleyOnce(port, key));
        if (performance.now() <= end) completed++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const c = process.cpuUsage(c0);
  return { completed, failed, seconds: (Math.min(performance.now(), end) - t0) / 1000, cpuMicros: c.user + c.system };
}
