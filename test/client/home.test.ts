/**
 * The identity folder: first run, later runs, names, passphrases, damaged files, permissions.
 * One key is generated for real (first run); the others come from node:crypto (fast).
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeError } from '../../src/cli/errors.js';
import { homePaths, isHomeError, loadOrCreateIdentity, nameProblem, rememberName, resolveHome, type HomeErrorCode, type IdentityOptions } from '../../src/client/home.js';
import { exportEncryptedPrivateKeyPem, exportPrivateKeyPem, exportPublicKeyPem, fingerprint, importPublicKey, type RsaPrivateKey } from '../../src/rsa/index.js';
import { opensslKey } from '../helpers/keys.js';

let root: string;
before(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'parley-home-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const fresh = (): string => path.join(root, `home${n++}`);
const fastKey = (): RsaPrivateKey => opensslKey(2048).key;
const noKeygen = (): never => {
  throw new Error('must not generate a key');
};
const mode = (p: string): number => statSync(p).mode & 0o777;

/** Options for a non-interactive run with a fast key. */
function opts(extra: Partial<IdentityOptions> = {}): IdentityOptions {
  return { interactive: false, generateKey: fastKey, ...extra };
}

async function rejectsWith(p: Promise<unknown>, code: HomeErrorCode, message?: RegExp, hint?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isHomeError(e), `expected a HomeError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    if (hint) assert.match(e.hint ?? '', hint);
    // it prints as one line `parley: message; hint`, exit 1 or 2, no stack
    const { text, exitCode } = describeError(e);
    assert.match(text, /^parley: [^\n]+; [^\n]+\n$/);
    assert.ok(exitCode === 1 || exitCode === 2);
    return true;
  });
}

let firstKey: RsaPrivateKey;

describe('first run and later runs', () => {
  const home = path.join(root, 'nested', 'first');

  it('first run: generates a 2048-bit key with progress, writes key (0600), key.pub; folder 0700; the name only once rememberName is called', async () => {
    const starts: number[] = [];
    let progress = 0;
    const id = await loadOrCreateIdentity(home, {
      name: 'alice',
      interactive: false,
      onKeygenStart: (bits) => starts.push(bits),
      onProgress: () => progress++,
    });
    firstKey = id.key;
    assert.equal(id.created, true);
    assert.equal(id.encrypted, false);
    assert.equal(id.name, 'alice');
    assert.deepEqual(starts, [2048]);
    assert.ok(progress > 0, 'progress was reported');
    assert.equal(id.key.n.toString(2).length, 2048);
    assert.deepEqual(id.warnings, []);
    const p = homePaths(home);
    assert.deepEqual(id.paths, p);
    assert.equal(mode(home), 0o700);
    assert.equal(mode(p.key), 0o600);
    assert.equal(mode(p.publicKey), 0o644);
    assert.match(readFileSync(p.key, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(readFileSync(p.publicKey, 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
    // a name is saved only once a server accepted it (the chat client calls rememberName on `ready`)
    assert.equal(id.nameSaved, false);
    assert.equal(existsSync(p.config), false, 'no config.json before the server accepted the name');
    rememberName(home, 'alice');
    assert.equal(mode(p.config), 0o600);
    assert.deepEqual(JSON.parse(readFileSync(p.config, 'utf8')), { name: 'alice' });
    assert.equal(id.fingerprint, fingerprint(importPublicKey(readFileSync(p.publicKey))));
    assert.match(id.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('later runs load the same key and name, ask nothing, generate nothing', async () => {
    const id = await loadOrCreateIdentity(home, {
      interactive: true,
      prompt: () => assert.fail('must not ask'),
      generateKey: noKeygen,
    });
    assert.equal(id.created, false);
    assert.equal(id.name, 'alice');
    assert.equal(id.nameSaved, true);
    assert.equal(id.fingerprint, fingerprint(firstKey.publicKey));
    assert.equal(id.key.d, firstKey.d);
  });

  it('--name overrides the remembered name, which stays until rememberName; other config fields kept', async () => {
    const p = homePaths(home);
    writeFileSync(p.config, JSON.stringify({ name: 'alice', theme: 'dark' }));
    const id = await loadOrCreateIdentity(home, opts({ name: 'alice2', generateKey: noKeygen }));
    assert.equal(id.name, 'alice2');
    assert.equal(id.nameSaved, false);
    assert.deepEqual(JSON.parse(readFileSync(p.config, 'utf8')), { name: 'alice', theme: 'dark' }, 'not saved: the server has not accepted it yet');
    rememberName(home, 'alice2');
    assert.deepEqual(JSON.parse(readFileSync(p.config, 'utf8')), { name: 'alice2', theme: 'dark' });
    assert.equal((await loadOrCreateIdentity(home, opts({ name: 'alice2', generateKey: noKeygen }))).nameSaved, true);
    rememberName(home, 'alice');
    assert.deepEqual(JSON.parse(readFileSync(p.config, 'utf8')), { name: 'alice', theme: 'dark' });
    assert.throws(() => rememberName(home, 'no way'), (e: unknown) => isHomeError(e, 'INVALID_NAME'));
  });

  it('rewrites a missing or stale key.pub from the key', async () => {
    const p = homePaths(home);
    unlinkSync(p.publicKey);
    let id = await loadOrCreateIdentity(home, opts({ generateKey: noKeygen }));
    assert.deepEqual(id.warnings, []);
    assert.equal(readFileSync(p.publicKey, 'utf8'), exportPublicKeyPem(firstKey.publicKey));
    writeFileSync(p.publicKey, exportPublicKeyPem(fastKey().publicKey));
    id = await loadOrCreateIdentity(home, opts({ generateKey: noKeygen }));
    assert.equal(id.warnings.length, 1);
    assert.match(id.warnings[0]!, /key\.pub did not match .*key; it was rewritten/);
    assert.equal(readFileSync(p.publicKey, 'utf8'), exportPublicKeyPem(firstKey.publicKey));
  });

  it('warns (and goes on) when the folder is open to other users', async () => {
    chmodSync(home, 0o755);
    try {
      const id = await loadOrCreateIdentity(home, opts({ generateKey: noKeygen }));
      assert.equal(id.warnings.length, 1);
      assert.match(id.warnings[0]!, /accessible by other users \(mode 0755\); run: chmod 700 /);
    } finally {
      chmodSync(home, 0o700);
    }
  });
});

describe('names', () => {
  it('asks on a terminal, re-asks saying why each answer was refused; the answer is remembered by rememberName', async () => {
    const home = fresh();
    const answers = ['', 'bad name!', 'x'.repeat(33), 'zoë/x', '  bob  '];
    const questions: string[] = [];
    const id = await loadOrCreateIdentity(home, opts({ interactive: true, prompt: async (q) => (questions.push(q), answers.shift()!) }));
    assert.equal(id.name, 'bob');
    assert.equal(id.nameSaved, false);
    assert.equal(questions.length, 5);
    assert.match(questions[0]!, /Choose your name/);
    assert.equal(questions[1], "'' is not a valid name: it is empty (a name is 1–32 of A–Z a–z 0–9 _ . -). Your name: ");
    assert.equal(questions[2], "'bad name!' is not a valid name: a space and '!' are not allowed (a name is 1–32 of A–Z a–z 0–9 _ . -). Your name: ");
    assert.match(questions[3]!, /^'x{33}' is not a valid name: it is 33 characters long \(at most 32\) \(a name is/);
    assert.match(questions[4]!, /^'zoë\/x' is not a valid name: 'ë' and '\/' are not allowed \(/);
    assert.equal(existsSync(homePaths(home).config), false);
    rememberName(home, id.name);
    const again = await loadOrCreateIdentity(home, opts({ generateKey: noKeygen }));
    assert.equal(again.name, 'bob');
  });

  it('nameProblem says what is wrong with a name', () => {
    const cases: [string, string | undefined][] = [
      ['alice', undefined],
      ['a.b-c_9', undefined],
      ['', 'it is empty'],
      ['Alice Smith', 'a space is not allowed'],
      ['a\x07b', 'U+0007 is not allowed'],
      ['ä/ö!?', "'ä', '/', 'ö' … are not allowed"],
      ['y'.repeat(40), 'it is 40 characters long (at most 32)'],
      [`${'é'.repeat(33)}`, "'é' is not allowed; it is 33 characters long (at most 32)"],
    ];
    for (const [name, problem] of cases) assert.equal(nameProblem(name), problem, JSON.stringify(name));
  });

  it('without a terminal and without --name: NAME_REQUIRED, and no key is created', async () => {
    const home = fresh();
    await rejectsWith(loadOrCreateIdentity(home, opts({ generateKey: noKeygen })), 'NAME_REQUIRED', /no name/, /--name NAME/);
    assert.equal(existsSync(homePaths(home).key), false);
  });

  it('end of input at the question, or five invalid answers: NAME_REQUIRED, saying why each answer was refused', async () => {
    await rejectsWith(loadOrCreateIdentity(fresh(), opts({ interactive: true, prompt: async () => null })), 'NAME_REQUIRED', /^no name chosen$/, /1–32 of .*--name NAME/);
    const answers = ['Alice Smith', '', 'x/y', 'y'.repeat(40), 'é'];
    await rejectsWith(
      loadOrCreateIdentity(fresh(), opts({ interactive: true, prompt: async () => answers.shift() ?? assert.fail('asked a sixth time') })),
      'NAME_REQUIRED',
      new RegExp(
        "^no name chosen: all 5 names typed were refused \\('Alice Smith': a space is not allowed; '': it is empty; 'x/y': '/' is not allowed; " +
          "'y{40}': it is 40 characters long \\(at most 32\\); 'é': 'é' is not allowed\\)$",
      ),
      /^a name is 1–32 of A–Z a–z 0–9 _ \. -; run again and type one, or give one with --name NAME$/,
    );
    assert.equal(answers.length, 0);
  });

  it('an invalid --name is a usage error (exit 2)', async () => {
    await rejectsWith(loadOrCreateIdentity(fresh(), opts({ name: 'al ice' })), 'INVALID_NAME', /^'al ice' is not a valid name: a space is not allowed$/, /1–32/);
    await assert.rejects(loadOrCreateIdentity(fresh(), opts({ name: '' })), (e: unknown) => isHomeError(e, 'INVALID_NAME') && describeError(e).exitCode === 2);
  });
});

describe('passphrases', () => {
  const home = path.join(root, 'encrypted');
  let fp: string;

  it('first run with a passphrase writes an encrypted PKCS#8 key (0600)', async () => {
    const id = await loadOrCreateIdentity(home, opts({ name: 'carol', passphrase: 'correct horse' }));
    rememberName(home, id.name);
    fp = id.fingerprint;
    assert.equal(id.created, true);
    assert.equal(id.encrypted, true);
    const p = homePaths(home);
    assert.match(readFileSync(p.key, 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    assert.equal(mode(p.key), 0o600);
    assert.match(readFileSync(p.publicKey, 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
  });

  it('later: the right passphrase opens it; none or a wrong one is a clear error', async () => {
    const id = await loadOrCreateIdentity(home, opts({ passphrase: 'correct horse', generateKey: noKeygen }));
    assert.equal(id.fingerprint, fp);
    assert.equal(id.encrypted, true);
    await rejectsWith(loadOrCreateIdentity(home, opts({ generateKey: noKeygen })), 'PASSPHRASE_REQUIRED', /encrypted with a passphrase/, /--passphrase-file/);
    await rejectsWith(loadOrCreateIdentity(home, opts({ passphrase: 'wrong', generateKey: noKeygen })), 'BAD_PASSPHRASE', /wrong passphrase for .*key/);
  });

  it('on a terminal, asks for it, again after a wrong one, at most three times', async () => {
    // a cheaper key file for the repeated attempts: 1000 PBKDF2 iterations
    const h = fresh();
    mkdirSync(h, { mode: 0o700 });
    writeFileSync(path.join(h, 'key'), await exportEncryptedPrivateKeyPem(fastKey(), 'pw', { iterations: 1000 }), { mode: 0o600 });
    writeFileSync(path.join(h, 'config.json'), '{"name":"dave"}');
    const answers = ['nope', 'pw'];
    const asked: string[] = [];
    const id = await loadOrCreateIdentity(h, opts({ interactive: true, askPassphrase: async (q) => (asked.push(q), answers.shift()!) }));
    assert.equal(id.fingerprint, fingerprint(fastKey().publicKey));
    assert.equal(asked.length, 2);
    assert.match(asked[0]!, /^Passphrase for .*key: $/);
    assert.match(asked[1]!, /^Wrong passphrase\./);
    let count = 0;
    await rejectsWith(
      loadOrCreateIdentity(h, opts({ interactive: true, askPassphrase: async () => (count++, 'nope') })),
      'BAD_PASSPHRASE',
    );
    assert.equal(count, 3);
    await rejectsWith(loadOrCreateIdentity(h, opts({ interactive: true, askPassphrase: async () => null })), 'PASSPHRASE_REQUIRED');
  });
});

describe('damaged and unusual homes', () => {
  /** A home with a valid identity (fast key), to damage. */
  function home(): string {
    const h = fresh();
    mkdirSync(h, { mode: 0o700 });
    writeFileSync(path.join(h, 'key'), exportPrivateKeyPem(fastKey()), { mode: 0o600 });
    writeFileSync(path.join(h, 'key.pub'), exportPublicKeyPem(fastKey().publicKey));
    writeFileSync(path.join(h, 'config.json'), '{"name":"erin"}');
    return h;
  }

  it('the intact home loads', async () => {
    const id = await loadOrCreateIdentity(home(), opts({ generateKey: noKeygen }));
    assert.equal(id.name, 'erin');
  });

  it('a corrupt key: KEY_CORRUPT, saying what to do', async () => {
    const h = home();
    writeFileSync(path.join(h, 'key'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    await rejectsWith(loadOrCreateIdentity(h, opts({ generateKey: noKeygen })), 'KEY_CORRUPT', /key is not a valid RSA private key/, /restore it from a backup.*move .* away/);
    writeFileSync(path.join(h, 'key'), 'hello');
    await rejectsWith(loadOrCreateIdentity(h, opts({ generateKey: noKeygen })), 'KEY_CORRUPT');
    writeFileSync(path.join(h, 'key'), exportPublicKeyPem(fastKey().publicKey));
    await rejectsWith(loadOrCreateIdentity(h, opts({ generateKey: noKeygen })), 'KEY_CORRUPT', /public key/);
  });

  it('an unreadable key (a folder): KEY_UNREADABLE', async () => {
    const h = home();
    unlinkSync(path.join(h, 'key'));
    mkdirSync(path.join(h, 'key'), { mode: 0o700 });
    await rejectsWith(loadOrCreateIdentity(h, opts({ generateKey: noKeygen })), 'KEY_UNREADABLE', /cannot read .*key \(it is a folder\)/);
  });

  it('a key readable by others: KEY_INSECURE with the chmod to run', async () => {
    const h = home();
    chmodSync(path.join(h, 'key'), 0o644);
    await rejectsWith(loadOrCreateIdentity(h, opts({ generateKey: noKeygen })), 'KEY_INSECURE', /mode 0644/, /chmod 600 /);
  });

  it('key.pub without key: KEY_MISSING (never silently a new identity)', async () => {
    const h = home();
    unlinkSync(path.join(h, 'key'));
    await rejectsWith(loadOrCreateIdentity(h, opts({ generateKey: noKeygen })), 'KEY_MISSING', /key\.pub exists but the private key .* is missing/, /restore .* delete .*key\.pub/);
  });

  it('a damaged config.json: CONFIG_CORRUPT', async () => {
    for (const bad of ['{name:', '[]', '"x"', '{"name":"no way"}', '{"name":7}']) {
      const h = home();
      writeFileSync(path.join(h, 'config.json'), bad);
      await rejectsWith(loadOrCreateIdentity(h, opts({ generateKey: noKeygen })), 'CONFIG_CORRUPT', /config\.json is damaged/, /delete it/);
    }
  });

  it('a config.json that is a folder: CONFIG_UNREADABLE', async () => {
    const h = home();
    unlinkSync(path.join(h, 'config.json'));
    mkdirSync(path.join(h, 'config.json'));
    await rejectsWith(loadOrCreateIdentity(h, opts({ generateKey: noKeygen })), 'CONFIG_UNREADABLE', /it is a folder/);
  });

  it('a home that is a file: HOME_NOT_DIRECTORY', async () => {
    const f = fresh();
    writeFileSync(f, 'x');
    await rejectsWith(loadOrCreateIdentity(f, opts({ name: 'x' })), 'HOME_NOT_DIRECTORY', /is not a folder/, /--home/);
  });

  it('a home that cannot be created: HOME_UNUSABLE', async () => {
    const f = fresh();
    writeFileSync(f, 'x');
    await rejectsWith(loadOrCreateIdentity(path.join(f, 'sub'), opts({ name: 'x' })), 'HOME_UNUSABLE', /cannot use/);
  });
});

describe('several identities', () => {
  it('live side by side in different homes', async () => {
    const h1 = fresh();
    const h2 = fresh();
    const a = await loadOrCreateIdentity(h1, opts({ name: 'alice' }));
    const b = await loadOrCreateIdentity(h2, opts({ name: 'bob', generateKey: () => firstKey }));
    rememberName(h1, a.name);
    rememberName(h2, b.name);
    assert.notEqual(a.fingerprint, b.fingerprint);
    assert.equal((await loadOrCreateIdentity(h1, opts({ generateKey: noKeygen }))).name, 'alice');
    assert.equal((await loadOrCreateIdentity(h2, opts({ generateKey: noKeygen }))).name, 'bob');
    assert.equal((await loadOrCreateIdentity(h2, opts({ generateKey: noKeygen }))).fingerprint, b.fingerprint);
  });

  it('two first runs at once in one home end with one key', async () => {
    const h = fresh();
    const slow = (k: RsaPrivateKey) => () => new Promise<RsaPrivateKey>((r) => setTimeout(() => r(k), 20));
    const [x, y] = await Promise.all([
      loadOrCreateIdentity(h, opts({ name: 'frank', generateKey: slow(fastKey()) })),
      loadOrCreateIdentity(h, opts({ name: 'frank', generateKey: slow(firstKey) })),
    ]);
    assert.equal(x.fingerprint, y.fingerprint);
    assert.equal([x.created, y.created].filter(Boolean).length, 1);
    assert.equal((await loadOrCreateIdentity(h, opts({ name: 'frank', generateKey: noKeygen }))).fingerprint, x.fingerprint);
  });
});

describe('resolveHome', () => {
  it('--home, else PARLEY_HOME, else ~/.parley; absolute', () => {
    assert.equal(resolveHome('/x/y', { PARLEY_HOME: '/p' }), '/x/y');
    assert.equal(resolveHome(undefined, { PARLEY_HOME: '/p' }), '/p');
    assert.equal(resolveHome(undefined, { PARLEY_HOME: '' }), path.join(os.homedir(), '.parley'));
    assert.equal(resolveHome(undefined, {}), path.join(os.homedir(), '.parley'));
    assert.equal(resolveHome('rel', {}), path.resolve('rel'));
  });
});
