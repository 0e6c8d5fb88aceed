import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { isProbablePrime, millerRabin, millerRabinBase2, mrRounds, passesTrialDivision, SMALL_PRIMES } from '../../src/rsa/prime.js';
import { os2ip } from '../../src/rsa/bigint.js';

describe('primality (FIPS 186-5 §B.3.1)', () => {
  it('decides every integer below 5000 exactly', () => {
    const sieve = new Uint8Array(5000).fill(1);
    sieve[0] = sieve[1] = 0;
    for (let i = 2; i * i < 5000; i++) if (sieve[i]) for (let j = i * i; j < 5000; j += i) sieve[j] = 0;
    for (let n = 0; n < 5000; n++) assert.equal(isProbablePrime(BigInt(n)), sieve[n] === 1, `n = ${n}`);
    assert.equal(SMALL_PRIMES[0], 3);
  });
  it('agrees with OpenSSL on random 512-bit primes and their neighbours', () => {
    for (let i = 0; i < 5; i++) {
      const p = os2ip(new Uint8Array(crypto.generatePrimeSync(512)));
      assert.ok(isProbablePrime(p), 'prime from OpenSSL');
      assert.ok(millerRabinBase2(p));
      assert.equal(isProbablePrime(p + 2n), crypto.checkPrimeSync(Buffer.from((p + 2n).toString(16).padStart(128, '0'), 'hex')));
    }
  });
  it('rejects Carmichael numbers and strong pseudoprimes to base 2', () => {
    // 561, 41041, 825265 are Carmichael; 3215031751 is a strong pseudoprime to bases 2, 3, 5, 7
    for (const n of [561n, 41041n, 825265n, 3215031751n]) assert.equal(isProbablePrime(n), false, `${n}`);
    // product of two 256-bit primes: composite, no small factors
    const a = os2ip(new Uint8Array(crypto.generatePrimeSync(256)));
    const b = os2ip(new Uint8Array(crypto.generatePrimeSync(256)));
    assert.ok(passesTrialDivision(a * b));
    assert.equal(millerRabin(a * b, 4), false);
    assert.equal(millerRabinBase2(a * b), false);
  });
  it('uses the round counts of FIPS 186-5 Table B.1', () => {
    assert.equal(mrRounds(1024), 5);
    assert.equal(mrRounds(1536), 4);
    assert.equal(mrRounds(2048), 4);
  });
});
