import { describe, expect, it } from 'vitest';
import { classifyAddress, embeddedIPv4, isLocalhostName, isMetadataName, type AddressClass } from './address-classification.js';
import { formatAddress, parseHostToAddress } from './ip-address.js';

const TABLE: [string, AddressClass][] = [
  // IPv4, dotted
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['172.32.0.1', 'public'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'private'],
  ['100.127.255.255', 'private'],
  ['100.128.0.1', 'public'],
  ['169.254.1.1', 'link-local'],
  ['169.254.169.254', 'metadata'],
  ['169.254.170.2', 'metadata'],
  ['100.100.100.200', 'metadata'],
  ['168.63.129.16', 'metadata'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.2.10', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['203.0.113.5', 'reserved'],
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['93.184.216.34', 'public'],
  // IPv4, the other spellings URL parsers and inet_aton accept
  ['2130706433', 'loopback'],
  ['0x7f000001', 'loopback'],
  ['0X7F000001', 'loopback'],
  ['017700000001', 'loopback'],
  ['0177.0.0.1', 'loopback'],
  ['0x7f.0.0.1', 'loopback'],
  ['0x7f.1', 'loopback'],
  ['127.1', 'loopback'],
  ['127.0.1', 'loopback'],
  ['10.1', 'private'],
  ['0xa9.0xfe.0xa9.0xfe', 'metadata'],
  ['2852039166', 'metadata'],
  ['0251.0376.0251.0376', 'metadata'],
  ['0', 'unspecified'],
  ['127.0.0.1.', 'loopback'],
  ['00000000127.0.0.1', 'public'], // 0-prefixed is octal: 0127 = 87
  // IPv6
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['::', 'unspecified'],
  ['fc00::1', 'private'],
  ['fd12:3456::1', 'private'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf::1', 'link-local'],
  ['fec0::1', 'private'],
  ['ff02::1', 'multicast'],
  ['fd00:ec2::254', 'metadata'],
  ['2001:db8::1', 'reserved'],
  ['2001::1', 'reserved'],
  ['100::1', 'reserved'],
  ['4000::1', 'reserved'],
  ['2606:4700:4700::1111', 'public'],
  ['2a00:1450:4001::200e', 'public'],
  // IPv6 that embeds IPv4: the IPv4 address decides
  ['::ffff:127.0.0.1', 'loopback'],
  ['[::ffff:127.0.0.1]', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
  ['::ffff:10.0.0.1', 'private'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['::ffff:a9fe:a9fe', 'metadata'],
  ['::ffff:8.8.8.8', 'public'],
  ['::127.0.0.1', 'loopback'],
  ['::7f00:1', 'loopback'],
  ['::ffff:0:127.0.0.1', 'loopback'],
  ['64:ff9b::127.0.0.1', 'loopback'],
  ['64:ff9b::10.0.0.1', 'private'],
  ['64:ff9b::a9fe:a9fe', 'metadata'],
  ['64:ff9b::8.8.8.8', 'public'],
  ['64:ff9b:1::c0a8:101', 'private'],
  ['2002:7f00:1::', 'loopback'],
  ['2002:a00:1::1', 'private'],
  ['2002:808:808::1', 'public'],
];

describe('classifyAddress', () => {
  it.each(TABLE)('classifies %s as %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  it('classifies a parsed address the same as its text', () => {
    const address = parseHostToAddress('::ffff:127.0.0.1');
    expect(address && classifyAddress(address)).toBe('loopback');
  });

  it('rejects text that is not an address', () => {
    expect(() => classifyAddress('example.com')).toThrow(TypeError);
    expect(() => classifyAddress('256.1.1.1')).toThrow(TypeError);
    expect(() => classifyAddress('1.2.3.4.5')).toThrow(TypeError);
  });
});

describe('embeddedIPv4', () => {
  it.each([
    ['::ffff:7f00:1', '127.0.0.1'],
    ['::7f00:1', '127.0.0.1'],
    ['64:ff9b::a00:1', '10.0.0.1'],
    ['2002:c0a8:101::', '192.168.1.1'],
  ])('finds the IPv4 address inside %s', (ip, expected) => {
    const address = parseHostToAddress(ip);
    const embedded = address && embeddedIPv4(address);
    expect(embedded && formatAddress(embedded)).toBe(expected);
  });

  it('finds none in ::, ::1 or a global address', () => {
    for (const ip of ['::', '::1', '2606:4700::1111', '127.0.0.1']) {
      const address = parseHostToAddress(ip);
      expect(address && embeddedIPv4(address)).toBeUndefined();
    }
  });
});

describe('host names', () => {
  it.each(['localhost', 'LOCALHOST', 'localhost.', 'api.localhost', 'a.b.localhost.'])('treats %s as the loopback host', (name) => {
    expect(isLocalhostName(name)).toBe(true);
  });

  it.each(['localhost.example.com', 'notlocalhost', 'localhostx'])('does not treat %s as the loopback host', (name) => {
    expect(isLocalhostName(name)).toBe(false);
  });

  it.each(['metadata.google.internal', 'Metadata.Google.Internal.', 'metadata.goog', 'instance-data.ec2.internal'])('knows %s as a metadata service', (name) => {
    expect(isMetadataName(name)).toBe(true);
  });

  it('does not take an ordinary name for a metadata service', () => {
    expect(isMetadataName('metadata.example.com')).toBe(false);
  });
});
