/**
 * PEM armor (RFC 7468): base64 DER between "-----BEGIN label-----" and "-----END label-----".
 * Writing follows OpenSSL (64-character lines, LF, a final newline). Reading finds the armor
 * anywhere in the text, accepts CRLF, and returns RFC 1421 headers (e.g. "Proc-Type") so that
 * callers can recognise legacy encrypted files.
 */
import { base64ToBytes, bytesToBase64 } from './bytes.js';
import { rsaError } from './errors.js';

/** A decoded PEM block. */
export interface PemBlock {
  readonly label: string;
  /** RFC 1421 header lines ("Proc-Type", "DEK-Info", …), empty for RFC 7468 files. */
  readonly headers: Readonly<Record<string, string>>;
  readonly der: Uint8Array;
}

const LABEL_RE = /^[\x21-\x2c\x2e-\x7e]([\x21-\x2c\x2e-\x7e ]*[\x21-\x2c\x2e-\x7e])?$/; // RFC 7468 §3 "label"
const BEGIN_RE = /^-----BEGIN (.*)-----$/;
const END_RE = /^-----END (.*)-----$/;

/**
 * Wraps DER in PEM armor with the given label, 64 base64 characters a line, as OpenSSL writes it.
 * Throws RSA_INVALID_ARGUMENT for a label RFC 7468 does not allow.
 */
export function pemEncode(label: string, der: Uint8Array): string {
  if (!LABEL_RE.test(label)) throw rsaError('RSA_INVALID_ARGUMENT', `invalid PEM label: ${JSON.stringify(label)}`);
  const b64 = bytesToBase64(der);
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += b64.slice(i, i + 64) + '\n';
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** True when the text contains a PEM BEGIN line. */
export function looksLikePem(text: string): boolean {
  return /-----BEGIN [^\r\n]*-----/.test(text);
}

/**
 * Finds the first PEM block of the text whose label is one of `labels` (any label when omitted)
 * and decodes it. Text before and after the armor is ignored; CRLF and trailing spaces are fine.
 * Throws RSA_INVALID_FORMAT when there is no PEM block, only blocks with other labels, a block
 * without its END line or with a different END label, malformed headers, or invalid base64.
 */
export function pemDecode(text: string, labels?: readonly string[]): PemBlock {
  if (typeof text !== 'string') throw rsaError('RSA_INVALID_ARGUMENT', 'PEM input must be a string');
  const lines = text.split(/\r\n|\r|\n/).map((l) => l.replace(/[ \t]+$/, ''));
  const found: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = BEGIN_RE.exec(lines[i]!.trimStart());
    if (!m) continue;
    const label = m[1]!;
    if (labels && !labels.includes(label)) {
      found.push(label);
      continue;
    }
    return decodeBlock(lines, i + 1, label);
  }
  if (found.length)
    throw rsaError(
      'RSA_INVALID_FORMAT',
      `wrong PEM label: expected ${labels!.map((l) => `"${l}"`).join(' or ')}, found ${found.map((l) => `"${l}"`).join(', ')}`,
    );
  throw rsaError('RSA_INVALID_FORMAT', 'no PEM "-----BEGIN …-----" line found');
}

function decodeBlock(lines: string[], first: number, label: string): PemBlock {
  if (!LABEL_RE.test(label)) throw rsaError('RSA_INVALID_FORMAT', `invalid PEM label ${JSON.stringify(label)}`);
  let end = first;
  while (end < lines.length && !END_RE.test(lines[end]!.trimStart()) && !BEGIN_RE.test(lines[end]!.trimStart())) end++;
  if (end >= lines.length || !END_RE.test(lines[end]!.trimStart()))
    throw rsaError('RSA_INVALID_FORMAT', `PEM block "${label}" is truncated: no "-----END ${label}-----" line`);
  const endLabel = END_RE.exec(lines[end]!.trimStart())![1];
  if (endLabel !== label)
    throw rsaError('RSA_INVALID_FORMAT', `PEM END label "${endLabel}" does not match BEGIN label "${label}"`);
  const body = lines.slice(first, end);
  // RFC 1421 §4.4: optional "Name: value" header lines (continued by leading whitespace), then a blank line
  const headers: Record<string, string> = {};
  let k = 0;
  if (body.length && body[0]!.includes(':')) {
    let last = '';
    for (; k < body.length && body[k] !== ''; k++) {
      const line = body[k]!;
      if (/^[ \t]/.test(line) && last) headers[last] += line.trim();
      else {
        const m = /^([A-Za-z0-9-]+):[ \t]*(.*)$/.exec(line);
        if (!m) throw rsaError('RSA_INVALID_FORMAT', `malformed PEM header line: ${JSON.stringify(line.slice(0, 40))}`);
        last = m[1]!;
        headers[last] = m[2]!;
      }
    }
  }
  const b64 = body.slice(k).join('').replace(/\s+/g, '');
  if (b64.length === 0) throw rsaError('RSA_INVALID_FORMAT', `PEM block "${label}" is empty`);
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64))
    throw rsaError('RSA_INVALID_FORMAT', `PEM block "${label}" contains invalid base64`);
  const der = base64ToBytes(b64);
  // reject non-canonical base64 (non-zero padding bits) so that one DER has one PEM body
  if (bytesToBase64(der) !== b64) throw rsaError('RSA_INVALID_FORMAT', `PEM block "${label}" contains non-canonical base64`);
  return { label, headers, der };
}
