/**
 * `parley seal` and `parley open`: text of any length, encrypted for a public key with
 * AES-256-GCM under an RSA-OAEP-wrapped key, with an inner SHA-256 integrity check
 * (format in src/rsa/seal.ts).
 */
import { isRsaError } from '../rsa/errors.js';
import { armorSealed, dearmorSealed, openText, sealText } from '../rsa/seal.js';
import { parseCommandArgs, type Command } from './args.js';
import { EXIT_OK, failure } from './errors.js';
import { keyLimits, loadPrivateKey, loadPublicKey, MAX_KDF_ITERATIONS_OPTION, readInput, textForStdout, writeOutput, writeStdout } from './io.js';

const SEAL_HELP = `Usage: parley seal --to PUB [--in FILE] [--out FILE]

Encrypts UTF-8 text of any length for the holder of the private key of PUB, and writes it as
armored text ("-----BEGIN PARLEY SEALED MESSAGE-----", base64). Only that key can open it,
with 'parley open'. A fresh AES-256-GCM key encrypts the text together with its SHA-256 hash;
the AES key is wrapped with RSAES-OAEP-SHA-256 (RFC 8017 §7.1).

Options:
  -t, --to PUB      the recipient's public key (SPKI or PKCS#1, PEM or DER; a private key works too)
  -i, --in FILE     the text (default: stdin)
  -o, --out FILE    the sealed message (default: stdout)
  -h, --help        show this help

Example:
  echo 'meet at noon' | parley seal --to bob.pub > msg.txt
`;

const OPEN_HELP = `Usage: parley open --key PRIV [--in FILE] [--out FILE] [--passphrase-file F]
                   [--max-kdf-iterations N]

Decrypts a message made by 'parley seal' (armored text or the raw binary form) and prints the
text, after checking its SHA-256 hash. If the check fails nothing is printed and the exit code is 1.

Options:
  -k, --key PRIV            your private key (PKCS#8, encrypted PKCS#8 or PKCS#1, PEM or DER)
  -i, --in FILE             the sealed message (default: stdin)
  -o, --out FILE            the text (default: stdout; a file always gets mode 0600). On a
                            terminal, control characters are shown (ESC as ^[), not obeyed;
                            to a file or a pipe the text is written exactly
  -p, --passphrase-file F   the passphrase of an encrypted key: the first line of F
      --max-kdf-iterations N
                            open an encrypted key that asks for up to N PBKDF2 iterations
                            (default: a bound per hash of under a second of CPU, 2000000
                            for SHA-256; a hostile key file could ask for minutes)
  -h, --help                show this help

Example:
  parley open --key parley_rsa < msg.txt
`;

async function seal(argv: string[]): Promise<number> {
  const args = parseCommandArgs('parley seal', argv, {
    to: { type: 'string', short: 't' },
    in: { type: 'string', short: 'i' },
    out: { type: 'string', short: 'o' },
  });
  if (args.help) return writeStdout(SEAL_HELP).then(() => EXIT_OK);
  const pub = await loadPublicKey(args.required('to', 'PUB'), '--to');
  const input = await readInput(args.string('in'), 'the text to seal');
  let text: string;
  try {
    // byte for byte: keep a leading U+FEFF, refuse invalid UTF-8 rather than alter it
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input);
  } catch {
    throw failure('the input is not UTF-8 text', 'parley seal carries text; encode binary data first (e.g. with base64)');
  }
  await writeOutput(args.string('out'), armorSealed(await sealText(pub, text)));
  return EXIT_OK;
}

async function open(argv: string[]): Promise<number> {
  const args = parseCommandArgs('parley open', argv, {
    key: { type: 'string', short: 'k' },
    in: { type: 'string', short: 'i' },
    out: { type: 'string', short: 'o' },
    'passphrase-file': { type: 'string', short: 'p' },
    ...MAX_KDF_ITERATIONS_OPTION,
  });
  if (args.help) return writeStdout(OPEN_HELP).then(() => EXIT_OK);
  const keyFile = args.required('key', 'PRIV');
  const priv = await loadPrivateKey(keyFile, args.string('passphrase-file'), '--key', keyLimits(args));
  const input = await readInput(args.string('in'), 'the sealed message');
  let text: string;
  try {
    ({ text } = await openText(priv, dearmorSealed(input)));
  } catch (e) {
    if (isRsaError(e, 'RSA_INVALID_FORMAT')) {
      if (/UTF-8/.test(e.message))
        throw failure('the message opened and passed its integrity check, but it is not UTF-8 text', 'it was not made by parley seal', e);
      throw failure(`the input is not a Parley sealed message (${e.message.replace(/^not a Parley sealed message:?\s*/, '')})`, "give the armored text or the binary output of 'parley seal'", e);
    }
    if (isRsaError(e, 'RSA_DECRYPTION_FAILED'))
      throw failure(
        `cannot open this message with ${keyFile}: it was sealed for another key, or it was altered or truncated`,
        'check --key, or ask the sender to seal it again for your public key',
        e,
      );
    if (isRsaError(e, 'RSA_INTEGRITY'))
      throw failure(
        '!!! INTEGRITY CHECK FAILED !!! the decrypted text does not match the SHA-256 hash sealed with it; the text was NOT shown',
        'do not trust this message: the sender\'s software is faulty or the message was forged',
        e,
      );
    throw e;
  }
  const out = args.string('out');
  if (out !== undefined && out !== '-') await writeOutput(out, text, { secret: true });
  else {
    // anyone can seal a message for you: on a terminal its control characters are shown, not obeyed
    const shown = textForStdout(text);
    await writeStdout(shown.text);
    if (shown.changed) process.stderr.write('parley: the text has control characters, shown as ^X or \\u{…}; redirect stdout or use --out for the exact text\n');
  }
  return EXIT_OK;
}

/** The `seal` command. */
export const sealCommand: Command = {
  name: 'seal',
  summary: 'encrypt text of any length for a public key (armored output)',
  help: SEAL_HELP,
  run: seal,
};

/** The `open` command. */
export const openCommand: Command = {
  name: 'open',
  summary: 'decrypt and integrity-check a sealed message with your private key',
  help: OPEN_HELP,
  run: open,
};
