/**
 * A tiny virtual terminal for the screen's unit tests: enough of a VT100 to interpret what
 * ChatScreen writes (text with wide characters and deferred autowrap, CR, LF, BEL, CUU, CUF,
 * CHA, CUP, EL, ED, SGR ignored, DEC private modes ignored), with scrolling at the bottom.
 * The real-terminal check is the tmux test; this one runs everywhere.
 */
import { graphemes, graphemeWidth } from '../../src/client/text.js';

export class VTerm {
  grid: string[][];
  x = 0;
  y = 0;
  bells = 0;
  private pendingWrap = false;
  /** Lines scrolled off the top. */
  scrolledOff: string[] = [];

  constructor(
    public cols: number,
    public rows: number,
  ) {
    this.grid = Array.from({ length: rows }, () => this.blank());
  }

  private blank(): string[] {
    return Array.from({ length: this.cols }, () => ' ');
  }

  private lineFeed(): void {
    if (this.y === this.rows - 1) {
      this.scrolledOff.push(this.rowText(0));
      this.grid.shift();
      this.grid.push(this.blank());
    } else this.y++;
  }

  private put(g: string): void {
    const w = graphemeWidth(g);
    if (w === 0) return;
    if (this.pendingWrap || this.x + w > this.cols) {
      this.x = 0;
      this.lineFeed();
      this.pendingWrap = false;
    }
    this.grid[this.y]![this.x] = g;
    if (w === 2) this.grid[this.y]![this.x + 1] = '';
    this.x += w;
    if (this.x >= this.cols) {
      this.x = this.cols - 1;
      this.pendingWrap = true;
    }
  }

  write(data: string): void {
    let i = 0;
    while (i < data.length) {
      const c = data[i]!;
      if (c === '\x1b') {
        const m = /^\x1b\[([?]?)([0-9;]*)([A-Za-z~])/.exec(data.slice(i));
        if (!m) throw new Error(`unsupported escape at ${JSON.stringify(data.slice(i, i + 10))}`);
        i += m[0].length;
        this.csi(m[1]!, m[2]!, m[3]!);
        continue;
      }
      if (c === '\r') {
        this.x = 0;
        this.pendingWrap = false;
        i++;
        continue;
      }
      if (c === '\n') {
        this.lineFeed();
        this.pendingWrap = false;
        i++;
        continue;
      }
      if (c === '\x07') {
        this.bells++;
        i++;
        continue;
      }
      if (c < ' ') throw new Error(`unexpected control character ${JSON.stringify(c)}`);
      // the next grapheme up to the next control character
      let j = i;
      while (j < data.length && data[j]! >= ' ' && data[j] !== '\x7f') j++;
      for (const g of graphemes(data.slice(i, j))) this.put(g);
      i = j;
    }
  }

  private csi(priv: string, params: string, final: string): void {
    if (priv === '?') return; // modes: cursor visibility, bracketed paste
    const n = params === '' ? 1 : Number(params.split(';')[0]);
    this.pendingWrap = final === 'm' ? this.pendingWrap : false;
    switch (final) {
      case 'm':
        return;
      case 'A':
        this.y = Math.max(0, this.y - n);
        return;
      case 'C':
        this.x = Math.min(this.cols - 1, this.x + n);
        return;
      case 'G':
        this.x = Math.min(this.cols - 1, n - 1);
        return;
      case 'H': {
        const [r, c] = params.split(';').map((v) => (v === '' ? 1 : Number(v)));
        this.y = (r ?? 1) - 1;
        this.x = (c ?? 1) - 1;
        return;
      }
      case 'K': {
        const mode = params === '' ? 0 : Number(params);
        const row = this.grid[this.y]!;
        for (let k = 0; k < this.cols; k++) if (mode === 2 || (mode === 0 && k >= this.x) || (mode === 1 && k <= this.x)) row[k] = ' ';
        return;
      }
      case 'J': {
        const mode = params === '' ? 0 : Number(params);
        if (mode === 2) {
          this.grid = Array.from({ length: this.rows }, () => this.blank());
          return;
        }
        const row = this.grid[this.y]!;
        for (let k = this.x; k < this.cols; k++) row[k] = ' ';
        for (let r = this.y + 1; r < this.rows; r++) this.grid[r] = this.blank();
        return;
      }
      default:
        throw new Error(`unsupported CSI ${params}${final}`);
    }
  }

  rowText(r: number): string {
    return this.grid[r]!.join('').replace(/\s+$/, '');
  }

  /** All rows, right-trimmed, without trailing empty rows. */
  lines(): string[] {
    const out = this.grid.map((_, r) => this.rowText(r));
    while (out.length && out[out.length - 1] === '') out.pop();
    return out;
  }
}
