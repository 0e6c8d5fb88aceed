/**
 * The end-to-end layer is transport-free client logic shared by the terminal and the browser:
 * src/e2e imports nothing from the server, chat, client, CLI or web layers, and no `node:`
 * module except in crypto-node.ts (the Node provider). This test reads the sources.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../helpers/paths.js';

function specifiers(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

describe('src/e2e layering', () => {
  const dir = path.join(PROJECT_ROOT, 'src', 'e2e');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

  it('imports only src/e2e, src/rsa, src/protocol and @noble/*; node: only in crypto-node.ts', () => {
    assert.ok(files.length >= 15, 'found the sources');
    const bad: string[] = [];
    for (const f of files) {
      for (const s of specifiers(readFileSync(path.join(dir, f), 'utf8'))) {
        if (s.startsWith('node:')) {
          if (f !== 'crypto-node.ts') bad.push(`${f} imports ${s}`);
          continue;
        }
        if (s.startsWith('@noble/')) continue;
        if (!s.startsWith('.')) {
          bad.push(`${f} imports package ${s}`);
          continue;
        }
        const target = path.resolve(dir, s);
        const ok = ['e2e', 'rsa', 'protocol'].some((l) => target.startsWith(path.join(PROJECT_ROOT, 'src', l) + path.sep));
        if (!ok) bad.push(`${f} imports ${s}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('the node provider is not re-exported by the index (a browser bundle never pulls node:crypto)', () => {
    const index = readFileSync(path.join(dir, 'index.ts'), 'utf8');
    assert.equal(specifiers(index).some((s) => s.includes('crypto-node') || s.includes('crypto-web')), false);
  });
});
