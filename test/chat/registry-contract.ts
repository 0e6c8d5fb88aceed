/**
 * The behaviour every NameRegistry must have, as one table of scenarios: test/chat/names.test.ts
 * runs it against MemoryNameRegistry, test/server/names-sqlite.test.ts against SqliteNameRegistry,
 * so the two cannot drift apart.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClaimPolicy, ClaimResult, NameRecord, NameRegistry } from '../../src/chat/index.js';
import { fp } from './helpers.js';

/** Makes a fresh registry holding `seed` (inserted without any check, as names from before the look-alike rule). */
export type RegistryFactory = (seed?: NameRecord[]) => NameRegistry;

/** [name, key, policy, expected]: 'created', 'owned', 'taken:NAME', 'lookalike:NAME', 'key_limit:N1,N2', 'full:SIZE', 'paused'. */
export type Step = [name: string, key: string, policy: ClaimPolicy | undefined, expected: string];

export interface Scenario {
  title: string;
  seed?: NameRecord[];
  steps: Step[];
  /** Names (registered spelling) after the steps, in list order. */
  after?: string[];
}

const rec = (name: string, key: string, createdAt: number): NameRecord => ({ name, fingerprint: fp(key), createdAt });

export const SCENARIOS: Scenario[] = [
  {
    title: 'the first key owns a name; the same key again is fine; another key, in any case, is refused',
    steps: [
      ['Alice', 'A', undefined, 'created'],
      ['alice', 'A', undefined, 'owned'],
      ['ALICE', 'M', undefined, 'taken:Alice'],
      ['aLiCe', 'M', undefined, 'taken:Alice'],
    ],
    after: ['Alice'],
  },
  {
    title: "a look-alike of another key's name is refused, naming it; the same key may hold look-alikes of its own",
    steps: [
      ['alice', 'A', undefined, 'created'],
      ['aIice', 'M', undefined, 'lookalike:alice'],
      ['a1ice', 'M', undefined, 'lookalike:alice'],
      ['AIice', 'M', undefined, 'lookalike:alice'],
      ['aIice', 'A', undefined, 'created'],
      ['aiice', 'M', undefined, 'taken:aIice'],
      ['ailce', 'M', undefined, 'created'],
    ],
    after: ['aIice', 'ailce', 'alice'],
  },
  {
    title: 'names per key: a new name beyond maxNamesPerKey is refused with the held names, oldest first; held names still work',
    steps: [
      ['k1', 'K', { maxNamesPerKey: 2 }, 'created'],
      ['k0', 'K', { maxNamesPerKey: 2 }, 'created'],
      ['k2', 'K', { maxNamesPerKey: 2 }, 'key_limit:k1,k0'],
      ['k2', 'K', { maxNamesPerKey: 1 }, 'key_limit:k1'],
      ['K0', 'K', { maxNamesPerKey: 1 }, 'owned'],
      ['k2', 'other', { maxNamesPerKey: 1 }, 'created'],
    ],
    after: ['k0', 'k1', 'k2'],
  },
  {
    title: 'names in all: beyond maxNames new names are refused; known names still work',
    steps: [
      ['n0', 'a', { maxNames: 2 }, 'created'],
      ['n1', 'b', { maxNames: 2 }, 'created'],
      ['n2', 'c', { maxNames: 2 }, 'full:2'],
      ['n1', 'b', { maxNames: 2 }, 'owned'],
      ['n2', 'c', { maxNames: 3 }, 'created'],
    ],
  },
  {
    title: 'allowNew false refuses only new names',
    steps: [
      ['x', 'X', undefined, 'created'],
      ['x', 'X', { allowNew: false }, 'owned'],
      ['y', 'X', { allowNew: false }, 'paused'],
      ['x', 'M', { allowNew: false }, 'taken:x'],
    ],
    after: ['x'],
  },
  {
    title: 'order of the checks: look-alike, then names per key, then names in all, then allowNew',
    steps: [
      ['alice', 'A', undefined, 'created'],
      ['bob', 'K', undefined, 'created'],
      ['aIice', 'K', { maxNamesPerKey: 1, maxNames: 1, allowNew: false }, 'lookalike:alice'],
      ['carol', 'K', { maxNamesPerKey: 1, maxNames: 1, allowNew: false }, 'key_limit:bob'],
      ['carol', 'C', { maxNamesPerKey: 1, maxNames: 2, allowNew: false }, 'full:2'],
      ['carol', 'C', { maxNamesPerKey: 1, maxNames: 3, allowNew: false }, 'paused'],
    ],
  },
  {
    title: 'grandfathered look-alikes (registered before the rule) are kept: each owner keeps its name; new ones are compared',
    seed: [rec('alice', 'A', 1000), rec('aIice', 'B', 2000), rec('rnallory', 'C', 3000), rec('mallory', 'D', 4000)],
    steps: [
      ['alice', 'A', { maxNamesPerKey: 1 }, 'owned'],
      ['AIICE', 'B', { maxNamesPerKey: 1 }, 'owned'],
      ['a1ice', 'E', undefined, 'lookalike:alice'],
      ['ALICE', 'B', undefined, 'taken:alice'],
      ['MALLORY', 'C', undefined, 'taken:mallory'],
      ['rnaIIory', 'D', undefined, 'lookalike:rnallory'],
    ],
    after: ['aIice', 'alice', 'mallory', 'rnallory'],
  },
];

export function outcome(r: ClaimResult): string {
  if (r.ok) return r.created ? 'created' : 'owned';
  switch (r.reason) {
    case 'taken':
    case 'lookalike':
      return `${r.reason}:${r.record.name}`;
    case 'key_limit':
      return `key_limit:${r.held.map((h) => h.name).join(',')}`;
    case 'full':
      return `full:${r.size}`;
    case 'new_names_paused':
      return 'paused';
  }
}

/** Runs the contract against `make`. */
export function registryContract(label: string, make: RegistryFactory): void {
  describe(`${label}: the NameRegistry contract`, () => {
    for (const s of SCENARIOS) {
      it(s.title, () => {
        const r = make(s.seed);
        try {
          let t = 10_000;
          for (const [name, key, policy, expected] of s.steps) {
            const got = outcome(r.claim(name, fp(key), (t += 1000), policy));
            assert.equal(got, expected, `claim ${name} by ${key} ${JSON.stringify(policy ?? {})}`);
          }
          if (s.after) assert.deepEqual(r.list().map((x) => x.name), s.after);
          assert.equal(r.size(), r.list().length);
        } finally {
          r.close();
        }
      });
    }

    it('a claim returns the record (first spelling, owner, time of the first claim); lookup and list agree', () => {
      const r = make();
      try {
        assert.deepEqual(r.claim('Alice', fp('a'), 1000), { ok: true, created: true, record: { name: 'Alice', fingerprint: fp('a'), createdAt: 1000 } });
        assert.deepEqual(r.claim('alice', fp('a'), 2000), { ok: true, created: false, record: { name: 'Alice', fingerprint: fp('a'), createdAt: 1000 } });
        assert.deepEqual(r.claim('ALICE', fp('m'), 3000), { ok: false, reason: 'taken', record: { name: 'Alice', fingerprint: fp('a'), createdAt: 1000 } });
        assert.deepEqual(r.lookup('aLiCe'), { name: 'Alice', fingerprint: fp('a'), createdAt: 1000 });
        assert.equal(r.lookup('bob'), undefined);
        assert.equal(r.lookup('not valid'), undefined);
        assert.deepEqual(r.list(), [{ name: 'Alice', fingerprint: fp('a'), createdAt: 1000 }]);
        const c = r.claim('alice', fp('a'));
        assert.ok(c.ok);
        c.record.fingerprint = 'tampered';
        assert.equal(r.lookup('alice')?.fingerprint, fp('a'), 'returned records are copies');
      } finally {
        r.close();
      }
    });

    it('release (any case) frees a name for anyone, look-alikes included; an unknown name is undefined', () => {
      const r = make([rec('alice', 'A', 1000)]);
      try {
        assert.equal(r.release('bob'), undefined);
        assert.equal(r.release('not valid'), undefined);
        assert.equal(outcome(r.claim('aIice', fp('M'))), 'lookalike:alice');
        assert.deepEqual(r.release('ALICE'), { name: 'alice', fingerprint: fp('A'), createdAt: 1000 });
        assert.equal(r.lookup('alice'), undefined);
        assert.equal(r.size(), 0);
        assert.equal(r.release('alice'), undefined, 'twice: already gone');
        assert.equal(outcome(r.claim('aIice', fp('M'), 5000, { maxNamesPerKey: 1 })), 'created');
        assert.equal(outcome(r.claim('alice', fp('A'))), 'lookalike:aIice', 'the old owner is now the look-alike');
      } finally {
        r.close();
      }
    });

    it('refuses invalid names and fingerprints with RangeError, changing nothing', () => {
      const r = make();
      try {
        for (const [name, key] of [
          ['a b', fp('a')],
          ['x'.repeat(33), fp('a')],
          ["x'; DROP TABLE names; --", fp('a')],
          ['alice', ''],
          ['alice', 'with space'],
        ] as const) {
          assert.throws(() => r.claim(name, key), RangeError, `${name} ${key}`);
        }
        assert.equal(r.size(), 0);
      } finally {
        r.close();
      }
    });
  });
}
