/** `parley rsa encrypt|decrypt|sign|verify`, both ways against openssl, and its failures. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmod, lstat, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { derInteger, derNull, derOctetString, derOid, derSequence } from '../../src/rsa/asn1.js';
import { publicKeyFromComponents } from '../../src/rsa/key.js';
import { exportPublicKeyPem, importPublicKey } from '../../src/rsa/keyfile.js';
import { pemEncode } from '../../src/rsa/pem.js';
import { assertCleanError, openssl, opensslKeyPair, runCli, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
const at = (f: string): string => path.join(dir, f);
const OAEP_OPTS = ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256'];
const MESSAGE = 'attack at dawn ✓\n';

before(async () => {
  ({ dir, cleanup } = await tempDir());
  // one key for the whole file, made by openssl (PKCS#8 PEM), in every format the CLI reads
  opensslKeyPair(at('key.pem'));
  const o = (args: string[]): void => void openssl(args, { cwd: dir });
  o(['pkey', '-in', 'key.pem', '-outform', 'DER', '-out', 'key.der']); // PKCS#8 DER
  o(['rsa', '-in', 'key.pem', '-traditional', '-out', 'key.pkcs1.pem']); // PKCS#1 PEM
  o(['rsa', '-in', 'key.pem', '-traditional', '-outform', 'DER', '-out', 'key.pkcs1.der']); // PKCS#1 DER
  o(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', 'key.pem', '-passout', 'pass:s3cret', '-out', 'key.enc.pem']);
  o(['pkey', '-in', 'key.pem', '-pubout', '-outform', 'DER', '-out', 'pub.der']); // SPKI DER
  o(['rsa', '-in', 'key.pem', '-RSAPublicKey_out', '-out', 'pub.pkcs1.pem']); // PKCS#1 public PEM
  await writeFile(at('pass'), 's3cret\n');
  await writeFile(at('wrongpass'), 'guess\n');
  await writeFile(at('msg.txt'), MESSAGE);
  await writeFile(at('garbage.pem'), '-----BEGIN PUBLIC KEY-----\nnot base64 at all!\n-----END PUBLIC KEY-----\n');
});

after(() => cleanup());

describe('RSAES-OAEP-SHA-256 interop with openssl pkeyutl', () => {
  it('openssl encrypts → parley rsa decrypt (each private key format)', async () => {
    const ct = openssl(['pkeyutl', '-encrypt', '-pubin', '-inkey', 'key.pem.pub', ...OAEP_OPTS, '-in', 'msg.txt'], { cwd: dir }).stdout;
    assert.equal(ct.length, 256);
    for (const [key, extra] of [
      ['key.pem', []],
      ['key.der', []],
      ['key.pkcs1.pem', []],
      ['key.pkcs1.der', []],
      ['key.enc.pem', ['--passphrase-file', 'pass']],
    ] as const) {
      const r = await runCli(['rsa', 'decrypt', '--key', key, ...extra], { cwd: dir, input: ct });
      assert.equal(r.code, 0, `${key}: ${r.stderr}`);
      assert.equal(r.stdout.toString(), MESSAGE, key);
    }
  });

  it('parley rsa encrypt (each public key format) → openssl decrypts', async () => {
    for (const key of ['key.pem.pub', 'pub.der', 'pub.pkcs1.pem', 'key.pem']) {
      const r = await runCli(['rsa', 'encrypt', '--key', key, '--in', 'msg.txt', '--out', 'ct.bin'], { cwd: dir });
      assert.equal(r.code, 0, `${key}: ${r.stderr}`);
      assert.equal(r.stdout.length, 0);
      const pt = openssl(['pkeyutl', '-decrypt', '-inkey', 'key.pem', ...OAEP_OPTS, '-in', 'ct.bin'], { cwd: dir }).stdout;
      assert.equal(pt.toString(), MESSAGE, key);
    }
  });

  it('encrypts exactly 190 bytes with a 2048-bit key, and round-trips binary via stdin/stdout', async () => {
    const data = randomBytes(190);
    const enc = await runCli(['rsa', 'encrypt', '--key', 'key.pem.pub'], { cwd: dir, input: data });
    assert.equal(enc.code, 0, enc.stderr);
    assert.equal(enc.stdout.length, 256);
    const dec = await runCli(['rsa', 'decrypt', '--key', 'key.pem', '--out', 'pt.bin'], { cwd: dir, input: enc.stdout });
    assert.equal(dec.code, 0, dec.stderr);
    assert.deepEqual(await readFile(at('pt.bin')), data);
    assert.equal((await stat(at('pt.bin'))).mode & 0o777, 0o600, 'decrypted output is private');
  });
});

describe('decrypted output is private (mode 0600) even over an existing 0644 file', () => {
  it('rsa decrypt --out over a 0644 file: mode 0600, the new content, no temporary file left', async () => {
    const data = randomBytes(100);
    const ct = openssl(['pkeyutl', '-encrypt', '-pubin', '-inkey', 'key.pem.pub', ...OAEP_OPTS], { cwd: dir, input: data }).stdout;
    await writeFile(at('existing.bin'), 'old, public content that is longer than nothing\n');
    await chmod(at('existing.bin'), 0o644);
    const before = await readdir(dir);
    const r = await runCli(['rsa', 'decrypt', '--key', 'key.pem', '--out', 'existing.bin'], { cwd: dir, input: ct });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await stat(at('existing.bin'))).mode & 0o777, 0o600, 'the existing 0644 file ends up 0600');
    assert.deepEqual(await readFile(at('existing.bin')), data);
    assert.deepEqual((await readdir(dir)).sort(), before.sort(), 'no temporary file left behind');
  });

  it('rsa decrypt --out through a symbolic link: the target it names is replaced, 0600', async () => {
    const ct = openssl(['pkeyutl', '-encrypt', '-pubin', '-inkey', 'key.pem.pub', ...OAEP_OPTS, '-in', 'msg.txt'], { cwd: dir }).stdout;
    await writeFile(at('target.txt'), 'old\n', { mode: 0o644 });
    await chmod(at('target.txt'), 0o644);
    await symlink('target.txt', at('link.txt'));
    const r = await runCli(['rsa', 'decrypt', '--key', 'key.pem', '--out', 'link.txt'], { cwd: dir, input: ct });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(at('link.txt'), 'utf8'), MESSAGE);
    assert.equal(await readFile(at('target.txt'), 'utf8'), MESSAGE);
    assert.equal((await stat(at('target.txt'))).mode & 0o777, 0o600);
  });

  it('a dangling symbolic link is replaced by the file, never written through', async () => {
    const ct = openssl(['pkeyutl', '-encrypt', '-pubin', '-inkey', 'key.pem.pub', ...OAEP_OPTS, '-in', 'msg.txt'], { cwd: dir }).stdout;
    await symlink('planted-target.txt', at('dangling.txt'));
    const r = await runCli(['rsa', 'decrypt', '--key', 'key.pem', '--out', 'dangling.txt'], { cwd: dir, input: ct });
    assert.equal(r.code, 0, r.stderr);
    const st = await lstat(at('dangling.txt'));
    assert.ok(st.isFile(), 'the link itself became a regular file');
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(await readFile(at('dangling.txt'), 'utf8'), MESSAGE);
    await assert.rejects(stat(at('planted-target.txt')), { code: 'ENOENT' });
  });

  it('a FIFO is written to, not replaced', async () => {
    const ct = openssl(['pkeyutl', '-encrypt', '-pubin', '-inkey', 'key.pem.pub', ...OAEP_OPTS, '-in', 'msg.txt'], { cwd: dir }).stdout;
    execFileSync('mkfifo', [at('fifo')]);
    const reading = readFile(at('fifo'), 'utf8'); // opens when the writer does
    const r = await runCli(['rsa', 'decrypt', '--key', 'key.pem', '--out', 'fifo'], { cwd: dir, input: ct });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await reading, MESSAGE);
    assert.ok((await lstat(at('fifo'))).isFIFO());
  });
});

describe('RSASSA-PSS-SHA-256 interop with openssl dgst', () => {
  it('openssl signs (salt 32) → parley rsa verify prints valid', async () => {
    openssl(['dgst', '-sha256', '-sign', 'key.pem', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-out', 'ossl.sig', 'msg.txt'], { cwd: dir });
    for (const key of ['key.pem.pub', 'pub.der', 'pub.pkcs1.pem']) {
      const r = await runCli(['rsa', 'verify', '--key', key, '--sig', 'ossl.sig', '--in', 'msg.txt'], { cwd: dir });
      assert.equal(r.code, 0, `${key}: ${r.stderr}`);
      assert.equal(r.stdout.toString(), 'valid\n');
    }
  });

  it("openssl's default PSS salt (maximum) verifies too", async () => {
    openssl(['dgst', '-sha256', '-sign', 'key.pem', '-sigopt', 'rsa_padding_mode:pss', '-out', 'max.sig', 'msg.txt'], { cwd: dir });
    const r = await runCli(['rsa', 'verify', '--key', 'key.pem.pub', '--sig', 'max.sig'], { cwd: dir, input: MESSAGE });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'valid\n');
  });

  it('parley rsa sign (each private key format) → openssl verifies with salt 32', async () => {
    for (const [key, extra] of [
      ['key.pem', []],
      ['key.pkcs1.der', []],
      ['key.enc.pem', ['--passphrase-file', 'pass']],
    ] as const) {
      const r = await runCli(['rsa', 'sign', '--key', key, ...extra, '--in', 'msg.txt', '--out', 'parley.sig'], { cwd: dir });
      assert.equal(r.code, 0, `${key}: ${r.stderr}`);
      assert.equal((await readFile(at('parley.sig'))).length, 256);
      const v = openssl(
        ['dgst', '-sha256', '-verify', 'key.pem.pub', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-signature', 'parley.sig', 'msg.txt'],
        { cwd: dir },
      );
      assert.match(v.stdout.toString(), /Verified OK/, key);
    }
  });

  it('sign writes raw bytes to stdout when it is not a terminal; verify accepts them', async () => {
    const s = await runCli(['rsa', 'sign', '--key', 'key.pem'], { cwd: dir, input: MESSAGE });
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.stdout.length, 256);
    await writeFile(at('stdout.sig'), s.stdout);
    const v = await runCli(['rsa', 'verify', '--key', 'key.pem.pub', '--sig', 'stdout.sig'], { cwd: dir, input: MESSAGE });
    assert.equal(v.stdout.toString(), 'valid\n');
  });

  it('a tampered signature, a changed message or another key → invalid, exit 1', async () => {
    const sig = await readFile(at('ossl.sig'));
    for (const i of [0, 100, 255]) {
      const t = Buffer.from(sig);
      t[i]! ^= 0x01;
      await writeFile(at('bad.sig'), t);
      const r = await runCli(['rsa', 'verify', '--key', 'key.pem.pub', '--sig', 'bad.sig', '--in', 'msg.txt'], { cwd: dir });
      assert.equal(r.code, 1, `byte ${i}`);
      assert.equal(r.stdout.toString(), 'invalid\n');
      assert.equal(r.stderr, '');
    }
    const changed = await runCli(['rsa', 'verify', '--key', 'key.pem.pub', '--sig', 'ossl.sig'], { cwd: dir, input: `${MESSAGE}!` });
    assert.equal(changed.code, 1);
    assert.equal(changed.stdout.toString(), 'invalid\n');
    await writeFile(at('short.sig'), sig.subarray(0, 100));
    const short = await runCli(['rsa', 'verify', '--key', 'key.pem.pub', '--sig', 'short.sig', '--in', 'msg.txt'], { cwd: dir });
    assert.equal(short.code, 1);
    assert.equal(short.stdout.toString(), 'invalid\n');
  });
});

describe('hostile key files are refused fast, and the bounds can be raised', () => {
  /** EncryptedPrivateKeyInfo (RFC 5958 §3, PBES2 RFC 8018 A.4) asking for `iterations` of PBKDF2-HMAC-SHA-512/224, garbage inside. */
  const hostilePem = (iterations: number): string => {
    const kdf = derSequence(derOid('1.2.840.113549.1.5.12'), derSequence(derOctetString(new Uint8Array(16)), derInteger(iterations), derSequence(derOid('1.2.840.113549.2.12'), derNull())));
    const alg = derSequence(derOid('1.2.840.113549.1.5.13'), derSequence(kdf, derSequence(derOid('2.16.840.1.101.3.4.1.42'), derOctetString(new Uint8Array(16)))));
    return pemEncode('ENCRYPTED PRIVATE KEY', derSequence(alg, derOctetString(new Uint8Array(32))));
  };

  it('10 000 000 iterations of a pure-JS PRF (once ~2 minutes): exit 1 at once, naming --max-kdf-iterations', async () => {
    await writeFile(at('hostile.pem'), hostilePem(10_000_000));
    for (const args of [['rsa', 'decrypt', '--key', 'hostile.pem'], ['rsa', 'sign', '--key', 'hostile.pem'], ['open', '--key', 'hostile.pem'], ['fingerprint', 'hostile.pem']]) {
      const t0 = performance.now();
      const r = await runCli([...args, '--passphrase-file', 'pass'], { cwd: dir, input: randomBytes(256) });
      const ms = performance.now() - t0;
      assertCleanError(r, 1, /hostile\.pem asks for 10000000 PBKDF2 iterations, more than the limit of 50000.*--max-kdf-iterations 10000000/);
      // wall time of a whole process (Node's start included), so the bound is generous for a busy
      // machine; deriving would take ~2 minutes, and the refusal's own CPU is checked in pbes2.test.ts
      assert.ok(ms < 20_000, `${args.join(' ')}: ${ms.toFixed(0)} ms`);
    }
  });

  it('an openssl key just over the bound opens with --max-kdf-iterations (decrypt, sign, open, fingerprint)', async () => {
    openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA224', '-iter', '100001', '-in', 'key.pem', '-passout', 'pass:s3cret', '-out', 'slow.pem'], { cwd: dir });
    const ct = openssl(['pkeyutl', '-encrypt', '-pubin', '-inkey', 'key.pem.pub', ...OAEP_OPTS, '-in', 'msg.txt'], { cwd: dir }).stdout;
    const refused = await runCli(['rsa', 'decrypt', '--key', 'slow.pem', '--passphrase-file', 'pass'], { cwd: dir, input: ct });
    assertCleanError(refused, 1, /asks for 100001 PBKDF2 iterations.*limit of 100000.*--max-kdf-iterations 100001/);
    const raise = ['--passphrase-file', 'pass', '--max-kdf-iterations', '100001'];
    const dec = await runCli(['rsa', 'decrypt', '--key', 'slow.pem', ...raise], { cwd: dir, input: ct });
    assert.equal(dec.code, 0, dec.stderr);
    assert.equal(dec.stdout.toString(), MESSAGE);
    const sig = await runCli(['rsa', 'sign', '--key', 'slow.pem', ...raise, '--in', 'msg.txt', '--out', 'slow.sig'], { cwd: dir });
    assert.equal(sig.code, 0, sig.stderr);
    const fp = await runCli(['fingerprint', 'slow.pem', ...raise], { cwd: dir });
    assert.equal(fp.code, 0, fp.stderr);
    assert.equal(fp.stdout.toString(), (await runCli(['fingerprint', 'key.pem.pub'], { cwd: dir })).stdout.toString());
    const sealed = await runCli(['seal', '--to', 'key.pem.pub'], { cwd: dir, input: 'sealed text' });
    const opened = await runCli(['open', '--key', 'slow.pem', ...raise], { cwd: dir, input: sealed.stdout });
    assert.equal(opened.code, 0, opened.stderr);
    assert.equal(opened.stdout.toString(), 'sealed text');
  });

  it('--max-kdf-iterations must be a positive whole number (usage error, exit 2)', async () => {
    for (const v of ['0', '-5', 'many', '1e6', '1.5'])
      assertCleanError(await runCli(['rsa', 'decrypt', '--key', 'key.enc.pem', '--passphrase-file', 'pass', `--max-kdf-iterations=${v}`], { cwd: dir, input: 'x' }), 2, /--max-kdf-iterations must be a positive whole number/);
  });

  it('a public key with a 2047-bit exponent: verify and encrypt exit 1 at once, saying why', async () => {
    const pub = importPublicKey(await readFile(at('key.pem.pub')));
    const big = publicKeyFromComponents({ n: pub.n, e: (1n << 2046n) + 1n }, { maxExponentBits: 2047 });
    await writeFile(at('bige.pub'), exportPublicKeyPem(big));
    await writeFile(at('any.sig'), randomBytes(256));
    for (const args of [['rsa', 'verify', '--key', 'bige.pub', '--sig', 'any.sig'], ['rsa', 'encrypt', '--key', 'bige.pub'], ['seal', '--to', 'bige.pub']])
      assertCleanError(await runCli(args, { cwd: dir, input: 'x' }), 1, /bige\.pub: its public exponent has 2047 bits, more than the limit of 256.*65537/);
  });
});

describe('parley rsa: failures are one line, no stack', () => {
  it('a message too long for OAEP names the maximum and suggests parley seal', async () => {
    const r = await runCli(['rsa', 'encrypt', '--key', 'key.pem.pub'], { cwd: dir, input: Buffer.alloc(191, 0x41) });
    assertCleanError(r, 1, /191 bytes.*at most 190 bytes.*parley seal/);
    assert.equal(r.stdout.length, 0);
  });

  it('a ciphertext of the wrong length names the expected length', async () => {
    assertCleanError(await runCli(['rsa', 'decrypt', '--key', 'key.pem'], { cwd: dir, input: Buffer.alloc(100) }), 1, /100 bytes.*exactly 256 bytes/);
    assertCleanError(await runCli(['rsa', 'decrypt', '--key', 'key.pem'], { cwd: dir, input: '' }), 1, /0 bytes/);
  });

  it('a ciphertext for another key or damaged → decryption failed', async () => {
    assertCleanError(await runCli(['rsa', 'decrypt', '--key', 'key.pem'], { cwd: dir, input: randomBytes(256) }), 1, /^parley: decryption failed/);
  });

  it('missing files', async () => {
    assertCleanError(await runCli(['rsa', 'encrypt', '--key', 'nope.pub'], { cwd: dir, input: 'x' }), 1, /nope\.pub: no such file.*--key/);
    assertCleanError(await runCli(['rsa', 'encrypt', '--key', 'key.pem.pub', '--in', 'nope.txt', '--out', 'x'], { cwd: dir }), 1, /nope\.txt: no such file.*--in/);
    assertCleanError(await runCli(['rsa', 'verify', '--key', 'key.pem.pub', '--sig', 'nope.sig'], { cwd: dir, input: 'x' }), 1, /nope\.sig: no such file.*--sig/);
    assertCleanError(await runCli(['rsa', 'sign', '--key', 'key.pem', '--in', 'msg.txt', '--out', 'no/dir/sig'], { cwd: dir }), 1, /cannot write/);
  });

  it('garbage and wrong kinds of keys', async () => {
    assertCleanError(await runCli(['rsa', 'encrypt', '--key', 'garbage.pem'], { cwd: dir, input: 'x' }), 1, /garbage\.pem is not a readable RSA key/);
    assertCleanError(await runCli(['rsa', 'sign', '--key', 'garbage.pem'], { cwd: dir, input: 'x' }), 1, /garbage\.pem/);
    assertCleanError(await runCli(['rsa', 'sign', '--key', 'msg.txt'], { cwd: dir, input: 'x' }), 1, /msg\.txt is not a readable RSA key/);
    assertCleanError(await runCli(['rsa', 'decrypt', '--key', 'key.pem.pub'], { cwd: dir, input: 'x' }), 1, /is a public key.*private key/);
    assertCleanError(await runCli(['rsa', 'encrypt', '--key', 'key.enc.pem'], { cwd: dir, input: 'x' }), 1, /encrypted private key.*public key/);
  });

  it('missing and wrong passphrases', async () => {
    assertCleanError(await runCli(['rsa', 'sign', '--key', 'key.enc.pem'], { cwd: dir, input: 'x' }), 1, /encrypted.*--passphrase-file/);
    assertCleanError(await runCli(['rsa', 'sign', '--key', 'key.enc.pem', '--passphrase-file', 'wrongpass'], { cwd: dir, input: 'x' }), 1, /wrong passphrase/);
    assertCleanError(await runCli(['rsa', 'decrypt', '--key', 'key.enc.pem', '--passphrase-file', 'nope'], { cwd: dir, input: 'x' }), 1, /nope: no such file/);
  });

  it('usage errors exit 2', async () => {
    assertCleanError(await runCli(['rsa'], { cwd: dir }), 2, /missing rsa command/);
    assertCleanError(await runCli(['rsa', 'frobnicate'], { cwd: dir }), 2, /unknown rsa command "frobnicate"/);
    assertCleanError(await runCli(['rsa', 'encrypt'], { cwd: dir }), 2, /missing --key/);
    assertCleanError(await runCli(['rsa', 'verify', '--key', 'key.pem.pub'], { cwd: dir }), 2, /missing --sig/);
    assertCleanError(await runCli(['rsa', 'sign', '--key'], { cwd: dir }), 2, /--key/);
    assertCleanError(await runCli(['rsa', 'sign', '--key', 'a', '--bogus'], { cwd: dir }), 2, /unknown option '--bogus'.*rsa sign --help/);
    assertCleanError(await runCli(['rsa', 'decrypt', '--key', 'key.pem', 'stray'], { cwd: dir }), 2, /unexpected argument 'stray'/);
  });
});
