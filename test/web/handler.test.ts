/** createWebHandler: the files, the security headers, and what it refuses. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { CONTENT_SECURITY_POLICY, createWebHandler, resolveWebPath } from '../../src/server/web.js';

/** Sends a raw request line (so that `..` and odd paths reach the server unnormalised). */
function raw(port: number, requestLine: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`${requestLine}\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let data = '';
    s.on('data', (d) => (data += d.toString('latin1')));
    s.on('end', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body });
    });
    s.on('error', reject);
  });
}

describe('createWebHandler', () => {
  let dir: string;
  let server: http.Server;
  let port: number;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'parley-web-'));
    const root = path.join(dir, 'web');
    mkdirSync(path.join(root, 'sub'), { recursive: true });
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(path.join(root, 'app.js'), 'console.log(1)');
    writeFileSync(path.join(root, 'style.css'), 'body{}');
    writeFileSync(path.join(root, '.secret.js'), 'no');
    writeFileSync(path.join(root, 'notes.md'), 'unknown type');
    writeFileSync(path.join(dir, 'outside.js'), 'outside the root');
    server = http.createServer(createWebHandler({ root }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (p: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${port}${p}`, init);

  it('serves / as index.html with the security headers and no-cache', async () => {
    const r = await get('/');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(r.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(r.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(r.headers.get('cache-control'), 'no-cache');
    assert.equal(await r.text(), '<!doctype html><title>t</title>');
  });

  it('serves scripts and styles with their content types', async () => {
    const js = await get('/app.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const css = await get('/style.css');
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal(await css.text(), 'body{}');
  });

  it('HEAD: headers and length without a body', async () => {
    const r = await get('/app.js', { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-length'), '14');
    assert.equal(await r.text(), '');
  });

  it('other methods → 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const r = await get('/', { method });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.get('allow'), 'GET, HEAD');
      assert.equal(r.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    }
  });

  it('unknown files, folders, dotfiles and unknown types → 404 (with the headers)', async () => {
    for (const p of ['/nope.js', '/sub', '/sub/', '/.secret.js', '/notes.md', '/index.html/', '/app.js%00.html']) {
      const r = await get(p);
      assert.equal(r.status, 404, p);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
      await r.text();
    }
  });

  it('directory traversal is refused, raw or encoded', async () => {
    for (const p of ['/../outside.js', '/sub/../../outside.js', '/%2e%2e/outside.js', '/..%2foutside.js', '/%2E%2E%2Foutside.js', '/sub%2f..%2f..%2foutside.js', '/..\\outside.js', '//etc/passwd']) {
      const r = await raw(port, `GET ${p} HTTP/1.1`);
      assert.equal(r.status, 404, p);
      assert.doesNotMatch(r.body, /outside the root/, p);
    }
  });

  it('resolveWebPath keeps every path inside the root', () => {
    const root = path.resolve('/srv/web');
    assert.equal(resolveWebPath(root, '/'), path.join(root, 'index.html'));
    assert.equal(resolveWebPath(root, '/app.js?x=1'), path.join(root, 'app.js'));
    for (const bad of ['/../x.js', '/a/../../x.js', '/%2e%2e/x.js', '/.env.js', '/x', '/x.exe', 'http://evil/../x.js', '/a//b.js']) assert.equal(resolveWebPath(root, bad), undefined, bad);
  });
});
