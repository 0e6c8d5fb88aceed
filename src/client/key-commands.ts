/**
 * The end-to-end key commands a user types, shared by the terminal and the browser (each asks
 * parseKeyCommand before parseInput, src/client/input.ts):
 *
 *   /verify NAME       show the safety number of you and NAME (60 digits, 12 groups of 5) to
 *                      compare in person or by phone
 *   /verify NAME yes   the numbers matched: mark the key the last /verify NAME showed verified
 *   /trust NAME        accept NAME's changed key (after a key-change warning)
 *
 * Command words are case-insensitive; a leading @ on NAME is allowed.
 */
import { NAME_RE } from '../chat/events.js';

/** What a key command line means, or a mistake in it (`code` bad_command / invalid_name). */
export type KeyCommand =
  | { type: 'trust'; name: string }
  | { type: 'verify'; name: string; confirm: boolean }
  | { type: 'error'; code: 'bad_command' | 'invalid_name'; message: string; hint: string; command: 'trust' | 'verify' };

/** Parses `line` when it is /verify or /trust; undefined for any other line. Throws nothing. */
export function parseKeyCommand(line: string): KeyCommand | undefined {
  const m = /^\/(verify|trust)(?:\s+([\s\S]*))?$/i.exec(line.replace(/[\r\n]+$/, ''));
  if (!m) return undefined;
  const command = m[1]!.toLowerCase() as 'trust' | 'verify';
  const w = (m[2] ?? '').split(/\s+/).filter((x) => x !== '');
  const ok = command === 'trust' ? w.length === 1 : w.length === 1 || (w.length === 2 && w[1]!.toLowerCase() === 'yes');
  if (!ok) return { type: 'error', code: 'bad_command', message: `wrong arguments for /${command}`, hint: `usage: /${command} NAME${command === 'verify' ? ' [yes]' : ''}`, command };
  const name = w[0]!.replace(/^@/, '');
  if (!NAME_RE.test(name)) return { type: 'error', code: 'invalid_name', message: `'${w[0]}' is not a valid name`, hint: 'names are 1–32 of A–Z a–z 0–9 _ . -', command };
  return command === 'trust' ? { type: 'trust', name } : { type: 'verify', name, confirm: w.length === 2 };
}

/** What running a key command shows: a safety number, a confirmation, or an error. */
export type KeyCommandResult =
  | { type: 'safety_number'; name: string; fingerprint: string; digits: string; verified: boolean }
  | { type: 'info'; message: string }
  | { type: 'error'; code: string; message: string; hint?: string; command: 'trust' | 'verify' };

/** What runKeyCommand needs of the E2E layer (E2EClient). */
export interface KeyCommandTarget {
  safetyNumber(name: string): { digits: string; fingerprint: string };
  peerStatus(name: string): { pinned: string | null; verified: boolean; blocked: boolean; presented: string | null };
  trust(name: string): string;
  markVerified(name: string, fingerprint: string): void;
}

/**
 * Carries out a parsed key command against the E2E layer. `shown` remembers, per name, the key
 * the last `/verify NAME` showed the number of: `/verify NAME yes` marks exactly that key (not
 * one that turned up since) and refuses without a number shown first. Never throws: a failure
 * (no keys yet, nothing to trust, a verified peer that must be verified again) is an error result.
 */
export function runKeyCommand(cmd: Exclude<KeyCommand, { type: 'error' }>, e2e: KeyCommandTarget, shown: Map<string, string>): KeyCommandResult {
  const fail = (e: unknown): KeyCommandResult => {
    const code = typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'e2e_invalid_argument';
    const message = e instanceof Error ? e.message : String(e);
    return { type: 'error', code, message, command: cmd.type, ...(code === 'e2e_no_bundle' && { hint: 'their keys were asked for: try again in a moment (they must be online, with a Parley that has end-to-end encryption)' }) };
  };
  try {
    if (cmd.type === 'trust') {
      const fp = e2e.trust(cmd.name);
      return { type: 'info', message: `${cmd.name}'s new key ${fp} is accepted (not verified: compare safety numbers with /verify ${cmd.name})` };
    }
    if (!cmd.confirm) {
      const { digits, fingerprint } = e2e.safetyNumber(cmd.name);
      shown.set(cmd.name, fingerprint);
      const st = e2e.peerStatus(cmd.name);
      return { type: 'safety_number', name: cmd.name, fingerprint, digits, verified: st.verified && st.pinned === fingerprint && !st.blocked };
    }
    const fp = shown.get(cmd.name);
    if (fp === undefined) return { type: 'error', code: 'bad_command', message: `no safety number with ${cmd.name} was shown yet`, hint: `type /verify ${cmd.name} first and compare the number`, command: 'verify' };
    const now = e2e.safetyNumber(cmd.name).fingerprint;
    if (now !== fp) {
      shown.delete(cmd.name);
      return { type: 'error', code: 'e2e_key_changed', message: `${cmd.name} presents another key since the number was shown`, hint: `type /verify ${cmd.name} again`, command: 'verify' };
    }
    e2e.markVerified(cmd.name, fp);
    return { type: 'info', message: `${cmd.name}'s key ${fp} is now marked verified ✓` };
  } catch (e) {
    return fail(e);
  }
}
