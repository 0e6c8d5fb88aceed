/**
 * The WebAssembly RSA engine (issue 15) in real Chromium (playwright-core): a test-only bundle of
 * src/rsa (esbuild, as scripts/build-web.mjs builds the client) is served over HTTP with the
 * browser client's own security headers (src/server/web.ts: its Content-Security-Policy must let
 * the module compile), and the page checks that initRsaEngine() resolves to 'wasm', that the
 * engine's private-key operation equals the BigInt reference and plain d-exponentiation (computed
 * in Node) on RSA-2048/3072/4096 keys and edge inputs (0, 1, 2, n−1, p, q, values ≥ p and ≥ q), and
 * that its PKCS #1 v1.5 signature is byte for byte OpenSSL's. If the engine does not load in
 * Chromium, or Chromium cannot be launched, the test fails (never skips).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { modPow } from '../../src/rsa/bigint.js';
import { SECURITY_HEADERS } from '../../src/server/web.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

/** The page's code: src/rsa's engine and reference, exposed to page.evaluate as `window.rsaUnderTest`. */
const ENTRY = `
import { initRsaEngine, rsaEngine } from './src/rsa/engine.js';
import { privateOpBigInt } from './src/rsa/private-bigint.js';
import { privateOpWasm, wasmSupportsKey } from './src/rsa/wasm/private.js';
import { rsadp, rsadpBytes, rsasp1Bytes } from './src/rsa/primitives.js';
import { pkcs1v15Sign } from './src/rsa/pkcs1v15.js';
import { privateKeyFromComponents } from './src/rsa/key.js';
import { hexToBytes, bytesToHex } from './src/rsa/bytes.js';
import { i2osp, os2ip } from './src/rsa/bigint.js';

const keyOf = (c) => privateKeyFromComponents({ n: BigInt('0x' + c.n), e: BigInt('0x' + c.e), d: BigInt('0x' + c.d), p: BigInt('0x' + c.p), q: BigInt('0x' + c.q) });
globalThis.rsaUnderTest = {
  init: () => initRsaEngine(),
  engine: () => rsaEngine(),
  /** For each input (hex): the engine's, rsadpBytes's, rsadp's and the BigInt reference's result, hex. */
  privateOps(c, inputs) {
    const key = keyOf(c);
    const k = (key.n.toString(16).length + 1) >> 1;
    return {
      fits: wasmSupportsKey(key),
      results: inputs.map((x) => {
        const xi = BigInt('0x' + x);
        const xb = i2osp(xi, k);
        return {
          wasm: bytesToHex(privateOpWasm(key, xb)),
          rsadpBytes: bytesToHex(rsadpBytes(key, xb)),
          rsasp1Bytes: bytesToHex(rsasp1Bytes(key, xb)),
          rsadp: rsadp(key, xi).toString(16),
          bigint: privateOpBigInt(key, xi).toString(16),
        };
      }),
      engineAfter: rsaEngine(),
    };
  },
  sign(c, msgHex) {
    return bytesToHex(pkcs1v15Sign(keyOf(c), hexToBytes(msgHex), { hash: 'sha256' }));
  },
};
`;

const T = 60_000;
const hex = (x: bigint) => x.toString(16);
const unhex = (s: string) => BigInt(`0x${s || '0'}`);

interface Components {
  n: string;
  e: string;
  d: string;
  p: string;
  q: string;
}

/** An OpenSSL-made key and its components, hex. */
function opensslKey(bits: number): { obj: crypto.KeyObject; c: Components } {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: bits });
  const j = privateKey.export({ format: 'jwk' });
  const b = (s?: string) => Buffer.from(s!, 'base64url').toString('hex');
  return { obj: privateKey, c: { n: b(j.n), e: b(j.e), d: b(j.d), p: b(j.p), q: b(j.q) } };
}

/** Edge inputs and random ones for the key: 0, 1, 2, n−1, p, q, p+1, q+1, max(p, q)·2, and `random` values below n. */
function inputsFor(c: Components, random: number): bigint[] {
  const n = unhex(c.n);
  const p = unhex(c.p);
  const q = unhex(c.q);
  const big = p > q ? p : q;
  const xs = [0n, 1n, 2n, n - 1n, n - 2n, p, q, p + 1n, q + 1n, 2n * big, p - 1n, q - 1n];
  for (let i = 0; i < random; i++) xs.push(BigInt(`0x${crypto.randomBytes(c.n.length / 2 + 8).toString('hex')}`) % n);
  return xs;
}

describe('the WebAssembly RSA engine in Chromium (issue 15)', { timeout: 240_000 }, () => {
  let browser: Browser | undefined;
  let server: http.Server | undefined;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    // the test-only bundle: built from source here, like scripts/build-web.mjs (a missing engine fails the build, and so the test)
    const out = await build({
      stdin: { contents: ENTRY, resolveDir: PROJECT_ROOT, sourcefile: 'rsa-engine-page.ts', loader: 'ts' },
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: ['es2022', 'chrome111'],
      write: false,
      logLevel: 'silent',
      absWorkingDir: PROJECT_ROOT,
    });
    const js = out.outputFiles[0]!.text;
    const html = '<!doctype html><meta charset="utf-8"><title>rsa engine</title><link rel="icon" href="data:,"><script src="/rsa.js"></script>';
    server = http.createServer((req, res) => {
      const body = req.url === '/rsa.js' ? js : req.url === '/' ? html : undefined;
      if (body === undefined) return res.writeHead(404, SECURITY_HEADERS).end();
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': req.url === '/' ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8' }).end(body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    // a launch failure throws here and fails the suite: never skipped
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => 'rsaUnderTest' in globalThis, undefined, { timeout: T });
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
  });

  it("initRsaEngine() resolves to 'wasm' under the client's Content-Security-Policy", async () => {
    const engine = await page.evaluate(() => (globalThis as any).rsaUnderTest.init());
    // Chromium refuses to compile WebAssembly under a CSP whose script-src lacks 'wasm-unsafe-eval'
    assert.equal(engine, 'wasm', `engine in Chromium: ${engine} under the client's CSP "${SECURITY_HEADERS['content-security-policy']}"; page errors: ${errors.join(' | ')}`);
    assert.equal(await page.evaluate(() => (globalThis as any).rsaUnderTest.engine()), 'wasm');
  });

  for (const [bits, random] of [
    [2048, 20],
    [3072, 8],
    [4096, 8],
  ] as const) {
    it(`RSA-${bits}: the engine equals the BigInt reference and x^d mod n on edge and random inputs`, async () => {
      const { c } = opensslKey(bits);
      const xs = inputsFor(c, random);
      const r = await page.evaluate(([c, xs]) => (globalThis as any).rsaUnderTest.privateOps(c, xs), [c, xs.map(hex)] as const);
      assert.equal(r.fits, true, `the engine refuses an OpenSSL RSA-${bits} key`);
      assert.equal(r.engineAfter, 'wasm');
      const n = unhex(c.n);
      const d = unhex(c.d);
      const k = c.n.length / 2;
      xs.forEach((x, i) => {
        const want = modPow(x, d, n);
        const got = r.results[i];
        assert.equal(got.wasm.length, 2 * k, `privateOpWasm gives k bytes (input ${hex(x)})`);
        assert.equal(unhex(got.wasm), want, `privateOpWasm(${hex(x)})`);
        assert.equal(unhex(got.rsadpBytes), want, `rsadpBytes(${hex(x)})`);
        assert.equal(unhex(got.rsasp1Bytes), want, `rsasp1Bytes(${hex(x)})`);
        assert.equal(unhex(got.rsadp), want, `rsadp(${hex(x)})`);
        assert.equal(unhex(got.bigint), want, `privateOpBigInt(${hex(x)})`);
      });
    });
  }

  it("a PKCS #1 v1.5 signature made in the page on the engine is OpenSSL's, byte for byte", async () => {
    const { obj, c } = opensslKey(2048);
    const msg = crypto.randomBytes(100);
    const sig = await page.evaluate(([c, m]) => (globalThis as any).rsaUnderTest.sign(c, m), [c, msg.toString('hex')] as const);
    // RSASSA-PKCS1-v1_5 is deterministic (RFC 8017 §8.2.1): equal bytes, and OpenSSL verifies them
    assert.equal(sig, crypto.sign('sha256', msg, { key: obj, padding: crypto.constants.RSA_PKCS1_PADDING }).toString('hex'));
    assert.ok(crypto.verify('sha256', msg, { key: crypto.createPublicKey(obj), padding: crypto.constants.RSA_PKCS1_PADDING }, Buffer.from(sig, 'hex')));
    assert.equal(await page.evaluate(() => (globalThis as any).rsaUnderTest.engine()), 'wasm');
    assert.deepEqual(errors, []);
  });
});
