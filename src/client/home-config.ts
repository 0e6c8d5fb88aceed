/**
 * config.json of the identity folder and the user's name in it: `{"name": "alice"}`, mode
 * 0600; unknown fields are kept when it is updated. The name comes from --name, else
 * config.json, else the terminal. It is remembered (rememberName) only once a server accepted
 * it — the chat client calls it on `ready` — so that a name the server refused (`name_taken`)
 * is not asked for again on every later run.
 */
import { NAME_RE } from '../chat/events.js';
import { writeFileAtomicSync } from './fsutil.js';
import type { IdentityOptions } from './home.js';
import { ensureHome, HomeError, homePaths, readSmall, why, writeFailed, type HomePaths } from './home-folder.js';

/** What the rules for names are, for messages. */
export const NAME_RULE = 'a name is 1–32 of A–Z a–z 0–9 _ . -';

/** How many names the terminal prompt takes before it gives up. */
export const MAX_NAME_ATTEMPTS = 5;

/** A character of a refused name, as a message shows it: "a space", "'é'", "U+0007". */
function charName(c: string): string {
  if (c === ' ') return 'a space';
  if (/^[\p{L}\p{N}\p{P}\p{S}]$/u.test(c)) return `'${c}'`;
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Why `name` is not a valid name (NAME_RE), in words: "it is empty", "a space and '!' are not
 * allowed", "it is 40 characters long (at most 32)"; undefined for a valid name. Throws nothing.
 */
export function nameProblem(name: string): string | undefined {
  if (NAME_RE.test(name)) return undefined;
  const chars = Array.from(name);
  if (chars.length === 0) return 'it is empty';
  const problems: string[] = [];
  const bad = [...new Set(chars.filter((c) => !/^[A-Za-z0-9_.-]$/.test(c)))].map(charName);
  if (bad.length > 0) {
    const list = bad.length <= 2 ? bad.join(' and ') : `${bad.slice(0, 3).join(', ')}${bad.length > 3 ? ' …' : ''}`;
    problems.push(`${list} ${bad.length === 1 ? 'is' : 'are'} not allowed`);
  }
  if (chars.length > 32) problems.push(`it is ${chars.length} characters long (at most 32)`);
  return problems.join('; ');
}

/** `name` quoted for a message ('alice'), its control characters escaped (the terminal prompt lets none through; --name may). Throws nothing. */
export function quoteName(name: string): string {
  return `'${Array.from(name).map((c) => (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(c) ? charName(c) : c)).join('')}'`;
}

/** config.json: a JSON object; `name`, when present, a valid name. Unknown fields are kept. */
export type Config = Record<string, unknown> & { name?: string };

/** Reads config.json ({} when there is none). Throws HomeError CONFIG_UNREADABLE or CONFIG_CORRUPT. */
export function readConfig(p: HomePaths): Config {
  const raw = readSmall(
    p.config,
    (e) =>
      new HomeError('CONFIG_UNREADABLE', `cannot read ${p.config} (${why(e)})`, 'check its permissions, or delete it (parley will ask for your name again)', {
        cause: e,
      }),
  );
  if (raw === undefined) return {};
  const corrupt = (what: string): HomeError =>
    new HomeError('CONFIG_CORRUPT', `${p.config} is damaged: ${what}`, `fix it (it should read {"name": "yourname"}) or delete it and parley will ask for your name again`);
  let cfg: unknown;
  try {
    cfg = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw corrupt(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw corrupt('not a JSON object');
  const name = (cfg as Config).name;
  if (name !== undefined && (typeof name !== 'string' || !NAME_RE.test(name))) throw corrupt(`"name" is not a valid name (${NAME_RULE})`);
  return cfg as Config;
}

function writeConfig(p: HomePaths, cfg: Config): void {
  try {
    writeFileAtomicSync(p.config, `${JSON.stringify(cfg, null, 2)}\n`, 0o600);
  } catch (e) {
    throw writeFailed(p.config, e);
  }
}

/**
 * Remembers `name` in config.json of `home` (keeping its other fields); for a caller that lets
 * the user pick another name after the server said `name_taken`. Throws INVALID_NAME.
 */
export function rememberName(home: string, name: string): void {
  if (!NAME_RE.test(name)) throw invalidName(name, '--name');
  const p = homePaths(home);
  ensureHome(home);
  const cfg = readConfig(p);
  if (cfg.name !== name) writeConfig(p, { ...cfg, name });
}

function invalidName(name: string, source: string): HomeError {
  return new HomeError('INVALID_NAME', `${quoteName(name)} is not a valid name: ${nameProblem(name) ?? 'it is not allowed'}`, `${NAME_RULE}; check ${source}`);
}

/**
 * The name: --name, else config.json, else asked on the terminal (re-asked, saying why, while
 * invalid; at most MAX_NAME_ATTEMPTS times). Not remembered here: see rememberName.
 * Throws HomeError INVALID_NAME or NAME_REQUIRED.
 */
export async function resolveName(cfg: Config, opts: IdentityOptions): Promise<string> {
  let name: string | undefined;
  if (opts.name !== undefined) {
    if (!NAME_RE.test(opts.name)) throw invalidName(opts.name, '--name');
    name = opts.name;
  } else if (cfg.name !== undefined) {
    name = cfg.name;
  } else if (opts.interactive && opts.prompt) {
    let question = 'Choose your name (1–32 of A–Z a–z 0–9 _ . -): ';
    const refused: string[] = [];
    for (let i = 0; i < MAX_NAME_ATTEMPTS && name === undefined; i++) {
      const answer = await opts.prompt(question);
      if (answer === null) break;
      const a = answer.trim();
      const problem = nameProblem(a);
      if (problem === undefined) name = a;
      else {
        refused.push(`${quoteName(a)}: ${problem}`);
        question = `${quoteName(a)} is not a valid name: ${problem} (${NAME_RULE}). Your name: `;
      }
    }
    if (name === undefined) {
      const why = refused.length === 0 ? '' : `: ${refused.length === 1 ? 'the name typed was refused' : `all ${refused.length} names typed were refused`} (${refused.join('; ')})`;
      throw new HomeError('NAME_REQUIRED', `no name chosen${why}`, `${NAME_RULE}; run again and type one, or give one with --name NAME`);
    }
  } else {
    throw new HomeError('NAME_REQUIRED', 'no name is known for this identity', 'give one with --name NAME (it is remembered in the parley folder once a server accepts it)');
  }
  return name;
}
