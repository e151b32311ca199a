import { isInCidr, parseCidr, parseHostToAddress, type CidrRange, type IPAddress } from './ip-address.js';

/** What kind of destination an address is; only `public` is reachable without a policy exception. */
export type AddressClass =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'public';

interface RangeRule {
  range: CidrRange;
  addressClass: AddressClass;
}

function mustParseCidr(cidr: string): CidrRange {
  const range = parseCidr(cidr);
  if (!range) throw new Error(`bad built-in range ${cidr}`);
  return range;
}

function rules(table: [string, AddressClass][]): RangeRule[] {
  return table.map(([cidr, addressClass]) => ({ range: mustParseCidr(cidr), addressClass }));
}

/** First match wins, so the single metadata hosts come before the ranges that hold them. */
const IPV4_RULES = rules([
  ['169.254.169.254/32', 'metadata'], // AWS, GCP, Azure, OCI, DigitalOcean, OpenStack
  ['169.254.170.2/32', 'metadata'], // AWS ECS task credentials
  ['100.100.100.200/32', 'metadata'], // Alibaba Cloud
  ['168.63.129.16/32', 'metadata'], // Azure WireServer: public-looking, reachable only inside Azure
  ['192.0.0.192/32', 'metadata'], // Oracle Cloud (classic)
  ['0.0.0.0/8', 'unspecified'], // "this network"; Linux connects 0.0.0.0 to itself
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'private'], // carrier-grade NAT
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'], // IETF protocol assignments
  ['192.0.2.0/24', 'reserved'], // documentation
  ['192.88.99.0/24', 'reserved'], // 6to4 relay anycast
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'], // benchmarking
  ['198.51.100.0/24', 'reserved'], // documentation
  ['203.0.113.0/24', 'reserved'], // documentation
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

const IPV6_RULES = rules([
  ['fd00:ec2::254/128', 'metadata'], // AWS IMDS over IPv6
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['100::/64', 'reserved'], // discard-only
  ['2001:db8::/32', 'reserved'], // documentation
  ['2001::/23', 'reserved'], // IETF protocol assignments, Teredo among them
  ['3fff::/20', 'reserved'], // documentation
  ['fc00::/7', 'private'], // unique local
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'], // deprecated site-local
  ['ff00::/8', 'multicast'],
  ['2000::/3', 'public'],
  ['::/0', 'reserved'], // everything IANA has not allocated for global unicast
]);

/** IPv6 forms that carry an IPv4 address and reach (or translate to) that IPv4 host. */
const EMBEDDING_RULES = [
  { cidr: '::ffff:0:0/96', shift: 0n }, // IPv4-mapped
  { cidr: '::ffff:0:0:0/96', shift: 0n }, // IPv4-translated (SIIT)
  { cidr: '::/96', shift: 0n }, // IPv4-compatible (deprecated); :: and ::1 are excluded below
  { cidr: '64:ff9b::/96', shift: 0n }, // NAT64 well-known prefix
  { cidr: '64:ff9b:1::/48', shift: 0n }, // NAT64 local-use prefix
  { cidr: '2002::/16', shift: 80n }, // 6to4
].map(({ cidr, shift }) => ({ range: mustParseCidr(cidr), shift }));

/** The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIPv4(address: IPAddress): IPAddress | undefined {
  if (address.version !== 6 || address.value <= 1n) return undefined;
  const rule = EMBEDDING_RULES.find((candidate) => isInCidr(address, candidate.range));
  return rule ? { version: 4, value: (address.value >> rule.shift) & 0xffffffffn } : undefined;
}

/**
 * Classifies an address in any spelling `parseHostToAddress` reads. IPv6 forms that embed
 * an IPv4 address take the class of that IPv4 address, so `::ffff:7f00:1` is loopback.
 */
export function classifyAddress(ip: string | IPAddress): AddressClass {
  const address = typeof ip === 'string' ? parseHostToAddress(ip) : ip;
  if (!address) throw new TypeError(`not an IP address: ${String(ip)}`);
  const embedded = embeddedIPv4(address);
  const target = embedded ?? address;
  const table = target.version === 4 ? IPV4_RULES : IPV6_RULES;
  return table.find((rule) => isInCidr(target, rule.range))?.addressClass ?? 'public';
}

/** Cloud metadata services reachable by name; refused before any DNS answer is trusted. */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'instance-data.ec2.internal']);

/** Lower-cased, without the trailing dot that makes `localhost.` the same host as `localhost`. */
export function normalizeHostName(name: string): string {
  const lower = name.trim().toLowerCase();
  const unbracketed = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  return unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed;
}

export function isMetadataName(name: string): boolean {
  return METADATA_NAMES.has(normalizeHostName(name));
}

/** RFC 6761: `localhost` and every name under it are the loopback host, whatever DNS says. */
export function isLocalhostName(name: string): boolean {
  const normalized = normalizeHostName(name);
  return normalized === 'localhost' || normalized.endsWith('.localhost');
}
