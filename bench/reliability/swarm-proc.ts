/**
 * One load-generator process of bench/reliability/load.ts: a Swarm driven over IPC.
 * {type:'plan', plan, keyCount} → loads the keys and answers {type:'ready'};
 * {type:'connect'} → {type:'connected', report}; {type:'chat', timeoutMs} → {type:'chatted', report};
 * {type:'close'} → {type:'closed'}; {type:'reset'} → {type:'reset'}. Exits when the parent goes away.
 */
import { keyPool } from '../../test/reliability/lib/keys.js';
import { Swarm, type SwarmPlan } from '../../test/reliability/lib/swarm.js';

let swarm: Swarm | undefined;
const reply = (m: unknown) => process.send!(m);

process.on('disconnect', () => process.exit(0));
process.on('message', (m: { type: string; plan?: SwarmPlan; keyCount?: number; timeoutMs?: number }) => {
  void (async () => {
    try {
      switch (m.type) {
        case 'plan': {
          const keys = await keyPool(m.keyCount!);
          swarm = new Swarm(m.plan!, keys);
          return reply({ type: 'ready' });
        }
        case 'connect':
          await swarm!.connectAll(300_000);
          return reply({ type: 'connected', report: swarm!.report() });
        case 'chat': {
          await swarm!.chat();
          await swarm!.waitComplete(m.timeoutMs ?? 120_000);
          return reply({ type: 'chatted', report: swarm!.report() });
        }
        case 'close':
          await swarm!.closeAll();
          return reply({ type: 'closed' });
        case 'reset':
          swarm!.reset();
          return reply({ type: 'reset' });
      }
    } catch (e) {
      reply({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  })();
});
