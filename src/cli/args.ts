/**
 * The command registry's building blocks: a Command type, and argument parsing on top of
 * node:util parseArgs that turns every parse problem into a one-line usage error (exit 2).
 */
import { parseArgs } from 'node:util';
import { usageError } from './errors.js';

/** One `parley` command (or command group). Add new ones to the registry in main.ts. */
export interface Command {
  /** The word after `parley`, e.g. "keygen". */
  readonly name: string;
  /** One line for `parley --help`. */
  readonly summary: string;
  /** The full text of `parley <name> --help`. */
  readonly help: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

/** An option of a command: a string value or a boolean flag, with an optional short letter. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** A string option that may be given several times (read with Args.strings). */
  multiple?: boolean;
}

/** The parsed arguments of a command, with typed getters that raise usage errors. */
export class Args {
  constructor(
    /** e.g. "parley rsa encrypt", for messages. */
    readonly command: string,
    private readonly values: Record<string, string | boolean | string[] | undefined>,
    readonly positionals: string[],
  ) {}

  /** The hint every usage error of this command carries. */
  get helpHint(): string {
    return `run '${this.command} --help' for usage`;
  }

  /** True when --help (or -h) was given. */
  get help(): boolean {
    return this.values.help === true;
  }

  /** The value of a string option, or undefined. An empty value is a usage error. */
  string(name: string): string | undefined {
    const v = this.values[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new Error(`option --${name} is not a single string option`);
    if (v === '') throw usageError(`--${name} needs a non-empty value`, this.helpHint);
    return v;
  }

  /** Every value of a string option declared `multiple`, in the order given (none: []). An empty value is a usage error. */
  strings(name: string): string[] {
    const v = this.values[name];
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new Error(`option --${name} is not a multiple string option`);
    if (v.some((x) => x === '')) throw usageError(`--${name} needs a non-empty value`, this.helpHint);
    return v;
  }

  /** The value of a string option that must be given. */
  required(name: string, what = 'FILE'): string {
    const v = this.string(name);
    if (v === undefined) throw usageError(`missing --${name} ${what}`, this.helpHint);
    return v;
  }

  /** True when a boolean flag was given. */
  flag(name: string): boolean {
    return this.values[name] === true;
  }
}

/**
 * Parses `argv` for `command` with the given options (plus -h/--help) and at most
 * `maxPositionals` positional arguments. Unknown options, missing values and extra arguments
 * are usage errors naming `command --help`.
 */
export function parseCommandArgs(
  command: string,
  argv: string[],
  options: Record<string, OptionSpec>,
  maxPositionals = 0,
): Args {
  const hint = `run '${command} --help' for usage`;
  let parsed: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    }) as typeof parsed;
  } catch (e) {
    throw usageError(parseArgsMessage(e), hint);
  }
  // string options given twice: parseArgs keeps the last; say so rather than guess
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type !== 'string' || spec.multiple) continue;
    const count = argv.filter((a) => a === `--${name}` || a.startsWith(`--${name}=`) || (spec.short && a === `-${spec.short}`)).length;
    if (count > 1) throw usageError(`--${name} given more than once`, hint);
  }
  const args = new Args(command, parsed.values, parsed.positionals);
  if (!args.help && parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals[maxPositionals]!;
    throw usageError(`unexpected argument '${extra}'`, hint);
  }
  return args;
}

/** The first sentence of a parseArgs error, lower-cased: "unknown option '--foo'". */
function parseArgsMessage(e: unknown): string {
  const code = (e as { code?: string }).code;
  const msg = e instanceof Error ? e.message : String(e);
  const first = msg.split(/\.\s/)[0]!.replace(/\.$/, '');
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return first.replace(/^Unexpected argument/, 'unexpected argument');
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/** Parses a positive decimal integer option, or throws a usage error. */
export function parseIntOption(args: Args, name: string, value: string): number {
  if (!/^[0-9]{1,6}$/.test(value)) throw usageError(`--${name} must be a whole number, got '${value}'`, args.helpHint);
  return Number(value);
}
