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

/**
 * Log lines under a rate limit, for refusals: a flood must not flood the log. At most
 * `perSecond` lines a second (and bursts of as many) go through; the rest are counted, and the
 * count is reported with the next line written, or by flush() (the server calls it from its
 * periodic timer).
 */
export class ThrottledLog {
  private tokens: number;
  private at: number;
  private dropped = 0;

  constructor(
    private readonly log: Logger,
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = perSecond;
    this.at = now();
  }

  /** Writes `msg` as an info line, or counts it when over the rate. */
  info(msg: string): void {
    const now = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    if (this.tokens < 1) {
      this.dropped++;
      return;
    }
    this.tokens--;
    const more = this.dropped > 0 ? ` (${this.dropped} similar lines before this one were not logged)` : '';
    this.dropped = 0;
    this.log.info(msg + more);
  }

  /** Reports how many lines were dropped since the last line written, if any. */
  flush(): void {
    if (this.dropped === 0) return;
    this.log.info(`${this.dropped} refusals were not logged (at most ${this.perSecond} such lines a second)`);
    this.dropped = 0;
  }
}
