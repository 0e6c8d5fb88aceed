/** `parley chat --json` as a child process, for tests: its stdout parsed as JSON lines. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI } from '../helpers/paths.js';

export type JsonEvent = Record<string, unknown> & { type: string };

/** A `parley chat --json` child with its parsed stdout lines. */
export class CliClient {
  readonly events: JsonEvent[] = [];
  readonly stderr: string[] = [];
  readonly proc: ChildProcessWithoutNullStreams;
  private waiters: { pred: (e: JsonEvent) => boolean; resolve: (e: JsonEvent) => void }[] = [];
  constructor(url: string, name: string, home: string, extra: string[] = []) {
    this.proc = spawn(process.execPath, [CLI, 'chat', '--server', url, '--name', name, '--home', home, '--json', ...extra], {
      env: { ...process.env, PARLEY_HOME: home, NO_COLOR: '1' },
    });
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as JsonEvent; // every stdout line must be one JSON object
      this.events.push(e);
      this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true));
    });
    createInterface({ input: this.proc.stderr }).on('line', (l) => this.stderr.push(l));
    running.add(this.proc);
    this.proc.once('exit', () => running.delete(this.proc));
  }
  next(pred: (e: JsonEvent) => boolean, ms = 15000): Promise<JsonEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching event; stdout ${JSON.stringify(this.events)}; stderr ${this.stderr.join(' | ')}`)), ms);
      this.waiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) });
    });
  }
  line(s: string): void {
    this.proc.stdin.write(`${s}\n`);
  }
  /** Ends stdin (the client quits) and resolves with the exit code; rejects if it has not exited within `ms`. */
  async quit(ms = 15_000): Promise<number | null> {
    if (this.proc.exitCode !== null) return this.proc.exitCode;
    this.proc.stdin.end();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`the client did not exit within ${ms} ms of quitting; stderr ${this.stderr.join(' | ')}`)), ms);
      this.proc.on('exit', (code) => (clearTimeout(t), resolve(code)));
    });
  }
}

const running = new Set<ChildProcessWithoutNullStreams>();

/** Kills every CliClient still running (an after hook: a failed test never leaves one behind). */
export function killCliClients(): void {
  for (const p of running) p.kill('SIGKILL');
  running.clear();
}
