/** Paths tests share: the project root and the read-only vectors folder beside it. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The project root (tests run from dist/test/…, three levels below it). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** ../shared/vectors relative to the project root (see DEVELOPERS.md), or $PARLEY_VECTORS (a git worktree elsewhere). */
export const VECTORS = process.env.PARLEY_VECTORS ? path.resolve(process.env.PARLEY_VECTORS) : path.resolve(PROJECT_ROOT, '../shared/vectors');

/** The compiled CLI entry point. */
export const CLI = path.join(PROJECT_ROOT, 'dist/src/cli/main.js');
