/**
 * Loaders and small parsers for the public RSA test vectors in ../shared/vectors (read-only):
 * Project Wycheproof JSON, the RSA Laboratories PKCS #1 v2.1 example files and NIST CAVP
 * .rsp/.txt files. Parsers are strict: an unknown field throws, so that a format surprise fails
 * loudly instead of silently dropping cases. See docs/VECTORS.md for the policy.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gcd, hexToBytes, modPow, type HashName } from '../../src/rsa/index.js';
import { VECTORS } from './paths.js';

// ---------------------------------------------------------------------------------------------
// Common

/** Reads a vector file as text (path relative to ../shared/vectors). */
export function readVectorText(rel: string): string {
  return readFileSync(path.join(VECTORS, rel), 'utf8');
}

/** Names of the files of a vector folder that match `re`, sorted. */
export function listVectorFiles(dir: string, re: RegExp): string[] {
  return readdirSync(path.join(VECTORS, dir))
    .filter((f) => re.test(f))
    .sort();
}

/** Hex (possibly empty, possibly with leading zero bytes) to bytes. */
export function hex(h: string): Uint8Array {
  return hexToBytes(h);
}

/** Big-endian hex (possibly empty, possibly with a leading 00 or an odd length) to a BigInt. */
export function hexToBigInt(h: string): bigint {
  if (!/^[0-9a-fA-F]*$/.test(h)) throw new Error(`not hex: ${h.slice(0, 40)}`);
  return h.length === 0 ? 0n : BigInt('0x' + h);
}

// ---------------------------------------------------------------------------------------------
// Project Wycheproof (schemas in wycheproof/schemas/)

export type WycheproofResult = 'valid' | 'invalid' | 'acceptable';

export interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  result: WycheproofResult;
}

export interface WycheproofFile<G> {
  algorithm: string;
  schema: string;
  numberOfTests: number;
  header: string[];
  notes: Record<string, { bugType?: string; description?: string }>;
  testGroups: G[];
}

/** RSAES-OAEP decryption tests (rsaes_oaep_decrypt_schema_v1.json). */
export interface OaepTest extends WycheproofTest {
  msg: string;
  ct: string;
  label: string;
}

export interface WycheproofPrivateKey {
  modulus: string;
  publicExponent: string;
  privateExponent: string;
  prime1: string;
  prime2: string;
  exponent1: string;
  exponent2: string;
  coefficient: string;
  /** Present only for multi-prime keys: [prime, exponent, coefficient] per extra prime. */
  otherPrimeInfos?: [string, string, string][];
}

export interface OaepGroup {
  type: string;
  keySize: number;
  sha: string;
  mgf: string;
  mgfSha: string;
  privateKey: WycheproofPrivateKey;
  tests: OaepTest[];
}

/** Signature verification tests (rsassa_pss_*_schema, rsassa_pkcs1_verify_schema_v1.json). */
export interface SignatureTest extends WycheproofTest {
  msg: string;
  sig: string;
}

export interface WycheproofPublicKey {
  modulus: string;
  publicExponent: string;
}

export interface PssGroup {
  type: string;
  keySize: number;
  sha: string;
  /** 'MGF1', or 'SHAKE128' / 'SHAKE256' (RFC 8702: the XOF is its own mask function). */
  mgf: string;
  /** The MGF1 hash; absent for SHAKE. */
  mgfSha?: string;
  sLen: number;
  publicKey: WycheproofPublicKey;
  tests: SignatureTest[];
}

export interface Pkcs1SigGroup {
  type: string;
  keySize: number;
  sha: string;
  publicKey: WycheproofPublicKey;
  tests: SignatureTest[];
}

/** Loads a Wycheproof file and checks that its numberOfTests matches its groups. */
export function loadWycheproof<G extends { tests: WycheproofTest[] }>(file: string): WycheproofFile<G> {
  const data = JSON.parse(readVectorText(path.join('wycheproof', file))) as WycheproofFile<G>;
  if (!Array.isArray(data.testGroups)) throw new Error(`${file}: no testGroups`);
  const n = data.testGroups.reduce((a, g) => a + g.tests.length, 0);
  if (n !== data.numberOfTests) throw new Error(`${file}: numberOfTests ${data.numberOfTests} but ${n} tests`);
  return data;
}

/** The components of a Wycheproof two-prime private key, for privateKeyFromComponents. */
export function wycheproofPrivateComponents(k: WycheproofPrivateKey) {
  return {
    n: hexToBigInt(k.modulus),
    e: hexToBigInt(k.publicExponent),
    d: hexToBigInt(k.privateExponent),
    p: hexToBigInt(k.prime1),
    q: hexToBigInt(k.prime2),
    dp: hexToBigInt(k.exponent1),
    dq: hexToBigInt(k.exponent2),
    qi: hexToBigInt(k.coefficient),
  };
}

/** The (n, e) of a Wycheproof public key, for publicKeyFromComponents. */
export function wycheproofPublicComponents(k: WycheproofPublicKey): { n: bigint; e: bigint } {
  return { n: hexToBigInt(k.modulus), e: hexToBigInt(k.publicExponent) };
}

/** "rsa_oaep_2048_sha1_mgf1sha1_test.json · tcId 12 (comment) [flags]" for assertion messages. */
export function tcLabel(file: string, t: WycheproofTest): string {
  const flags = t.flags.length ? ` [${t.flags.join(', ')}]` : '';
  return `${file} tcId ${t.tcId}${t.comment ? ` (${t.comment})` : ''}${flags}`;
}

// ---------------------------------------------------------------------------------------------
// RSA Laboratories PKCS #1 v2.1 example files (oaep-vect.txt, pss-vect.txt,
// pkcs1v15sign-vectors.txt): "# label:" comment lines, each followed by lines of hex octets.

export interface RsaLabsComponents {
  n: bigint;
  e: bigint;
  d: bigint;
  p: bigint;
  q: bigint;
  dp: bigint;
  dq: bigint;
  qi: bigint;
}

export interface RsaLabsCase {
  /** "1.1", "10.6", … */
  id: string;
  msg: Uint8Array;
  seed?: Uint8Array;
  ct?: Uint8Array;
  salt?: Uint8Array;
  sig?: Uint8Array;
}

export interface RsaLabsExample {
  /** The example (key) number, 1-based. */
  id: number;
  /** "A 1024-bit RSA Key Pair" */
  title: string;
  key: RsaLabsComponents;
  cases: RsaLabsCase[];
}

const HEX_LINE = /^[0-9a-fA-F]{2}( +[0-9a-fA-F]{2})* *$/;

/** Comment labels (a "# label" line) in order, each with the hex octets that follow it ('' if none). */
export function tokenizeRsaLabs(text: string): { label: string; hex: string }[] {
  const out: { label: string; hex: string }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#')) {
      const label = line.slice(1).trim();
      if (label === '' || /^[-=]+$/.test(label)) continue;
      out.push({ label: label.replace(/:$/, '').trim(), hex: '' });
    } else if (line !== '' && HEX_LINE.test(line)) {
      const last = out[out.length - 1];
      if (!last) throw new Error(`hex before any label: ${line}`);
      last.hex += line.replace(/ +/g, '');
    }
    // any other line is prose (the pkcs1v15 files' free-text header) and is ignored
  }
  return out;
}

const KEY_FIELDS: Record<string, keyof RsaLabsComponents> = {
  'RSA modulus n': 'n',
  Modulus: 'n',
  'RSA public exponent e': 'e',
  'Public exponent': 'e',
  'RSA private exponent d': 'd',
  'Prime p': 'p',
  'Prime 1': 'p',
  'Prime q': 'q',
  'Prime 2': 'q',
  "p's CRT exponent dP": 'dp',
  'Prime exponent 1': 'dp',
  "q's CRT exponent dQ": 'dq',
  'Prime exponent 2': 'dq',
  'CRT coefficient qInv': 'qi',
  Coefficient: 'qi',
};

const CASE_FIELDS: Record<string, Exclude<keyof RsaLabsCase, 'id'>> = {
  'Message to be encrypted': 'msg',
  'Message to be signed': 'msg',
  Seed: 'seed',
  Encryption: 'ct',
  Salt: 'salt',
  Signature: 'sig',
};

/**
 * Parses an RSA Labs example file into keys with their cases. "Exponent" means e in a
 * "Public key" section and d in a "Private key" section (pkcs1v15sign-vectors.txt).
 */
export function parseRsaLabs(text: string): RsaLabsExample[] {
  type Partial_ = { id: number; title: string; key: Partial<RsaLabsComponents>; cases: RsaLabsCase[] };
  const all: Partial_[] = [];
  let ex: Partial_ | undefined;
  let cur: Partial<RsaLabsCase> | undefined;
  let section: 'public' | 'private' = 'public';
  const finishCase = () => {
    if (cur) {
      if (!ex || !cur.id || !cur.msg) throw new Error(`incomplete case ${cur.id}`);
      ex.cases.push(cur as RsaLabsCase);
    }
    cur = undefined;
  };
  for (const { label, hex: h } of tokenizeRsaLabs(text)) {
    const exM = /^Example (\d+): (.*)$/.exec(label);
    if (exM) {
      finishCase();
      ex = { id: Number(exM[1]), title: exM[2]!.trim(), key: {}, cases: [] };
      all.push(ex);
      section = 'public';
      continue;
    }
    const caseM = /Example (\d+\.\d+)$/.exec(label);
    if (caseM) {
      finishCase();
      if (!ex || !caseM[1]!.startsWith(`${ex.id}.`)) throw new Error(`case ${caseM[1]} outside its example`);
      cur = { id: caseM[1]! };
      continue;
    }
    if (label === 'Public key' || label === 'Private key') {
      section = label === 'Public key' ? 'public' : 'private';
      continue;
    }
    if (h === '') continue; // prose, titles, separators
    if (!ex) throw new Error(`data before the first example: ${label}`);
    const keyField = label === 'Exponent' ? (section === 'public' ? 'e' : 'd') : KEY_FIELDS[label];
    if (keyField && !cur) {
      const v = hexToBigInt(h);
      const old = ex.key[keyField];
      if (old !== undefined && old !== v) throw new Error(`example ${ex.id}: two different values of ${keyField}`);
      ex.key[keyField] = v;
      continue;
    }
    const caseField = CASE_FIELDS[label];
    if (caseField && cur) {
      cur[caseField] = hexToBytes(h);
      continue;
    }
    throw new Error(`unexpected field "${label}" in example ${ex.id}`);
  }
  finishCase();
  for (const e of all)
    for (const k of ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const)
      if (e.key[k] === undefined) throw new Error(`example ${e.id}: key component ${k} missing`);
  return all as RsaLabsExample[];
}

/** Reads and parses a file of ../shared/vectors/rsa-labs-pkcs1v21. */
export function loadRsaLabs(file: string): RsaLabsExample[] {
  return parseRsaLabs(readVectorText(path.join('rsa-labs-pkcs1v21', file)));
}

// ---------------------------------------------------------------------------------------------
// NIST CAVP .rsp / .txt: "# comments", "[param = value]" section lines, and paragraphs of
// "name = value" lines separated by blank lines.

export interface CavpRecord {
  /** Section parameters in force, e.g. { mod: '2048', 'Table for M-R Test': 'C.2' }. */
  params: Record<string, string>;
  /** The case's own values merged over the values of earlier non-case paragraphs (n, e, d…). */
  values: Record<string, string>;
  /** 1-based line number of the case's first line, for messages. */
  line: number;
}

export interface CavpFile {
  /** The header comment lines (without '#'). */
  comments: string[];
  records: CavpRecord[];
}

/**
 * Parses a CAVP file. A paragraph that contains `caseKey` (e.g. 'Msg', 'Result') starts a case;
 * a following paragraph with only new names (a stray blank line inside a case, as in
 * SigVer15_186-3_TruncatedSHAs.rsp) still belongs to it. Any other paragraph (n; e and d; p and
 * q) sets values inherited by the following cases of the same section, as does an inherited
 * name restated inside a case; a [section] line clears them. Lines of non-ASCII junk (a stray 0xFF ends one KAT file) count as blank.
 */
export function parseCavp(text: string, caseKey: string): CavpFile {
  const comments: string[] = [];
  const records: CavpRecord[] = [];
  const params: Record<string, string> = {};
  let inherited: Record<string, string> = {};
  let open: CavpRecord | undefined;
  let para: Record<string, string> = {};
  let paraLine = 0;
  let lastWasParam = false;
  const close = () => {
    if (open) records.push(open);
    open = undefined;
  };
  const flush = () => {
    const keys = Object.keys(para);
    if (keys.length === 0) return;
    if (caseKey in para) {
      close();
      // a case that restates an inherited value (an "n = …" line glued to the next case in
      // SigVerPSS_186-3_TruncatedSHAs.rsp) sets it for the cases that follow as well
      for (const k of keys) if (k in inherited) inherited[k] = para[k]!;
      open = { params: { ...params }, values: { ...inherited, ...para }, line: paraLine };
    } else if (open && keys.every((k) => !(k in open!.values))) {
      Object.assign(open.values, para);
    } else {
      close();
      inherited = { ...inherited, ...para };
    }
    para = {};
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || /^[^\x20-\x7e]+$/.test(line)) {
      flush();
      continue;
    }
    if (line.startsWith('#')) {
      comments.push(line.slice(1).trim());
      continue;
    }
    const sec = /^\[([^=\]]+?)\s*=\s*([^\]]*?)\s*\]$/.exec(line);
    if (sec) {
      flush();
      close();
      if (!lastWasParam) inherited = {};
      params[sec[1]!] = sec[2]!;
      lastWasParam = true;
      continue;
    }
    // names are words, possibly with spaces, or an intermediate value such as "c^d" (RSADPComponent800_56B.txt)
    const kv = /^([A-Za-z][A-Za-z0-9 ^]*?)\s*=\s*(.*)$/.exec(line);
    if (!kv) throw new Error(`line ${i + 1}: cannot parse "${line.slice(0, 60)}"`);
    if (Object.keys(para).length === 0) paraLine = i + 1;
    if (kv[1]! in para) throw new Error(`line ${i + 1}: ${kv[1]} twice in one paragraph`);
    para[kv[1]!] = kv[2]!;
    lastWasParam = false;
  }
  flush();
  close();
  return { comments, records };
}

/**
 * A CAVP hex value as bytes, left-padded with zeros to `len` bytes. CAVS prints some values as
 * integers, dropping leading zero nibbles (odd-length Msg and S in SigVer15_186-3.rsp).
 */
export function cavpBytes(h: string, len: number): Uint8Array {
  if (h.length > 2 * len) throw new Error(`value of ${h.length / 2} bytes longer than ${len}`);
  return hexToBytes(h.padStart(2 * len, '0'));
}

/** Reads and parses a file of ../shared/vectors/nist-cavp. */
export function loadCavp(file: string, caseKey: string): CavpFile {
  return parseCavp(readVectorText(path.join('nist-cavp', file)), caseKey);
}

/**
 * CAVP's "Result = F (3 - Signature changed )" → { pass: false, reason: '3 - Signature changed' };
 * "Pass" and "Fail" (RSADPComponent800_56B) are P and F.
 */
export function cavpResult(v: string | undefined): { pass: boolean; reason: string } {
  const m = /^([PF])(?:ass|ail)?\b\s*(?:\((.*?)\)?)?\s*$/.exec(v ?? '');
  if (!m) throw new Error(`bad Result: ${v}`);
  return { pass: m[1] === 'P', reason: (m[2] ?? '').trim() };
}

/** CAVP hash names (SHA1, SHA224, …, SHA512224, SHA512256) to ours. */
export function cavpHash(name: string | undefined): HashName {
  const map: Record<string, HashName> = {
    SHA1: 'SHA-1',
    SHA224: 'SHA-224',
    SHA256: 'SHA-256',
    SHA384: 'SHA-384',
    SHA512: 'SHA-512',
    SHA512224: 'SHA-512/224',
    SHA512256: 'SHA-512/256',
  };
  const h = name === undefined ? undefined : map[name];
  if (!h) throw new Error(`unknown CAVP hash ${name}`);
  return h;
}

/**
 * The salt lengths of a PSS CAVP file from its "Combinations selected" header, e.g.
 * "Mod Size 2048 with SHA-224(Salt len: 15); SHA-256(Salt len: 20); …" → "2048 SHA-224" → 15.
 */
export function cavpPssSaltLengths(comments: string[]): Map<string, number> {
  const out = new Map<string, number>();
  const text = comments.join(' ');
  for (const part of text.split(/Mod Size /).slice(1)) {
    const mod = /^(\d+)/.exec(part)?.[1];
    for (const m of part.matchAll(/(SHA-[0-9/]+)\s*\(Salt len:\s*(\d+)\)/g)) out.set(`${mod} ${m[1]}`, Number(m[2]));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Number theory the tests need beyond src/rsa

/**
 * Recovers the prime factors (p > q) of n from a key pair (n, e, d) with the probabilistic
 * algorithm of NIST SP 800-56B Rev. 2 Appendix C.2. Bases g = 2, 3, 4, … make it deterministic.
 */
export function recoverPrimes(n: bigint, e: bigint, d: bigint): { p: bigint; q: bigint } {
  // C.2 step 1–2: k = de − 1 = 2^t · r with r odd
  const k = d * e - 1n;
  if (k <= 0n || (k & 1n) === 1n) throw new Error('de − 1 must be positive and even');
  let t = 0;
  let r = k;
  while ((r & 1n) === 0n) {
    r >>= 1n;
    t++;
  }
  // C.2 step 3: look for a non-trivial square root of 1 mod n
  for (let g = 2n; g < 2n + 100n; g++) {
    let y = modPow(g, r, n);
    if (y === 1n || y === n - 1n) continue;
    for (let j = 1; j <= t; j++) {
      const x = (y * y) % n;
      if (x === 1n) {
        const p = gcd(y - 1n, n);
        const q = n / p;
        if (p === 1n || q === 1n || p * q !== n) break;
        return p > q ? { p, q } : { p: q, q: p };
      }
      if (x === n - 1n) break;
      y = x;
    }
  }
  throw new Error('could not factor n from (n, e, d)');
}
