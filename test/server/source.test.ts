/**
 * Source labels: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64; X-Forwarded-For only
 * from trusted proxies, the right-most untrusted address; bad proxy lists are refused.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp, resolveSource, sourceKey, TrustedProxies } from '../../src/server/source.js';
import { transportOptions } from '../../src/server/options.js';

describe('source keys', () => {
  const cases: [string, string | undefined][] = [
    ['203.0.113.5', '203.0.113.5'],
    ['::ffff:203.0.113.5', '203.0.113.5'],
    ['::FFFF:cb00:7105', '203.0.113.5'],
    ['0:0:0:0:0:ffff:203.0.113.5', '203.0.113.5'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::99', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['not an address', undefined],
    ['1.2.3', undefined],
    ['2001:db8::1::2', undefined],
    ['', undefined],
  ];
  for (const [address, key] of cases)
    it(`${JSON.stringify(address)} → ${key ?? 'not an address'}`, () => {
      const ip = parseIp(address);
      assert.equal(ip && sourceKey(ip), key);
    });

  it('two addresses of one /64 share a key, neighbouring /64s do not', () => {
    const k = (a: string) => sourceKey(parseIp(a)!);
    assert.equal(k('2001:db8:aa:bb:1::1'), k('2001:db8:aa:bb:ffff::2'));
    assert.notEqual(k('2001:db8:aa:bb::1'), k('2001:db8:aa:bc::1'));
  });
});

describe('X-Forwarded-For and trusted proxies', () => {
  const proxies = new TrustedProxies(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
  const none = new TrustedProxies([]);
  const cases: { name: string; peer: string; xff?: string | string[]; trusted?: TrustedProxies; key: string; label?: string }[] = [
    { name: 'no proxy configured: the header is ignored', peer: '198.51.100.7', xff: '203.0.113.9', trusted: none, key: '198.51.100.7' },
    { name: 'from an untrusted peer: the header is ignored', peer: '198.51.100.7', xff: '203.0.113.9', key: '198.51.100.7' },
    { name: 'a trusted proxy without the header: the proxy', peer: '127.0.0.1', key: '127.0.0.1' },
    { name: 'a trusted proxy: the forwarded client', peer: '127.0.0.1', xff: '203.0.113.9', key: '203.0.113.9', label: '203.0.113.9 via 127.0.0.1:4000' },
    { name: 'the right-most untrusted entry, not the client-written left ones', peer: '127.0.0.1', xff: '1.1.1.1, 203.0.113.9, 10.1.2.3', key: '203.0.113.9' },
    { name: 'a spoofed left-most entry does not help', peer: '127.0.0.1', xff: '10.9.9.9, 203.0.113.9', key: '203.0.113.9' },
    { name: 'several header lines', peer: '127.0.0.1', xff: ['203.0.113.9', '10.1.2.3'], key: '203.0.113.9' },
    { name: 'IPv6 client: its /64', peer: '127.0.0.1', xff: '2001:db8:5:6::77', key: '2001:db8:5:6::/64' },
    { name: 'bracketed IPv6 with a port', peer: '127.0.0.1', xff: '[2001:db8:5:6::77]:4431', key: '2001:db8:5:6::/64' },
    { name: 'IPv4 with a port', peer: '127.0.0.1', xff: '203.0.113.9:5555', key: '203.0.113.9' },
    { name: 'mapped IPv4 peer matches an IPv4 proxy entry', peer: '::ffff:127.0.0.1', xff: '203.0.113.9', key: '203.0.113.9' },
    { name: 'a trusted IPv6 proxy prefix', peer: 'fd00::5', xff: '203.0.113.9', key: '203.0.113.9' },
    { name: 'garbage entry: the nearest trusted hop', peer: '127.0.0.1', xff: '203.0.113.9, unknown, 10.1.2.3', key: '10.1.2.3' },
    { name: 'every entry trusted: the left-most trusted hop', peer: '127.0.0.1', xff: '10.0.0.9, 10.1.2.3', key: '10.0.0.9' },
    { name: 'empty header: the proxy', peer: '127.0.0.1', xff: '', key: '127.0.0.1' },
    { name: 'no peer address', peer: '', xff: '203.0.113.9', key: 'unknown' },
  ];
  for (const c of cases)
    it(c.name, () => {
      const s = resolveSource(c.peer || undefined, 4000, c.xff, c.trusted ?? proxies);
      assert.equal(s.key, c.key);
      if (c.label) assert.equal(s.label, c.label);
    });

  it('only the last 32 entries are looked at', () => {
    const xff = ['203.0.113.9', ...new Array<string>(40).fill('10.0.0.1')].join(',');
    assert.equal(resolveSource('127.0.0.1', 1, xff, proxies).key, '10.0.0.1');
  });

  it('bad proxy entries are refused with a message that names them', () => {
    for (const bad of ['localhost', '10.0.0.0/33', 'fd00::/129', '10.0.0.1/8/1', '10.0.0.0/', '::ffff:10.0.0.0/90', ''])
      assert.throws(() => new TrustedProxies([bad]), (e: unknown) => e instanceof TypeError && e.message.includes(JSON.stringify(bad)), bad);
    assert.throws(() => transportOptions({ trustedProxies: ['nope'] }), /trustedProxies.*"nope"/);
    assert.throws(() => transportOptions({ trustedProxies: 'x' as never }), /trustedProxies/);
    assert.equal(new TrustedProxies(['::ffff:10.0.0.0/104']).has(parseIp('10.200.0.1')!), true);
  });

  it('the per-source options must be positive integers', () => {
    for (const k of ['maxConnectionsPerSource', 'maxPendingHandshakesPerSource', 'maxRawConnectionsPerSource', 'handshakesPerSecondPerSource', 'handshakeBurstPerSource', 'maxIdleSources', 'refusalLogLinesPerSecond'])
      for (const v of [0, -1, 1.5]) assert.throws(() => transportOptions({ [k]: v }), new RegExp(k), `${k}=${v}`);
  });
});
