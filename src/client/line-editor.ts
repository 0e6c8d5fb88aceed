/**
 * The line editor behind ChatScreen's input row: the half-typed line, the cursor, the
 * horizontal scroll position, the input history, and what each key does to them. No terminal
 * I/O here: `handleKey` edits the line and tells the screen what to do next (redraw, submit,
 * quit, clear the screen, suspend, or nothing).
 *
 * Keys: printable text (UTF-8, wide characters, emoji; graphemes move as one), Backspace,
 * Delete, Left/Right, Home/End (and Ctrl+A/Ctrl+E), Ctrl+Left/Right (word), Ctrl+U (erase to
 * the start), Ctrl+K (erase to the end), Ctrl+W (erase the word before the cursor), Up/Down
 * (history, Ctrl+P/Ctrl+N too), Enter (submit), Ctrl+L (clear and redraw), Ctrl+C (quit),
 * Ctrl+D (quit on an empty line, else delete forward), Ctrl+Z (suspend; the terminal is
 * restored meanwhile). A paste (bracketed paste) never submits: its line breaks become spaces.
 */
import { graphemeBoundaries } from './text.js';

/** A key as node:readline's `emitKeypressEvents` decodes it. */
export interface Key {
  sequence?: string;
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
}

/**
 * What the screen must do after a key: `draw` the input row again, `submit` the line, `quit`,
 * `clear` the screen and redraw it, `suspend` the process, or nothing (`none`).
 */
export type KeyAction = 'none' | 'draw' | 'submit' | 'quit' | 'clear' | 'suspend';

const CONTROL_RE = /[\x00-\x1f\x7f-\x9f]/;

/**
 * The editable input line and its history. `handleKey(s, key)` applies a key and returns the
 * KeyAction for the screen; `submit()` takes the line (on Enter). Throws nothing.
 */
export class LineEditor {
  private readonly historySize: number;
  private buf = '';
  private cur = 0; // code-unit offset in buf, on a grapheme boundary
  /** Code-unit offset of the first visible grapheme; kept up to date by the screen's layout. */
  scroll = 0;
  private history: string[] = [];
  private histPos = -1; // -1: editing the draft; else an index into history (0 = newest)
  private draft = '';
  private pasting = false;

  /** `historySize`: lines of input history kept. */
  constructor(historySize: number) {
    this.historySize = historySize;
  }

  /** The half-typed line. */
  get line(): string {
    return this.buf;
  }

  /** The cursor's position in `line`, in UTF-16 code units. */
  get cursor(): number {
    return this.cur;
  }

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

  /**
   * Takes the line (Enter): empties the input line, goes back to editing a new draft, and adds
   * the line to the history (not a blank line, nor a repeat of the newest entry). Returns the line.
   */
  submit(): string {
    const line = this.buf;
    this.setLine('');
    this.histPos = -1;
    this.draft = '';
    if (line.trim() !== '' && this.history[0] !== line) {
      this.history.unshift(line);
      if (this.history.length > this.historySize) this.history.length = this.historySize;
    }
    return line;
  }

  /** Applies a key (see the list above) and returns what the screen must do next. */
  handleKey(s: string | undefined, key: Key): KeyAction {
    const name = key.name;
    if (name === 'paste-start') {
      this.pasting = true;
      return 'none';
    }
    if (name === 'paste-end') {
      this.pasting = false;
      return 'draw';
    }
    if (this.pasting) {
      // pasted text is inserted, never executed: line breaks and tabs become spaces
      if (name === 'return' || name === 'enter' || name === 'tab') this.insert(' ');
      else if (s && !CONTROL_RE.test(s)) this.insert(s);
      return 'none'; // drawn at paste-end
    }
    if (key.ctrl && !key.meta) {
      switch (name) {
        case 'c':
          return 'quit';
        case 'd':
          if (this.buf === '') return 'quit';
          if (this.cur < this.buf.length) this.buf = this.buf.slice(0, this.cur) + this.buf.slice(this.nextBoundary(this.cur));
          return 'draw';
        case 'u':
          this.buf = this.buf.slice(this.cur);
          this.cur = 0;
          return 'draw';
        case 'k':
          this.buf = this.buf.slice(0, this.cur);
          return 'draw';
        case 'w':
          this.killWordBefore();
          return 'draw';
        case 'a':
          this.cur = 0;
          return 'draw';
        case 'e':
          this.cur = this.buf.length;
          return 'draw';
        case 'b':
          this.cur = this.prevBoundary(this.cur);
          return 'draw';
        case 'f':
          this.cur = this.nextBoundary(this.cur);
          return 'draw';
        case 'h':
          this.backspace();
          return 'draw';
        case 'p':
          this.historyMove(1);
          return 'draw';
        case 'n':
          this.historyMove(-1);
          return 'draw';
        case 'left':
          this.cur = this.wordStartBefore(this.cur);
          return 'draw';
        case 'right':
          this.cur = this.wordEndAfter(this.cur);
          return 'draw';
        case 'l':
          return 'clear';
        case 'z':
          return 'suspend';
        default:
          return 'none'; // other control keys do nothing
      }
    }
    if (key.meta && (name === 'b' || name === 'left')) {
      this.cur = this.wordStartBefore(this.cur);
      return 'draw';
    }
    if (key.meta && (name === 'f' || name === 'right')) {
      this.cur = this.wordEndAfter(this.cur);
      return 'draw';
    }
    if (key.meta && name === 'backspace') {
      this.killWordBefore();
      return 'draw';
    }
    switch (name) {
      case 'return':
      case 'enter':
        return 'submit';
      case 'backspace':
        this.backspace();
        return 'draw';
      case 'delete':
        if (this.cur < this.buf.length) this.buf = this.buf.slice(0, this.cur) + this.buf.slice(this.nextBoundary(this.cur));
        return 'draw';
      case 'left':
        this.cur = this.prevBoundary(this.cur);
        return 'draw';
      case 'right':
        this.cur = this.nextBoundary(this.cur);
        return 'draw';
      case 'home':
        this.cur = 0;
        return 'draw';
      case 'end':
        this.cur = this.buf.length;
        return 'draw';
      case 'up':
        this.historyMove(1);
        return 'draw';
      case 'down':
        this.historyMove(-1);
        return 'draw';
      default:
        break;
    }
    if (key.meta || key.ctrl) return 'none';
    if (s && !CONTROL_RE.test(s)) {
      this.insert(s);
      return 'draw';
    }
    return 'none';
  }

  /** Deletes the word before the cursor (Ctrl+W, Alt+Backspace). */
  private killWordBefore(): void {
    const start = this.wordStartBefore(this.cur);
    this.buf = this.buf.slice(0, start) + this.buf.slice(this.cur);
    this.cur = start;
  }

  private backspace(): void {
    if (this.cur > 0) {
      const start = this.prevBoundary(this.cur);
      this.buf = this.buf.slice(0, start) + this.buf.slice(this.cur);
      this.cur = start;
    }
  }
}
