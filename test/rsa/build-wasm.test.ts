/**
 * The engine's module is built from source reproducibly (scripts/build-wasm.mjs): the --check
 * mode rebuilds twice and compares with the committed SHA-256, and the module compiled into the
 * library is the one that hash names, with no imports and only baseline WebAssembly.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { base64ToBytes } from '../../src/rsa/bytes.js';
import { WASM_BASE64, WASM_SHA256 } from '../../src/rsa/wasm/module-bytes.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

const script = path.join(PROJECT_ROOT, 'scripts/build-wasm.mjs');
const recorded = readFileSync(path.join(PROJECT_ROOT, 'src/rsa/wasm/module.sha256'), 'utf8').trim().split(/\s+/)[0];

function run(...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

describe('scripts/build-wasm.mjs', () => {
  it('--check: two builds give the committed bytes', () => {
    const r = run('--check');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`reproducible: .* SHA-256 ${recorded}`));
  });

  it('--check fails against another hash and says how to update it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-wasm-'));
    try {
      const wrong = path.join(dir, 'module.sha256');
      writeFileSync(wrong, `${'0'.repeat(64)}  rsa.wasm\n`);
      const r = run('--check', '--hash-file', wrong);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /--update-hash/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the module compiled into the library is the recorded one: no imports, baseline WebAssembly only', () => {
    const bytes = base64ToBytes(WASM_BASE64);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), recorded);
    assert.equal(WASM_SHA256, recorded);
    const mod = new WebAssembly.Module(new Uint8Array(bytes));
    assert.deepEqual(WebAssembly.Module.imports(mod), []);
    assert.ok(WebAssembly.Module.exports(mod).some((e) => e.name === 'mont_mul'));
    // the build turns every post-MVP feature off (wabt refuses v128, atomics, memory.copy…)
    const src = readFileSync(path.join(PROJECT_ROOT, 'scripts/build-wasm.mjs'), 'utf8');
    assert.match(src, /simd: false, threads: false, bulk_memory: false/);
  });
});
