/**
 * Property-based fuzzing (fast-check) of the frame decoder, the message decoders and every
 * handshake state: a few thousand random and mutated inputs per run, each of which must end in
 * a valid result or a ProtocolError with a stable code — never another exception, a hang or
 * heap growth. The properties are in test/reliability/lib/fuzz-lib.ts; they run in a worker
 * thread under a watchdog so that a hang fails this test (naming the input) instead of hanging
 * the test process. bench/fuzz.ts runs the same properties with ≥ 100,000 cases.
 *
 * The seed is fixed (reproducible runs); PARLEY_FUZZ_SEED=n explores another part of the space.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FuzzWorker } from '../reliability/lib/fuzz-runner.js';
import type { TargetName } from '../reliability/lib/fuzz-lib.js';

const SEED = Number(process.env.PARLEY_FUZZ_SEED ?? 0x9a41e7);
/** Cases per target in `npm test` (bench/fuzz.ts runs 100,000+ in all). */
const RUNS: Record<TargetName, number> = {
  decoders: 1500,
  serverAwaitingClientHello: 300,
  serverAwaitingClientFinish: 50,
  clientAwaitingServerHello: 400,
  sessionFirstFrame: 1200,
  sessionStream: 300,
  wrongState: 250,
};
/** Loose: the worker's heap after the run minus before it, both after a full GC. */
const MAX_HEAP_GROWTH = 16 * 1024 * 1024;
/** A single case slower than this is a hang in all but name (the slowest legitimate case is a few RSA operations). */
const MAX_CASE_MS = 5000;

describe('fuzz (fast-check): every case ends in a valid result or a typed ProtocolError', () => {
  let worker: FuzzWorker | undefined;
  before(async () => {
    worker = await FuzzWorker.start();
  });
  after(async () => {
    await worker?.close();
  });

  for (const [target, runs] of Object.entries(RUNS) as [TargetName, number][]) {
    it(`${target}: ${runs} cases`, async (t) => {
      const r = await worker!.run(target, runs, SEED, { warmup: Math.ceil(runs / 10), stallMs: 30_000 });
      const growth = r.heapAfter - r.heapBefore;
      t.diagnostic(
        `${r.stats.cases} cases in ${(r.stats.totalMs / 1000).toFixed(1)} s, ${r.stats.accepted} accepted, slowest ${r.stats.maxCaseMs.toFixed(1)} ms, ` +
          `heap ${(growth / 1024).toFixed(0)} KiB growth; codes ${JSON.stringify(r.stats.codes)}`,
      );
      assert.equal(r.stats.cases, runs);
      assert.ok(r.stats.maxCaseMs < MAX_CASE_MS, `slowest case ${r.stats.maxCaseMs} ms`);
      assert.ok(growth < MAX_HEAP_GROWTH, `heap grew by ${growth} bytes`);
      const rejected = Object.entries(r.stats.codes).filter(([c]) => c !== 'ok').reduce((n, [, k]) => n + k, 0);
      assert.ok(rejected > 0, 'the mutations reached the error paths');
    });
  }
});
