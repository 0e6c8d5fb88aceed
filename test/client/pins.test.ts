/** known_hosts pinning: new / match / mismatch, the file format, the warning text. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  checkPin,
  groupMismatchPreface,
  knownHostsPath,
  newPinMessage,
  PinError,
  forgetCommand,
  forgetPin,
  pinMismatchMessage,
  readPins,
  removePin,
  serverId,
  sharedPinMessage,
} from '../../src/client/pins.js';

const A = `SHA256:${'A'.repeat(43)}`;
const B = `SHA256:${'B'.repeat(42)}+`;
const C = `SHA256:${'c/'.repeat(21)}9`;

let root: string;
before(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'parley-pins-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function freshHome(): string {
  const h = path.join(root, `h${n++}`);
  mkdirSync(h, { mode: 0o700 });
  return h;
}

describe('serverId', () => {
  const cases: [string, string][] = [
    ['ws://localhost:8080', 'localhost:8080'],
    ['ws://LocalHost:8080/', 'localhost:8080'],
    ['wss://chat.example.org', 'chat.example.org:443'],
    ['ws://chat.example.org', 'chat.example.org:80'],
    ['wss://chat.example.org:443/parley/', 'chat.example.org:443/parley'],
    ['wss://user:pw@chat.example.org:9000/?q=1#x', 'chat.example.org:9000'],
    ['ws://[::1]:8080', '[::1]:8080'],
    ['localhost:8080', 'localhost:8080'],
    ['Example.ORG:7000', 'example.org:7000'],
  ];
  for (const [input, id] of cases) it(`${input} → ${id}`, () => assert.equal(serverId(input), id));

  it('refuses what cannot be a server', () => {
    for (const bad of ['', '   ', 'a b', '#host:1', 'ws://', 'host\x00:1', 'ws://exa mple.org']) {
      assert.throws(() => serverId(bad), (e: unknown) => e instanceof PinError && e.code === 'INVALID_SERVER', JSON.stringify(bad));
    }
  });
});

describe('checkPin', () => {
  it("first contact pins ('new'), the same key then matches, another key mismatches", () => {
    const home = freshHome();
    assert.equal(checkPin(home, 'ws://localhost:8080', A), 'new');
    const file = knownHostsPath(home);
    assert.equal(readFileSync(file, 'utf8'), `localhost:8080 ${A}\n`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(checkPin(home, 'ws://localhost:8080', A), 'match');
    assert.equal(checkPin(home, 'localhost:8080', A), 'match', 'same server, other spelling');
    assert.deepEqual(checkPin(home, 'ws://localhost:8080/', B), { mismatch: { pinned: A, presented: B, line: 1 } });
    assert.equal(readFileSync(file, 'utf8'), `localhost:8080 ${A}\n`, 'a mismatch changes nothing');
  });

  it('keeps one line per server and leaves other lines, comments and blank lines alone', () => {
    const home = freshHome();
    const file = knownHostsPath(home);
    writeFileSync(file, `# my servers\n\nexample.org:443 ${C} work server\nthis line is junk\nlocalhost:9`);
    assert.equal(checkPin(home, 'ws://localhost:8080', A), 'new');
    assert.equal(checkPin(home, 'wss://example.org', C), 'match', 'extra fields are comments');
    assert.equal(checkPin(home, 'wss://other.example:1', B), 'new');
    assert.equal(readFileSync(file, 'utf8'), `# my servers\n\nexample.org:443 ${C} work server\nthis line is junk\nlocalhost:9\nlocalhost:8080 ${A}\nother.example:1 ${B}\n`);
    assert.deepEqual(
      readPins(home).map((p) => [p.server, p.fingerprint, p.line]),
      [
        ['example.org:443', C, 3],
        ['this', 'line', 4],
        ['localhost:9', '', 5],
        ['localhost:8080', A, 6],
        ['other.example:1', B, 7],
      ],
    );
    assert.deepEqual(checkPin(home, 'localhost:9', A), { mismatch: { pinned: '', presented: A, line: 5 } }, 'a damaged pin still pins');
  });

  it('accepts any of several pins for one server (a planned key change)', () => {
    const home = freshHome();
    writeFileSync(knownHostsPath(home), `h:1 ${A}\nh:1 ${B}\n`);
    assert.equal(checkPin(home, 'h:1', B), 'match');
    assert.deepEqual(checkPin(home, 'h:1', C), { mismatch: { pinned: A, presented: C, line: 1 } });
  });

  it('accepts a fingerprint without the SHA256: prefix; refuses a malformed one', () => {
    const home = freshHome();
    assert.equal(checkPin(home, 'h:1', A.slice(7)), 'new');
    assert.equal(readFileSync(knownHostsPath(home), 'utf8'), `h:1 ${A}\n`);
    for (const bad of ['', 'SHA256:short', `MD5:${'A'.repeat(43)}`, `${A}=`, `SHA256:${'-'.repeat(43)}`])
      assert.throws(() => checkPin(home, 'h:1', bad), (e: unknown) => e instanceof PinError && e.code === 'INVALID_FINGERPRINT', bad);
  });

  it('creates the home folder when it is missing; leaves no temporary or lock files', () => {
    const home = path.join(root, 'not-yet', 'home');
    assert.equal(checkPin(home, 'h:1', A), 'new');
    assert.deepEqual(readdirSync(home), ['known_hosts']);
  });

  it('says so when known_hosts cannot be read', () => {
    const home = freshHome();
    mkdirSync(knownHostsPath(home));
    assert.throws(
      () => checkPin(home, 'h:1', A),
      (e: unknown) => e instanceof PinError && e.code === 'KNOWN_HOSTS_UNREADABLE' && /it is a folder/.test(e.message),
    );
  });

  it('says so when another parley holds the lock for long', () => {
    const home = freshHome();
    writeFileSync(`${knownHostsPath(home)}.lock`, '');
    // the fast path (an existing pin) needs no lock
    writeFileSync(knownHostsPath(home), `h:1 ${A}\n`);
    assert.equal(checkPin(home, 'h:1', A), 'match');
    const t0 = Date.now();
    assert.throws(
      () => checkPin(home, 'h:2', A),
      (e: unknown) => e instanceof PinError && e.code === 'KNOWN_HOSTS_LOCKED' && /delete .*known_hosts\.lock/.test(e.hint ?? ''),
    );
    assert.ok(Date.now() - t0 >= 2500, 'it waited for the lock');
  });

  it('loses no pin when several processes pin at once', async () => {
    const home = freshHome();
    const pinsModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/client/pins.js');
    const script = `import { checkPin } from ${JSON.stringify(pinsModule)};
      const [home, i] = process.argv.slice(1);
      for (let k = 0; k < 10; k++) checkPin(home, 'host' + i + '-' + k + ':1', ${JSON.stringify(A)});`;
    await Promise.all(
      [0, 1, 2, 3].map(
        (i) =>
          new Promise<void>((resolve, reject) => {
            const c = spawn(process.execPath, ['--input-type=module', '-e', script, home, String(i)], { stdio: 'inherit' });
            c.on('error', reject);
            c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
          }),
      ),
    );
    assert.equal(readPins(home).length, 40);
    assert.deepEqual(readdirSync(home), ['known_hosts']);
  });
});

describe('checkPin with a group (the servers of one --server list: one cluster, one key)', () => {
  const G = ['ws://a:1', 'ws://b:2', 'ws://c:3'];
  // known_hosts before; the server connected; the key it presents; the result; known_hosts after
  const cases: [string, string, string, string, ReturnType<typeof checkPin>, string][] = [
    ['nothing pinned: new, pinned for this server only', '', 'ws://b:2', A, 'new', `b:2 ${A}\n`],
    ['the key pinned for another of the group: accepted and pinned for this one', `a:1 ${A}\n`, 'ws://b:2', A, { shared: 'a:1' }, `a:1 ${A}\nb:2 ${A}\n`],
    ['another key than the group\'s: a mismatch naming the server whose pin differs, nothing written', `a:1 ${A}\n`, 'ws://b:2', B, { mismatch: { pinned: A, presented: B, line: 1, server: 'a:1' } }, `a:1 ${A}\n`],
    ['every pinned server of the group must agree (a and c)', `a:1 ${A}\nc:3 ${B}\n`, 'ws://b:2', A, { mismatch: { pinned: B, presented: A, line: 2, server: 'c:3' } }, `a:1 ${A}\nc:3 ${B}\n`],
    ['a planned key change on the group\'s server (two lines) is honoured', `a:1 ${B}\na:1 ${A}\n`, 'ws://b:2', A, { shared: 'a:1' }, `a:1 ${B}\na:1 ${A}\nb:2 ${A}\n`],
    ['this server\'s own pin decides for it (match)', `a:1 ${B}\nb:2 ${A}\n`, 'ws://b:2', A, 'match', `a:1 ${B}\nb:2 ${A}\n`],
    ['this server\'s own pin decides for it (mismatch without server)', `a:1 ${A}\nb:2 ${B}\n`, 'ws://b:2', A, { mismatch: { pinned: B, presented: A, line: 2 } }, `a:1 ${A}\nb:2 ${B}\n`],
    ['a pin of a server outside the group counts for nothing', `z:9 ${A}\n`, 'ws://b:2', B, 'new', `z:9 ${A}\nb:2 ${B}\n`],
  ];
  for (const [what, before, server, presented, result, after] of cases) {
    it(what, () => {
      const home = freshHome();
      if (before) writeFileSync(knownHostsPath(home), before);
      assert.deepEqual(checkPin(home, server, presented, G), result);
      assert.equal(readFileSync(knownHostsPath(home), 'utf8'), after);
      if (result === 'new' || (typeof result === 'object' && 'shared' in result)) assert.equal(checkPin(home, server, presented, G), 'match', 'pinned now');
    });
  }

  it('without a group, another server\'s pin is ignored as before', () => {
    const home = freshHome();
    writeFileSync(knownHostsPath(home), `a:1 ${A}\n`);
    assert.equal(checkPin(home, 'ws://b:2', B), 'new');
  });

  it('the messages name both servers and the key', () => {
    const m = sharedPinMessage('ws://b:2', 'a:1', A, '/h/known_hosts');
    for (const part of ['b:2', 'a:1', A, '/h/known_hosts', 'same cluster']) assert.ok(m.includes(part), part);
    const p = groupMismatchPreface('ws://b:2', 'a:1');
    assert.match(p, /^b:2 \(no key pinned for it yet\) presented another key than the one pinned for a:1/);
  });
});

describe('forgetPin', () => {
  it('returns the pins it removed; none (and known_hosts untouched) for an unknown server', () => {
    const home = freshHome();
    const text = `# c\nh:1 ${A}\nh:2 ${B}\nh:1 ${C}\n`;
    writeFileSync(knownHostsPath(home), text);
    assert.deepEqual(forgetPin(home, 'h:3'), []);
    assert.equal(readFileSync(knownHostsPath(home), 'utf8'), text);
    assert.deepEqual(forgetPin(home, 'ws://H:1'), [
      { server: 'h:1', fingerprint: A, line: 2 },
      { server: 'h:1', fingerprint: C, line: 4 },
    ]);
    assert.equal(readFileSync(knownHostsPath(home), 'utf8'), `# c\nh:2 ${B}\n`);
    assert.deepEqual(forgetPin(path.join(home, 'missing'), 'h:1'), [], 'no known_hosts: nothing to forget');
    assert.throws(() => forgetPin(home, 'a b'), (e: unknown) => e instanceof PinError && e.code === 'INVALID_SERVER');
  });
});

describe('removePin', () => {
  it('removes every line of the server and nothing else', () => {
    const home = freshHome();
    writeFileSync(knownHostsPath(home), `# c\nh:1 ${A}\nh:2 ${B}\nh:1 ${C}\n`);
    assert.equal(removePin(home, 'h:1'), 2);
    assert.equal(readFileSync(knownHostsPath(home), 'utf8'), `# c\nh:2 ${B}\n`);
    assert.equal(removePin(home, 'h:1'), 0);
    assert.equal(checkPin(home, 'h:1', C), 'new');
  });
});

describe('messages', () => {
  it('the mismatch warning: loud, both fingerprints, where, and how to accept an expected change', () => {
    const msg = pinMismatchMessage('ws://localhost:8080/', A, B, '/home/alice/.parley/known_hosts', 3, '/home/alice/.parley');
    assert.equal(
      msg,
      `${'@'.repeat(59)}
@    WARNING: THE SERVER'S IDENTIFICATION HAS CHANGED!    @
${'@'.repeat(59)}
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Someone could be eavesdropping on you right now (man-in-the-middle attack),
or the server's operator may have replaced its key.

Server:                       localhost:8080
Key pinned on first contact:  ${A}
Key presented now:            ${B}

The pinned key is in /home/alice/.parley/known_hosts, line 3.
Parley refused to connect; nothing was sent.

If the change is expected, check the new fingerprint with the server's operator through
another channel, then forget the old key and connect again (the new key will be pinned):
    parley pins forget localhost:8080
(or remove line 3, starting with 'localhost:8080 ', from /home/alice/.parley/known_hosts).
`,
    );
    const noLine = pinMismatchMessage('h:1', A, B, '/k/known_hosts', undefined, '/home/alice/.parley');
    assert.match(noLine, /The pinned key is in \/k\/known_hosts\.\n/);
    assert.match(noLine, /^ {4}parley pins forget h:1 --home \/k$/m, 'another home than the default: --home');
    assert.match(noLine, /\(or remove the line starting with 'h:1 ' from \/k\/known_hosts\)\./);
  });

  it('forgetCommand: the server as known_hosts spells it, --home only for another folder, quoted for a shell when needed', () => {
    assert.equal(forgetCommand('wss://Chat.Example.org', '/h/.parley', '/h/.parley'), 'parley pins forget chat.example.org:443');
    assert.equal(forgetCommand('ws://127.0.0.1:8765', '/tmp/bob', '/h/.parley'), 'parley pins forget 127.0.0.1:8765 --home /tmp/bob');
    assert.equal(forgetCommand('h:1', "/tmp/it's mine", '/h/.parley'), `parley pins forget h:1 --home '/tmp/it'\\''s mine'`);
  });

  it('the first-contact notice names the server, the key and the file', () => {
    assert.equal(
      newPinMessage('wss://example.org', A, '/k'),
      `first connection to example.org:443: its key ${A} is now pinned in /k; compare it with the fingerprint the server's operator gave you`,
    );
  });
});
