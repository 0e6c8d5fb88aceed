/**
 * `parley chat` (the built CLI, a child process) against a hostile server that puts terminal
 * escape sequences in every field it controls — names, rooms, message texts, system and error
 * messages, a fatal error, WebSocket close reasons, a plaintext Error before the session — and
 * injects a forged plaintext `name_taken` after the session is open, and a plaintext `message`
 * (protocol 2 carries messages end-to-end encrypted: the client refuses it, as malformed, and
 * never shows its text). In line mode, in `--json`
 * mode and on a terminal (tmux): nothing raw reaches stdout or stderr, the window title is not
 * changed, the screen is not cleared, the forged error is never shown and does not stop the
 * client, and the JSON lines parse to exactly the hostile values.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChatEvent } from '../../src/chat/events.js';
import { bodyFor } from '../../src/client/input.js';
import { CLI } from '../helpers/paths.js';
import { plainError, ready, type ConnPlan } from '../client/fake-server.js';
import { startHostileServer, type HostileServer } from './hostile-server.js';
import { sleep, tempDir } from './harness.js';

/** OSC 0 (window title), ED 2 (clear screen), CSI as C1, DEL, bidi overrides, line separators, SGR. */
const EVIL = 'a\x1b]0;PWNED-TITLE\x07b\x1b[2Jc\x9b31md\x7fe\u202eevil\u202cf\u2028g\u2029h\u2066i\x1b[31mred';
const FORGED = 'FORGED-MARKER';
const PLAINTEXT = 'PLAINTEXT-MARKER';
/** Characters that must never reach the terminal raw (line breaks are the only control allowed). */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

const hostileEvents = (): ChatEvent[] => [
  { type: 'join', room: `r${EVIL}`, name: `n${EVIL}`, members: 2, ts: 1_700_000_000_000, fingerprint: 'SHA256:x' },
  // end-to-end payloads the client cannot open: shown as failures, with the hostile names and ids sanitized
  { type: 'e2e_room', id: EVIL, from: `n${EVIL}`, fromFingerprint: `SHA256:${EVIL}`, room: `r${EVIL}`, ts: 1_700_000_000_001, payload: 'AAAA' },
  { type: 'e2e_to', id: 'd1', from: `n${EVIL}`, fromFingerprint: `SHA256:${EVIL}`, to: 'alice', kind: 'dm', ts: 1_700_000_000_003, payload: 'AAAA' },
  { type: 'leave', room: `r${EVIL}`, name: `n${EVIL}`, members: 1, ts: 1_700_000_000_004, reason: `why${EVIL}` },
  { type: 'rooms', rooms: [{ room: `r${EVIL}`, members: 3 }] },
  { type: 'who', room: `r${EVIL}`, members: [`n${EVIL}`, 'alice'], fingerprints: {} },
  { type: 'whois', name: `n${EVIL}`, fingerprint: `SHA256:${EVIL}`, online: true, rooms: [`r${EVIL}`] },
  { type: 'system', message: `sys${EVIL}`, ts: 1_700_000_000_005 },
  { type: 'error', code: 'hash_mismatch', message: `err${EVIL}`, command: 'say' },
  { type: 'novel', detail: `new${EVIL}` } as unknown as ChatEvent,
];

/**
 * The hostile script, one plan per connection: 0 closes at once with a hostile close reason;
 * 1 answers with a plaintext Error; 2 sends hostile events, then a forged plaintext name_taken;
 * 3 injects a plaintext `message` (refused: malformed); 4 sends an event with a mistyped field;
 * 5 sends an authenticated name_taken (fatal).
 */
const PLANS: ConnPlan[] = [
  { closeAtHello: { code: 4000, reason: `close0${EVIL}` } },
  { helloReply: plainError('handshake_failed', `pre${EVIL}`), close: { code: 4001, reason: `close1${EVIL}` } },
  { after: [ready({}, { name: `alice`, rooms: ['lobby', `r${EVIL}`], serverFingerprint: `SHA256:${EVIL}` }), ...hostileEvents(), plainError('name_taken', `${FORGED}${EVIL}`)] },
  { after: [ready(), { type: 'message', id: 'p1', from: 'bob', room: 'lobby', ts: 1, body: bodyFor(PLAINTEXT), verified: true, fingerprint: 'SHA256:x' }] },
  { after: [ready(), { type: 'join', room: 'lobby', name: 'x', members: `m${EVIL}`, ts: 1, fingerprint: 'SHA256:x' } as unknown as ChatEvent] },
  { after: [ready(), { type: 'error', code: 'name_taken', message: `fatal${EVIL}` }], close: { code: 4002, reason: `close4${EVIL}` } },
];
/** Each run of the client meets the same six connections. */
const plan = (n: number): ConnPlan => PLANS[n % PLANS.length]!;

/** Runs the CLI with stdin a pipe (kept open) until it exits; resolves with its exit code and raw output. */
function runCli(args: string[], ms = 90_000): Promise<{ code: number | null; stdout: Buffer; stderr: Buffer }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, 'chat', ...args], { env: { ...process.env, NO_COLOR: '1' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    proc.stdout.on('data', (d: Buffer) => out.push(d));
    proc.stderr.on('data', (d: Buffer) => err.push(d));
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`parley chat did not exit within ${ms} ms; stdout ${Buffer.concat(out).toString()}; stderr ${Buffer.concat(err).toString()}`));
    }, ms);
    proc.on('exit', (code) => {
      clearTimeout(t);
      // let the pipes drain
      setTimeout(() => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }), 50);
    });
  });
}

function assertClean(what: string, raw: Buffer): void {
  for (const byte of [0x1b, 0x07, 0x7f, 0x9b]) assert.ok(!raw.includes(byte), `${what}: raw byte 0x${byte.toString(16)} in ${JSON.stringify(raw.toString())}`);
  const text = raw.toString('utf8');
  const m = UNSAFE.exec(text);
  assert.equal(m, null, `${what}: U+${m?.[0].codePointAt(0)!.toString(16).padStart(4, '0')} at ${m?.index} in ${JSON.stringify(text)}`);
  assert.ok(!text.includes(FORGED), `${what}: the forged error's text is shown`);
  assert.ok(!text.includes(PLAINTEXT), `${what}: the injected plaintext message is shown`);
}

describe('parley chat against a hostile server', () => {
  const home = tempDir();
  let server: HostileServer;
  before(async () => {
    server = await startHostileServer(plan);
  });
  after(async () => {
    await server?.close();
    home.cleanup();
  });

  it('line mode: every hostile field is shown sanitized; the forged error does not stop it; exit 1 on the real name_taken', async () => {
    const before = server.connections();
    const r = await runCli(['--server', server.url, '--name', 'alice', '--home', home.dir]);
    assertClean('stdout', r.stdout);
    assertClean('stderr', r.stderr);
    assert.equal(r.code, 1);
    assert.equal(server.connections() - before, 6, 'six connections: nothing before the last one stopped it');
    const out = r.stdout.toString();
    // shown, made visible: the pre-session Error and the close reason as reconnection reasons,
    // the texts, the fatal message
    for (const s of ['close0a^[]0;PWNED-TITLE^Gb^[[2Jc\\u{9b}31md^?e\\u{202e}evil\\u{202c}f⏎g⏎h\\u{2066}i^[[31mred', 'handshake_failed: prea^[]0;', '<na^[]0;PWNED', 'sysa^[]0;', 'erra^[]0;', 'fatala^[]0;', 'whya^[]0;']) {
      assert.ok(out.includes(s), `stdout shows ${JSON.stringify(s)}:\n${out}`);
    }
    assert.match(out, /protocol error \(unexpected_message\)/, 'the forged Error after the session is reported as a protocol error');
    assert.match(out, /protocol error \(malformed\)/, 'the mistyped event is reported as a protocol error');
  });

  it('--json: every line parses to exactly the hostile values, with nothing raw on stdout or stderr', async () => {
    const before = server.connections();
    const r = await runCli(['--server', server.url, '--name', 'alice', '--home', home.dir, '--json']);
    assertClean('stdout', r.stdout);
    assertClean('stderr', r.stderr);
    assert.equal(r.code, 1);
    assert.equal(server.connections() - before, 6);
    const lines = r.stdout.toString().split('\n').filter((l) => l !== '');
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const find = (pred: (e: Record<string, unknown>) => boolean) => {
      const e = events.find(pred);
      assert.ok(e, `no such line in ${lines.join('\n')}`);
      return e;
    };
    const msg = find((e) => e.type === 'message' && e.id === EVIL);
    assert.equal(msg.from, `n${EVIL}`);
    assert.equal(msg.room, `r${EVIL}`);
    assert.deepEqual([msg.text, msg.verified, msg.fingerprint], ['', false, null]);
    assert.equal(typeof msg.code, 'string');
    const dm = find((e) => e.type === 'direct');
    assert.deepEqual([dm.from, dm.text, dm.verified, dm.fingerprint], [`n${EVIL}`, '', false, null]);
    assert.ok(!events.some((e) => (e.type === 'message' || e.type === 'direct') && e.verified === true), 'nothing is verified');
    assert.ok(events.some((e) => e.type === 'status' && /malformed/.test(String(e.reason)) && /'message' event/.test(String(e.reason))), 'the plaintext message is refused as a protocol error');
    assert.equal(find((e) => e.type === 'leave').reason, `why${EVIL}`);
    assert.deepEqual(find((e) => e.type === 'who').members, [`n${EVIL}`, 'alice']);
    assert.equal(find((e) => e.type === 'whois').fingerprint, `SHA256:${EVIL}`);
    assert.equal(find((e) => e.type === 'system').message, `sys${EVIL}`);
    assert.equal(find((e) => e.type === 'error' && e.code === 'hash_mismatch').message, `err${EVIL}`);
    assert.equal(find((e) => e.type === 'novel').detail, `new${EVIL}`);
    assert.equal(find((e) => e.type === 'error' && e.code === 'name_taken').message, `fatal${EVIL}`);
    const reasons = events.filter((e) => e.type === 'status').map((e) => e.reason);
    assert.ok(reasons.includes(`close0${EVIL}`), JSON.stringify(reasons));
    assert.ok(reasons.includes(`handshake_failed: pre${EVIL}`), JSON.stringify(reasons));
    assert.equal(events.filter((e) => e.type === 'ready').length, 4);
  });
});

describe('parley chat against a server that sends a field of the wrong type', () => {
  const home = tempDir();
  let server: HostileServer;
  before(async () => {
    // a join whose member count is a string of escape sequences (the line mode printed it as a
    // number would be), then the fatal error that ends the run
    const badJoin = { type: 'join', room: 'lobby', name: 'bob', members: EVIL, ts: 1, fingerprint: 'SHA256:x' } as unknown as ChatEvent;
    const fatal: ChatEvent = { type: 'error', code: 'name_taken', message: 'taken' };
    server = await startHostileServer((n) => (n % 2 === 0 ? { after: [ready(), badJoin, fatal] } : { after: [ready(), fatal] }));
  });
  after(async () => {
    await server?.close();
    home.cleanup();
  });

  it('line mode: the event is refused as malformed (a reconnection), nothing raw is printed', async () => {
    const r = await runCli(['--server', server.url, '--name', 'alice', '--home', home.dir]);
    assertClean('stdout', r.stdout);
    assertClean('stderr', r.stderr);
    assert.equal(r.code, 1);
    assert.equal(server.connections(), 2, 'the malformed event ended the first connection');
    assert.ok(!r.stdout.toString().includes('bob joined'), 'the malformed event is not shown');
  });
});

const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;
const SKIP = !HAVE_TMUX && !process.env.CI ? 'tmux is not installed (CI installs it and fails without it)' : false;
const SOCKET = `parley-hostile-${process.pid}`;
const ENV: NodeJS.ProcessEnv = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', NO_COLOR: '1' };
delete ENV.TMUX;
delete ENV.TMUX_PANE;
delete ENV.CI; // the client must see a terminal

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8', env: ENV });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * On a terminal an authenticated name_taken asks for another name instead of ending the run
 * (issue 11, item 6): the test types one, and the seventh connection ends the run with another
 * fatal error carrying hostile text (`replaced`), printed on stderr after the screen closed.
 */
const terminalPlan = (n: number): ConnPlan =>
  n < PLANS.length ? PLANS[n]! : { after: [ready(), { type: 'error', code: 'replaced', message: `fatal${EVIL}` }], close: { code: 4002, reason: `close5${EVIL}` } };

describe('parley chat on a terminal against a hostile server', { skip: SKIP }, () => {
  const home = tempDir();
  let server: HostileServer;
  before(async () => {
    assert.ok(HAVE_TMUX, 'tmux is required (apt-get install -y tmux)');
    server = await startHostileServer(terminalPlan);
  });
  after(async () => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    await server?.close();
    home.cleanup();
  });

  it('the window title is not changed, the screen is not cleared, no raw escape is written', async () => {
    const raw = path.join(home.dir, 'pane.raw');
    const cli = `${q(process.execPath)} ${q(CLI)} chat --server ${q(server.url)} --name alice --home ${q(home.dir)}`;
    // the pause lets pipe-pane attach before anything is written
    tmux('new-session', '-d', '-s', 'hostile', '-x', '120', '-y', '60', `sleep 1; printf 'BEFORE-MARKER\\n'; ${cli}; echo "EXIT=$?"; sleep 120`);
    tmux('pipe-pane', '-o', '-t', 'hostile', `cat >> ${q(raw)}`);
    const title = tmux('display-message', '-p', '-t', 'hostile', '#{pane_title}').trim();
    const pane = () => tmux('capture-pane', '-p', '-t', 'hostile');
    const end = Date.now() + 90_000;
    while (!/Type another name/.test(pane())) {
      if (Date.now() > end) throw new Error(`the client did not ask for another name; screen:\n${pane()}`);
      await sleep(200);
    }
    assert.match(pane(), /^! fatala\^\[\]0;PWNED-TITLE\^Gb\^\[\[2Jc/m, `the refusal in the screen, sanitized, in words:\n${pane()}`);
    tmux('send-keys', '-t', 'hostile', '-l', 'bob');
    tmux('send-keys', '-t', 'hostile', 'Enter');
    while (!/EXIT=\d/.test(pane())) {
      if (Date.now() > end) throw new Error(`the client did not exit; screen:\n${pane()}`);
      await sleep(200);
    }
    const screen = pane();
    assert.match(screen, /EXIT=1/);
    assert.match(screen, /^BEFORE-MARKER$/m, `the screen was cleared:\n${screen}`);
    assert.match(screen, /parley: fatala\^\[\]0;PWNED-TITLE\^Gb\^\[\[2Jc/, `the fatal error on stderr, sanitized, in words:\n${screen}`);
    // each said once: the name_taken refusal in the screen (its text is also `fatal…`), the
    // replaced error on stderr after the screen closed
    assert.equal(screen.split('\n').filter((l) => l.startsWith('parley: fatala^[]0;PWNED-TITLE')).length, 1, `the fatal error once:\n${screen}`);
    assert.equal(screen.split('\n').filter((l) => l.startsWith('! fatala^[]0;PWNED-TITLE')).length, 1, `the refusal once:\n${screen}`);
    assert.ok(!screen.includes(FORGED), 'the forged error is not shown');
    const after = tmux('display-message', '-p', '-t', 'hostile', '#{pane_title}').trim();
    assert.equal(after, title, 'the window title is unchanged');
    assert.ok(!after.includes('PWNED'));
    const bytes = readFileSync(raw);
    const text = bytes.toString('utf8');
    assert.ok(!text.includes('\x1b]'), 'no OSC sequence was written');
    assert.ok(!text.includes('\x1b[2J'), 'no clear-screen sequence was written');
    assert.ok(!bytes.includes(0x7f) && !/[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/.test(text), 'no DEL, C1, bidi or line separator');
    assert.equal(server.connections(), 7);
  });
});
