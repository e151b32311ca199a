import { isIPv6 } from 'node:net';

/** An IP address as a number: 32 bits for IPv4, 128 for IPv6, so ranges are plain comparisons. */
export interface IPAddress {
  version: 4 | 6;
  value: bigint;
}

export interface CidrRange {
  address: IPAddress;
  prefixLength: number;
}

/**
 * Reads a host the way a URL parser or a socket would treat it: `127.0.0.1`, and the IPv4
 * spellings WHATWG URL and inet_aton also accept (`2130706433`, `0x7f000001`, `0177.0.0.1`,
 * `127.1`, a trailing dot), and IPv6 with or without brackets and zone. Undefined for a name.
 */
export function parseHostToAddress(host: string): IPAddress | undefined {
  const text = host.trim().toLowerCase();
  if (text.startsWith('[') && text.endsWith(']')) return parseIPv6(text.slice(1, -1));
  if (text.includes(':')) return parseIPv6(text);
  return parseIPv4(text);
}

/** WHATWG URL's IPv4 parser: one to four parts, each decimal, 0x-hex or 0-octal; the last fills the rest. */
export function parseIPv4(text: string): IPAddress | undefined {
  const parts = text.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0 || parts.length > 4) return undefined;
  const numbers: number[] = [];
  for (const part of parts) {
    const number = parseIPv4Part(part);
    if (number === undefined) return undefined;
    numbers.push(number);
  }
  const last = numbers.pop() ?? 0;
  if (numbers.some((number) => number > 255)) return undefined;
  if (last >= 256 ** (4 - numbers.length)) return undefined;
  let value = BigInt(last);
  numbers.forEach((number, index) => {
    value += BigInt(number) << BigInt(8 * (3 - index));
  });
  return { version: 4, value };
}

function parseIPv4Part(part: string): number | undefined {
  if (part === '') return undefined;
  let digits = part;
  let radix = 10;
  if (/^0x/i.test(part)) {
    digits = part.slice(2);
    radix = 16;
  } else if (part.length > 1 && part.startsWith('0')) {
    digits = part.slice(1);
    radix = 8;
  }
  if (digits === '') return 0;
  const pattern = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!pattern.test(digits)) return undefined;
  // Longer than any 32-bit value can be written: bail out before precision is lost.
  const significant = digits.replace(/^0+(?=.)/, '');
  if (significant.length > 12) return undefined;
  return parseInt(significant, radix);
}

/** Standard IPv6 text, optionally with an embedded dotted IPv4 tail and a `%zone`. */
export function parseIPv6(text: string): IPAddress | undefined {
  const withoutZone = text.split('%')[0] ?? '';
  if (!isIPv6(withoutZone)) return undefined;
  const [head = '', tail] = withoutZone.split('::');
  const groupsOf = (side: string): number[] | undefined => {
    if (side === '') return [];
    const groups: number[] = [];
    for (const piece of side.split(':')) {
      if (piece.includes('.')) {
        const v4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(piece) ? parseIPv4(piece) : undefined;
        if (!v4) return undefined;
        groups.push(Number(v4.value >> 16n), Number(v4.value & 0xffffn));
      } else {
        groups.push(parseInt(piece, 16));
      }
    }
    return groups;
  };
  const front = groupsOf(head);
  const back = tail === undefined ? [] : groupsOf(tail);
  if (!front || !back) return undefined;
  const missing = 8 - front.length - back.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  const groups = [...front, ...new Array<number>(missing).fill(0), ...back];
  const value = groups.reduce((sum, group) => (sum << 16n) + BigInt(group), 0n);
  return { version: 6, value };
}

export function formatAddress(address: IPAddress): string {
  if (address.version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 0xffn)).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, index) => Number((address.value >> BigInt(16 * (7 - index))) & 0xffffn));
  // Compress the longest run of two or more zero groups, as RFC 5952 asks.
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** `::ffff:a.b.c.d` is the IPv4 host itself, reached through a dual-stack socket. */
export function unmapIPv4(address: IPAddress): IPAddress {
  if (address.version === 6 && address.value >> 32n === 0xffffn) return { version: 4, value: address.value & 0xffffffffn };
  return address;
}

export function parseCidr(text: string): CidrRange | undefined {
  const [base = '', length, extra] = text.trim().split('/');
  if (length === undefined || extra !== undefined || !/^\d{1,3}$/.test(length)) return undefined;
  const address = parseHostToAddress(base);
  const prefixLength = Number(length);
  if (!address || prefixLength > bitsOf(address)) return undefined;
  return { address, prefixLength };
}

export function isInCidr(address: IPAddress, range: CidrRange): boolean {
  if (address.version !== range.address.version) return false;
  const hostBits = BigInt(bitsOf(address) - range.prefixLength);
  return address.value >> hostBits === range.address.value >> hostBits;
}

export function sameAddress(left: IPAddress, right: IPAddress): boolean {
  return left.version === right.version && left.value === right.value;
}

function bitsOf(address: IPAddress): number {
  return address.version === 4 ? 32 : 128;
}
