/**
 * A scripted Parley server for client tests, built from the protocol's own classes
 * (ServerHandshake + Session): the real handshake and real frames, with a script per connection
 * that may also do what an honest server never does — answer with a plaintext Error, inject one
 * after the session is open, send hostile text in any field, close with any reason.
 *
 * `serverDriver` is transport-agnostic; `fakeSocketFactory` runs it in-process (a SocketFactory
 * for ChatConnection, no sockets) and test/integration/hostile-server.ts over `ws` for the
 * built CLI.
 */
import type { ClientSocket, SocketFactory, SocketHandlers } from '../../src/client/socket.js';
import type { OutgoingRequest, PublicLimits, ChatEvent } from '../../src/chat/events.js';
import { nodeCrypto } from '../../src/protocol/crypto-node.js';
import { encodeError, ServerHandshake, type Session } from '../../src/protocol/index.js';
import type { RsaPrivateKey } from '../../src/rsa/index.js';
import { rsaKey } from '../protocol/helpers.js';

/** A plaintext Error message (0x7F): unauthenticated, as anyone on the path could send it. */
export const plainError = (code: string, message: string): Uint8Array => encodeError(code, message);

/** What one connection of the fake server does. */
export interface ConnPlan {
  /** Answer the ClientHello with these bytes (e.g. plainError(…)) instead of a ServerHello. */
  helloReply?: Uint8Array;
  /** Close at once on the ClientHello, sending nothing, with this code and reason. */
  closeAtHello?: { code: number; reason: string };
  /** The server's key on this connection (default: one fixed test key). */
  identity?: RsaPrivateKey;
  /** After ClientFinish, sent in order: a ChatEvent is sealed into a frame, bytes go as they are. Default: [ready()]. */
  after?: (ChatEvent | Uint8Array)[];
  /** Close after the handshake reply (helloReply) or after `after`, with this code and reason. */
  close?: { code: number; reason: string };
  /** Each request the client sends on this connection; `reply` seals an event to it. */
  onRequest?: (req: OutgoingRequest, reply: (e: ChatEvent) => void) => void;
}

/** A `ready` event; `name` defaults to 'alice'. */
export function ready(limits: Partial<PublicLimits> = {}, over: Partial<Extract<ChatEvent, { type: 'ready' }>> = {}): ChatEvent {
  return {
    type: 'ready',
    name: 'alice',
    fingerprint: 'SHA256:client',
    serverFingerprint: 'SHA256:server',
    rooms: ['lobby'],
    limits: { maxMessageLength: 4000, messagesPerSecond: 50, burst: 10, ...limits },
    ...over,
  };
}

/** The server side of one connection over any transport: `send` and `close` reach the client. */
export interface DriverIo {
  send(bytes: Uint8Array): void;
  close(code: number, reason: string): void;
}

/**
 * Runs `plan` for one connection; returns the handler of each binary message from the client.
 * A protocol failure of the client's messages throws (the test is wrong, not the client), as does
 * an assertion in `onRequest`: the transport must make the test fail (fakeSocketFactory does).
 */
export function serverDriver(plan: ConnPlan, io: DriverIo, requests: OutgoingRequest[] = [], names: string[] = []): (data: Uint8Array) => void {
  const hs = new ServerHandshake({ identity: plan.identity ?? rsaKey('fake-server'), crypto: nodeCrypto });
  let session: Session | undefined;
  let helloDone = false;
  const reply = (e: ChatEvent) => io.send(session!.seal(e));
  return (data) => {
    if (!helloDone) {
      helloDone = true;
      if (plan.helloReply) {
        io.send(plan.helloReply);
        if (plan.close) io.close(plan.close.code, plan.close.reason);
        return;
      }
      if (plan.closeAtHello) return io.close(plan.closeAtHello.code, plan.closeAtHello.reason);
      io.send(hs.onClientHello(data));
      return;
    }
    if (!session) {
      const done = hs.onClientFinish(data);
      session = done.session;
      names.push(done.name);
      for (const item of plan.after ?? [ready()]) {
        if (item instanceof Uint8Array) io.send(item);
        else reply(item);
      }
      if (plan.close) io.close(plan.close.code, plan.close.reason);
      return;
    }
    const req = session.open(data) as OutgoingRequest;
    requests.push(req);
    plan.onRequest?.(req, reply);
  };
}

/**
 * Reports an error thrown inside the fake server (a test's own callback) out of band: rethrown
 * on the next tick as an uncaught exception, which node:test reports as a failure of the test
 * that is running (and of the run).
 */
export function testFailure(e: unknown): void {
  process.nextTick(() => {
    throw e instanceof Error ? e : new Error(String(e));
  });
}

/**
 * A SocketFactory whose n-th connection (from 0) follows plans(n); counts connections, records
 * requests and the name each finished handshake asked for.
 */
export function fakeSocketFactory(
  plans: (n: number) => ConnPlan,
  /** Where an error thrown by the script goes (default testFailure: it fails the running test). */
  onScriptError: (e: unknown) => void = testFailure,
): { factory: SocketFactory; connections: () => number; requests: OutgoingRequest[]; names: string[] } {
  const requests: OutgoingRequest[] = [];
  const names: string[] = [];
  let count = 0;
  const factory: SocketFactory = (_url, h: SocketHandlers) => {
    const plan = plans(count++);
    let open = true;
    const closeOnce = (code: number, reason: string) => {
      if (!open) return;
      open = false;
      queueMicrotask(() => h.onClose(code, reason));
    };
    const onClient = serverDriver(
      plan,
      {
        send: (bytes) => queueMicrotask(() => open && h.onMessage(bytes, true)),
        close: (code, reason) => queueMicrotask(() => closeOnce(code, reason)),
      },
      requests,
      names,
    );
    const socket: ClientSocket = {
      send(data) {
        if (!open) return;
        try {
          onClient(data);
        } catch (e) {
          // the script failed (an assertion in onRequest, a message the driver cannot read): this
          // must fail the test, not reach ChatConnection, whose send() would turn it into a close
          onScriptError(e);
        }
      },
      close(code = 1000, reason = '') {
        closeOnce(code, reason);
      },
      terminate() {
        closeOnce(1006, '');
      },
      get isOpen() {
        return open;
      },
    };
    queueMicrotask(() => h.onOpen());
    return socket;
  };
  return { factory, connections: () => count, requests, names };
}
