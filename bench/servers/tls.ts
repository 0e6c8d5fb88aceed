/**
 * The TLS baseline of the handshake benchmark: a Node `tls` server with a self-signed RSA-2048
 * certificate (made by the openssl command line into a temporary folder), which completes the
 * handshake and closes. The load generator never offers a saved session or ticket, so every
 * connection is a full handshake (TLS 1.3, ECDHE + an RSA-PSS signature by the server).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

/** A fresh self-signed RSA-2048 certificate and key (PEM), from `openssl req`. */
export function rsaCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts the TLS server on 127.0.0.1 (ephemeral port); each connection is ended once its handshake is done. */
export async function startTls(): Promise<{ address: AddressInfo; close: () => void }> {
  const server = tls.createServer(rsaCertificate(), (socket) => {
    socket.on('error', () => {});
    socket.end();
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { address: server.address() as AddressInfo, close: () => server.close() };
}
