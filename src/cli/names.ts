/**
 * `parley names list|release`: the operator's view of a server's name registry
 * (<data>/names.sqlite, or a cluster's in PostgreSQL with --db URL / PARLEY_DB). `list` reads without writing and works beside a running server (it says
 * on stderr that the list may change); `release` needs the server stopped — it holds the data
 * folder's lock (src/server/data-lock.ts) while it deletes, so no server can start meanwhile.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { NAME_RE } from '../chat/events.js';
import { FINGERPRINT_RE, nameKey, type NameRecord } from '../chat/names.js';
import { nameSkeleton } from '../chat/skeleton.js';
import { NAME_RULE, quote } from '../chat/validate.js';
import { DataDirBusyError, DataDirLock, PROBE_WAIT_MS, serverOnDataDir } from '../server/data-lock.js';
import { NAMES_DB_FILE, NameRegistryFileError, SqliteNameRegistry } from '../server/names-sqlite.js';
import { commandGroup, type Subcommand } from './command-group.js';
import { parseCommandArgs, type Args, type Command } from './args.js';
import { resolveDataDir } from './data-dir.js';
import { EXIT_OK, failure, usageError } from './errors.js';
import { writeStdout } from './io.js';
import { checkDbUrl, redactUrl } from './cluster-flags.js';
import { openRegistry, registryStartError } from './server-cluster.js';
import type { PostgresNameRegistry } from '../server/names-postgres.js';

const DATA_HELP = `  --data DIR    the server's data folder (default $PARLEY_DATA or ./.parley-server)
  --db URL      a cluster's registry in PostgreSQL instead, postgres://USER@HOST:PORT/DB
                (default $PARLEY_DB when --data is not given)`;

const LIST_HELP = `Usage: parley names list [--data DIR | --db URL] [--json]

Lists the names of a server's registry: each name as first claimed, the fingerprint of the key
that owns it, and when it was claimed (UTC). Names that look alike but belong to different keys
(possible only for names registered before Parley refused look-alikes) are marked.
Works while the server is stopped, and while it runs (the list may then change; a note on
stderr says so). Writes nothing.

Options:
${DATA_HELP}
  --json        one JSON object per line: {"name", "fingerprint", "createdAt" (ms since 1970)}
  -h, --help    show this help
`;

const RELEASE_HELP = `Usage: parley names release NAME [--data DIR | --db URL]

Releases NAME (any case), so that anyone may claim it again: for a user who lost their key,
whose new key is refused the old name. The new owner is whoever connects with the name first,
so tell the user before you release it. Stop the server first: release refuses to run while a
server uses the data folder. With --db (a cluster) the nodes may keep running, but a session
open under the name is not ended: release it while its owner is offline (/whois NAME). Exit 1
for a name that is not registered.

Options:
${DATA_HELP}
  -h, --help    show this help
`;

const NAMES_HELP = `Usage: parley names <command> [options]

The name registry of a Parley server (names.sqlite in its data folder, or a cluster's in
PostgreSQL with --db URL): which key owns which name.

Commands:
  list      list the registered names, their owners' key fingerprints, and when they were claimed
  release   release a name (e.g. for a user who lost their key); the server must be stopped

Run 'parley names <command> --help' for the options of a command.
`;

/** Printable ASCII only: anything else from the file (which a person may have edited) is shown escaped. */
function shown(s: string, re: RegExp): string {
  return re.test(s) ? s : quote(s);
}

/** "2024-01-02 03:04" (UTC), or "?" for a time that is not one. */
function minute(ms: number): string {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? d.toISOString().slice(0, 16).replace('T', ' ') : '?';
}

/** JSON for a terminal or a pipe: C1 controls and bidi overrides escaped too (JSON.stringify leaves them). */
function jsonLine(v: unknown): string {
  return JSON.stringify(v).replace(/[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '\n';
}

function registryError(e: unknown, dir: string): unknown {
  if (!(e instanceof NameRegistryFileError)) return e;
  if (e.code === 'missing') {
    return failure(`no name registry in ${dir} (no ${NAMES_DB_FILE})`, "check --data (default $PARLEY_DATA or ./.parley-server); a server creates it on its first start");
  }
  if (e.code === 'newer') return failure(e.message, 'use the version of Parley that wrote it');
  return failure(e.message, 'check --data');
}

/** The table of `list`: names whose skeletons meet another key's name are marked. */
function table(records: NameRecord[]): string {
  const bySkeleton = new Map<string, NameRecord[]>();
  for (const r of records) {
    const s = nameSkeleton(r.name);
    bySkeleton.set(s, [...(bySkeleton.get(s) ?? []), r]);
  }
  const rows = records.map((r) => {
    const others = (bySkeleton.get(nameSkeleton(r.name)) ?? []).filter((o) => o.fingerprint !== r.fingerprint && nameKey(o.name) !== nameKey(r.name));
    const note = others.length > 0 ? `looks like ${others.map((o) => shown(o.name, NAME_RE)).join(', ')} (another key)` : '';
    return [shown(r.name, NAME_RE), shown(r.fingerprint, FINGERPRINT_RE), minute(r.createdAt), note];
  });
  const noted = rows.some((r) => r[3] !== '');
  const head = ['NAME', 'FINGERPRINT', 'CLAIMED (UTC)', noted ? 'NOTE' : ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd() + '\n';
  return line(head) + rows.map(line).join('') + `${records.length} name${records.length === 1 ? '' : 's'}\n`;
}

/** --db URL, or PARLEY_DB when neither --db nor --data is given; undefined for the data folder. Throws a usage error for both flags or a bad URL. */
function dbUrl(args: Args, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const flag = args.string('db');
  if (flag !== undefined && args.string('data') !== undefined) throw usageError('--data and --db exclude each other: a registry is in a data folder or in PostgreSQL', args.helpHint);
  if (flag !== undefined) return checkDbUrl(flag);
  if (args.string('data') === undefined && env.PARLEY_DB) return checkDbUrl(env.PARLEY_DB, 'PARLEY_DB');
  return undefined;
}

/** Runs `f` on the cluster's PostgreSQL registry at `url`, closing it after; its errors as CliErrors. */
async function withDb<T>(url: string, f: (r: PostgresNameRegistry) => Promise<T>): Promise<T> {
  const registry = await openRegistry(url); // the driver is loaded only when asked for (~0.07 s)
  try {
    return await f(registry);
  } catch (e) {
    throw registryStartError(e, redactUrl(url));
  } finally {
    await registry.close().catch(() => undefined);
  }
}

async function list(argv: string[]): Promise<number> {
  const args = parseCommandArgs('parley names list', argv, { data: { type: 'string' }, db: { type: 'string' }, json: { type: 'boolean' } }, 0);
  if (args.help) return writeStdout(LIST_HELP).then(() => EXIT_OK);
  const db = dbUrl(args);
  let records: NameRecord[];
  if (db !== undefined) {
    records = await withDb(db, (r) => r.list());
  } else {
    const dir = resolveDataDir(args.string('data'));
    try {
      records = SqliteNameRegistry.readFile(path.join(dir, NAMES_DB_FILE));
    } catch (e) {
      throw registryError(e, dir);
    }
    const state = serverOnDataDir(dir);
    if (state.running) {
      process.stderr.write(`parley: note: a Parley server${state.pid === undefined ? '' : ` (pid ${state.pid})`} is running on ${dir}; the list may change while you read it\n`);
    }
  }
  if (args.flag('json')) await writeStdout(records.map((r) => jsonLine({ name: r.name, fingerprint: r.fingerprint, createdAt: r.createdAt })).join(''));
  else await writeStdout(records.length === 0 ? 'no names registered\n' : table(records));
  return EXIT_OK;
}

function nameArg(args: Args): string {
  const name = args.positionals[0];
  if (name === undefined) throw usageError('missing NAME: the name to release', args.helpHint);
  if (!NAME_RE.test(name)) throw usageError(`invalid name ${quote(name)}: ${NAME_RULE}`, args.helpHint);
  return name;
}

async function release(argv: string[]): Promise<number> {
  const args = parseCommandArgs('parley names release', argv, { data: { type: 'string' }, db: { type: 'string' } }, 1);
  if (args.help) return writeStdout(RELEASE_HELP).then(() => EXIT_OK);
  const name = nameArg(args);
  const db = dbUrl(args);
  if (db !== undefined) {
    const released = await withDb(db, (r) => r.release(name));
    if (!released) throw failure(`no name ${name} is registered in ${redactUrl(db)}`, `'parley names list --db URL' shows the registered names`);
    return releasedLine(released);
  }
  const dir = resolveDataDir(args.string('data'));
  const file = path.join(dir, NAMES_DB_FILE);
  if (!existsSync(file)) throw registryError(new NameRegistryFileError('missing', `${file} does not exist`), dir);
  let lock: DataDirLock;
  try {
    lock = DataDirLock.acquire(dir, { waitMs: PROBE_WAIT_MS }); // held while the registry is open: no server starts meanwhile
  } catch (e) {
    if (e instanceof DataDirBusyError) {
      throw failure(`a Parley server${e.pid === undefined ? '' : ` (pid ${e.pid})`} is running on ${dir}; stop the server first`, 'then run this again');
    }
    throw failure(`cannot lock the data folder ${dir}: ${(e as Error).message}`, 'check its permissions');
  }
  let released: NameRecord | undefined;
  try {
    const registry = new SqliteNameRegistry(file, { mustExist: true }); // migrates an older file, as the server would
    try {
      released = registry.release(name);
    } finally {
      registry.close();
    }
  } catch (e) {
    throw registryError(e, dir);
  } finally {
    lock.release();
  }
  if (!released) throw failure(`no name ${name} is registered in ${dir}`, `'parley names list --data ${dir}' shows the registered names`);
  return releasedLine(released);
}

async function releasedLine(released: NameRecord): Promise<number> {
  await writeStdout(
    `released ${released.name} (key ${shown(released.fingerprint, FINGERPRINT_RE)}, claimed ${minute(released.createdAt)} UTC); ` +
      `anyone may claim it now, its old key too\n`,
  );
  return EXIT_OK;
}


const SUBCOMMANDS: Subcommand[] = [
  { name: 'list', help: LIST_HELP, run: list },
  { name: 'release', help: RELEASE_HELP, run: release },
];

/** The `parley names` command. */
export const namesCommand: Command = commandGroup({
  name: 'names',
  summary: "the server's name registry: list the names, release one (for a user who lost their key)",
  help: NAMES_HELP,
  subcommands: SUBCOMMANDS,
});
