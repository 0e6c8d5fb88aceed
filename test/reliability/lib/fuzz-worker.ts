/**
 * The worker thread that runs fuzz targets (fuzz-lib.ts) for fuzz-runner.ts. Before each case
 * it copies the case's index and input into shared memory, so that the main thread can name
 * the exact input if a case never returns (a hang cannot be interrupted from inside).
 * Heap is measured with a real garbage collection (gc exposed through V8 flags at run time).
 */
import { parentPort, workerData } from 'node:worker_threads';
import v8 from 'node:v8';
import vm from 'node:vm';
import { makeFixtures, runTarget, type TargetName } from './fuzz-lib.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const sab = (workerData as { progress: SharedArrayBuffer }).progress;
const header = new Int32Array(sab, 0, 4); // [cases started, input length, running]
const inputCopy = new Uint8Array(sab, 16);

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

const fx = makeFixtures();
const hooks = {
  onInput(input: Uint8Array) {
    const n = Math.min(input.length, inputCopy.length);
    inputCopy.set(input.subarray(0, n));
    Atomics.store(header, 1, input.length);
    Atomics.add(header, 0, 1);
  },
};

parentPort!.on('message', (m: { target: TargetName; numRuns: number; seed: number; warmup: number }) => {
  try {
    Atomics.store(header, 2, 1);
    if (m.warmup > 0) runTarget(fx, m.target, m.warmup, m.seed ^ 0x5eed, hooks);
    const before = heapUsed();
    const stats = runTarget(fx, m.target, m.numRuns, m.seed, hooks);
    const after = heapUsed();
    parentPort!.postMessage({ type: 'result', stats, heapBefore: before, heapAfter: after });
  } catch (e) {
    parentPort!.postMessage({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  } finally {
    Atomics.store(header, 2, 0);
  }
});
parentPort!.postMessage({ type: 'ready' });
