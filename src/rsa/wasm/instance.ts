/**
 * Loading the RSA engine's WebAssembly module (built from source by scripts/build-wasm.mjs into
 * module-bytes.ts) and access to its exports and linear memory.
 *
 * Compilation is synchronous where the platform allows it (Node.js, Web Workers) and
 * asynchronous on a browser's main thread, which forbids synchronous compiles of large modules
 * (loadWasmAsync, called through initRsaEngine). A platform without WebAssembly, or one whose
 * Content-Security-Policy forbids compiling it, keeps using the BigInt engine.
 */
import { base64ToBytes } from '../bytes.js';
import { WASM_BASE64 } from './module-bytes.js';

/** The module's exports (see scripts/wasm/rsa-wat.mjs for each function's contract). */
export interface RsaWasmExports {
  readonly memory: WebAssembly.Memory;
  mont_mul(r: number, a: number, b: number, m: number, minv: number, L: number, t: number): void;
  mont_sqr(r: number, a: number, m: number, minv: number, L: number, t: number): void;
  redc(r: number, x: number, Lx: number, m: number, minv: number, L: number, t: number): void;
  mul_add(r: number, a: number, La: number, b: number, Lb: number, c: number, Lc: number, Lr: number, t: number): void;
  exp_window(r: number, base: number, e: number, ebits: number, m: number, minv: number, L: number, one: number, tbl: number, t: number, sel: number): void;
  exp_public(r: number, base: number, e: number, ebits: number, m: number, minv: number, L: number, t: number): void;
  from_bytes(r: number, src: number, k: number, L: number): void;
  to_bytes(dst: number, a: number, k: number, L: number): void;
  copy(r: number, a: number, n: number): void;
  lt(a: number, b: number, L: number): number;
  eq(a: number, b: number, L: number): number;
  sub_cond(r: number, a: number, m: number, L: number): void;
  add(r: number, a: number, b: number, L: number): void;
  sub(r: number, a: number, b: number, L: number): void;
}

let exportsCache: RsaWasmExports | undefined;
let failure: unknown;

/** The module's bytes, decoded from module-bytes.ts. */
function moduleBytes(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(base64ToBytes(WASM_BASE64));
}

function finish(instance: WebAssembly.Instance): RsaWasmExports {
  exportsCache = instance.exports as unknown as RsaWasmExports;
  return exportsCache;
}

/** True on a browser's main thread (a window with a document), where synchronous compiles are refused. */
export function onBrowserMainThread(): boolean {
  const g = globalThis as { document?: unknown; window?: unknown };
  return typeof g.window === 'object' && typeof g.document === 'object';
}

/** True when this platform has WebAssembly at all. */
export function wasmPresent(): boolean {
  return typeof WebAssembly === 'object' && typeof WebAssembly.Module === 'function';
}

/**
 * The exports, compiling the module synchronously on first use where that is allowed.
 * Returns undefined (never throws) when WebAssembly is missing or failed to compile, or on a
 * browser's main thread before loadWasmAsync has finished.
 */
export function loadWasmSync(): RsaWasmExports | undefined {
  if (exportsCache || failure !== undefined) return exportsCache;
  if (!wasmPresent() || onBrowserMainThread()) return undefined;
  try {
    return finish(new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()), {}));
  } catch (err) {
    failure = err;
    return undefined;
  }
}

/** Compiles and instantiates the module asynchronously; resolves to the exports or undefined (never rejects). */
export async function loadWasmAsync(): Promise<RsaWasmExports | undefined> {
  if (exportsCache || failure !== undefined) return exportsCache;
  if (!wasmPresent()) return undefined;
  try {
    const mod = await WebAssembly.compile(moduleBytes());
    return finish(await WebAssembly.instantiate(mod, {}));
  } catch (err) {
    failure = err;
    return undefined;
  }
}

/** Why the module could not be loaded, if it could not (for error messages). */
export function wasmLoadFailure(): unknown {
  return failure;
}

/**
 * Grows the module's memory to at least `bytes` bytes. Throws a RangeError when the platform
 * refuses to grow it (out of memory).
 */
export function ensureMemory(w: RsaWasmExports, bytes: number): void {
  const have = w.memory.buffer.byteLength;
  if (bytes > have) w.memory.grow(Math.ceil((bytes - have) / 65536));
}
