/**
 * `parley rsa encrypt|decrypt|sign|verify`: the raw RSA operations on bytes, interoperable with
 * OpenSSL's pkeyutl and dgst:
 *   encrypt/decrypt  RSAES-OAEP (RFC 8017 §7.1), SHA-256, MGF1-SHA-256, empty label
 *   sign/verify      RSASSA-PSS (RFC 8017 §8.1), SHA-256, MGF1-SHA-256, salt 32 bytes
 *                    (verify recovers any salt length, so OpenSSL's max-salt default verifies)
 */
import { isRsaError } from '../rsa/errors.js';
import { oaepDecrypt, oaepEncrypt, oaepMaxMessageLength } from '../rsa/oaep.js';
import { pssSign, pssVerify } from '../rsa/pss.js';
import { commandGroup, type Subcommand } from './command-group.js';
import { parseCommandArgs, type Command } from './args.js';
import { EXIT_FAILURE, EXIT_OK, failure } from './errors.js';
import {
  assertBinaryOutputOk, keyLimits, loadPrivateKey, loadPublicKey, MAX_KDF_ITERATIONS_OPTION, readFileChecked, readInput, writeOutput, writeStdout,
} from './io.js';

const OAEP = { hash: 'SHA-256', mgfHash: 'SHA-256' } as const;
const PSS_SALT = 32;


const ENCRYPT_HELP = `Usage: parley rsa encrypt --key PUB [--in FILE] [--out FILE]

Encrypts a short message with RSAES-OAEP (RFC 8017 §7.1): SHA-256, MGF1-SHA-256, empty label.
The ciphertext is raw bytes, as long as the key's modulus (256 bytes for 2048 bits). At most
k − 66 bytes fit (190 for a 2048-bit key); use 'parley seal' for longer messages.
Same as: openssl pkeyutl -encrypt -pubin -inkey PUB -pkeyopt rsa_padding_mode:oaep \\
           -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256

Options:
  -k, --key PUB     the recipient's public key (SPKI or PKCS#1, PEM or DER; a private key works too)
  -i, --in FILE     the message (default: stdin)
  -o, --out FILE    the ciphertext (default: stdout, which must not be a terminal)
  -h, --help        show this help
`;

const DECRYPT_HELP = `Usage: parley rsa decrypt --key PRIV [--in FILE] [--out FILE] [--passphrase-file F]
                          [--max-kdf-iterations N]

Decrypts an RSAES-OAEP ciphertext (SHA-256, MGF1-SHA-256, empty label), e.g. one made by
'parley rsa encrypt' or 'openssl pkeyutl -encrypt … -pkeyopt rsa_padding_mode:oaep'.

Options:
  -k, --key PRIV            the private key (PKCS#8, encrypted PKCS#8 or PKCS#1, PEM or DER)
  -i, --in FILE             the ciphertext, raw bytes (default: stdin)
  -o, --out FILE            the message, raw bytes (default: stdout, which must not be a
                            terminal; a file always gets mode 0600)
  -p, --passphrase-file F   the passphrase of an encrypted key: the first line of F
      --max-kdf-iterations N
                            open an encrypted key that asks for up to N PBKDF2 iterations
                            (default: a bound per hash of under a second of CPU, 2000000
                            for SHA-256; a hostile key file could ask for minutes)
  -h, --help                show this help
`;

const SIGN_HELP = `Usage: parley rsa sign --key PRIV [--in FILE] [--out FILE] [--passphrase-file F]
                       [--max-kdf-iterations N]

Signs a message with RSASSA-PSS (RFC 8017 §8.1): SHA-256, MGF1-SHA-256, 32-byte salt.
The signature is raw bytes, as long as the key's modulus.
Verify with: openssl dgst -sha256 -verify PUB -sigopt rsa_padding_mode:pss \\
               -sigopt rsa_pss_saltlen:32 -signature SIG FILE

Options:
  -k, --key PRIV            the private key (PKCS#8, encrypted PKCS#8 or PKCS#1, PEM or DER)
  -i, --in FILE             the message (default: stdin)
  -o, --out FILE            the signature (default: stdout, which must not be a terminal)
  -p, --passphrase-file F   the passphrase of an encrypted key: the first line of F
      --max-kdf-iterations N
                            open an encrypted key that asks for up to N PBKDF2 iterations
                            (default: a bound per hash of under a second of CPU, 2000000
                            for SHA-256; a hostile key file could ask for minutes)
  -h, --help                show this help
`;

const VERIFY_HELP = `Usage: parley rsa verify --key PUB --sig FILE [--in FILE]

Checks an RSASSA-PSS signature (SHA-256, MGF1-SHA-256, any salt length, so OpenSSL's default
maximum-salt signatures verify too). Prints "valid" and exits 0, or prints "invalid" and exits 1.

Options:
  -k, --key PUB     the signer's public key (SPKI or PKCS#1, PEM or DER; a private key works too)
  -s, --sig FILE    the signature, raw bytes
  -i, --in FILE     the signed message (default: stdin)
  -h, --help        show this help
`;

async function encrypt(argv: string[]): Promise<number> {
  const args = parseCommandArgs('parley rsa encrypt', argv, {
    key: { type: 'string', short: 'k' },
    in: { type: 'string', short: 'i' },
    out: { type: 'string', short: 'o' },
  });
  if (args.help) return writeStdout(ENCRYPT_HELP).then(() => EXIT_OK);
  const keyFile = args.required('key', 'PUB');
  const out = args.string('out');
  assertBinaryOutputOk(out, 'parley rsa encrypt');
  const pub = await loadPublicKey(keyFile);
  const msg = await readInput(args.string('in'), 'the message');
  const max = oaepMaxMessageLength(pub, OAEP);
  if (msg.length > max)
    throw failure(
      `the message is ${msg.length} bytes, but a ${pub.bits}-bit key encrypts at most ${max} bytes with RSAES-OAEP-SHA-256`,
      `use 'parley seal --to ${keyFile}' for longer messages`,
    );
  await writeOutput(out, oaepEncrypt(pub, msg, OAEP));
  return EXIT_OK;
}

async function decrypt(argv: string[]): Promise<number> {
  const args = parseCommandArgs('parley rsa decrypt', argv, {
    key: { type: 'string', short: 'k' },
    in: { type: 'string', short: 'i' },
    out: { type: 'string', short: 'o' },
    'passphrase-file': { type: 'string', short: 'p' },
    ...MAX_KDF_ITERATIONS_OPTION,
  });
  if (args.help) return writeStdout(DECRYPT_HELP).then(() => EXIT_OK);
  const keyFile = args.required('key', 'PRIV');
  const out = args.string('out');
  assertBinaryOutputOk(out, 'parley rsa decrypt');
  const priv = await loadPrivateKey(keyFile, args.string('passphrase-file'), '--key', keyLimits(args));
  const ct = await readInput(args.string('in'), 'the ciphertext');
  // the length is public: saying it leaks nothing, and catches base64 or sealed input early
  if (ct.length !== priv.size)
    throw failure(
      `the ciphertext is ${ct.length} bytes, but ciphertexts for this ${priv.bits}-bit key are exactly ${priv.size} bytes`,
      `check that the input is a raw RSA-OAEP ciphertext for this key (for a sealed message use 'parley open')`,
    );
  let msg: Uint8Array;
  try {
    msg = oaepDecrypt(priv, ct, OAEP);
  } catch (e) {
    if (isRsaError(e, 'RSA_DECRYPTION_FAILED'))
      throw failure(
        'decryption failed',
        `the ciphertext was not made for ${keyFile} with RSAES-OAEP-SHA-256 (MGF1-SHA-256, empty label), or it is damaged`,
        e,
      );
    throw e;
  }
  await writeOutput(out, msg, { secret: true });
  return EXIT_OK;
}

async function sign(argv: string[]): Promise<number> {
  const args = parseCommandArgs('parley rsa sign', argv, {
    key: { type: 'string', short: 'k' },
    in: { type: 'string', short: 'i' },
    out: { type: 'string', short: 'o' },
    'passphrase-file': { type: 'string', short: 'p' },
    ...MAX_KDF_ITERATIONS_OPTION,
  });
  if (args.help) return writeStdout(SIGN_HELP).then(() => EXIT_OK);
  const keyFile = args.required('key', 'PRIV');
  const out = args.string('out');
  assertBinaryOutputOk(out, 'parley rsa sign');
  const priv = await loadPrivateKey(keyFile, args.string('passphrase-file'), '--key', keyLimits(args));
  const msg = await readInput(args.string('in'), 'the message');
  await writeOutput(out, pssSign(priv, msg, { hash: 'SHA-256', mgfHash: 'SHA-256', saltLength: PSS_SALT }));
  return EXIT_OK;
}

async function verify(argv: string[]): Promise<number> {
  const args = parseCommandArgs('parley rsa verify', argv, {
    key: { type: 'string', short: 'k' },
    sig: { type: 'string', short: 's' },
    in: { type: 'string', short: 'i' },
  });
  if (args.help) return writeStdout(VERIFY_HELP).then(() => EXIT_OK);
  const keyFile = args.required('key', 'PUB');
  const sigFile = args.required('sig', 'FILE');
  const pub = await loadPublicKey(keyFile);
  const sig = await readFileChecked(sigFile, '--sig');
  const msg = await readInput(args.string('in'), 'the signed message');
  const ok = pssVerify(pub, msg, sig, { hash: 'SHA-256', mgfHash: 'SHA-256', saltLength: 'auto' });
  await writeStdout(ok ? 'valid\n' : 'invalid\n');
  return ok ? EXIT_OK : EXIT_FAILURE;
}

const SUBCOMMANDS: (Subcommand & { summary: string })[] = [
  { name: 'encrypt', summary: 'encrypt a short message with RSAES-OAEP-SHA-256', help: ENCRYPT_HELP, run: encrypt },
  { name: 'decrypt', summary: 'decrypt an RSAES-OAEP-SHA-256 ciphertext', help: DECRYPT_HELP, run: decrypt },
  { name: 'sign', summary: 'sign a message with RSASSA-PSS-SHA-256 (salt 32)', help: SIGN_HELP, run: sign },
  { name: 'verify', summary: 'verify an RSASSA-PSS-SHA-256 signature: prints valid or invalid', help: VERIFY_HELP, run: verify },
];

const RSA_HELP = `Usage: parley rsa <command> [options]

Raw RSA operations on bytes, interoperable with OpenSSL (RFC 8017):

${SUBCOMMANDS.map((s) => `  ${s.name.padEnd(9)} ${s.summary}`).join('\n')}

Keys are PEM or DER files: PKCS#1, PKCS#8 (encrypted too, with --passphrase-file) or SPKI.
Run 'parley rsa <command> --help' for the options of a command.
`;

/** The `rsa` command group. */
export const rsaCommand: Command = commandGroup({
  name: 'rsa',
  summary: 'raw RSA: encrypt, decrypt (OAEP), sign, verify (PSS) — SHA-256',
  help: RSA_HELP,
  subcommands: SUBCOMMANDS,
});
