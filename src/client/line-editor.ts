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
 *
 * Cost: typed and pasted text is collected and merged into the line once per batch (when the
 * line is next read: a redraw, another key, Enter), and the cursor is kept on a grapheme
 * boundary by segmenting only the text around it (text.ts): a 100 KB paste, bracketed or as a
 * stream of keystrokes, takes milliseconds, not the quadratic minutes of re-segmenting the
 * whole line for every character.
 */
import { nextGraphemeBoundary, prevGraphemeBoundary, snapToGrapheme } from './text.js';

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

type Edit =
  | 'backspace' | 'deleteForward' | 'killWordBefore' | 'killToStart' | 'killToEnd'
  | 'lineStart' | 'lineEnd' | 'charLeft' | 'charRight' | 'wordLeft' | 'wordRight' | 'historyUp' | 'historyDown';
/** What a key does: an edit, 'eof' (Ctrl+D: quit on an empty line, else delete forward), or an action for the screen. */
type Command = Edit | 'eof' | Exclude<KeyAction, 'none' | 'draw'>;
/** A key table as a Map, so that a key name can never find an Object.prototype member. */
const keyTable = (t: Record<string, Command>): ReadonlyMap<string, Command> => new Map(Object.entries(t));
const SCREEN_ACTIONS: Record<Exclude<KeyAction, 'none' | 'draw'>, true> = { submit: true, quit: true, clear: true, suspend: true };

/** Ctrl+key (other control keys do nothing). */
const CTRL_KEYS = keyTable({
  c: 'quit', d: 'eof', u: 'killToStart', k: 'killToEnd', w: 'killWordBefore', a: 'lineStart', e: 'lineEnd',
  b: 'charLeft', f: 'charRight', h: 'backspace', p: 'historyUp', n: 'historyDown', left: 'wordLeft', right: 'wordRight',
  l: 'clear', z: 'suspend',
});
/** Alt+key; any other Alt+key acts as the plain key. */
const META_KEYS = keyTable({ b: 'wordLeft', left: 'wordLeft', f: 'wordRight', right: 'wordRight', backspace: 'killWordBefore' });
/** Keys without Ctrl. */
const PLAIN_KEYS = keyTable({
  return: 'submit', enter: 'submit', backspace: 'backspace', delete: 'deleteForward', left: 'charLeft', right: 'charRight',
  home: 'lineStart', end: 'lineEnd', up: 'historyUp', down: 'historyDown',
});

/**
 * The editable input line and its history. `handleKey(s, key)` applies a key and returns the
 * KeyAction for the screen; `submit()` takes the line (on Enter). Throws nothing.
 */
export class LineEditor {
  private readonly historySize: number;
  private buf = '';
  private cur = 0; // code-unit offset in buf, on a grapheme boundary
  /** Text typed or pasted at the cursor and not yet merged into buf (see flush). */
  private pending: string[] = [];
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
    this.flush();
    return this.buf;
  }

  /** The cursor's position in `line`, in UTF-16 code units. */
  get cursor(): number {
    this.flush();
    return this.cur;
  }

  /**
   * Puts `line` back as the half-typed line, cursor at its end, when the input line is empty
   * (e.g. a line that could not be sent); returns whether it did.
   */
  restore(line: string): boolean {
    this.flush();
    if (this.buf !== '') return false;
    this.setLine(line);
    return true;
  }

  private prevBoundary(i: number): number {
    return prevGraphemeBoundary(this.buf, i);
  }

  private nextBoundary(i: number): number {
    return nextGraphemeBoundary(this.buf, i);
  }

  private snap(i: number): number {
    return snapToGrapheme(this.buf, i);
  }

  /** Typed or pasted text: collected, merged by flush (O(1) per key, whatever the line's length). */
  private insert(s: string): void {
    this.pending.push(s);
  }

  /** Merges the collected text into the line at the cursor, and puts the cursor after it. */
  private flush(): void {
    if (this.pending.length === 0) return;
    const s = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
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
    this.flush();
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
    const k = name ?? '';
    if (key.ctrl && !key.meta) {
      this.flush();
      const c = CTRL_KEYS.get(k);
      return c ? this.run(c) : 'none'; // other control keys do nothing
    }
    const command = (key.meta ? META_KEYS.get(k) : undefined) ?? PLAIN_KEYS.get(k); // Alt+key: the word keys, else as the plain key
    if (command) {
      this.flush();
      return this.run(command);
    }
    if (key.meta || key.ctrl) return 'none';
    if (s && !CONTROL_RE.test(s)) {
      this.insert(s);
      return 'draw';
    }
    return 'none';
  }

  /** Carries out a command of the key tables: an edit (then the line is drawn), or an action for the screen. */
  private run(command: Command): KeyAction {
    if (Object.hasOwn(SCREEN_ACTIONS, command)) return command as KeyAction;
    if (command === 'eof') {
      if (this.buf === '') return 'quit';
      this.deleteForward();
    } else this.edits[command as Edit]();
    return 'draw';
  }

  /** The edits, by the names the key tables use. */
  private readonly edits: Record<Edit, () => void> = {
    backspace: () => this.backspace(),
    deleteForward: () => this.deleteForward(),
    killWordBefore: () => {
      const start = this.wordStartBefore(this.cur);
      this.buf = this.buf.slice(0, start) + this.buf.slice(this.cur);
      this.cur = start;
    },
    killToStart: () => {
      this.buf = this.buf.slice(this.cur);
      this.cur = 0;
    },
    killToEnd: () => {
      this.buf = this.buf.slice(0, this.cur);
    },
    lineStart: () => (this.cur = 0),
    lineEnd: () => (this.cur = this.buf.length),
    charLeft: () => (this.cur = this.prevBoundary(this.cur)),
    charRight: () => (this.cur = this.nextBoundary(this.cur)),
    wordLeft: () => (this.cur = this.wordStartBefore(this.cur)),
    wordRight: () => (this.cur = this.wordEndAfter(this.cur)),
    historyUp: () => this.historyMove(1),
    historyDown: () => this.historyMove(-1),
  };

  private deleteForward(): void {
    if (this.cur < this.buf.length) this.buf = this.buf.slice(0, this.cur) + this.buf.slice(this.nextBoundary(this.cur));
  }

  private backspace(): void {
    if (this.cur > 0) {
      const start = this.prevBoundary(this.cur);
      this.buf = this.buf.slice(0, start) + this.buf.slice(this.cur);
      this.cur = start;
    }
  }
}
