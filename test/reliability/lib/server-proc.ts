/**
 * A Parley server in its own process, driven over IPC, so that its memory can be measured
 * apart from the load generator's: `node --expose-gc server-proc.js '<json config>'`.
 *
 * Messages to it: {type:'mem'} → {type:'mem', heapUsed, heapTotal, rss, external, arrayBuffers,
 * connections, hub} (after a full GC when --expose-gc is given); {type:'close'} → closes every
 * connection (shutting_down), replies {type:'closed'} and exits. It exits by itself when the
 * parent goes away (IPC disconnect), so a crashed test never leaves it behind.
 */
import { readFileSync } from 'node:fs';
import { MemoryNameRegistry, type ChatOptions } from '../../../src/chat/index.js';
import { ParleyServer } from '../../../src/server/server.js';
import type { TransportOptions } from '../../../src/server/options.js';
import type { Logger } from '../../../src/server/log.js';
import { quickKey, toParleyKey } from './keys.js';
import crypto from 'node:crypto';

export interface ServerProcConfig {
  port?: number;
  chat?: Partial<ChatOptions>;
  transport?: Partial<TransportOptions>;
  /** A PKCS#8 PEM file for the server key (default: a fresh key). */
  keyFile?: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ServerProcConfig;
const counts: Record<string, number> = {};
const log: Logger = {
  info(m: string) {
    const k = m.replace(/ from .*$/, '').replace(/\(.*$/, '').split(':')[0]!.split(' ').slice(0, 2).join(' ');
    counts[k] = (counts[k] ?? 0) + 1;
  },
  warn(m: string) {
    process.stderr.write(`server warn: ${m}\n`);
    counts.warn = (counts.warn ?? 0) + 1;
  },
  debug() {},
};
const identity = config.keyFile ? toParleyKey(crypto.createPrivateKey(readFileSync(config.keyFile, 'utf8'))) : quickKey();
const server = new ParleyServer({ identity, names: new MemoryNameRegistry(), host: '127.0.0.1', port: config.port ?? 0, chat: config.chat, transport: config.transport, log });
const gc = (globalThis as { gc?: () => void }).gc;

function mem() {
  if (gc) for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { type: 'mem', heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, connections: server.connectionCount, hub: server.hub.stats(), log: counts, cpu: process.cpuUsage() };
}

process.on('message', (m: { type: string }) => {
  if (m.type === 'mem') process.send!(mem());
  else if (m.type === 'close')
    void server.close().then(() => {
      process.send!({ type: 'closed' }, () => process.exit(0));
    });
});
process.on('disconnect', () => process.exit(0));

const addr = await server.listen();
process.send!({ ...mem(), type: 'listening', port: addr.port, fingerprint: server.fingerprint });
