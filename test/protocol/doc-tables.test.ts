/**
 * docs/PROTOCOL.md against the code, table by table, so that the document another implementer
 * reads cannot drift from what the server does: the error-code table lists exactly the codes of
 * ProtocolError and ChatErrorCode, each once, and every close code it gives is the one the
 * server uses (closeCodeFor); the frame checks' table has one distinct check per row.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CHAT_ERROR_CODES } from '../../src/chat/events.js';
import { PROTOCOL_ERROR_CODES } from '../../src/protocol/errors.js';
import { CLOSE, closeCodeFor } from '../../src/server/close-codes.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

const doc = readFileSync(path.join(PROJECT_ROOT, 'docs/PROTOCOL.md'), 'utf8');

/** The rows of the first Markdown table after `heading`, split into trimmed cells (header and rule dropped). */
function tableAfter(heading: string): string[][] {
  const at = doc.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `heading ${heading} in docs/PROTOCOL.md`);
  const lines = doc.slice(at).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    // a `\|` inside a cell is not a separator
    rows.push(line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return rows;
}

describe('docs/PROTOCOL.md §Error codes', () => {
  const rows = tableAfter('### Error codes');
  const codeOf = (cell: string) => /^`([a-z0-9_]+)`$/.exec(cell)?.[1];

  it('lists every code of ProtocolError and ChatErrorCode, each once, and no other', () => {
    const listed = rows.map((r) => codeOf(r[0]!));
    assert.ok(listed.every((c) => c !== undefined), 'every row starts with one code');
    assert.equal(new Set(listed).size, listed.length, 'no code twice');
    assert.deepEqual(new Set(listed), new Set([...PROTOCOL_ERROR_CODES, ...CHAT_ERROR_CODES]));
  });

  it("every close code in the table is the server's for that code; codes without one are never closed on by closeCodeFor's caller", () => {
    for (const r of rows) {
      assert.equal(r.length, 5, `five cells: ${r.join(' | ')}`);
      const [cell, , sentAs, connection, close] = r as [string, string, string, string, string];
      const code = codeOf(cell)!;
      if (close === '—') {
        // never closes (or never sent by a server at all)
        assert.ok(connection === 'stays open' || sentAs.startsWith('—'), `${code}: no close code, so it stays open or is never sent (${connection})`);
        continue;
      }
      assert.match(close, /^\d{4}$/, `${code}: a close code`);
      assert.ok(/closes/.test(connection), `${code}: a close code only where the connection closes (${connection})`);
      assert.equal(closeCodeFor(code as Parameters<typeof closeCodeFor>[0]), Number(close), `${code}: closeCodeFor`);
    }
  });

  it('the close codes named in the table are those of the close-code table, and CLOSE has no other', () => {
    const closeRows = tableAfter('WebSocket close codes the server uses (informational; the `error` event or Error message sent\njust before says why):');
    const documented = new Set(closeRows.map((r) => Number(r[0])));
    for (const v of Object.values(CLOSE)) assert.ok(documented.has(v), `close code ${v} is documented`);
    for (const r of rows) if (r[4] !== '—') assert.ok(documented.has(Number(r[4])), `${r[0]}: close ${r[4]} is in the close-code table`);
  });
});

describe('docs/PROTOCOL.md §Frames', () => {
  it('the receiver checks table: seven steps, each check stated once (replay and out_of_order are different checks)', () => {
    const at = doc.indexOf('A receiver processes a frame in this order');
    assert.ok(at >= 0);
    const rows = tableAfter(doc.slice(doc.lastIndexOf('\n', at) + 1, doc.indexOf('\n', at)));
    assert.deepEqual(rows.map((r) => r[0]), ['1', '2', '3', '4', '5', '6', '7']);
    assert.equal(new Set(rows.map((r) => r[1])).size, rows.length, 'no two rows state the same check');
    assert.deepEqual(rows.map((r) => r[2]), ['`too_large`', '`unexpected_message`', '`malformed`', '`decrypt_failed`', '`replay`', '`out_of_order`', '`malformed`']);
  });
});
