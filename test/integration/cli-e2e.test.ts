/**
 * End-to-end encryption through the real `parley chat --json` and `parley server` (child
 * processes), with real peer pin files in the homes: a name handed to a new key by the operator
 * (`parley names release`) makes everyone who knew the old key get `peer_key_changed`; the new
 * key's messages are not verified and nothing is shared with it until `/trust`; `/verify` shows
 * the same safety number on both sides and `/verify NAME yes` marks the peer verified (`/whois`).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CLI } from '../helpers/paths.js';
import { peerPinPath } from '../../src/client/peer-pin-file.js';
import { CliClient, killCliClients, type JsonEvent } from './cli-client.js';
import { freePort, sleep, tempDir } from './harness.js';

after(killCliClients);

/** `parley server` as a child; resolves once it listens. */
async function startServer(port: number, data: string): Promise<ChildProcessWithoutNullStreams> {
  const proc = spawn(process.execPath, [CLI, 'server', '--port', String(port), '--data', data]);
  const lines: string[] = [];
  createInterface({ input: proc.stdout }).on('line', (l) => lines.push(l));
  const end = Date.now() + 90_000;
  while (!lines.some((l) => /listening on ws:\/\//.test(l))) {
    if (proc.exitCode !== null || Date.now() > end) throw new Error(`the server did not start: ${lines.join('\n')}`);
    await sleep(50);
  }
  return proc;
}

async function stop(proc: ChildProcessWithoutNullStreams): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

const say = (c: CliClient, line: string, ref: string) => c.line(JSON.stringify({ ref, line }));

describe('parley chat --json: end-to-end keys, pins, /trust and /verify (real server, real pin files)', () => {
  const data = tempDir();
  const homes = { alice: tempDir(), bob: tempDir(), newBob: tempDir() };
  const procs: ChildProcessWithoutNullStreams[] = [];
  after(async () => {
    for (const p of procs) await stop(p);
    for (const d of [data, ...Object.values(homes)]) d.cleanup();
  });

  it('a name handed to a new key: peer_key_changed from the pin file, not verified and withheld until /trust; /verify and /whois', { timeout: 240_000 }, async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}`;
    let server = await startServer(port, data.dir);
    procs.push(server);

    // 1. alice and bob meet: each pins the other's key in its home (peers/<server>.json)
    let alice = new CliClient(url, 'alice', homes.alice.dir);
    const ra = await alice.next((e) => e.type === 'ready', 60_000);
    const bob = new CliClient(url, 'bob', homes.bob.dir);
    const rb = await bob.next((e) => e.type === 'ready', 60_000);
    const seen = await alice.next((e) => e.type === 'peer_new' && e.name === 'bob');
    assert.equal(seen.fingerprint, rb.fingerprint);
    say(bob, 'hello from the first bob', 'b1');
    const m1 = await alice.next((e) => e.type === 'message' && e.text === 'hello from the first bob');
    assert.deepEqual([m1.verified, m1.code, m1.fingerprint], [true, null, rb.fingerprint]);
    const pinFile = peerPinPath(homes.alice.dir, url);
    const pins = JSON.parse(readFileSync(pinFile, 'utf8')) as { version: number; peers: Record<string, { fingerprint: string; verified: boolean }> };
    assert.equal(pins.version, 1);
    assert.equal(pins.peers.bob?.fingerprint, rb.fingerprint, "bob's key is pinned in alice's file");
    assert.equal(pins.peers.bob?.verified, false);
    assert.equal(await alice.quit(), 0);
    assert.equal(await bob.quit(), 0);

    // 2. bob lost his key: the operator stops the server, releases the name, starts it again
    await stop(server);
    const rel = spawnSync(process.execPath, [CLI, 'names', 'release', 'bob', '--data', data.dir], { encoding: 'utf8' });
    assert.equal(rel.status, 0, rel.stderr);
    server = await startServer(port, data.dir);
    procs.push(server);

    // 3. a new alice process (the pins come from the file) meets the new bob (a new key)
    alice = new CliClient(url, 'alice', homes.alice.dir);
    await alice.next((e) => e.type === 'ready', 60_000);
    const newBob = new CliClient(url, 'bob', homes.newBob.dir);
    const rn = await newBob.next((e) => e.type === 'ready', 60_000);
    assert.notEqual(rn.fingerprint, rb.fingerprint);
    const changed = await alice.next((e) => e.type === 'peer_key_changed');
    assert.deepEqual(changed, { type: 'peer_key_changed', name: 'bob', pinned: rb.fingerprint, presented: rn.fingerprint });
    assert.ok(!alice.events.some((e) => e.type === 'peer_new' && e.name === 'bob'), 'not "first time seen": the file remembered the old key');

    say(newBob, 'it is me, new key', 'n1');
    const m2 = await alice.next((e) => e.type === 'message' && e.text === 'it is me, new key');
    assert.deepEqual([m2.verified, m2.code, m2.fingerprint], [false, 'e2e_key_changed', null], 'read, but not verified');
    say(alice, 'who is there?', 'a1');
    const held = await alice.next((e) => e.type === 'e2e_withheld');
    assert.deepEqual(held.names, ['bob'], "alice's key is not shared with the new key");
    await alice.next((e) => e.type === 'message' && e.text === 'who is there?' && e.ref === 'a1');
    await sleep(500);
    assert.ok(!newBob.events.some((e) => e.type === 'message' && e.text === 'who is there?' && e.verified === true), 'the new bob cannot read it');
    const st = JSON.parse(readFileSync(pinFile, 'utf8')) as { peers: Record<string, { fingerprint: string; presented?: string }> };
    assert.deepEqual([st.peers.bob?.fingerprint, st.peers.bob?.presented], [rb.fingerprint, rn.fingerprint], 'the file keeps the old pin and the presented key');

    // 4. /verify before any number was shown is refused; /verify shows the same 60 digits on both sides
    say(alice, '/verify bob yes', 'v0');
    const v0 = await alice.next((e) => e.ref === 'v0');
    assert.deepEqual([v0.type, v0.code, v0.command], ['error', 'bad_command', 'verify']);
    say(alice, '/verify bob', 'v1');
    const na = await alice.next((e) => e.ref === 'v1');
    assert.equal(na.type, 'safety_number');
    assert.match(String(na.digits), /^\d{60}$/);
    assert.equal(na.fingerprint, rn.fingerprint, 'the number of the key bob presents now');
    say(newBob, '/verify alice', 'v2');
    const nb = await newBob.next((e) => e.ref === 'v2');
    assert.equal(nb.digits, na.digits, 'both sides see the same safety number');

    // 5. /trust: the new key is accepted; messages verify both ways
    say(alice, '/trust bob', 't1');
    const t1 = await alice.next((e) => e.ref === 't1');
    assert.equal(t1.type, 'info');
    assert.match(String(t1.message), new RegExp(`new key ${rn.fingerprint!.toString().replace(/[+/]/g, '\\$&')} is accepted`));
    say(newBob, 'after the trust', 'n2');
    const m3 = await alice.next((e) => e.type === 'message' && e.text === 'after the trust');
    assert.deepEqual([m3.verified, m3.fingerprint], [true, rn.fingerprint]);
    say(alice, 'welcome back', 'a2');
    const m4 = await newBob.next((e) => e.type === 'message' && e.text === 'welcome back');
    assert.deepEqual([m4.verified, m4.fingerprint], [true, (await alice.next((e) => e.type === 'ready')).fingerprint]);
    say(alice, '/trust bob', 't2');
    assert.equal((await alice.next((e) => e.ref === 't2')).type, 'error', 'nothing left to trust');

    // 6. /verify NAME yes marks the key whose number was shown; /whois says so
    say(alice, '/whois bob', 'w1');
    assert.equal((await alice.next((e) => e.ref === 'w1')).verified, false);
    say(alice, '/verify bob yes', 'v3');
    const v3 = await alice.next((e) => e.ref === 'v3');
    assert.equal(v3.type, 'info');
    say(alice, '/whois bob', 'w2');
    const w2 = await alice.next((e) => e.ref === 'w2');
    assert.deepEqual([w2.type, w2.fingerprint, w2.verified], ['whois', rn.fingerprint, true]);
    say(alice, '/who', 'w3');
    const w3 = await alice.next((e) => e.ref === 'w3');
    assert.deepEqual([w3.type, w3.verified], ['who', ['bob']], 'the member list marks bob verified');
    const after = JSON.parse(readFileSync(pinFile, 'utf8')) as { peers: Record<string, { fingerprint: string; verified: boolean; presented?: string }> };
    assert.deepEqual(after.peers.bob, { ...after.peers.bob, fingerprint: rn.fingerprint, verified: true });
    assert.equal(after.peers.bob?.presented, undefined);

    assert.equal(await alice.quit(), 0);
    assert.equal(await newBob.quit(), 0);
    void ra;
  });
});

export type { JsonEvent };
