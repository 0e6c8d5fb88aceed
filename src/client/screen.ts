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
 * Keys: editing, history, paste, Enter, Ctrl+C/Ctrl+D (quit), Ctrl+L (clear and redraw),
 * Ctrl+Z (suspend); the full list and the editing are in line-editor.ts, the input row's layout
 * (prompt, horizontal scrolling) in screen-layout.ts. This file is the controller: terminal
 * modes, writing, resize, and the callbacks.
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
import { LineEditor, type Key } from './line-editor.js';
import { layoutInputRow, promptParts, type StatusTone } from './screen-layout.js';
import { sanitize, sanitizeKeepingColour, stripAnsi } from './text.js';

export type { StatusTone } from './screen-layout.js';

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

/**
 * The interactive screen. `onLine(cb)` gets every submitted non-empty line (a callback that
 * returns `false` refuses it: the line stays on the input row as typed, e.g. over the server's
 * length limit); `onQuit(cb)` is
 * called once on Ctrl+C / Ctrl+D (after the terminal was restored); `print(text)` shows text
 * above the input line (several lines allowed; SGR colours kept, other control characters made
 * visible); `setStatus(text, tone)` and `setPrompt(room)` change the prompt; `close()` restores
 * the terminal (idempotent).
 */
export class ChatScreen {
  private readonly input: ScreenInput;
  private readonly output: ScreenOutput;
  private readonly color: boolean;
  private readonly scrollbackSize: number;
  private readonly editor: LineEditor;
  private name: string;
  private room: string | undefined;
  private status = '';
  private tone: StatusTone = 'busy';
  private lastCursorCol = 0; // where the cursor was left on the input row
  private lastCols: number;
  private readonly printed: string[] = [];
  private readonly lineCbs: ((line: string) => unknown)[] = [];
  /** A redraw of the input row is queued (keys are drawn once per batch of input, not once per key). */
  private drawQueued = false;
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
    this.editor = new LineEditor(opts.historySize ?? 500);
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

  /** Registers a callback for each submitted line (Enter on a non-empty line); returning false keeps the line on the input row. */
  onLine(cb: (line: string) => unknown): void {
    this.lineCbs.push(cb);
  }

  /** Registers a callback for Ctrl+C / Ctrl+D (called after the screen closed itself). */
  onQuit(cb: () => void): void {
    this.quitCbs.push(cb);
  }

  /** The half-typed line (for tests and for a caller that wants to keep it). */
  get line(): string {
    return this.editor.line;
  }

  /** The cursor's position in `line`, in UTF-16 code units. */
  get cursor(): number {
    return this.editor.cursor;
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

  /** Puts `line` back on the input row when it is empty (a line that could not be sent); returns whether it did. */
  restoreLine(line: string): boolean {
    if (this.isClosed || !this.editor.restore(line)) return false;
    this.draw();
    return true;
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

  /** The input row: erase it, prompt, the visible part of the line, cursor in place. */
  private renderInput(): string {
    const cols = this.cols();
    const fix = this.unwrapInputRow(cols);
    const prompt = promptParts({ status: this.status, room: this.room, name: this.name, tone: this.tone }, cols, this.color);
    const row = layoutInputRow(prompt, this.editor.line, this.editor.cursor, this.editor.scroll, cols);
    this.editor.scroll = row.scroll;
    this.lastCursorCol = row.cursorCol;
    return `${fix}${row.text}`;
  }

  private draw(): void {
    if (!this.isClosed) this.write(this.renderInput());
  }

  /**
   * Draws the input row once the current batch of keys is handled: node:readline emits one
   * keypress per character of a chunk of input, synchronously, so a paste typed as keystrokes
   * is drawn once per chunk instead of once per character.
   */
  private drawSoon(): void {
    if (this.drawQueued) return;
    this.drawQueued = true;
    queueMicrotask(() => {
      this.drawQueued = false;
      this.draw();
    });
  }

  // -------------------------------------------------------------------------------- keys

  private submit(): void {
    const line = this.editor.line;
    let refused = false;
    if (line !== '') for (const cb of this.lineCbs) if (cb(line) === false) refused = true;
    if (refused) return this.draw(); // kept as typed
    this.editor.submit();
    this.draw();
  }

  private quit(): void {
    this.close();
    for (const cb of this.quitCbs) cb();
  }

  private handleKey(s: string | undefined, key: Key): void {
    if (this.isClosed) return;
    switch (this.editor.handleKey(s, key)) {
      case 'draw':
        return this.drawSoon();
      case 'submit':
        return this.submit();
      case 'quit':
        return this.quit();
      case 'clear':
        return this.clearScreen();
      case 'suspend':
        return this.suspend();
      case 'none':
        return;
    }
  }
}
