import { describe, expect, it } from 'vitest';
import { formatAddress, isInCidr, parseCidr, parseHostToAddress, unmapIPv4 } from './ip-address.js';

function normalized(host: string): string | undefined {
  const address = parseHostToAddress(host);
  return address && formatAddress(address);
}

describe('parseHostToAddress', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0177.0.0.01', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['10.1', '10.0.0.1'],
    ['0x0a.0x0.0x0.0x1', '10.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['4294967295', '255.255.255.255'],
    ['0', '0.0.0.0'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['::ffff:127.0.0.1', '::ffff:7f00:1'],
    ['[::ffff:7f00:1]', '::ffff:7f00:1'],
    ['::127.0.0.1', '::7f00:1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ])('reads %s as %s', (host, expected) => {
    expect(normalized(host)).toBe(expected);
  });

  it.each(['example.com', 'localhost', '1.2.3.256', '256.0.0.1', '4294967296', '0x100000000', '08.0.0.1', '0x7g.0.0.1', '1..2.3', '1.2.3.4.5', '', '::1::2', '[::1', '1:2:3:4:5:6:7:8:9', '::ffff:1.2.3'])(
    'finds no address in %s',
    (host) => {
      expect(parseHostToAddress(host)).toBeUndefined();
    },
  );

  // The guard must see the same address the URL parser, and so the socket, will use.
  it.each(['2130706433', '0x7f000001', '0177.0.0.1', '127.1', '10.1', '0x7f.1', '0xa9fea9fe', '017700000001', '[::ffff:127.0.0.1]', '[0:0:0:0:0:ffff:7f00:1]', '[::127.0.0.1]'])(
    'agrees with the WHATWG URL parser on %s',
    (host) => {
      const fromUrl = new URL(`http://${host}/`).hostname.replace(/^\[|\]$/g, '');
      expect(normalized(host)).toBe(fromUrl);
    },
  );
});

describe('CIDR ranges', () => {
  it('matches addresses inside the prefix and not outside', () => {
    const range = parseCidr('10.0.0.0/8');
    const inside = parseHostToAddress('10.255.0.1');
    const outside = parseHostToAddress('11.0.0.1');
    if (!range || !inside || !outside) throw new Error('parse failed');
    expect(isInCidr(inside, range)).toBe(true);
    expect(isInCidr(outside, range)).toBe(false);
  });

  it('matches IPv6 prefixes and never mixes families', () => {
    const range = parseCidr('fd00::/8');
    const inside = parseHostToAddress('fd12::1');
    const v4 = parseHostToAddress('10.0.0.1');
    if (!range || !inside || !v4) throw new Error('parse failed');
    expect(isInCidr(inside, range)).toBe(true);
    expect(isInCidr(v4, range)).toBe(false);
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '::/129', 'example.com/8', '10.0.0.0/8/8', '10.0.0.0/x'])('refuses the malformed range %s', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it('treats an IPv4-mapped address as the IPv4 host', () => {
    const mapped = parseHostToAddress('::ffff:10.1.2.3');
    expect(mapped && formatAddress(unmapIPv4(mapped))).toBe('10.1.2.3');
  });
});
