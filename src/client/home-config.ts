/**
 * config.json of the identity folder and the user's name in it: `{"name": "alice"}`, mode
 * 0600; unknown fields are kept when it is updated. The name comes from --name, else
 * config.json, else the terminal, and is remembered when new.
 */
import { NAME_RE } from '../chat/events.js';
import { writeFileAtomicSync } from './fsutil.js';
import type { IdentityOptions } from './home.js';
import { ensureHome, HomeError, homePaths, readSmall, why, writeFailed, type HomePaths } from './home-folder.js';

/** What the rules for names are, for messages. */
export const NAME_RULE = 'a name is 1–32 of A–Z a–z 0–9 _ . -';

const MAX_NAME_ATTEMPTS = 5;

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
  return new HomeError('INVALID_NAME', `'${name}' is not a valid name`, `${NAME_RULE}; check ${source}`);
}

/**
 * The name: --name, else config.json, else asked on the terminal; remembered when new.
 * Throws HomeError INVALID_NAME, NAME_REQUIRED or WRITE_FAILED.
 */
export async function resolveName(p: HomePaths, cfg: Config, opts: IdentityOptions): Promise<string> {
  let name: string | undefined;
  if (opts.name !== undefined) {
    if (!NAME_RE.test(opts.name)) throw invalidName(opts.name, '--name');
    name = opts.name;
  } else if (cfg.name !== undefined) {
    name = cfg.name;
  } else if (opts.interactive && opts.prompt) {
    let question = 'Choose your name (1–32 of A–Z a–z 0–9 _ . -): ';
    for (let i = 0; i < MAX_NAME_ATTEMPTS && name === undefined; i++) {
      const answer = await opts.prompt(question);
      if (answer === null) break;
      const a = answer.trim();
      if (NAME_RE.test(a)) name = a;
      else question = `'${a}' is not a valid name (${NAME_RULE}). Your name: `;
    }
    if (name === undefined) throw new HomeError('NAME_REQUIRED', 'no name chosen', 'run again and type a name, or give one with --name NAME');
  } else {
    throw new HomeError('NAME_REQUIRED', 'no name is known for this identity', 'give one with --name NAME (it is remembered in the parley folder)');
  }
  if (cfg.name !== name) writeConfig(p, { ...cfg, name });
  return name;
}
