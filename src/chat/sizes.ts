/**
 * How big the hub's end-to-end events can get, so that every event it builds fits in one frame
 * of the transport (ChatOptions.maxEventBytes): an e2e_room / e2e_to event carrying a payload
 * of maxPayloadBytes, a `bundles` event carrying one bundle of maxBundleBytes, and the `unknown`
 * list of a bundle_get of maxBundleGet names. Every event is JSON of ASCII only (names, rooms,
 * base64, fingerprints of printable ASCII), so its length in characters is its length in bytes.
 */
import { base64Length } from './base64.js';

/** Longest fingerprint a transport may give (FINGERPRINT_RE): printable ASCII, each character at most 2 in JSON. */
const MAX_FINGERPRINT_JSON = 2 * 256;
/** Longest name or room in JSON (NAME_RE: 32 characters that JSON never escapes). */
const MAX_NAME_JSON = 32;
/** Longest message id (12 hex digits, '-', a base-36 counter below 2^53) and timestamp (ms) in JSON. */
const MAX_ID_JSON = 12 + 1 + 11;
const MAX_TS_JSON = 16;

/**
 * Largest identity key a transport may give (ConnectIdentity.key), in bytes: SubjectPublicKeyInfo
 * DER of an RSA key (550 bytes at 4096 bits, the protocol's largest), with room to spare.
 */
export const MAX_IDENTITY_KEY_BYTES = 1024;

/** Longest `ref` in JSON (REF_RE: 32 characters that JSON never escapes). */
const MAX_REF_JSON = 32;

/**
 * An upper bound of an e2e_room or e2e_to event's JSON without its payload (an e2e_to is the
 * longer), with the `ref` its sender's own copy carries.
 */
export const E2E_EVENT_OVERHEAD =
  '{"type":"e2e_to","id":"","from":"","fromFingerprint":"","to":"","kind":"keys","ts":,"payload":"","ref":""}'.length +
  MAX_ID_JSON + 2 * MAX_NAME_JSON + MAX_FINGERPRINT_JSON + MAX_TS_JSON + MAX_REF_JSON;

/** The JSON of a `bundles` event without entries and unknown names. */
export const BUNDLES_EVENT_OVERHEAD = '{"type":"bundles","bundles":[],"unknown":[],"more":false}'.length;

/** An upper bound of one `bundles` entry's JSON (and its comma) without its bundle. */
export const BUNDLE_ENTRY_OVERHEAD =
  '{"name":"","key":"","fingerprint":"","bundle":null},'.length + MAX_NAME_JSON + base64Length(MAX_IDENTITY_KEY_BYTES) + MAX_FINGERPRINT_JSON;

/** The JSON of one name in a `bundles` event's `unknown` list, with its quotes and comma, at most. */
export const UNKNOWN_NAME_JSON = MAX_NAME_JSON + 3;

/** The largest e2e payload (decoded bytes) whose event fits in `maxEventBytes`. */
export function payloadBytesFitting(maxEventBytes: number): number {
  return Math.floor((maxEventBytes - E2E_EVENT_OVERHEAD) / 4) * 3;
}

/** The largest bundle (decoded bytes) whose `bundles` event, with that one entry, fits in `maxEventBytes`. */
export function bundleBytesFitting(maxEventBytes: number): number {
  return Math.floor((maxEventBytes - BUNDLES_EVENT_OVERHEAD - BUNDLE_ENTRY_OVERHEAD) / 4) * 3;
}

/** The most names of a bundle_get whose `unknown` list fits in one `bundles` event of `maxEventBytes`. */
export function bundleGetFitting(maxEventBytes: number): number {
  return Math.floor((maxEventBytes - BUNDLES_EVENT_OVERHEAD) / UNKNOWN_NAME_JSON);
}
