/**
 * Serves the browser client (dist/web, built by scripts/build-web.mjs) on the Parley server's
 * HTTP port: GET and HEAD of a fixed set of static files, with a strict Content-Security-Policy
 * and the other security headers on every response. Nothing is generated from the request:
 * the page derives its WebSocket URL from `location` itself.
 */
import { promises as fs } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Options of createWebHandler. */
export interface WebHandlerOptions {
  /** Folder of the built web client; default dist/web next to this compiled file. */
  root?: string;
}

/**
 * The page's Content-Security-Policy (CSP Level 3): scripts, workers, styles and connections
 * only from the page's own origin (WebSocket to the same host and port included), no inline
 * script or style, no plugins, no framing, no forms, no <base>. 'wasm-unsafe-eval' lets the
 * page compile the RSA engine's WebAssembly module (src/rsa/engine.ts); it allows no eval().
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Headers sent with every response of the web handler. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/** Content types by file extension; a file with another extension is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Request paths: `/`, or segments of letters, digits, `_`, `-` and single dots (no `..`, no dotfiles). */
const SAFE_PATH_RE = /^(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$/;

function defaultRoot(): string {
  // compiled to dist/src/server/web.js; the client is built into dist/web
  return fileURLToPath(new URL('../../web/', import.meta.url));
}

/**
 * Maps a request URL to a file path under `root`, or undefined when it is not a file we serve:
 * a malformed or encoded path, `..` or a dotfile, or an unknown extension. Never throws.
 */
export function resolveWebPath(root: string, url: string | undefined): string | undefined {
  // only origin-form targets (RFC 9112 §3.2.1), checked raw: URL parsing would quietly remove `..`
  let pathname = (url ?? '/').split(/[?#]/, 1)[0]!;
  if (pathname === '/') pathname = '/index.html';
  // percent-encoding and backslashes are refused outright: no file of the client needs them, and
  // decoding is where traversal hides
  if (!SAFE_PATH_RE.test(pathname) || pathname.includes('..')) return undefined;
  if (!(path.extname(pathname) in CONTENT_TYPES)) return undefined;
  const base = path.resolve(root);
  const full = path.resolve(base, `.${pathname}`);
  if (full !== base && !full.startsWith(base + path.sep)) return undefined;
  return full;
}

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer, head: boolean): void {
  const data = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-length': String(data.length), ...headers });
  res.end(head ? undefined : data);
}

/**
 * Returns an http.RequestListener that serves the built browser client from `opts.root`
 * (default dist/web): GET and HEAD only (405 otherwise), `/` is index.html, unknown or unsafe
 * paths are 404. Every response carries SECURITY_HEADERS; files are sent with `no-cache`, so a
 * browser always revalidates and picks up a new build. The listener never throws.
 */
export function createWebHandler(opts: WebHandlerOptions = {}): http.RequestListener {
  const root = opts.root ?? defaultRoot();
  return (req, res) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      send(res, 405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }, 'method not allowed\n', false);
      return;
    }
    const file = resolveWebPath(root, req.url);
    const notFound = () => send(res, 404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, 'not found\n', head);
    if (file === undefined) return notFound();
    fs.stat(file)
      .then(async (st) => {
        if (!st.isFile()) return notFound();
        const data = await fs.readFile(file);
        send(res, 200, { 'content-type': CONTENT_TYPES[path.extname(file)]!, 'cache-control': 'no-cache' }, data, head);
      })
      .catch(() => {
        if (!res.headersSent) notFound();
        else res.destroy();
      });
  };
}
