/**
 * Protocol versions on the WebSocket (docs/PROTOCOL.md §Versions): which subprotocol a server
 * selects from a client's offer, and the words of the refusal a client of another version gets.
 */
import { PROTOCOL_VERSION, SUBPROTOCOL_VERSIONS } from './constants.js';

/**
 * The subprotocol a server selects from those a client offers (RFC 6455 §4.2.2): the newest one
 * of SUBPROTOCOL_VERSIONS, or false when it offers none of them (the upgrade is then refused).
 * Never throws.
 */
export function selectSubprotocol(offered: ReadonlySet<string>): string | false {
  for (const p of SUBPROTOCOL_VERSIONS.keys()) if (offered.has(p)) return p;
  return false;
}

/**
 * The message of an `unsupported_version` refusal to a peer that speaks protocol `peerVersion`
 * (undefined: unknown), in words for people: an older client is asked to upgrade Parley; a newer
 * (or unknown) one is told which version this side speaks. Never throws.
 */
export function unsupportedVersionMessage(peerVersion: number | undefined): string {
  const theirs = peerVersion === undefined ? 'another protocol version' : `protocol ${peerVersion}`;
  if (peerVersion !== undefined && peerVersion < PROTOCOL_VERSION) {
    return (
      `this server speaks Parley protocol ${PROTOCOL_VERSION} (end-to-end encrypted messages) and your client speaks ${theirs}: ` +
      'please upgrade Parley (its browser page: reload it)'
    );
  }
  return `this server speaks Parley protocol ${PROTOCOL_VERSION} and your client speaks ${theirs}: use a client for protocol ${PROTOCOL_VERSION}, or ask the server's operator to upgrade the server`;
}
