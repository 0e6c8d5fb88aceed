/**
 * The page's /help: the terminal client's HELP_TEXT (src/client/input.ts, one command per line,
 * columns aligned with spaces) read into sections of rows, so that the page can show it as a
 * list that reads well at any width instead of one paragraph. The few lines that differ in the
 * page (quitting, the marks after each message) are adapted, and the page's own keys and its
 * peer-key commands are added.
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

/** The page's peer-key commands (commands.ts), added when HELP_TEXT does not list them already. */
export const KEY_ROWS: readonly HelpRow[] = Object.freeze([
  { term: '/verify NAME', text: "show the safety number you share with NAME (60 digits) to compare with them in person or by phone; if it matches, mark NAME verified" },
  { term: '/trust NAME', text: "accept NAME's changed key (after checking it with them); a peer you had verified must be verified again instead" },
]);

/** The marks after each message, as the page shows them (chat-view.ts). */
export const MARK_ROWS: readonly HelpRow[] = Object.freeze([
  { term: '✓', text: "signed under the key this browser pinned for its sender, and the text matches the signed hash: the server could neither write nor change it" },
  { term: '⚠ not verified', text: "the signature or the hash did not check, or the sender's key changed: do not trust it (hover it for the reason)" },
]);

/**
 * The page's /help: HELP_TEXT as sections, with /quit described as the page does it (no Ctrl+D
 * or Ctrl+C here), /trust and /verify, the marks after each message as the page shows them, and
 * the page's own keys. Never throws.
 */
export function webHelp(text: string = HELP_TEXT): HelpSection[] {
  const sections = helpSections(text).map((s) => {
    if (/after each message/i.test(s.title)) return { title: s.title, rows: [...MARK_ROWS] };
    return {
      title: s.title,
      rows: s.rows.map((r) => (/^\/quit\b/.test(r.term) ? { term: r.term, text: r.text.replace(/\s*\([^)]*Ctrl[^)]*\)/, '') + ' (closes the connection; reload the page to connect again)' } : r)),
    };
  });
  const commands = sections.find((s) => /^commands$/i.test(s.title)) ?? sections[0];
  if (commands) {
    for (const k of KEY_ROWS) if (!sections.some((s) => s.rows.some((r) => r.term.split(' ')[0] === k.term.split(' ')[0]))) commands.rows.splice(Math.max(0, commands.rows.findIndex((r) => r.term.startsWith('/fingerprint'))), 0, { ...k });
  }
  if (!sections.some((s) => /after each message/i.test(s.title))) sections.push({ title: 'After each message', rows: [...MARK_ROWS] });
  return [...sections, PAGE_ROWS];
}
