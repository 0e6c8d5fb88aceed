/**
 * The WebAssembly RSA engine (issue 15) in real Chromium (playwright-core). A test-only bundle of
 * src/rsa (esbuild, as scripts/build-web.mjs builds the client) is served over HTTP with the
 * browser client's security headers (src/server/web.ts) on three pages that differ only in
 * script-src:
 * - `/wasm`: 'wasm-unsafe-eval' allowed. initRsaEngine() must resolve to 'wasm'; the engine's
 *   private-key operation must equal the BigInt reference and plain x^d mod n (computed in Node)
 *   on OpenSSL RSA-2048/3072/4096 keys and edge inputs (0, 1, 2, n−1, n−2, p, q, p±1, q±1, values
 *   ≥ p and ≥ q) and random ones; its PKCS #1 v1.5 signature must be OpenSSL's, byte for byte.
 * - `/client`: the client's Content-Security-Policy exactly as it is: the engine must load under it.
 * - `/no-wasm`: the client's CSP without 'wasm-unsafe-eval': Chromium refuses the compile, and the
 *   library must fall back to BigInt and still compute correctly.
 * If the engine does not load in Chromium, or Chromium cannot be launched, the test fails (never skips).
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
import { initRsaEngine, rsaEngine, setRsaEngine } from './src/rsa/engine.js';
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
  forceWasm: () => setRsaEngine('wasm'),
  /** rsadp and rsadpBytes only (no direct call of the WebAssembly engine), hex. */
  bigintOps(c, inputs) {
    const key = keyOf(c);
    const k = (key.n.toString(16).length + 1) >> 1;
    return {
      results: inputs.map((x) => ({ rsadp: rsadp(key, BigInt('0x' + x)).toString(16), rsadpBytes: bytesToHex(rsadpBytes(key, i2osp(BigInt('0x' + x), k))) })),
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

const CLIENT_CSP = SECURITY_HEADERS['content-security-policy']!;
const withoutWasm = (csp: string) => csp.replace(/ 'wasm-unsafe-eval'/g, '');
const withWasm = (csp: string) => withoutWasm(csp).replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'");
/** Each page's Content-Security-Policy. */
const PAGES: Record<string, string> = { '/wasm': withWasm(CLIENT_CSP), '/client': CLIENT_CSP, '/no-wasm': withoutWasm(CLIENT_CSP) };

describe('the WebAssembly RSA engine in Chromium (issue 15)', { timeout: 240_000 }, () => {
  let browser: Browser | undefined;
  let server: http.Server | undefined;
  let base = '';
  const errors: string[] = [];

  /** A fresh page at `path`, its bundle loaded; page errors are collected in `errors`. */
  async function open(path: string): Promise<Page> {
    const page = await browser!.newPage();
    page.on('pageerror', (e) => errors.push(`${path}: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && errors.push(`${path} console: ${m.text()}`));
    await page.goto(base + path);
    await page.waitForFunction(() => 'rsaUnderTest' in globalThis, undefined, { timeout: T });
    return page;
  }

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
    // the script is fetched under its page's policy; its own response carries the client's headers
    server = http.createServer((req, res) => {
      const csp = PAGES[req.url ?? ''];
      if (req.url === '/rsa.js') return res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/javascript; charset=utf-8' }).end(js);
      if (csp === undefined) return res.writeHead(404, SECURITY_HEADERS).end();
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-security-policy': csp, 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // a launch failure throws here and fails the suite: never skipped
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
  });

  describe("with 'wasm-unsafe-eval' in the page's CSP", () => {
    let page: Page;
    before(async () => {
      page = await open('/wasm');
    });

    it("initRsaEngine() resolves to 'wasm'", async () => {
      const engine = await page.evaluate(() => (globalThis as any).rsaUnderTest.init());
      assert.equal(engine, 'wasm', `engine in Chromium: ${engine}; page errors: ${errors.join(' | ')}`);
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
        checkResults(c, xs, r.results);
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
      assert.deepEqual(errors.filter((e) => e.startsWith('/wasm')), []);
    });
  });

  it("the browser client's own Content-Security-Policy lets the engine load", async () => {
    const page = await open('/client');
    const engine = await page.evaluate(() => (globalThis as any).rsaUnderTest.init());
    // Chromium refuses to compile WebAssembly under a CSP whose script-src lacks 'wasm-unsafe-eval'
    assert.equal(engine, 'wasm', `engine in Chromium under the client's CSP "${CLIENT_CSP}" (src/server/web.ts): ${engine}`);
  });

  it("without 'wasm-unsafe-eval' the library falls back to BigInt and stays correct", async () => {
    const page = await open('/no-wasm');
    assert.equal(await page.evaluate(() => (globalThis as any).rsaUnderTest.init()), 'bigint');
    const forced = await page.evaluate(() => {
      try {
        (globalThis as any).rsaUnderTest.forceWasm();
        return 'no error';
      } catch (e) {
        return (e as { code?: string }).code ?? String(e);
      }
    });
    assert.equal(forced, 'RSA_ENGINE_UNAVAILABLE');
    const { c } = opensslKey(2048);
    const xs = inputsFor(c, 4);
    const r = await page.evaluate(([c, xs]) => (globalThis as any).rsaUnderTest.bigintOps(c, xs), [c, xs.map(hex)] as const);
    assert.equal(r.engineAfter, 'bigint');
    const n = unhex(c.n);
    const d = unhex(c.d);
    xs.forEach((x, i) => {
      assert.equal(unhex(r.results[i].rsadpBytes), modPow(x, d, n), `rsadpBytes(${hex(x)}) on BigInt`);
      assert.equal(unhex(r.results[i].rsadp), modPow(x, d, n), `rsadp(${hex(x)}) on BigInt`);
    });
  });
});

/** Every result of privateOps equals x^d mod n, and the engine's is k bytes long. */
function checkResults(c: Components, xs: bigint[], results: Record<string, string>[]): void {
  const n = unhex(c.n);
  const d = unhex(c.d);
  const k = c.n.length / 2;
  xs.forEach((x, i) => {
    const want = modPow(x, d, n);
    const got = results[i]!;
    assert.equal(got.wasm!.length, 2 * k, `privateOpWasm gives k bytes (input ${hex(x)})`);
    for (const f of ['wasm', 'rsadpBytes', 'rsasp1Bytes', 'rsadp', 'bigint']) assert.equal(unhex(got[f]!), want, `${f}(${hex(x)})`);
  });
}
