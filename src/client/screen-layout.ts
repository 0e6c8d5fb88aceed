/**
 * The layout of ChatScreen's input row, as pure functions returning what to write: the prompt
 * `(status) [#room] name> `, shortened on a narrow terminal, and the visible part of the
 * half-typed line. The row never wraps: a line longer than the terminal scrolls horizontally
 * so that the cursor stays visible, and drawing is always "carriage return, erase row, draw".
 */
import { displayWidth, graphemesBefore, graphemesFrom, graphemeWidth, snapToGrapheme, truncateToWidth } from './text.js';

/** The tone of the status shown in the prompt. */
export type StatusTone = 'ok' | 'busy' | 'error';

/** What the prompt shows (already sanitized). */
export interface PromptState {
  status: string;
  room: string | undefined;
  name: string;
  tone: StatusTone;
}

/** A prompt: `plain` to measure, `painted` (with SGR colours when colours are on) to write. */
export interface Prompt {
  plain: string;
  painted: string;
}

/**
 * The prompt, at most two thirds of the row wide: `(status) [#room] name> `; on a narrow terminal the
 * least useful part goes first (a 'connected' status, else the name), then the rest. Throws nothing.
 */
export function promptParts(state: PromptState, cols: number, color: boolean): Prompt {
  const status = state.status ? `(${state.status}) ` : '';
  const room = state.room !== undefined ? `[#${state.room}] ` : '';
  const name = `${state.name}> `;
  const toneCode = state.tone === 'ok' ? '32' : state.tone === 'error' ? '31' : '33';
  const paint = (st: string, rm: string, nm: string): Prompt => {
    const plain = st + rm + nm;
    if (!color) return { plain, painted: plain };
    return { plain, painted: (st ? `\x1b[${toneCode}m${st}\x1b[39m` : '') + (rm ? `\x1b[1m${rm}\x1b[22m` : '') + nm };
  };
  const max = Math.max(2, Math.floor((cols * 2) / 3));
  const tries =
    state.tone === 'ok'
      ? [paint(status, room, name), paint('', room, name), paint('', room, '> '), paint('', '', name)]
      : [paint(status, room, name), paint(status, room, '> '), paint(status, '', '> '), paint('', room, '> ')];
  for (const t of tries) if (displayWidth(t.plain) <= max) return t;
  const plain = truncateToWidth(status + room + name, max - 2) + '> ';
  return { plain, painted: plain };
}

/** An input row laid out by layoutInputRow. */
export interface InputRow {
  /** What to write: erase the row, prompt, the visible part of the line, cursor in place. */
  text: string;
  /** The cursor's column on the row. */
  cursorCol: number;
  /** The new scroll position (code-unit offset of the first visible grapheme). */
  scroll: number;
}

/**
 * The input row: erase it, prompt, the visible part of `line`, cursor in place. `scroll` is the
 * code-unit offset of the first visible grapheme as last drawn; it moves (horizontal scrolling)
 * so that the cursor is visible, and the row shows as much as fits after it. `cursor` is on a
 * grapheme boundary. Only the graphemes near the cursor are measured: the cost depends on the
 * terminal's width, not on the line's length. Throws nothing.
 */
export function layoutInputRow(prompt: Prompt, line: string, cursor: number, scroll: number, cols: number): InputRow {
  const pw = displayWidth(prompt.plain);
  const avail = Math.max(1, cols - 1 - pw);
  const at = Math.max(0, Math.min(cursor, line.length));
  // the scroll position as last drawn, on a boundary of the line as it is now
  let first = Math.min(scroll, at);
  if (first > 0 && first < at) first = Math.min(snapToGrapheme(line, first), at);
  // horizontal scrolling: the leftmost start from which the cursor is still visible, found by
  // walking back from the cursor; `w` is the width from `first` to the cursor
  let w = 0;
  let leftmost = at;
  for (const [a, b] of graphemesBefore(line, at)) {
    if (a < first) break;
    const gw = graphemeWidth(line.slice(a, b));
    if (w + gw > avail - 1) break;
    w += gw;
    leftmost = a;
  }
  if (leftmost > first) first = leftmost;
  // show as much as fits after the scroll position
  let end = first;
  let shown = 0;
  for (const [a, b] of graphemesFrom(line, first)) {
    const gw = graphemeWidth(line.slice(a, b));
    if (shown + gw > avail) break;
    shown += gw;
    end = b;
  }
  const visible = line.slice(first, end);
  const col = pw + w;
  return { text: `\r\x1b[2K${prompt.painted}${visible}\r${col > 0 ? `\x1b[${col}C` : ''}`, cursorCol: col, scroll: first };
}
