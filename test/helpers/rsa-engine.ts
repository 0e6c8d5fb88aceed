/**
 * Makes a test file's RSA private-key operations run on the WebAssembly engine (issue 15) and
 * proves afterwards that they did: every vector test of test/rsa goes through the engine that
 * primitives.ts selects, and a key outside the engine's envelope would show up as a BigInt
 * operation here instead of passing unnoticed.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { rsaEngine, rsaEngineCounts, setRsaEngine } from '../../src/rsa/engine.js';

/**
 * Registers file-level hooks: before, the engine is set to 'wasm' (throws RSA_ENGINE_UNAVAILABLE
 * where it cannot load); after, at least `minOps` private-key operations ran on it and none on
 * BigInt (an out-of-envelope key would be counted there and fail the file).
 */
export function requireWasmEngine(minOps = 1): void {
  let start = { wasm: 0, bigint: 0 };
  before(() => {
    setRsaEngine('wasm');
    assert.equal(rsaEngine(), 'wasm');
    start = rsaEngineCounts();
  });
  after(() => {
    const end = rsaEngineCounts();
    const wasm = end.wasm - start.wasm;
    const bigint = end.bigint - start.bigint;
    setRsaEngine('auto');
    assert.equal(bigint, 0, `${bigint} private-key operations used the BigInt engine (keys outside the WebAssembly engine's envelope)`);
    assert.ok(wasm >= minOps, `only ${wasm} private-key operations ran on the WebAssembly engine (expected ≥ ${minOps})`);
  });
}
