/**
 * The big fuzz run: the properties of test/protocol/fuzz-property.test.ts with ≥ 100,000 cases
 * in all, over two worker threads (one per core), each under a hang watchdog, with the heap
 * measured after a full GC before and after each target (after a warm-up run).
 *
 *   npm run bench:fuzz [-- --scale 2] [-- --seed 123] [-- --json]
 *
 * Exit code 1 if any case fails, hangs, or a target's heap grows by more than 8 MiB.
 */
import { FuzzWorker, type FuzzResult } from '../test/reliability/lib/fuzz-runner.js';
import type { TargetName } from '../test/reliability/lib/fuzz-lib.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const scale = Number(arg('scale') ?? 1);
const seed = Number(arg('seed') ?? Date.now() % 2 ** 31);
const json = process.argv.includes('--json');
const MAX_GROWTH = 8 * 1024 * 1024;

const PLAN: [TargetName, number][] = [
  ['serverAwaitingClientFinish', 2000],
  ['serverAwaitingClientHello', 8000],
  ['clientAwaitingServerHello', 10000],
  ['decoders', 40000],
  ['sessionFirstFrame', 25000],
  ['sessionStream', 10000],
  ['wrongState', 5000],
];

async function main(): Promise<number> {
  const total = PLAN.reduce((n, [, k]) => n + Math.round(k * scale), 0);
  process.stderr.write(`fuzz: ${total} cases over ${PLAN.length} targets, seed ${seed}, 2 workers\n`);
  const workers = await Promise.all([FuzzWorker.start(), FuzzWorker.start()]);
  const results: { target: TargetName; r?: FuzzResult; error?: string }[] = [];
  const queue = [...PLAN];
  const t0 = Date.now();
  try {
    await Promise.all(
      workers.map(async (w) => {
        for (let job = queue.shift(); job; job = queue.shift()) {
          const [target, n] = job;
          const runs = Math.round(n * scale);
          try {
            const r = await w.run(target, runs, seed, { warmup: Math.min(2000, Math.ceil(runs / 10)), stallMs: 60_000 });
            results.push({ target, r });
            process.stderr.write(`  ${target}: ${runs} cases in ${(r.stats.totalMs / 1000).toFixed(1)} s\n`);
          } catch (e) {
            results.push({ target, error: e instanceof Error ? e.message : String(e) });
            process.stderr.write(`  ${target}: FAILED\n${e instanceof Error ? e.message : String(e)}\n`);
            if (/HANG/.test(String(e))) return; // this worker is gone
          }
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
  const wall = (Date.now() - t0) / 1000;
  let failed = false;
  console.log(`\nfuzz seed ${seed}, ${wall.toFixed(0)} s wall on ${PLAN.length} targets\n`);
  console.log('| target | cases | accepted | typed errors (by code) | slowest case ms | heap growth KiB | result |');
  console.log('|---|---|---|---|---|---|---|');
  let cases = 0;
  for (const [target] of PLAN) {
    const x = results.find((y) => y.target === target);
    if (!x?.r) {
      failed = true;
      console.log(`| ${target} | – | – | – | – | – | FAIL: ${(x?.error ?? 'not run').split('\n')[0]} |`);
      continue;
    }
    const s = x.r.stats;
    cases += s.cases;
    const growth = x.r.heapAfter - x.r.heapBefore;
    const ok = growth < MAX_GROWTH;
    failed ||= !ok;
    const codes = Object.entries(s.codes).filter(([c]) => c !== 'ok').sort((a, b) => b[1] - a[1]).map(([c, k]) => `${c} ${k}`).join(', ');
    console.log(`| ${target} | ${s.cases} | ${s.accepted} | ${codes} | ${s.maxCaseMs.toFixed(1)} | ${(growth / 1024).toFixed(0)} | ${ok ? 'held' : 'HEAP GROWTH'} |`);
  }
  console.log(`\n${cases} cases, ${failed ? 'FAILURES' : 'no failure, no hang, no heap growth'}`);
  if (json) console.log(JSON.stringify({ seed, wallSeconds: wall, cases, failed, results: results.map((x) => ({ target: x.target, error: x.error, ...x.r })) }));
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  console.error(e);
  process.exit(1);
});
