/** `parley chat --server`: several URLs, repeated and/or comma-separated (src/cli/chat-servers.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandArgs } from '../../src/cli/args.js';
import { CHAT_OPTIONS } from '../../src/cli/chat.js';
import { DEFAULT_SERVER, MAX_SERVERS, serverList } from '../../src/cli/chat-servers.js';
import { CliError, EXIT_USAGE } from '../../src/cli/errors.js';

const servers = (argv: string[]) => serverList(parseCommandArgs('parley chat', argv, CHAT_OPTIONS, 0).strings('server'));

describe('parley chat --server URL…', () => {
  const cases: [string, string[], string[]][] = [
    ['none: the default', [], [DEFAULT_SERVER]],
    ['one', ['--server', 'ws://a:1'], ['ws://a:1']],
    ['repeated, in order', ['--server', 'ws://a:1', '-s', 'wss://b:2', '--server=ws://c:3'], ['ws://a:1', 'wss://b:2', 'ws://c:3']],
    ['comma-separated, spaces and empty items ignored', ['--server', 'ws://a:1, ws://b:2,,'], ['ws://a:1', 'ws://b:2']],
    ['both', ['--server', 'ws://a:1,ws://b:2', '--server', 'ws://c:3'], ['ws://a:1', 'ws://b:2', 'ws://c:3']],
    ['the same server twice counts once (as known_hosts spells it)', ['--server', 'ws://A:1,ws://a:1/', '--server', 'ws://b:2'], ['ws://A:1', 'ws://b:2']],
  ];
  for (const [what, argv, want] of cases) it(what, () => assert.deepEqual(servers(argv), want));

  const bad: [string, string[], RegExp][] = [
    ['not ws://', ['--server', 'ws://a:1,http://b:2'], /--server must be a ws:\/\/ or wss:\/\/ URL, got 'http:\/\/b:2'/],
    ['a bad port', ['--server', 'ws://a:99999'], /is not a valid URL/],
    ['only commas', ['--server', ',,'], /--server needs a ws:\/\/ or wss:\/\/ URL/],
    ['empty', ['--server', ''], /needs a non-empty value/],
    [`more than ${MAX_SERVERS}`, ['--server', Array.from({ length: MAX_SERVERS + 1 }, (_, i) => `ws://h${i}:1`).join(',')], new RegExp(`at most ${MAX_SERVERS}`)],
  ];
  for (const [what, argv, pattern] of bad) {
    it(`${what}: a usage error`, () => {
      assert.throws(() => servers(argv), (e: unknown) => e instanceof CliError && e.exitCode === EXIT_USAGE && pattern.test(e.message));
    });
  }

  it('other string options given twice are still refused', () => {
    assert.throws(() => parseCommandArgs('parley chat', ['--name', 'a', '--name', 'b'], CHAT_OPTIONS, 0), /--name given more than once/);
  });
});
