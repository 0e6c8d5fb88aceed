/**
 * The server's log: one line per connect, disconnect and refusal, with the reason — never
 * message text. `quiet` keeps only warnings and errors; `verbose` adds handshake details.
 */
export type LogLevel = 'quiet' | 'normal' | 'verbose';

/** A minimal logger; tests pass one that records lines. */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

/** A logger writing timestamped lines to a stream (stderr by default). */
export function streamLogger(level: LogLevel, out: { write(s: string): unknown } = process.stderr): Logger {
  const line = (tag: string, msg: string) => out.write(`${new Date().toISOString()} ${tag} ${msg}\n`);
  return {
    info: (m) => level !== 'quiet' && line('info', m),
    warn: (m) => line('warn', m),
    debug: (m) => level === 'verbose' && line('debug', m),
  };
}

/** A logger that discards everything. */
export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };
