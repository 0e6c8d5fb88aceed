/**
 * `parley pins list|forget`: the server keys `parley chat` has pinned in known_hosts of the
 * identity folder (src/client/pins.ts). `forget` is how a user accepts a server's new key after
 * checking it with the operator, instead of editing known_hosts by hand.
 */
import { resolveHome } from '../client/home.js';
import { forgetPin, knownHostsPath, readPins, serverId, type Pin } from '../client/pins.js';
import { quote } from '../chat/validate.js';
import { commandGroup, type Subcommand } from './command-group.js';
import { parseCommandArgs, type Args, type Command } from './args.js';
import { EXIT_OK, failure, usageError } from './errors.js';
import { writeStdout } from './io.js';

const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}$/;
const HOME_HELP = `  --home DIR    the identity folder (default $PARLEY_HOME or ~/.parley)`;

const LIST_HELP = `Usage: parley pins list [--home DIR] [--json]

Lists the servers whose key parley chat has pinned: each server (host:port, as known_hosts
spells it), the fingerprint of its key, and the line of known_hosts. Writes nothing.

Options:
${HOME_HELP}
  --json        one JSON object per line: {"server", "fingerprint", "line"}
  -h, --help    show this help
`;

const FORGET_HELP = `Usage: parley pins forget SERVER [--home DIR]

Forgets the pinned key of SERVER, so that the next connection pins the key the server presents.
Do it only when you know why the key changed: check the new fingerprint with the server's
operator through another channel first. SERVER is what you gave to --server (ws://HOST:PORT,
wss://HOST:PORT) or host:port as 'parley pins list' shows it. Says which keys it removed;
exit 1 when no key is pinned for SERVER.

Options:
${HOME_HELP}
  -h, --help    show this help
`;

const PINS_HELP = `Usage: parley pins <command> [options]

The server keys pinned by parley chat (known_hosts in your identity folder). On first contact
with a server, parley chat remembers its key's fingerprint; it refuses to connect if the key
ever changes, until you forget the old one.

Commands:
  list      list the pinned servers and their key fingerprints
  forget    forget a server's pinned key (after checking its new key with the operator)

Run 'parley pins <command> --help' for the options of a command.
`;

/** A field from known_hosts (which a person may have edited): shown as it is only when it is what it should be. */
function shown(s: string, ok: boolean): string {
  return ok ? s : quote(s);
}

/** JSON for a terminal or a pipe: C1 controls and bidi overrides escaped too (JSON.stringify leaves them). */
function jsonLine(v: unknown): string {
  return JSON.stringify(v).replace(/[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '\n';
}

function table(pins: Pin[], file: string): string {
  const rows = pins.map((p) => [p.server, shown(p.fingerprint, FINGERPRINT_RE.test(p.fingerprint)), String(p.line)]);
  const head = ['SERVER', 'FINGERPRINT', 'LINE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ') + '\n';
  return line(head) + rows.map(line).join('') + `${pins.length} pinned key${pins.length === 1 ? '' : 's'} in ${file}\n`;
}

async function list(argv: string[]): Promise<number> {
  const args = parseCommandArgs('parley pins list', argv, { home: { type: 'string' }, json: { type: 'boolean' } }, 0);
  if (args.help) return writeStdout(LIST_HELP).then(() => EXIT_OK);
  const home = resolveHome(args.string('home'));
  const file = knownHostsPath(home);
  const pins = readPins(home);
  if (args.flag('json')) await writeStdout(pins.map((p) => jsonLine({ server: p.server, fingerprint: p.fingerprint, line: p.line })).join(''));
  else await writeStdout(pins.length === 0 ? `no server keys are pinned (in ${file})\n` : table(pins, file));
  return EXIT_OK;
}

/** The SERVER argument, as known_hosts spells it. */
function serverArg(args: Args): { typed: string; id: string } {
  const typed = args.positionals[0];
  if (typed === undefined) throw usageError('missing SERVER: the server whose key to forget (as given to --server)', args.helpHint);
  try {
    return { typed, id: serverId(typed) };
  } catch {
    throw usageError(`${quote(typed)} is not a server address`, 'give it as for --server (ws://HOST:PORT or wss://HOST:PORT), or host:port as \'parley pins list\' shows it');
  }
}

async function forget(argv: string[]): Promise<number> {
  const args = parseCommandArgs('parley pins forget', argv, { home: { type: 'string' } }, 1);
  if (args.help) return writeStdout(FORGET_HELP).then(() => EXIT_OK);
  const { typed, id } = serverArg(args);
  const homeFlag = args.string('home');
  const home = resolveHome(homeFlag);
  const file = knownHostsPath(home);
  const gone = forgetPin(home, typed);
  if (gone.length === 0) {
    // `localhost` for `localhost:8765`: name the pins the user may have meant
    const near = readPins(home).filter((p) => p.server.startsWith(`${id}:`) || p.server.startsWith(`${id}/`)).map((p) => p.server);
    const listCmd = `parley pins list${homeFlag === undefined ? '' : ` --home ${home}`}`;
    throw failure(
      `no key is pinned for ${id} in ${file}; nothing was changed`,
      near.length > 0 ? `did you mean ${[...new Set(near)].join(' or ')}? '${listCmd}' shows the pinned servers` : `'${listCmd}' shows the pinned servers`,
    );
  }
  const keys = gone.map((p) => `${shown(p.fingerprint, FINGERPRINT_RE.test(p.fingerprint))} (line ${p.line})`).join(', ');
  await writeStdout(
    `forgot the pinned key${gone.length === 1 ? '' : 's'} of ${id}: ${keys}, removed from ${file}\n` +
      `the next connection to ${id} pins the key the server presents: compare its fingerprint with the one the operator gave you\n`,
  );
  return EXIT_OK;
}


const SUBCOMMANDS: Subcommand[] = [
  { name: 'list', help: LIST_HELP, run: list },
  { name: 'forget', help: FORGET_HELP, run: forget },
];

/** The `parley pins` command. */
export const pinsCommand: Command = commandGroup({
  name: 'pins',
  summary: "the server keys parley chat pinned: list them, forget one (after a server's key change)",
  help: PINS_HELP,
  subcommands: SUBCOMMANDS,
});
