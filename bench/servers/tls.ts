/**
 * The TLS baselines of the handshake benchmark, with RSA-2048 certificates made by the openssl
 * command line in a temporary folder. `tls`: a Node `tls` server that authenticates itself only
 * (what HTTPS does). `mtls`: a WebSocket server over TLS (wss) that also asks for and verifies a
 * client certificate — mutual authentication, the like-for-like peer of Parley's handshake, in
 * which both sides prove their RSA key — and sends one short message once the WebSocket is open,
 * as Parley's server sends `ready`. The load generator never offers a saved session or ticket,
 * so every connection is a full handshake (TLS 1.3: ECDHE and RSA-PSS signatures).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { WebSocketServer } from 'ws';

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

/** The files makePki() writes, by name. */
export const PKI_FILES = ['ca.pem', 'server.key', 'server.pem', 'client.key', 'client.pem'] as const;

/**
 * Makes a small PKI in a new temporary folder with `openssl`: a CA (RSA-2048, self-signed), a
 * server certificate for 127.0.0.1/localhost and a client certificate, both RSA-2048 signed by
 * the CA. Returns the folder (the caller removes it). Throws if openssl fails.
 */
export function makePki(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-pki-'));
  const f = (n: string) => path.join(dir, n);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=bench CA', '-days', '1', '-keyout', f('ca.key'), '-out', f('ca.pem')]);
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=bench ${who}`, '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`)]);
    run(['x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', f(`${who}.ext`), '-out', f(`${who}.pem`)]);
  }
  return dir;
}

/** Reads makePki()'s files from `dir`. */
export function readPki(dir: string): Record<(typeof PKI_FILES)[number], string> {
  return Object.fromEntries(PKI_FILES.map((n) => [n, readFileSync(path.join(dir, n), 'utf8')])) as Record<(typeof PKI_FILES)[number], string>;
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

/**
 * Starts the mutual-TLS WebSocket server (wss) on 127.0.0.1 with the PKI in `dir`: a client
 * without a certificate signed by the CA is refused in the TLS handshake; an accepted one gets
 * one message, `ready`, and the client closes.
 */
export async function startMutualTls(dir: string): Promise<{ address: AddressInfo; close: () => void }> {
  const p = readPki(dir);
  const server = https.createServer({ key: p['server.key'], cert: p['server.pem'], ca: p['ca.pem'], requestCert: true, rejectUnauthorized: true });
  server.on('tlsClientError', () => {});
  const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.send('{"type":"ready"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { address: server.address() as AddressInfo, close: () => server.close() };
}
