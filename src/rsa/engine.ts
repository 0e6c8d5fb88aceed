/**
 * Which engine runs RSA private-key operations (issue 15): the WebAssembly engine (wasm/private.ts)
 * wherever WebAssembly loads and the key fits it, else the BigInt reference (private-bigint.ts).
 *
 * - Node.js and Web Workers compile the module synchronously on first use.
 * - A browser's main thread must call initRsaEngine() (asynchronous compile) and uses BigInt until
 *   it resolves; a Content-Security-Policy without 'wasm-unsafe-eval' keeps it on BigInt.
 * - In Node.js, PARLEY_RSA_ENGINE=auto|wasm|bigint sets the initial choice (read once).
 * - Keys outside wasmSupportsKey (moduli above 16384 bits) always use BigInt.
 */
import { rsaError } from './errors.js';
import type { RsaPrivateKey } from './key.js';
import { loadWasmAsync, loadWasmSync, onBrowserMainThread, wasmLoadFailure, wasmPresent } from './wasm/instance.js';
import { wasmSupportsKey } from './wasm/private.js';

/** The two engines. */
export type RsaEngineName = 'wasm' | 'bigint';
type Choice = 'auto' | RsaEngineName;
const CHOICES: readonly string[] = ['auto', 'wasm', 'bigint'];

let choice: Choice | undefined;
const counts = { wasm: 0, bigint: 0 };

function currentChoice(): Choice {
  if (choice === undefined) {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.PARLEY_RSA_ENGINE;
    if (env !== undefined && env !== '' && !CHOICES.includes(env))
      throw rsaError('RSA_INVALID_ARGUMENT', `PARLEY_RSA_ENGINE must be auto, wasm or bigint, not "${env}"`);
    choice = (env || 'auto') as Choice;
  }
  return choice;
}

function unavailable(): Error {
  const why = !wasmPresent()
    ? 'this platform has no WebAssembly'
    : onBrowserMainThread() && wasmLoadFailure() === undefined
      ? 'on a browser page, await initRsaEngine() first'
      : `the module did not load (${String(wasmLoadFailure())})`;
  return rsaError('RSA_ENGINE_UNAVAILABLE', `the WebAssembly RSA engine is unavailable: ${why}`, wasmLoadFailure());
}

/**
 * Which engine private-key operations use right now: 'wasm' once the module is compiled (and for
 * keys it supports), 'bigint' otherwise. Throws RSA_INVALID_ARGUMENT for a bad PARLEY_RSA_ENGINE.
 */
export function rsaEngine(): RsaEngineName {
  if (currentChoice() === 'bigint') return 'bigint';
  return loadWasmSync() ? 'wasm' : 'bigint';
}

/**
 * Forces an engine ('auto' = WebAssembly when available, BigInt otherwise). Throws
 * RSA_ENGINE_UNAVAILABLE for 'wasm' where the module cannot load (yet), RSA_INVALID_ARGUMENT
 * for another name.
 */
export function setRsaEngine(name: 'auto' | RsaEngineName): void {
  if (!CHOICES.includes(name)) throw rsaError('RSA_INVALID_ARGUMENT', `RSA engine must be auto, wasm or bigint, not "${String(name)}"`);
  if (name === 'wasm' && !loadWasmSync()) throw unavailable();
  choice = name;
}

/**
 * Compiles the module asynchronously (browsers forbid synchronous compiles of large modules on
 * the main thread); optional in Node.js. Resolves to the engine now in use; never rejects for a
 * module that fails to load (BigInt stays in use), only for a bad PARLEY_RSA_ENGINE.
 */
export async function initRsaEngine(): Promise<RsaEngineName> {
  if (currentChoice() !== 'bigint') await loadWasmAsync();
  return rsaEngine();
}

/**
 * The engine for one private-key operation with `key`. Throws RSA_ENGINE_UNAVAILABLE when
 * 'wasm' was forced and cannot load.
 */
export function engineForKey(key: RsaPrivateKey): RsaEngineName {
  const c = currentChoice();
  if (c === 'bigint') return 'bigint';
  if (loadWasmSync()) return wasmSupportsKey(key) ? 'wasm' : 'bigint';
  if (c === 'wasm') throw unavailable();
  return 'bigint';
}

/** Counts one private-key operation run on `engine` (primitives.ts, where it calls the engine). */
export function notePrivateOp(engine: RsaEngineName): void {
  counts[engine]++;
}

/** How many private-key operations each engine ran in this process (tests check the routing). */
export function rsaEngineCounts(): { wasm: number; bigint: number } {
  return { ...counts };
}
