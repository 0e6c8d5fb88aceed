/**
 * `parley chat` argument checks that need no server: a --server that cannot be a URL is a usage
 * error (exit 2) before any key is made, not a retry loop or a fatal error after first-run key
 * generation.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertCleanError, runCli, tempDir } from './helpers.js';

let root: string;
let cleanup: () => Promise<void>;
before(async () => {
  ({ dir: root, cleanup } = await tempDir('parley-chat-args-'));
});
after(() => cleanup());

describe('parley chat --server', () => {
  const cases: [string, RegExp][] = [
    ['http://127.0.0.1:8765', /--server must be a ws:\/\/ or wss:\/\/ URL, got 'http:\/\/127\.0\.0\.1:8765'/],
    ['ws://127.0.0.1:99999', /--server 'ws:\/\/127\.0\.0\.1:99999' is not a valid URL \(check the host and the port, 1–65535\); for example --server ws:\/\/127\.0\.0\.1:8765/],
    ['ws://exa%mple.org', /is not a valid URL/],
  ];
  for (const [server, message] of cases) {
    it(`${server}: usage error, exit 2, no key made`, async () => {
      const home = path.join(root, encodeURIComponent(server));
      const r = await runCli(['chat', '--server', server, '--name', 'alice', '--home', home]);
      assertCleanError(r, 2, message);
      assert.equal(existsSync(path.join(home, 'key')), false);
    });
  }
});
