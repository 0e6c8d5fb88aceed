/**
 * `parley chat`: the terminal client. An IRC-style screen on a terminal; line mode (one line per
 * event) or JSON lines (`--json`) when stdin is not a terminal — the bot and scripting interface.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { ServerEvent } from '../chat/events.js';
import { wsSocketFactory } from '../client/socket-ws.js';
import { nodeCrypto } from '../protocol/crypto-node.js';
import { ChatConnection, type ConnectionStatus, type FatalError } from '../client/connection.js';
import { formatFatal, formatJson, formatLine, shouldBell, statusText, useColor, type DisplayEvent } from '../client/format.js';
import { isHomeError, loadOrCreateIdentity, NAME_RULE, nameProblem, quoteName, rememberName, resolveHome } from '../client/home.js';
import { HELP_TEXT, parseInput } from '../client/input.js';
import { checkPin, knownHostsPath, newPinMessage, pinMismatchMessage } from '../client/pins.js';
import { promptLine, promptSecret } from '../client/prompt.js';
import { ChatScreen } from '../client/screen.js';
import { sanitizeLines } from '../client/text.js';
import { parseCommandArgs, type Command } from './args.js';
import { EXIT_FAILURE, EXIT_OK, failure, usageError } from './errors.js';
import { handleSignalsGracefully, readPassphraseFile, writeStdout } from './io.js';
import { generateWithProgress } from './keygen.js';

/** The server `parley chat` connects to without --server. */
export const DEFAULT_SERVER = 'ws://127.0.0.1:8765';

const HELP = `Usage: parley chat [--server URL] [--name NAME] [--room ROOM] [--home DIR] [--json]

Chats on a Parley server. The first run generates your RSA key (2048 bits) in the home folder
and asks for your name (on a terminal); the name is remembered once a server accepted it. On a
terminal, a name the server refuses (taken by another key, or not accepted) is asked for again.
The server's key fingerprint is pinned on first contact (known_hosts) and a changed key is
refused ('parley pins' lists and forgets pins).

Options:
  -s, --server URL          ws://HOST:PORT or wss://HOST:PORT (default ${DEFAULT_SERVER})
  -n, --name NAME           your name: 1–32 of A–Z a–z 0–9 _ . - (remembered once accepted)
  -r, --room ROOM           join this room after connecting (default: lobby)
      --home DIR            identity folder (default $PARLEY_HOME or ~/.parley)
  -p, --passphrase-file F   the passphrase of your key (first line of F); a new key is encrypted with it
      --ca FILE             trust this CA certificate (PEM) for wss:// (a self-signed server)
      --json                with stdin not a terminal: one JSON object per event line
  -h, --help                show this help

On a terminal: type to talk; /help lists the commands (/join ROOM, /leave, /rooms, /who,
/msg NAME TEXT, /me ACTION, /whois NAME, /fingerprint, /quit). Ctrl+C or Ctrl+D quits.
Without a terminal: each input line is sent (lines starting with / are commands); the program
exits when input ends and everything typed has been sent. Exit code 1 on a fatal error:
a changed server key (server_key_changed), a TLS certificate refused (tls_untrusted: see --ca),
the wrong scheme (wrong_scheme: ws:// to a TLS server or wss:// to a plain one), a malformed
URL (bad_url), or the server refusing the name for good (name_taken, invalid_name, name_limit,
replaced; on a terminal, name_taken and invalid_name ask for another name instead). Anything
else (server down, wrong port, unknown host, server full) is retried with backoff, the reason
and what to check shown once on the screen and in the status line.

✓ after a message: its text matches the SHA-256 hash its sender attached (no corruption in
transit). It is not a signature: the server could change text and hash together.
`;

async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs(
    'parley chat',
    argv,
    {
      server: { type: 'string', short: 's' },
      name: { type: 'string', short: 'n' },
      room: { type: 'string', short: 'r' },
      home: { type: 'string' },
      'passphrase-file': { type: 'string', short: 'p' },
      ca: { type: 'string' },
      json: { type: 'boolean' },
    },
    0,
  );
  if (args.help) return writeStdout(HELP).then(() => EXIT_OK);
  const url = args.string('server') ?? DEFAULT_SERVER;
  if (!/^wss?:\/\/[^\s/]+/.test(url)) throw usageError(`--server must be a ws:// or wss:// URL, got '${url}'`, 'for example --server ws://127.0.0.1:8765');
  if (!URL.canParse(url)) throw usageError(`--server '${url}' is not a valid URL (check the host and the port, 1–65535)`, 'for example --server ws://127.0.0.1:8765');
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const json = args.flag('json');
  if (json && interactive) throw usageError('--json is for scripts: use it with stdin not a terminal', args.helpHint);
  const passFile = args.string('passphrase-file');
  const passphrase = passFile === undefined ? undefined : await readPassphraseFile(passFile);
  const caFile = args.string('ca');
  const ca = caFile === undefined ? undefined : await readFile(caFile).catch((e: Error) => {
    throw failure(`cannot read --ca ${caFile}: ${e.message}`, 'give the PEM file of the certificate that signed the server');
  });

  const home = resolveHome(args.string('home'));
  const identity = await loadOrCreateIdentity(home, {
    ...(args.string('name') !== undefined && { name: args.string('name') }),
    ...(passphrase !== undefined && { passphrase }),
    interactive: process.stdin.isTTY === true,
    prompt: (q) => promptLine(q),
    askPassphrase: (q) => promptSecret(q),
    onKeygenStart: () => process.stderr.write(`first run: making your RSA key in ${home}\n`),
    generateKey: () => generateWithProgress(2048),
  });
  for (const w of identity.warnings) process.stderr.write(`parley: warning: ${w}\n`);
  // the name in use: remembered in config.json only once a server accepted it (on `ready`)
  let myName = identity.name;
  let nameSaved = identity.nameSaved;

  const ui = interactive ? new ScreenUi(identity.name) : new LineUi(identity.name, json);
  const conn = new ChatConnection({
    url,
    identity: identity.key,
    name: identity.name,
    crypto: nodeCrypto,
    socket: wsSocketFactory(ca !== undefined ? { ca } : {}),
    verifyServer: (fp) => {
      const r = checkPin(home, url, fp);
      if (r === 'new') {
        ui.show({ type: 'info', message: newPinMessage(url, fp, knownHostsPath(home)) });
        return { ok: true };
      }
      if (r === 'match') return { ok: true };
      return { ok: false, message: pinMismatchMessage(url, r.mismatch.pinned, r.mismatch.presented, knownHostsPath(home), r.mismatch.line) };
    },
  });

  let room: string | undefined;
  let maxMessageLength: number | undefined;
  let wantRoom = args.string('room');
  let pacedShown = false;
  // lines read before the first `ready` wait for it: until then there is no room to talk in
  let readySeen = false;
  const early: string[] = [];
  let exitCode = EXIT_OK;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  const finish = (code: number) => {
    conn.close();
    ui.close();
    resolveDone(code);
  };

  // why the last attempt failed: in the status line until connected; a reason is printed once
  // (--json: every time), not at every retry of a loop
  let lastBrief: string | undefined;
  let shownReason: string | undefined;
  conn.on('status', (s: ConnectionStatus) => {
    if (s.state === 'connected') {
      lastBrief = shownReason = undefined;
      return ui.status('connected');
    }
    if (s.state === 'connecting') return ui.status(s.attempt > 1 ? `connecting…, attempt ${s.attempt}${lastBrief ? ` (last: ${lastBrief})` : ''}` : 'connecting…');
    if (s.state === 'reconnecting') {
      lastBrief = s.brief;
      // the reason may be the server's (or a forger's) text: formatLine and the screen sanitize it
      ui.status(`${statusText({ state: 'reconnecting', inMs: s.inMs })}${s.brief ? `: ${s.brief}` : ''}`);
      if (json || s.reason !== shownReason) ui.show({ type: 'status', state: 'reconnecting', inMs: s.inMs, reason: s.reason });
      shownReason = s.reason;
    }
  });
  conn.on('paced', (p: { queued: number; waitMs: number }) => {
    if (pacedShown) return;
    pacedShown = true;
    ui.show({ type: 'info', message: `sending slower to respect the server's rate limit: ${p.queued} message(s) waiting, nothing is dropped` });
  });
  // a name the server refused for good, on a terminal: the next line typed is another name to try
  let choosingName = false;
  conn.on('fatal', (f: FatalError) => {
    if (interactive && (f.code === 'name_taken' || f.code === 'invalid_name')) {
      choosingName = true;
      ui.show({ type: 'error', code: f.code, message: f.message });
      ui.show({ type: 'info', message: `Type another name and press Enter (${NAME_RULE}), or /quit.` });
      ui.status(f.code === 'name_taken' ? 'name taken' : 'name refused');
      return;
    }
    const shown = f.hint ? { ...f, message: `${f.message}; ${f.hint}` } : f; // the client's own advice (tls_untrusted, wrong_scheme, bad_url)
    ui.show({ type: 'error', code: shown.code, message: shown.message });
    exitCode = EXIT_FAILURE;
    finish(EXIT_FAILURE);
    // the screen is gone: say it again where it stays visible (sanitized: it may be the server's text)
    if (interactive) process.stderr.write(`${formatFatal(shown)}\n`);
  });
  conn.on('event', (ev: ServerEvent) => {
    if (ev.type === 'ready') {
      if (!nameSaved && ev.name === myName) {
        // the server accepted the name: from now on it is this identity's
        try {
          rememberName(home, myName);
          nameSaved = true;
        } catch (e) {
          if (!isHomeError(e)) throw e;
          ui.show({ type: 'error', code: e.code, message: `your name was not remembered: ${e.message}`, ...(e.hint !== undefined && { hint: e.hint }) });
        }
      }
      maxMessageLength = ev.limits.maxMessageLength;
      room ??= ev.rooms[0];
      if (wantRoom && !ev.rooms.includes(wantRoom)) {
        conn.send({ t: 'join', room: wantRoom });
        room = wantRoom; // the join goes first, so what follows is said there
      }
      wantRoom = undefined;
      pacedShown = false;
    }
    if (ev.type === 'join' && ev.name === myName) room = ev.room;
    if (ev.type === 'leave' && ev.name === myName && ev.room === room) room = [...conn.rooms][0];
    ui.setRoom(room);
    ui.show(ev);
    if (ev.type === 'ready' && !readySeen) {
      readySeen = true;
      for (const line of early.splice(0)) handleLine(line);
    }
  });

  const onLine = (line: string) => {
    if (choosingName) chooseName(line);
    else if (!readySeen) early.push(line);
    else handleLine(line);
  };
  const chooseName = (line: string) => {
    const name = line.trim();
    if (name === '/quit') return finish(EXIT_OK);
    const problem = nameProblem(name);
    if (problem !== undefined) return ui.show({ type: 'error', code: 'invalid_name', message: `${quoteName(name)} is not a valid name: ${problem}`, hint: NAME_RULE });
    choosingName = false;
    myName = name;
    ui.setName(name);
    ui.show({ type: 'info', message: `connecting as ${name}…` });
    conn.retryAs(name);
  };
  const handleLine = (line: string) => {
    const a = parseInput(line, { room, ...(maxMessageLength !== undefined && { maxMessageLength }) });
    switch (a.type) {
      case 'send':
        conn.send(a.request);
        return;
      case 'help':
        return ui.show({ type: 'info', message: HELP_TEXT });
      case 'fingerprint':
        return ui.show({ type: 'info', message: `your key:   ${identity.fingerprint}\nserver key: ${conn.serverFingerprint ?? '(not connected yet)'}` });
      case 'quit':
        return finish(EXIT_OK);
      case 'error':
        return ui.show({ type: 'error', code: a.code, message: a.message, hint: a.hint });
      case 'none':
        return;
    }
  };
  ui.start(onLine, async () => {
    // input ended (Ctrl+D, or the end of piped input): send what is queued, then leave
    const deadline = Date.now() + 30_000;
    while ((!readySeen || conn.pending > 0) && exitCode === EXIT_OK && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200)); // let the last frames leave the socket
    finish(exitCode);
  });
  handleSignalsGracefully(() => finish(EXIT_OK));
  conn.start();
  return done;
}

/** What the two front ends (screen, lines) have in common. */
interface Ui {
  start(onLine: (line: string) => void, onEnd: () => void): void;
  show(ev: DisplayEvent): void;
  status(text: string): void;
  setRoom(room: string | undefined): void;
  /** The user's name changed (another one after a refusal). */
  setName(name: string): void;
  close(): void;
}

class ScreenUi implements Ui {
  private readonly screen: ChatScreen;
  private readonly color = useColor(process.stdout, process.env);
  constructor(private me: string) {
    this.screen = new ChatScreen({ input: process.stdin, output: process.stdout, name: me });
  }
  start(onLine: (line: string) => void, onEnd: () => void): void {
    this.screen.onLine(onLine);
    this.screen.onQuit(onEnd);
  }
  show(ev: DisplayEvent): void {
    const line = formatLine(ev, { me: this.me, color: this.color });
    if (line !== undefined) this.screen.print(line, { bell: shouldBell(ev, this.me) });
  }
  status(text: string): void {
    this.screen.setStatus(text);
  }
  setRoom(room: string | undefined): void {
    this.screen.setPrompt(room);
  }
  setName(name: string): void {
    this.me = name;
    this.screen.setName(name);
  }
  close(): void {
    if (!this.screen.closed) this.screen.close();
  }
}

class LineUi implements Ui {
  private rl: ReturnType<typeof createInterface> | undefined;
  private ended = false;
  constructor(
    private me: string,
    private readonly json: boolean,
  ) {}
  start(onLine: (line: string) => void, onEnd: () => void): void {
    const rl = createInterface({ input: process.stdin, terminal: false });
    this.rl = rl;
    rl.on('line', onLine);
    rl.on('close', () => {
      if (!this.ended) onEnd();
    });
  }
  show(ev: DisplayEvent): void {
    // formatLine sanitizes every untrusted field; sanitizeLines is the last line of defence, as
    // ChatScreen.print is on a terminal. formatJson escapes every control character.
    const out = this.json ? formatJson(ev) : formatLine(ev, { me: this.me, color: false });
    if (out !== undefined) process.stdout.write(`${this.json ? out : sanitizeLines(out)}\n`);
  }
  status(): void {}
  setRoom(): void {}
  setName(name: string): void {
    this.me = name;
  }
  /** Stops reading stdin, so that a fatal error ends the program even while input is still open. */
  close(): void {
    this.ended = true;
    this.rl?.close();
    process.stdin.destroy();
  }
}

/** The `parley chat` command. */
export const chatCommand: Command = { name: 'chat', summary: 'chat on a Parley server', help: HELP, run };
