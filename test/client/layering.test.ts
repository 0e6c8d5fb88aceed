/**
 * The client layer (src/client) is shared by the terminal client and the browser client, so it
 * must not depend on the CLI (src/cli): it throws its own ClientErrors, and the CLI maps them to
 * messages and exit codes. This test reads the sources and fails on any import from src/cli.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../helpers/paths.js';

/** Every module specifier a TypeScript source imports or re-exports (static and dynamic). */
function specifiers(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm)) {
    out.push((m[1] ?? m[2] ?? m[3])!);
  }
  return out;
}

/** The .ts files under `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sources(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : [],
  );
}

describe('layering', () => {
  it('the specifier scan finds static, type-only, re-exported and dynamic imports', () => {
    const found = specifiers(
      "import { a } from '../cli/errors.js';\nimport type { B } from \"../cli/args.js\";\nexport { c } from '../cli/io.js';\nconst m = await import('../cli/main.js');\nimport '../cli/side.js';\n",
    );
    assert.deepEqual(found, ['../cli/errors.js', '../cli/args.js', '../cli/io.js', '../cli/main.js', '../cli/side.js']);
  });

  for (const layer of ['client', 'web']) {
    it(`src/${layer} imports nothing from src/cli`, () => {
      const root = path.join(PROJECT_ROOT, 'src', layer);
      const cli = path.join(PROJECT_ROOT, 'src', 'cli');
      const files = sources(root);
      assert.ok(files.length > 5, `found the sources of src/${layer}`);
      const bad: string[] = [];
      for (const f of files) {
        for (const s of specifiers(readFileSync(f, 'utf8'))) {
          if (!s.startsWith('.')) continue;
          const target = path.resolve(path.dirname(f), s);
          if (target === cli || target.startsWith(cli + path.sep)) bad.push(`${path.relative(PROJECT_ROOT, f)} imports ${s}`);
        }
      }
      assert.deepEqual(bad, []);
    });
  }
});
