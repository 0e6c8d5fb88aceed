/**
 * Errors the CLI expects, and how every error becomes one line on stderr.
 *
 * Expected failures (a missing file, a bad key, a wrong passphrase…) are CliErrors, or the client
 * layer's ClientErrors (src/client/errors.ts: the identity folder, known_hosts), which know no exit
 * codes: clientExitCode maps their codes. Both print `parley: <message>; <hint>` and exit 1, or 2
 * for usage errors. Anything else is a bug: it prints one line too, and its stack only when
 * PARLEY_DEBUG=1.
 */
import { ClientError } from '../client/errors.js';
import { isRsaError } from '../rsa/errors.js';

/** Exit codes: 0 success, 1 failure (or "invalid" from `rsa verify`), 2 usage error, 130 Ctrl+C. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** An expected failure: a message, an optional hint of what to do next, and an exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(message: string, opts: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CliError';
    this.exitCode = opts.exitCode ?? EXIT_FAILURE;
    this.hint = opts.hint;
  }
}

/** A failure (exit 1) with a hint. */
export function failure(message: string, hint?: string, cause?: unknown): CliError {
  return new CliError(message, { exitCode: EXIT_FAILURE, hint, cause });
}

/** A usage error (exit 2) with a hint, e.g. "run 'parley keygen --help' for usage". */
export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, { exitCode: EXIT_USAGE, hint });
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** The stderr line for a CliError or a ClientError: `parley: message; hint`. */
export function formatCliError(e: { message: string; hint?: string | undefined }): string {
  return `parley: ${oneLine(e.message)}${e.hint ? `; ${oneLine(e.hint)}` : ''}\n`;
}

/**
 * The client layer's error codes whose exit code is not EXIT_FAILURE: an invalid name given on
 * the command line (--name) is a usage error.
 */
const CLIENT_EXIT_CODES: Readonly<Record<string, number>> = { INVALID_NAME: EXIT_USAGE };

/** The exit code of a ClientError (HomeError, PinError): 2 for INVALID_NAME, else 1. Throws nothing. */
export function clientExitCode(e: ClientError): number {
  return CLIENT_EXIT_CODES[e.code] ?? EXIT_FAILURE;
}

/**
 * A human description of a file-system error for `path` (ENOENT, EACCES, EISDIR…), as a
 * CliError with a hint naming the option the path came from. Other errors are returned as is.
 */
export function fileError(e: unknown, path: string, option?: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const where = option ? `check the path given to ${option}` : 'check the path';
  switch (code) {
    case 'ENOENT':
      return failure(`cannot read ${path}: no such file`, where, e);
    case 'EACCES':
    case 'EPERM':
      return failure(`cannot access ${path}: permission denied`, 'check the file permissions', e);
    case 'EISDIR':
      return failure(`${path} is a directory, not a file`, where, e);
    case 'ENOTDIR':
      return failure(`cannot read ${path}: a part of the path is not a directory`, where, e);
    case 'ELOOP':
      return failure(`cannot read ${path}: too many symbolic links`, where, e);
    default:
      return e;
  }
}

/**
 * Turns any thrown value into the text for stderr and an exit code. CliErrors, ClientErrors
 * and the few RsaErrors that can escape are expected failures; everything else is "internal
 * error", with the stack only when PARLEY_DEBUG=1.
 */
export function describeError(e: unknown, debug = process.env.PARLEY_DEBUG === '1'): { text: string; exitCode: number } {
  // an expected failure never shows a stack, not even with PARLEY_DEBUG=1
  if (e instanceof CliError) return { text: formatCliError(e), exitCode: e.exitCode };
  if (e instanceof ClientError) return { text: formatCliError(e), exitCode: clientExitCode(e) };
  if (isRsaError(e)) {
    const extra = debug && e.stack ? `${e.stack}\n` : '';
    return { text: `parley: ${oneLine(e.message)} (${e.code})\n${extra}`, exitCode: EXIT_FAILURE };
  }
  const msg = e instanceof Error ? e.message : String(e);
  if (debug) return { text: `parley: internal error: ${oneLine(msg)}\n${e instanceof Error ? e.stack : ''}\n`, exitCode: EXIT_FAILURE };
  return {
    text: `parley: internal error: ${oneLine(msg)}; run again with PARLEY_DEBUG=1 for details and please report it\n`,
    exitCode: EXIT_FAILURE,
  };
}
