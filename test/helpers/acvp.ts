/**
 * Loader for the NIST ACVP sample vectors in ../shared/vectors/acvp (gzipped JSON, one folder per
 * algorithm mode and revision; see its SOURCE.txt). Tests read internalProjection.json.gz, which
 * holds the prompt (what an implementation receives), the expected answers and the private values;
 * the loader checks that it agrees with prompt.json.gz and expectedResults.json.gz, so that what
 * the tests compare with is NIST's answer, not a projection that drifted from it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { HashName } from '../../src/rsa/index.js';
import { VECTORS } from './paths.js';

/** A test vector set: `testGroups` of `tests`, every one with its `tcId`. */
export interface AcvpFile<G extends { tests: { tcId: number }[] }> {
  algorithm: string;
  mode: string;
  revision: string;
  isSample: boolean;
  testGroups: G[];
}

/** Reads one gzipped JSON file of ../shared/vectors/acvp/DIR. */
function readGz(dir: string, file: string): unknown {
  return JSON.parse(gunzipSync(readFileSync(path.join(VECTORS, 'acvp', dir, file))).toString('utf8'));
}

/**
 * Throws unless every value in `part` is present and equal in `whole`, recursively (objects by
 * the keys of `part`, arrays element by element and of the same length). `where` names the spot.
 */
export function assertSubset(part: unknown, whole: unknown, where: string): void {
  if (Array.isArray(part)) {
    if (!Array.isArray(whole) || whole.length !== part.length) throw new Error(`${where}: array of ${part.length} against ${JSON.stringify(whole)?.slice(0, 60)}`);
    part.forEach((p, i) => assertSubset(p, whole[i], `${where}[${i}]`));
  } else if (part !== null && typeof part === 'object') {
    if (whole === null || typeof whole !== 'object') throw new Error(`${where}: object against ${JSON.stringify(whole)?.slice(0, 60)}`);
    for (const [k, v] of Object.entries(part)) assertSubset(v, (whole as Record<string, unknown>)[k], `${where}.${k}`);
  } else if (part !== whole) {
    throw new Error(`${where}: ${JSON.stringify(part)?.slice(0, 60)} ≠ ${JSON.stringify(whole)?.slice(0, 60)}`);
  }
}

/**
 * Loads acvp/DIR/internalProjection.json.gz after checking that the prompt and the expected
 * results (when the folder has them) are contained in it, and that `mode` is what the caller
 * expects. Throws on any mismatch.
 */
export function loadAcvp<G extends { tests: { tcId: number }[] }>(dir: string, mode: string): AcvpFile<G> {
  const all = readGz(dir, 'internalProjection.json.gz') as AcvpFile<G>;
  for (const file of ['prompt.json.gz', 'expectedResults.json.gz'])
    if (existsSync(path.join(VECTORS, 'acvp', dir, file))) assertSubset(readGz(dir, file), all, `${dir}/${file}`);
  if (all.algorithm !== 'RSA' || all.mode !== mode) throw new Error(`${dir}: ${all.algorithm} ${all.mode}, expected RSA ${mode}`);
  return all;
}

/** The number of tests of a file. */
export const acvpCount = (f: { testGroups: { tests: unknown[] }[] }): number => f.testGroups.reduce((n, g) => n + g.tests.length, 0);

/** ACVP hash names (SHA-1, SHA2-256, SHA3-512, SHAKE-128, …) to ours; throws for any other. */
export function acvpHash(name: string): HashName {
  const map: Record<string, HashName> = {
    'SHA-1': 'SHA-1',
    'SHA2-224': 'SHA-224',
    'SHA2-256': 'SHA-256',
    'SHA2-384': 'SHA-384',
    'SHA2-512': 'SHA-512',
    'SHA2-512/224': 'SHA-512/224',
    'SHA2-512/256': 'SHA-512/256',
    'SHA3-224': 'SHA3-224',
    'SHA3-256': 'SHA3-256',
    'SHA3-384': 'SHA3-384',
    'SHA3-512': 'SHA3-512',
    'SHAKE-128': 'SHAKE128',
    'SHAKE-256': 'SHAKE256',
  };
  const h = map[name];
  if (!h) throw new Error(`unknown ACVP hash ${name}`);
  return h;
}
