/**
 * A changed server key end to end: `parley chat` refuses it with a warning that names the
 * command to forget the old key; `parley pins forget` (as the warning spells it) removes it, and
 * the next `parley chat` connects and pins the key the server presents.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fingerprint } from '../../src/rsa/fingerprint.js';
import { runCli } from '../cli/helpers.js';
import { CliClient, killCliClients } from './cli-client.js';
import { closeAll, startServer, tempDir } from './harness.js';

after(closeAll);
after(killCliClients);

const OLD = `SHA256:${'A'.repeat(43)}`;

describe('a changed server key and parley pins forget', () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  const home = tempDir();
  before(async () => {
    ctx = await startServer();
  });
  after(async () => {
    await ctx?.server.close();
    home.cleanup();
  });

  it('the refusal names the forget command; running it lets the next run connect and pin the new key', async () => {
    const id = `127.0.0.1:${ctx.port}`;
    const knownHosts = path.join(home.dir, 'known_hosts');
    writeFileSync(knownHosts, `${id} ${OLD}\n`);
    const refused = new CliClient(ctx.url, 'alice', home.dir);
    const err = await refused.next((e) => e.type === 'error');
    assert.equal(err.code, 'server_key_changed');
    const forget = /^ {4}(parley pins forget .*)$/m.exec(String(err.message));
    assert.ok(forget, `the warning names the command: ${String(err.message)}`);
    assert.equal(forget[1], `parley pins forget ${id}`, 'PARLEY_HOME is this home: no --home needed');
    assert.equal(await new Promise((r) => refused.proc.on('exit', r)), 1);

    // run it as the warning says (same environment: PARLEY_HOME is the home)
    const r = await runCli(forget[1]!.split(' ').slice(1), { env: { PARLEY_HOME: home.dir } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), new RegExp(`^forgot the pinned key of ${id}: ${OLD} \\(line 1\\)`));
    assert.equal(readFileSync(knownHosts, 'utf8'), '');

    const again = new CliClient(ctx.url, 'alice', home.dir);
    const ready = await again.next((e) => e.type === 'ready', 30_000);
    assert.equal(ready.serverFingerprint, fingerprint(ctx.key.publicKey));
    assert.equal(readFileSync(knownHosts, 'utf8'), `${id} ${fingerprint(ctx.key.publicKey)}\n`);
    assert.equal(await again.quit(), 0);
  });
});
