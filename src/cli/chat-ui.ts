/**
 * The two front ends of `parley chat`: the full screen on a terminal (ScreenUi) and lines on
 * stdin/stdout (LineUi, plain or --json). Every text they print passes a sanitizer: the screen's,
 * sanitizeLines in line mode, safeJson in --json (src/client/text.ts, format.ts).
 */
import { createInterface } from 'node:readline';
import { formatJson, formatLine, shouldBell, useColor, type DisplayEvent } from '../client/format.js';
import { parseRefLine, type LineRef } from '../client/refs.js';
import { ChatScreen, type StatusTone } from '../client/screen.js';
import { sanitizeLines } from '../client/text.js';

/** What the two front ends (screen, lines) have in common. */
export interface Ui {
  /** `onLine` returns false for a line it refused (kept on the input line); `onEnd`: Ctrl+C/Ctrl+D, or the end of input. */
  start(onLine: (line: string, ref?: LineRef) => boolean, onEnd: () => void): void;
  /** Shows an event; `ref`: the --json ref of the input line it answers. */
  show(ev: DisplayEvent, ref?: LineRef): void;
  /** The status line (the screen only); `tone` defaults to 'ok' for 'connected', else 'busy'. */
  status(text: string, tone?: StatusTone): void;
  /** The current room, and the rooms the user is in (marked by /rooms). */
  setRoom(room: string | undefined, joined?: ReadonlySet<string>): void;
  /** The user's name changed (another one after a refusal). */
  setName(name: string): void;
  /** Puts a refused line back on the input line when it is empty (the screen only). */
  restoreLine(line: string): void;
  close(): void;
}

export class ScreenUi implements Ui {
  private readonly screen: ChatScreen;
  private readonly color = useColor(process.stdout, process.env);
  private rooms: { joined: ReadonlySet<string>; current: string | undefined } = { joined: new Set(), current: undefined };
  constructor(private me: string) {
    this.screen = new ChatScreen({ input: process.stdin, output: process.stdout, name: me });
  }
  start(onLine: (line: string) => boolean, onEnd: () => void): void {
    this.screen.onLine((line) => onLine(line));
    this.screen.onQuit(onEnd);
  }
  show(ev: DisplayEvent): void {
    if (this.screen.closed) return; // leaving: nothing more to say
    const line = formatLine(ev, { me: this.me, color: this.color, rooms: this.rooms });
    if (line !== undefined) this.screen.print(line, { bell: shouldBell(ev, this.me) });
  }
  status(text: string, tone?: StatusTone): void {
    this.screen.setStatus(text, tone);
  }
  setRoom(room: string | undefined, joined?: ReadonlySet<string>): void {
    this.rooms = { joined: joined ?? this.rooms.joined, current: room };
    this.screen.setPrompt(room);
  }
  setName(name: string): void {
    this.me = name;
    this.screen.setName(name);
  }
  restoreLine(line: string): void {
    this.screen.restoreLine(line);
  }
  close(): void {
    if (!this.screen.closed) this.screen.close();
  }
}

export class LineUi implements Ui {
  private rl: ReturnType<typeof createInterface> | undefined;
  private ended = false;
  private rooms: { joined: ReadonlySet<string>; current: string | undefined } = { joined: new Set(), current: undefined };
  constructor(
    private me: string,
    private readonly json: boolean,
  ) {}
  start(onLine: (line: string, ref?: LineRef) => boolean, onEnd: () => void): void {
    const rl = createInterface({ input: process.stdin, terminal: false });
    this.rl = rl;
    rl.on('line', (raw) => {
      if (!this.json) return void onLine(raw);
      // --json: a line may come as {"ref":R,"line":"…"} (src/client/refs.ts)
      const r = parseRefLine(raw);
      if ('error' in r) return this.show({ type: 'error', code: 'bad_input', message: r.error });
      onLine(r.line, r.ref);
    });
    rl.on('close', () => {
      if (!this.ended) onEnd();
    });
  }
  show(ev: DisplayEvent, ref?: LineRef): void {
    // formatLine sanitizes every untrusted field; sanitizeLines is the last line of defence, as
    // ChatScreen.print is on a terminal. formatJson escapes every control character.
    const out = this.json ? formatJson(ev, ref) : formatLine(ev, { me: this.me, color: false, rooms: this.rooms });
    if (out !== undefined) process.stdout.write(`${this.json ? out : sanitizeLines(out)}\n`);
  }
  status(): void {}
  setRoom(room: string | undefined, joined?: ReadonlySet<string>): void {
    this.rooms = { joined: joined ?? this.rooms.joined, current: room };
  }
  setName(name: string): void {
    this.me = name;
  }
  restoreLine(): void {}
  /** Stops reading stdin, so that a fatal error ends the program even while input is still open. */
  close(): void {
    this.ended = true;
    this.rl?.close();
    process.stdin.destroy();
  }
}
