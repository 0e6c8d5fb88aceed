/**
 * Commands made of subcommands (`parley rsa encrypt`, `parley names list`, `parley pins forget`):
 * one dispatcher for all of them, so that each says the same things the same way — `--help` and
 * `help SUBCOMMAND`, a missing or unknown subcommand as a usage error naming the choices.
 */
import { quote } from '../chat/validate.js';
import type { Command } from './args.js';
import { EXIT_OK, usageError } from './errors.js';
import { writeStdout } from './io.js';

/** One subcommand: its word, its `--help` text, and what it runs (resolving to the exit code). */
export interface Subcommand {
  readonly name: string;
  readonly help: string;
  run(argv: string[]): Promise<number>;
}

/** "a or b", "a, b or c". */
function choices(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}`;
}

/**
 * The Command `parley NAME SUBCOMMAND …`: runs the subcommand named by the first argument; `--help`,
 * `-h` or `help [SUBCOMMAND]` print `help` (or the subcommand's). Throws a usage error (exit 2)
 * for a missing or unknown subcommand, naming the choices and `parley NAME --help`.
 */
export function commandGroup(spec: { name: string; summary: string; help: string; subcommands: readonly Subcommand[] }): Command {
  const names = spec.subcommands.map((s) => s.name);
  const hint = `run 'parley ${spec.name} --help' for usage`;
  return {
    name: spec.name,
    summary: spec.summary,
    help: spec.help,
    async run(argv) {
      const [first, ...rest] = argv;
      if (first === undefined) throw usageError(`missing ${spec.name} command (${choices(names)})`, hint);
      if (first === '--help' || first === '-h' || first === 'help') {
        const sub = first === 'help' && rest[0] ? spec.subcommands.find((s) => s.name === rest[0]) : undefined;
        await writeStdout(sub ? sub.help : spec.help);
        return EXIT_OK;
      }
      const sub = spec.subcommands.find((s) => s.name === first);
      if (!sub) {
        throw usageError(
          first.startsWith('-') ? `unknown option ${quote(first)} before the ${spec.name} command` : `unknown ${spec.name} command ${quote(first)}`,
          `run 'parley ${spec.name} --help' for the list (${names.join(', ')})`,
        );
      }
      return sub.run(rest);
    },
  };
}
