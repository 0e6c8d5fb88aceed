/**
 * Every size and count limit of protocol version 2, named, so that parsers never accept an
 * unbounded input and docs/PROTOCOL.md §Limits can quote them.
 */

/** Length of client_nonce and server_nonce. */
export const NONCE_LENGTH = 32;
/** Length of an X25519 public key, private key and shared secret (RFC 7748 §5). */
export const X25519_LENGTH = 32;
/** Length of client_secret and server_secret, the values wrapped with RSAES-OAEP. */
export const SECRET_LENGTH = 32;
/** Length of an AES-256-GCM key (SP 800-38D with AES-256). */
export const AEAD_KEY_LENGTH = 32;
/** Length of a GCM nonce and of each direction's static IV (SP 800-38D §8.2.1, RFC 8446 §5.3). */
export const AEAD_NONCE_LENGTH = 12;
/** Length of the GCM authentication tag; shorter tags are never accepted (SP 800-38D §5.2.1.2). */
export const AEAD_TAG_LENGTH = 16;
/** Total output of the key schedule: 2 keys and 2 IVs. */
export const SESSION_KEY_MATERIAL_LENGTH = 2 * AEAD_KEY_LENGTH + 2 * AEAD_NONCE_LENGTH;

/**
 * Smallest RSA modulus accepted from a peer and as our own identity, in bits (FIPS 186-5 §A.1.1's
 * smallest size; what `parley keygen` and the browser make by default).
 */
export const MIN_RSA_BITS = 2048;
/**
 * Largest RSA modulus accepted from a peer and as our own identity, in bits: the largest size
 * `parley keygen` and the browser client make. It bounds the work a peer's key costs us: a
 * public-key operation grows with the square of the size and a private-key one with its cube.
 */
export const MAX_RSA_BITS = 4096;
/**
 * The one RSA public exponent accepted (FIPS 186-5 §A.1.1 allows 2^16 < e < 2^256; every
 * key Parley, OpenSSL and WebCrypto make has e = 65537): a public-key operation with it costs
 * 17 modular squarings, and no peer can make us verify or encrypt with a larger one.
 */
export const RSA_PUBLIC_EXPONENT = 65537n;
/** Longest wrapped secret or signature: the byte length of a MAX_RSA_BITS modulus. */
export const MAX_RSA_BYTES = MAX_RSA_BITS / 8;
/**
 * Longest RSA SubjectPublicKeyInfo DER accepted in ClientHello and ServerHello: exactly the
 * canonical encoding of a MAX_RSA_BITS key with e = 65537 (RFC 3279 §2.3.1; 550 bytes).
 */
export const MAX_SPKI_LENGTH = 550;
/**
 * Longest handshake message (ClientHello, ServerHello, ClientFinish) accepted. The largest
 * possible one, a ServerHello with 4096-bit keys on both sides, is 72 + 550 + 512 + 512 = 1646
 * bytes.
 */
export const MAX_HANDSHAKE_LENGTH = 2048;

/** Length of a Finished MAC (HMAC-SHA-256, RFC 8446 §4.4.4) and of a resumption secret. */
export const FINISHED_LENGTH = 32;
/**
 * Longest session ticket accepted in a ResumeHello: its 18-byte header, the largest sealed
 * contents (a 4096-bit client key's 550-byte SPKI, a 32-character name, its fingerprint) and
 * the 16-byte tag come to 722 bytes (docs/PROTOCOL.md §Ticket format).
 */
export const MAX_TICKET_LENGTH = 768;
/**
 * The longest a client keeps a ticket, whatever lifetime the server stated: RFC 8446 §4.6.1's
 * 7 days. The server's own limits (ticketLifetimeMs) are shorter.
 */
export const MAX_TICKET_LIFETIME_MS = 7 * 24 * 3600 * 1000;

/** Length of a frame header: type (1) and counter (8). */
export const FRAME_HEADER_LENGTH = 9;
/** Shortest frame: a header, a ciphertext of at least 2 bytes ("{}") and the tag. */
export const MIN_FRAME_LENGTH = FRAME_HEADER_LENGTH + 2 + AEAD_TAG_LENGTH;
/** Default limit on a whole frame (one WebSocket message), in bytes; a Session option may change it. */
export const DEFAULT_MAX_FRAME_LENGTH = 65536;
/** Smallest value the maxFrameLength option accepts. */
export const MIN_MAX_FRAME_LENGTH = 1024;
/** Largest value the maxFrameLength option accepts (16 MiB). */
export const MAX_MAX_FRAME_LENGTH = 16 * 1024 * 1024;
/**
 * Frames each direction's key may protect, after which the session ends with 'too_large' and
 * the client reconnects: 2^24, under RFC 8446 §5.5's AES-GCM limit of 2^24.5 records.
 */
export const MAX_FRAMES_PER_DIRECTION = 2 ** 24;

/** Longest code in an Error message, in bytes; codes match ERROR_CODE_RE. */
export const MAX_ERROR_CODE_LENGTH = 64;
/** Syntax of an Error message's code: lower-case ASCII letters, digits and "_". */
export const ERROR_CODE_RE = /^[a-z0-9_]{1,64}$/;
/** Longest message text in an Error message, in UTF-8 bytes (encodeError truncates to it). */
export const MAX_ERROR_MESSAGE_LENGTH = 1024;
