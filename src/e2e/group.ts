/**
 * The end-to-end state of one room (docs/E2E.md §Rooms): who is in it (as the server announced,
 * each with an identity fingerprint), our own sender chain and who holds it, and the sender
 * chains we received from the others. Pure state: signing, sealing and the network are the
 * session's (session.ts).
 *
 * Rules: our chain goes only to current members (with an accepted key); a member who leaves or
 * is removed — or presents another identity — makes us start a new chain on our next send
 * (lazy rotation: one new chain per active sender, not per member); a member who joins gets our
 * chain at its current iteration, so it cannot read what came before. A chain is accepted from a
 * sender only while the sender is a member under the identity the distribution came from, and a
 * member's chains are dropped when it leaves.
 */
import { bytesToHex } from '../rsa/index.js';
import type { E2ECrypto } from './crypto.js';
import { e2eError } from './errors.js';
import type { E2ELimits } from './limits.js';
import { ReceiverChain, SenderChain, type ChainState } from './sender-chain.js';

/** A chain received from another member. */
export interface ReceivedChain {
  room: string;
  sender: string;
  /** The sender's identity fingerprint ("SHA256:…") when the chain was distributed. */
  senderFp: string;
  /** The certified Ed25519 key that signed the distribution; it must sign every message of the chain. */
  ed25519: Uint8Array;
  chain: ReceiverChain;
}

/** The hex id of a chain, the key of chain maps. */
export const chainKeyOf = (chainId: Uint8Array): string => bytesToHex(chainId);

/** The state of one room we are in. */
export class RoomSession {
  private readonly members = new Map<string, string>();
  private own: SenderChain | null = null;
  private readonly holders = new Set<string>();
  /** Members without our current chain, kept as members come and go so that a send does no per-member work. */
  private readonly missing = new Set<string>();
  private rotateOnSend = false;
  private readonly chains = new Map<string, ReceivedChain>();
  private readonly bySender = new Map<string, string[]>();

  constructor(
    private readonly crypto: E2ECrypto,
    readonly room: string,
    private readonly limits: E2ELimits,
  ) {}

  /** The members other than us: name → fingerprint, as announced. */
  memberList(): [string, string][] {
    return [...this.members];
  }

  /** The announced fingerprint of `name`, or undefined when not a member. */
  fingerprintOf(name: string): string | undefined {
    return this.members.get(name);
  }

  /** True when `name` is a member under `fingerprint` (any fingerprint when omitted). */
  isMember(name: string, fingerprint?: string): boolean {
    const fp = this.members.get(name);
    return fp !== undefined && (fingerprint === undefined || fp === fingerprint);
  }

  /**
   * `name` joined with `fingerprint`. A member already present under another fingerprint is a
   * new identity: it counts as leaving first (rotation). Returns true when anything changed.
   */
  join(name: string, fingerprint: string): boolean {
    const old = this.members.get(name);
    if (old === fingerprint) return false;
    if (old !== undefined) this.leave(name);
    this.members.set(name, fingerprint);
    this.missing.add(name);
    return true;
  }

  /** `name` left or was removed: its chains are dropped; if it held our chain we rotate on our next send. */
  leave(name: string): void {
    if (!this.members.delete(name)) return;
    this.missing.delete(name);
    if (this.holders.delete(name)) this.rotateOnSend = true;
    this.dropSender(name);
  }

  /** Replaces the member list (a `who` answer); returns who joined and who left. */
  setMembers(list: Iterable<[string, string]>): { joined: string[]; left: string[] } {
    const next = new Map(list);
    const left = [...this.members.keys()].filter((n) => next.get(n) !== this.members.get(n));
    for (const n of left) this.leave(n);
    const joined: string[] = [];
    for (const [n, fp] of next) if (this.join(n, fp)) joined.push(n);
    return { joined, left: left.filter((n) => !next.has(n)) };
  }

  /** True when our next send will start a new chain. */
  get rotationPending(): boolean {
    return this.rotateOnSend || this.own === null || this.own.exhausted;
  }

  /** Our chain for the next message: a new one (held by nobody) when a rotation is pending. */
  sendingChain(): SenderChain {
    if (this.rotationPending) {
      this.own?.destroy();
      this.own = SenderChain.create(this.crypto);
      this.holders.clear();
      for (const n of this.members.keys()) this.missing.add(n);
      this.rotateOnSend = false;
    }
    return this.own!;
  }

  /** Members who do not hold our current chain (all of them before our first send or after a rotation). */
  lacking(): string[] {
    return [...this.missing];
  }

  /** Records that `name` now holds our current chain. */
  markHolder(name: string): void {
    if (!this.members.has(name)) return;
    this.holders.add(name);
    this.missing.delete(name);
  }

  /** `name` lost our chain (a new session of theirs): it gets the current state again on our next send. */
  forgetHolder(name: string): void {
    this.holders.delete(name);
    if (this.members.has(name)) this.missing.add(name);
  }

  /**
   * Installs a chain `sender` distributed. Throws E2EError 'e2e_not_member' unless `sender` is a
   * member under `senderFp`. Returns false (and changes nothing) for a chain id already held —
   * a chain is never rewound. Keeps at most maxChainsPerSender chains per sender.
   */
  install(sender: string, senderFp: string, ed25519: Uint8Array, state: ChainState): boolean {
    if (!this.isMember(sender, senderFp)) throw e2eError('e2e_not_member', 'keys from someone who is not a member of the room');
    const id = chainKeyOf(state.chainId);
    if (this.chains.has(id)) return false;
    this.chains.set(id, { room: this.room, sender, senderFp, ed25519, chain: new ReceiverChain(this.crypto, state, this.limits) });
    const ids = this.bySender.get(sender) ?? [];
    ids.push(id);
    while (ids.length > this.limits.maxChainsPerSender) this.dropChain(ids.shift()!);
    this.bySender.set(sender, ids);
    return true;
  }

  /** The received chain with hex id `id`, if held. */
  chain(id: string): ReceivedChain | undefined {
    return this.chains.get(id);
  }

  /** Every chain id held (for the session's index). */
  chainIds(): string[] {
    return [...this.chains.keys()];
  }

  private dropChain(id: string): void {
    this.chains.get(id)?.chain.destroy();
    this.chains.delete(id);
  }

  /** Drops every chain of `sender`. */
  dropSender(sender: string): void {
    for (const id of this.bySender.get(sender) ?? []) this.dropChain(id);
    this.bySender.delete(sender);
  }

  /** Erases every key (we left the room). */
  destroy(): void {
    this.own?.destroy();
    this.own = null;
    for (const id of [...this.chains.keys()]) this.dropChain(id);
    this.bySender.clear();
    this.members.clear();
    this.holders.clear();
    this.missing.clear();
  }
}
