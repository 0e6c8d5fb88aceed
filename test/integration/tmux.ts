/**
 * tmux for the terminal tests: a private tmux server (its own socket name), sessions running the
 * real `parley chat`, the pane as text, keys and pastes. Needs tmux: CI installs it and fails
 * without it; elsewhere the tests that use it skip with a message.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI, PROJECT_ROOT } from '../helpers/paths.js';
import { sleep } from './harness.js';

export const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;
/** The `skip` option of a describe that needs tmux. */
export const SKIP_WITHOUT_TMUX = !HAVE_TMUX && !process.env.CI ? 'tmux is not installed (CI installs it and fails without it)' : false;

const ENV: NodeJS.ProcessEnv = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', NO_COLOR: '1' };
delete ENV.TMUX;
delete ENV.TMUX_PANE;
delete ENV.CI; // the client must see a terminal, not CI settings

/** The probe every `parley chat` of these tests runs with (see Tmux.chat). */
const PROBE = path.join(PROJECT_ROOT, 'dist/test/helpers/client-probe.js');
/** Clock ticks per second of /proc's CPU times (sysconf(_SC_CLK_TCK): 100 on Linux). */
const CLOCK_TICKS = 100;

/** Marks the end of `parley chat` in a pane: `EXIT=<code>` is printed after it exits. */
export const EXIT_RE = /^EXIT=(\d+)$/;

/** A private tmux server. */
export class Tmux {
  /** `name`: part of the socket name, unique with the process id. */
  constructor(name: string, readonly socket = `parley-${name}-${process.pid}`) {}

  run(...args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env: ENV });
    if (r.status !== 0) throw new Error(`tmux ${args.slice(0, 3).join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  private started = false;

  /**
   * Starts `parley chat ARGS` in a new session; `EXIT=<code>` shows in the pane when it exits.
   * The client runs with the probe of test/helpers/client-probe.ts; `probe(session)` reads it.
   */
  chat(session: string, args: string[], cols = 100, rows = 24): void {
    // a session that lives as long as the server: killing the last session of a test would make
    // the tmux server exit while the next test's new-session connects to it
    if (!this.started) this.run('new-session', '-d', '-s', 'keep-alive', 'sleep 3600');
    this.started = true;
    const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
    const node = [process.execPath, '--import', pathToFileURL(PROBE).href, CLI, 'chat', ...args];
    const cmd = `PARLEY_TEST_PROBE=${q(this.probeFile(session))} ${node.map(q).join(' ')}; echo EXIT=$?; sleep 600`;
    this.run('new-session', '-d', '-s', session, '-x', String(cols), '-y', String(rows), cmd);
  }

  private readonly probes = new Set<string>();

  private probeFile(session: string): string {
    const file = path.join(os.tmpdir(), `${this.socket}-${session}-probe.json`);
    this.probes.add(file);
    return file;
  }

  /**
   * What the client of `session` reported about itself (test/helpers/client-probe.ts): its pid,
   * and after its exit the ms from its last input to the exit, on its own clock.
   */
  probe(session: string): { pid: number; exitAfterInputMs?: number | null } {
    return JSON.parse(readFileSync(this.probeFile(session), 'utf8')) as { pid: number; exitAfterInputMs?: number | null };
  }

  /**
   * CPU time in ms of the main thread of the client of `session` so far (Linux /proc, in clock
   * ticks of 10 ms): the work the client did, whatever the machine's load.
   */
  clientCpuMs(session: string): number {
    const { pid } = this.probe(session);
    // /proc/PID/task/PID/stat: utime and stime are fields 14 and 15, counted after the ")" that ends the name
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  }

  /** The pane's lines, wrapped lines joined, trailing blanks dropped. */
  lines(session: string): string[] {
    return this.run('capture-pane', '-p', '-J', '-t', session, '-S', '-200')
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l !== '');
  }

  /** The last line: the input row while `parley chat` runs. */
  inputRow(session: string): string {
    const lines = this.lines(session);
    return lines.at(-1) ?? '';
  }

  /** Waits until `cond(lines)` holds; resolves with the time it took in ms. */
  async until(session: string, cond: (lines: string[]) => boolean, what: string, ms = 20_000): Promise<number> {
    const t0 = performance.now();
    for (;;) {
      const lines = this.lines(session);
      if (cond(lines)) return performance.now() - t0;
      if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; screen:\n${lines.join('\n')}`);
      await sleep(20);
    }
  }

  /** Sends keys by tmux name (Enter, C-c…). */
  keys(session: string, ...keys: string[]): void {
    this.run('send-keys', '-t', session, ...keys);
  }

  /** Types `text` literally. */
  type(session: string, text: string): void {
    this.run('send-keys', '-t', session, '-l', text);
  }

  /** Pastes `text` through a tmux buffer: as a bracketed paste, or as plain keystrokes. */
  paste(session: string, text: string, bracketed: boolean): void {
    const file = path.join(os.tmpdir(), `${this.socket}-paste.txt`);
    writeFileSync(file, text);
    this.run('load-buffer', file);
    this.run('paste-buffer', ...(bracketed ? ['-p'] : []), '-t', session);
  }

  /** The exit code `parley chat` printed as EXIT=…, if it exited. */
  exitCode(session: string): number | undefined {
    for (const l of this.lines(session)) {
      const m = EXIT_RE.exec(l);
      if (m) return Number(m[1]);
    }
    return undefined;
  }

  kill(session: string): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-session', '-t', session], { env: ENV });
  }

  /** Stops the tmux server and everything in it, and removes the probes' files. */
  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { env: ENV });
    for (const f of this.probes) rmSync(f, { force: true });
  }
}
