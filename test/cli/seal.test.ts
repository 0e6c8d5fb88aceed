/** `parley seal` and `parley open`: round trips, formats, wrong keys, tampering, EPIPE. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { concatBytes, utf8ToBytes } from '../../src/rsa/bytes.js';
import { getHash } from '../../src/rsa/hash.js';
import { importPublicKey } from '../../src/rsa/keyfile.js';
import { armorSealed, dearmorSealed, sealRawPayloadForTesting } from '../../src/rsa/seal.js';
import { CLI } from '../helpers/paths.js';
import { assertCleanError, openssl, opensslKeyPair, runCli, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
const at = (f: string): string => path.join(dir, f);
const UNICODE = '\uFEFFΚαλημέρα 🌍 — naïve café, 日本語, e\u0301, "quotes"\r\nsecond line\n\ttab\n';

before(async () => {
  ({ dir, cleanup } = await tempDir());
  opensslKeyPair(at('bob'));
  opensslKeyPair(at('eve'));
  openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', 'bob', '-passout', 'pass:bobpass', '-out', 'bob.enc'], { cwd: dir });
  await writeFile(at('pass'), 'bobpass\n');
});

after(() => cleanup());

async function seal(text: string | Uint8Array, to = 'bob.pub'): Promise<Buffer> {
  const r = await runCli(['seal', '--to', to], { cwd: dir, input: text });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe('parley seal / open round trips', () => {
  it('a unicode text, byte for byte (BOM, CRLF, combining marks, emoji)', async () => {
    const armored = await seal(UNICODE);
    assert.match(armored.toString(), /^-----BEGIN PARLEY SEALED MESSAGE-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END PARLEY SEALED MESSAGE-----\n$/);
    const r = await runCli(['open', '--key', 'bob'], { cwd: dir, input: armored });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout, Buffer.from(UNICODE, 'utf8'));
  });

  it('1 MB of text through files (--in/--out), the output file private', async () => {
    const big = 'The quick brown fox jumps over the lazy dog ✓\n'.repeat(Math.ceil(1_048_576 / 47)).slice(0, 1_048_576);
    await writeFile(at('big.txt'), big);
    const s = await runCli(['seal', '--to', 'bob.pub', '--in', 'big.txt', '--out', 'big.sealed'], { cwd: dir });
    assert.equal(s.code, 0, s.stderr);
    const o = await runCli(['open', '--key', 'bob', '--in', 'big.sealed', '--out', 'big.out'], { cwd: dir });
    assert.equal(o.code, 0, o.stderr);
    assert.equal(await readFile(at('big.out'), 'utf8'), big);
    assert.equal((await stat(at('big.out'))).mode & 0o777, 0o600);
  });

  it('an empty text', async () => {
    const r = await runCli(['open', '--key', 'bob'], { cwd: dir, input: await seal('') });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.length, 0);
  });

  it('open accepts the binary form, and an encrypted key with --passphrase-file', async () => {
    const binary = dearmorSealed((await seal('binary form')).toString());
    const r = await runCli(['open', '--key', 'bob.enc', '--passphrase-file', 'pass'], { cwd: dir, input: binary });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'binary form');
  });

  it('open accepts armor with CRLF line ends and surrounding text', async () => {
    const armored = (await seal('wrapped')).toString().replace(/\n/g, '\r\n');
    const r = await runCli(['open', '--key', 'bob'], { cwd: dir, input: `Hi Bob, see below.\r\n\r\n${armored}\r\n-- Alice\r\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'wrapped');
  });
});

describe('parley open --out over an existing file', () => {
  it('a 0644 file becomes 0600 with the opened text', async () => {
    await writeFile(at('open-existing.txt'), 'old public content\n');
    await chmod(at('open-existing.txt'), 0o644);
    await writeFile(at('sealed.txt'), await seal(UNICODE));
    const r = await runCli(['open', '--key', 'bob', '--in', 'sealed.txt', '--out', 'open-existing.txt'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await stat(at('open-existing.txt'))).mode & 0o777, 0o600);
    assert.equal(await readFile(at('open-existing.txt'), 'utf8'), UNICODE);
  });
});

describe('parley open: failures', () => {
  it('the wrong key → exit 1, a clear message, no text', async () => {
    const r = await runCli(['open', '--key', 'eve'], { cwd: dir, input: await seal('for bob only') });
    assertCleanError(r, 1, /cannot open this message with eve: it was sealed for another key/);
    assert.equal(r.stdout.length, 0);
  });

  it('a tampered message → exit 1', async () => {
    const armored = (await seal('tamper with me')).toString();
    const lines = armored.split('\n');
    const line = lines[3]!;
    lines[3] = (line[10] === 'A' ? 'B' : 'A').padStart(11, line.slice(0, 10)) + line.slice(11);
    const r = await runCli(['open', '--key', 'bob'], { cwd: dir, input: lines.join('\n') });
    assertCleanError(r, 1, /cannot open this message/);
    assert.equal(r.stdout.length, 0);
  });

  it('a truncated armor, garbage and empty input → exit 1, not a sealed message', async () => {
    const armored = (await seal('cut')).toString();
    assertCleanError(await runCli(['open', '--key', 'bob'], { cwd: dir, input: armored.slice(0, 100) }), 1, /not a Parley sealed message/);
    assertCleanError(await runCli(['open', '--key', 'bob'], { cwd: dir, input: 'hello there\n' }), 1, /not a Parley sealed message/);
    assertCleanError(await runCli(['open', '--key', 'bob'], { cwd: dir, input: '' }), 1, /not a Parley sealed message/);
  });

  it('an integrity failure → exit 1, a loud message, and the text is not printed', async () => {
    const pub = importPublicKey(await readFile(at('bob.pub')));
    const text = utf8ToBytes('forged text');
    const wrongHash = getHash('SHA-256').digest(utf8ToBytes('the real text'));
    await writeFile(at('forged.txt'), armorSealed(await sealRawPayloadForTesting(pub, concatBytes(wrongHash, text))));
    const r = await runCli(['open', '--key', 'bob', '--in', 'forged.txt'], { cwd: dir });
    assertCleanError(r, 1, /INTEGRITY CHECK FAILED.*NOT shown.*do not trust/);
    assert.equal(r.stdout.length, 0);
  });

  it('keys: missing, public instead of private, encrypted without passphrase, wrong passphrase', async () => {
    const sealed = await seal('k');
    assertCleanError(await runCli(['open', '--key', 'nokey'], { cwd: dir, input: sealed }), 1, /nokey: no such file/);
    assertCleanError(await runCli(['open', '--key', 'bob.pub'], { cwd: dir, input: sealed }), 1, /is a public key/);
    assertCleanError(await runCli(['open', '--key', 'bob.enc'], { cwd: dir, input: sealed }), 1, /encrypted.*--passphrase-file/);
    await writeFile(at('wrong'), 'not it\n');
    assertCleanError(await runCli(['open', '--key', 'bob.enc', '--passphrase-file', 'wrong'], { cwd: dir, input: sealed }), 1, /wrong passphrase/);
  });
});

describe('parley seal: failures', () => {
  it('non-UTF-8 input, missing key, private-key-only encrypted file, usage', async () => {
    assertCleanError(await runCli(['seal', '--to', 'bob.pub'], { cwd: dir, input: Buffer.from([0xff, 0xfe, 0xc3]) }), 1, /not UTF-8 text/);
    assertCleanError(await runCli(['seal', '--to', 'nobody.pub'], { cwd: dir, input: 'x' }), 1, /nobody\.pub: no such file.*--to/);
    assertCleanError(await runCli(['seal', '--to', 'bob.enc'], { cwd: dir, input: 'x' }), 1, /encrypted private key/);
    assertCleanError(await runCli(['seal'], { cwd: dir, input: 'x' }), 2, /missing --to/);
    assertCleanError(await runCli(['open'], { cwd: dir, input: 'x' }), 2, /missing --key/);
  });

  it('a private key works as --to (its public half)', async () => {
    const r = await runCli(['open', '--key', 'bob'], { cwd: dir, input: await seal('via private', 'bob') });
    assert.equal(r.stdout.toString(), 'via private');
  });
});

describe('stdout closed early (EPIPE)', () => {
  it('parley open | head exits quietly', async () => {
    const big = 'x'.repeat(4 * 1024 * 1024);
    await writeFile(at('epipe.txt'), big);
    const s = await runCli(['seal', '--to', 'bob.pub', '--in', 'epipe.txt', '--out', 'epipe.sealed'], { cwd: dir });
    assert.equal(s.code, 0, s.stderr);
    const child = spawn(process.execPath, [CLI, 'open', '--key', 'bob', '--in', 'epipe.sealed'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});
