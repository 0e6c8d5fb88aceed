/**
 * `parley server`'s key in <data>/server_key (src/cli/server-key.ts), through child processes of
 * the built CLI: it refuses to start when group or others can access the key file, and
 * --key-passphrase-file loads an encrypted key (and writes one on first start).
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertCleanError, openssl, opensslFingerprint, runCli, startCliServer, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
const at = (...f: string[]): string => path.join(dir, ...f);

/** Starts `parley server --port 0 --data DATA ...args` (startCliServer): the fingerprint it prints once it listens, or its exit. */
const startServer = (data: string, args: string[] = [], timeoutMs = 120_000) => startCliServer(['--data', data, ...args], {}, timeoutMs);

/** A data folder holding an openssl-made server_key with `mode` (and optional passphrase). */
async function dataWithKey(name: string, mode: number, passphrase?: string): Promise<string> {
  const data = at(name);
  await mkdir(data, { mode: 0o700 });
  const key = path.join(data, 'server_key');
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key, ...(passphrase ? ['-aes-256-cbc', '-pass', `pass:${passphrase}`] : [])]);
  await chmod(key, mode);
  return data;
}

before(async () => {
  ({ dir, cleanup } = await tempDir('parley-server-key-'));
  await writeFile(at('pass'), 'server secret\n');
  await writeFile(at('wrong'), 'not it\n');
});

after(() => cleanup());

describe('parley server refuses a server_key that group or others can access', () => {
  for (const mode of [0o644, 0o640, 0o604, 0o602, 0o620, 0o660, 0o700 | 0o007]) {
    it(`mode ${mode.toString(8).padStart(4, '0')}: exit 1, one line saying to run chmod 600`, async () => {
      const data = await dataWithKey(`mode-${mode.toString(8)}`, mode);
      const { started, result } = await startServer(data);
      assert.equal(started, false, 'the server must not start');
      const key = path.join(data, 'server_key');
      assertCleanError(result, 1, new RegExp(`server key ${key} has mode 0${mode.toString(8)}: group or others can read or change it.*run 'chmod 600 ${key}'`));
      assert.equal((await stat(key)).mode & 0o777, mode, 'the key file is left alone');
    });
  }

  for (const mode of [0o600, 0o400]) {
    it(`mode ${mode.toString(8).padStart(4, '0')}: starts, with the key's fingerprint`, async () => {
      const data = await dataWithKey(`ok-${mode.toString(8)}`, mode);
      const { started, fingerprint, result } = await startServer(data);
      assert.ok(started, result.stderr);
      await writeFile(at(`ok-${mode.toString(8)}.pub`), openssl(['pkey', '-in', path.join(data, 'server_key'), '-pubout']).stdout);
      assert.equal(fingerprint, opensslFingerprint(at(`ok-${mode.toString(8)}.pub`)));
    });
  }
});

describe('parley server --key-passphrase-file', () => {
  it('first start writes the new key encrypted (0600, PBES2), openssl opens it with the passphrase; restarts load it', async () => {
    const data = at('fresh');
    const first = await startServer(data, ['--key-passphrase-file', at('pass')]);
    assert.ok(first.started, first.result.stderr);
    assert.match(first.result.stderr, /generating the server's RSA key .*\(encrypted with the passphrase\)/);
    const key = path.join(data, 'server_key');
    const pem = await readFile(key, 'utf8');
    assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    assert.equal((await stat(key)).mode & 0o777, 0o600);
    assert.equal(opensslFingerprint(path.join(data, 'server_key.pub')), first.fingerprint);
    openssl(['pkey', '-in', key, '-passin', `file:${at('pass')}`, '-check', '-noout']);
    // with the passphrase again: the same key
    const again = await startServer(data, ['--key-passphrase-file', at('pass')]);
    assert.ok(again.started, again.result.stderr);
    assert.equal(again.fingerprint, first.fingerprint);
    // without it, or with a wrong one: a clear error, exit 1
    assertCleanError((await startServer(data)).result, 1, /server_key is encrypted with a passphrase; give it with --key-passphrase-file FILE/);
    assertCleanError((await startServer(data, ['--key-passphrase-file', at('wrong')])).result, 1, /wrong passphrase for .*server_key; check .*wrong: the passphrase is its first line/);
    assertCleanError((await startServer(data, ['--key-passphrase-file', at('nope')])).result, 1, /cannot read .*nope: no such file; check the path given to --key-passphrase-file/);
  });

  it('loads an encrypted key written by `parley keygen --passphrase-file` and by openssl', async () => {
    const data = at('keygen');
    await mkdir(data, { mode: 0o700 });
    const made = await runCli(['keygen', '--out', path.join(data, 'server_key'), '--passphrase-file', at('pass')]);
    assert.equal(made.code, 0, made.stderr);
    const r = await startServer(data, ['--key-passphrase-file', at('pass')]);
    assert.ok(r.started, r.result.stderr);
    assert.equal(`${r.fingerprint}\n`, made.stdout.toString());

    const ossl = await dataWithKey('openssl-enc', 0o600, 'server secret');
    const o = await startServer(ossl, ['--key-passphrase-file', at('pass')]);
    assert.ok(o.started, o.result.stderr);
  });

  it('refuses a passphrase for a key that is not encrypted, saying how to encrypt it', async () => {
    const data = await dataWithKey('plain', 0o600);
    const { started, result } = await startServer(data, ['--key-passphrase-file', at('pass')]);
    assert.equal(started, false);
    assertCleanError(result, 1, /--key-passphrase-file was given, but the server key .*server_key is not encrypted; .*openssl pkcs8 -topk8 -v2 aes-256-cbc/);
  });

  it('a server_key over the PBKDF2 bound needs --max-kdf-iterations', async () => {
    const data = await dataWithKey('slow', 0o600);
    const key = path.join(data, 'server_key');
    const enc = openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA512-256', '-iter', '50001', '-in', key, '-passout', `file:${at('pass')}`]).stdout;
    await writeFile(key, enc);
    const refused = await startServer(data, ['--key-passphrase-file', at('pass')]);
    assertCleanError(refused.result, 1, /asks for 50001 PBKDF2 iterations.*--max-kdf-iterations 50001/);
    const ok = await startServer(data, ['--key-passphrase-file', at('pass'), '--max-kdf-iterations', '50001']);
    assert.ok(ok.started, ok.result.stderr);
  });

  it('parley server --help documents it', async () => {
    const r = await runCli(['server', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout.toString(), /--key-passphrase-file F/);
    assert.match(r.stdout.toString(), /chmod 600/);
  });
});
