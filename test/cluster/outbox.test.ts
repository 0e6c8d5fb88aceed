/** The bus's outbox: order, one batch in flight, a failed batch sent again first, the limits and their lost reasons. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LostReason } from '../../src/cluster/bus.js';
import { Outbox, type OutboxItem } from '../../src/cluster/outbox.js';

const item = (seq: number, at = 0, json = `{"i":${seq}}`): OutboxItem => ({ seq, json, at, lost: undefined });

function box(max = 100, timeout = 1000) {
  const given: Array<[number, LostReason]> = [];
  const o = new Outbox(max, timeout, (it, r) => given.push([it.seq, r]));
  return { o, given };
}

describe('Outbox', () => {
  it('batches from the head, one batch in flight; a failed batch goes out again first, before newer entries', () => {
    const { o } = box();
    for (let i = 1; i <= 5; i++) o.push(item(i));
    assert.deepEqual(o.take(3, 1e6).map((x) => x.seq), [1, 2, 3]);
    assert.deepEqual(o.take(3, 1e6), [], 'nothing while a batch is in flight');
    o.push(item(6));
    o.fail();
    assert.deepEqual(o.take(10, 1e6).map((x) => x.seq), [1, 2, 3, 4, 5, 6]);
    assert.equal(o.confirm(), 6);
    assert.equal(o.size, 0);
  });
  it('a batch stops at maxBytes but always holds one entry', () => {
    const { o } = box();
    o.push(item(1, 0, 'x'.repeat(50)));
    o.push(item(2, 0, 'x'.repeat(50)));
    assert.deepEqual(o.take(10, 60).map((x) => x.seq), [1]);
    o.confirm();
    assert.deepEqual(o.take(10, 10).map((x) => x.seq), [2]);
  });
  it('full: the new entry is given up (outbox_full), the older ones kept', () => {
    const { o, given } = box(2);
    assert.equal(o.push(item(1)), true);
    assert.equal(o.push(item(2)), true);
    assert.equal(o.push(item(3)), false);
    assert.deepEqual(given, [[3, 'outbox_full']]);
    assert.equal(o.size, 2);
  });
  it('entries older than the timeout are given up from the head (outbox_timeout), never while a batch is in flight', () => {
    const { o, given } = box(100, 1000);
    o.push(item(1, 0));
    o.push(item(2, 500));
    o.push(item(3, 2000));
    o.take(1, 1e6);
    assert.equal(o.expire(1600), 0, 'in flight');
    o.fail();
    assert.equal(o.expire(1600), 2);
    assert.deepEqual(given, [[1, 'outbox_timeout'], [2, 'outbox_timeout']]);
    assert.deepEqual(o.take(10, 1e6).map((x) => x.seq), [3]);
  });
  it('drain gives everything up with the reason, the batch in flight included', () => {
    const { o, given } = box();
    o.push(item(1));
    o.push(item(2));
    o.take(1, 1e6);
    assert.equal(o.drain('stopped'), 2);
    assert.deepEqual(given, [[1, 'stopped'], [2, 'stopped']]);
    assert.equal(o.size, 0);
    assert.equal(o.confirm(), 0, 'a late answer for the drained batch confirms nothing');
  });
  it('stays in order across compaction (thousands of entries through it)', () => {
    const { o } = box(10_000);
    let next = 1;
    const out: number[] = [];
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) o.push(item(next++));
      out.push(...o.take(70, 1e9).map((x) => x.seq));
      o.confirm();
    }
    while (o.size > 0) {
      out.push(...o.take(1000, 1e9).map((x) => x.seq));
      o.confirm();
    }
    assert.deepEqual(out, Array.from({ length: 5000 }, (_, i) => i + 1));
  });
});
