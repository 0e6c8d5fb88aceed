/**
 * Proof that the server never holds a message's text (issue 13, "What users get" 1): a real
 * `parley server` process, with a data folder and --verbose logging, relays many room and direct
 * messages (some /me actions) of unique random texts between real protocol-2 clients (ChatConnection + E2ESession,
 * e2e-client.ts). Then a heap snapshot of the server process (node --heapsnapshot-signal) and
 * every file of its data folder and its stdout/stderr are searched for every text — as UTF-8, as
 * UTF-16LE, as the \uXXXX escapes a heap snapshot writes for non-ASCII characters — and for the
 * hex and base64 of each text's SHA-256 (the hash inside the signed payload). A control shows the
 * search works: a room name and the users' fingerprints, which the server must know, ARE found in
 * its snapshot, and every text IS found in a heap snapshot of the test process (whose clients hold them).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { createInterface } from 'node:readline';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { CLI } from '../helpers/paths.js';
import { keyPool } from '../reliability/lib/keys.js';
import { E2EClient, waitFor } from './e2e-client.js';
import { closeAll, tempDir } from './harness.js';

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/**
 * How a heap snapshot writes a string: JSON, with every character outside printable ASCII as
 * \u and four hex digits (V8's serializer decodes a surrogate pair and writes the code point's
 * low 16 bits, e.g. U+1F510 as \uF510); `pairs` escapes UTF-16 units instead, as JSON.stringify-
 * like writers do.
 */
function escaped(text: string, upper: boolean, pairs: boolean): string {
  const units = pairs ? text.split('') : [...text];
  return units
    .map((ch) => {
      const cp = ch.codePointAt(0)!;
      if (cp >= 0x20 && cp <= 0x7e) return ch;
      const h = (cp & 0xffff).toString(16).padStart(4, '0');
      return `\\u${upper ? h.toUpperCase() : h}`;
    })
    .join('');
}

/** The byte patterns that would betray `text`: its UTF-8, UTF-16LE, \u escapes (both cases, code points or units), its SHA-256 in hex and base64. */
function patterns(text: string): { form: string; bytes: Buffer }[] {
  const sha = crypto.createHash('sha256').update(text, 'utf8').digest();
  const forms: [string, string | Buffer][] = [
    ['utf8', Buffer.from(text, 'utf8')],
    ['utf16le', Buffer.from(text, 'utf16le')],
    ['escaped', escaped(text, true, false)],
    ['escaped-lower', escaped(text, false, false)],
    ['escaped-units', escaped(text, true, true)],
    ['escaped-units-lower', escaped(text, false, true)],
    ['sha256-hex', sha.toString('hex')],
    ['sha256-base64', sha.toString('base64').replace(/=+$/, '')],
  ];
  return forms.map(([form, v]) => ({ form, bytes: typeof v === 'string' ? Buffer.from(v, 'utf8') : v }));
}

/** Every (text, form) of `texts` found in `hay`. */
function leaks(hay: Buffer, texts: string[]): string[] {
  return texts.flatMap((t) => patterns(t).filter((p) => hay.includes(p.bytes)).map((p) => `${p.form} of ${JSON.stringify(t)}`));
}

describe('the server never holds a message\'s text', () => {
  let child: ChildProcess;
  let keys: RsaPrivateKey[];
  let out = '';
  let err = '';
  const data = tempDir('parley-no-text-data-');
  const diag = tempDir('parley-no-text-diag-');
  before(async () => {
    keys = await keyPool(4);
  });
  after(async () => {
    await closeAll();
    if (child && child.exitCode === null) await new Promise<void>((r) => (child.once('exit', () => r()), child.kill('SIGKILL')));
    data.cleanup();
    diag.cleanup();
  });

  it('not in its heap, its data folder or its output, after many room and direct messages', { timeout: 200_000 }, async (t) => {
    child = spawn(process.execPath, ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${diag.dir}`, CLI, 'server', '--port', '0', '--data', data.dir, '--verbose', '--rate', '200'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line within 60 s; stderr: ${err}`)), 60_000);
      createInterface({ input: child.stdout! }).on('line', (l) => {
        const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(l);
        if (m) (clearTimeout(timer), resolve(Number(m[1])));
      });
    });
    const url = `ws://127.0.0.1:${port}`;
    const names = ['alice', 'bob', 'carol', 'dave'];
    const c: E2EClient[] = [];
    for (const [i, n] of names.entries()) c.push(await new E2EClient(url, n, keys[i]!).connect());
    // the control: a room name the server must keep while its members are in it
    const room = `r${crypto.randomBytes(8).toString('hex')}`;
    for (const x of c) await x.join(room);
    for (const x of c) await waitFor(() => names.every((m) => m === x.name || x.session.peerStatus(m).bundleFingerprint !== null), `${x.name}: bundles`);

    const texts: string[] = [];
    const fresh = (i: number) => {
      const r = crypto.randomBytes(12).toString('hex');
      // ASCII, Latin-1 (one byte per char in V8) and two-byte texts, each unique
      const t = i % 3 === 0 ? `secret ${r}` : i % 3 === 1 ? `geheimnis ${r} für dich` : `秘密 ${r} 🔐`;
      texts.push(t);
      return t;
    };
    const ROOM_MESSAGES = 60;
    const DIRECT_MESSAGES = 24;
    // every fifth one a /me action
    for (let i = 0; i < ROOM_MESSAGES; i++) c[i % c.length]!.say(i % 2 ? room : 'lobby', fresh(i), i % 5 === 0);
    for (let i = 0; i < DIRECT_MESSAGES; i++) c[i % c.length]!.dm(names[(i + 1) % names.length]!, fresh(i), i % 5 === 0);
    // every text reached its recipients, verified: the server really relayed them
    for (const [i, text] of texts.entries()) {
      const sender = i < ROOM_MESSAGES ? i % c.length : (i - ROOM_MESSAGES) % c.length;
      const to = i < ROOM_MESSAGES ? c.filter((_, j) => j !== sender) : [c[(sender + 1) % c.length]!];
      for (const r of to) {
        const got = await r.receivedWhere((x) => x.text === text && x.verified, `${r.name} reads ${JSON.stringify(text)}`, 30_000);
        assert.equal(got.action ?? false, (i < ROOM_MESSAGES ? i : i - ROOM_MESSAGES) % 5 === 0);
      }
    }

    // a heap snapshot of the server process, taken while every client is still connected
    child.kill('SIGUSR2');
    await waitFor(() => readdirSync(diag.dir).some((f) => f.endsWith('.heapsnapshot')), 'the heap snapshot', 60_000);
    await c[0]!.sync(60_000); // the snapshot is written on the server's main thread: a pong after it means it is complete
    const snapFile = path.join(diag.dir, readdirSync(diag.dir).find((f) => f.endsWith('.heapsnapshot'))!);
    for (let size = -1; size !== statSync(snapFile).size; ) {
      size = statSync(snapFile).size;
      await new Promise((r) => setTimeout(r, 500));
    }
    const heap = readFileSync(snapFile);
    t.diagnostic(`heap snapshot ${heap.length} bytes; ${texts.length} texts; data folder: ${filesUnder(data.dir).map((f) => path.relative(data.dir, f)).join(', ')}`);
    JSON.parse(heap.toString('utf8')); // complete, and a real snapshot
    assert.ok(heap.includes(Buffer.from(room)), 'control: the room name is in the snapshot (the search works)');
    for (const n of names) assert.ok(heap.includes(Buffer.from(c[names.indexOf(n)]!.fingerprint)), `control: ${n}'s fingerprint is in the snapshot`);
    assert.deepEqual(leaks(heap, texts), [], 'texts in the server\'s heap');
    // control: the same search over a heap snapshot of this test process, whose clients hold every
    // text, finds every one of them (ASCII, Latin-1 and two-byte strings alike)
    const own = readFileSync(v8.writeHeapSnapshot(path.join(diag.dir, 'test-process.snapshot')));
    const found = new Set(texts.filter((x) => leaks(own, [x]).length > 0));
    assert.deepEqual(texts.filter((x) => !found.has(x)), [], 'control: texts the search misses in a heap that holds them');

    for (const x of c) x.close();
    child.kill('SIGTERM');
    await new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
    const files = filesUnder(data.dir);
    assert.ok(files.length > 0, 'the data folder has files to search');
    for (const f of files) assert.deepEqual(leaks(readFileSync(f), texts), [], `texts in ${path.relative(data.dir, f)}`);
    assert.match(out + err, /connect alice/, 'control: the log names who connected');
    assert.deepEqual(leaks(Buffer.from(out + err, 'utf8'), texts), [], 'texts in the server\'s output');
  });
});
