/** `parley chat --server`: the servers to connect to, given several times and/or comma-separated. */
import { serverId } from '../client/pins.js';
import { usageError } from './errors.js';

/** The server `parley chat` connects to without --server. */
export const DEFAULT_SERVER = 'ws://127.0.0.1:8765';
/** The most servers --server may name (a cluster's nodes, tried in turn). */
export const MAX_SERVERS = 32;

/**
 * The servers of --server (given several times and/or comma-separated), in order, each checked;
 * the same server written twice counts once. Default: DEFAULT_SERVER. Throws a usage error for a
 * URL that is not ws:// or wss:// or does not parse, or more than MAX_SERVERS.
 */
export function serverList(given: readonly string[]): string[] {
  const urls = given.flatMap((g) => g.split(',')).map((u) => u.trim()).filter((u) => u !== '');
  if (given.length > 0 && urls.length === 0) throw usageError('--server needs a ws:// or wss:// URL', 'for example --server ws://127.0.0.1:8765');
  const out: string[] = [];
  const seen = new Set<string>();
  for (const url of urls.length ? urls : [DEFAULT_SERVER]) {
    if (!/^wss?:\/\/[^\s/]+/.test(url)) throw usageError(`--server must be a ws:// or wss:// URL, got '${url}'`, 'for example --server ws://127.0.0.1:8765');
    if (!URL.canParse(url)) throw usageError(`--server '${url}' is not a valid URL (check the host and the port, 1–65535)`, 'for example --server ws://127.0.0.1:8765');
    const id = serverId(url);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(url);
  }
  if (out.length > MAX_SERVERS) throw usageError(`--server names ${out.length} servers; at most ${MAX_SERVERS}`, 'name a few nodes of the cluster: the client needs only one that answers');
  return out;
}
