/**
 * The benchmarks' one door to the RSA engines of issue 15 (the interface in
 * src/rsa/engine.ts, src/rsa/private-bigint.ts, src/rsa/wasm/private.ts and src/rsa/wasm/modexp.ts):
 * switch the engine private-key operations use, and call the WebAssembly engine and the BigInt
 * reference directly. The modules are imported at run time, so that a build without the
 * WebAssembly engine still runs the benchmarks on BigInt alone and says so
 * (`available: false`), as bench:cluster does for a build without --redis.
 */
import { i2osp, os2ip, rsadp, type RsaPrivateKey } from '../../src/rsa/index.js';
import { modPow } from '../../src/rsa/bigint.js';

export type EngineName = 'wasm' | 'bigint';

/** What the benchmarks use of the engines. */
export interface Engines {
  /** Whether this build has the WebAssembly engine (src/rsa/engine.ts). */
  available: boolean;
  /** Why not, when it is not available. */
  reason?: string;
  /** The engine private-key operations use now. */
  current(): EngineName;
  /** Forces an engine for every later private-key operation (rsadp, rsasp1, PSS, OAEP). Throws when 'wasm' cannot load. */
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

// Variables, so that the TypeScript compiler does not resolve modules a build may not have yet.
const ENGINE = '../../src/rsa/engine.js';
const PRIVATE_BIGINT = '../../src/rsa/private-bigint.js';
const PRIVATE_WASM = '../../src/rsa/wasm/private.js';
const MODEXP = '../../src/rsa/wasm/modexp.js';

const missing = (what: string) => () => {
  throw new Error(`the WebAssembly engine is not in this build (${what})`);
};

/** Loads the engines. Never throws: a build without the WebAssembly engine gives `available: false` and BigInt only. */
export async function loadEngines(): Promise<Engines> {
  try {
    const [engine, big, wasm, modexp] = await Promise.all([import(ENGINE), import(PRIVATE_BIGINT), import(PRIVATE_WASM), import(MODEXP)]);
    return {
      available: true,
      current: () => engine.rsaEngine(),
      use: (name) => engine.setRsaEngine(name),
      init: () => engine.initRsaEngine(),
      supportsKey: (key) => wasm.wasmSupportsKey(key),
      privateOpWasm: (key, x) => wasm.privateOpWasm(key, x),
      privateOpBigInt: (key, x) => big.privateOpBigInt(key, x),
      modPowWasm: (m, b, e) => modexp.modPowWasm(m, b, e),
      modPowBigInt: (m, b, e) => modPow(b, e, m),
    };
  } catch (e) {
    return {
      available: false,
      reason: (e as Error).message.split('\n')[0],
      current: () => 'bigint',
      use: (name) => {
        if (name === 'wasm') missing('setRsaEngine')();
      },
      init: async () => 'bigint',
      supportsKey: () => false,
      privateOpWasm: missing('privateOpWasm'),
      // before issue 15, rsadp is the BigInt reference itself
      privateOpBigInt: (key, x) => rsadp(key, x),
      modPowWasm: missing('modPowWasm'),
      modPowBigInt: (m, b, e) => modPow(b, e, m),
    };
  }
}

/** Big-endian bytes of `x`, `len` long (test inputs only: not constant-time). */
export const toBytes = (x: bigint, len: number): Uint8Array => i2osp(x, len);
/** The integer of big-endian bytes (test inputs only). */
export const fromBytes = (b: Uint8Array): bigint => os2ip(b);
