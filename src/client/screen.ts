/**
 * The interactive terminal screen of `parley chat`, in the style of IRC clients and ssh-chat:
 * messages scroll up the terminal, and the last row is the input line
 *
 *   (connected) [#lobby] alice> half-typed te▌xt
 *
 * which incoming text never garbles: `print` erases the input row, writes the text there (the
 * terminal scrolls as usual, so scrollback keeps working), and redraws the prompt and the
 * half-typed line with the cursor where it was — all in one write.
 *
 * How: raw mode, keys decoded by node:readline's `emitKeypressEvents` (only the decoder; no
 * readline Interface), and plain ANSI sequences. The input row never wraps: a line longer than
 * the terminal scrolls horizontally, so redrawing is always "carriage return, erase row, draw".
 *
 * Keys: printable text (UTF-8, wide characters, emoji; graphemes move as one), Backspace,
 * Delete, Left/Right, Home/End (and Ctrl+A/Ctrl+E), Ctrl+Left/Right (word), Ctrl+U (erase to
 * the start), Ctrl+K (erase to the end), Ctrl+W (erase the word before the cursor), Up/Down
 * (history, Ctrl+P/Ctrl+N too), Enter (submit), Ctrl+L (clear and redraw), Ctrl+C (quit),
 * Ctrl+D (quit on an empty line, else delete forward), Ctrl+Z (suspend; the terminal is
 * restored meanwhile). A paste (bracketed paste) never submits: its line breaks become spaces.
 *
 * Resize: the row is redrawn at the new width. Terminals that reflow lines on resize (tmux,
 * VTE, kitty, iTerm2, Windows Terminal) wrap the old input row when the window gets narrower; the
 * screen goes up to its start before redrawing, also when a message arrives before Node has seen
 * SIGWINCH (the width is read from the terminal at every write). On a terminal that does not
 * reflow (xterm) that can erase a row or two of messages from view, never the input line.
 *
 * The bell: `print(text, { bell: true })` rings it; format.ts's `shouldBell(event, me)` says
 * when (a direct message to the user, or a room message mentioning the user's name).
 *
 * Rules for the caller: while the screen is open, write to the terminal only through `print`
 * (anything written to stdout or stderr directly lands in the middle of the input row). On
 * Ctrl+C / Ctrl+D the screen closes itself (the terminal is restored) and then calls the onQuit
 * callbacks. The terminal is also restored if the process exits without close().
 */
import { emitKeypressEvents } from 'node:readline';
import { useColor } from './format.js';
import { displayWidth, graphemeBoundaries, graphemes, graphemeWidth, sanitize, sanitizeKeepingColour, stripAnsi, truncateToWidth } from './text.js';

/** The input side: a TTY read stream, or any readable (tests). */
export type ScreenInput = NodeJS.ReadableStream & { isTTY?: boolean; isRaw?: boolean; setRawMode?: (mode: boolean) => unknown };
/** The output side: a TTY write stream, or any writable with `columns` (tests). */
export type ScreenOutput = NodeJS.WritableStream & {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  /** tty.WriteStream's: the size right now (an ioctl), not as of the last SIGWINCH. */
  getWindowSize?: () => [number, number];
  on(ev: 'resize', cb: () => void): unknown;
};

/** Options of ChatScreen. */
export interface ChatScreenOptions {
  input: ScreenInput;
  output: ScreenOutput;
  /** The user's name, shown in the prompt. */
  name: string;
  /** Colours (default: useColor(output)). */
  color?: boolean;
  /** Lines of input history kept (default 500). */
  historySize?: number;
  /** Printed lines kept for Ctrl+L (default 1000). */
  scrollback?: number;
}

/** The tone of the status shown in the prompt. */
export type StatusTone = 'ok' | 'busy' | 'error';

interface Key {
  sequence?: string;
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
}

const CONTROL_RE = /[\x00-\x1f\x7f-\x9f]/;

/**
 * The interactive screen. `onLine(cb)` gets every submitted non-empty line; `onQuit(cb)` is
 * called once on Ctrl+C / Ctrl+D (after the terminal was restored); `print(text)` shows text
 * above the input line (several lines allowed; SGR colours kept, other control characters made
 * visible); `setStatus(text, tone)` and `setPrompt(room)` change the prompt; `close()` restores
 * the terminal (idempotent).
 */
export class ChatScreen {
  private readonly input: ScreenInput;
  private readonly output: ScreenOutput;
  private readonly color: boolean;
  private readonly historySize: number;
  private readonly scrollbackSize: number;
  private name: string;
  private room: string | undefined;
  private status = '';
  private tone: StatusTone = 'busy';
  private buf = '';
  private cur = 0; // code-unit offset in buf, on a grapheme boundary
  private scroll = 0; // code-unit offset of the first visible grapheme
  private history: string[] = [];
  private histPos = -1; // -1: editing the draft; else an index into history (0 = newest)
  private draft = '';
  private pasting = false;
  private lastCursorCol = 0; // where the cursor was left on the input row
  private lastCols: number;
  private readonly printed: string[] = [];
  private readonly lineCbs: ((line: string) => void)[] = [];
  private readonly quitCbs: (() => void)[] = [];
  private isClosed = false;
  private readonly wasRaw: boolean;
  private readonly onKeypress = (s: string | undefined, key: Key | undefined): void => this.handleKey(s, key ?? { sequence: s });
  private readonly onResize = (): void => this.resized();
  private readonly onExit = (): void => this.restoreTerminal();
  private readonly onCont = (): void => this.resumed();

  constructor(opts: ChatScreenOptions) {
    this.input = opts.input;
    this.output = opts.output;
    this.name = sanitize(opts.name);
    this.color = opts.color ?? useColor(opts.output, process.env);
    this.historySize = opts.historySize ?? 500;
    this.scrollbackSize = opts.scrollback ?? 1000;
    this.lastCols = this.cols();
    this.wasRaw = this.input.isRaw === true;
    emitKeypressEvents(this.input as NodeJS.ReadableStream);
    this.enterRaw();
    this.input.on('keypress', this.onKeypress);
    this.input.resume();
    this.output.on('resize', this.onResize);
    process.on('exit', this.onExit);
    if (process.platform !== 'win32') process.on('SIGCONT', this.onCont);
    this.draw();
  }

  /** Registers a callback for each submitted line (Enter on a non-empty line). */
  onLine(cb: (line: string) => void): void {
    this.lineCbs.push(cb);
  }

  /** Registers a callback for Ctrl+C / Ctrl+D (called after the screen closed itself). */
  onQuit(cb: () => void): void {
    this.quitCbs.push(cb);
  }

  /** The half-typed line (for tests and for a caller that wants to keep it). */
  get line(): string {
    return this.buf;
  }

  /** The cursor's position in `line`, in UTF-16 code units. */
  get cursor(): number {
    return this.cur;
  }

  /** True after close(). */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Prints text above the input line, keeping the half-typed line intact; `bell` rings the terminal bell. */
  print(text: string, opts: { bell?: boolean } = {}): void {
    const lines = sanitizeKeepingColour(text).split('\n');
    for (const l of lines) this.printed.push(l);
    if (this.printed.length > this.scrollbackSize) this.printed.splice(0, this.printed.length - this.scrollbackSize);
    if (this.isClosed) {
      this.output.write(lines.join('\n') + '\n');
      return;
    }
    const reset = this.color ? '\x1b[0m' : '';
    const fix = this.unwrapInputRow(this.cols());
    this.write(`${fix}\r\x1b[2K${lines.map((l) => l + reset).join('\r\n')}\r\n${opts.bell ? '\x07' : ''}${this.renderInput()}`);
  }

  /** Rings the terminal bell. */
  bell(): void {
    if (!this.isClosed) this.write('\x07');
  }

  /** The connection state in the prompt, e.g. 'connecting…', 'reconnecting in 3s', 'connected'; '' hides it. */
  setStatus(text: string, tone: StatusTone = text === 'connected' ? 'ok' : 'busy'): void {
    this.status = sanitize(stripAnsi(text));
    this.tone = tone;
    this.draw();
  }

  /** The current room in the prompt (undefined: none). */
  setPrompt(room: string | undefined): void {
    this.room = room === undefined ? undefined : sanitize(room);
    this.draw();
  }

  /** The user's name in the prompt. */
  setName(name: string): void {
    this.name = sanitize(name);
    this.draw();
  }

  /** Redraws the input line. */
  redraw(): void {
    this.draw();
  }

  /** Restores the terminal (cooked mode, cursor visible), erases the input line, stops reading. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.input.off('keypress', this.onKeypress);
    this.output.off?.('resize', this.onResize);
    process.off('exit', this.onExit);
    process.off('SIGCONT', this.onCont);
    this.restoreTerminal();
    this.input.pause();
  }

  // -------------------------------------------------------------------------------- terminal

  private write(s: string): void {
    this.output.write(s);
  }

  private cols(): number {
    // ask the terminal itself when possible: a message may arrive after the terminal changed
    // size but before Node has handled SIGWINCH
    if (this.output.isTTY && typeof this.output.getWindowSize === 'function') {
      try {
        const [c] = this.output.getWindowSize();
        if (c > 0) return c;
      } catch {
        // fall back to the last known size
      }
    }
    const c = this.output.columns;
    return typeof c === 'number' && c > 0 ? c : 80;
  }

  private enterRaw(): void {
    if (this.input.isTTY && this.input.setRawMode) this.input.setRawMode(true);
    if (this.output.isTTY) this.write('\x1b[?2004h'); // bracketed paste
  }

  private restoreTerminal(): void {
    this.write(`\r\x1b[2K${this.output.isTTY ? '\x1b[?2004l' : ''}\x1b[?25h${this.color ? '\x1b[0m' : ''}`);
    if (this.input.isTTY && this.input.setRawMode) {
      try {
        this.input.setRawMode(this.wasRaw);
      } catch {
        // the terminal may be gone
      }
    }
  }

  private suspend(): void {
    if (!this.input.isTTY || process.platform === 'win32') return;
    this.restoreTerminal();
    process.kill(process.pid, 'SIGTSTP');
  }

  private resumed(): void {
    if (this.isClosed) return;
    this.enterRaw();
    this.draw();
  }

  private resized(): void {
    if (!this.isClosed) this.write(this.renderInput());
  }

  /**
   * When the terminal got narrower since the input row was drawn, terminals that reflow (tmux,
   * VTE, kitty, iTerm2…) have wrapped that row: the sequence that goes up to where it starts now
   * and erases to the end of the screen. Empty when the width did not shrink.
   */
  private unwrapInputRow(cols: number): string {
    const up = cols < this.lastCols ? Math.floor(this.lastCursorCol / cols) : 0;
    const changed = cols !== this.lastCols;
    this.lastCols = cols;
    if (!changed) return '';
    return `${up > 0 ? `\x1b[${up}A` : ''}\r\x1b[J`;
  }

  private clearScreen(): void {
    this.unwrapInputRow(this.cols()); // everything is redrawn anyway
    const rows = this.output.rows && this.output.rows > 1 ? this.output.rows : 24;
    const recent = this.printed.slice(-(rows - 1));
    const reset = this.color ? '\x1b[0m' : '';
    this.write(`\x1b[H\x1b[2J${recent.map((l) => l + reset + '\r\n').join('')}${this.renderInput()}`);
  }

  // -------------------------------------------------------------------------------- rendering

  /**
   * The prompt, at most two thirds of the row wide: `(status) [#room] name> `; on a narrow terminal the
   * least useful part goes first (a 'connected' status, else the name), then the rest.
   */
  private promptParts(cols: number): { plain: string; painted: string } {
    const status = this.status ? `(${this.status}) ` : '';
    const room = this.room !== undefined ? `[#${this.room}] ` : '';
    const name = `${this.name}> `;
    const toneCode = this.tone === 'ok' ? '32' : this.tone === 'error' ? '31' : '33';
    const paint = (st: string, rm: string, nm: string): { plain: string; painted: string } => {
      const plain = st + rm + nm;
      if (!this.color) return { plain, painted: plain };
      return { plain, painted: (st ? `\x1b[${toneCode}m${st}\x1b[39m` : '') + (rm ? `\x1b[1m${rm}\x1b[22m` : '') + nm };
    };
    const max = Math.max(2, Math.floor((cols * 2) / 3));
    const tries =
      this.tone === 'ok'
        ? [paint(status, room, name), paint('', room, name), paint('', room, '> '), paint('', '', name)]
        : [paint(status, room, name), paint(status, room, '> '), paint(status, '', '> '), paint('', room, '> ')];
    for (const t of tries) if (displayWidth(t.plain) <= max) return t;
    const plain = truncateToWidth(status + room + name, max - 2) + '> ';
    return { plain, painted: plain };
  }

  private width(from: number, to: number): number {
    let w = 0;
    for (const g of graphemes(this.buf.slice(from, to))) w += graphemeWidth(g);
    return w;
  }

  /** The input row: erase it, prompt, the visible part of the line, cursor in place. */
  private renderInput(): string {
    const cols = this.cols();
    const fix = this.unwrapInputRow(cols);
    const { plain, painted } = this.promptParts(cols);
    const pw = displayWidth(plain);
    const avail = Math.max(1, cols - 1 - pw);
    const bounds = graphemeBoundaries(this.buf);
    // horizontal scrolling: the cursor must be visible
    if (this.cur < this.scroll) this.scroll = this.cur;
    while (this.scroll < this.cur && this.width(this.scroll, this.cur) > avail - 1) {
      this.scroll = bounds.find((b) => b > this.scroll) ?? this.cur;
    }
    // show as much as fits after the scroll position
    let end = this.scroll;
    let w = 0;
    for (const b of bounds) {
      if (b <= this.scroll) continue;
      const gw = this.width(end, b);
      if (w + gw > avail) break;
      w += gw;
      end = b;
    }
    const visible = this.buf.slice(this.scroll, end);
    const col = pw + this.width(this.scroll, this.cur);
    this.lastCursorCol = col;
    return `${fix}\r\x1b[2K${painted}${visible}\r${col > 0 ? `\x1b[${col}C` : ''}`;
  }

  private draw(): void {
    if (!this.isClosed) this.write(this.renderInput());
  }

  // -------------------------------------------------------------------------------- editing

  private prevBoundary(i: number): number {
    const b = graphemeBoundaries(this.buf);
    let p = 0;
    for (const x of b) {
      if (x >= i) break;
      p = x;
    }
    return p;
  }

  private nextBoundary(i: number): number {
    return graphemeBoundaries(this.buf).find((x) => x > i) ?? this.buf.length;
  }

  private snap(i: number): number {
    const b = graphemeBoundaries(this.buf);
    return b.includes(i) ? i : (b.find((x) => x > i) ?? this.buf.length);
  }

  private insert(s: string): void {
    this.buf = this.buf.slice(0, this.cur) + s + this.buf.slice(this.cur);
    this.cur = this.snap(this.cur + s.length);
  }

  private wordStartBefore(i: number): number {
    let j = i;
    while (j > 0 && /\s/.test(this.buf[j - 1]!)) j--;
    while (j > 0 && !/\s/.test(this.buf[j - 1]!)) j--;
    return j;
  }

  private wordEndAfter(i: number): number {
    let j = i;
    while (j < this.buf.length && /\s/.test(this.buf[j]!)) j++;
    while (j < this.buf.length && !/\s/.test(this.buf[j]!)) j++;
    return this.snap(j);
  }

  private setLine(s: string): void {
    this.buf = s;
    this.cur = s.length;
    this.scroll = 0;
  }

  private historyMove(dir: 1 | -1): void {
    const next = this.histPos + dir;
    if (next < -1 || next >= this.history.length) return;
    if (this.histPos === -1) this.draft = this.buf;
    this.histPos = next;
    this.setLine(next === -1 ? this.draft : this.history[next]!);
  }

  private submit(): void {
    const line = this.buf;
    this.setLine('');
    this.histPos = -1;
    this.draft = '';
    if (line.trim() !== '' && this.history[0] !== line) {
      this.history.unshift(line);
      if (this.history.length > this.historySize) this.history.length = this.historySize;
    }
    this.draw();
    if (line !== '') for (const cb of this.lineCbs) cb(line);
  }

  private quit(): void {
    this.close();
    for (const cb of this.quitCbs) cb();
  }

  private handleKey(s: string | undefined, key: Key): void {
    if (this.isClosed) return;
    const name = key.name;
    if (name === 'paste-start') {
      this.pasting = true;
      return;
    }
    if (name === 'paste-end') {
      this.pasting = false;
      this.draw();
      return;
    }
    if (this.pasting) {
      // pasted text is inserted, never executed: line breaks and tabs become spaces
      if (name === 'return' || name === 'enter' || name === 'tab') this.insert(' ');
      else if (s && !CONTROL_RE.test(s)) this.insert(s);
      return; // drawn at paste-end
    }
    if (key.ctrl && !key.meta) {
      switch (name) {
        case 'c':
          return this.quit();
        case 'd':
          if (this.buf === '') return this.quit();
          if (this.cur < this.buf.length) this.buf = this.buf.slice(0, this.cur) + this.buf.slice(this.nextBoundary(this.cur));
          return this.draw();
        case 'u':
          this.buf = this.buf.slice(this.cur);
          this.cur = 0;
          return this.draw();
        case 'k':
          this.buf = this.buf.slice(0, this.cur);
          return this.draw();
        case 'w': {
          const start = this.wordStartBefore(this.cur);
          this.buf = this.buf.slice(0, start) + this.buf.slice(this.cur);
          this.cur = start;
          return this.draw();
        }
        case 'a':
          this.cur = 0;
          return this.draw();
        case 'e':
          this.cur = this.buf.length;
          return this.draw();
        case 'b':
          this.cur = this.prevBoundary(this.cur);
          return this.draw();
        case 'f':
          this.cur = this.nextBoundary(this.cur);
          return this.draw();
        case 'h':
          return this.backspace();
        case 'p':
          this.historyMove(1);
          return this.draw();
        case 'n':
          this.historyMove(-1);
          return this.draw();
        case 'left':
          this.cur = this.wordStartBefore(this.cur);
          return this.draw();
        case 'right':
          this.cur = this.wordEndAfter(this.cur);
          return this.draw();
        case 'l':
          return this.clearScreen();
        case 'z':
          return this.suspend();
        default:
          return; // other control keys do nothing
      }
    }
    if (key.meta && (name === 'b' || name === 'left')) {
      this.cur = this.wordStartBefore(this.cur);
      return this.draw();
    }
    if (key.meta && (name === 'f' || name === 'right')) {
      this.cur = this.wordEndAfter(this.cur);
      return this.draw();
    }
    if (key.meta && name === 'backspace') {
      const start = this.wordStartBefore(this.cur);
      this.buf = this.buf.slice(0, start) + this.buf.slice(this.cur);
      this.cur = start;
      return this.draw();
    }
    switch (name) {
      case 'return':
      case 'enter':
        return this.submit();
      case 'backspace':
        return this.backspace();
      case 'delete':
        if (this.cur < this.buf.length) this.buf = this.buf.slice(0, this.cur) + this.buf.slice(this.nextBoundary(this.cur));
        return this.draw();
      case 'left':
        this.cur = this.prevBoundary(this.cur);
        return this.draw();
      case 'right':
        this.cur = this.nextBoundary(this.cur);
        return this.draw();
      case 'home':
        this.cur = 0;
        return this.draw();
      case 'end':
        this.cur = this.buf.length;
        return this.draw();
      case 'up':
        this.historyMove(1);
        return this.draw();
      case 'down':
        this.historyMove(-1);
        return this.draw();
      default:
        break;
    }
    if (key.meta || key.ctrl) return;
    if (s && !CONTROL_RE.test(s)) {
      this.insert(s);
      this.draw();
    }
  }

  private backspace(): void {
    if (this.cur > 0) {
      const start = this.prevBoundary(this.cur);
      this.buf = this.buf.slice(0, start) + this.buf.slice(this.cur);
      this.cur = start;
    }
    this.draw();
  }
}
