/** Unit tests of the strict DER reader/writer (src/rsa/asn1.ts) and PEM armor (src/rsa/pem.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DerReader, contextTag, derBitString, derContext, derInteger, derLength, derNull, derOctetString, derOid,
  derSequence, derSequenceReader, derTlv,
} from '../../src/rsa/asn1.js';
import { bytesToHex, hexToBytes } from '../../src/rsa/bytes.js';
import { isRsaError, type RsaErrorCode } from '../../src/rsa/errors.js';
import { pemDecode, pemEncode } from '../../src/rsa/pem.js';

function throwsCode(fn: () => unknown, code: RsaErrorCode, msg?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isRsaError(e, code), `expected ${code}, got ${String(e)}`);
    if (msg) assert.match((e as Error).message, msg);
    return true;
  });
}
const reader = (hex: string) => new DerReader(hexToBytes(hex), 'test');

describe('DER writer', () => {
  it('encodes INTEGER minimally, adding 00 only for a set top bit', () => {
    const cases: [bigint, string][] = [
      [0n, '020100'], [1n, '020101'], [127n, '02017f'], [128n, '02020080'], [255n, '020200ff'],
      [256n, '02020100'], [65537n, '0203010001'], [0x8000n, '0203008000'],
    ];
    for (const [v, hex] of cases) assert.equal(bytesToHex(derInteger(v)), hex, `INTEGER ${v}`);
    throwsCode(() => derInteger(-1n), 'RSA_INVALID_ARGUMENT');
  });

  it('encodes lengths in short and minimal long form', () => {
    assert.equal(bytesToHex(derLength(0)), '00');
    assert.equal(bytesToHex(derLength(127)), '7f');
    assert.equal(bytesToHex(derLength(128)), '8180');
    assert.equal(bytesToHex(derLength(255)), '81ff');
    assert.equal(bytesToHex(derLength(256)), '820100');
    assert.equal(bytesToHex(derLength(70000)), '83011170');
  });

  it('encodes OIDs (rsaEncryption, id-RSASSA-PSS, sha256, 2.999.x) and rejects malformed ones', () => {
    assert.equal(bytesToHex(derOid('1.2.840.113549.1.1.1')), '06092a864886f70d010101');
    assert.equal(bytesToHex(derOid('1.2.840.113549.1.1.10')), '06092a864886f70d01010a');
    assert.equal(bytesToHex(derOid('2.16.840.1.101.3.4.2.1')), '0609608648016503040201');
    assert.equal(bytesToHex(derOid('2.999.3')), '0603883703');
    for (const bad of ['1', '3.1', '1.40', '1.2.x', '', '1..2']) throwsCode(() => derOid(bad), 'RSA_INVALID_ARGUMENT');
  });

  it('encodes NULL, OCTET STRING, BIT STRING, SEQUENCE and context tags', () => {
    assert.equal(bytesToHex(derNull()), '0500');
    assert.equal(bytesToHex(derOctetString(Uint8Array.of(1, 2))), '04020102');
    assert.equal(bytesToHex(derBitString(Uint8Array.of(0xff))), '030200ff');
    assert.equal(bytesToHex(derSequence(derInteger(1), derNull())), '30050201010500');
    assert.equal(bytesToHex(derContext(0, derInteger(5))), 'a003020105');
    assert.equal(bytesToHex(derContext(1, Uint8Array.of(0), false)), '810100');
    assert.equal(contextTag(3), 0xa3);
  });
});

describe('DER reader', () => {
  it('round-trips what the writer writes', () => {
    const big = (1n << 2047n) + 12345n;
    const der = derSequence(
      derInteger(0), derInteger(big), derOid('1.2.840.113549.1.1.10'), derNull(),
      derOctetString(new Uint8Array(300).fill(7)), derBitString(Uint8Array.of(9, 8)), derContext(2, derInteger(32)),
    );
    const r = derSequenceReader(der, 'test');
    assert.equal(r.uint(), 0n);
    assert.equal(r.uint(), big);
    assert.equal(r.oid(), '1.2.840.113549.1.1.10');
    r.null();
    assert.deepEqual(r.octetString(), new Uint8Array(300).fill(7));
    assert.deepEqual(r.bitString(), Uint8Array.of(9, 8));
    assert.equal(r.optionalContext(1), undefined);
    const c = r.optionalContext(2)!;
    assert.equal(c.smallUint('salt', 100), 32);
    c.finish();
    r.finish();
    assert.ok(r.done);
  });

  it('decodes large OID arcs and the 2.x form', () => {
    assert.equal(reader('0603883703').oid(), '2.999.3');
    assert.equal(reader('06028100').oid(), '2.48');
    assert.equal(reader('0603550403').oid(), '2.5.4.3');
  });

  it('rejects non-minimal and negative INTEGERs', () => {
    throwsCode(() => reader('02020001').uint(), 'RSA_INVALID_FORMAT', /non-minimal/);
    throwsCode(() => reader('0202ff80').uint(), 'RSA_INVALID_FORMAT', /non-minimal/);
    throwsCode(() => reader('020180').uint(), 'RSA_INVALID_FORMAT', /negative/);
    throwsCode(() => reader('0200').uint(), 'RSA_INVALID_FORMAT', /empty/);
    throwsCode(() => reader('020201ff').smallUint('x', 10), 'RSA_INVALID_FORMAT', /out of range/);
  });

  it('rejects bad lengths: indefinite, non-minimal long form, oversized, truncated', () => {
    throwsCode(() => reader('30800201000000').sequence(), 'RSA_INVALID_FORMAT', /indefinite/);
    throwsCode(() => reader('04810100').next(), 'RSA_INVALID_FORMAT', /non-minimal length/);
    throwsCode(() => reader('048200050000000000').next(), 'RSA_INVALID_FORMAT', /non-minimal length/);
    throwsCode(() => reader('0485ffffffffff').next(), 'RSA_INVALID_FORMAT', /too large/);
    throwsCode(() => reader('040500').next(), 'RSA_INVALID_FORMAT', /truncated/);
    throwsCode(() => reader('0482ff').next(), 'RSA_INVALID_FORMAT', /truncated/);
    throwsCode(() => reader('04').next(), 'RSA_INVALID_FORMAT', /truncated/);
    throwsCode(() => reader('').next(), 'RSA_INVALID_FORMAT', /end of data/);
  });

  it('rejects wrong tags, high tag numbers, trailing data', () => {
    throwsCode(() => reader('0500').uint(), 'RSA_INVALID_FORMAT', /expected INTEGER .* found NULL/);
    throwsCode(() => reader('1f2200').next(), 'RSA_INVALID_FORMAT', /high-tag-number/);
    throwsCode(() => derSequenceReader(hexToBytes('300000'), 't'), 'RSA_INVALID_FORMAT', /trailing/);
    throwsCode(() => derSequenceReader(new Uint8Array(0), 't'), 'RSA_INVALID_FORMAT', /empty/);
    throwsCode(() => derSequenceReader(hexToBytes('3100'), 't'), 'RSA_INVALID_FORMAT', /expected SEQUENCE/);
    const r = derSequenceReader(hexToBytes('3006020100020101'), 't');
    r.uint();
    throwsCode(() => r.finish(), 'RSA_INVALID_FORMAT', /unexpected INTEGER/);
  });

  it('rejects malformed OID, NULL and BIT STRING contents', () => {
    throwsCode(() => reader('0600').oid(), 'RSA_INVALID_FORMAT', /empty/);
    throwsCode(() => reader('06022a86').oid(), 'RSA_INVALID_FORMAT', /truncated OBJECT IDENTIFIER/);
    throwsCode(() => reader('06032a8001').oid(), 'RSA_INVALID_FORMAT', /non-minimal/);
    throwsCode(() => reader('06808001').oid(), 'RSA_INVALID_FORMAT', /indefinite/);
    throwsCode(() => reader('050100').null(), 'RSA_INVALID_FORMAT', /NULL with content/);
    throwsCode(() => reader('0300').bitString(), 'RSA_INVALID_FORMAT', /empty BIT STRING/);
    throwsCode(() => reader('030201ff').bitString(), 'RSA_INVALID_FORMAT', /unused bits/);
    throwsCode(() => reader(bytesToHex(derTlv(0x06, new Uint8Array(12).fill(0xff)))).oid(), 'RSA_INVALID_FORMAT');
  });

  it('names the byte offset of the problem', () => {
    const r = derSequenceReader(hexToBytes('30050201000500'), 'thing');
    r.uint();
    throwsCode(() => r.uint('version'), 'RSA_INVALID_FORMAT', /^thing: expected version \(INTEGER\) at byte 5, found NULL$/);
  });
});

describe('PEM', () => {
  const der = Uint8Array.from({ length: 100 }, (_, i) => i);

  it('writes 64-character lines like OpenSSL, with a final newline', () => {
    const pem = pemEncode('PUBLIC KEY', der);
    const lines = pem.split('\n');
    assert.equal(lines[0], '-----BEGIN PUBLIC KEY-----');
    assert.equal(lines[1]!.length, 64);
    assert.equal(lines[2]!.length, 64);
    assert.equal(lines[3]!.length, 136 - 128);
    assert.equal(lines[4], '-----END PUBLIC KEY-----');
    assert.equal(lines[5], '');
    assert.equal(lines.length, 6);
    assert.deepEqual(pemEncode('X', new Uint8Array(48)).split('\n').map((l) => l.length), [17, 64, 15, 0]);
    throwsCode(() => pemEncode('BAD-----', der), 'RSA_INVALID_ARGUMENT');
  });

  it('reads its own output, CRLF, surrounding text and indentation', () => {
    const pem = pemEncode('PUBLIC KEY', der);
    assert.deepEqual(pemDecode(pem).der, der);
    const crlf = pem.replace(/\n/g, '\r\n');
    assert.deepEqual(pemDecode(crlf).der, der);
    const noisy = `Subject: test\nsome text\n${pem.replace(/\n/g, '  \n')}trailing text\n`;
    const b = pemDecode(noisy, ['PUBLIC KEY']);
    assert.equal(b.label, 'PUBLIC KEY');
    assert.deepEqual(b.der, der);
    assert.deepEqual(b.headers, {});
  });

  it('picks the first block with an accepted label', () => {
    const text = pemEncode('CERTIFICATE', Uint8Array.of(1)) + pemEncode('PRIVATE KEY', der);
    assert.deepEqual(pemDecode(text, ['PRIVATE KEY']).der, der);
    assert.equal(pemDecode(text).label, 'CERTIFICATE');
  });

  it('returns RFC 1421 headers', () => {
    const text = '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAAEC\n-----END RSA PRIVATE KEY-----\n';
    const b = pemDecode(text);
    assert.equal(b.headers['Proc-Type'], '4,ENCRYPTED');
    assert.equal(b.headers['DEK-Info'], 'AES-256-CBC,00');
    assert.deepEqual(b.der, Uint8Array.of(0, 1, 2));
  });

  it('rejects missing armor, wrong labels, truncation, mismatched END and bad base64', () => {
    const pem = pemEncode('PUBLIC KEY', der);
    throwsCode(() => pemDecode('hello'), 'RSA_INVALID_FORMAT', /no PEM/);
    throwsCode(() => pemDecode(pem, ['PRIVATE KEY']), 'RSA_INVALID_FORMAT', /wrong PEM label.*"PUBLIC KEY"/);
    for (const cut of [30, 40, 80, pem.length - 10]) throwsCode(() => pemDecode(pem.slice(0, cut)), 'RSA_INVALID_FORMAT', /truncated/);
    throwsCode(() => pemDecode(pem.replace('END PUBLIC', 'END PRIVATE')), 'RSA_INVALID_FORMAT', /does not match/);
    throwsCode(() => pemDecode(pem.replace('AAEC', 'AA*C')), 'RSA_INVALID_FORMAT', /invalid base64/);
    throwsCode(() => pemDecode(pem.replace('AAEC', 'AAE')), 'RSA_INVALID_FORMAT', /invalid base64/);
    throwsCode(() => pemDecode(pem.replace('AAEC', 'AA-C')), 'RSA_INVALID_FORMAT', /invalid base64/);
    throwsCode(() => pemDecode('-----BEGIN X-----\n-----END X-----\n'), 'RSA_INVALID_FORMAT', /empty/);
    throwsCode(() => pemDecode('-----BEGIN X-----\nAB==\n-----END X-----\n'), 'RSA_INVALID_FORMAT', /non-canonical/);
    throwsCode(() => pemDecode('-----BEGIN X-----\nAA==\n-----BEGIN X-----\nAA==\n-----END X-----\n'), 'RSA_INVALID_FORMAT', /truncated/);
  });
});
