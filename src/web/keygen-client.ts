/** The page's side of key generation: starts worker.js and turns its messages into a promise. */
import { parsePrivateKey } from '../rsa/keyfile.js';
import type { RsaPrivateKey } from '../rsa/key.js';
import { keygenFraction, type KeygenReply, type KeygenRequest } from './keygen-protocol.js';

/**
 * Generates an RSA key of `bits` in a Web Worker (`workerUrl`, default "worker.js" next to the
 * page), calling `onProgress` with an estimated fraction in [0, 1]. Rejects with an Error when
 * the worker fails to load or key generation fails; the worker is always terminated.
 */
export function generateInWorker(bits: number, onProgress: (fraction: number) => void, workerUrl = 'worker.js'): Promise<RsaPrivateKey> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl);
    const end = () => worker.terminate();
    worker.onmessage = (e: MessageEvent<KeygenReply>) => {
      const m = e.data;
      if (m.type === 'progress') return onProgress(keygenFraction(m, bits));
      end();
      if (m.type === 'error') return reject(new Error(`key generation failed: ${m.message}`));
      try {
        onProgress(1);
        resolve(parsePrivateKey(m.pem));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    worker.onerror = (e: ErrorEvent) => {
      end();
      reject(new Error(`the key-generation worker failed: ${e.message || 'could not load it'}`));
    };
    const req: KeygenRequest = { bits };
    worker.postMessage(req);
  });
}
