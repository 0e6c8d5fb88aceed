/**
 * The key-generation Web Worker (bundled as dist/web/worker.js): runs generateKeyPair (FIPS
 * 186-5 §A.1.3) off the main thread, so the page stays responsive, and posts throttled progress.
 * Randomness comes from crypto.getRandomValues inside src/rsa.
 */
import { generateKeyPair } from '../rsa/keygen.js';
import { exportPrivateKeyPem } from '../rsa/keyfile.js';
import type { KeygenReply, KeygenRequest } from './keygen-protocol.js';

/** The parts of DedicatedWorkerGlobalScope used here (the DOM lib does not declare it). */
interface WorkerScope {
  onmessage: ((e: MessageEvent<KeygenRequest>) => void) | null;
  postMessage(m: KeygenReply): void;
}

const scope = globalThis as unknown as WorkerScope;
const PROGRESS_EVERY_MS = 50;

scope.onmessage = (e) => {
  const bits = e.data.bits;
  let last = 0;
  try {
    const key = generateKeyPair({
      bits,
      onProgress: (p) => {
        const now = Date.now();
        if (now - last < PROGRESS_EVERY_MS && p.stage !== 'check') return;
        last = now;
        scope.postMessage({ type: 'progress', stage: p.stage, tested: p.tested });
      },
    });
    scope.postMessage({ type: 'done', pem: exportPrivateKeyPem(key) });
  } catch (err) {
    scope.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
