/**
 * Pinning of server keys, like OpenSSH's known_hosts: the first time the client talks to a
 * server it remembers the server key's fingerprint; if a later connection presents another key,
 * the client refuses loudly.
 *
 * File `known_hosts` in the parley home, one line per server:
 *
 *   <server> SHA256:<43 base64 characters>
 *
 * `<server>` is the server's identity as `serverId` spells it: `host:port` (lower-case host,
 * the scheme's default port written out: ws:// → 80, wss:// → 443) plus the URL path when it is
 * not `/`; an input without `scheme://` is taken as `host:port` as it is (lower-cased). So
 * `ws://Example.org:8080/` and `example.org:8080` are the same server. Blank lines and lines
 * starting with `#` are ignored and kept; so are fields after the fingerprint (comments). Several
 * lines for one server are allowed (a planned key change): any of them matches.
 *
 * Everything here is synchronous (the file is small) so that it fits the connection's
 * synchronous `verifyServer` callback. Updates are atomic (a temporary file renamed over
 * known_hosts) under a lock file `known_hosts.lock`, so that two clients pinning at once lose
 * nothing.
 */
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ClientError } from './errors.js';
import { LockTimeoutError, withLockSync, writeFileAtomicSync } from './fsutil.js';
import { KNOWN_HOSTS_FILE, resolveHome } from './home.js';

/** The result of checkPin. */
export type PinResult =
  /** First contact: the fingerprint is now pinned (tell the user, with newPinMessage). */
  | 'new'
  /** The presented key is the pinned one. */
  | 'match'
  /** Another key is pinned: refuse to connect (show pinMismatchMessage). `line` is 1-based. */
  | { mismatch: { pinned: string; presented: string; line: number; server?: string } }
  /**
   * First contact with this server, but the presented key is the one pinned for `shared`,
   * another server of the same group (one cluster, given together): accepted, and now pinned
   * for this server too.
   */
  | { shared: string };

export type PinErrorCode = 'INVALID_SERVER' | 'INVALID_FINGERPRINT' | 'KNOWN_HOSTS_UNREADABLE' | 'KNOWN_HOSTS_LOCKED' | 'KNOWN_HOSTS_WRITE_FAILED';

/** A problem with known_hosts or with the arguments of checkPin (the CLI prints it, exit 1). */
export class PinError extends ClientError<PinErrorCode> {
  constructor(code: PinErrorCode, message: string, hint?: string, cause?: unknown) {
    super(code, message, hint, { cause });
    this.name = 'PinError';
  }
}

const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}$/;
const DEFAULT_PORTS: Record<string, string> = { 'ws:': '80', 'http:': '80', 'wss:': '443', 'https:': '443' };

/** The path of known_hosts in `home`. */
export function knownHostsPath(home: string): string {
  return path.join(home, KNOWN_HOSTS_FILE);
}

/**
 * The identity of a server in known_hosts: `host:port[/path]` for a URL, the input lower-cased
 * otherwise. Throws PinError INVALID_SERVER for something that cannot be a server.
 */
export function serverId(server: string): string {
  const s = server.trim();
  const invalid = (why: string): PinError => new PinError('INVALID_SERVER', `'${server}' is not a server address (${why})`, 'give ws://host:port or wss://host:port');
  let id: string;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(s)) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw invalid('not a valid URL');
    }
    if (!u.hostname) throw invalid('no host');
    const port = u.port || DEFAULT_PORTS[u.protocol] || '';
    const pathname = u.pathname.replace(/\/+$/, '');
    id = `${u.hostname}${port ? `:${port}` : ''}${pathname}`;
  } else {
    id = s.toLowerCase().replace(/\/+$/, '');
  }
  if (id === '' || /[\s\x00-\x1f\x7f]/.test(id) || id.startsWith('#')) throw invalid('empty, or spaces or control characters in it');
  return id;
}

function normalizeFingerprint(fp: string): string {
  const f = fp.startsWith('SHA256:') ? fp : `SHA256:${fp}`;
  if (!FINGERPRINT_RE.test(f)) throw new PinError('INVALID_FINGERPRINT', `'${fp}' is not a SHA256:… key fingerprint`);
  return f;
}

/** One pinned server, as read from known_hosts. */
export interface Pin {
  server: string;
  fingerprint: string;
  /** 1-based line number in known_hosts. */
  line: number;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return '';
    throw new PinError(
      'KNOWN_HOSTS_UNREADABLE',
      `cannot read ${file} (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message})`,
      'check that it is a file you can read and write',
      e,
    );
  }
}

function parse(text: string): Pin[] {
  const pins: Pin[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [server, fp] = line.split(/\s+/);
    let id: string;
    try {
      id = serverId(server!);
    } catch {
      return;
    }
    // a damaged fingerprint still pins its server: it can only ever mismatch
    pins.push({ server: id, fingerprint: fp ?? '', line: i + 1 });
  });
  return pins;
}

/** Every pin of `home`'s known_hosts (lines that are not pins are skipped). */
export function readPins(home: string): Pin[] {
  return parse(readText(knownHostsPath(home)));
}

function ensureDir(home: string): void {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
  } catch {
    // writing will say what is wrong
  }
}

function locked<T>(home: string, fn: () => T): T {
  const file = knownHostsPath(home);
  ensureDir(home);
  try {
    return withLockSync(`${file}.lock`, fn);
  } catch (e) {
    if (e instanceof LockTimeoutError)
      throw new PinError('KNOWN_HOSTS_LOCKED', `${file} is locked by another parley (${e.lockFile})`, `try again; if no other parley is running, delete ${e.lockFile}`, e);
    if (e instanceof PinError) throw e;
    throw new PinError('KNOWN_HOSTS_WRITE_FAILED', `cannot update ${file} (${(e as Error).message})`, 'check the permissions of the parley folder and the free space', e);
  }
}

function write(file: string, text: string): void {
  writeFileAtomicSync(file, text, 0o600);
  try {
    chmodSync(file, 0o600);
  } catch {
    // best effort
  }
}

/**
 * Checks the fingerprint a server presented against known_hosts in `home`: 'match', or a
 * mismatch (refuse to connect!), or 'new' — in which case the fingerprint has just been pinned.
 *
 * `group`: the other servers given together with this one (`parley chat --server A --server B`:
 * the nodes of one cluster, which share one key). When this server has no pin yet but others of
 * the group have, the presented key must be pinned for every one of them that has pins: then it
 * is accepted (`{ shared }`) and pinned for this server too; otherwise it is a mismatch naming
 * the group's server whose pin differs (`mismatch.server`). A server's own pins always decide
 * for it, as without a group.
 *
 * Throws PinError for a bad server address or fingerprint and an unreadable/unwritable file.
 */
export function checkPin(home: string, server: string, presentedFingerprint: string, group: readonly string[] = []): PinResult {
  const id = serverId(server);
  const others = [...new Set(group.map(serverId))].filter((g) => g !== id);
  const presented = normalizeFingerprint(presentedFingerprint);
  const file = knownHostsPath(home);
  const decide = (text: string): PinResult | undefined => {
    const pins = parse(text);
    const mine = pins.filter((p) => p.server === id);
    if (mine.length > 0) {
      if (mine.some((p) => p.fingerprint === presented)) return 'match';
      return { mismatch: { pinned: mine[0]!.fingerprint, presented, line: mine[0]!.line } };
    }
    let shared: string | undefined;
    for (const other of others) {
      const theirs = pins.filter((p) => p.server === other);
      if (theirs.length === 0) continue;
      if (!theirs.some((p) => p.fingerprint === presented)) return { mismatch: { pinned: theirs[0]!.fingerprint, presented, line: theirs[0]!.line, server: other } };
      shared ??= other;
    }
    return shared === undefined ? undefined : { shared };
  };
  // a first contact (own or shared) writes a pin; the common case needs no lock
  const settled = (r: PinResult | undefined): r is PinResult => r !== undefined && !(typeof r === 'object' && 'shared' in r);
  const fast = decide(readText(file));
  if (settled(fast)) return fast;
  return locked(home, () => {
    const text = readText(file);
    const again = decide(text);
    if (settled(again)) return again;
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    write(file, `${text}${sep}${id} ${presented}\n`);
    return again ?? 'new';
  });
}

/**
 * Removes every pin of `server` (like `ssh-keygen -R`) and returns the pins removed (none when
 * the server was not pinned; known_hosts is then left untouched). Throws PinError
 * INVALID_SERVER, KNOWN_HOSTS_UNREADABLE, KNOWN_HOSTS_LOCKED or KNOWN_HOSTS_WRITE_FAILED.
 */
export function forgetPin(home: string, server: string): Pin[] {
  const id = serverId(server);
  const file = knownHostsPath(home);
  if (!parse(readText(file)).some((p) => p.server === id)) return []; // nothing to do: no lock, no folder created
  return locked(home, () => {
    const text = readText(file);
    const gone = parse(text).filter((p) => p.server === id);
    if (gone.length === 0) return [];
    const drop = new Set(gone.map((p) => p.line));
    write(file, text.split('\n').filter((_, i) => !drop.has(i + 1)).join('\n'));
    return gone;
  });
}

/** Removes every pin of `server`; returns how many lines were removed. Throws as forgetPin. */
export function removePin(home: string, server: string): number {
  return forgetPin(home, server).length;
}

/** `s` as one shell word: as it is when it is plain, else in single quotes. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_.:/@%+=,[\]-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that forgets the pins of `server` in the folder `home`: `parley pins forget ID`,
 * with `--home HOME` unless `home` is the folder parley uses without --home (`defaultHome`).
 */
export function forgetCommand(server: string, home: string, defaultHome: string = resolveHome()): string {
  return `parley pins forget ${shellWord(safeServer(server))}${path.resolve(home) === path.resolve(defaultHome) ? '' : ` --home ${shellWord(home)}`}`;
}

/** The notice for a first contact (result 'new'). */
export function newPinMessage(server: string, fingerprint: string, knownHostsFile: string): string {
  return `first connection to ${safeServer(server)}: its key ${fingerprint} is now pinned in ${knownHostsFile}; compare it with the fingerprint the server's operator gave you`;
}

/** The notice for a first contact accepted because the key is the one pinned for `shared`, another server of the same --server list. */
export function sharedPinMessage(server: string, shared: string, fingerprint: string, knownHostsFile: string): string {
  return `first connection to ${safeServer(server)}: it presented the key ${fingerprint} pinned for ${safeServer(shared)} (same cluster: the servers given together share one key); now pinned for ${safeServer(server)} too in ${knownHostsFile}`;
}

/** The first line of the refusal when `server` presented another key than the one pinned for `pinnedFor`, another server of its --server list. */
export function groupMismatchPreface(server: string, pinnedFor: string): string {
  return `${safeServer(server)} (no key pinned for it yet) presented another key than the one pinned for ${safeServer(pinnedFor)}, given with it as a server of the same cluster, which must share one key:`;
}

function safeServer(server: string): string {
  try {
    return serverId(server);
  } catch {
    return JSON.stringify(server);
  }
}

/**
 * The loud, multi-line refusal for a changed server key, in the manner of OpenSSH's
 * "REMOTE HOST IDENTIFICATION HAS CHANGED": both fingerprints, where the pin is, and how to
 * accept the new key when the change is expected (`parley pins forget`, see forgetCommand for
 * `defaultHome`). Ends with a newline. Throws nothing.
 */
export function pinMismatchMessage(server: string, pinned: string, presented: string, knownHostsFile: string, line?: number, defaultHome?: string): string {
  const id = safeServer(server);
  const title = "WARNING: THE SERVER'S IDENTIFICATION HAS CHANGED!";
  const bar = '@'.repeat(title.length + 10);
  const where = line === undefined ? knownHostsFile : `${knownHostsFile}, line ${line}`;
  const label = (s: string): string => s.padEnd(30);
  return [
    bar,
    `@    ${title}    @`,
    bar,
    'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
    'Someone could be eavesdropping on you right now (man-in-the-middle attack),',
    "or the server's operator may have replaced its key.",
    '',
    `${label('Server:')}${id}`,
    `${label('Key pinned on first contact:')}${pinned}`,
    `${label('Key presented now:')}${presented}`,
    '',
    `The pinned key is in ${where}.`,
    'Parley refused to connect; nothing was sent.',
    '',
    'If the change is expected, check the new fingerprint with the server\'s operator through',
    'another channel, then forget the old key and connect again (the new key will be pinned):',
    `    ${forgetCommand(server, path.dirname(knownHostsFile), defaultHome)}`,
    `(or remove${line === undefined ? ` the line starting with '${id} '` : ` line ${line}, starting with '${id} ',`} from ${knownHostsFile}).`,
    '',
  ].join('\n');
}
