/**
 * Worker thread of `parley keygen`: generates the key off the main thread, so that the main
 * thread stays free to animate progress and to handle Ctrl+C at once. Posts progress messages,
 * then the key's components (a plain object; the main thread re-validates them).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { generateKeyPair } from '../rsa/keygen.js';

/** Messages this worker posts. */
export type KeygenWorkerMessage =
  | { type: 'progress'; stage: 'p' | 'q' | 'check'; tested: number }
  | { type: 'done'; key: { n: bigint; e: bigint; d: bigint; p: bigint; q: bigint } }
  | { type: 'error'; code: string | undefined; message: string };

const port = parentPort;
if (port) {
  const { bits } = workerData as { bits: number };
  try {
    let last = 0;
    const key = generateKeyPair({
      bits,
      onProgress: (p) => {
        const now = Date.now();
        if (now - last < 50 && p.stage !== 'check') return;
        last = now;
        port.postMessage({ type: 'progress', stage: p.stage, tested: p.tested } satisfies KeygenWorkerMessage);
      },
    });
    port.postMessage({ type: 'done', key: { n: key.n, e: key.e, d: key.d, p: key.p, q: key.q } } satisfies KeygenWorkerMessage);
  } catch (e) {
    port.postMessage({
      type: 'error',
      code: (e as { code?: string }).code,
      message: e instanceof Error ? e.message : String(e),
    } satisfies KeygenWorkerMessage);
  }
}
