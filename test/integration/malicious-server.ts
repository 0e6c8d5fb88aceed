/**
 * A malicious server built from the real parts: a real ParleyServer (its handshake, its hub, its
 * Conn sinks over real WebSockets) whose hub hands every member a tampering sink. `tamper` sees
 * each event the hub is about to deliver to a member and returns what to deliver instead (altered,
 * dropped, duplicated, moved); `inject` delivers any event the operator forges straight into a
 * member's connection (sealed by the real transport, so the client cannot tell it from the hub's).
 * Nothing in src/ is changed: the wrapper replaces `admit` (what the server's connections call) on this server's hub instance only.
 */
import type { ServerEvent } from '../../src/chat/events.js';
import type { MemberSink } from '../../src/chat/hub.js';
import { MemoryNameRegistry } from '../../src/chat/index.js';
import { startServer } from './harness.js';

/** What the operator does to an event bound for `to`: the events to deliver instead (`[ev]` leaves it alone). */
export type Tamper = (to: string, ev: ServerEvent) => ServerEvent[];

/** A started malicious server. */
export interface MaliciousServer {
  url: string;
  names: MemoryNameRegistry;
  /** Every event the hub produced, per recipient, before tampering. */
  seen: { to: string; ev: ServerEvent }[];
  /** The active tamper (null: relay honestly). */
  tamper: Tamper | null;
  /** Delivers a forged `ev` to `to`'s live connection; false when `to` is not connected. */
  inject(to: string, ev: ServerEvent): boolean;
}

/** Starts a real server whose deliveries go through `tamper`. */
export async function startMaliciousServer(): Promise<MaliciousServer> {
  const names = new MemoryNameRegistry();
  const { server, url } = await startServer({ names });
  const sinks = new Map<string, MemberSink>();
  const ms: MaliciousServer = {
    url,
    names,
    seen: [],
    tamper: null,
    inject: (to, ev) => {
      const s = sinks.get(to);
      return s ? s.deliver(ev) : false;
    },
  };
  const hub = server.hub;
  const admit = hub.admit.bind(hub);
  hub.admit = (id, sink) => {
    sinks.set(id.name, sink);
    const wrapped: MemberSink = {
      deliver(ev: ServerEvent): boolean {
        ms.seen.push({ to: id.name, ev });
        const out = ms.tamper ? ms.tamper(id.name, ev) : [ev];
        return out.every((x) => sink.deliver(x));
      },
      close: (code, message) => sink.close(code, message),
    };
    return admit(id, wrapped);
  };
  return ms;
}
