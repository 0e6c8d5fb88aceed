/** Text helpers (sanitising untrusted text, terminal widths) and the terminal prompts. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { promptLine, promptSecret } from '../../src/client/prompt.js';
import {
  displayWidth,
  graphemeBoundaries,
  graphemes,
  graphemesBefore,
  graphemesFrom,
  graphemeWidth,
  nextGraphemeBoundary,
  prevGraphemeBoundary,
  safeJson,
  snapToGrapheme,
  sanitize, sanitizeKeepingColour, sanitizeLines,
  stripAnsi,
  truncateToWidth,
} from '../../src/client/text.js';

describe('sanitize', () => {
  const cases: [string, string][] = [
    ['plain text ✓ 日本 👍🏽', 'plain text ✓ 日本 👍🏽'],
    ['a\x1b[2Jb', 'a^[[2Jb'],
    ['title\x1b]0;x\x07', 'title^[]0;x^G'],
    ['a\r\nb\nc\rd\u2028e', 'a⏎b⏎c⏎d⏎e'],
    ['tab\there', 'tab here'],
    ['del\x7f', 'del^?'],
    ['nul\x00', 'nul^@'],
    ['c1\u009b31m', 'c1\\u{9b}31m'],
    ['bidi \u202eevil\u202c \u2066x\u2069 \u200f', 'bidi \\u{202e}evil\\u{202c} \\u{2066}x\\u{2069} \\u{200f}'],
    ['lone \ud800 surrogate', 'lone \ufffd surrogate'],
    ['zwj 👩\u200d💻 kept', 'zwj 👩\u200d💻 kept'],
  ];
  for (const [input, want] of cases) it(JSON.stringify(input), () => assert.equal(sanitize(input), want));

  it('sanitizeKeepingColour keeps SGR and line breaks only', () => {
    assert.equal(sanitizeKeepingColour('\x1b[31mred\x1b[0m\x1b[2J\nnext\x1b[1;97;41mX\x1b[0m'), '\x1b[31mred\x1b[0m^[[2J\nnext\x1b[1;97;41mX\x1b[0m');
    assert.equal(stripAnsi('\x1b[31mred\x1b[39m'), 'red');
  });
});

describe('sanitizeLines and safeJson', () => {
  it('sanitizeLines keeps line breaks between lines and neutralises each line', () => {
    assert.equal(sanitizeLines('one\x1b]0;t\x07\ntwo\r\u202e'), 'one^[]0;t^G\ntwo⏎\\u{202e}');
  });

  it('safeJson: the same value, with DEL, C1, bidi controls and U+2028/9 escaped too', () => {
    const value = { s: 'a\x1b\x7f\x9b\u061c\u200e\u200f\u202a\u202e\u2066\u2069\u2028\u2029\ud800"\\é✓', [`k\u202e`]: [1, null] };
    const out = safeJson(value);
    assert.doesNotMatch(out, /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]/);
    assert.deepEqual(JSON.parse(out), value);
    assert.match(out, /é✓/, 'other characters stay as they are');
  });
});

describe('widths', () => {
  it('counts columns like a terminal', () => {
    assert.equal(displayWidth('hello'), 5);
    assert.equal(displayWidth('héllo'), 5);
    assert.equal(displayWidth('he\u0301llo'), 5, 'combining accent');
    assert.equal(displayWidth('日本語'), 6);
    assert.equal(displayWidth('한국어'), 6);
    assert.equal(displayWidth('ｆｕｌｌ'), 8);
    assert.equal(displayWidth('👍'), 2);
    assert.equal(displayWidth('👍🏽'), 2);
    assert.equal(displayWidth('👩\u200d💻'), 2);
    assert.equal(displayWidth('🇫🇷'), 2);
    assert.equal(displayWidth('❤️'), 2, 'emoji presentation selector');
    assert.equal(displayWidth('✓ ✗'), 3);
    assert.equal(displayWidth('\x1b[31mred\x1b[39m'), 3);
    assert.equal(graphemeWidth('\u200b'), 0);
  });

  it('splits graphemes and truncates to a width', () => {
    assert.deepEqual(graphemes('a👍🏽e\u0301'), ['a', '👍🏽', 'e\u0301']);
    assert.equal(truncateToWidth('日本語', 5), '日本');
    assert.equal(truncateToWidth('abc', 5), 'abc');
  });
});

/** The answers of the windowed helpers, computed from a full segmentation of `s`. */
function fromFullSegmentation(s: string) {
  const b = graphemeBoundaries(s);
  return {
    next: (i: number) => b.find((x) => x > i) ?? s.length,
    prev: (i: number) => [...b].reverse().find((x) => x < i) ?? 0,
    snap: (i: number) => (i <= 0 ? 0 : (b.find((x) => x >= i) ?? s.length)),
    clusters: b.slice(1).map((x, k) => [b[k]!, x] as [number, number]),
  };
}

function checkWindowed(s: string): void {
  const want = fromFullSegmentation(s);
  for (let i = 0; i <= s.length; i++) {
    assert.equal(nextGraphemeBoundary(s, i), want.next(i), `next(${i}) of ${JSON.stringify(s)}`);
    assert.equal(prevGraphemeBoundary(s, i), want.prev(i), `prev(${i}) of ${JSON.stringify(s)}`);
    assert.equal(snapToGrapheme(s, i), want.snap(i), `snap(${i}) of ${JSON.stringify(s)}`);
  }
  assert.deepEqual([...graphemesFrom(s, 0)], want.clusters, `graphemesFrom of ${JSON.stringify(s)}`);
  assert.deepEqual([...graphemesBefore(s, s.length)].reverse(), want.clusters, `graphemesBefore of ${JSON.stringify(s)}`);
}

describe('grapheme boundaries near an offset (windowed) agree with a full segmentation', () => {
  // the characters grapheme rules treat specially, each next to plain text
  const tricky = [
    'e\u0301', '👍🏽', '👩\u200d💻', '🇫🇷🇩🇪🇮', '\r\n', 'क्ष', 'क्\u200dष', '각', '\u1100\u1161\u11a8', 'ำ', '\u0600a', 'ﾞ', '🏽',
    '\u200d', '\ud800', '\udc00', '©\ufe0f', '1\ufe0f\u20e3', 'a\u0308\u0301\u0302', '日本', ' ', 'x',
  ];
  it('on a table of tricky text', () => {
    for (const t of tricky) for (const u of tricky) checkWindowed(`ab ${t}${u} cd`);
  });
  it('on long runs that have no safe break (combining marks, regional indicators, emoji sequences)', () => {
    checkWindowed(`a${'\u0301'.repeat(700)}b`);
    checkWindowed('🇫'.repeat(601));
    checkWindowed(`x${'👩\u200d'.repeat(300)}💻 y`);
    checkWindowed('日本語'.repeat(200));
  });
  it('on random strings of those pieces (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tricky, 'word ', '\u0301'.repeat(3)), { maxLength: 120 }), (parts) => checkWindowed(parts.join(''))),
      { numRuns: 300 },
    );
  });
});

describe('terminal prompts', () => {
  const run = async (fn: typeof promptLine, keys: string[]): Promise<{ answer: string | null; shown: string }> => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (d: Buffer) => (shown += d.toString()));
    const p = fn('Q? ', input, output);
    for (const k of keys) {
      input.write(k);
      await new Promise((r) => setImmediate(r));
    }
    return { answer: await p, shown };
  };

  it('promptLine echoes and supports backspace', async () => {
    const r = await run(promptLine, ['bobx', '\x7f', '\r']);
    assert.equal(r.answer, 'bob');
    assert.equal(r.shown, 'Q? bobx\b \b\n');
  });

  it('promptSecret shows nothing of the secret', async () => {
    const r = await run(promptSecret, ['s3cret é', '\r']);
    assert.equal(r.answer, 's3cret é');
    assert.equal(r.shown, 'Q? \n');
  });

  it('Ctrl+C and Ctrl+D on an empty line give null', async () => {
    assert.equal((await run(promptLine, ['ab', '\x03'])).answer, null);
    assert.equal((await run(promptLine, ['\x04'])).answer, null);
  });
});
