/** Unit tests of src/rsa/seal.ts: round trips, the format, tampering, integrity, armor. */
import assert from 'node:assert/strict';
import { constants, privateDecrypt, webcrypto } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { concatBytes, equalBytes, utf8ToBytes } from '../../src/rsa/bytes.js';
import { isRsaError, type RsaErrorCode } from '../../src/rsa/errors.js';
import { getHash } from '../../src/rsa/hash.js';
import type { RsaPrivateKey } from '../../src/rsa/key.js';
import { generateKeyPair } from '../../src/rsa/keygen.js';
import { exportPrivateKeyPem } from '../../src/rsa/keyfile.js';
import { oaepDecrypt } from '../../src/rsa/oaep.js';
import {
  armorSealed,
  dearmorSealed,
  openBytes,
  openText,
  SEAL_OAEP_LABEL,
  SEAL_VERSION,
  sealBytes,
  SEALED_ARMOR_BEGIN,
  SEALED_ARMOR_END,
  sealRawPayloadForTesting,
  sealText,
} from '../../src/rsa/seal.js';
import { requireWasmEngine } from '../helpers/rsa-engine.js';

requireWasmEngine(); // every private-key operation below runs on the WebAssembly engine (issue 15)

const sha256 = (b: Uint8Array): Uint8Array => getHash('SHA-256').digest(b);

async function rejectsWith(p: Promise<unknown>, code: RsaErrorCode, what = ''): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    const cause = (e as { cause?: { message?: string; stack?: string } }).cause;
    assert.ok(isRsaError(e, code), `${what}: expected ${code}, got ${String((e as { code?: string }).code ?? e)}; cause: ${cause?.stack ?? cause?.message ?? 'none'}`);
    return true;
  });
}

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;

before(() => {
  alice = generateKeyPair({ bits: 2048 });
  bob = generateKeyPair({ bits: 2048 });
});

describe('sealText / openText', () => {
  for (const [name, text] of [
    ['empty', ''],
    ['ascii', 'meet at noon'],
    ['unicode', 'héllo wörld — ✓ 🎉 日本語 e\u0301 \u0000 end'],
    ['leading BOM kept', '\uFEFFbom first'],
    ['CRLF lines', 'a\r\nb\r\n'],
  ] as const) {
    it(`round-trips ${name}`, async () => {
      const sealed = await sealText(alice.publicKey, text);
      const opened = await openText(alice, sealed);
      assert.equal(opened.text, text);
      assert.equal(opened.verified, true);
    });
  }

  it('round-trips 1 MB of text', async () => {
    const text = 'Parley ✓ '.repeat(120_000);
    const sealed = await sealText(alice.publicKey, text);
    assert.equal((await openText(alice, sealed)).text, text);
  });

  it('seals the same text differently each time', async () => {
    const a = await sealText(alice.publicKey, 'same');
    const b = await sealText(alice.publicKey, 'same');
    assert.ok(!equalBytes(a, b));
  });

  it('rejects non-string text and non-keys with RSA_INVALID_ARGUMENT', async () => {
    await rejectsWith(sealText(alice.publicKey, 42 as unknown as string), 'RSA_INVALID_ARGUMENT');
    await rejectsWith(sealText(alice as unknown as RsaPrivateKey['publicKey'], 'x'), 'RSA_INVALID_ARGUMENT');
    await rejectsWith(openText(alice.publicKey as unknown as RsaPrivateKey, new Uint8Array(10)), 'RSA_INVALID_ARGUMENT');
    await rejectsWith(openText(alice, 'abc' as unknown as Uint8Array), 'RSA_INVALID_ARGUMENT');
  });
});

describe('the binary format', () => {
  it('is version || OAEP-wrapped key || IV || GCM(SHA-256(m) || m) with the header as AAD', async () => {
    const msg = utf8ToBytes('format check ✓');
    const sealed = await sealBytes(alice.publicKey, msg);
    const k = alice.size;
    assert.equal(sealed[0], SEAL_VERSION);
    assert.equal(sealed.length, 1 + k + 12 + 32 + msg.length + 16);
    // unwrap independently with OpenSSL (node:crypto), RSA-OAEP-SHA-256 with the seal label
    const wrapped = sealed.subarray(1, 1 + k);
    const aesKey = privateDecrypt(
      { key: exportPrivateKeyPem(alice), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: SEAL_OAEP_LABEL },
      wrapped,
    );
    assert.deepEqual(oaepDecrypt(alice, wrapped, { hash: 'SHA-256', mgfHash: 'SHA-256', label: SEAL_OAEP_LABEL }), new Uint8Array(aesKey));
    assert.equal(aesKey.length, 32);
    assert.throws(() => oaepDecrypt(alice, wrapped), (e: unknown) => isRsaError(e, 'RSA_DECRYPTION_FAILED'), 'the label separates seal keys');
    const iv = sealed.slice(1 + k, 1 + k + 12);
    const key = await webcrypto.subtle.importKey('raw', new Uint8Array(aesKey), 'AES-GCM', false, ['decrypt']);
    const payload = new Uint8Array(
      await webcrypto.subtle.decrypt(
        { name: 'AES-GCM', iv, additionalData: sealed.slice(0, 1 + k + 12), tagLength: 128 },
        key,
        sealed.slice(1 + k + 12),
      ),
    );
    assert.deepEqual(payload, concatBytes(sha256(msg), msg));
  });

  it('sealBytes/openBytes carry any bytes; openText refuses non-UTF-8 with RSA_INVALID_FORMAT', async () => {
    const data = Uint8Array.of(0xff, 0xfe, 0x00, 0x80, 0xc3);
    const sealed = await sealBytes(alice.publicKey, data);
    const opened = await openBytes(alice, sealed);
    assert.deepEqual(opened.data, data);
    assert.equal(opened.verified, true);
    await rejectsWith(openText(alice, sealed), 'RSA_INVALID_FORMAT');
  });
});

describe('tampering and wrong keys', () => {
  it('a change of any byte after the format byte gives RSA_DECRYPTION_FAILED', async () => {
    const sealed = await sealText(alice.publicKey, 'do not touch');
    for (let i = 1; i < sealed.length; i++) {
      const t = sealed.slice();
      t[i]! ^= 1 << (i % 8);
      await rejectsWith(openText(alice, t), 'RSA_DECRYPTION_FAILED', `byte ${i}`);
    }
  });

  it('a changed format byte gives RSA_INVALID_FORMAT (not a sealed message / unknown version)', async () => {
    const t = (await sealText(alice.publicKey, 'x')).slice();
    t[0] = 0x02;
    await rejectsWith(openText(alice, t), 'RSA_INVALID_FORMAT');
    await rejectsWith(openText(alice, new Uint8Array(0)), 'RSA_INVALID_FORMAT');
  });

  it('truncation and extension give RSA_DECRYPTION_FAILED', async () => {
    const sealed = await sealText(alice.publicKey, 'length matters');
    const k = alice.size;
    for (const len of [1, 2, k, k + 1, k + 13, k + 13 + 47, sealed.length - 1])
      await rejectsWith(openText(alice, sealed.slice(0, len)), 'RSA_DECRYPTION_FAILED', `length ${len}`);
    await rejectsWith(openText(alice, concatBytes(sealed, Uint8Array.of(0))), 'RSA_DECRYPTION_FAILED', 'extended');
  });

  it('a message sealed for another key gives RSA_DECRYPTION_FAILED', async () => {
    const sealed = await sealText(bob.publicKey, 'for bob');
    await rejectsWith(openText(alice, sealed), 'RSA_DECRYPTION_FAILED');
    assert.equal((await openText(bob, sealed)).text, 'for bob');
  });

  it('a message for a key of another size gives RSA_DECRYPTION_FAILED', async () => {
    const big = generateKeyPair({ bits: 3072 });
    const sealed = await sealText(big.publicKey, 'for a 3072-bit key');
    await rejectsWith(openText(alice, sealed), 'RSA_DECRYPTION_FAILED');
  });
});

describe('the integrity check (through the sealRawPayloadForTesting seam)', () => {
  it('a well-formed raw payload opens', async () => {
    const text = utf8ToBytes('honest');
    const sealed = await sealRawPayloadForTesting(alice.publicKey, concatBytes(sha256(text), text));
    assert.equal((await openText(alice, sealed)).text, 'honest');
  });

  it('a payload whose hash does not match its text throws RSA_INTEGRITY and never returns the text', async () => {
    const text = utf8ToBytes('forged text');
    const sealed = await sealRawPayloadForTesting(alice.publicKey, concatBytes(sha256(utf8ToBytes('other text')), text));
    await rejectsWith(openText(alice, sealed), 'RSA_INTEGRITY');
    await rejectsWith(openBytes(alice, sealed), 'RSA_INTEGRITY');
    const flipped = concatBytes(sha256(text), text);
    flipped[5]! ^= 0x80;
    await rejectsWith(openText(alice, await sealRawPayloadForTesting(alice.publicKey, flipped)), 'RSA_INTEGRITY');
  });

  it('a payload shorter than a hash throws RSA_DECRYPTION_FAILED', async () => {
    const sealed = await sealRawPayloadForTesting(alice.publicKey, new Uint8Array(31));
    await rejectsWith(openText(alice, sealed), 'RSA_DECRYPTION_FAILED');
  });
});

describe('armor', () => {
  it('armors as BEGIN line, base64 in 64-column lines, END line', async () => {
    const sealed = await sealText(alice.publicKey, 'armored '.repeat(50));
    const armor = armorSealed(sealed);
    const lines = armor.split('\n');
    assert.equal(lines[0], SEALED_ARMOR_BEGIN);
    assert.equal(lines.at(-2), SEALED_ARMOR_END);
    assert.equal(lines.at(-1), '');
    const body = lines.slice(1, -2);
    for (const l of body.slice(0, -1)) assert.equal(l.length, 64);
    assert.ok(body.at(-1)!.length <= 64 && body.at(-1)!.length > 0);
    assert.deepEqual(Buffer.from(body.join(''), 'base64'), Buffer.from(sealed));
  });

  it('dearmors strings, armored bytes, CRLF, surrounding text, and passes raw binary through', async () => {
    const sealed = await sealText(alice.publicKey, 'round');
    const armor = armorSealed(sealed);
    assert.deepEqual(dearmorSealed(armor), sealed);
    assert.deepEqual(dearmorSealed(utf8ToBytes(armor)), sealed);
    assert.deepEqual(dearmorSealed(armor.replace(/\n/g, '\r\n')), sealed);
    assert.deepEqual(dearmorSealed(`Hi Bob,\n\n${armor}\n-- Alice\n`), sealed);
    assert.deepEqual(dearmorSealed(utf8ToBytes(`  \n${armor}`)), sealed);
    assert.equal(dearmorSealed(sealed), sealed);
    assert.equal((await openText(alice, dearmorSealed(armor))).text, 'round');
  });

  it('refuses a string without armor, truncated armor and bad base64 with RSA_INVALID_FORMAT', async () => {
    const armor = armorSealed(await sealText(alice.publicKey, 'x'));
    const bad = (s: string): void =>
      assert.throws(() => dearmorSealed(s), (e: unknown) => isRsaError(e, 'RSA_INVALID_FORMAT'), JSON.stringify(s.slice(0, 60)));
    bad('hello');
    bad(armor.slice(0, armor.indexOf(SEALED_ARMOR_END)));
    bad(armor.replace(/\n([A-Za-z0-9+/])/, '\n!$1'));
    bad(`${SEALED_ARMOR_BEGIN}\nAAAAA\n${SEALED_ARMOR_END}\n`);
  });
});
