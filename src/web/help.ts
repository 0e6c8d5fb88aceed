/**
 * The page's /help: the terminal client's HELP_TEXT (src/client/input.ts, one command per line,
 * columns aligned with spaces) read into sections of rows, so that the page can show it as a
 * list that reads well at any width instead of one paragraph. The few lines that differ in the
 * page (quitting, the mismatch mark) are adapted, and the page's own keys are added.
 */
import { HELP_TEXT } from '../client/input.js';

/** One line of the help: a command (or mark) and what it does. */
export interface HelpRow {
  term: string;
  text: string;
}

/** A titled group of rows ("Commands", "After each message", …). */
export interface HelpSection {
  title: string;
  rows: HelpRow[];
}

/** A row of the form `  TERM   TEXT` (two or more spaces between the two). */
const ROW_RE = /^ {2}(\S(?:.*?\S)?) {2,}(\S.*)$/;
/** A line that continues the text of the row above it (indented deeper than a term). */
const MORE_RE = /^ {3,}(\S.*)$/;

/**
 * Reads help text in HELP_TEXT's layout: an unindented line is a section title (its trailing
 * colon dropped), `  TERM  TEXT` a row, a deeper-indented line the continuation of the row
 * above; any other non-empty line becomes a row with an empty term, so that nothing is lost.
 * Never throws.
 */
export function helpSections(text: string): HelpSection[] {
  const out: HelpSection[] = [];
  const section = (): HelpSection => {
    if (out.length === 0) out.push({ title: '', rows: [] });
    return out[out.length - 1]!;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) {
      out.push({ title: line.trim().replace(/:$/, ''), rows: [] });
      continue;
    }
    const row = ROW_RE.exec(line);
    const more = MORE_RE.exec(line);
    const s = section();
    const last = s.rows[s.rows.length - 1];
    if (more && last) last.text = `${last.text} ${more[1]!.trim()}`;
    else if (row) s.rows.push({ term: row[1]!, text: row[2]!.trim() });
    else s.rows.push({ term: '', text: line.trim() });
  }
  return out;
}

/** What the page adds: its keys, and where plain text goes in a direct-message thread. */
const PAGE_ROWS: HelpSection = {
  title: 'In this page',
  rows: [
    { term: 'Enter', text: 'send the line' },
    { term: 'Up / Down', text: 'recall earlier lines' },
    { term: 'Alt+Up / Alt+Down', text: 'switch conversations' },
    { term: 'Escape', text: 'clear the line' },
    { term: 'direct thread', text: 'in a direct-message thread, plain text and /me go to that person' },
  ],
};

/**
 * The page's /help: HELP_TEXT as sections, with /quit described as the page does it (no Ctrl+D
 * or Ctrl+C here), the mismatch mark as the page shows it, and the page's own keys. Never throws.
 */
export function webHelp(text: string = HELP_TEXT): HelpSection[] {
  const sections = helpSections(text).map((s) => ({
    title: s.title,
    rows: s.rows.map((r) => {
      if (/^\/quit\b/.test(r.term)) return { term: r.term, text: r.text.replace(/\s*\([^)]*Ctrl[^)]*\)/, '') + ' (closes the connection; reload the page to connect again)' };
      if (/MISMATCH/.test(r.term)) return { term: '⚠ mismatch', text: r.text };
      return r;
    }),
  }));
  return [...sections, PAGE_ROWS];
}
