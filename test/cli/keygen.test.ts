/** `parley keygen` and `parley fingerprint`, checked against openssl. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI } from '../helpers/paths.js';
import { assertCleanError, openssl, opensslFingerprint, runCli, tempDir, type RunResult } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let plain: RunResult; // `parley keygen` in `dir` with the defaults
let encrypted: RunResult; // `parley keygen --out enc/key --passphrase-file pass --force` over existing files

before(async () => {
  ({ dir, cleanup } = await tempDir());
  plain = await runCli(['keygen'], { cwd: dir });
  await writeFile(path.join(dir, 'pass'), 'correct horse battery staple\nsecond line ignored\n');
  await writeFile(path.join(dir, 'wrong'), 'incorrect horse\n');
  // pre-existing, world-readable files that --force must replace with a 0600 private key
  await writeFile(path.join(dir, 'enc'), 'old');
  await chmod(path.join(dir, 'enc'), 0o644);
  await writeFile(path.join(dir, 'enc.pub'), 'old');
  encrypted = await runCli(['keygen', '--out', 'enc', '--passphrase-file', 'pass', '--force'], { cwd: dir });
});

after(() => cleanup());

describe('parley keygen (defaults)', () => {
  it('exits 0, prints the fingerprint alone on stdout and progress on stderr', () => {
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout.toString(), /^SHA256:[A-Za-z0-9+/]{43}\n$/);
    assert.match(plain.stderr, /generating 2048-bit RSA key…/);
    assert.doesNotMatch(plain.stderr, /\r/, 'no spinner when stderr is not a terminal');
  });

  it('writes ./parley_rsa (PKCS#8 PEM, 0600) and ./parley_rsa.pub (SPKI PEM)', async () => {
    const priv = await readFile(path.join(dir, 'parley_rsa'), 'utf8');
    const pub = await readFile(path.join(dir, 'parley_rsa.pub'), 'utf8');
    assert.match(priv, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(pub, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.equal((await stat(path.join(dir, 'parley_rsa'))).mode & 0o777, 0o600);
  });

  it('openssl pkey -check accepts the key, and it is 2048 bits', () => {
    const r = openssl(['pkey', '-in', 'parley_rsa', '-check', '-noout'], { cwd: dir });
    assert.match(r.stdout.toString() + r.stderr, /Key is valid/);
    const text = openssl(['pkey', '-in', 'parley_rsa', '-text', '-noout'], { cwd: dir }).stdout.toString();
    assert.match(text, /Private-Key: \(2048 bit, 2 primes\)/);
  });

  it('the printed fingerprint equals `parley fingerprint` of both files and openssl\'s', async () => {
    const fp = plain.stdout.toString().trim();
    assert.equal(fp, opensslFingerprint(path.join(dir, 'parley_rsa.pub')));
    for (const f of ['parley_rsa', 'parley_rsa.pub']) {
      const r = await runCli(['fingerprint', f], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), `${fp}\n`);
    }
  });

  it('fingerprints DER and PKCS#1 forms of the same key alike', async () => {
    const fp = plain.stdout.toString().trim();
    openssl(['pkey', '-in', 'parley_rsa', '-outform', 'DER', '-out', 'priv.der'], { cwd: dir });
    openssl(['pkey', '-in', 'parley_rsa', '-pubout', '-outform', 'DER', '-out', 'pub.der'], { cwd: dir });
    openssl(['rsa', '-in', 'parley_rsa', '-traditional', '-out', 'pkcs1.pem'], { cwd: dir });
    openssl(['rsa', '-in', 'parley_rsa', '-RSAPublicKey_out', '-out', 'pkcs1pub.pem'], { cwd: dir });
    for (const f of ['priv.der', 'pub.der', 'pkcs1.pem', 'pkcs1pub.pem']) {
      const r = await runCli(['fingerprint', f], { cwd: dir });
      assert.equal(r.code, 0, `${f}: ${r.stderr}`);
      assert.equal(r.stdout.toString().trim(), fp, f);
    }
  });

  it('refuses to overwrite without --force, exit 1, files untouched', async () => {
    const before = await readFile(path.join(dir, 'parley_rsa'), 'utf8');
    const r = await runCli(['keygen'], { cwd: dir });
    assertCleanError(r, 1, /parley_rsa already exists.*--force/);
    assert.equal(await readFile(path.join(dir, 'parley_rsa'), 'utf8'), before);
  });
});

describe('parley keygen --passphrase-file (over existing files with --force)', () => {
  it('exits 0 and writes an ENCRYPTED PRIVATE KEY with mode 0600 and a public key', async () => {
    assert.equal(encrypted.code, 0, encrypted.stderr);
    assert.match(await readFile(path.join(dir, 'enc'), 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    assert.match(await readFile(path.join(dir, 'enc.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
    assert.equal((await stat(path.join(dir, 'enc'))).mode & 0o777, 0o600);
  });

  it('openssl opens it with the first line of the passphrase file and checks it', () => {
    const r = openssl(['pkey', '-in', 'enc', '-passin', 'pass:correct horse battery staple', '-check', '-noout'], { cwd: dir });
    assert.match(r.stdout.toString() + r.stderr, /Key is valid/);
    const bad = openssl(['pkey', '-in', 'enc', '-passin', 'pass:wrong', '-noout'], { cwd: dir, allowFail: true });
    assert.notEqual(bad.status, 0);
  });

  it('fingerprint: the .pub, the key with its passphrase, and openssl agree', async () => {
    const fp = encrypted.stdout.toString().trim();
    assert.equal(fp, opensslFingerprint(path.join(dir, 'enc.pub')));
    const a = await runCli(['fingerprint', 'enc.pub'], { cwd: dir });
    const b = await runCli(['fingerprint', 'enc', '--passphrase-file', 'pass'], { cwd: dir });
    assert.equal(a.stdout.toString().trim(), fp);
    assert.equal(b.stdout.toString().trim(), fp, b.stderr);
  });

  it('fingerprint of the encrypted key without or with a wrong passphrase fails cleanly', async () => {
    assertCleanError(await runCli(['fingerprint', 'enc'], { cwd: dir }), 1, /encrypted.*--passphrase-file/);
    assertCleanError(await runCli(['fingerprint', 'enc', '--passphrase-file', 'wrong'], { cwd: dir }), 1, /wrong passphrase/);
  });
});

describe('parley keygen: bad input', () => {
  it('refuses --bits 1024 (exit 2, no files)', async () => {
    const { dir: d, cleanup: c } = await tempDir();
    try {
      assertCleanError(await runCli(['keygen', '--bits', '1024'], { cwd: d }), 2, /1024-bit.*2048/);
      assertCleanError(await runCli(['keygen', '--bits=512', '--out', 'x'], { cwd: d }), 2, /2048/);
      assertCleanError(await runCli(['keygen', '--bits', '2500'], { cwd: d }), 2, /2048, 3072 or 4096/);
      assertCleanError(await runCli(['keygen', '--bits', 'lots'], { cwd: d }), 2, /whole number/);
      assertCleanError(await runCli(['keygen', '--bits'], { cwd: d }), 2, /--bits/);
      assertCleanError(await runCli(['keygen', '--colour'], { cwd: d }), 2, /unknown option '--colour'.*keygen --help/);
      assertCleanError(await runCli(['keygen', 'extra'], { cwd: d }), 2, /unexpected argument 'extra'/);
      assert.deepEqual(await readdir(d), []);
    } finally {
      await c();
    }
  });

  it('fails cleanly for a missing directory, a missing or empty passphrase file (exit 1)', async () => {
    assertCleanError(await runCli(['keygen', '--out', 'no/such/dir/key'], { cwd: dir }), 1, /does not exist/);
    assertCleanError(await runCli(['keygen', '--out', 'k2', '--passphrase-file', 'nope'], { cwd: dir }), 1, /nope: no such file/);
    await writeFile(path.join(dir, 'empty'), '\nsecond\n');
    assertCleanError(await runCli(['keygen', '--out', 'k2', '--passphrase-file', 'empty'], { cwd: dir }), 1, /empty/);
  });

  it('fingerprint: missing file, garbage, no argument', async () => {
    await writeFile(path.join(dir, 'garbage.pem'), 'this is not a key\n');
    assertCleanError(await runCli(['fingerprint', 'missing.pem'], { cwd: dir }), 1, /missing\.pem: no such file/);
    assertCleanError(await runCli(['fingerprint', 'garbage.pem'], { cwd: dir }), 1, /garbage\.pem is not a readable RSA key/);
    assertCleanError(await runCli(['fingerprint'], { cwd: dir }), 2, /missing KEYFILE/);
    assertCleanError(await runCli(['fingerprint', dir]), 1, /is a directory/);
  });

  it('fingerprint refuses a 1024-bit key with a clear message', async () => {
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', 'small.pem'], { cwd: dir });
    assertCleanError(await runCli(['fingerprint', 'small.pem'], { cwd: dir }), 1, /1024.*2048/);
  });
});

describe('parley keygen: Ctrl+C', () => {
  it('exits 130 during generation, without a stack trace or files', async () => {
    const { dir: d, cleanup: c } = await tempDir();
    try {
      const child = spawn(process.execPath, [CLI, 'keygen', '--bits', '4096'], { cwd: d, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => {
        stderr += b.toString();
        if (stderr.includes('generating')) child.kill('SIGINT');
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      assert.equal(code, 130, stderr);
      assert.doesNotMatch(stderr, /^\s+at /m);
      assert.match(stderr, /parley: interrupted/);
      assert.deepEqual(await readdir(d), []);
    } finally {
      await c();
    }
  });
});
