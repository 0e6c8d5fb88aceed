/**
 * What the V8 heap holds, by kind of object: a heap snapshot (v8.getHeapSnapshot) summed by node
 * type and constructor name — the same grouping as the "Summary" view of Chrome's DevTools —
 * so that two snapshots can be subtracted to see what a thousand connections added.
 */
import v8 from 'node:v8';

/** Bytes and objects by "type:name", e.g. "object:Conn", "closure:onMessage", "(strings)". */
export type HeapTypes = Record<string, { size: number; count: number }>;

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Groups whose names are contents (every string, every code object) are summed under one key. */
function key(type: string, name: string): string {
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string') return '(strings)';
  if (type === 'code') return '(compiled code)';
  if (type === 'number') return '(heap numbers)';
  if (type === 'closure') return `closure:${name || '(anonymous)'}`;
  return `${type}:${name}`;
}

/** A full GC (needs --expose-gc), then the snapshot summed by type. Takes a second or two for a heap of tens of MB. */
export async function heapTypes(): Promise<HeapTypes> {
  (globalThis as { gc?: () => void }).gc?.();
  const chunks: Buffer[] = [];
  for await (const chunk of v8.getHeapSnapshot()) chunks.push(chunk as Buffer);
  const snap = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const out: HeapTypes = {};
  for (let i = 0; i < snap.nodes.length; i += width) {
    const k = key(types[snap.nodes[i + typeAt]!]!, snap.strings[snap.nodes[i + nameAt]!]!);
    const e = (out[k] ??= { size: 0, count: 0 });
    e.size += snap.nodes[i + sizeAt]!;
    e.count++;
  }
  return out;
}
