/**
 * ChatScreen with in-memory streams and a virtual terminal: editing keys, history, paste,
 * printing above a half-typed line, horizontal scrolling, resize, quitting. The same invariant
 * on a real terminal is checked by screen-pty.test.ts (tmux).
 */
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { ChatScreen } from '../../src/client/screen.js';
import { displayWidth } from '../../src/client/text.js';
import { VTerm } from './vterm.js';

class FakeOutput extends Writable {
  columns: number;
  rows: number;
  isTTY = false;
  raw = '';
  constructor(
    readonly term: VTerm,
  ) {
    super({ decodeStrings: false });
    this.columns = term.cols;
    this.rows = term.rows;
  }
  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: () => void): void {
    const s = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    this.raw += s;
    this.term.write(s);
    cb();
  }
  resize(cols: number): void {
    this.columns = cols;
    this.term.cols = cols;
    for (const row of this.term.grid) row.length = cols;
    for (const row of this.term.grid) for (let i = 0; i < cols; i++) if (row[i] === undefined) row[i] = ' ';
    this.term.x = Math.min(this.term.x, cols - 1);
    this.emit('resize');
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function setup(opts: { cols?: number; rows?: number; name?: string } = {}) {
  const term = new VTerm(opts.cols ?? 60, opts.rows ?? 10);
  const input = new PassThrough();
  const output = new FakeOutput(term);
  const screen = new ChatScreen({ input, output, name: opts.name ?? 'alice', color: false });
  const lines: string[] = [];
  let quits = 0;
  screen.onLine((l) => lines.push(l));
  screen.onQuit(() => quits++);
  const type = async (...keys: string[]): Promise<void> => {
    for (const k of keys) {
      input.write(k);
      await tick();
    }
  };
  return { term, input, output, screen, lines, type, quits: () => quits };
}

const K = {
  enter: '\r',
  backspace: '\x7f',
  left: '\x1b[D',
  right: '\x1b[C',
  up: '\x1b[A',
  down: '\x1b[B',
  home: '\x1b[H',
  end: '\x1b[F',
  del: '\x1b[3~',
  ctrlA: '\x01',
  ctrlC: '\x03',
  ctrlD: '\x04',
  ctrlE: '\x05',
  ctrlK: '\x0b',
  ctrlL: '\x0c',
  ctrlU: '\x15',
  ctrlW: '\x17',
  ctrlLeft: '\x1b[1;5D',
  ctrlRight: '\x1b[1;5C',
  pasteStart: '\x1b[200~',
  pasteEnd: '\x1b[201~',
};

describe('ChatScreen editing', () => {
  it('shows the prompt with status, room and name', async () => {
    const { term, screen } = await setup();
    assert.deepEqual(term.lines(), ['alice>']);
    screen.setPrompt('lobby');
    assert.deepEqual(term.lines(), ['[#lobby] alice>']);
    screen.setStatus('connecting…');
    assert.deepEqual(term.lines(), ['(connecting…) [#lobby] alice>']);
    screen.setStatus('');
    screen.setName('al');
    assert.deepEqual(term.lines(), ['[#lobby] al>']);
    screen.close();
  });

  it('inserts UTF-8 text, moves by graphemes, deletes', async () => {
    const { screen, type, term } = await setup();
    await type('héllo ', '日本', '👍🏽');
    assert.equal(screen.line, 'héllo 日本👍🏽');
    assert.equal(screen.cursor, screen.line.length);
    assert.equal(term.x, displayWidth('alice> héllo 日本👍🏽'));
    await type(K.backspace);
    assert.equal(screen.line, 'héllo 日本', 'one backspace removes the whole emoji with its modifier');
    await type(K.left, K.left, 'X');
    assert.equal(screen.line, 'héllo X日本');
    assert.equal(term.x, displayWidth('alice> héllo X'));
    await type(K.home, '>', K.end, '<');
    assert.equal(screen.line, '>héllo X日本<');
    await type(K.ctrlA, K.del, K.ctrlE, K.backspace);
    assert.equal(screen.line, 'héllo X日本');
    await type(K.ctrlA, K.right, K.right, K.ctrlK);
    assert.equal(screen.line, 'hé');
    assert.deepEqual(term.lines(), ['alice> hé']);
    screen.close();
  });

  it('Ctrl+U erases to the start, Ctrl+W the word before the cursor, Ctrl+Left/Right move by words', async () => {
    const { screen, type } = await setup();
    await type('one two  three');
    await type(K.ctrlW);
    assert.equal(screen.line, 'one two  ');
    await type(K.ctrlW);
    assert.equal(screen.line, 'one ');
    await type('two three', K.ctrlLeft, K.ctrlLeft);
    assert.equal(screen.cursor, 4);
    await type(K.ctrlRight);
    assert.equal(screen.cursor, 7);
    await type(K.ctrlU);
    assert.equal(screen.line, ' three');
    assert.equal(screen.cursor, 0);
    screen.close();
  });

  it('Enter submits the line and clears it; an empty line is not submitted', async () => {
    const { screen, type, lines, term } = await setup();
    await type('hello', K.enter, K.enter, '  ', K.enter);
    assert.deepEqual(lines, ['hello', '  ']);
    assert.equal(screen.line, '');
    assert.deepEqual(term.lines(), ['alice>']);
    screen.close();
  });

  it('history: Up/Down walk submitted lines and give back the draft', async () => {
    const { screen, type } = await setup();
    await type('first', K.enter, 'second', K.enter, 'second', K.enter, 'draft');
    await type(K.up);
    assert.equal(screen.line, 'second');
    await type(K.up);
    assert.equal(screen.line, 'first', 'consecutive duplicates are kept once');
    await type(K.up);
    assert.equal(screen.line, 'first');
    await type(K.down, K.down);
    assert.equal(screen.line, 'draft');
    await type(K.down);
    assert.equal(screen.line, 'draft');
    screen.close();
  });

  it('a paste never submits: its line breaks become spaces', async () => {
    const { screen, type, lines } = await setup();
    await type(`${K.pasteStart}line one\r\nline two\tend${K.pasteEnd}`);
    assert.deepEqual(lines, []);
    assert.equal(screen.line, 'line one  line two end');
    screen.close();
  });

  it('ignores other control characters', async () => {
    const { screen, type } = await setup();
    await type('a', '\x00', '\x07', '\x1c', '\t', '\x1b[15~', 'c');
    assert.equal(screen.line, 'ac');
    screen.close();
  });
});

describe('ChatScreen with long input', () => {
  const TEXT = 'lorem ipsum dolor sit amet, 日本語 👍🏽 café '.repeat(2600).slice(0, 100_000);

  /** CPU time of this process so far, in ms (user + system). */
  const cpuMs = (): number => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };

  /**
   * Feeds `chunks` to the screen one macrotask apart (as a terminal delivers them) and measures
   * it in CPU time, so that the machine's load does not enter the result: the CPU the whole feed
   * took, and the most CPU spent between two ticks of a 5 ms timer — the longest stretch of work
   * that kept the event loop from running anything else (when the process is merely descheduled,
   * wall time passes but no CPU does). The wall time is reported too.
   */
  async function feed(chunks: (string | Buffer)[], screen: ChatScreen, input: PassThrough, want: number): Promise<{ ms: number; cpu: number; maxStallCpu: number }> {
    let last = cpuMs();
    let maxStallCpu = 0;
    const lag = setInterval(() => {
      const now = cpuMs();
      maxStallCpu = Math.max(maxStallCpu, now - last);
      last = now;
    }, 5);
    const t0 = performance.now();
    const c0 = cpuMs();
    for (const c of chunks) {
      input.write(c);
      await tick();
    }
    while (screen.line.length < want && performance.now() - t0 < 60_000) await tick();
    const cpu = cpuMs() - c0;
    const ms = performance.now() - t0;
    clearInterval(lag);
    return { ms, cpu, maxStallCpu: Math.max(maxStallCpu, cpuMs() - last) };
  }

  const cases: [string, (t: string) => (string | Buffer)[]][] = [
    ['a bracketed paste', (t) => [K.pasteStart, ...chunked(t, 65536), K.pasteEnd]],
    ['keystrokes in 4 KB chunks', (t) => chunked(t, 4096)],
    ['keystrokes in 64 KB chunks', (t) => chunked(t, 65536)],
  ];
  for (const [what, split] of cases) {
    it(`a 100 KB line as ${what} lands in well under a second without blocking the event loop`, async (t) => {
      const { screen, input, term, lines } = await setup({ cols: 80, rows: 5 });
      const { ms, cpu, maxStallCpu } = await feed(split(TEXT), screen, input, TEXT.length);
      t.diagnostic(`${what}: ${TEXT.length} code units in ${cpu.toFixed(0)} ms of CPU (${ms.toFixed(0)} ms wall); longest event-loop stall ${maxStallCpu.toFixed(0)} ms of CPU`);
      assert.equal(screen.line, TEXT);
      assert.equal(screen.cursor, TEXT.length);
      assert.deepEqual(lines, [], 'nothing submitted');
      assert.ok(cpu < 1000, `took ${cpu.toFixed(0)} ms of CPU`);
      assert.ok(maxStallCpu < 250, `the event loop was blocked by ${maxStallCpu.toFixed(0)} ms of work`);
      await tick();
      const row = term.lines().at(-1)!;
      assert.ok(row.startsWith('alice> ') && displayWidth(row) <= 79, row);
      assert.ok(TEXT.endsWith(row.slice('alice> '.length)), `the row shows the end of the line: ${row}`);
      assert.equal(term.x, displayWidth(row), 'the cursor is at the end');
      screen.close();
    });
  }

  it('editing keys stay fast on a 100 KB line', async () => {
    const { screen, type, input } = await setup({ cols: 80, rows: 5 });
    await feed([K.pasteStart, TEXT, K.pasteEnd], screen, input, TEXT.length);
    const c0 = cpuMs(); // CPU time: the machine's load must not decide this
    for (let i = 0; i < 200; i++) await type(K.left);
    await type('X', K.backspace, K.home, K.right, K.end, K.ctrlW);
    const cpu = cpuMs() - c0;
    assert.ok(cpu < 1000, `206 keys took ${cpu.toFixed(0)} ms of CPU`);
    assert.equal(screen.line, TEXT.slice(0, TEXT.lastIndexOf(' ', TEXT.length - 1) + 1));
    screen.close();
  });

  it('a line an onLine callback refuses (returns false) stays on the input row as typed', async () => {
    const { screen, type, term } = await setup();
    const seen: string[] = [];
    screen.onLine((l) => (seen.push(l), l.length <= 5));
    await type('toolong', K.left, K.enter);
    assert.deepEqual(seen, ['toolong']);
    assert.equal(screen.line, 'toolong');
    assert.equal(screen.cursor, 6, 'the cursor did not move');
    assert.equal(term.lines().at(-1), 'alice> toolong');
    await type(K.ctrlU, K.end, K.ctrlU, 'short', K.enter);
    assert.equal(screen.line, '');
    assert.equal(screen.restoreLine('back again'), true);
    assert.equal(term.lines().at(-1), 'alice> back again');
    await type('!');
    assert.equal(screen.restoreLine('not over a draft'), false);
    assert.equal(screen.line, 'back again!');
    screen.close();
  });
});

/** The UTF-8 bytes of `s` in chunks of `size` (a chunk may end inside a character, as a terminal's may). */
function chunked(s: string, size: number): Buffer[] {
  const bytes = Buffer.from(s, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

describe('ChatScreen printing', () => {
  it('prints above the half-typed line and keeps it and the cursor intact', async () => {
    const { screen, type, term } = await setup({ cols: 40, rows: 6 });
    screen.setPrompt('lobby');
    await type('half typed', K.left, K.left);
    for (let i = 1; i <= 8; i++) screen.print(`<bob> incoming ${i}`);
    const rows = term.lines();
    assert.deepEqual(rows, ['<bob> incoming 4', '<bob> incoming 5', '<bob> incoming 6', '<bob> incoming 7', '<bob> incoming 8', '[#lobby] alice> half typed']);
    assert.equal(term.y, 5);
    assert.equal(term.x, displayWidth('[#lobby] alice> half typ'));
    await type('X');
    assert.equal(term.lines().at(-1), '[#lobby] alice> half typXed');
    screen.close();
  });

  it('prints several lines and lines longer than the terminal', async () => {
    const { screen, type, term } = await setup({ cols: 20, rows: 8 });
    await type('abc');
    screen.print('one\ntwo');
    screen.print('x'.repeat(25));
    assert.deepEqual(term.lines(), ['one', 'two', 'x'.repeat(20), 'x'.repeat(5), 'alice> abc']);
    screen.close();
  });

  it('neutralises escape sequences but keeps colours; rings the bell on request', async () => {
    const { screen, term, output } = await setup();
    screen.print('\x1b[31mred\x1b[39m and \x1b[2Jclear\x1b]0;title\x07');
    assert.equal(term.lines()[0], 'red and ^[[2Jclear^[]0;title^G');
    assert.match(output.raw, /\x1b\[31mred\x1b\[39m/);
    assert.equal(term.bells, 0);
    screen.print('ding', { bell: true });
    assert.equal(term.bells, 1);
    screen.bell();
    assert.equal(term.bells, 2);
    screen.close();
  });

  it('scrolls a long input line horizontally: never wraps, the cursor stays visible', async () => {
    const { screen, type, term } = await setup({ cols: 30, rows: 4 });
    const text = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ';
    await type(text);
    const row = term.lines().at(-1)!;
    assert.equal(term.lines().length, 1, 'one row');
    assert.ok(displayWidth(row) <= 29, row);
    assert.ok(row.endsWith('FGHIJ'), row);
    assert.ok(row.startsWith('alice> '), row);
    assert.equal(term.x, displayWidth(row));
    await type(K.home);
    assert.equal(term.lines().at(-1), 'alice> abcdefghijklmnopqrstuv');
    assert.equal(term.x, 7);
    await type(K.end);
    screen.print('incoming');
    assert.deepEqual(term.lines(), ['incoming', row]);
    assert.equal(screen.line, text);
    screen.close();
  });

  it('wide characters at the edge do not overflow the row', async () => {
    const { type, term, screen } = await setup({ cols: 20, rows: 3 });
    await type('日本語日本語日本語日本語');
    const row = term.lines().at(-1)!;
    assert.ok(displayWidth(row) <= 19, row);
    assert.equal(term.lines().length, 1);
    screen.close();
  });

  it('on a narrow terminal, shortens the prompt: a connected status goes first', async () => {
    const { screen, term } = await setup({ cols: 40, rows: 3 });
    screen.setPrompt('lobby');
    screen.setStatus('connected');
    assert.equal(term.lines().at(-1), '[#lobby] alice>');
    screen.setStatus('reconnecting in 3s');
    assert.equal(term.lines().at(-1), '(reconnecting in 3s) >');
    screen.close();
  });

  it('redraws the input line after a resize; Ctrl+L clears and reprints recent lines', async () => {
    const { screen, type, term, output } = await setup({ cols: 60, rows: 5 });
    screen.print('m1');
    await type('typing here');
    output.resize(30);
    assert.equal(term.lines().at(-1), 'alice> typing here');
    await type(K.ctrlL);
    assert.deepEqual(term.lines(), ['m1', 'alice> typing here']);
    screen.close();
  });
});

describe('ChatScreen quitting', () => {
  it('Ctrl+C quits: closes itself first, then calls onQuit; later keys do nothing', async () => {
    const { screen, type, quits, term } = await setup();
    await type('abc');
    let closedAtQuit = false;
    screen.onQuit(() => (closedAtQuit = screen.closed));
    await type(K.ctrlC);
    assert.equal(quits(), 1);
    assert.equal(closedAtQuit, true);
    assert.deepEqual(term.lines(), [], 'the input line is erased');
    await type('x', K.ctrlC);
    assert.equal(quits(), 1);
    assert.equal(screen.line, 'abc');
    screen.close(); // idempotent
  });

  it('Ctrl+D deletes forward on a non-empty line and quits on an empty one', async () => {
    const { screen, type, quits } = await setup();
    await type('ab', K.home, K.ctrlD);
    assert.equal(screen.line, 'b');
    assert.equal(quits(), 0);
    await type(K.ctrlD, K.ctrlD);
    assert.equal(quits(), 1);
  });

  it('after close, print writes plain lines', async () => {
    const { screen, output } = await setup();
    screen.close();
    const before = output.raw.length;
    screen.print('bye');
    assert.equal(output.raw.slice(before), 'bye\n');
  });
});
