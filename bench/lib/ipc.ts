/**
 * Request/response over a forked child's IPC channel: the benchmark's orchestrator drives its
 * server and load-generator processes with it. A request is `{ id, cmd, arg }`, the answer
 * `{ id, ok, value | error }`.
 */
import { fork, type ChildProcess } from 'node:child_process';

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** A child process answering commands (see serve()). */
export class Child {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly exited: Promise<number | null>;

  private constructor(readonly proc: ChildProcess) {
    proc.on('message', (m: Reply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.value);
      else w.reject(new Error(m.error));
    });
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code) => {
        for (const w of this.waiting.values()) w.reject(new Error(`child exited (${code})`));
        this.waiting.clear();
        resolve(code);
      }),
    );
  }

  /**
   * Forks `script` (a compiled .js file) with `--expose-gc` (and the flags in $BENCH_CHILD_FLAGS,
   * e.g. `--cpu-prof`, for profiling) and waits for its first `ready` answer. `env` is added to
   * this process's environment for the child (e.g. PARLEY_RSA_ENGINE).
   */
  static async start(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<Child> {
    const extra = (process.env.BENCH_CHILD_FLAGS ?? '').split(/\s+/).filter(Boolean);
    const proc = fork(script, args, { execArgv: ['--expose-gc', ...extra], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const c = new Child(proc);
    await c.call('ready');
    return c;
  }

  /** Sends one command and resolves with its answer (rejects with the child's error). */
  call<T = unknown>(cmd: string, arg?: unknown): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ id, cmd, arg });
    });
  }

  /** Kills the child (SIGKILL after 2 s if it does not exit) and waits for it. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(t);
  }
}

/** In a child: answers each command with `handlers[cmd](arg)` (sync or async); `ready` is built in. */
export function serve(handlers: Record<string, (arg: any) => unknown>): void {
  process.on('message', async (m: { id: number; cmd: string; arg: unknown }) => {
    let reply: Reply;
    try {
      if (m.cmd === 'ready') reply = { id: m.id, ok: true, value: true };
      else {
        const h = handlers[m.cmd];
        if (!h) throw new Error(`unknown command ${m.cmd}`);
        reply = { id: m.id, ok: true, value: await h(m.arg) };
      }
    } catch (e) {
      reply = { id: m.id, ok: false, error: (e as Error).stack ?? String(e) };
    }
    // the orchestrator may be gone (it was interrupted): drop the answer rather than crash
    if (process.connected) process.send!(reply, undefined, undefined, () => {});
  });
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
}
