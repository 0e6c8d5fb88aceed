/**
 * Text helpers of the terminal client: making untrusted text safe to show on a terminal, and
 * measuring how many columns a string takes (graphemes, wide CJK and emoji, ANSI colours).
 *
 * Everything the server or another user sends — message text, names, rooms, fingerprints,
 * system and error messages, connection and close reasons — goes through `sanitize` before it
 * reaches a terminal (stdout and stderr, every mode), and `safeJson` in `--json` mode: an escape
 * sequence must never move the cursor, change the title, clear the screen or hide text (terminal
 * injection), and bidirectional overrides must not reorder what is shown ("Trojan Source").
 */

/** SGR colour sequences (`ESC [ … m`): the only escape sequences the client itself emits inline. */
const SGR_RE = /\x1b\[[0-9;]*m/g;

const BIDI_RE = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * What JSON.stringify leaves raw that a terminal or a line-based reader would act on: DEL, the C1
 * controls (U+009B is CSI on many terminals), bidirectional controls, and the line and paragraph
 * separators U+2028/U+2029. (It already escapes C0 controls and lone surrogates.)
 */
const JSON_UNSAFE_RE = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * Makes untrusted text safe and visible on one terminal line:
 * - line breaks (CR LF, CR, LF, U+2028, U+2029) become `⏎`; a tab becomes one space;
 * - other C0 controls and DEL become caret notation (`ESC` → `^[`, DEL → `^?`);
 * - C1 controls (U+0080–U+009F) and bidirectional controls become `\u{…}`;
 * - lone surrogates become U+FFFD.
 */
export function sanitize(text: string): string {
  let out = '';
  const s = String(text).replace(/\r\n|[\r\n\u2028\u2029]/g, '⏎');
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0x09) out += ' ';
    else if (cp < 0x20) out += '^' + String.fromCharCode(cp + 0x40);
    else if (cp === 0x7f) out += '^?';
    else if ((cp >= 0x80 && cp <= 0x9f) || BIDI_RE.test(ch)) out += `\\u{${cp.toString(16)}}`;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd';
    else out += ch;
  }
  return out;
}

/** `sanitize` line by line: text the client wrote itself over several lines stays on several lines. */
export function sanitizeLines(text: string): string {
  return text
    .split('\n')
    .map((l) => sanitize(l))
    .join('\n');
}

/**
 * JSON.stringify(value), with every character of JSON_UNSAFE_RE escaped as \\uXXXX as well: still
 * valid JSON that parses to the same value, and safe to print on a terminal. Throws what
 * JSON.stringify throws (a cycle, a BigInt).
 */
export function safeJson(value: object): string {
  return JSON.stringify(value).replace(JSON_UNSAFE_RE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Keeps the client's own SGR colour sequences and line breaks, and neutralises everything else
 * as `sanitize` does: the last line of defence of the screen, whatever text it is given.
 */
export function sanitizeKeepingColour(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let out = '';
      let last = 0;
      for (const m of line.matchAll(SGR_RE)) {
        out += sanitize(line.slice(last, m.index)) + m[0];
        last = m.index + m[0].length;
      }
      return out + sanitize(line.slice(last));
    })
    .join('\n');
}

/** The text without SGR colour sequences. */
export function stripAnsi(text: string): string {
  return text.replace(SGR_RE, '');
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The user-perceived characters (grapheme clusters) of `s`. */
export function graphemes(s: string): string[] {
  return Array.from(segmenter.segment(s), (x) => x.segment);
}

/** Code-unit offsets of every grapheme boundary of `s`, from 0 to s.length inclusive. */
export function graphemeBoundaries(s: string): number[] {
  const out: number[] = [];
  for (const x of segmenter.segment(s)) out.push(x.index);
  out.push(s.length);
  return out;
}

// ─── grapheme boundaries near an offset, without segmenting the whole string ─────────────────
//
// The line editor and the input row ask "where is the grapheme boundary next to the cursor" on
// every key; segmenting the whole line each time made a long paste quadratic (a 5 KB paste took
// a minute). These helpers segment only a window around the offset, from one *safe break* to the
// next: a position between two code points that nothing in UAX #29's grapheme rules can join
// (letters, digits, punctuation, symbols, spaces, CJK, Hangul syllables, emoji without joiners)
// and that no rule looks back across. A safe break is always a boundary, and segmenting from it
// gives the same boundaries as segmenting the whole string. In text without any safe break (a
// long run of combining marks) the window simply grows: still exact, only slower.

/** Code points that no grapheme rule joins to a neighbour of the same kind. */
const INDEPENDENT_RE = /^[\p{L}\p{N}\p{P}\p{S}\p{Zs}]$/u;
/** …except these: extending characters, emoji modifiers, regional indicators. */
const DEPENDENT_RE = /^[\p{Grapheme_Extend}\p{Emoji_Modifier}\p{Regional_Indicator}]$/u;

/** Letters that grapheme rules treat specially: Hangul jamo (L, V, T), two spacing marks that are letters, prepended letters. */
function specialLetter(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x11ff) ||
    (cp >= 0xa960 && cp <= 0xa97f) ||
    (cp >= 0xd7b0 && cp <= 0xd7ff) ||
    cp === 0x0e33 ||
    cp === 0x0eb3 ||
    cp === 0x0d4e ||
    (cp >= 0x111c2 && cp <= 0x111c3) ||
    cp === 0x1193f ||
    cp === 0x11941 ||
    cp === 0x11a3a ||
    (cp >= 0x11a84 && cp <= 0x11a89) ||
    cp === 0x11d46 ||
    cp === 0x11f02
  );
}

function independent(cp: number): boolean {
  if (cp >= 0x20 && cp <= 0x7e) return true;
  if (cp < 0xa0 || specialLetter(cp)) return false;
  const ch = String.fromCodePoint(cp);
  return INDEPENDENT_RE.test(ch) && !DEPENDENT_RE.test(ch);
}

/** True when offset `k` of `s` is 0, s.length, or a safe break (see above). */
function isSafeBreak(s: string, k: number): boolean {
  if (k <= 0 || k >= s.length) return true;
  const next = s.codePointAt(k)!;
  if (next >= 0xdc00 && next <= 0xdfff) return false; // inside a surrogate pair (or a lone low surrogate)
  const lo = s.charCodeAt(k - 1);
  const hi = k >= 2 ? s.charCodeAt(k - 2) : 0;
  const prev = lo >= 0xdc00 && lo <= 0xdfff && hi >= 0xd800 && hi <= 0xdbff ? s.codePointAt(k - 2)! : lo;
  return independent(prev) && independent(next);
}

/** The largest safe break ≤ i. */
function safeBreakAtOrBefore(s: string, i: number): number {
  let k = Math.max(0, Math.min(i, s.length));
  while (!isSafeBreak(s, k)) k--;
  return k;
}

/** The smallest safe break ≥ i. */
function safeBreakAtOrAfter(s: string, i: number): number {
  let k = Math.max(0, Math.min(i, s.length));
  while (!isSafeBreak(s, k)) k++;
  return k;
}

/** The grapheme boundaries of `s` from `start` to `end` inclusive; both must be boundaries. */
function boundariesBetween(s: string, start: number, end: number): number[] {
  const out: number[] = [];
  for (const x of segmenter.segment(s.slice(start, end))) out.push(start + x.index);
  out.push(end);
  return out;
}

/** The smallest grapheme boundary of `s` greater than `i` (s.length at the end). Throws nothing. */
export function nextGraphemeBoundary(s: string, i: number): number {
  if (i >= s.length) return s.length;
  const start = safeBreakAtOrBefore(s, Math.max(0, i));
  const b = boundariesBetween(s, start, safeBreakAtOrAfter(s, Math.max(0, i) + 1));
  return b.find((x) => x > i) ?? s.length;
}

/** The largest grapheme boundary of `s` less than `i` (0 at the start). Throws nothing. */
export function prevGraphemeBoundary(s: string, i: number): number {
  if (i <= 0) return 0;
  const to = Math.min(i, s.length);
  const b = boundariesBetween(s, safeBreakAtOrBefore(s, to - 1), safeBreakAtOrAfter(s, to));
  let p = 0;
  for (const x of b) {
    if (x >= i) break;
    p = x;
  }
  return p;
}

/** `i` when it is a grapheme boundary of `s`, else the next boundary after it (clamped to 0…s.length). Throws nothing. */
export function snapToGrapheme(s: string, i: number): number {
  if (i <= 0) return 0;
  if (i >= s.length) return s.length;
  const b = boundariesBetween(s, safeBreakAtOrBefore(s, i), safeBreakAtOrAfter(s, i));
  return b.find((x) => x >= i) ?? s.length;
}

/** How many code units a window of graphemesFrom / graphemesBefore covers at least. */
const WINDOW = 256;

/**
 * The grapheme clusters of `s` from offset `from` (a boundary) to the end, lazily, as
 * [start, end) code-unit ranges: the cost is that of the clusters taken, not of the string.
 */
export function* graphemesFrom(s: string, from: number): Generator<[number, number]> {
  let a = Math.max(0, Math.min(from, s.length));
  while (a < s.length) {
    const b = safeBreakAtOrAfter(s, a + WINDOW);
    const bs = boundariesBetween(s, a, b);
    for (let i = 1; i < bs.length; i++) yield [bs[i - 1]!, bs[i]!];
    a = b;
  }
}

/** The grapheme clusters of `s` before offset `to` (a boundary), nearest first, lazily, as [start, end) ranges. */
export function* graphemesBefore(s: string, to: number): Generator<[number, number]> {
  let b = Math.max(0, Math.min(to, s.length));
  while (b > 0) {
    const a = safeBreakAtOrBefore(s, b - WINDOW);
    const bs = boundariesBetween(s, a, b);
    for (let i = bs.length - 1; i > 0; i--) yield [bs[i - 1]!, bs[i]!];
    b = a;
  }
}

// East Asian Wide and Fullwidth ranges (Unicode 15 EastAsianWidth.txt, merged) and the emoji
// blocks that terminals draw two columns wide.
const WIDE: [number, number][] = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f251],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f7e0, 0x1f7eb],
  [0x1f90c, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x3fffd],
];

function isWide(cp: number): boolean {
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = WIDE[mid]!;
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return true;
  }
  return false;
}

const ZERO_WIDTH_RE = /^[\p{Mn}\p{Me}\p{Cf}]/u;

/** Columns a terminal uses for one grapheme cluster: 0, 1 or 2. */
export function graphemeWidth(g: string): number {
  const cp = g.codePointAt(0);
  if (cp === undefined || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return 1;
  if (ZERO_WIDTH_RE.test(g)) return 0;
  if (isWide(cp)) return 2;
  if (g.includes('\ufe0f')) return 2; // emoji presentation selector
  if (cp >= 0x1f1e6 && cp <= 0x1f1ff) return g.length > 2 ? 2 : 1; // a flag is a pair of regional indicators
  return 1;
}

/** Columns a string takes on a terminal, ignoring SGR colour sequences. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const g of graphemes(stripAnsi(s))) w += graphemeWidth(g);
  return w;
}

/** The longest prefix of `s` (plain text, no escapes) that fits in `cols` columns. */
export function truncateToWidth(s: string, cols: number): string {
  let w = 0;
  let out = '';
  for (const g of graphemes(s)) {
    const gw = graphemeWidth(g);
    if (w + gw > cols) break;
    w += gw;
    out += g;
  }
  return out;
}
