/**
 * A fresh process's first RSA-2048 private-key operations, for bench:rsa's cold-start line:
 * `node rsa-cold.js` with PARLEY_RSA_ENGINE=wasm|bigint in its environment prints one JSON
 * object: the engine in use, how long initRsaEngine() took (the module's compile, 0 for
 * BigInt), the first operation, and the median of operations 2–10 and 41–60 (WebAssembly starts
 * in V8's baseline compiler and tiers up; BigInt code is JIT-compiled too). The key comes from
 * node:crypto (untimed). Throws (exit 1) if the engine asked for is not the one in use.
 */
import { rsadp } from '../../src/rsa/index.js';
import { quickKey } from './keys.js';
import { loadEngines } from './rsa-engines.js';
import { median } from './stats.js';

const want = process.env.PARLEY_RSA_ENGINE ?? 'auto';
const engines = await loadEngines();
const key = quickKey();
const c = 0x1234567890abcdefn * (key.n >> 80n); // an input < n with no structure that matters
let t = performance.now();
const engine = await engines.init();
const initMs = performance.now() - t;
const times: number[] = [];
for (let i = 0; i < 60; i++) {
  t = performance.now();
  rsadp(key, c);
  times.push(performance.now() - t);
}
const used = engines.current();
if (want !== 'auto' && used !== want) throw new Error(`asked for the ${want} engine, ${used} is in use`);
console.log(JSON.stringify({ engine: used, initEngine: engine, initMs, firstMs: times[0], ops2to10Ms: median(times.slice(1, 10)), ops41to60Ms: median(times.slice(40)) }));
