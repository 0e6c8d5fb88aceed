/**
 * Runs fuzz targets in a worker thread under a watchdog: when no new case starts for `stallMs`,
 * the worker is terminated and the run fails with the target, the case number and the input
 * that hangs (so a hang fails the test instead of hanging the test process).
 */
import { Worker } from 'node:worker_threads';
import type { TargetName, TargetStats } from './fuzz-lib.js';

export interface FuzzResult {
  stats: TargetStats;
  /** heapUsed after a full GC, before and after the measured run (after a warm-up run). */
  heapBefore: number;
  heapAfter: number;
}

const INPUT_CAPACITY = 128 * 1024;

export class FuzzWorker {
  private readonly header: Int32Array;
  private readonly input: Uint8Array;
  private closed = false;
  private constructor(private readonly worker: Worker, sab: SharedArrayBuffer) {
    this.header = new Int32Array(sab, 0, 4);
    this.input = new Uint8Array(sab, 16);
  }

  /** Starts a worker and waits until it has built its fixtures (two RSA keys, one handshake). */
  static async start(timeoutMs = 60_000): Promise<FuzzWorker> {
    const sab = new SharedArrayBuffer(16 + INPUT_CAPACITY);
    const worker = new Worker(new URL('./fuzz-worker.js', import.meta.url), { workerData: { progress: sab } });
    const w = new FuzzWorker(worker, sab);
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('fuzz worker did not start in time')), timeoutMs);
        worker.once('message', () => (clearTimeout(t), resolve()));
        worker.once('error', (e) => (clearTimeout(t), reject(e)));
        worker.once('exit', (code) => (clearTimeout(t), reject(new Error(`fuzz worker exited ${code}`))));
      });
    } catch (e) {
      await w.close();
      throw e;
    }
    return w;
  }

  /** Runs `numRuns` cases of `target` (after `warmup` unmeasured ones). Rejects on a failure or a hang. */
  run(target: TargetName, numRuns: number, seed: number, opts: { warmup?: number; stallMs?: number } = {}): Promise<FuzzResult> {
    if (this.closed) return Promise.reject(new Error('fuzz worker closed'));
    const stallMs = opts.stallMs ?? 20_000;
    return new Promise<FuzzResult>((resolve, reject) => {
      let last = Atomics.load(this.header, 0);
      let lastChange = Date.now();
      const cleanup = () => {
        clearInterval(watchdog);
        this.worker.off('message', onMessage);
        this.worker.off('error', onError);
        this.worker.off('exit', onExit);
      };
      const watchdog = setInterval(() => {
        const now = Atomics.load(this.header, 0);
        if (now !== last) {
          last = now;
          lastChange = Date.now();
          return;
        }
        if (Date.now() - lastChange < stallMs) return;
        cleanup();
        const len = Atomics.load(this.header, 1);
        const shown = Buffer.from(this.input.subarray(0, Math.min(len, 512))).toString('hex');
        void this.close();
        reject(new Error(`HANG: fuzz target ${target} (seed ${seed}): case ${now} has run for more than ${stallMs} ms; input (${len} bytes): ${shown}`));
      }, 250);
      const onMessage = (m: { type: string; message?: string } & Partial<FuzzResult>) => {
        cleanup();
        if (m.type === 'result') resolve({ stats: m.stats!, heapBefore: m.heapBefore!, heapAfter: m.heapAfter! });
        else reject(new Error(`fuzz target ${target} (seed ${seed}) failed:\n${m.message}`));
      };
      const onError = (e: Error) => (cleanup(), reject(e));
      const onExit = (code: number) => (cleanup(), reject(new Error(`fuzz worker exited ${code}`)));
      this.worker.on('message', onMessage);
      this.worker.on('error', onError);
      this.worker.on('exit', onExit);
      this.worker.postMessage({ target, numRuns, seed, warmup: opts.warmup ?? 0 });
    });
  }

  /** Terminates the worker. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }
}
