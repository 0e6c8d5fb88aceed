/**
 * The benchmarks' one door to the RSA engines of issue 15 (src/rsa/engine.ts,
 * src/rsa/private-bigint.ts, src/rsa/wasm/private.ts and src/rsa/wasm/modexp.ts): switch the
 * engine private-key operations use, and call the WebAssembly engine and the BigInt reference
 * directly. Where WebAssembly does not load, `available` is false and the benchmarks run BigInt
 * alone and say so.
 */
import { i2osp, os2ip, type RsaPrivateKey } from '../../src/rsa/index.js';
import { modPow } from '../../src/rsa/bigint.js';
import { initRsaEngine, rsaEngine, setRsaEngine, type RsaEngineName } from '../../src/rsa/engine.js';
import { privateOpBigInt } from '../../src/rsa/private-bigint.js';
import { loadWasmSync, wasmLoadFailure } from '../../src/rsa/wasm/instance.js';
import { modPowWasm } from '../../src/rsa/wasm/modexp.js';
import { privateOpWasm, wasmSupportsKey } from '../../src/rsa/wasm/private.js';

export type EngineName = RsaEngineName;

/** What the benchmarks use of the engines. */
export interface Engines {
  /** Whether the WebAssembly engine loads here (reading it compiles the module, if not yet done). */
  readonly available: boolean;
  /** Why not, when it does not. */
  readonly reason: string | undefined;
  /** The engine private-key operations use now. */
  current(): EngineName;
  /** Forces an engine for every later private-key operation (rsadp, rsasp1, PSS, OAEP). Throws RSA_ENGINE_UNAVAILABLE for 'wasm' where it cannot load. */
  use(name: 'auto' | EngineName): void;
  /** Compiles the module (asynchronously) and resolves to the engine in use. */
  init(): Promise<EngineName>;
  /** Whether the key fits the WebAssembly engine. */
  supportsKey(key: RsaPrivateKey): boolean;
  /** The full private-key operation (blinding, CRT, fault check) in WebAssembly, k bytes in and out. */
  privateOpWasm(key: RsaPrivateKey, x: Uint8Array): Uint8Array;
  /** The same in BigInt (the reference). */
  privateOpBigInt(key: RsaPrivateKey, x: bigint): bigint;
  /** base^exp mod m by the engine's constant-time ladder, big-endian bytes. */
  modPowWasm(m: Uint8Array, base: Uint8Array, exp: Uint8Array): Uint8Array;
  /** base^exp mod m in BigInt (src/rsa/bigint.ts, sliding window): the control. */
  modPowBigInt(m: bigint, base: bigint, exp: bigint): bigint;
}

const ENGINES: Engines = {
  get available() {
    return loadWasmSync() !== undefined;
  },
  get reason() {
    return loadWasmSync() ? undefined : String(wasmLoadFailure() ?? 'no WebAssembly on this platform');
  },
  current: () => rsaEngine(),
  use: (name) => setRsaEngine(name),
  init: () => initRsaEngine(),
  supportsKey: (key) => wasmSupportsKey(key),
  privateOpWasm: (key, x) => privateOpWasm(key, x),
  privateOpBigInt: (key, x) => privateOpBigInt(key, x),
  modPowWasm: (m, b, e) => modPowWasm(m, b, e),
  modPowBigInt: (m, b, e) => modPow(b, e, m),
};

/** The engines. Compiles nothing itself (init() or `available` does). Throws nothing. */
export async function loadEngines(): Promise<Engines> {
  return ENGINES;
}

/** Big-endian bytes of `x`, `len` long (test inputs only: not constant-time). */
export const toBytes = (x: bigint, len: number): Uint8Array => i2osp(x, len);
/** The integer of big-endian bytes (test inputs only). */
export const fromBytes = (b: Uint8Array): bigint => os2ip(b);
