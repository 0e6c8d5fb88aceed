/**
 * What the CLI writes to a terminal (a pseudo-terminal, as a user sees it): the commands whose
 * output is raw bytes (rsa encrypt, sign, decrypt) refuse a terminal before any work, and
 * `parley open` shows a hostile text's control characters instead of obeying them — while a
 * redirection still gets the exact bytes. And textForStdout itself.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { textForStdout } from '../../src/cli/io.js';
import { opensslKeyPair, runCli, runCliInTerminal, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
/** A message anyone holding bob.pub could send: it retitles the window and clears the screen. */
const HOSTILE = 'hello\x1b]0;pwned\x07\x1b[2J\rover\u202eevil\nsecond line\n';

before(async () => {
  ({ dir, cleanup } = await tempDir('parley-tty-'));
  opensslKeyPair(path.join(dir, 'bob'));
  await writeFile(path.join(dir, 'short.txt'), HOSTILE);
  for (const [args, input] of [
    [['rsa', 'encrypt', '--key', 'bob.pub', '--in', 'short.txt', '--out', 'short.enc'], undefined],
    [['seal', '--to', 'bob.pub', '--in', 'short.txt', '--out', 'note.txt'], undefined],
  ] as const) {
    const r = await runCli([...args], { cwd: dir, ...(input !== undefined && { input }) });
    assert.equal(r.code, 0, r.stderr);
  }
});
after(() => cleanup());

describe('raw bytes are refused on a terminal (exit 2, before any work)', () => {
  const cases: [string, string[]][] = [
    ['rsa encrypt', ['rsa', 'encrypt', '--key', 'bob.pub', '--in', 'short.txt']],
    ['rsa sign', ['rsa', 'sign', '--key', 'bob', '--in', 'short.txt']],
    ['rsa decrypt', ['rsa', 'decrypt', '--key', 'bob', '--in', 'short.enc']],
  ];
  for (const [name, args] of cases) {
    it(name, { timeout: 30_000 }, async () => {
      const r = await runCliInTerminal(args, { cwd: dir });
      const shown = r.output.toString('utf8');
      assert.equal(r.code, 2, shown);
      assert.match(shown, new RegExp(`^parley: parley ${name} writes binary data and stdout is a terminal; use --out FILE or redirect stdout to a file\\r\\n$`));
    });
  }

  it('rsa decrypt to a pipe still writes the exact bytes', async () => {
    const r = await runCli(['rsa', 'decrypt', '--key', 'bob', '--in', 'short.enc'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString('utf8'), HOSTILE);
  });
});

describe('parley open on a terminal shows control characters, never obeys them', () => {
  it('on a terminal: ESC, BEL, CR and a bidirectional override made visible, line breaks kept, a note on stderr', { timeout: 30_000 }, async () => {
    const r = await runCliInTerminal(['open', '--key', 'bob', '--in', 'note.txt'], { cwd: dir });
    const shown = r.output.toString('utf8');
    assert.equal(r.code, 0, shown);
    assert.ok(!shown.includes('\x1b') && !shown.includes('\x07') && !shown.includes('\u202e'), JSON.stringify(shown));
    assert.ok(shown.startsWith('hello^[]0;pwned^G^[[2J⏎over\\u{202e}evil\r\nsecond line\r\n'), JSON.stringify(shown));
    assert.match(shown, /parley: the text has control characters, shown as \^X/);
  });

  it('to a pipe: the exact text, nothing on stderr', async () => {
    const r = await runCli(['open', '--key', 'bob', '--in', 'note.txt'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString('utf8'), HOSTILE);
    assert.equal(r.stderr, '');
  });

  it('plain text on a terminal is shown as it is, without a note', { timeout: 30_000 }, async () => {
    const plain = 'meet at noon\n\tindented, «quoted», 日本語\n';
    await writeFile(path.join(dir, 'plain.txt'), plain);
    assert.equal((await runCli(['seal', '--to', 'bob.pub', '--in', 'plain.txt', '--out', 'plain.sealed'], { cwd: dir })).code, 0);
    const r = await runCliInTerminal(['open', '--key', 'bob', '--in', 'plain.sealed'], { cwd: dir });
    assert.equal(r.code, 0);
    assert.equal(r.output.toString('utf8'), 'meet at noon\r\n\tindented, «quoted», 日本語\r\n');
  });
});

describe('textForStdout', () => {
  const table: [string, boolean, string, boolean][] = [
    ['plain\n', true, 'plain\n', false],
    ['a\r\nb\r\n', true, 'a\nb\n', false],
    ['\x1b[31mred\n', true, '^[[31mred\n', true],
    ['\x1b[31mred\n', false, '\x1b[31mred\n', false],
    ['a\rb', true, 'a⏎b', true],
    ['\tx\u202ey\n', true, '\tx\\u{202e}y\n', true],
  ];
  for (const [input, tty, text, changed] of table) {
    it(`${JSON.stringify(input)} on ${tty ? 'a terminal' : 'a pipe'}`, () => {
      assert.deepEqual(textForStdout(input, tty), { text, changed });
    });
  }
});
