/** `parley keygen`: generate an RSA key pair into FILE (private, PKCS#8) and FILE.pub (SPKI). */
import { unlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { fingerprint } from '../rsa/fingerprint.js';
import { privateKeyFromComponents, type RsaPrivateKey } from '../rsa/key.js';
import { KEY_SIZES } from '../rsa/keygen.js';
import { exportEncryptedPrivateKeyPem, exportPrivateKeyPem, exportPublicKeyPem } from '../rsa/keyfile.js';
import { parseCommandArgs, parseIntOption, type Command } from './args.js';
import { EXIT_OK, failure, usageError } from './errors.js';
import { exists, onInterrupt, readPassphraseFile, writeNewFile, writeStdout } from './io.js';
import type { KeygenWorkerMessage } from './keygen-worker.js';

/** Where `parley keygen` writes without --out: parley_rsa (and parley_rsa.pub) in the current directory. */
export const DEFAULT_KEY_FILE = 'parley_rsa';
const DEFAULT_BITS = 2048;

const HELP = `Usage: parley keygen [--bits N] [--out FILE] [--passphrase-file F] [--force]

Generates an RSA key pair (FIPS 186-5) and prints its fingerprint (SHA256:…) on stdout.

  FILE      the private key, PKCS#8 PEM, mode 0600; encrypted (PKCS#8 EncryptedPrivateKeyInfo,
            PBES2) when --passphrase-file is given
  FILE.pub  the public key, SPKI PEM ("BEGIN PUBLIC KEY"), mode 0644

Options:
  -b, --bits N              modulus size: 2048 (default), 3072 or 4096
  -o, --out FILE            where to write the private key (default: ./${DEFAULT_KEY_FILE})
  -p, --passphrase-file F   encrypt the private key with the first line of file F
  -f, --force               overwrite FILE and FILE.pub if they exist
  -h, --help                show this help

Progress is shown on stderr. Examples:
  parley keygen
  parley keygen --bits 3072 --out alice --passphrase-file alice.pass
`;

async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs(
    'parley keygen',
    argv,
    {
      bits: { type: 'string', short: 'b' },
      out: { type: 'string', short: 'o' },
      'passphrase-file': { type: 'string', short: 'p' },
      force: { type: 'boolean', short: 'f' },
    },
    0,
  );
  if (args.help) return writeStdout(HELP).then(() => EXIT_OK);

  const bitsArg = args.string('bits');
  const bits = bitsArg === undefined ? DEFAULT_BITS : parseIntOption(args, 'bits', bitsArg);
  if (bits < 2048)
    throw usageError(`refusing to generate a ${bits}-bit key: RSA keys below 2048 bits are too weak (FIPS 186-5)`, 'use --bits 2048, 3072 or 4096');
  if (!(KEY_SIZES as readonly number[]).includes(bits)) throw usageError(`unsupported key size ${bits}`, 'use --bits 2048, 3072 or 4096');

  const out = args.string('out') ?? DEFAULT_KEY_FILE;
  const pubOut = `${out}.pub`;
  const force = args.flag('force');
  // check everything that can fail before the (slow) generation
  if (!force) {
    for (const f of [out, pubOut])
      if (await exists(f)) throw failure(`${f} already exists`, 'use --force to overwrite it, or --out to choose another file');
  }
  const dir = path.dirname(path.resolve(out));
  const dirStat = await stat(dir).catch(() => undefined);
  if (!dirStat?.isDirectory()) throw failure(`cannot write ${out}: the directory ${dir} does not exist`, 'create it first, or choose another --out');
  const passFile = args.string('passphrase-file');
  const passphrase = passFile === undefined ? undefined : await readPassphraseFile(passFile);

  const key = await generateWithProgress(bits);
  const privPem = passphrase === undefined ? exportPrivateKeyPem(key, 'pkcs8') : await exportEncryptedPrivateKeyPem(key, passphrase);
  const pubPem = exportPublicKeyPem(key.publicKey, 'spki');

  // if interrupted between the two writes, remove what this run wrote
  const written: string[] = [];
  const stopCleanup = onInterrupt(() => {
    for (const f of written) {
      try {
        unlinkSync(f);
      } catch {
        // best effort
      }
    }
  });
  await writeNewFile(out, privPem, 0o600, force);
  written.push(out);
  await writeNewFile(pubOut, pubPem, 0o644, force);
  stopCleanup();

  process.stderr.write(
    `private key: ${out} (PKCS#8 PEM, mode 0600${passphrase === undefined ? ', not encrypted' : ', encrypted with the passphrase'})\n` +
      `public key:  ${pubOut} (SPKI PEM)\n`,
  );
  await writeStdout(`${fingerprint(key.publicKey)}\n`);
  return EXIT_OK;
}

const SPINNER = ['|', '/', '-', '\\'];

/**
 * Generates the key in a worker thread. On a terminal, stderr shows a spinner with the stage
 * and the number of prime candidates tested; elsewhere one line "generating N-bit RSA key…".
 */
export async function generateWithProgress(bits: number): Promise<RsaPrivateKey> {
  const tty = process.stderr.isTTY === true;
  const label = `generating ${bits}-bit RSA key…`;
  let status = '';
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const clearLine = (): void => {
    if (tty) process.stderr.write('\r\x1b[2K');
  };
  if (tty) {
    const draw = (): void => {
      const line = `${SPINNER[frame++ % SPINNER.length]} ${label}${status}`;
      // never wrap: a wrapped line could not be redrawn with \r
      process.stderr.write(`\r\x1b[2K${line.slice(0, Math.max(10, (process.stderr.columns || 80) - 1))}`);
    };
    draw();
    timer = setInterval(draw, 100);
  } else {
    process.stderr.write(`${label}\n`);
  }
  const stopCleanup = onInterrupt(clearLine);
  const worker = new Worker(new URL('./keygen-worker.js', import.meta.url), { workerData: { bits } });
  try {
    const comps = await new Promise<{ n: bigint; e: bigint; d: bigint; p: bigint; q: bigint }>((resolve, reject) => {
      worker.on('message', (m: KeygenWorkerMessage) => {
        if (m.type === 'progress')
          status = m.stage === 'check' ? ' checking the key' : ` searching for prime ${m.stage} (${m.tested} candidates tested)`;
        else if (m.type === 'done') resolve(m.key);
        else reject(m.code === 'RSA_KEY_TOO_SMALL' || m.code === 'RSA_UNSUPPORTED' ? usageError(m.message) : new Error(`key generation failed: ${m.message}`));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`key generation stopped unexpectedly (worker exit code ${code})`)));
    });
    // the key crossed a thread boundary as plain numbers: validate it again (cheap)
    return privateKeyFromComponents(comps);
  } finally {
    if (timer) clearInterval(timer);
    clearLine();
    stopCleanup();
    void worker.terminate();
  }
}

/** The `keygen` command. */
export const keygenCommand: Command = {
  name: 'keygen',
  summary: 'generate an RSA key pair (private PKCS#8 PEM + public SPKI PEM)',
  help: HELP,
  run,
};
