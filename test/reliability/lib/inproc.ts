/** An in-process ParleyServer on an ephemeral port, for tests that need its internals (hub stats) and small limits. */
import { MemoryNameRegistry, type ChatOptions } from '../../../src/chat/index.js';
import { ParleyServer } from '../../../src/server/server.js';
import type { TransportOptions } from '../../../src/server/options.js';
import type { RsaPrivateKey } from '../../../src/rsa/index.js';
import { quickKey } from './keys.js';

/** The log lines a test server records (the integration harness's logger). */
export { RecordingLogger as LogLines } from '../../integration/harness.js';
import { RecordingLogger as LogLines } from '../../integration/harness.js';

/**
 * The per-source limits raised out of the way, for tests of the server-wide limits whose
 * clients all come from 127.0.0.1.
 */
export const PER_SOURCE_OFF: Partial<TransportOptions> = {
  maxConnectionsPerSource: 1_000_000,
  maxPendingHandshakesPerSource: 1_000_000,
  maxRawConnectionsPerSource: 1_000_000,
  handshakesPerSecondPerSource: 1_000_000,
  handshakeBurstPerSource: 1_000_000,
};

export interface InProcServer {
  server: ParleyServer;
  url: string;
  port: number;
  log: LogLines;
  /** Closes the server; never throws; safe to call twice. */
  close(): Promise<void>;
}

export async function startInProc(opts: { chat?: Partial<ChatOptions>; transport?: Partial<TransportOptions>; identity?: RsaPrivateKey } = {}): Promise<InProcServer> {
  const log = new LogLines();
  const server = new ParleyServer({ identity: opts.identity ?? quickKey(), names: new MemoryNameRegistry(), host: '127.0.0.1', port: 0, log, chat: opts.chat, transport: opts.transport });
  const addr = await server.listen();
  let closed: Promise<void> | undefined;
  return {
    server,
    url: `ws://127.0.0.1:${addr.port}`,
    port: addr.port,
    log,
    close: () => (closed ??= server.close().catch(() => undefined)),
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `p`, or undefined after `ms` — without leaving a timer behind. */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (t = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(t);
  }
}
