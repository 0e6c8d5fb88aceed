/**
 * How one bus entry is laid out in the Redis Stream, and stream ids. An entry has three fields:
 * `n` the publishing node's id, `s` its per-node sequence number (1, 2, 3… in publish order, the
 * key of deduplication), `d` the entry as JSON. Everything read back from Redis is checked here
 * before the bus trusts it: another program (or another Parley version) may write to the stream.
 */
import { NODE_ID_RE } from './options.js';
import type { NodeId } from './bus.js';

/** A stream id, `ms-seq`, as two bigints (Redis ids are 64-bit + 64-bit). */
export interface StreamId {
  ms: bigint;
  seq: bigint;
}

const ID_RE = /^(\d{1,20})-(\d{1,20})$/;

/** Parses a stream id; undefined when it is not `digits-digits`. */
export function parseStreamId(id: string): StreamId | undefined {
  const m = ID_RE.exec(id);
  if (!m) return undefined;
  return { ms: BigInt(m[1] as string), seq: BigInt(m[2] as string) };
}

/** Compares two valid stream ids: negative, 0 or positive, as a < b, a = b, a > b. Throws nothing; an unparsable id counts as 0-0. */
export function compareStreamIds(a: string, b: string): number {
  const x = parseStreamId(a) ?? { ms: 0n, seq: 0n };
  const y = parseStreamId(b) ?? { ms: 0n, seq: 0n };
  if (x.ms !== y.ms) return x.ms < y.ms ? -1 : 1;
  if (x.seq !== y.seq) return x.seq < y.seq ? -1 : 1;
  return 0;
}

/** The XADD field/value arguments of an entry. */
export function entryFields(node: NodeId, seq: number, json: string): string[] {
  return ['n', node, 's', String(seq), 'd', json];
}

/** One entry as read from the stream, checked. */
export interface DecodedEntry {
  from: NodeId;
  seq: number;
  entry: Record<string, unknown>;
}

const SEQ_RE = /^[1-9]\d{0,15}$/;

/**
 * Decodes the field/value list of a stream entry (RESP2: a flat array). Returns `{ why }` (the
 * reason) for anything that is not a valid node id, a positive safe integer sequence number and a
 * JSON object. Throws nothing.
 */
export function decodeEntry(fields: unknown): DecodedEntry | { why: string } {
  if (!Array.isArray(fields) || fields.length % 2 !== 0) return { why: 'not a field/value list' };
  let n: unknown;
  let s: unknown;
  let d: unknown;
  for (let i = 0; i < fields.length; i += 2) {
    const k = String(fields[i]);
    if (k === 'n') n = fields[i + 1];
    else if (k === 's') s = fields[i + 1];
    else if (k === 'd') d = fields[i + 1];
  }
  if (typeof n !== 'string' || !NODE_ID_RE.test(n)) return { why: 'no valid node id (n)' };
  if (typeof s !== 'string' || !SEQ_RE.test(s) || !Number.isSafeInteger(Number(s))) return { why: 'no valid sequence number (s)' };
  if (typeof d !== 'string') return { why: 'no data (d)' };
  let entry: unknown;
  try {
    entry = JSON.parse(d);
  } catch {
    return { why: 'data (d) is not JSON' };
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return { why: 'data (d) is not a JSON object' };
  return { from: n, seq: Number(s), entry: entry as Record<string, unknown> };
}

/** Reads a flat RESP2 [key, value, key, value…] reply (XINFO STREAM) into a map. */
export function flatToMap(reply: unknown): Map<string, unknown> {
  const m = new Map<string, unknown>();
  if (!Array.isArray(reply)) return m;
  for (let i = 0; i + 1 < reply.length; i += 2) m.set(String(reply[i]), reply[i + 1]);
  return m;
}
