/**
 * `parley chat` in a pseudo-terminal for tests (the connection and name tests; tmux.ts has the
 * input and quit tests' helper): one tmux server per test file (its own socket
 * name), one session per run, the pane kept after the program exits so that its last screen
 * and its exit code ("EXIT=n") can be read. Needs tmux: CI installs it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportPrivateKeyPem } from '../../src/rsa/index.js';
import { CLI } from '../helpers/paths.js';
import { quickKey, sleep } from './harness.js';

export const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;
/** The skip reason of a tmux test file: none under CI (where a missing tmux must fail). */
export const TMUX_SKIP = !HAVE_TMUX && !process.env.CI ? 'tmux is not installed (CI installs it and fails without it)' : false;

const ENV: NodeJS.ProcessEnv = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', NO_COLOR: '1' };
delete ENV.TMUX;
delete ENV.CI; // the client must see a terminal, not CI settings
delete ENV.PARLEY_HOME;

/** A shell word. */
function sh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A tmux server of its own (socket name unique to this process and `tag`). */
export class Tmux {
  private readonly socket: string;
  private n = 0;
  constructor(tag: string) {
    this.socket = `parley-${tag}-${process.pid}`;
  }

  private run(...args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env: ENV });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  /** Starts `parley chat ARGS` in a new 100×24 session; returns its name. The pane prints EXIT=code when the program ends. */
  chat(args: string[]): Session {
    const name = `s${this.n++}`;
    const cmd = `${sh(process.execPath)} ${sh(CLI)} chat ${args.map(sh).join(' ')}; echo EXIT=$?; sleep 600`;
    this.run('new-session', '-d', '-s', name, '-x', '100', '-y', '24', cmd);
    return new Session(this, name);
  }

  /** The pane's lines, wrapped lines joined, trailing spaces and empty lines dropped. */
  screen(session: string): string[] {
    return this.run('capture-pane', '-p', '-J', '-t', session).split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
  }

  /** Types `text` literally (no Enter). */
  type(session: string, text: string): void {
    this.run('send-keys', '-t', session, '-l', text);
  }

  key(session: string, key: string): void {
    this.run('send-keys', '-t', session, key);
  }

  /** Ends the tmux server and every session in it. */
  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}

/** One `parley chat` in a tmux session. */
export class Session {
  constructor(
    private readonly tmux: Tmux,
    readonly name: string,
  ) {}
  screen(): string[] {
    return this.tmux.screen(this.name);
  }
  /** Types a line and presses Enter. */
  line(text: string): void {
    if (text !== '') this.tmux.type(this.name, text);
    this.tmux.key(this.name, 'Enter');
  }
  /** Waits until `cond(screen)` holds; throws with the screen after `ms`. */
  async until(cond: (lines: string[]) => boolean, what: string, ms = 20_000): Promise<string[]> {
    const end = Date.now() + ms;
    for (;;) {
      const lines = this.screen();
      if (cond(lines)) return lines;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${lines.join('\n')}`);
      await sleep(100);
    }
  }
  /** Waits for the program to end; resolves with its exit code and last screen. */
  async exit(ms = 20_000): Promise<{ code: number; lines: string[] }> {
    const lines = await this.until((l) => l.some((x) => /^EXIT=\d+$/.test(x)), 'the program to exit', ms);
    return { code: Number(/^EXIT=(\d+)$/.exec(lines.find((x) => /^EXIT=\d+$/.test(x))!)![1]), lines };
  }
}

/** A home folder with a key made by OpenSSL (no slow first-run key generation); `name` goes to config.json. */
export function homeWithKey(dir: string, name?: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  writeFileSync(path.join(dir, 'key'), exportPrivateKeyPem(quickKey(), 'pkcs8'), { mode: 0o600 });
  if (name !== undefined) writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ name }), { mode: 0o600 });
  return dir;
}
