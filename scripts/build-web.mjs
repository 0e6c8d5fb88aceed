#!/usr/bin/env node
/**
 * Builds the browser client into dist/web/: esbuild bundles src/web/app.ts (the page) and
 * src/web/keygen-worker.ts (the key-generation worker) for browsers, and the static files of
 * src/web/static/ (index.html, style.css) are copied beside them. `npm run build` runs it after tsc.
 *
 * The bundles are IIFEs (no module loader needed; the CSP allows only same-origin scripts) with
 * external source maps. A `node:` import in browser code fails the build (platform "browser").
 */
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'web');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = {
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: ['es2022', 'chrome111', 'firefox115', 'safari16.4'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
};

await Promise.all([
  build({ ...common, entryPoints: ['src/web/app.ts'], outfile: path.join(out, 'app.js') }),
  build({ ...common, entryPoints: ['src/web/keygen-worker.ts'], outfile: path.join(out, 'worker.js') }),
]);
for (const f of ['index.html', 'style.css']) cpSync(path.join(root, 'src', 'web', 'static', f), path.join(out, f));
console.error(`parley: browser client built in ${path.relative(root, out)}/`);
