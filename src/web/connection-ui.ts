/**
 * What the page shows about its connection, kept apart from the DOM so that it is tested in
 * Node: every status goes to the top bar (a plaintext Error from before the session is only a
 * "reconnecting" with its reason — it is unauthenticated, so it changes nothing); the fatal
 * screen appears only when ChatConnection stops for good (a changed pinned key, or an
 * authenticated name_taken / invalid_name / name_limit / replaced), and it offers the form for
 * another name only where a new name can help.
 */
import type { ChatConnection, ConnectionStatus, FatalError } from '../client/connection.js';
import { sanitize, sanitizeLines } from '../client/text.js';
import type { PinBook } from './pins.js';

/** The fatal screen's content. Every string is already sanitized. */
export interface FatalView {
  /** The stable error code: kept out of the text, in the page's `data-code` attribute and a tooltip. */
  code: string;
  title: string;
  /** What happened, in words (the server's or the client's message, without the code). */
  message: string;
  /** What the user can do next ('' when there is nothing to add). */
  hint: string;
  /** Show the form to choose another name (name_taken, invalid_name). */
  askName: boolean;
}

const TITLES: Record<string, string> = {
  name_taken: 'That name is taken',
  invalid_name: 'That name is not accepted',
  name_limit: 'Your key cannot take a new name',
  replaced: 'Signed in elsewhere',
  unsupported_version: 'Parley needs an upgrade',
};

const HINTS: Record<string, string> = {
  name_taken: 'Another key owns this name on this server. Choose another name below.',
  invalid_name: 'The server does not accept this name. Choose another below.',
  name_limit:
    'The server gives no new name to this key now: your key already holds a name here (or too many names were claimed recently). ' +
    'Choosing another name would not help: sign in with the name your key already holds, or ask the server’s operator.',
  replaced: 'You signed in again somewhere else (another tab or device) with this key; this tab was disconnected.',
  bad_url: 'The page could not work out where the server is.',
  unsupported_version:
    'This page and the server speak different versions of the Parley protocol. Reload the page to get the client the server serves now; ' +
    'if that does not help, ask the server’s operator.',
};

/** The fatal screen for `f`. Never throws. */
export function fatalView(f: FatalError): FatalView {
  const code = sanitize(f.code);
  return {
    code,
    title: TITLES[f.code] ?? 'Disconnected',
    message: f.fromServer ? sanitize(f.message) : sanitizeLines(f.message),
    hint: HINTS[f.code] ?? '',
    askName: f.code === 'name_taken' || f.code === 'invalid_name',
  };
}

/** Where the page shows what watchConnection decides. */
export interface ConnectionUi {
  /** The top bar's status (its reason is untrusted text: the view sanitizes it). */
  status(s: ConnectionStatus): void;
  /** The connection stopped for good: the fatal screen. */
  fatal(view: FatalView): void;
  /** The server presented a key other than the pinned one: the changed-key warning. */
  keyChanged(): void;
}

/** Routes `conn`'s status and fatal events to `ui`. Never throws by itself. */
export function watchConnection(conn: ChatConnection, pins: PinBook, ui: ConnectionUi): void {
  conn.on('status', (s) => ui.status(s));
  conn.on('fatal', (f) => {
    if (f.code === 'server_key_changed' && !f.fromServer && pins.mismatch) ui.keyChanged();
    else ui.fatal(fatalView(f));
  });
}
