/**
 * Key files against the `openssl` command line as an independent peer, both directions:
 * OpenSSL-made keys (PKCS #8, PKCS #1, DER, encrypted PBES2, RSASSA-PSS, three-prime, 1024-bit)
 * import into Parley, and Parley's exports pass `openssl pkey -check`, open with `-passin`, and
 * give the same fingerprint as `openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64`.
 * Needs `openssl` on the PATH: without it these tests fail (.ci/run installs it), never skip.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRsaError, type RsaErrorCode } from '../../src/rsa/errors.js';
import { fingerprint } from '../../src/rsa/fingerprint.js';
import type { RsaPrivateKey } from '../../src/rsa/key.js';
import { generateKeyPair } from '../../src/rsa/keygen.js';
import {
  exportEncryptedPrivateKeyPem, exportPrivateKeyDer, exportPrivateKeyPem, exportPublicKeyDer, exportPublicKeyPem,
  importKey, importPrivateKey, importPublicKey, parsePrivateKey, pssParamsOfKey,
} from '../../src/rsa/keyfile.js';
import { requireWasmEngine } from '../helpers/rsa-engine.js';

requireWasmEngine(); // every private-key operation below runs on the WebAssembly engine (issue 15)

// OpenSSL is the independent peer: its absence is a failure of the test machine, not a skip (.ci/run installs it).

let dir = '';
const file = (name: string) => path.join(dir, name);
/** Runs openssl and returns its stdout as bytes (throws with stderr when it fails). */
function openssl(args: string[], input?: Uint8Array | string): Uint8Array {
  try {
    return new Uint8Array(execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] }));
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${err.stderr?.toString() ?? err.message}`);
  }
}
const opensslText = (args: string[], input?: Uint8Array | string) => new TextDecoder().decode(openssl(args, input));
/** Writes a temporary file and returns its path. */
function put(name: string, data: string | Uint8Array): string {
  writeFileSync(file(name), data);
  return file(name);
}
const read = (name: string) => new Uint8Array(readFileSync(file(name)));
const readText = (name: string) => readFileSync(file(name), 'utf8');
/** `openssl genpkey` with the given -pkeyopt values, PKCS #8 PEM written to `name`. */
function genpkey(name: string, opts: string[], algorithm = 'RSA'): string {
  openssl(['genpkey', '-algorithm', algorithm, ...opts.flatMap((o) => ['-pkeyopt', o]), '-out', file(name)]);
  return readText(name);
}

async function rejectsCode(p: Promise<unknown>, code: RsaErrorCode, msg?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isRsaError(e, code), `expected ${code}, got ${String(e)}`);
    if (msg) assert.match((e as Error).message, msg);
    return true;
  });
}
function throwsCode(fn: () => unknown, code: RsaErrorCode, msg?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isRsaError(e, code), `expected ${code}, got ${String(e)}`);
    if (msg) assert.match((e as Error).message, msg);
    return true;
  });
}
function sameKey(a: RsaPrivateKey, b: RsaPrivateKey): void {
  for (const f of ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const) assert.equal(a[f], b[f], f);
}

describe('key files and the openssl CLI', () => {
  let osslPem = ''; // made by openssl genpkey
  let ossl: RsaPrivateKey;
  let ours: RsaPrivateKey; // made by Parley

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'parley-keyfile-'));
    osslPem = genpkey('ossl.pem', ['rsa_keygen_bits:2048']);
    ossl = parsePrivateKey(osslPem);
    ours = generateKeyPair();
    put('pass.txt', 'open sesame\n'); // openssl reads the first line of -passin file:
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports openssl genpkey keys as PKCS #8 PEM, PKCS #1 PEM and both DERs, and writes the same bytes back', async () => {
    assert.equal(ossl.bits, 2048);
    const src = file('ossl.pem');
    const pkcs1Pem = opensslText(['pkey', '-traditional', '-in', src]);
    const pkcs8Der = openssl(['pkcs8', '-topk8', '-nocrypt', '-in', src, '-outform', 'DER']);
    const pkcs1Der = openssl(['rsa', '-traditional', '-in', src, '-outform', 'DER']);
    assert.match(pkcs1Pem, /^-----BEGIN RSA PRIVATE KEY-----/);
    assert.deepEqual([...pkcs8Der.subarray(4, 9)], [2, 1, 0, 0x30, 13], 'PKCS #8: version, AlgorithmIdentifier');
    assert.deepEqual([...pkcs1Der.subarray(4, 8)], [2, 1, 0, 2], 'PKCS #1: version, modulus');
    for (const input of [osslPem, pkcs1Pem, pkcs8Der, pkcs1Der]) {
      sameKey(parsePrivateKey(input), ossl);
      sameKey(await importPrivateKey(input), ossl);
    }
    assert.equal(exportPrivateKeyPem(ossl), osslPem);
    assert.equal(exportPrivateKeyPem(ossl, 'pkcs1'), pkcs1Pem);
    assert.deepEqual(exportPrivateKeyDer(ossl), pkcs8Der);
    assert.deepEqual(exportPrivateKeyDer(ossl, 'pkcs1'), pkcs1Der);
  });

  it('imports openssl public keys: SPKI PEM/DER and PKCS #1 RSAPublicKey', async () => {
    const src = file('ossl.pem');
    const spkiPem = opensslText(['pkey', '-in', src, '-pubout']);
    const spkiDer = openssl(['pkey', '-in', src, '-pubout', '-outform', 'DER']);
    const pkcs1Pem = opensslText(['rsa', '-in', src, '-RSAPublicKey_out']);
    for (const input of [spkiPem, spkiDer, pkcs1Pem]) {
      assert.deepEqual(importPublicKey(input), ossl.publicKey);
      assert.equal((await importKey(input)).type, 'public');
    }
    assert.equal(exportPublicKeyPem(ossl), spkiPem);
    assert.deepEqual(exportPublicKeyDer(ossl), spkiDer);
    assert.equal(exportPublicKeyPem(ossl, 'pkcs1'), pkcs1Pem);
  });

  it('our private keys pass `openssl pkey -check` in every format', () => {
    const n = ours.n.toString(16).toUpperCase();
    for (const [name, data, inform] of [
      ['p8.pem', exportPrivateKeyPem(ours), 'PEM'],
      ['p1.pem', exportPrivateKeyPem(ours, 'pkcs1'), 'PEM'],
      ['p8.der', exportPrivateKeyDer(ours), 'DER'],
      ['p1.der', exportPrivateKeyDer(ours, 'pkcs1'), 'DER'],
    ] as const) {
      const f = put(name, data);
      assert.match(opensslText(['pkey', '-check', '-noout', '-inform', inform, '-in', f]), /Key is valid/);
      assert.equal(opensslText(['rsa', '-modulus', '-noout', '-inform', inform, '-in', f]).trim(), `Modulus=${n}`);
    }
  });

  it('our public keys open with `openssl pkey -pubin` (SPKI) and `openssl rsa -RSAPublicKey_in` (PKCS #1)', () => {
    const n = ours.n.toString(16).toUpperCase();
    const pub = put('pub.pem', exportPublicKeyPem(ours));
    openssl(['pkey', '-pubin', '-in', pub, '-noout']);
    assert.equal(opensslText(['rsa', '-pubin', '-modulus', '-noout', '-in', pub]).trim(), `Modulus=${n}`);
    const der = put('pub.der', exportPublicKeyDer(ours));
    openssl(['pkey', '-pubin', '-inform', 'DER', '-in', der, '-noout']);
    const p1 = put('pub1.pem', exportPublicKeyPem(ours, 'pkcs1'));
    assert.equal(opensslText(['rsa', '-RSAPublicKey_in', '-modulus', '-noout', '-in', p1]).trim(), `Modulus=${n}`);
  });

  it('our encrypted PKCS #8 opens with `openssl pkey -passin`, and a wrong passphrase does not', async () => {
    const enc = put('enc.pem', await exportEncryptedPrivateKeyPem(ours, 'open sesame', { iterations: 2048 }));
    assert.equal(opensslText(['pkey', '-passin', `file:${file('pass.txt')}`, '-in', enc]), exportPrivateKeyPem(ours));
    assert.throws(() => openssl(['pkey', '-passin', 'pass:wrong', '-in', enc, '-noout']));
    const asn1 = opensslText(['asn1parse', '-in', enc]);
    for (const want of [/:PBES2/, /:PBKDF2/, /:hmacWithSHA256/, /:aes-256-cbc/, /INTEGER +:0800\n/]) assert.match(asn1, want);
    assert.equal((asn1.match(/l= +16 prim: OCTET STRING/g) ?? []).length, 2, '16-byte salt and IV');
  });

  it('the default iteration count (600 000) works with openssl too', async () => {
    const enc = put('enc-default.pem', await exportEncryptedPrivateKeyPem(ossl, 'open sesame'));
    assert.match(opensslText(['asn1parse', '-in', enc]), /INTEGER +:0927C0\n/);
    assert.equal(opensslText(['pkey', '-passin', `file:${file('pass.txt')}`, '-in', enc]), osslPem);
  });

  it('`openssl pkcs8 -topk8 -v2 …` output opens with ours (AES-128/192/256, HMAC-SHA-1/224/256/384/512)', async () => {
    const variants = [
      ['-v2', 'aes-256-cbc'],
      ['-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA1'],
      ['-v2', 'aes-192-cbc', '-v2prf', 'hmacWithSHA512'],
      ['-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA224'],
      ['-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA384'],
    ];
    for (const v of variants) {
      const pem = opensslText(['pkcs8', '-topk8', ...v, '-iter', '2048', '-in', file('ossl.pem'), '-passout', `file:${file('pass.txt')}`]);
      assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/, v.join(' '));
      sameKey(await importPrivateKey(pem, { passphrase: 'open sesame' }), ossl);
      await rejectsCode(importPrivateKey(pem, { passphrase: 'open sesame!' }), 'RSA_BAD_PASSPHRASE');
      await rejectsCode(importPrivateKey(pem), 'RSA_BAD_PASSPHRASE', /passphrase is needed/);
    }
    const der = openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-outform', 'DER', '-in', file('ossl.pem'), '-passout', 'pass:secret']);
    sameKey(await importPrivateKey(der, { passphrase: 'secret' }), ossl);
    sameKey((await importKey(der, { passphrase: 'secret' })) as RsaPrivateKey, ossl);
  });

  it('other encryptions openssl can write → RSA_UNSUPPORTED with a hint', async () => {
    const des3 = opensslText(['pkcs8', '-topk8', '-v2', 'des3', '-in', file('ossl.pem'), '-passout', 'pass:pw']);
    await rejectsCode(importPrivateKey(des3, { passphrase: 'pw' }), 'RSA_UNSUPPORTED', /AES/);
    const legacy = opensslText(['pkey', '-traditional', '-aes256', '-in', file('ossl.pem'), '-passout', 'pass:pw']);
    assert.match(legacy, /Proc-Type: 4,ENCRYPTED/);
    await rejectsCode(importPrivateKey(legacy, { passphrase: 'pw' }), 'RSA_UNSUPPORTED', /openssl pkcs8 -topk8/);
    throwsCode(() => importPublicKey(legacy), 'RSA_UNSUPPORTED', /Proc-Type/);
  });

  it('fingerprint = `openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64` minus "="', () => {
    for (const k of [ossl, ours]) {
      const pub = put('fp.pem', exportPublicKeyPem(k));
      const spki = openssl(['pkey', '-pubin', '-in', pub, '-outform', 'DER']);
      const digest = openssl(['dgst', '-sha256', '-binary'], spki);
      const b64 = opensslText(['base64', '-A'], digest).trim().replace(/=+$/, '');
      assert.equal(fingerprint(k), `SHA256:${b64}`);
      assert.equal(fingerprint(k.publicKey), `SHA256:${b64}`);
    }
  });

  it('RSA-PSS keys made by openssl carry their parameters', () => {
    const pem = genpkey('pss.pem', ['rsa_keygen_bits:2048', 'rsa_pss_keygen_md:sha256', 'rsa_pss_keygen_mgf1_md:sha256', 'rsa_pss_keygen_saltlen:32'], 'RSA-PSS');
    const pub = opensslText(['pkey', '-in', file('pss.pem'), '-pubout']);
    const want = { hash: 'SHA-256', mgfHash: 'SHA-256', saltLength: 32 };
    assert.deepEqual(pssParamsOfKey(pem), want);
    assert.deepEqual(pssParamsOfKey(pub), want);
    assert.equal(importPublicKey(pub).n, parsePrivateKey(pem).n);
    const plain = genpkey('pss0.pem', ['rsa_keygen_bits:2048'], 'RSA-PSS');
    assert.deepEqual(pssParamsOfKey(plain), { hash: 'SHA-1', mgfHash: 'SHA-1', saltLength: 20 });
  });

  it('a three-prime openssl key → RSA_UNSUPPORTED; its public key is fine', async () => {
    const pem = genpkey('three.pem', ['rsa_keygen_bits:2048', 'rsa_keygen_primes:3']);
    await rejectsCode(importPrivateKey(pem), 'RSA_UNSUPPORTED', /multi-prime RSA keys are not supported/);
    const pkcs1 = opensslText(['pkey', '-traditional', '-in', file('three.pem')]);
    throwsCode(() => parsePrivateKey(pkcs1), 'RSA_UNSUPPORTED', /multi-prime/);
    throwsCode(() => importPublicKey(pkcs1), 'RSA_UNSUPPORTED', /multi-prime/);
    const pub = opensslText(['pkey', '-in', file('three.pem'), '-pubout']);
    assert.equal(importPublicKey(pub).bits, 2048);
  });

  it('a 1024-bit openssl key → RSA_KEY_TOO_SMALL by default, accepted with minBits 1024', async () => {
    const pem = genpkey('small.pem', ['rsa_keygen_bits:1024']);
    await rejectsCode(importPrivateKey(pem), 'RSA_KEY_TOO_SMALL');
    throwsCode(() => importPublicKey(opensslText(['pkey', '-in', file('small.pem'), '-pubout'])), 'RSA_KEY_TOO_SMALL');
    assert.equal((await importPrivateKey(pem, { minBits: 1024 })).bits, 1024);
  });

  it('an e = 3 key round-trips byte for byte', () => {
    const pem = genpkey('e3.pem', ['rsa_keygen_bits:2048', 'rsa_keygen_pubexp:3']);
    const k = parsePrivateKey(pem);
    assert.equal(k.e, 3n);
    assert.equal(exportPrivateKeyPem(k), pem);
  });

  it('a damaged key that openssl rejects, we reject too', () => {
    const der = exportPrivateKeyDer(ours, 'pkcs1');
    const bad = Uint8Array.from(der, (v, i) => (i === 100 ? v ^ 1 : v)); // inside n
    const f = put('bad.der', bad);
    assert.throws(() => openssl(['pkey', '-check', '-noout', '-inform', 'DER', '-in', f]));
    throwsCode(() => parsePrivateKey(bad), 'RSA_INVALID_KEY');
  });
});
