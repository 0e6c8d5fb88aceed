/** The page's /help: HELP_TEXT read into sections of rows (no run-on paragraph, no ⏎), adapted to the page. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HELP_TEXT } from '../../src/client/input.js';
import { helpSections, webHelp } from '../../src/web/help.js';

describe('helpSections', () => {
  it('reads titles, rows and continuation lines', () => {
    const text = 'Commands:\n  /a ARG        does a\n  /b           does b,\n               and more\nAfter:\n  ✓            fine\n  stray line';
    assert.deepEqual(helpSections(text), [
      { title: 'Commands', rows: [{ term: '/a ARG', text: 'does a' }, { term: '/b', text: 'does b, and more' }] },
      { title: 'After', rows: [{ term: '✓', text: 'fine' }, { term: '', text: 'stray line' }] },
    ]);
  });

  it('every command of HELP_TEXT becomes its own row; no text keeps a line break', () => {
    const rows = helpSections(HELP_TEXT).flatMap((s) => s.rows);
    const commands = [...HELP_TEXT.matchAll(/^ {2}(\/\S+)/gm)].map((m) => m[1]);
    assert.ok(commands.length >= 10);
    for (const c of commands) assert.ok(rows.some((r) => r.term.split(' ')[0] === c), `${c} has a row`);
    for (const r of rows) assert.ok(!/[\n⏎]/.test(r.term + r.text), JSON.stringify(r));
  });
});

describe('webHelp', () => {
  it('says what /quit does in a page, shows the page\'s marks, and adds the page\'s keys', () => {
    const sections = webHelp();
    const rows = sections.flatMap((s) => s.rows);
    const quit = rows.find((r) => r.term.startsWith('/quit'))!;
    assert.doesNotMatch(quit.text, /Ctrl/);
    assert.match(quit.text, /reload the page/);
    assert.ok(rows.some((r) => r.term === '⚠ not verified'));
    assert.match(rows.find((r) => r.term === '✓')!.text, /signed under the key this browser pinned/);
    assert.ok(!rows.some((r) => /HASH MISMATCH/.test(r.term)));
    assert.ok(!rows.some((r) => /does not prove who wrote it/.test(r.text)), 'the old meaning of ✓ is gone');
    assert.ok(rows.some((r) => r.term === 'Alt+Up / Alt+Down'));
  });

  it('lists /verify and /trust once, among the commands, before /fingerprint', () => {
    for (const text of [HELP_TEXT, `${HELP_TEXT.split('\n')[0]}\n  /verify NAME      compare\n  /trust NAME       accept\n  /fingerprint      keys`]) {
      const commands = webHelp(text)[0]!.rows.map((r) => r.term.split(' ')[0]);
      for (const c of ['/verify', '/trust']) assert.equal(commands.filter((t) => t === c).length, 1, `${c} in ${commands.join(' ')}`);
      assert.ok(commands.indexOf('/trust') < commands.indexOf('/fingerprint'));
    }
  });
});
