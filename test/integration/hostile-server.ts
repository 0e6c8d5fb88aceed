/**
 * A hostile Parley server over real WebSockets, for testing the built `parley chat` as a child
 * process: each connection follows a plan of test/client/fake-server.ts (the real handshake and
 * frames from the protocol classes, plus what an honest server never does — plaintext Errors,
 * escape sequences in every field, hostile close reasons).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData } from 'ws';
import { isProtocolError, SUBPROTOCOL } from '../../src/protocol/index.js';
import { serverDriver, testFailure, type ConnPlan } from '../client/fake-server.js';

/** A running hostile server: its URL, how many connections it has seen, and close(). */
export interface HostileServer {
  url: string;
  connections(): number;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 whose n-th connection (from 0) follows plans(n). */
export async function startHostileServer(plans: (n: number) => ConnPlan): Promise<HostileServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has(SUBPROTOCOL) ? SUBPROTOCOL : false) });
  let count = 0;
  wss.on('connection', (ws) => {
    const plan = plans(count++);
    const onClient = serverDriver(plan, {
      send: (bytes) => ws.send(bytes),
      close: (code, reason) => ws.close(code, reason),
    });
    ws.on('message', (data: RawData) => {
      try {
        onClient(new Uint8Array(data as Buffer));
      } catch (e) {
        // a message the script cannot read (the client gave up or misbehaved): nothing to script;
        // anything else (an assertion in onRequest) is the test's failure and must fail it
        if (!isProtocolError(e)) testFailure(e);
        ws.terminate();
      }
    });
    ws.on('error', () => {});
  });
  await once(wss, 'listening');
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
