/**
 * `parley chat`: the terminal client. An IRC-style screen on a terminal; line mode (one line per
 * event) or JSON lines (`--json`) when stdin is not a terminal — the bot and scripting interface.
 */
import { readFile } from 'node:fs/promises';
import { wsSocketFactory } from '../client/socket-ws.js';
import { nodeCrypto } from '../protocol/crypto-node.js';
import { nodeE2ECrypto } from '../e2e/crypto-node.js';
import { E2EClient, type E2EClientEvent } from '../client/e2e-client.js';
import { parseKeyCommand, runKeyCommand } from '../client/key-commands.js';
import { FilePinStore } from '../client/peer-pin-file.js';
import { ChatConnection, type ConnectionStatus, type FatalError } from '../client/connection.js';
import { formatFatal, statusText } from '../client/format.js';
import { isHomeError, loadOrCreateIdentity, NAME_RULE, nameProblem, quoteName, rememberName, resolveHome } from '../client/home.js';
import { HELP_TEXT, parseInput } from '../client/input.js';
import { ReplyTracker, type LineRef } from '../client/refs.js';
import { checkPin, groupMismatchPreface, knownHostsPath, newPinMessage, pinMismatchMessage, sharedPinMessage } from '../client/pins.js';
import { promptLine, promptSecret } from '../client/prompt.js';
import { sanitize } from '../client/text.js';
import { nameKey } from '../chat/names.js';
import { parseCommandArgs, type Command } from './args.js';
import { EXIT_FAILURE, EXIT_OK, failure, usageError } from './errors.js';
import { handleSignalsGracefully, readPassphraseFile, writeStdout } from './io.js';
import { generateWithProgress } from './keygen.js';
import { LineUi, ScreenUi } from './chat-ui.js';
import { DEFAULT_SERVER, MAX_SERVERS, serverList } from './chat-servers.js';

export { DEFAULT_SERVER };

/** Ctrl+C, Ctrl+D or /quit: how long queued messages may take to go out before the client leaves anyway. */
export const QUIT_GRACE_MS = 500;
/** Line mode, input ended: how long to wait for a first connection before giving up (exit 1). */
export const END_CONNECT_WAIT_MS = 5_000;
/** Line mode, input ended: give up (exit 1) when no queued line could be sent for this long. */
export const END_STALL_MS = 30_000;

const HELP = `Usage: parley chat [--server URL[,URL…]]… [--name NAME] [--room ROOM] [--home DIR]
                   [--passphrase-file F] [--ca FILE] [--json]

Chats on a Parley server. The first run generates your RSA key (2048 bits) in the home folder
and asks for your name (on a terminal); the name is remembered once a server accepted it. On a
terminal, a name the server refuses (taken by another key, or not accepted) is asked for again.
The server's key fingerprint is pinned on first contact (known_hosts) and a changed key is
refused ('parley pins' lists and forgets pins). The servers of one --server list are one cluster
with one key: a key pinned for one of them is accepted (and pinned) for the others, any other key
is refused as a changed key.

Options:
  -s, --server URL          ws://HOST:PORT or wss://HOST:PORT (default ${DEFAULT_SERVER}); give it
                            several times, or several URLs with commas, for the nodes of one
                            cluster: the client connects to the first that answers and moves to
                            the next when its server stops (up to ${MAX_SERVERS})
  -n, --name NAME           your name: 1–32 of A–Z a–z 0–9 _ . - (remembered once accepted)
  -r, --room ROOM           join this room after connecting (default: lobby)
      --home DIR            identity folder (default $PARLEY_HOME or ~/.parley)
  -p, --passphrase-file F   the passphrase of your key (first line of F); a new key is encrypted with it
      --ca FILE             trust this CA certificate (PEM) for wss:// (a self-signed server)
      --json                with stdin not a terminal: one JSON object per event line
  -h, --help                show this help

On a terminal: type to talk; /help lists the commands (/join ROOM, /leave, /rooms, /who,
/msg NAME TEXT, /me ACTION, /whois NAME, /verify NAME, /trust NAME, /fingerprint, /quit). /join of a room you are in
switches to it; /rooms marks yours. Ctrl+C, Ctrl+D or /quit quits at once, in any state.
Without a terminal: each input line is sent (lines starting with / are commands); the program
exits when input ends and everything typed has been sent — or, if it cannot connect within
${END_CONNECT_WAIT_MS / 1000} s or no line can be sent for ${END_STALL_MS / 1000} s, with exit code 1 and a message. With --json, an
input line may be {"ref":R,"line":"…"}: every event it causes ends with "ref":R
(docs/PROTOCOL.md, JSON lines). Exit code 1 on a fatal error: a changed server key
(server_key_changed), a TLS certificate refused (tls_untrusted: see --ca), the wrong scheme
(wrong_scheme: ws:// to a TLS server or wss:// to a plain one), a malformed URL (bad_url), or
the server refusing the name for good (name_taken, invalid_name, name_limit, replaced; on a
terminal, name_taken and invalid_name ask for another name instead), or a server that speaks
another protocol version (unsupported_version: upgrade Parley). Anything else (server
down, wrong port, unknown host, server full) is retried with backoff, the reason and what to
check shown once on the screen and in the status line.

Messages are end-to-end encrypted: the server relays what it can neither read nor forge.
Each peer's key is pinned per server on first contact (peers/<server>.json in the home
folder); a name that turns up with another key is a loud warning ({"type":"peer_key_changed"}
with --json), and nothing is shared with the new key until you accept it with /trust NAME.
/verify NAME shows a 60-digit safety number to compare with NAME in person or by phone;
/verify NAME yes then marks NAME verified (/whois shows it).

✓ after a message: signed by the key pinned for its sender, and its text matches the SHA-256
inside the signed payload (your own: the server's echo of what you sent). ✗ KEY CHANGED, ✗ NOT
VERIFIED (with a reason) or ✗ HASH MISMATCH otherwise: do not trust such a message.
`;

/** The options of `parley chat` (each in --help's usage line and options list: test/cli/help.test.ts). */
export const CHAT_OPTIONS = {
  server: { type: 'string', short: 's', multiple: true },
  name: { type: 'string', short: 'n' },
  room: { type: 'string', short: 'r' },
  home: { type: 'string' },
  'passphrase-file': { type: 'string', short: 'p' },
  ca: { type: 'string' },
  json: { type: 'boolean' },
} as const;

async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs(
    'parley chat',
    argv,
    CHAT_OPTIONS,
    0,
  );
  if (args.help) return writeStdout(HELP).then(() => EXIT_OK);
  const servers = serverList(args.strings('server'));
  const url = servers[0]!;
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
  /** Whether `name` is the name in use (names are case-insensitive: the server's spelling may differ in case). */
  const isMe = (name: string): boolean => nameKey(name) === nameKey(myName);
  let nameSaved = identity.nameSaved;

  const ui = interactive ? new ScreenUi(identity.name) : new LineUi(identity.name, json);
  const conn = new ChatConnection({
    url: servers,
    identity: identity.key,
    name: identity.name,
    crypto: nodeCrypto,
    socket: wsSocketFactory(ca !== undefined ? { ca } : {}),
    verifyServer: (fp, at) => {
      const r = checkPin(home, at, fp, servers);
      if (r === 'new') {
        ui.show({ type: 'info', message: newPinMessage(at, fp, knownHostsPath(home)) });
        return { ok: true };
      }
      if (r === 'match') return { ok: true };
      if ('shared' in r) {
        ui.show({ type: 'info', message: sharedPinMessage(at, r.shared, fp, knownHostsPath(home)) });
        return { ok: true };
      }
      const { pinned, presented, line, server } = r.mismatch;
      const warning = pinMismatchMessage(server ?? at, pinned, presented, knownHostsPath(home), line);
      return { ok: false, message: server === undefined ? warning : `${groupMismatchPreface(at, server)}\n${warning}` };
    },
  });

  // the end-to-end layer: peers' keys pinned per server in the home folder (peers/<server>.json);
  // the servers of one --server list are one chat: their peers are pinned under the first one
  const peerPins = new FilePinStore(home, url, (e) => ui.show({ type: 'error', code: e.code, message: `${e.message} (kept for this run only)`, ...(e.hint !== undefined && { hint: e.hint }) }));
  const e2e = new E2EClient({ connection: conn, crypto: nodeE2ECrypto, identity: identity.key, pins: peerPins });
  /** The key each /verify NAME showed the number of (what /verify NAME yes marks). */
  const shownNumbers = new Map<string, string>();

  let room: string | undefined;
  let maxMessageLength: number | undefined;
  let wantRoom = args.string('room');
  let pacedShown = false;
  // lines read before the first `ready` wait for it: until then there is no room to talk in
  // (local commands — /quit, /help, /fingerprint — are carried out at once)
  let readySeen = false;
  const early: { line: string; ref?: LineRef }[] = [];
  // --json: which of the server's answers belongs to which input line's ref
  const replies = new ReplyTracker(identity.name);
  let connected = false; // the current connection got `ready` and has not dropped since
  let lastReason: string | undefined; // why the last connection failed (untrusted text)
  let leaving = false;
  let exitCode = EXIT_OK;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  const finish = (code: number) => {
    e2e.close();
    conn.close();
    ui.close();
    resolveDone(code);
  };

  // why the last attempt failed: in the status line until connected; a reason is printed once
  // (--json: every time), not at every retry of a loop
  let lastBrief: string | undefined;
  let shownReason: string | undefined;
  let lastServer: string | undefined; // the server of the last `ready`, with several
  conn.on('status', (s: ConnectionStatus) => {
    if (s.state === 'connected') {
      lastBrief = shownReason = undefined;
      if (servers.length === 1) return ui.status('connected');
      // several servers: say which one, and when the client moved to another
      if (s.url !== lastServer) ui.show({ type: 'server', url: s.url, ...(lastServer !== undefined && { previous: lastServer }) });
      lastServer = s.url;
      return ui.status(`connected to ${s.url}`, 'ok');
    }
    if (s.state === 'connecting') {
      const to = servers.length > 1 ? `connecting to ${s.url}…` : 'connecting…';
      return ui.status(s.attempt > 1 ? `${to}, attempt ${s.attempt}${lastBrief ? ` (last: ${lastBrief})` : ''}` : to);
    }
    if (s.state === 'reconnecting') {
      lastBrief = s.brief;
      // the reason may be the server's (or a forger's) text: formatLine and the screen sanitize it
      ui.status(`${statusText({ state: 'reconnecting', inMs: s.inMs })}${s.brief ? `: ${s.brief}` : ''}`);
      if (json || s.reason !== shownReason) ui.show({ type: 'status', state: 'reconnecting', inMs: s.inMs, reason: s.reason });
      shownReason = s.reason;
    }
  });
  // what quitting and the refs need to know of the connection
  conn.on('status', (s: ConnectionStatus) => {
    connected = s.state === 'connected';
    if (s.state !== 'reconnecting') return;
    lastReason = s.reason;
    for (const w of replies.lost(e2e.pending)) {
      const message = 'the connection dropped before the server answered this line: it may or may not have been carried out';
      ui.show({ type: 'error', code: 'connection_lost', message, command: w.req.t }, w.ref);
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
    // said once: as an event line, or on a terminal after the screen closed, where it stays visible
    if (!interactive) ui.show({ type: 'error', code: shown.code, message: shown.message, multiline: !f.fromServer });
    exitCode = EXIT_FAILURE;
    finish(EXIT_FAILURE);
    // sanitized line by line: it may be the server's text
    if (interactive) process.stderr.write(`${formatFatal(shown)}\n`);
  });
  e2e.on('event', (ev: E2EClientEvent) => {
    if (ev.type === 'ready') {
      replies.setName(ev.name);
      // names are case-insensitive: ready.name is the registered spelling, which may differ in case from the one asked for
      if (!nameSaved && isMe(ev.name)) {
        // the server accepted the name: from now on it is this identity's, in the spelling the server gave
        try {
          rememberName(home, ev.name);
          nameSaved = true;
        } catch (e) {
          if (!isHomeError(e)) throw e;
          ui.show({ type: 'error', code: e.code, message: `your name was not remembered: ${e.message}`, ...(e.hint !== undefined && { hint: e.hint }) });
        }
      }
      maxMessageLength = ev.limits.maxMessageLength;
      room ??= ev.rooms[0];
      if (wantRoom && !ev.rooms.includes(wantRoom)) {
        e2e.send({ t: 'join', room: wantRoom });
        replies.sent({ t: 'join', room: wantRoom });
        room = wantRoom; // the join goes first, so what follows is said there
      }
      wantRoom = undefined;
      pacedShown = false;
    }
    if (ev.type === 'join' && isMe(ev.name)) room = ev.room;
    if (ev.type === 'leave' && isMe(ev.name) && ev.room === room) room = [...conn.rooms][0];
    ui.setRoom(room, conn.rooms);
    ui.show(ev, ev.type === 'ready' ? undefined : replies.match(ev));
    if (ev.type === 'ready' && !readySeen) {
      readySeen = true;
      for (const e of early.splice(0)) handleLine(e.line, e.ref, true);
    }
  });

  /** A line typed or read (with its --json ref); false when it is refused and stays on the input line. */
  const onLine = (line: string, ref?: LineRef): boolean => {
    if (choosingName) {
      chooseName(line);
      return true;
    }
    if (readySeen) return handleLine(line, ref);
    const a = parseInput(line, { room: undefined });
    if (a.type === 'quit' || a.type === 'help' || a.type === 'fingerprint' || parseKeyCommand(line)?.type === 'error') return handleLine(line, ref);
    early.push({ line, ...(ref !== undefined && { ref }) });
    return true;
  };
  const chooseName = (line: string) => {
    const name = line.trim();
    if (name === '/quit') return void leave();
    const problem = nameProblem(name);
    if (problem !== undefined) return ui.show({ type: 'error', code: 'invalid_name', message: `${quoteName(name)} is not a valid name: ${problem}`, hint: NAME_RULE });
    choosingName = false;
    myName = name;
    ui.setName(name);
    ui.show({ type: 'info', message: `connecting as ${name}…` });
    conn.retryAs(name);
  };
  /** `late`: the line waited for the first `ready` (and is no longer on the input line). */
  const handleLine = (line: string, ref?: LineRef, late = false): boolean => {
    const k = parseKeyCommand(line);
    if (k !== undefined) {
      ui.show(k.type === 'error' ? k : runKeyCommand(k, e2e, shownNumbers), ref);
      return true;
    }
    const a = parseInput(line, { room, joined: conn.rooms, ...(maxMessageLength !== undefined && { maxMessageLength }) });
    switch (a.type) {
      case 'send':
        e2e.send(a.request);
        replies.sent(a.request, ref);
        return true;
      case 'switch':
        room = a.room;
        ui.setRoom(room, conn.rooms);
        ui.show({ type: 'info', message: `now talking in #${a.room}` }, ref);
        return true;
      case 'help':
        ui.show({ type: 'info', message: HELP_TEXT }, ref);
        return true;
      case 'fingerprint':
        ui.show({ type: 'info', message: `your key:   ${identity.fingerprint}\nserver key: ${conn.serverFingerprint ?? '(not connected yet)'}` }, ref);
        return true;
      case 'quit':
        void leave();
        return true;
      case 'error':
        ui.show({ type: 'error', code: a.code, message: a.message, hint: a.hint, ...(a.command !== undefined && { command: a.command }) }, ref);
        if (a.code !== 'too_long') return true;
        // nothing was sent: the text stays on the input line, to be shortened or split
        if (late) ui.restoreLine(line);
        return false;
      case 'none':
        return true;
    }
  };
  /** Ctrl+C, Ctrl+D or /quit: leaves at once, in any state; queued messages get QUIT_GRACE_MS to go out. */
  const leave = async (): Promise<void> => {
    if (leaving) return;
    leaving = true;
    ui.close();
    if (connected && e2e.pending > 0) await waitUntil(() => e2e.pending === 0 || exitCode !== EXIT_OK, QUIT_GRACE_MS);
    const unsent = e2e.pending + early.length;
    finish(exitCode);
    if (unsent > 0) process.stderr.write(`parley: ${unsent} line(s) you typed were not sent (${connected ? 'held back by the rate limit' : 'not connected'})\n`);
  };
  /** Line mode, input ended: sends what is queued, then leaves; exit 1 when that cannot be done. */
  const endOfInput = async (): Promise<void> => {
    await waitUntil(() => readySeen || exitCode !== EXIT_OK || leaving, END_CONNECT_WAIT_MS);
    if (exitCode !== EXIT_OK || leaving) return;
    const why = lastReason === undefined ? '' : ` (${sanitize(lastReason)})`;
    if (!readySeen) {
      const n = early.length;
      finish(EXIT_FAILURE);
      process.stderr.write(`parley: could not connect to ${sanitize(servers.join(', '))} within ${END_CONNECT_WAIT_MS / 1000} s${why}${n ? `; ${n} input line(s) not sent` : ''}\n`);
      return;
    }
    let last = e2e.pending;
    let since = Date.now();
    while (e2e.pending > 0 && exitCode === EXIT_OK && !leaving && Date.now() - since < END_STALL_MS) {
      if (e2e.pending < last) [last, since] = [e2e.pending, Date.now()];
      await sleep(50);
    }
    if (exitCode !== EXIT_OK || leaving) return;
    await sleep(200); // let the last frames leave the socket
    const unsent = e2e.pending;
    finish(unsent > 0 ? EXIT_FAILURE : EXIT_OK);
    if (unsent > 0) process.stderr.write(`parley: ${unsent} input line(s) not sent: nothing could be sent for ${END_STALL_MS / 1000} s${connected ? '' : why}\n`);
  };
  ui.start(onLine, () => void (interactive ? leave() : endOfInput()));
  handleSignalsGracefully(() => finish(EXIT_OK));
  conn.start();
  return done;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond()` holds or `ms` have passed; resolves with whether it holds. */
async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() >= end) return false;
    await sleep(Math.min(50, Math.max(1, end - Date.now())));
  }
  return true;
}

/** The `parley chat` command. */
export const chatCommand: Command = { name: 'chat', summary: 'chat on a Parley server', help: HELP, run };
