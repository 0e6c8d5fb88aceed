#!/usr/bin/env node
/**
 * The `parley` command line. A registry of commands (COMMANDS below): to add one, write a
 * Command (see args.ts) in its own file and append it to the list.
 *
 * Exit codes: 0 success; 1 failure (a missing file, a bad key, a wrong passphrase, an invalid
 * signature…); 2 usage error; 130 interrupted by Ctrl+C. Every error is one line on stderr,
 * `parley: <message>; <hint>`; unexpected errors show a stack trace only with PARLEY_DEBUG=1.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from './args.js';
import { describeError, EXIT_INTERRUPTED, EXIT_OK, usageError } from './errors.js';
import { fingerprintCommand } from './fingerprint.js';
import { dispatchGracefulSignal, isEpipe, runInterruptCleanups, writeStdout } from './io.js';
import { keygenCommand } from './keygen.js';
import { namesCommand } from './names.js';
import { pinsCommand } from './pins.js';
import { rsaCommand } from './rsa.js';
import { serverCommand } from './server.js';
import { chatCommand } from './chat.js';
import { openCommand, sealCommand } from './seal.js';

/** Every command, in the order `parley --help` lists them. */
export const COMMANDS: readonly Command[] = [chatCommand, pinsCommand, serverCommand, namesCommand, keygenCommand, fingerprintCommand, sealCommand, openCommand, rsaCommand];

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: parley <command> [options]

Parley: secure chat on its own RSA implementation (RFC 8017, FIPS 186-5).

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options:
  -h, --help       show this help ('parley <command> --help' for a command)
  -V, --version    print the version

Exit codes: 0 success, 1 failure, 2 usage error. Set PARLEY_DEBUG=1 to see stack traces of
unexpected errors.
`;
}

/** Runs `parley` with `argv` (the arguments after the program name); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    if (name === undefined) {
      process.stderr.write(mainHelp());
      return 2;
    }
    await writeStdout(mainHelp());
    return EXIT_OK;
  }
  if (name === '--version' || name === '-V') {
    await writeStdout(`parley ${version()}\n`);
    return EXIT_OK;
  }
  if (name === 'help') {
    const cmd = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0]);
    if (rest[0] !== undefined && !cmd) throw usageError(`unknown command '${rest[0]}'`, "run 'parley --help' for the list of commands");
    await writeStdout(cmd ? cmd.help : mainHelp());
    return EXIT_OK;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    if (name.startsWith('-')) throw usageError(`unknown option '${name}'`, "run 'parley --help' for usage");
    throw usageError(`unknown command '${name}'`, "run 'parley --help' for the list of commands");
  }
  return cmd.run(rest);
}

function exitNow(code: number): never {
  process.exit(code);
}

/** True when this file is the program being run (not imported by a test or another module). */
function isEntryPoint(): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    // the bin may be run through a symbolic link (npm link, node_modules/.bin)
    return realpathSync(arg) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.stdout.on('error', (e) => {
    if (isEpipe(e)) exitNow(0);
  });
  const onSignal = (code: number) => (signal: NodeJS.Signals): void => {
    if (dispatchGracefulSignal(signal as 'SIGINT' | 'SIGTERM')) return;
    runInterruptCleanups();
    process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}parley: interrupted\n`);
    exitNow(code);
  };
  process.on('SIGINT', onSignal(EXIT_INTERRUPTED));
  process.on('SIGTERM', onSignal(143));
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (isEpipe(e)) exitNow(0);
      const { text, exitCode } = describeError(e);
      process.stderr.write(text);
      process.exitCode = exitCode;
    },
  );
}
