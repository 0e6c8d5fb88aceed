/**
 * What `parley server` runs on, single node or cluster node: its key, its name registry, the bus
 * in a cluster, and how to let go of them when it stops.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AsyncNameRegistry, NameRegistry } from '../chat/index.js';
import type { ClusterBus } from '../cluster/bus.js';
import { ServerHandshake } from '../protocol/index.js';
import { nodeCrypto } from '../protocol/crypto-node.js';
import type { RsaPrivateKey } from '../rsa/key.js';
import type { Logger } from '../server/log.js';
import { SqliteNameRegistry } from '../server/names-sqlite.js';
import type { ClusterFlags } from './cluster-flags.js';
import { lockDataDirForServer, resolveDataDir } from './data-dir.js';
import { failure } from './errors.js';
import { openCluster } from './server-cluster.js';
import { loadOrCreateServerKey, loadServerKeyFile } from './server-key.js';

/** The protocol accepts 2048–4096-bit keys with e = 65537 only: refuse to start with another rather than fail every handshake. */
function checkKeyBounds(key: RsaPrivateKey, file: string, fromKeyFlag: boolean): void {
  try {
    new ServerHandshake({ identity: key, crypto: nodeCrypto });
  } catch (e) {
    const why = (e as Error).message.replace(/ \(make a new key with `parley keygen`\)$/, '');
    throw failure(
      `the server key ${file} cannot be used: ${why}`,
      fromKeyFlag
        ? "make a 2048-bit key with 'parley keygen --out FILE' and give it with --key (clients will then see a new server fingerprint)"
        : 'move it away and start again to have a new one made (clients will then see a new server fingerprint)',
    );
  }
}

/** What the server runs on: its key, its name registry, the bus in a cluster, and how to let go of them. */
export interface NodeParts {
  key: RsaPrivateKey;
  names: NameRegistry | AsyncNameRegistry;
  bus?: ClusterBus;
  /** After the server closed: closes the registry (and releases the data folder's lock; in a cluster, makes sure the bus is stopped). Call once. */
  close(): Promise<void>;
}

/**
 * One server on its own data folder (SQLite, DATA/server_key or --key), as before issue 14: makes
 * the folder (0700), takes its lock, loads or makes the key. Throws CliErrors (folder unusable,
 * another server on it, key problems).
 */
export async function singleNode(data: string | undefined, keyFile: string | undefined, keyOpts: Parameters<typeof loadServerKeyFile>[1]): Promise<NodeParts> {
  const dir = resolveDataDir(data);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  } catch (e) {
    throw failure(`cannot use the data folder ${dir}: ${(e as Error).message}`, 'choose another with --data');
  }
  const lock = lockDataDirForServer(dir); // one server per data folder; the OS drops the lock when this process ends
  try {
    const key = keyFile === undefined ? (await loadOrCreateServerKey(dir, keyOpts)).key : await loadServerKeyFile(keyFile, keyOpts);
    checkKeyBounds(key, keyFile ?? path.join(dir, 'server_key'), keyFile !== undefined);
    const names = new SqliteNameRegistry(path.join(dir, 'names.sqlite'));
    return {
      key,
      names,
      close: async () => {
        names.close();
        lock.release();
      },
    };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/**
 * A cluster node: the key from --key FILE, the registry in PostgreSQL (ready before listening) and
 * the Redis bus (started by the server). Throws the CliErrors of loadServerKeyFile and openCluster.
 */
export async function clusterNode(flags: ClusterFlags, keyFile: string, keyOpts: Parameters<typeof loadServerKeyFile>[1], log: Logger): Promise<NodeParts> {
  const key = await loadServerKeyFile(keyFile, keyOpts);
  checkKeyBounds(key, keyFile, true);
  const { names, cluster } = await openCluster(flags, log);
  return {
    key,
    names,
    bus: cluster,
    close: async () => {
      // the server stops the bus (on close, or when listen fails after starting it); stopping it
      // again here is for the case it did not, so that no Redis connection keeps the process alive
      await cluster.stop().catch(() => undefined);
      await names.close();
    },
  };
}

