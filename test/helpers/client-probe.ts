/**
 * A probe loaded into a `parley chat` child process by the terminal tests (`node --import` this
 * file, with PARLEY_TEST_PROBE=FILE; see Tmux.chat), so that they time the client itself — not
 * the machine's load, tmux, or the test's polling of the screen. It writes FILE as JSON:
 * `{ pid }` at start, and at exit `{ pid, exitAfterInputMs }`: the milliseconds, on the client's
 * own clock, from the last time its stdin delivered data (the key that made it quit) to its exit.
 * Test code only; it does nothing without PARLEY_TEST_PROBE.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.PARLEY_TEST_PROBE;
if (file) {
  writeFileSync(file, JSON.stringify({ pid: process.pid }));
  let lastInput: number | undefined;
  const stdin = process.stdin;
  const emit = stdin.emit as (this: typeof stdin, event: string | symbol, ...args: unknown[]) => boolean;
  // every reader of stdin (raw keys, lines) gets its bytes through 'data' events
  stdin.emit = function (this: typeof stdin, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'data') lastInput = performance.now();
    return emit.apply(this, [event, ...args]);
  } as typeof stdin.emit;
  process.on('exit', () => {
    const exitAfterInputMs = lastInput === undefined ? null : performance.now() - lastInput;
    writeFileSync(file, JSON.stringify({ pid: process.pid, exitAfterInputMs }));
  });
}
