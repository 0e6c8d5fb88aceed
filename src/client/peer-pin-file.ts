/**
 * The terminal client's store of peers' key pins (src/e2e's PinStore), one file per server in
 * the parley home:
 *
 *   <home>/peers/<server>.json    (mode 0600, in a folder of mode 0700)
 *
 * `<server>` is serverId(url) (src/client/pins.ts: `host:port[/path]`) with every character
 * outside A–Z a–z 0–9 . _ - written as %XX. The content:
 *
 *   {"version":1,"server":"host:port","peers":{"alice":{"fingerprint":"SHA256:…","verified":false,"since":1700000000000}}}
 *
 * with `"presented":"SHA256:…"` on a peer whose changed key waits for /trust or /verify. The
 * file is read once, when the store opens, and every record is validated (a malformed file is
 * refused with PeerPinError, never half-used: the user must look at it). Each change re-reads
 * the file, changes that one name and replaces the file atomically under a lock file
 * (`<file>.lock`), so that two clients of one home on one server lose nothing.
 */
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PinRecord, PinStore } from '../e2e/index.js';
import { ClientError } from './errors.js';
import { LockTimeoutError, withLockSync, writeFileAtomicSync } from './fsutil.js';
import { serverId } from './pins.js';

/** The folder of the peer pin files in the home. */
export const PEERS_DIR = 'peers';
/** The largest peer pin file read (1 MiB: about 8000 peers). */
export const MAX_PEER_PIN_FILE_BYTES = 1 << 20;

export type PeerPinErrorCode = 'PEER_PINS_UNREADABLE' | 'PEER_PINS_INVALID' | 'PEER_PINS_LOCKED' | 'PEER_PINS_WRITE_FAILED';

/** A problem with a peer pin file (the CLI prints it, exit 1). */
export class PeerPinError extends ClientError<PeerPinErrorCode> {
  constructor(code: PeerPinErrorCode, message: string, hint?: string, cause?: unknown) {
    super(code, message, hint, { cause });
    this.name = 'PeerPinError';
  }
}

const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}$/;
const NAME_RE = /^[A-Za-z0-9_.-]{1,32}$/;

/** The peer pin file of `server` (a URL or host:port) in `home`. Throws PinError INVALID_SERVER. */
export function peerPinPath(home: string, server: string): string {
  const id = serverId(server).replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
  return path.join(home, PEERS_DIR, `${id}.json`);
}

function validRecord(v: unknown): v is PinRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  if (!Object.keys(r).every((k) => ['fingerprint', 'verified', 'since', 'presented'].includes(k))) return false;
  if (typeof r.fingerprint !== 'string' || !FINGERPRINT_RE.test(r.fingerprint)) return false;
  if (typeof r.verified !== 'boolean' || typeof r.since !== 'number' || !Number.isSafeInteger(r.since) || r.since < 0) return false;
  return r.presented === undefined || (typeof r.presented === 'string' && FINGERPRINT_RE.test(r.presented));
}

/** Reads and validates `file`: its records (none when it does not exist). Throws PeerPinError. */
export function readPeerPins(file: string): Map<string, PinRecord> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new PeerPinError('PEER_PINS_UNREADABLE', `cannot read ${file}: ${(e as Error).message}`, 'check its permissions', e);
  }
  const invalid = (why: string) =>
    new PeerPinError('PEER_PINS_INVALID', `${file} is not a valid peer pin file (${why})`, `look at it: move it away to start over (every peer is then "first time seen" again)`);
  if (text.length > MAX_PEER_PIN_FILE_BYTES) throw invalid('too large');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw invalid('not JSON');
  }
  const o = v as { version?: unknown; peers?: unknown };
  if (typeof o !== 'object' || o === null || o.version !== 1 || typeof o.peers !== 'object' || o.peers === null || Array.isArray(o.peers)) throw invalid('expected {"version":1,"peers":{…}}');
  const out = new Map<string, PinRecord>();
  for (const [name, rec] of Object.entries(o.peers as Record<string, unknown>)) {
    if (!NAME_RE.test(name)) throw invalid(`a peer name is not a valid name`);
    if (!validRecord(rec)) throw invalid(`the record of ${name} is malformed`);
    out.set(name, { ...rec });
  }
  return out;
}

/** The peer pins of one server in a file (see the file comment). */
export class FilePinStore implements PinStore {
  private records: Map<string, PinRecord>;
  readonly file: string;
  private readonly server: string;

  /**
   * Opens the pins of `server` in `home` (reads and validates the file). Throws PeerPinError,
   * PinError INVALID_SERVER. `onWriteError`: when given, a change that cannot be written is
   * kept in memory (for this run) and reported to it instead of thrown — the E2E core calls
   * the store while handling the server's events, where a throw would end the connection.
   */
  constructor(home: string, server: string, private readonly onWriteError?: (e: PeerPinError) => void) {
    this.file = peerPinPath(home, server);
    this.server = serverId(server);
    this.records = readPeerPins(this.file);
  }

  get(name: string): PinRecord | undefined {
    const r = this.records.get(name);
    return r ? { ...r } : undefined;
  }

  names(): string[] {
    return [...this.records.keys()];
  }

  /** Records `name`; written to the file at once. Throws PeerPinError (the file cannot be written or is locked). */
  set(name: string, record: PinRecord): void {
    this.update(name, { ...record });
  }

  /** Forgets `name`; written at once. Throws PeerPinError. */
  delete(name: string): void {
    this.update(name, undefined);
  }

  private update(name: string, record: PinRecord | undefined): void {
    const dir = path.dirname(this.file);
    try {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        chmodSync(dir, 0o700);
      } catch (e) {
        throw new PeerPinError('PEER_PINS_WRITE_FAILED', `cannot create ${dir}: ${(e as Error).message}`, 'check the permissions of the parley home', e);
      }
      withLockSync(`${this.file}.lock`, () => {
        const now = readPeerPins(this.file); // another client may have pinned meanwhile
        if (record) now.set(name, record);
        else now.delete(name);
        const peers = Object.fromEntries([...now].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
        writeFileAtomicSync(this.file, `${JSON.stringify({ version: 1, server: this.server, peers })}\n`, 0o600);
        this.records = now;
      });
    } catch (e) {
      const err =
        e instanceof PeerPinError
          ? e
          : e instanceof LockTimeoutError
            ? new PeerPinError('PEER_PINS_LOCKED', `${e.lockFile} is held by another process`, 'if no other parley is running, delete the lock file', e)
            : new PeerPinError('PEER_PINS_WRITE_FAILED', `cannot write ${this.file}: ${(e as Error).message}`, 'check the permissions of the parley home and the free space', e);
      if (!this.onWriteError) throw err;
      if (record) this.records.set(name, record);
      else this.records.delete(name);
      this.onWriteError(err);
    }
  }
}
