/** The stream entry layout and stream ids: what the bus accepts from the stream, and what it skips. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareStreamIds, decodeEntry, entryFields, flatToMap, parseStreamId } from '../../src/cluster/stream-codec.js';

describe('stream-codec', () => {
  it('an entry written by entryFields decodes back', () => {
    assert.deepEqual(decodeEntry(entryFields('n-abc', 42, '{"k":1,"t":"x"}')), { from: 'n-abc', seq: 42, entry: { k: 1, t: 'x' } });
  });
  const bad: Array<[string, unknown, RegExp]> = [
    ['not an array', 'x', /field\/value/],
    ['an odd list', ['n', 'a', 's'], /field\/value/],
    ['no node id', ['s', '1', 'd', '{}'], /node id/],
    ['a node id with a space', ['n', 'a b', 's', '1', 'd', '{}'], /node id/],
    ['a node id of 65 characters', ['n', 'x'.repeat(65), 's', '1', 'd', '{}'], /node id/],
    ['sequence 0', ['n', 'a', 's', '0', 'd', '{}'], /sequence/],
    ['a negative sequence', ['n', 'a', 's', '-1', 'd', '{}'], /sequence/],
    ['a sequence beyond 2^53', ['n', 'a', 's', '9007199254740993', 'd', '{}'], /sequence/],
    ['a sequence with a leading zero', ['n', 'a', 's', '01', 'd', '{}'], /sequence/],
    ['no data', ['n', 'a', 's', '1'], /no data/],
    ['data that is not JSON', ['n', 'a', 's', '1', 'd', '{'], /not JSON/],
    ['data that is an array', ['n', 'a', 's', '1', 'd', '[1]'], /not a JSON object/],
    ['data that is null', ['n', 'a', 's', '1', 'd', 'null'], /not a JSON object/],
  ];
  for (const [name, fields, why] of bad) {
    it(`skips ${name}`, () => {
      const r = decodeEntry(fields);
      assert.ok('why' in r, 'refused');
      assert.match(r.why, why);
    });
  }
  it('stream ids compare as two 64-bit numbers, not as text', () => {
    const table: Array<[string, string, number]> = [
      ['1-0', '1-0', 0],
      ['2-0', '10-0', -1],
      ['10-2', '10-10', -1],
      ['18446744073709551615-0', '18446744073709551614-99', 1],
      ['0-0', '0-1', -1],
      ['garbage', '0-0', 0],
    ];
    for (const [a, b, want] of table) assert.equal(Math.sign(compareStreamIds(a, b)), want, `${a} vs ${b}`);
    assert.equal(parseStreamId('1-2-3'), undefined);
  });
  it('flatToMap reads a RESP2 key/value list', () => {
    assert.deepEqual([...flatToMap(['length', 3, 'last-generated-id', '1-1'])], [['length', 3], ['last-generated-id', '1-1']]);
    assert.equal(flatToMap(null).size, 0);
  });
});
