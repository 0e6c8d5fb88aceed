/** `parley --help`, every command's --help, version, and dispatcher usage errors. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CHAT_OPTIONS } from '../../src/cli/chat.js';
import { SERVER_OPTIONS } from '../../src/cli/server.js';
import { CLI, PROJECT_ROOT } from '../helpers/paths.js';
import { assertCleanError, runCli } from './helpers.js';

const COMMANDS = ['keygen', 'fingerprint', 'seal', 'open', 'rsa'];
const HELPS: string[][] = [
  ['--help'],
  ['-h'],
  ['help'],
  ['help', 'seal'],
  ...COMMANDS.map((c) => [c, '--help']),
  ...COMMANDS.map((c) => [c, '-h']),
  ...['encrypt', 'decrypt', 'sign', 'verify'].map((c) => ['rsa', c, '--help']),
  ['rsa', 'help', 'sign'],
];

describe('help', () => {
  it('main.js starts with a shebang', () => {
    assert.match(readFileSync(CLI, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });

  it('parley --help lists every command', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const c of COMMANDS) assert.match(r.stdout.toString(), new RegExp(`^  ${c}\\s`, 'm'), c);
  });

  for (const args of HELPS) {
    it(`parley ${args.join(' ')} exits 0 with usage on stdout`, async () => {
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.toString(), /^Usage: parley/);
      assert.equal(r.stderr, '');
    });
  }

  const everyOption: [string, Record<string, unknown>][] = [
    ['server', SERVER_OPTIONS],
    ['chat', CHAT_OPTIONS],
  ];
  for (const [command, options] of everyOption) {
    it(`parley ${command} --help names every option in its usage line and in its options list`, async () => {
      const r = await runCli([command, '--help']);
      assert.equal(r.code, 0);
      const text = r.stdout.toString();
      const usage = text.slice(0, text.indexOf('\n\n'));
      const list = text.slice(text.indexOf('\nOptions:\n'));
      const missing = (where: string) => Object.keys(options).filter((o) => !new RegExp(`--${o}(?![a-z-])`).test(where));
      assert.deepEqual(missing(usage), [], 'options missing from the usage line');
      assert.deepEqual(missing(list), [], 'options missing from the options list');
    });
  }

  it('--help wins over missing required options', async () => {
    const r = await runCli(['rsa', 'verify', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout.toString(), /--sig FILE/);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.toString(), `parley ${pkg.version}\n`);
  });
});

describe('dispatcher usage errors (exit 2, one line)', () => {
  it('unknown command, unknown option, help for an unknown command', async () => {
    assertCleanError(await runCli(['frobnicate']), 2, /unknown command 'frobnicate'.*parley --help/);
    assertCleanError(await runCli(['--frobnicate']), 2, /unknown option '--frobnicate'/);
    assertCleanError(await runCli(['help', 'frobnicate']), 2, /unknown command 'frobnicate'/);
  });

  it('no command prints the help on stderr and exits 2', async () => {
    const r = await runCli([]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr, /^Usage: parley/);
  });

  it('PARLEY_DEBUG=1 still shows no stack for an expected failure', async () => {
    assertCleanError(await runCli(['fingerprint', '/nonexistent/key.pem'], { env: { PARLEY_DEBUG: '1' } }), 1, /no such file/);
  });
});
