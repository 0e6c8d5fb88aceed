/**
 * `parley server`: run a chat server. One node on its own: its RSA key is made on first start and
 * kept in the data folder (or --key FILE), names in SQLite there. A cluster node (--redis, --db):
 * its key from --key FILE, names in PostgreSQL, no data folder.
 */
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { fingerprint } from '../rsa/fingerprint.js';
import { ChatOptionsError, resolveOptions, type ChatOptions } from '../chat/options.js';
import { ParleyServer } from '../server/server.js';
import { createWebHandler } from '../server/web.js';
import { streamLogger, type LogLevel } from '../server/log.js';
import type { TransportOptions } from '../server/options.js';
import { TrustedProxies } from '../server/source.js';
import { parseCommandArgs, parseIntOption, type Args, type Command, type OptionSpec } from './args.js';
import { EXIT_OK, failure, usageError } from './errors.js';
import { ClusterError } from '../cluster/bus.js';
import { handleSignalsGracefully, keyLimits, MAX_KDF_ITERATIONS_OPTION, writeStdout } from './io.js';
import { listenError } from './listen-error.js';
import { clusterFlags, redactUrl } from './cluster-flags.js';
import { clusterNode, singleNode } from './server-node.js';
import { DEFAULT_DATA_DIR } from './data-dir.js';

export { DEFAULT_DATA_DIR };

const HELP = `Usage: parley server [--host HOST] [--port PORT] [--data DIR] [--tls-cert FILE --tls-key FILE]
                     [--key FILE] [--key-passphrase-file F] [--max-kdf-iterations N]
                     [--redis URL --db URL [--node-id ID]] [--max-connections N]
                     [--max-per-source N] [--handshake-rate N] [--trust-proxy ADDR,…]
                     [--max-message-length N] [--rate N] [--max-names-per-key N] [--quiet | --verbose]

Runs a Parley chat server. On first start it generates the server's RSA key (2048 bits) in the
data folder and keeps it (server_key, mode 0600); users pin its fingerprint on first contact.
It refuses to start when group or others can read or change server_key (run chmod 600 on it).
The same port serves the browser client: open http://HOST:PORT/ (https:// with TLS).

Options:
  --host HOST               address to listen on (default 127.0.0.1)
  --port PORT               port to listen on (default 8765; 0 picks a free one)
  --data DIR                data folder: key and the name registry (default $PARLEY_DATA or ${DEFAULT_DATA_DIR})
  --tls-cert FILE           serve https:// and wss:// with this certificate chain (PEM)
  --tls-key FILE            the certificate's private key (PEM); both or neither
  --key FILE                the server's key from FILE instead of DATA/server_key: never made
                            there (make it once with 'parley keygen --out FILE' and copy it, mode
                            0600, to every node of a cluster, so that clients' pins hold on each)
  --key-passphrase-file F   the server key is encrypted (PBES2, as 'parley keygen --passphrase-file'
                            writes) with the first line of F; on first start it is written so
  --max-kdf-iterations N    open a server_key that asks for up to N PBKDF2 iterations (default:
                            a bound per hash of under a second of CPU, 2000000 for SHA-256)
  --redis URL               join a cluster: redis://HOST:PORT carries what happens between the
                            nodes (default $PARLEY_REDIS); needs --db and --key too
  --db URL                  the cluster's name registry in PostgreSQL, postgres://USER@HOST:PORT/DB
                            (default $PARLEY_DB); the server refuses to start if it is unreachable
  --node-id ID              this node's name in logs: 1–64 of A–Z a–z 0–9 _ - (default: random)
  --max-connections N       refuse connections beyond N (default 2000)
  --max-per-source N        refuse one client address's connections beyond N (default 256;
                            an IPv6 client counts by its /64)
  --handshake-rate N        new connections per second per client address, bursts of 5×N
                            (default 4); beyond it the upgrade gets HTTP 429 and Retry-After
  --trust-proxy ADDR,…      reverse proxies (addresses or CIDR prefixes) whose X-Forwarded-For
                            header names the client; ignored from anyone else (default: none)
  --max-message-length N    longest message text in characters (default 4000)
  --rate N                  messages per second per user (default 5, bursts of 10)
  --max-names-per-key N     names one key may hold (default 1); a new name beyond them is
                            refused with name_limit
  -q, --quiet               log only warnings
  -v, --verbose             log handshake details too
  -h, --help                show this help

Messages are end-to-end encrypted: the server relays them without being able to read them.
The log has one line per connect, disconnect and refusal, never message content.
One server per data folder: a second one on the same folder is refused. 'parley names' lists
and releases the names of the registry.
A cluster node (--redis and --db, both or neither) keeps nothing in a data folder: its names are
in PostgreSQL and its key is --key, so --data is refused with them. Every node gets the same
--key file and the same --redis and --db; clients give several --server URLs and move to
another node when theirs stops (docs/DEPLOY.md).
Ctrl+C or SIGTERM closes every connection with a notice and exits.
`;

/** The options of `parley server` (each is in HELP's usage line and its list: test/cli/help.test.ts). */
export const SERVER_OPTIONS: Record<string, OptionSpec> = {
  host: { type: 'string' },
  port: { type: 'string' },
  data: { type: 'string' },
  'max-connections': { type: 'string' },
  'max-per-source': { type: 'string' },
  'handshake-rate': { type: 'string' },
  'trust-proxy': { type: 'string' },
  'max-message-length': { type: 'string' },
  'max-names-per-key': { type: 'string' },
  rate: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  key: { type: 'string' },
  'key-passphrase-file': { type: 'string' },
  redis: { type: 'string' },
  db: { type: 'string' },
  'node-id': { type: 'string' },
  ...MAX_KDF_ITERATIONS_OPTION,
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', short: 'v' },
};

/** Reads --tls-cert and --tls-key (both or neither) and checks that they make a usable TLS context. */
async function readTls(certFile: string | undefined, keyFile: string | undefined, hint: string): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) throw usageError('--tls-cert and --tls-key go together: give both or neither', hint);
  const read = async (file: string, flag: string) => {
    try {
      return await readFile(file);
    } catch (e) {
      throw failure(`cannot read ${flag} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, `check the path given to ${flag}`);
    }
  };
  const cert = await read(certFile, '--tls-cert');
  const key = await read(keyFile, '--tls-key');
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    throw failure(`the TLS certificate and key are not usable: ${(e as Error).message}`, 'give a PEM certificate chain and its matching PEM private key');
  }
  return { cert, key };
}

/** --max-per-source, --handshake-rate and --trust-proxy as transport options. Throws a usage error for a bad value. */
function transportFlags(args: Args, num: (name: string) => number | undefined): Partial<TransportOptions> {
  const positive = (name: string) => {
    const v = num(name);
    if (v === 0) throw usageError(`--${name} must be at least 1`, args.helpHint);
    return v;
  };
  const perSource = positive('max-per-source');
  const rate = positive('handshake-rate');
  const proxies = args.string('trust-proxy')?.split(',').map((p) => p.trim()).filter(Boolean);
  if (proxies) {
    try {
      new TrustedProxies(proxies);
    } catch (e) {
      throw usageError(`--trust-proxy: ${(e as Error).message}`, args.helpHint);
    }
  }
  return {
    ...(perSource !== undefined && { maxConnectionsPerSource: perSource }),
    ...(rate !== undefined && { handshakesPerSecondPerSource: rate, handshakeBurstPerSource: 5 * rate }),
    ...(proxies && { trustedProxies: proxies }),
  };
}

async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs('parley server', argv, SERVER_OPTIONS, 0);
  if (args.help) return writeStdout(HELP).then(() => EXIT_OK);
  if (args.flag('quiet') && args.flag('verbose')) throw usageError('--quiet and --verbose exclude each other', args.helpHint);
  const level: LogLevel = args.flag('quiet') ? 'quiet' : args.flag('verbose') ? 'verbose' : 'normal';
  const host = args.string('host') ?? '127.0.0.1';
  const portArg = args.string('port');
  const port = portArg === undefined ? 8765 : parseIntOption(args, 'port', portArg);
  if (port > 65535) throw usageError(`--port must be at most 65535, got ${port}`, args.helpHint);
  const num = (name: string) => {
    const v = args.string(name);
    return v === undefined ? undefined : parseIntOption(args, name, v);
  };
  const maxConnections = num('max-connections');
  const maxMessageLength = num('max-message-length');
  const rate = num('rate');
  const maxNamesPerKey = num('max-names-per-key');
  const transport = transportFlags(args, num);
  const chat: Partial<ChatOptions> = {
    ...(maxMessageLength !== undefined && { maxMessageLength }),
    ...(rate !== undefined && { messagesPerSecond: rate }),
    ...(maxConnections !== undefined && { maxConnections }),
    ...(maxNamesPerKey !== undefined && { maxNamesPerKey }),
  };
  checkChatFlags(chat, args.helpHint);

  const tls = await readTls(args.string('tls-cert'), args.string('tls-key'), args.helpHint);

  const cluster = clusterFlags(args);
  const keyFile = args.string('key');
  if (cluster && keyFile === undefined) {
    throw usageError('a cluster node needs --key FILE: every node must present the same server key, or clients refuse the others', "make one with 'parley keygen --out FILE' and give it to every node with --key FILE");
  }
  if (cluster && args.string('data') !== undefined) {
    throw usageError('--data is not used by a cluster node (its names are in PostgreSQL, its key is --key FILE)', 'leave --data out, or leave --redis and --db out to run one server on its own data folder');
  }
  const passphraseFile = args.string('key-passphrase-file');
  const keyOpts = { ...keyLimits(args), ...(passphraseFile !== undefined && { passphraseFile }) };
  const log = streamLogger(level);
  const node = cluster ? await clusterNode(cluster, keyFile!, keyOpts, log) : await singleNode(args.string('data'), keyFile, keyOpts);
  const { key, names } = node;
  let server: ParleyServer;
  try {
    server = new ParleyServer({
      host,
      port,
      identity: key,
      names,
      ...(node.bus && { cluster: node.bus }),
      log,
      httpHandler: createWebHandler(),
      ...(tls && { tls }),
      chat,
      transport: { ...(maxConnections !== undefined && { maxConnections }), ...transport },
    });
  } catch (e) {
    await node.close(); // the registry's pool would keep the process alive
    throw e;
  }
  let addr;
  try {
    addr = await server.listen();
  } catch (e) {
    await node.close();
    throw e instanceof ClusterError ? failure(`cannot join the cluster: ${e.message} (${e.code})`, 'check --redis or PARLEY_REDIS: is Redis running there?', e) : listenError(e, host, port);
  }
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const [wsScheme, webScheme] = tls ? ['wss', 'https'] : ['ws', 'http'];
  await writeStdout(
    `parley server listening on ${wsScheme}://${shown}:${addr.port}\n` +
      `web client: ${webScheme}://${shown}:${addr.port}/\n` +
      `server key fingerprint: ${fingerprint(key)}\n` +
      (cluster ? `cluster node ${cluster.nodeId}: Redis ${redactUrl(cluster.redisUrl)}, names in ${redactUrl(cluster.dbUrl)}\n` : ''),
  );

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`${sig}: closing every connection`);
      // the server stops the bus; the registry (and the data folder's lock) go after it
      void server
        .close('the server is shutting down')
        .then(() => node.close())
        .then(resolve, (e: unknown) => {
          log.warn(`while shutting down: ${(e as Error).message}`);
          resolve();
        });
    };
    handleSignalsGracefully(stop);
  });
  return EXIT_OK;
}

/** The `parley server` command. */
export const serverCommand: Command = { name: 'server', summary: 'run a chat server', help: HELP, run };

/** The flag of each chat option the command line sets. */
const CHAT_FLAGS: Partial<Record<keyof ChatOptions, string>> = {
  maxMessageLength: '--max-message-length',
  messagesPerSecond: '--rate',
  maxConnections: '--max-connections',
  maxNamesPerKey: '--max-names-per-key',
};

/** Refuses a chat flag outside its range with a usage error naming the flag, before any key is read or made. */
function checkChatFlags(chat: Partial<ChatOptions>, helpHint: string): void {
  try {
    resolveOptions(chat);
  } catch (e) {
    if (!(e instanceof ChatOptionsError)) throw e;
    const flag = CHAT_FLAGS[e.option as keyof ChatOptions] ?? e.option;
    throw usageError(`${flag}: ${e.message.replace(/^invalid chat option \S+: /, '')}`, helpHint);
  }
}
