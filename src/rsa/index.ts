/**
 * Parley's RSA module: PKCS #1 v2.2 (RFC 8017) and FIPS 186-5 key generation, in TypeScript,
 * for Node.js and browsers. Its only runtime dependency is @noble/hashes.
 */
export * from './errors.js';
export { abytes, bytesToBase64, base64ToBytes, bytesToHex, hexToBytes, utf8ToBytes, bytesToUtf8, concatBytes, equalBytes } from './bytes.js';
export { bitLength, byteLength, i2osp, os2ip, modPow, modInverse, gcd, lcm } from './bigint.js';
export { getHash, HASH_NAMES, type Hash, type HashName } from './hash.js';
export { mgf1 } from './mgf1.js';
export { isProbablePrime, millerRabin, mrRounds } from './prime.js';
export * from './key.js';
export { generateKeyPair, randomPrime, KEY_SIZES, meetsPrimeLowerBound, primeCandidateFault, isFipsPublicExponent, primesFarEnough, privateExponentLargeEnough, type KeygenOptions, type KeygenProgress, type PrimeCandidateFault } from './keygen.js';
export { rsaep, rsadp, rsasp1, rsavp1, rsadpBytes, rsasp1Bytes } from './primitives.js';
export { rsaEngine, setRsaEngine, initRsaEngine, type RsaEngineName } from './engine.js';
export { oaepEncrypt, oaepDecrypt, oaepMaxMessageLength, type OaepOptions } from './oaep.js';
export { pssSign, pssVerify, type PssOptions } from './pss.js';
export { pkcs1v15Sign, pkcs1v15Verify, digestInfoPrefix } from './pkcs1v15.js';
export { sealText, openText, sealBytes, openBytes, armorSealed, dearmorSealed, SEAL_VERSION, SEAL_OAEP_LABEL, SEALED_ARMOR_BEGIN, SEALED_ARMOR_END, type OpenedText, type OpenedBytes } from './seal.js';
export { importPublicKey, importPrivateKey, parsePrivateKey, importKey, pssParamsOfKey, exportPublicKeyDer, exportPublicKeyPem, exportPrivateKeyDer, exportPrivateKeyPem, exportEncryptedPrivateKeyPem, type PssKeyParams, type KeyImportOptions } from './keyfile.js';
export { exportJwk, importJwk, type RsaJwk } from './jwk.js';
export { fingerprint, fingerprintOfDigest } from './fingerprint.js';
export { pemEncode, pemDecode, type PemBlock } from './pem.js';
export { DEFAULT_PBKDF2_ITERATIONS, DEFAULT_MAX_KDF_ITERATIONS } from './pbes2.js';
