/** The messages between the page and the key-generation worker (keygen-worker.ts). */

/** Page → worker: generate one key. */
export interface KeygenRequest {
  bits: number;
}

/** Worker → page. */
export type KeygenReply =
  | { type: 'progress'; stage: 'p' | 'q' | 'check'; tested: number }
  /** The new key as unencrypted PKCS #8 PEM (it never leaves the browser). */
  | { type: 'done'; pem: string }
  | { type: 'error'; message: string };

/**
 * An estimate in [0, 1) of how far key generation is, from the worker's progress: p and q take
 * about half each; within a stage, 1 − e^(−tested/expected), where `expected` is the typical
 * number of Miller–Rabin candidates for a prime of half the modulus size (about ln(2^(bits/2))/12:
 * one odd number in ln(x)/2 is prime, and trial division leaves about one in six candidates). An estimate only: the search is random. Never throws.
 */
export function keygenFraction(p: { stage: 'p' | 'q' | 'check'; tested: number }, bits: number): number {
  if (p.stage === 'check') return 0.97;
  const expected = Math.max(1, ((bits / 2) * Math.LN2) / 12);
  const within = 1 - Math.exp(-p.tested / expected);
  return (p.stage === 'p' ? 0 : 0.48) + 0.48 * within;
}
