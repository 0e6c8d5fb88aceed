/**
 * The hub's name admission: one NameRegistry claim under the hub's limits (names per key, names
 * in all, new names per source), and the words of each refusal — what happened and what the user
 * can do next. Pure policy: no sockets, no members.
 */
import type { ChatErrorCode } from './events.js';
import type { AsyncNameRegistry, ClaimPolicy, ClaimResult, NameRecord, NameRegistry } from './names.js';
import type { ChatOptions } from './options.js';
import type { SourceBudgets } from './source-budget.js';

/** The outcome of an admission: the record the key owns, or a refusal for `connect` to return. */
export type NameAdmission =
  | { ok: true; record: NameRecord; created: boolean }
  | { ok: false; code: ChatErrorCode; message: string; retryAfterMs?: number };

/** Names shown in a message before "…": a key with many grandfathered names gets a short line. */
const SHOWN_NAMES = 5;

/** Who claims which name, from where. */
export interface NameClaim {
  name: string;
  fingerprint: string;
  source: string;
}

/** The registry's side of the hub's limits for this claim (allowNew: the source's budget of new names). */
function policyFor(budgets: SourceBudgets, o: Readonly<ChatOptions>, id: NameClaim, now: number): ClaimPolicy {
  return { maxNamesPerKey: o.maxNamesPerKey, maxNames: o.maxRegisteredNames, allowNew: budgets.waitMs(id.source, now) === 0 };
}

/**
 * Claims `name` for `fingerprint` from `source` at `now`. A name the key owns always passes; a
 * new one must pass the registry's checks (look-alike, names per key, names in all, atomically)
 * and the source's budget, which is spent only when the name is created. Throws whatever the
 * registry throws (the hub reports `internal_error`), and TypeError for a registry whose claim
 * is asynchronous (admitNameAsync is for those).
 */
export function admitName(names: NameRegistry, budgets: SourceBudgets, o: Readonly<ChatOptions>, id: NameClaim, now: number): NameAdmission {
  const claim: unknown = names.claim(id.name, id.fingerprint, now, policyFor(budgets, o, id, now));
  if (claim instanceof Promise) {
    claim.catch(() => undefined); // its outcome is not awaited: no unhandled rejection
    throw new TypeError('an asynchronous registry: use ChatHub.admit, not connect');
  }
  return settleClaim(claim as ClaimResult, budgets, o, id, now);
}

/**
 * admitName for a registry behind a network round trip (PostgreSQL in a cluster). Rejects with
 * whatever the registry rejects with (the hub reports `registry_unavailable`).
 */
export async function admitNameAsync(names: AsyncNameRegistry, budgets: SourceBudgets, o: Readonly<ChatOptions>, id: NameClaim, now: number): Promise<NameAdmission> {
  const claim = await names.claim(id.name, id.fingerprint, now, policyFor(budgets, o, id, now));
  return settleClaim(claim, budgets, o, id, now);
}

/** A registry's answer as an admission: spends the budget for a created name, words each refusal. */
function settleClaim(claim: ClaimResult, budgets: SourceBudgets, o: Readonly<ChatOptions>, id: NameClaim, now: number): NameAdmission {
  if (claim.ok) {
    if (claim.created) budgets.spend(id.source, now);
    return claim;
  }
  const no = (code: ChatErrorCode, message: string): NameAdmission => ({ ok: false, code, message });
  switch (claim.reason) {
    case 'taken':
      return no('name_taken', `the name ${claim.record.name} belongs to another key`);
    case 'lookalike':
      return no('name_taken', `the name ${id.name} looks too much like ${claim.record.name}, which belongs to another key; choose a clearly different name`);
    case 'key_limit': {
      const held = claim.held.map((r) => r.name);
      if (o.maxNamesPerKey === 1 && held.length === 1) {
        return no(
          'name_limit',
          `your key already holds the name ${held[0]} (one name per key on this server): connect as ${held[0]}, ` +
            `or ask the server's operator to release it (parley names release ${held[0]})`,
        );
      }
      const shown = held.length > SHOWN_NAMES ? `${held.slice(0, SHOWN_NAMES).join(', ')}, …` : held.join(', ');
      return no(
        'name_limit',
        `your key already holds ${held.length} names, the most allowed per key (${shown}): connect as one of them, ` +
          `or ask the server's operator to release one (parley names release NAME)`,
      );
    }
    case 'full':
      return no(
        'name_limit',
        `the server's name registry is full (${claim.size} names): no new names until its operator releases some ` +
          `(parley names release NAME); a name your key already holds still works`,
      );
    case 'new_names_paused': {
      const wait = budgets.waitMs(id.source, now);
      return {
        ok: false,
        code: 'name_limit',
        message:
          `too many new names from your network address (at most ${o.newNamesPerSourcePerHour} per hour, ${o.newNamesPerSourceBurst} at once); ` +
          `try again in ${duration(wait)}, or connect with a name your key already holds`,
        retryAfterMs: wait,
      };
    }
  }
}

/** "45 s", "3 min", "2 h" — rounded up. */
function duration(ms: number): string {
  if (ms < 60_000) return `${Math.ceil(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.ceil(ms / 60_000)} min`;
  return `${Math.ceil(ms / 3_600_000)} h`;
}
