/**
 * Why a connection attempt failed, in words, and whether waiting can help — for every mode of
 * the terminal client (status line, screen, --json) and any other front end.
 *
 * What can heal by waiting is retried with backoff, the reason and advice shown: connection
 * refused (the server is down, or the port is wrong), an unknown host (DNS), no route, a
 * timeout, a cut connection, an HTTP refusal (429/503: the server's Retry-After is honoured).
 * What cannot is fatal: a TLS certificate the client refuses (`tls_untrusted`), the wrong scheme
 * (`wrong_scheme`: wss:// to a plain server, ws:// to a TLS server). Both are the client's own
 * decision from its TLS stack, like a changed pinned key; nothing the server *says* (a plaintext
 * Error, an invalid ServerHello — see connection.ts) is ever fatal.
 */
import type { SocketFailure } from './socket.js';

/** The fatal codes a transport failure can give (besides connection.ts's `bad_url`). */
export type TransportFatalCode = 'tls_untrusted' | 'wrong_scheme';

/** A failed attempt, described. */
export interface ConnectFailure {
  /** A few words for a status line: "connection refused", "unknown host" … */
  brief: string;
  /** The whole reason, with what to do: for status events, --json and the screen. */
  reason: string;
  /** Set when waiting cannot help: the client stops for good with this code, message and hint. */
  fatal?: { code: TransportFatalCode; message: string; hint: string };
  /** The server asked to wait this long before trying again (Retry-After). */
  retryAfterMs?: number;
}

/** The host and port of `url` ("example.org:443"; the scheme's default port written out), or `url` itself. */
export function hostPort(url: string): { host: string; hostPort: string } {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'wss:' || u.protocol === 'https:' ? '443' : '80');
    return { host: u.hostname, hostPort: `${u.hostname}:${port}` };
  } catch {
    return { host: url, hostPort: url };
  }
}

/** `url` with its scheme replaced by `scheme` ("ws" or "wss"). */
function withScheme(url: string, scheme: 'ws' | 'wss'): string {
  return url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:/, `${scheme}:`);
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

/**
 * Describes a failed attempt to reach `url`: `message` is the transport's error text, `failure`
 * what it could tell about it (undefined: nothing, as in a browser). Throws nothing.
 */
export function describeFailure(url: string, message: string, failure?: SocketFailure): ConnectFailure {
  const { host, hostPort: hp } = hostPort(url);
  const code = failure?.code ? ` (${failure.code})` : '';
  switch (failure?.kind) {
    case 'refused':
      return { brief: 'connection refused', reason: `${hp} refused the connection${code}: is the server running? is the port right?` };
    case 'dns':
      return { brief: 'unknown host', reason: `cannot find the host ${host}${code}: check its spelling in the server address, and your network` };
    case 'unreachable':
      return { brief: 'host unreachable', reason: `cannot reach ${hp}${code}: check your network connection and the address` };
    case 'timeout':
      return { brief: 'no answer', reason: `${hp} did not answer in time: check the address, your network and any firewall on the way` };
    case 'reset':
      return { brief: 'connection cut', reason: `${hp} closed the connection before the WebSocket opened (${message}): is it a Parley server, and is the port right?` };
    case 'http_status':
      return httpRefusal(hp, failure.httpStatus ?? 0, failure.retryAfterMs);
    case 'tls_untrusted':
      return fatal(untrusted(host, hp, message, failure.code));
    case 'not_tls':
      return fatal({
        code: 'wrong_scheme',
        message: `${hp} does not speak TLS: it answered the wss:// connection in plain text`,
        hint: `connect with ${withScheme(url, 'ws')} (the Parley handshake is encrypted either way), or run the server with a certificate (--tls-cert, --tls-key)`,
      });
    case 'tls_required':
      return fatal({
        code: 'wrong_scheme',
        message: `${hp} speaks TLS: a ws:// connection cannot reach it`,
        hint: `connect with ${withScheme(url, 'wss')} (and --ca FILE if its certificate is self-signed)`,
      });
    case 'tls':
      return { brief: 'TLS failed', reason: `the TLS handshake with ${hp} failed: ${message}` };
    default:
      return { brief: 'cannot connect', reason: message || `cannot connect to ${hp}` };
  }
}

function fatal(f: NonNullable<ConnectFailure['fatal']>): ConnectFailure {
  return { brief: f.code === 'tls_untrusted' ? 'certificate refused' : 'wrong scheme', reason: `${f.message}; ${f.hint}`, fatal: f };
}

function httpRefusal(hp: string, status: number, retryAfterMs: number | undefined): ConnectFailure {
  const wait = retryAfterMs !== undefined ? `; it asks to wait ${seconds(retryAfterMs)}` : '';
  const base = { ...(retryAfterMs !== undefined && { retryAfterMs }) };
  if (status === 429)
    return { ...base, brief: 'refused for now (HTTP 429)', reason: `${hp} refused the connection for now (HTTP 429: too many connections or handshakes from your address)${wait}` };
  if (status === 503) return { ...base, brief: 'server busy (HTTP 503)', reason: `${hp} is full or busy (HTTP 503)${wait}` };
  return {
    ...base,
    brief: `HTTP ${status}`,
    reason: `${hp} answered HTTP ${status} instead of opening a WebSocket: is it a Parley server, and is the path of the address right?`,
  };
}

function untrusted(host: string, hp: string, message: string, code: string | undefined): NonNullable<ConnectFailure['fatal']> {
  const which = `the TLS certificate of ${hp}`;
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return { code: 'tls_untrusted', message: `${which} has expired (${code})`, hint: "its operator must renew it: parley does not connect to a server whose certificate it refuses" };
    case 'CERT_NOT_YET_VALID':
      return { code: 'tls_untrusted', message: `${which} is not valid yet (${code})`, hint: "check this computer's clock, or tell the server's operator" };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return {
        code: 'tls_untrusted',
        message: `${which} is not for the name ${host} (${message})`,
        hint: `connect with a host name the certificate names, or ask the operator for a certificate that names ${host}`,
      };
    default:
      return {
        code: 'tls_untrusted',
        message: `${which} is not trusted: ${message}${code ? ` (${code})` : ''}`,
        hint: 'if it is your server, or a test server with a self-signed certificate, trust the certificate that signed it with --ca FILE (PEM)',
      };
  }
}
