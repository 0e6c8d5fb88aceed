/** `parley fingerprint KEYFILE`: the SHA-256 fingerprint of a key's SubjectPublicKeyInfo. */
import { fingerprint } from '../rsa/fingerprint.js';
import { parseCommandArgs, type Command } from './args.js';
import { EXIT_OK, usageError } from './errors.js';
import { keyLimits, loadAnyKeyAsPublic, MAX_KDF_ITERATIONS_OPTION, writeStdout } from './io.js';

const HELP = `Usage: parley fingerprint KEYFILE [--passphrase-file F] [--max-kdf-iterations N]

Prints the fingerprint of a key, "SHA256:" and the unpadded base64 of the SHA-256 of its
public key's DER SubjectPublicKeyInfo (the same number for the private and public halves):
  openssl pkey -pubin -in KEYFILE -outform DER | openssl dgst -sha256 -binary | base64

KEYFILE is a public or private key, PEM or DER: SPKI, PKCS#1 or PKCS#8.

Options:
  -p, --passphrase-file F   the passphrase of an encrypted private key: the first line of F
      --max-kdf-iterations N
                            open an encrypted key that asks for up to N PBKDF2 iterations
                            (default: a bound per hash of under a second of CPU, 2000000
                            for SHA-256; a hostile key file could ask for minutes)
  -h, --help                show this help
`;

async function run(argv: string[]): Promise<number> {
  const args = parseCommandArgs('parley fingerprint', argv, { 'passphrase-file': { type: 'string', short: 'p' }, ...MAX_KDF_ITERATIONS_OPTION }, 1);
  if (args.help) return writeStdout(HELP).then(() => EXIT_OK);
  const file = args.positionals[0];
  if (file === undefined) throw usageError('missing KEYFILE', args.helpHint);
  const pub = await loadAnyKeyAsPublic(file, args.string('passphrase-file'), keyLimits(args));
  await writeStdout(`${fingerprint(pub)}\n`);
  return EXIT_OK;
}

/** The `fingerprint` command. */
export const fingerprintCommand: Command = {
  name: 'fingerprint',
  summary: 'print the SHA256 fingerprint of a public or private key file',
  help: HELP,
  run,
};
