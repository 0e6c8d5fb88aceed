/**
 * Key files (src/rsa/keyfile.ts, jwk.ts, pbes2.ts, fingerprint.ts): fixtures made by OpenSSL
 * (pycryptodome test vectors) and Project Wycheproof, round trips of every format, node:crypto
 * as a second reader, and malformed input with the exact error code of each case.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  derContext, derInteger, derNull, derOctetString, derOid, derSequence, derBitString,
} from '../../src/rsa/asn1.js';
import { base64ToBytes, bytesToBase64, hexToBytes } from '../../src/rsa/bytes.js';
import { isRsaError, type RsaErrorCode } from '../../src/rsa/errors.js';
import { fingerprint } from '../../src/rsa/fingerprint.js';
import { exportJwk, importJwk } from '../../src/rsa/jwk.js';
import type { RsaPrivateKey, RsaPublicKey } from '../../src/rsa/key.js';
import { generateKeyPair } from '../../src/rsa/keygen.js';
import {
  exportEncryptedPrivateKeyPem, exportPrivateKeyDer, exportPrivateKeyPem, exportPublicKeyDer, exportPublicKeyPem,
  importKey, importPrivateKey, importPublicKey, parsePrivateKey, pssParamsOfKey,
} from '../../src/rsa/keyfile.js';
import { pemDecode, pemEncode } from '../../src/rsa/pem.js';
import { VECTORS } from '../helpers/paths.js';

const PYC = path.join(VECTORS, 'pycryptodome-rsa-keys');
const WYC = path.join(VECTORS, 'wycheproof');
const text = (f: string) => readFileSync(path.join(PYC, f), 'utf8');
const bytes = (f: string) => new Uint8Array(readFileSync(path.join(PYC, f)));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const wycheproof = (f: string): { testGroups: Record<string, any>[] } => JSON.parse(readFileSync(path.join(WYC, f), 'utf8'));

function throwsCode(fn: () => unknown, code: RsaErrorCode, msg?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isRsaError(e, code), `expected ${code}, got ${String(e)}`);
    if (msg) assert.match((e as Error).message, msg);
    return true;
  });
}
async function rejectsCode(p: Promise<unknown>, code: RsaErrorCode, msg?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isRsaError(e, code), `expected ${code}, got ${String(e)}`);
    if (msg) assert.match((e as Error).message, msg);
    return true;
  });
}
function sameKey(a: RsaPrivateKey, b: RsaPrivateKey): void {
  for (const f of ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const) assert.equal(a[f], b[f], f);
}

const FAST = { checkPrimes: false };
let key: RsaPrivateKey; // pycryptodome's OpenSSL-made key (PKCS #8 fixture)
let other: RsaPrivateKey; // Wycheproof's OAEP key

before(() => {
  key = parsePrivateKey(text('rsa2048_private.pem'));
  other = parsePrivateKey(hexToBytes(wycheproof('rsa_oaep_2048_sha256_mgf1sha256_test.json').testGroups[0]!.privateKeyPkcs8));
});

describe('OpenSSL-made fixtures (pycryptodome vectors)', () => {
  it('reads PKCS #8 PEM, SPKI PEM and the PBES2 (HMAC-SHA-512, AES-256) DER of one key', async () => {
    assert.equal(key.bits, 2048);
    const pub = importPublicKey(text('rsa2048_public.pem'));
    assert.equal(pub.n, key.n);
    assert.equal(pub.e, key.e);
    sameKey(await importPrivateKey(bytes('rsa2048_private_p8.der'), { passphrase: 'secret' }), key);
    await rejectsCode(importPrivateKey(bytes('rsa2048_private_p8.der'), { passphrase: 'Secret' }), 'RSA_BAD_PASSPHRASE');
  });

  it('writes exactly the bytes OpenSSL wrote', () => {
    assert.equal(exportPrivateKeyPem(key), text('rsa2048_private.pem'));
    assert.equal(exportPublicKeyPem(key), text('rsa2048_public.pem'));
    const pkcs1 = text('rsa2048_private_openssh_old.pem'); // PKCS #1 "RSA PRIVATE KEY" written by ssh-keygen -m PEM
    assert.equal(exportPrivateKeyPem(parsePrivateKey(pkcs1), 'pkcs1'), pkcs1);
  });

  it('reads the id-RSASSA-PSS key pair and its default parameters', () => {
    const priv = parsePrivateKey(text('rsa2048_pss_private.pem'));
    const pub = importPublicKey(text('rsa2048_pss_public.pem'));
    assert.equal(pub.n, priv.n);
    const defaults = { hash: 'SHA-1', mgfHash: 'SHA-1', saltLength: 20 };
    assert.deepEqual(pssParamsOfKey(text('rsa2048_pss_public.pem')), defaults);
    assert.deepEqual(pssParamsOfKey(text('rsa2048_pss_private.pem')), defaults);
    assert.equal(pssParamsOfKey(text('rsa2048_public.pem')), undefined);
    assert.equal(pssParamsOfKey(exportPublicKeyDer(key, 'pkcs1')), undefined);
    // exported again as rsaEncryption, which `openssl` and every reader accept
    assert.equal(pssParamsOfKey(exportPublicKeyPem(pub)), undefined);
  });

  it('rejects OpenSSH private keys with a clear message', () => {
    throwsCode(() => parsePrivateKey(text('rsa2048_private_openssh.pem')), 'RSA_INVALID_FORMAT', /wrong PEM label.*OPENSSH PRIVATE KEY/);
  });
});

describe('Wycheproof keys', () => {
  const files = [
    'rsa_oaep_2048_sha256_mgf1sha256_test.json', 'rsa_oaep_3072_sha256_mgf1sha256_test.json',
    'rsa_oaep_4096_sha256_mgf1sha256_test.json', 'rsa_oaep_2048_sha1_mgf1sha1_test.json',
  ];
  it('privateKeyPkcs8, privateKeyPem and privateKeyJwk give one key, and we write them back exactly', () => {
    let groups = 0;
    for (const f of files)
      for (const g of wycheproof(f).testGroups) {
        const der = hexToBytes(g.privateKeyPkcs8);
        const k = parsePrivateKey(der);
        assert.equal(k.bits, g.keySize);
        sameKey(parsePrivateKey(g.privateKeyPem), k);
        assert.deepEqual(exportPrivateKeyDer(k), der);
        assert.equal(exportPrivateKeyPem(k), g.privateKeyPem.endsWith('\n') ? g.privateKeyPem : g.privateKeyPem + '\n');
        if (g.privateKeyJwk) {
          sameKey(importJwk(g.privateKeyJwk) as RsaPrivateKey, k);
          const { alg: _a, kid: _k, ...members } = g.privateKeyJwk;
          assert.deepEqual(exportJwk(k), members);
        }
        groups++;
      }
    assert.ok(groups >= 4);
  });

  it('publicKeyDer / publicKeyPem / publicKeyJwk of signature files', () => {
    for (const f of ['rsa_pss_2048_sha256_mgf1_32_test.json', 'rsa_signature_2048_sha256_test.json', 'rsa_pss_4096_sha512_mgf1_32_test.json']) {
      const g = wycheproof(f).testGroups[0]!;
      const der = hexToBytes(g.publicKeyDer);
      const k = importPublicKey(der);
      assert.equal(k.n, BigInt('0x' + g.publicKey.modulus));
      assert.deepEqual(exportPublicKeyDer(k), der);
      assert.equal(importPublicKey(g.publicKeyPem).n, k.n);
      if (g.publicKeyJwk) assert.equal(importJwk(g.publicKeyJwk).n, k.n);
    }
  });

  it('pssParamsOfKey reads every RSASSA-PSS-params of the *_params_test files', () => {
    let n = 0;
    for (const f of ['rsa_pss_misc_params_test.json', 'rsa_pss_2048_sha256_mgf1_32_params_test.json',
      'rsa_pss_2048_sha256_mgf1_0_params_test.json', 'rsa_pss_4096_sha512_mgf1_64_params_test.json']) {
      for (const g of wycheproof(f).testGroups) {
        const expected = { hash: g.sha, mgfHash: g.mgfSha, saltLength: g.sLen };
        assert.deepEqual(pssParamsOfKey(hexToBytes(g.publicKeyDer)), expected, `${f} ${JSON.stringify(expected)}`);
        assert.deepEqual(pssParamsOfKey(g.publicKeyPem), expected);
        assert.equal(importPublicKey(hexToBytes(g.publicKeyDer)).n, BigInt('0x' + g.publicKey.modulus));
        n++;
      }
    }
    assert.ok(n > 30, `${n} parameter sets`);
  });
});

describe('round trips', () => {
  it('private keys: PKCS #8 and PKCS #1, DER and PEM, through every reader', async () => {
    const fresh = generateKeyPair();
    for (const k of [key, other, fresh]) {
      for (const format of ['pkcs8', 'pkcs1'] as const) {
        const der = exportPrivateKeyDer(k, format);
        const pem = exportPrivateKeyPem(k, format);
        assert.match(pem, format === 'pkcs8' ? /^-----BEGIN PRIVATE KEY-----\n/ : /^-----BEGIN RSA PRIVATE KEY-----\n/);
        assert.deepEqual(pemDecode(pem).der, der);
        for (const input of [der, pem, new TextEncoder().encode(pem), pem.replace(/\n/g, '\r\n')]) {
          sameKey(parsePrivateKey(input), k);
          sameKey(await importPrivateKey(input), k);
          const any = await importKey(input);
          assert.equal(any.type, 'private');
          assert.equal(importPublicKey(input).n, k.n); // the public half of a private key file
        }
      }
    }
  });

  it('public keys: SPKI and PKCS #1, DER and PEM, from a public or a private key', async () => {
    for (const k of [key, other]) {
      for (const format of ['spki', 'pkcs1'] as const) {
        const der = exportPublicKeyDer(k, format);
        assert.deepEqual(exportPublicKeyDer(k.publicKey, format), der);
        const pem = exportPublicKeyPem(k.publicKey, format);
        assert.match(pem, format === 'spki' ? /^-----BEGIN PUBLIC KEY-----\n/ : /^-----BEGIN RSA PUBLIC KEY-----\n/);
        for (const input of [der, pem]) {
          const pub = importPublicKey(input);
          assert.deepEqual(pub, k.publicKey);
          assert.equal((await importKey(input)).type, 'public');
          throwsCode(() => parsePrivateKey(input), 'RSA_INVALID_FORMAT', /expected a private key/);
        }
      }
    }
  });

  it('JWK, as an object and as JSON text', () => {
    for (const k of [key, other]) {
      const jwk = exportJwk(k);
      assert.equal(jwk.kty, 'RSA');
      assert.equal(jwk.e, 'AQAB');
      assert.doesNotMatch(JSON.stringify(jwk), /=/);
      sameKey(importJwk(jwk) as RsaPrivateKey, k);
      sameKey(importJwk(JSON.stringify(jwk)) as RsaPrivateKey, k);
      const pub = exportJwk(k.publicKey);
      assert.deepEqual(Object.keys(pub), ['kty', 'n', 'e']);
      assert.deepEqual(importJwk(pub), k.publicKey);
      // node:crypto (OpenSSL) reads our JWK and writes the same one back
      const nodeJwk = crypto.createPrivateKey({ key: jwk, format: 'jwk' }).export({ format: 'jwk' });
      assert.deepEqual({ ...nodeJwk }, { ...jwk });
    }
  });

  it('encrypted PKCS #8: PEM and DER, string and byte passphrases', async () => {
    const pem = await exportEncryptedPrivateKeyPem(key, 'correct horse', { iterations: 1000 });
    assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    sameKey(await importPrivateKey(pem, { passphrase: 'correct horse' }), key);
    sameKey(await importPrivateKey(pemDecode(pem).der, { passphrase: new TextEncoder().encode('correct horse') }), key);
    sameKey((await importKey(pem, { passphrase: 'correct horse' })) as RsaPrivateKey, key);
    const again = await exportEncryptedPrivateKeyPem(key, 'correct horse', { iterations: 1000 });
    assert.notEqual(again, pem, 'fresh salt and IV each time');
    // node:crypto (OpenSSL) opens it too
    const nodeKey = crypto.createPrivateKey({ key: pem, format: 'pem', passphrase: 'correct horse' });
    assert.deepEqual(new Uint8Array(nodeKey.export({ type: 'pkcs8', format: 'der' })), exportPrivateKeyDer(key));
    const unicode = await exportEncryptedPrivateKeyPem(key, 'pässwörd ✓', { iterations: 1000 });
    sameKey(await importPrivateKey(unicode, { passphrase: 'pässwörd ✓' }), key);
  });

  it('node:crypto reads what we write and we read what it writes', () => {
    const nodePriv = crypto.createPrivateKey(exportPrivateKeyPem(key, 'pkcs1'));
    assert.equal(nodePriv.export({ type: 'pkcs8', format: 'pem' }), exportPrivateKeyPem(key));
    const nodePub = crypto.createPublicKey(exportPublicKeyPem(key, 'pkcs1'));
    assert.deepEqual(new Uint8Array(nodePub.export({ type: 'spki', format: 'der' })), exportPublicKeyDer(key));
    sameKey(parsePrivateKey(new Uint8Array(nodePriv.export({ type: 'pkcs1', format: 'der' }))), key);
  });
});

describe('fingerprint', () => {
  it('is SHA256: and the unpadded base64 SHA-256 of the SPKI DER', () => {
    const digest = crypto.createHash('sha256').update(exportPublicKeyDer(key)).digest('base64').replace(/=+$/, '');
    assert.equal(fingerprint(key), `SHA256:${digest}`);
    assert.equal(fingerprint(key.publicKey), fingerprint(key));
    assert.match(fingerprint(other), /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.notEqual(fingerprint(other), fingerprint(key));
    throwsCode(() => fingerprint({ type: 'public', n: 1n, e: 3n } as unknown as RsaPublicKey), 'RSA_INVALID_ARGUMENT');
  });
});

describe('malformed input', () => {
  const cuts = (len: number) => [0, 1, 2, 3, 4, 10, 30, Math.floor(len / 2), len - 2, len - 1];

  it('truncated DER (PKCS #8, PKCS #1, SPKI, encrypted) at several cut points → RSA_INVALID_FORMAT', async () => {
    const ders = [exportPrivateKeyDer(key), exportPrivateKeyDer(key, 'pkcs1'), exportPublicKeyDer(key), exportPublicKeyDer(key, 'pkcs1')];
    for (const der of ders)
      for (const cut of cuts(der.length)) {
        throwsCode(() => importPublicKey(der.subarray(0, cut)), 'RSA_INVALID_FORMAT');
        await rejectsCode(importKey(der.subarray(0, cut)), 'RSA_INVALID_FORMAT');
      }
    const enc = pemDecode(await exportEncryptedPrivateKeyPem(key, 'pw', { iterations: 1000 })).der;
    for (const cut of cuts(enc.length)) await rejectsCode(importPrivateKey(enc.subarray(0, cut), { passphrase: 'pw' }), 'RSA_INVALID_FORMAT');
  });

  it('truncated PEM at several cut points → RSA_INVALID_FORMAT', async () => {
    for (const pem of [exportPrivateKeyPem(key), exportPublicKeyPem(key), exportPrivateKeyPem(key, 'pkcs1')]) {
      for (const cut of [0, 10, 26, 40, 100, Math.floor(pem.length / 2), pem.length - 20, pem.length - 5]) {
        throwsCode(() => importPublicKey(pem.slice(0, cut)), 'RSA_INVALID_FORMAT');
        await rejectsCode(importKey(pem.slice(0, cut)), 'RSA_INVALID_FORMAT');
      }
      // a PEM whose body lost a line still has its armor, but its DER is truncated
      const lines = pem.split('\n');
      throwsCode(() => importPublicKey([...lines.slice(0, 3), ...lines.slice(4)].join('\n')), 'RSA_INVALID_FORMAT');
    }
  });

  it('trailing bytes, garbage, wrong labels, bad base64', () => {
    const der = exportPrivateKeyDer(key);
    throwsCode(() => parsePrivateKey(Uint8Array.from([...der, 0])), 'RSA_INVALID_FORMAT', /trailing/);
    throwsCode(() => importPublicKey(Uint8Array.from([...exportPublicKeyDer(key), 0, 0])), 'RSA_INVALID_FORMAT', /trailing/);
    throwsCode(() => importPublicKey(crypto.randomBytes(300)), 'RSA_INVALID_FORMAT');
    throwsCode(() => importPublicKey(Uint8Array.from([0x30, ...crypto.randomBytes(300)])), 'RSA_INVALID_FORMAT');
    throwsCode(() => importPublicKey(Uint8Array.of(0xff, 0xfe, 0x00)), 'RSA_INVALID_FORMAT', /neither DER/);
    throwsCode(() => importPublicKey('just some text'), 'RSA_INVALID_FORMAT', /neither DER/);
    throwsCode(() => importPublicKey(''), 'RSA_INVALID_FORMAT');
    throwsCode(() => importPublicKey(pemEncode('CERTIFICATE', der)), 'RSA_INVALID_FORMAT', /wrong PEM label/);
    throwsCode(() => parsePrivateKey(pemEncode('PUBLIC KEY', der)), 'RSA_INVALID_FORMAT'); // PKCS #8 under an SPKI label
    throwsCode(() => parsePrivateKey(pemEncode('RSA PRIVATE KEY', der)), 'RSA_INVALID_FORMAT'); // PKCS #8 under a PKCS #1 label
    throwsCode(() => importPublicKey(pemEncode('RSA PUBLIC KEY', exportPublicKeyDer(key))), 'RSA_INVALID_FORMAT');
    const pem = exportPublicKeyPem(key);
    throwsCode(() => importPublicKey(pem.replace(/\n(.)/, '\n!')), 'RSA_INVALID_FORMAT', /base64/);
    throwsCode(() => importPublicKey(pem.replace('-----\n', '-----\nX-Header: 1\n\n')), 'RSA_INVALID_FORMAT', /headers/);
    throwsCode(() => importPublicKey(42 as unknown as string), 'RSA_INVALID_ARGUMENT');
    // PEM bytes whose surrounding text starts with "0" (the DER SEQUENCE byte) still read as PEM
    assert.equal(importPublicKey(new TextEncoder().encode(`0 comment\r\n${pem}`)).n, key.n);
  });

  it('a flipped byte: structure bytes → RSA_INVALID_FORMAT, key bytes → RSA_INVALID_KEY', () => {
    const flip = (b: Uint8Array, i: number, x = 0x01) => Uint8Array.from(b, (v, j) => (j === i ? v ^ x : v));
    const p8 = exportPrivateKeyDer(key);
    throwsCode(() => parsePrivateKey(flip(p8, 0)), 'RSA_INVALID_FORMAT'); // SEQUENCE → SET
    throwsCode(() => parsePrivateKey(flip(p8, 3)), 'RSA_INVALID_FORMAT'); // outer length
    throwsCode(() => parsePrivateKey(flip(p8, 17)), 'RSA_INVALID_FORMAT', /not an RSA key/); // rsaEncryption OID
    throwsCode(() => parsePrivateKey(flip(p8, 100)), 'RSA_INVALID_KEY'); // inside the modulus
    throwsCode(() => parsePrivateKey(flip(p8, p8.length - 1)), 'RSA_INVALID_KEY'); // qInv
    const spki = exportPublicKeyDer(key);
    throwsCode(() => importPublicKey(flip(spki, spki.length - 6)), 'RSA_INVALID_KEY', /even/); // n's last byte
    throwsCode(() => importPublicKey(flip(spki, 22, 0x80)), 'RSA_INVALID_FORMAT'); // BIT STRING unused-bits byte
  });

  it('never throws anything but an RsaError, whatever byte of an SPKI or a PKCS #8 header is changed', () => {
    const allowed = new Set(['RSA_INVALID_FORMAT', 'RSA_INVALID_KEY', 'RSA_KEY_TOO_SMALL', 'RSA_UNSUPPORTED']);
    const check = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        assert.ok(isRsaError(e) && allowed.has(e.code), String(e));
      }
    };
    const spki = exportPublicKeyDer(key);
    const p8 = exportPrivateKeyDer(key);
    for (const x of [0x01, 0x80, 0xff]) {
      for (let i = 0; i < spki.length; i++) check(() => importPublicKey(Uint8Array.from(spki, (v, j) => (j === i ? v ^ x : v))));
      for (let i = 0; i < 40; i++) check(() => parsePrivateKey(Uint8Array.from(p8, (v, j) => (j === i ? v ^ x : v)), FAST));
    }
  });

  it('non-minimal or negative integers, bad algorithm parameters, other key types', () => {
    const n = derInteger(key.n);
    throwsCode(() => importPublicKey(derSequence(n, Uint8Array.of(2, 4, 0, 1, 0, 1))), 'RSA_INVALID_FORMAT', /non-minimal/);
    throwsCode(() => importPublicKey(derSequence(Uint8Array.of(2, 1, 0x85), derInteger(3))), 'RSA_INVALID_FORMAT', /negative/);
    const pkcs1 = exportPublicKeyDer(key, 'pkcs1');
    const spki = (alg: Uint8Array) => derSequence(alg, derBitString(pkcs1));
    assert.equal(importPublicKey(spki(derSequence(derOid('1.2.840.113549.1.1.1'), derNull()))).n, key.n);
    throwsCode(() => importPublicKey(spki(derSequence(derOid('1.2.840.113549.1.1.1')))), 'RSA_INVALID_FORMAT', /NULL/);
    throwsCode(() => importPublicKey(spki(derSequence(derOid('1.2.840.10045.2.1'), derOid('1.2.840.10045.3.1.7')))), 'RSA_INVALID_FORMAT', /not an RSA key \(an EC key\)/);
    const pss = (params: Uint8Array) => spki(derSequence(derOid('1.2.840.113549.1.1.10'), derSequence(params)));
    const sha256 = derSequence(derOid('2.16.840.1.101.3.4.2.1'), derNull());
    assert.deepEqual(pssParamsOfKey(pss(derContext(0, sha256))), { hash: 'SHA-256', mgfHash: 'SHA-1', saltLength: 20 });
    assert.deepEqual(pssParamsOfKey(pss(new Uint8Array(0))), { hash: 'SHA-1', mgfHash: 'SHA-1', saltLength: 20 });
    throwsCode(() => pssParamsOfKey(pss(derContext(3, derInteger(2)))), 'RSA_UNSUPPORTED', /trailerField/);
    throwsCode(() => pssParamsOfKey(pss(derContext(0, derSequence(derOid('1.2.3.4'))))), 'RSA_UNSUPPORTED');
    throwsCode(() => pssParamsOfKey(pss(derContext(1, derSequence(derOid('1.2.3.4'), sha256)))), 'RSA_UNSUPPORTED', /MGF1/);
    throwsCode(() => pssParamsOfKey(pss(derContext(2, derInteger(20)).subarray(0, 4))), 'RSA_INVALID_FORMAT');
    throwsCode(() => pssParamsOfKey(pss(Uint8Array.of(...derContext(2, derInteger(20)), ...derContext(0, sha256)))), 'RSA_INVALID_FORMAT');
    throwsCode(() => importPublicKey(pss(derContext(4, derInteger(1)))), 'RSA_INVALID_FORMAT');
  });

  it('PKCS #8 version 2 with a publicKey must match; unknown versions are rejected', () => {
    const alg = derSequence(derOid('1.2.840.113549.1.1.1'), derNull());
    const inner = derOctetString(exportPrivateKeyDer(key, 'pkcs1'));
    const v2 = (pub: RsaPublicKey) => derSequence(derInteger(1), alg, inner, derContext(1, Uint8Array.from([0, ...exportPublicKeyDer(pub, 'pkcs1')]), false));
    sameKey(parsePrivateKey(v2(key.publicKey)), key);
    throwsCode(() => parsePrivateKey(v2(other.publicKey)), 'RSA_INVALID_KEY', /does not match/);
    throwsCode(() => parsePrivateKey(derSequence(derInteger(2), alg, inner)), 'RSA_INVALID_FORMAT', /version/);
    throwsCode(() => parsePrivateKey(derSequence(derInteger(0), alg, inner, derContext(1, Uint8Array.of(0, 0x30, 0), false))), 'RSA_INVALID_FORMAT');
  });

  it('wrong passphrase, no passphrase, damaged ciphertext → RSA_BAD_PASSPHRASE', async () => {
    const pem = await exportEncryptedPrivateKeyPem(key, 'pw', { iterations: 1000 });
    await rejectsCode(importPrivateKey(pem, { passphrase: 'wrong' }), 'RSA_BAD_PASSPHRASE', /wrong passphrase/);
    await rejectsCode(importPrivateKey(pem, { passphrase: '' }), 'RSA_BAD_PASSPHRASE');
    await rejectsCode(importPrivateKey(pem), 'RSA_BAD_PASSPHRASE', /passphrase is needed/);
    await rejectsCode(importKey(pem), 'RSA_BAD_PASSPHRASE', /passphrase is needed/);
    throwsCode(() => parsePrivateKey(pem), 'RSA_BAD_PASSPHRASE', /passphrase is needed/);
    throwsCode(() => importPublicKey(pem), 'RSA_BAD_PASSPHRASE', /passphrase is needed/);
    throwsCode(() => pssParamsOfKey(pem), 'RSA_BAD_PASSPHRASE');
    const der = pemDecode(pem).der;
    const ct = der.length - 1232; // 1217-byte PKCS #8 padded to 1232, after a 4-byte OCTET STRING header
    assert.deepEqual([...der.subarray(ct - 4, ct)], [0x04, 0x82, 0x04, 0xd0]);
    for (const at of [ct + 5, ct + 20, der.length - 1]) {
      const damaged = Uint8Array.from(der, (v, i) => (i === at ? v ^ 0x55 : v)); // first, second and last blocks
      await rejectsCode(importPrivateKey(damaged, { passphrase: 'pw' }), 'RSA_BAD_PASSPHRASE');
    }
  });

  it('legacy "Proc-Type: 4,ENCRYPTED" PEM and PBES1 → RSA_UNSUPPORTED', async () => {
    const body = bytesToBase64(exportPrivateKeyDer(key, 'pkcs1')).replace(/(.{64})/g, '$1\n');
    const legacy = `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,5ED3D310EC7437169988EF9305D60B3D\n\n${body}\n-----END RSA PRIVATE KEY-----\n`;
    await rejectsCode(importPrivateKey(legacy, { passphrase: 'pw' }), 'RSA_UNSUPPORTED', /openssl pkcs8 -topk8/);
    throwsCode(() => importPublicKey(legacy), 'RSA_UNSUPPORTED', /Proc-Type/);
    // pbeWithSHA1AndDES-CBC (PBES1, RFC 8018 A.3)
    const pbes1 = derSequence(derSequence(derOid('1.2.840.113549.1.5.10'), derSequence(derOctetString(new Uint8Array(8)), derInteger(2048))), derOctetString(new Uint8Array(32)));
    await rejectsCode(importPrivateKey(pemEncode('ENCRYPTED PRIVATE KEY', pbes1), { passphrase: 'pw' }), 'RSA_UNSUPPORTED', /PBES1/);
  });

  it('a 1024-bit key under the default minBits → RSA_KEY_TOO_SMALL; accepted with minBits 1024', () => {
    const g = wycheproof('rsa_pkcs1_1024_sig_gen_test.json').testGroups[0]!;
    throwsCode(() => parsePrivateKey(hexToBytes(g.privateKeyPkcs8)), 'RSA_KEY_TOO_SMALL');
    throwsCode(() => importPublicKey(g.privateKeyPem), 'RSA_KEY_TOO_SMALL');
    throwsCode(() => importPublicKey(hexToBytes(g.keyDer)), 'RSA_KEY_TOO_SMALL');
    assert.equal(parsePrivateKey(hexToBytes(g.privateKeyPkcs8), { minBits: 1024 }).bits, 1024);
    throwsCode(() => importJwk(exportJwk(parsePrivateKey(g.privateKeyPem, { minBits: 1024 }))), 'RSA_KEY_TOO_SMALL');
  });

  it('an inconsistent key (another key\'s d, or a wrong CRT value) → RSA_INVALID_KEY', () => {
    const swapped = Object.freeze({ ...key, d: other.d }) as RsaPrivateKey;
    for (const format of ['pkcs1', 'pkcs8'] as const) throwsCode(() => parsePrivateKey(exportPrivateKeyDer(swapped, format)), 'RSA_INVALID_KEY');
    throwsCode(() => importJwk(exportJwk(swapped)), 'RSA_INVALID_KEY');
    const badQi = Object.freeze({ ...key, qi: key.qi + 1n }) as RsaPrivateKey;
    throwsCode(() => parsePrivateKey(exportPrivateKeyDer(badQi)), 'RSA_INVALID_KEY', /qInv/);
    const badP = Object.freeze({ ...key, p: other.p }) as RsaPrivateKey;
    throwsCode(() => parsePrivateKey(exportPrivateKeyPem(badP, 'pkcs1')), 'RSA_INVALID_KEY', /p·q/);
  });

  it('three-prime keys (PKCS #1 version 1, JWK "oth") → RSA_UNSUPPORTED', () => {
    const ints = [key.n, key.e, key.d, key.p, key.q, key.dp, key.dq, key.qi].map((x) => derInteger(x));
    const other3 = derSequence(derSequence(derInteger(7), derInteger(3), derInteger(5)));
    const v1 = derSequence(derInteger(1), ...ints, other3);
    throwsCode(() => parsePrivateKey(v1), 'RSA_UNSUPPORTED', /multi-prime RSA keys are not supported/);
    throwsCode(() => parsePrivateKey(pemEncode('RSA PRIVATE KEY', v1)), 'RSA_UNSUPPORTED', /multi-prime/);
    throwsCode(() => parsePrivateKey(derSequence(derInteger(0), ...ints, other3)), 'RSA_UNSUPPORTED', /multi-prime/);
    throwsCode(() => parsePrivateKey(derSequence(derInteger(3), ...ints)), 'RSA_INVALID_FORMAT', /version/);
    throwsCode(() => importJwk({ ...exportJwk(key), oth: [{ r: 'Aw', d: 'AQ', t: 'AQ' }] }), 'RSA_UNSUPPORTED', /multi-prime/);
  });

  it('malformed JWKs', () => {
    const jwk = exportJwk(key);
    throwsCode(() => importJwk('{not json'), 'RSA_INVALID_FORMAT', /JSON/);
    throwsCode(() => importJwk(null), 'RSA_INVALID_FORMAT');
    throwsCode(() => importJwk([jwk]), 'RSA_INVALID_FORMAT');
    throwsCode(() => importJwk({ ...jwk, kty: undefined }), 'RSA_INVALID_FORMAT', /kty/);
    throwsCode(() => importJwk({ ...jwk, kty: 'EC' }), 'RSA_INVALID_FORMAT', /not an RSA key/);
    throwsCode(() => importJwk({ ...jwk, n: undefined }), 'RSA_INVALID_FORMAT', /"n"/);
    throwsCode(() => importJwk({ ...jwk, e: 65537 }), 'RSA_INVALID_FORMAT', /"e"/);
    throwsCode(() => importJwk({ ...jwk, e: 'AQAB=' }), 'RSA_INVALID_FORMAT', /padding/);
    throwsCode(() => importJwk({ ...jwk, e: 'AQ+B' }), 'RSA_INVALID_FORMAT');
    throwsCode(() => importJwk({ ...jwk, e: 'AAEAAQ' }), 'RSA_INVALID_FORMAT', /leading zero/);
    throwsCode(() => importJwk({ ...jwk, e: 'AR' }), 'RSA_INVALID_FORMAT', /non-canonical/);
    throwsCode(() => importJwk({ ...jwk, n: 'A' }), 'RSA_INVALID_FORMAT');
    throwsCode(() => importJwk({ ...jwk, qi: undefined }), 'RSA_INVALID_FORMAT', /missing "qi"/);
    throwsCode(() => importJwk({ kty: 'RSA', n: jwk.n, e: jwk.e, d: jwk.d }), 'RSA_UNSUPPORTED', /CRT/);
    throwsCode(() => importJwk({ kty: 'RSA', n: jwk.n, e: jwk.e, p: jwk.p }), 'RSA_INVALID_FORMAT', /no "d"/);
    assert.equal(base64ToBytes(jwk.e)[0], 1);
  });

  it('bad arguments to the exporters → RSA_INVALID_ARGUMENT', async () => {
    const fake = { ...key } as RsaPrivateKey; // not frozen: not made by this module
    throwsCode(() => exportPrivateKeyDer(fake), 'RSA_INVALID_ARGUMENT');
    throwsCode(() => exportPublicKeyDer(fake), 'RSA_INVALID_ARGUMENT');
    throwsCode(() => exportJwk(fake), 'RSA_INVALID_ARGUMENT');
    throwsCode(() => exportPrivateKeyDer(key.publicKey as unknown as RsaPrivateKey), 'RSA_INVALID_ARGUMENT');
    throwsCode(() => exportPrivateKeyDer(key, 'pem' as 'pkcs8'), 'RSA_INVALID_ARGUMENT');
    throwsCode(() => exportPublicKeyDer(key, 'x509' as 'spki'), 'RSA_INVALID_ARGUMENT');
    await rejectsCode(exportEncryptedPrivateKeyPem(key, 'pw', { iterations: 10 }), 'RSA_INVALID_ARGUMENT', /iterations/);
    await rejectsCode(exportEncryptedPrivateKeyPem(key, ''), 'RSA_INVALID_ARGUMENT', /empty passphrase/);
    await rejectsCode(exportEncryptedPrivateKeyPem(key, 5 as unknown as string, { iterations: 1000 }), 'RSA_INVALID_ARGUMENT');
  });
});
