/**
 * The SocketFactory of the terminal client and tests: the `ws` package, with an optional CA for
 * wss://. It tells ChatConnection why a connection failed (a SocketFailure, from Node's error
 * codes), reads a refused upgrade's HTTP status and Retry-After, and — when a ws:// connection
 * is cut before any HTTP answer — checks with one TLS handshake whether the server speaks TLS
 * (then the URL should be wss://).
 */
import tls from 'node:tls';
import WebSocket, { type RawData } from 'ws';
import type { ClientSocket, SocketFactory, SocketFailure } from './socket.js';

/** How long the TLS probe of a ws:// server that cut the connection may take, at most. */
export const TLS_PROBE_TIMEOUT_MS = 3000;

/** Certificate verification errors of Node's TLS (OpenSSL's X509_V_ERR_* names, and the host name check). */
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** What OpenSSL says when the "TLS server" answered in plain text (an HTTP server, say). */
const PLAIN_ANSWER = /wrong version number|packet length too long|unknown protocol|record layer failure/i;

/**
 * The SocketFailure for an error of `ws` or Node's net/tls/http on a connection to `url`.
 * Throws nothing.
 */
export function classifyError(err: Error & { code?: string; reason?: string }, url: string): SocketFailure {
  const code = typeof err.code === 'string' ? err.code : undefined;
  const withCode = (kind: SocketFailure['kind']): SocketFailure => (code ? { kind, code } : { kind });
  if (code && UNTRUSTED.has(code)) return withCode('tls_untrusted');
  const secure = /^wss:/i.test(url);
  if (secure && (PLAIN_ANSWER.test(err.message) || PLAIN_ANSWER.test(err.reason ?? '') || code === 'ERR_SSL_WRONG_VERSION_NUMBER')) return withCode('not_tls');
  switch (code) {
    case 'ECONNREFUSED':
      return withCode('refused');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return withCode('dns');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
    case 'EHOSTDOWN':
    case 'EADDRNOTAVAIL':
      return withCode('unreachable');
    case 'ETIMEDOUT':
      return withCode('timeout');
    case 'ECONNRESET':
    case 'EPIPE':
      return withCode('reset');
  }
  if (err.message === 'Opening handshake has timed out') return { kind: 'timeout' };
  if (code?.startsWith('ERR_SSL_') || code === 'EPROTO' || code?.startsWith('ERR_TLS_')) return withCode('tls');
  return withCode('other');
}

/** Milliseconds from a Retry-After header (RFC 9110 §10.2.3: seconds, or an HTTP date); undefined if absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined) return undefined;
  const t = v.trim();
  if (/^\d{1,9}$/.test(t)) return Number(t) * 1000;
  if (!/^[A-Za-z]{3}, /.test(t)) return undefined; // an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") or nothing
  const at = Date.parse(t);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Resolves true when a TLS handshake with `url`'s host and port succeeds (certificate not checked: only "does it speak TLS?"). */
function speaksTls(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return resolve(false);
    }
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const isIp = /^[\d.]+$|:/.test(host);
    // rejectUnauthorized false: this only asks whether the server speaks TLS; nothing is sent over it
    const s = tls.connect({ host, port: Number(u.port || 80), rejectUnauthorized: false, ...(!isIp && { servername: host }) });
    const done = (yes: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(yes);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('secureConnect', () => done(true));
    s.once('error', () => done(false));
    s.once('close', () => done(false));
  });
}

/**
 * Returns a SocketFactory over `ws`. `ca` adds trusted certificates (PEM) for a wss:// server with
 * a self-signed certificate. The factory throws only for a malformed URL (as `ws` does).
 */
export function wsSocketFactory(opts: { ca?: string | Buffer } = {}): SocketFactory {
  return (url, h, s) => {
    const ws = new WebSocket(url, s.subprotocol, {
      maxPayload: s.maxFrameBytes,
      perMessageDeflate: false,
      handshakeTimeout: s.connectTimeoutMs,
      ...(opts.ca !== undefined && { ca: opts.ca }),
    });
    let refusal: SocketFailure | undefined;
    // a ws:// connection cut before any answer: ask whether the server speaks TLS before reporting
    let probe: Promise<SocketFailure | undefined> | undefined;
    let error: { message: string; failure: SocketFailure } | undefined;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      h.onOpen();
    });
    ws.on('message', (data: RawData, isBinary: boolean) => h.onMessage(toBytes(data), isBinary));
    ws.on('unexpected-response', (_req, res) => {
      // the server refused the upgrade with an HTTP status (429, 503 …): keep it, and its Retry-After
      const after = retryAfterMs(res.headers['retry-after']);
      refusal = { kind: 'http_status', httpStatus: res.statusCode ?? 0, ...(after !== undefined && { retryAfterMs: after }) };
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err: Error & { code?: string }) => {
      if (refusal) {
        error = { message: `the server refused the WebSocket upgrade (HTTP ${refusal.httpStatus})`, failure: refusal };
        return;
      }
      const failure = classifyError(err, url);
      error = { message: err.message, failure };
      if (!opened && failure.kind === 'reset' && /^ws:/i.test(url)) {
        probe = speaksTls(url, Math.min(TLS_PROBE_TIMEOUT_MS, s.connectTimeoutMs)).then((yes) => (yes ? { kind: 'tls_required' } : undefined));
      }
    });
    ws.on('close', (code, reason) => {
      const report = (): void => {
        if (error) h.onError(error.message, error.failure);
        h.onClose(code, reason.toString());
      };
      if (!probe) return report();
      void probe.then((found) => {
        if (found && error) error.failure = found;
        report();
      });
    });
    const socket: ClientSocket = {
      send: (data) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(data);
      },
      close: (code, reason) => ws.close(code, reason),
      terminate: () => ws.terminate(),
      get isOpen() {
        return ws.readyState === WebSocket.OPEN;
      },
    };
    return socket;
  };
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
