/**
 * Ctrl+C and SIGTERM for the CLI: synchronous cleanups that run before the process exits with
 * 130 (temporary files, half-written keys), and the hand-over of the signals to a long-running
 * command (server, chat) that closes its connections itself.
 */

const cleanups = new Set<() => void>();

/** Registers a synchronous cleanup to run on Ctrl+C; returns a function that unregisters it. */
export function onInterrupt(fn: () => void): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

let graceful: ((signal: 'SIGINT' | 'SIGTERM') => void) | undefined;

/**
 * Lets a long-running command (server, chat) handle Ctrl+C and SIGTERM itself — closing
 * connections with a notice — instead of the immediate exit. A second signal still exits at once.
 * Returns a function that gives the signals back.
 */
export function handleSignalsGracefully(fn: (signal: 'SIGINT' | 'SIGTERM') => void): () => void {
  graceful = fn;
  return () => {
    if (graceful === fn) graceful = undefined;
  };
}

/** Called by the entry point on a signal: true when a command took it over (the first time only). */
export function dispatchGracefulSignal(signal: 'SIGINT' | 'SIGTERM'): boolean {
  const fn = graceful;
  if (!fn) return false;
  graceful = undefined;
  fn(signal);
  return true;
}

/** Runs the registered cleanups (each once, errors ignored). */
export function runInterruptCleanups(): void {
  for (const fn of [...cleanups]) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      // best effort
    }
  }
}
