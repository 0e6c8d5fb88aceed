/**
 * The errors of the client layer (src/client), which the terminal client and the browser client
 * share. A ClientError carries a stable `code` (front ends and tests may rely on it), a message
 * saying what is wrong and a hint saying what to do next. It knows nothing of exit codes or of
 * how it is printed: the CLI maps codes to its one-line messages and exit codes
 * (src/cli/errors.ts), a browser would show them its own way.
 *
 * Subclasses: HomeError (the identity folder, home-folder.ts) and PinError (known_hosts, pins.ts).
 */

/** An expected failure of the client layer, with a stable `code`. */
export class ClientError<C extends string = string> extends Error {
  readonly code: C;
  /** What to do next, when there is something to say. */
  readonly hint: string | undefined;
  constructor(code: C, message: string, hint?: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ClientError';
    this.code = code;
    this.hint = hint;
  }
}

/** True when `e` is a ClientError (with the given code). Never throws. */
export function isClientError(e: unknown, code?: string): e is ClientError {
  return e instanceof ClientError && (code === undefined || e.code === code);
}
