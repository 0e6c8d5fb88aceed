/**
 * Where a connection comes from: the source label that the per-source limits (per-source.ts)
 * and the hub's per-source budgets key on, and the address the log shows.
 *
 * - An IPv4 address is its own source; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291
 *   §2.5.5.2, what a dual-stack socket reports for IPv4 peers) counts as that IPv4 address.
 * - An IPv6 address counts as its /64 (`2001:db8:1:2::/64`): the interface identifier is the low
 *   64 bits (RFC 4291 §2.5.4) and one host — or one home or office LAN — normally gets a whole
 *   /64 and may use any address in it (SLAAC privacy addresses, RFC 8981, rotate within it), so
 *   counting single IPv6 addresses would give one host 2^64 budgets.
 * - Behind trusted reverse proxies (TransportOptions.trustedProxies): the right-most
 *   X-Forwarded-For address that is not itself a trusted proxy. X-Forwarded-For from any other
 *   peer is ignored: anyone can write the header.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** A normalised IP address: dotted IPv4, or IPv6 as 8 numbers (mapped IPv4 already turned into IPv4). */
export type Ip = { family: 'ipv4'; text: string } | { family: 'ipv6'; text: string; groups: number[] };

/** Where one connection comes from. */
export interface Source {
  /** The label per-source limits key on: an IPv4 address, an IPv6 /64, or "unknown". */
  key: string;
  /** For log lines: the peer address and port, and the forwarded client address behind a trusted proxy. */
  label: string;
}

/** The eight 16-bit groups of a valid IPv6 address (as net.isIPv6 accepts it, without a zone). */
function ipv6Groups(a: string): number[] {
  let s = a;
  const tail = s.slice(s.lastIndexOf(':') + 1);
  if (tail.includes('.')) {
    // an embedded IPv4 address (RFC 4291 §2.2, form 3) is the last two groups
    const [b0, b1, b2, b3] = tail.split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, s.length - tail.length)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const r = rest ? rest.split(':') : [];
  const fill = rest === undefined ? [] : new Array<string>(8 - h.length - r.length).fill('0');
  return [...h, ...fill, ...r].map((g) => parseInt(g, 16));
}

/**
 * Parses an IP address (a zone index such as `%eth0` is dropped); an IPv4-mapped IPv6 address
 * becomes IPv4. Returns undefined for anything else. Never throws.
 */
export function parseIp(address: string | undefined): Ip | undefined {
  if (typeof address !== 'string') return undefined;
  const a = address.includes('%') ? address.slice(0, address.indexOf('%')) : address;
  if (isIPv4(a)) return { family: 'ipv4', text: a };
  if (!isIPv6(a)) return undefined;
  const groups = ipv6Groups(a);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6]!, groups[7]!];
    return { family: 'ipv4', text: `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}` };
  }
  return { family: 'ipv6', text: groups.map((g) => g.toString(16)).join(':'), groups };
}

/** The source key of an address: IPv4 as is, IPv6 its /64 (see the module doc). */
export function sourceKey(ip: Ip): string {
  return ip.family === 'ipv4' ? ip.text : `${ip.groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The reverse proxies whose X-Forwarded-For is believed: addresses and CIDR prefixes. */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  /**
   * Parses `entries`: IP addresses (`127.0.0.1`, `::1`) or prefixes (`10.0.0.0/8`, `fd00::/8`).
   * Throws a TypeError naming the first entry that is neither.
   */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [addr, prefix, extra] = String(entry).trim().split('/');
      const ip = parseIp(addr);
      const bits = prefix === undefined ? undefined : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
      const max = addr?.includes(':') ? 128 : 32;
      if (!ip || extra !== undefined || (bits !== undefined && !(bits >= 0 && bits <= max)))
        throw new TypeError(`trusted proxy ${JSON.stringify(entry)} is not an IP address or ADDRESS/PREFIX (e.g. 127.0.0.1, 10.0.0.0/8, fd00::/8)`);
      // a mapped IPv4 prefix (::ffff:10.0.0.0/104) is the IPv4 prefix /8
      const ipBits = bits === undefined ? undefined : ip.family === 'ipv4' && addr!.includes(':') ? bits - 96 : bits;
      if (ipBits === undefined) this.list.addAddress(ip.text, ip.family);
      else if (ipBits < 0) throw new TypeError(`trusted proxy ${JSON.stringify(entry)}: an IPv4-mapped prefix must be at least /96`);
      else this.list.addSubnet(ip.text, ipBits, ip.family);
    }
    this.size = entries.length;
  }

  /** True when `ip` is one of the trusted proxies. */
  has(ip: Ip): boolean {
    return this.size > 0 && this.list.check(ip.text, ip.family);
  }
}

/** At most this many X-Forwarded-For entries are looked at, from the right (proxy chains are short). */
const MAX_FORWARDED_HOPS = 32;

/** One X-Forwarded-For entry: an address, optionally `[v6]`, `[v6]:port` or `v4:port`. */
function forwardedIp(entry: string): Ip | undefined {
  const e = entry.trim();
  if (e.startsWith('[')) {
    const end = e.indexOf(']');
    return end > 0 ? parseIp(e.slice(1, end)) : undefined;
  }
  const colon = e.indexOf(':');
  if (colon > 0 && colon === e.lastIndexOf(':')) return parseIp(e.slice(0, colon)); // IPv4 with a port
  return parseIp(e);
}

function display(ip: Ip | undefined, raw: string | undefined, port?: number): string {
  const a = ip?.text ?? raw ?? 'unknown';
  if (port === undefined) return a;
  return ip?.family === 'ipv6' ? `[${raw ?? a}]:${port}` : `${a}:${port}`;
}

/**
 * The source of a connection from `remoteAddress`:`remotePort` with the request's
 * `x-forwarded-for` header (undefined when absent or before any request, as for a raw TCP
 * connection). The header is read only when the peer is a trusted proxy; the source is then
 * the right-most address in it that is not a trusted proxy — or the left-most trusted hop
 * when every entry is trusted or an entry is not an address (a misconfigured proxy: its
 * clients then share its budget rather than choosing their own). Never throws.
 */
export function resolveSource(remoteAddress: string | undefined, remotePort: number | undefined, xff: string | string[] | undefined, trusted: TrustedProxies): Source {
  const peer = parseIp(remoteAddress);
  const peerLabel = display(peer, remoteAddress, remotePort);
  if (!peer) return { key: 'unknown', label: peerLabel };
  if (xff === undefined || !trusted.has(peer)) return { key: sourceKey(peer), label: peerLabel };
  const hops = (Array.isArray(xff) ? xff.join(',') : xff).split(',');
  let nearest: Ip = peer;
  for (let i = hops.length - 1; i >= 0 && i >= hops.length - MAX_FORWARDED_HOPS; i--) {
    const ip = forwardedIp(hops[i]!);
    if (!ip) break;
    if (!trusted.has(ip)) return { key: sourceKey(ip), label: `${ip.text} via ${peerLabel}` };
    nearest = ip;
  }
  return { key: sourceKey(nearest), label: nearest === peer ? peerLabel : `${nearest.text} via ${peerLabel}` };
}
