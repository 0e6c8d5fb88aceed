/** The parent's handle on server-proc.ts: start it, ask for its memory, stop it (always, in a finally). */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerProcConfig } from './server-proc.js';

export interface MemReport {
  heapUsed: number;
  heapTotal: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  connections: number;
  hub: Record<string, number>;
  log: Record<string, number>;
  cpu: { user: number; system: number };
}

export class ServerChild {
  private constructor(readonly proc: ChildProcess, readonly port: number, readonly fingerprint: string, readonly baseline: MemReport) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  static async start(config: ServerProcConfig = {}, timeoutMs = 30_000): Promise<ServerChild> {
    const script = fileURLToPath(new URL('./server-proc.js', import.meta.url));
    const proc = fork(script, [JSON.stringify(config)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    try {
      const m = await new Promise<MemReport & { port: number; fingerprint: string }>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('server process did not start in time')), timeoutMs);
        proc.once('message', (x) => (clearTimeout(t), resolve(x as MemReport & { port: number; fingerprint: string })));
        proc.once('exit', (code) => (clearTimeout(t), reject(new Error(`server process exited ${code}`))));
      });
      return new ServerChild(proc, m.port, m.fingerprint, m);
    } catch (e) {
      proc.kill('SIGKILL');
      throw e;
    }
  }

  /** Memory and counters of the server process, after a full GC there. */
  mem(timeoutMs = 30_000): Promise<MemReport> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => (this.proc.off('message', on), reject(new Error('no memory report'))), timeoutMs);
      const on = (x: unknown) => {
        if ((x as { type?: string }).type !== 'mem') return;
        clearTimeout(t);
        this.proc.off('message', on);
        resolve(x as MemReport);
      };
      this.proc.on('message', on);
      this.proc.send({ type: 'mem' });
    });
  }

  /** Stops the server: a graceful close, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    try {
      this.proc.send({ type: 'close' });
    } catch {
      /* IPC already gone */
    }
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
  }
}
