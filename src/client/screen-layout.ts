/**
 * The layout of ChatScreen's input row, as pure functions returning what to write: the prompt
 * `(status) [#room] name> `, shortened on a narrow terminal, and the visible part of the
 * half-typed line. The row never wraps: a line longer than the terminal scrolls horizontally
 * so that the cursor stays visible, and drawing is always "carriage return, erase row, draw".
 */
import { displayWidth, graphemeBoundaries, graphemes, graphemeWidth, truncateToWidth } from './text.js';

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

/** The display width of `line.slice(from, to)`. */
function width(line: string, from: number, to: number): number {
  let w = 0;
  for (const g of graphemes(line.slice(from, to))) w += graphemeWidth(g);
  return w;
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
 * so that the cursor is visible, and the row shows as much as fits after it. Throws nothing.
 */
export function layoutInputRow(prompt: Prompt, line: string, cursor: number, scroll: number, cols: number): InputRow {
  const pw = displayWidth(prompt.plain);
  const avail = Math.max(1, cols - 1 - pw);
  const bounds = graphemeBoundaries(line);
  // horizontal scrolling: the cursor must be visible
  let first = scroll;
  if (cursor < first) first = cursor;
  while (first < cursor && width(line, first, cursor) > avail - 1) {
    first = bounds.find((b) => b > first) ?? cursor;
  }
  // show as much as fits after the scroll position
  let end = first;
  let w = 0;
  for (const b of bounds) {
    if (b <= first) continue;
    const gw = width(line, end, b);
    if (w + gw > avail) break;
    w += gw;
    end = b;
  }
  const visible = line.slice(first, end);
  const col = pw + width(line, first, cursor);
  return { text: `\r\x1b[2K${prompt.painted}${visible}\r${col > 0 ? `\x1b[${col}C` : ''}`, cursorCol: col, scroll: first };
}
