/**
 * `parley pins list|forget` as child processes of the built CLI, on a known_hosts written by
 * hand: what it lists, what forget removes (and says it removed), the errors, and --help.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertCleanError, runCli, tempDir } from './helpers.js';

const A = `SHA256:${'A'.repeat(43)}`;
const B = `SHA256:${'B'.repeat(42)}+`;
const C = `SHA256:${'c/'.repeat(21)}9`;
const KNOWN = `# my servers\n127.0.0.1:8765 ${A}\nexample.org:443 ${B} work\n\n127.0.0.1:8765 ${C}\n`;

let root: string;
let cleanup: () => Promise<void>;
let n = 0;
before(async () => {
  ({ dir: root, cleanup } = await tempDir('parley-pins-cli-'));
});
after(() => cleanup());

/** A fresh home whose known_hosts is `text` (none when undefined). */
function home(text: string | undefined = KNOWN): string {
  const dir = path.join(root, `home${n++}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (text !== undefined) writeFileSync(path.join(dir, 'known_hosts'), text);
  return dir;
}

describe('parley pins list', () => {
  it('lists every pin: server, fingerprint, line; and the file', async () => {
    const h = home();
    const r = await runCli(['pins', 'list', '--home', h]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout.toString(),
      `SERVER           FINGERPRINT                                         LINE\n` +
        `127.0.0.1:8765   ${A}  2\n` +
        `example.org:443  ${B}  3\n` +
        `127.0.0.1:8765   ${C}  5\n` +
        `3 pinned keys in ${path.join(h, 'known_hosts')}\n`,
    );
    assert.equal(r.stderr, '');
  });

  it('--json: one object per pin', async () => {
    const r = await runCli(['pins', 'list', '--json', '--home', home()]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as unknown),
      [
        { server: '127.0.0.1:8765', fingerprint: A, line: 2 },
        { server: 'example.org:443', fingerprint: B, line: 3 },
        { server: '127.0.0.1:8765', fingerprint: C, line: 5 },
      ],
    );
  });

  it('no known_hosts: says so, exit 0, creates nothing; PARLEY_HOME is the default home', async () => {
    const h = path.join(root, `never${n++}`);
    const r = await runCli(['pins', 'list'], { env: { PARLEY_HOME: h } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), `no server keys are pinned (in ${path.join(h, 'known_hosts')})\n`);
    assert.equal(existsSync(h), false);
  });

  it('a damaged fingerprint written by hand is shown quoted, not raw', async () => {
    const r = await runCli(['pins', 'list', '--home', home(`h:1 SHA256:\x1b]0;evil\x07\n`)]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.toString().includes('\x1b'), JSON.stringify(r.stdout.toString()));
    assert.match(r.stdout.toString(), /^h:1 +"SHA256:\\u001b\]0;evil\\u0007" +1$/m);
  });
});

describe('parley pins forget', () => {
  it('SERVER as given to --server: removes every line of that server, says which, keeps the rest', async () => {
    const h = home();
    const r = await runCli(['pins', 'forget', 'ws://127.0.0.1:8765/', '--home', h]);
    assert.equal(r.code, 0, r.stderr);
    const file = path.join(h, 'known_hosts');
    assert.equal(
      r.stdout.toString(),
      `forgot the pinned keys of 127.0.0.1:8765: ${A} (line 2), ${C} (line 5), removed from ${file}\n` +
        `the next connection to 127.0.0.1:8765 pins the key the server presents: compare its fingerprint with the one the operator gave you\n`,
    );
    assert.equal(readFileSync(file, 'utf8'), `# my servers\nexample.org:443 ${B} work\n\n`);
  });

  it('host:port as list shows it; wss:// with the default port', async () => {
    const h = home();
    const r1 = await runCli(['pins', 'forget', 'example.org:443', '--home', h]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.match(r1.stdout.toString(), new RegExp(`^forgot the pinned key of example\\.org:443: ${B.replace(/\+/g, '\\+')} \\(line 3\\)`));
    const h2 = home();
    const r2 = await runCli(['pins', 'forget', 'wss://Example.org', '--home', h2]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.doesNotMatch(readFileSync(path.join(h2, 'known_hosts'), 'utf8'), /example\.org/);
  });

  it('an unknown server: exit 1, nothing changed, and a hint naming a near pin', async () => {
    const h = home();
    const r = await runCli(['pins', 'forget', '127.0.0.1', '--home', h]);
    assertCleanError(r, 1, /^parley: no key is pinned for 127\.0\.0\.1 in .*known_hosts; nothing was changed; did you mean 127\.0\.0\.1:8765\? 'parley pins list --home .*' shows the pinned servers$/);
    assert.equal(readFileSync(path.join(h, 'known_hosts'), 'utf8'), KNOWN);
    assertCleanError(await runCli(['pins', 'forget', 'ws://nowhere:1', '--home', home(undefined)]), 1, /no key is pinned for nowhere:1/);
  });

  it('usage errors: no SERVER, not a server, two servers, unknown subcommand (exit 2)', async () => {
    const h = home();
    assertCleanError(await runCli(['pins', 'forget', '--home', h]), 2, /missing SERVER/);
    assertCleanError(await runCli(['pins', 'forget', 'a b', '--home', h]), 2, /"a b" is not a server address/);
    assertCleanError(await runCli(['pins', 'forget', 'h:1', 'h:2', '--home', h]), 2, /unexpected argument 'h:2'/);
    assertCleanError(await runCli(['pins', 'frob']), 2, /unknown pins command "frob"/);
    assertCleanError(await runCli(['pins']), 2, /missing pins command/);
    assert.equal(readFileSync(path.join(h, 'known_hosts'), 'utf8'), KNOWN);
  });
});

describe('parley pins --help', () => {
  for (const args of [['pins', '--help'], ['pins', 'help', 'forget'], ['pins', 'list', '--help'], ['pins', 'forget', '-h'], ['help', 'pins']]) {
    it(`parley ${args.join(' ')}`, async () => {
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.toString(), /^Usage: parley pins/);
    });
  }

  it('parley --help lists pins', async () => {
    assert.match((await runCli(['--help'])).stdout.toString(), /^ {2}pins\s+the server keys parley chat pinned/m);
  });
});
