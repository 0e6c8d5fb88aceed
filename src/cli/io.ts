/**
 * Input, output and key files for the CLI: stdin/stdout or files, passphrase files, and key
 * loading that turns every key problem into a one-line CliError.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { isRsaError, type RsaError } from '../rsa/errors.js';
import { toPublicKey, type RsaPrivateKey, type RsaPublicKey } from '../rsa/key.js';
import { importPrivateKey, importPublicKey } from '../rsa/keyfile.js';
import { sanitize } from '../client/text.js';
import type { Args, OptionSpec } from './args.js';
import { failure, fileError, usageError } from './errors.js';
import { replaceFile, writeError } from './write-file.js';

export { dispatchGracefulSignal, handleSignalsGracefully, onInterrupt, runInterruptCleanups } from './interrupt.js';
export { exists, replaceFile, writeError, writeNewFile } from './write-file.js';

/** Key files larger than this are refused unread (a 16384-bit PKCS#8 PEM is ~13 KB). */
const MAX_KEY_FILE = 1 << 20;

// ---------------------------------------------------------------------------------------------
// Reading

/** Reads a whole file, turning file-system errors into CliErrors naming `option`. */
export async function readFileChecked(file: string, option?: string, maxBytes?: number): Promise<Uint8Array> {
  try {
    if (maxBytes !== undefined) {
      const st = await stat(file);
      if (st.isFile() && st.size > maxBytes)
        throw failure(`${file} is too large (${st.size} bytes) to be a key file`, option ? `check the path given to ${option}` : undefined);
    }
    const b = await readFile(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw fileError(e, file, option);
  }
}

/** Reads all of stdin. On a terminal, first tells the user how to end the input. */
export async function readStdin(what = 'input'): Promise<Uint8Array> {
  if (process.stdin.isTTY) process.stderr.write(`(reading ${what} from the terminal; end it with Ctrl+D on a new line)\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  const b = Buffer.concat(chunks);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads `--in FILE`, or stdin when the option is absent or "-". */
export async function readInput(file: string | undefined, what = 'input'): Promise<Uint8Array> {
  return file === undefined || file === '-' ? readStdin(what) : readFileChecked(file, '--in');
}

/**
 * Reads a passphrase file: its first line, without the line ending. An empty first line is an
 * error (an empty passphrase protects nothing).
 */
export async function readPassphraseFile(file: string, option = '--passphrase-file'): Promise<string> {
  const raw = new TextDecoder('utf-8', { ignoreBOM: false }).decode(await readFileChecked(file, option, MAX_KEY_FILE));
  const line = raw.split(/\r?\n/, 1)[0] ?? '';
  if (line === '') throw failure(`the passphrase file ${file} is empty`, 'put the passphrase on its first line');
  return line;
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * Refuses binary output to a terminal before any work is done: ciphertexts, signatures and
 * decrypted bytes are raw bytes (and decrypted bytes may be anyone's escape sequences). A usage
 * error suggesting --out or a redirection.
 */
export function assertBinaryOutputOk(out: string | undefined, command: string): void {
  if ((out === undefined || out === '-') && process.stdout.isTTY)
    throw usageError(`${command} writes binary data and stdout is a terminal`, 'use --out FILE or redirect stdout to a file');
}

/**
 * Decrypted text for stdout: exact when stdout is a file or a pipe; on a terminal, every
 * control character made visible (ESC as `^[`, CR as `⏎`, bidirectional controls as `\u{…}`,
 * src/client/text.ts) while line breaks and tabs are kept, so that a message anyone could have sealed for
 * you cannot retitle, clear or redraw your terminal. `changed` says whether anything was altered.
 */
export function textForStdout(text: string, isTerminal = process.stdout.isTTY === true): { text: string; changed: boolean } {
  if (!isTerminal) return { text, changed: false };
  const lines = text.replace(/\r\n/g, '\n');
  const safe = lines
    .split('\n')
    .map((line) => line.split('\t').map(sanitize).join('\t'))
    .join('\n');
  return { text: safe, changed: safe !== lines };
}

/** Exits quietly when the reader of stdout went away (`parley … | head`). */
export function isEpipe(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

/** Writes to stdout and waits until the data is handed to the OS. */
export function writeStdout(data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (err) => {
      if (!err) resolve();
      else if (isEpipe(err)) process.exit(0);
      else reject(err);
    });
  });
}

/**
 * Writes `--out FILE`, or stdout when the option is absent or "-". An existing file is replaced
 * atomically (replaceFile); `secret` output (decrypted data) always ends up with mode 0600, even
 * over an existing file that others could read.
 */
export async function writeOutput(file: string | undefined, data: Uint8Array | string, opts: { secret?: boolean } = {}): Promise<void> {
  if (file === undefined || file === '-') return writeStdout(data);
  if (opts.secret) return replaceFile(file, data, 0o600, '--out');
  try {
    await writeFile(file, data, { mode: 0o666 });
  } catch (e) {
    throw writeError(e, file, '--out');
  }
}

// ---------------------------------------------------------------------------------------------
// Keys

const KEY_FORMATS = 'PEM or DER: PKCS#1, PKCS#8 or SPKI';

function isEncryptedPem(data: Uint8Array): boolean {
  return new TextDecoder().decode(data.subarray(0, 4096)).includes('-----BEGIN ENCRYPTED PRIVATE KEY-----');
}

/** Bounds on the work of opening a key file that a command's options may raise. */
export interface KeyLimits {
  /** Most PBKDF2 iterations of an encrypted key (default: the RSA module's bound per PRF). */
  maxKdfIterations?: number;
  /** The option that gives the passphrase file, for messages (default --passphrase-file). */
  passphraseOption?: string;
}

/** The option spec of --max-kdf-iterations, for the commands that open encrypted keys. */
export const MAX_KDF_ITERATIONS_OPTION: Record<string, OptionSpec> = { 'max-kdf-iterations': { type: 'string' } };

/** --max-kdf-iterations N (a positive whole number) as KeyLimits; a usage error otherwise. */
export function keyLimits(args: Args): KeyLimits {
  const v = args.string('max-kdf-iterations');
  if (v === undefined) return {};
  if (!/^[1-9][0-9]{0,14}$/.test(v)) throw usageError(`--max-kdf-iterations must be a positive whole number, got '${v}'`, args.helpHint);
  return { maxKdfIterations: Number(v) };
}

/** A CliError for a key over one of the RSA module's bounds (RSA_LIMIT_EXCEEDED), saying what to do. */
function limitError(e: RsaError, file: string): unknown {
  const { option, value, max } = e.limit ?? { option: undefined, value: 0, max: 0 };
  switch (option) {
    case 'maxKdfIterations':
      return failure(
        `${file} asks for ${value} PBKDF2 iterations, more than the limit of ${max} (a bound on the CPU time a hostile key file can take)`,
        `if you trust this file, run again with --max-kdf-iterations ${value}`,
        e,
      );
    case 'maxExponentBits':
      return failure(
        `${file}: its public exponent has ${value} bits, more than the limit of ${max} (FIPS 186-5 requires e < 2^256; a larger e makes every operation slow)`,
        'use a key with a standard public exponent such as 65537',
        e,
      );
    case 'maxBits':
      return failure(`${file}: a ${value}-bit RSA key is over the limit of ${max} bits (a bound on the CPU time one key can take)`, `use a key of at most ${max} bits`, e);
    default:
      return failure(`${file}: ${e.message}`, undefined, e);
  }
}

/** A CliError for a key that does not import, by RsaError code. */
function keyError(e: unknown, file: string, option: string): unknown {
  if (!isRsaError(e)) return e;
  switch (e.code) {
    case 'RSA_LIMIT_EXCEEDED':
      return limitError(e, file);
    case 'RSA_KEY_TOO_SMALL':
      return failure(`${file}: ${e.message}`, 'generate a new key with `parley keygen` (2048 bits or more)', e);
    case 'RSA_INVALID_KEY':
      return failure(`${file} is not a valid RSA key: ${e.message}`, 'the key file is damaged; use another key', e);
    case 'RSA_UNSUPPORTED':
      return failure(`${file}: ${e.message}`, `${option} needs an RSA key (${KEY_FORMATS})`, e);
    case 'RSA_INVALID_FORMAT':
    case 'RSA_INPUT_OUT_OF_RANGE':
    case 'RSA_INVALID_ARGUMENT':
      return failure(`${file} is not a readable RSA key (${e.message})`, `${option} needs an RSA key file, ${KEY_FORMATS}`, e);
    default:
      return failure(`${file}: ${e.message}`, `check the key given to ${option}`, e);
  }
}

/**
 * Loads a public key from a file: SPKI or PKCS#1 public key, or the public half of an
 * unencrypted private key, PEM or DER. An encrypted private key gets a hint to use the .pub file.
 */
export async function loadPublicKey(file: string, option = '--key'): Promise<RsaPublicKey> {
  const data = await readFileChecked(file, option, MAX_KEY_FILE);
  if (isEncryptedPem(data))
    throw failure(`${file} is an encrypted private key, and ${option} needs a public key here`, `give the public key file instead (e.g. ${file}.pub)`);
  try {
    return importPublicKey(data);
  } catch (e) {
    if (isRsaError(e, 'RSA_BAD_PASSPHRASE'))
      throw failure(`${file} is an encrypted private key, and ${option} needs a public key here`, `give the public key file instead (e.g. ${file}.pub)`);
    throw keyError(e, file, option);
  }
}

/**
 * Loads a private key: PKCS#8 (encrypted or not) or PKCS#1, PEM or DER; the passphrase is the
 * first line of `passphraseFile`. A missing or wrong passphrase, a public key given where a
 * private one is needed, and a file over a bound of `limits` each get their own message.
 */
export async function loadPrivateKey(file: string, passphraseFile: string | undefined, option = '--key', limits: KeyLimits = {}): Promise<RsaPrivateKey> {
  const passOption = limits.passphraseOption ?? '--passphrase-file';
  const passphrase = passphraseFile === undefined ? undefined : await readPassphraseFile(passphraseFile, passOption);
  const data = await readFileChecked(file, option, MAX_KEY_FILE);
  try {
    return await importPrivateKey(data, {
      ...(limits.maxKdfIterations !== undefined && { maxKdfIterations: limits.maxKdfIterations }),
      ...(passphrase !== undefined && { passphrase }),
    });
  } catch (e) {
    if (isRsaError(e, 'RSA_BAD_PASSPHRASE')) {
      if (passphrase === undefined)
        throw failure(`${file} is encrypted with a passphrase`, `give it with ${passOption} FILE (the passphrase is the first line of FILE)`, e);
      throw failure(`wrong passphrase for ${file}`, `check ${passphraseFile}: the passphrase is its first line`, e);
    }
    if (isRsaError(e, 'RSA_INVALID_FORMAT') || isRsaError(e, 'RSA_UNSUPPORTED')) {
      // a public key where a private one is needed deserves its own message
      let isPublic = false;
      try {
        importPublicKey(data);
        isPublic = true;
      } catch {
        // not a public key either
      }
      if (isPublic) throw failure(`${file} is a public key, and ${option} needs a private key here`, 'give the private key file (without .pub)', e);
    }
    throw keyError(e, file, option);
  }
}

/**
 * Loads any key file as a public key for fingerprinting: a public key, an unencrypted private
 * key, or an encrypted private key when `passphraseFile` is given (within `limits`).
 */
export async function loadAnyKeyAsPublic(file: string, passphraseFile: string | undefined, limits: KeyLimits = {}): Promise<RsaPublicKey> {
  const data = await readFileChecked(file, 'KEYFILE', MAX_KEY_FILE);
  if (passphraseFile !== undefined || isEncryptedPem(data)) {
    try {
      return importPublicKey(data);
    } catch {
      return toPublicKey(await loadPrivateKey(file, passphraseFile, 'KEYFILE', limits));
    }
  }
  try {
    return importPublicKey(data);
  } catch (e) {
    if (isRsaError(e, 'RSA_BAD_PASSPHRASE'))
      throw failure(`${file} is encrypted with a passphrase`, 'give it with --passphrase-file FILE, or fingerprint the public key file', e);
    throw keyError(e, file, 'KEYFILE');
  }
}
