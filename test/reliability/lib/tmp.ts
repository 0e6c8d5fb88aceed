/** Temporary folders, all removed by one cleanup call (in an after hook). */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TempDirs {
  root: string;
  /** A new sub-folder of the root. */
  make(name: string): string;
  cleanup(): void;
}

export function tempDirs(prefix = 'parley-rel-'): TempDirs {
  const root = mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    root,
    make(name) {
      const d = path.join(root, name);
      mkdirSync(d, { recursive: true, mode: 0o700 });
      return d;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
