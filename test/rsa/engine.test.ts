/**
 * Engine selection (src/rsa/engine.ts) and the routing of primitives.ts: WebAssembly by default
 * in Node.js, identical results on the BigInt fallback, PARLEY_RSA_ENGINE, a platform without
 * WebAssembly (node --jitless), a browser page before and after initRsaEngine(), and the fault
 * check of the WebAssembly engine (a corrupted cached CRT value must never produce a result).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { i2osp, os2ip } from '../../src/rsa/bigint.js';
import { initRsaEngine, rsaEngine, rsaEngineCounts, setRsaEngine } from '../../src/rsa/engine.js';
import { isRsaError } from '../../src/rsa/errors.js';
import { privateKeyFromComponents } from '../../src/rsa/key.js';
import { rsadp, rsadpBytes, rsaep, rsasp1, rsasp1Bytes } from '../../src/rsa/primitives.js';
import { __testing } from '../../src/rsa/wasm/private.js';
import { opensslKey } from '../helpers/keys.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

const code = (c: string) => (e: unknown) => isRsaError(e) && e.code === c;

/** Runs an ES module snippet in a child node with `flags` and `env`; returns its stdout. */
function child(script: string, flags: string[] = [], env: Record<string, string> = {}): string {
  const engine = path.join(PROJECT_ROOT, 'dist/src/rsa/engine.js');
  const prims = path.join(PROJECT_ROOT, 'dist/src/rsa/primitives.js');
  const keys = path.join(PROJECT_ROOT, 'dist/test/helpers/keys.js');
  const head = `import * as E from ${JSON.stringify(engine)}; import * as P from ${JSON.stringify(prims)}; import { opensslKey } from ${JSON.stringify(keys)};\n`;
  return execFileSync(process.execPath, [...flags, '--input-type=module', '-e', head + script], {
    env: { ...process.env, PARLEY_RSA_ENGINE: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  }).trim();
}

describe('RSA engine selection', () => {
  const { key, nodeKey } = opensslKey(2048);

  it('uses WebAssembly by default in Node.js and counts each private-key operation', async () => {
    setRsaEngine('auto');
    assert.equal(rsaEngine(), 'wasm');
    assert.equal(await initRsaEngine(), 'wasm');
    const before = rsaEngineCounts();
    rsadp(key, 5n);
    rsasp1Bytes(key, i2osp(7n, key.size));
    const after = rsaEngineCounts();
    assert.equal(after.wasm - before.wasm, 2);
    assert.equal(after.bigint, before.bigint);
  });

  it("gives identical results on setRsaEngine('bigint') and 'wasm', and matches OpenSSL", () => {
    const xs = [0n, 1n, key.n - 1n, key.p, key.q, ...Array.from({ length: 20 }, () => os2ip(crypto.randomBytes(key.size)) % key.n)];
    const results: Record<string, bigint[]> = {};
    for (const name of ['bigint', 'wasm'] as const) {
      setRsaEngine(name);
      assert.equal(rsaEngine(), name);
      const before = rsaEngineCounts();
      results[name] = xs.map((x) => rsadp(key, x));
      assert.deepEqual(xs.map((x) => os2ip(rsadpBytes(key, i2osp(x, key.size)))), results[name]);
      assert.deepEqual(xs.map((x) => rsasp1(key, x)), results[name]);
      assert.equal(rsaEngineCounts()[name] - before[name], 3 * xs.length, `all ran on ${name}`);
    }
    setRsaEngine('auto');
    assert.deepEqual(results.wasm, results.bigint);
    const c = xs[6]!;
    const theirs = crypto.privateDecrypt({ key: nodeKey, padding: crypto.constants.RSA_NO_PADDING }, i2osp(c, key.size));
    assert.equal(results.wasm![6], os2ip(theirs));
  });

  it('the byte variants take exactly k bytes below n on both engines', () => {
    for (const name of ['bigint', 'wasm'] as const) {
      setRsaEngine(name);
      assert.throws(() => rsadpBytes(key, new Uint8Array(key.size - 1)), code('RSA_INPUT_OUT_OF_RANGE'));
      assert.throws(() => rsasp1Bytes(key, new Uint8Array(key.size + 1)), code('RSA_INPUT_OUT_OF_RANGE'));
      assert.throws(() => rsadpBytes(key, i2osp(key.n, key.size)), code('RSA_INPUT_OUT_OF_RANGE'));
      assert.throws(() => rsadpBytes(key, new Uint8Array(key.size).fill(0xff)), code('RSA_INPUT_OUT_OF_RANGE'));
      assert.throws(() => rsadpBytes(key, 'x' as unknown as Uint8Array), code('RSA_INVALID_ARGUMENT'));
      const m = os2ip(crypto.randomBytes(64));
      assert.equal(rsaep(key.publicKey, os2ip(rsadpBytes(key, i2osp(m, key.size)))), m);
    }
    setRsaEngine('auto');
  });

  it('refuses an unknown engine name', () => {
    assert.throws(() => setRsaEngine('fast' as 'wasm'), code('RSA_INVALID_ARGUMENT'));
    assert.equal(rsaEngine(), 'wasm');
  });

  it('a corrupted cached CRT value is caught by the fault check (RSA_FAULT_DETECTED), never returned', () => {
    const fresh = privateKeyFromComponents(key, { minBits: 1024 });
    setRsaEngine('wasm');
    const x = os2ip(crypto.randomBytes(200));
    const good = rsadp(fresh, x);
    __testing.corruptCachedDp(fresh);
    assert.throws(() => rsadp(fresh, x), code('RSA_FAULT_DETECTED'));
    assert.throws(() => rsasp1Bytes(fresh, i2osp(x, key.size)), code('RSA_FAULT_DETECTED'));
    __testing.corruptCachedDp(fresh); // flip the bit back
    assert.equal(rsadp(fresh, x), good);
    setRsaEngine('auto');
  });

  it('PARLEY_RSA_ENGINE=bigint|wasm sets the initial engine; another value is refused', () => {
    assert.equal(child('console.log(E.rsaEngine())', [], { PARLEY_RSA_ENGINE: 'bigint' }), 'bigint');
    assert.equal(child('const { key } = opensslKey(2048); P.rsadp(key, 3n); console.log(JSON.stringify(E.rsaEngineCounts()))', [], { PARLEY_RSA_ENGINE: 'bigint' }), '{"wasm":0,"bigint":1}');
    assert.equal(child('console.log(E.rsaEngine())', [], { PARLEY_RSA_ENGINE: 'wasm' }), 'wasm');
    assert.equal(child('try { E.rsaEngine() } catch (e) { console.log(e.code) }', [], { PARLEY_RSA_ENGINE: 'turbo' }), 'RSA_INVALID_ARGUMENT');
  });

  it('without WebAssembly (node --jitless) BigInt is used, and forcing wasm says why it cannot', () => {
    const out = child(
      `const { key } = opensslKey(2048);
       const m = P.rsadp(key, P.rsaep(key.publicKey, 42n));
       let forced; try { E.setRsaEngine('wasm'); } catch (e) { forced = e.code + ': ' + e.message; }
       console.log([typeof WebAssembly, E.rsaEngine(), String(m), JSON.stringify(E.rsaEngineCounts()), forced].join('|'));`,
      ['--jitless'],
    );
    const [wasmType, engine, m, counts, forced] = out.split('|');
    assert.equal(wasmType, 'undefined');
    assert.equal(engine, 'bigint');
    assert.equal(m, '42');
    assert.equal(counts, '{"wasm":0,"bigint":1}');
    assert.match(forced!, /^RSA_ENGINE_UNAVAILABLE: .*no WebAssembly/);
  });

  it('on a browser page BigInt is used until initRsaEngine() resolves, then WebAssembly', () => {
    const out = child(
      `globalThis.window = globalThis; globalThis.document = {};
       const { key } = opensslKey(2048);
       const before = E.rsaEngine();
       let forced; try { E.setRsaEngine('wasm'); } catch (e) { forced = e.code; }
       P.rsadp(key, 5n);
       const init = await E.initRsaEngine();
       P.rsadp(key, 5n);
       console.log([before, forced, init, E.rsaEngine(), JSON.stringify(E.rsaEngineCounts())].join('|'));`,
    );
    assert.equal(out, 'bigint|RSA_ENGINE_UNAVAILABLE|wasm|wasm|{"wasm":1,"bigint":1}');
  });
});
