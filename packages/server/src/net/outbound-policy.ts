import { lookup } from 'node:dns/promises';
import { classifyAddress, embeddedIPv4, isLocalhostName, isMetadataName, normalizeHostName, type AddressClass } from './address-classification.js';
import { formatAddress, isInCidr, parseCidr, parseHostToAddress, sameAddress, unmapIPv4, type CidrRange, type IPAddress } from './ip-address.js';
import { OUTBOUND_SETTINGS, OutboundRequestBlockedError, displayUrl } from './outbound-request-blocked-error.js';

/** Which destinations outbound requests may reach. Everything not public is refused by default. */
export interface OutboundPolicy {
  /** RFC 1918, carrier-grade NAT (100.64/10), IPv6 unique-local. Never link-local or metadata. */
  allowPrivate?: boolean;
  /** 127.0.0.0/8, ::1, and `localhost` names. */
  allowLoopback?: boolean;
  /**
   * Exceptions, each `host`, `host:port`, `[ipv6]:port`, an address in any spelling, or a
   * CIDR range (`10.0.0.0/8`, `fd00::/8`). A listed name may resolve to any address except a
   * cloud metadata address; that needs the address itself (or the metadata name) listed.
   */
  allowHosts?: readonly string[];
  /** Default `['http:', 'https:']`; may narrow to `['https:']`, never widen (only HTTP is spoken). */
  allowedSchemes?: readonly string[];
  /** `http://user:password@host/` becomes Basic authorization when true; refused by default. */
  allowCredentials?: boolean;
  /** Redirects followed before giving up; default 5. */
  maxRedirects?: number;
  /** Name resolution, injectable for tests; default `dns.lookup` with every address. */
  resolve?: (hostname: string) => Promise<string[]>;
}

interface AllowedName {
  name: string;
  port: number | undefined;
}

interface AllowedAddress {
  address: IPAddress;
  port: number | undefined;
}

/** A policy with its allow list parsed once; what the guard works from. */
export interface CompiledPolicy {
  readonly allowPrivate: boolean;
  readonly allowLoopback: boolean;
  readonly allowCredentials: boolean;
  readonly allowedSchemes: readonly string[];
  readonly maxRedirects: number;
  readonly names: readonly AllowedName[];
  readonly addresses: readonly AllowedAddress[];
  readonly ranges: readonly CidrRange[];
  readonly resolve: (hostname: string) => Promise<string[]>;
}

async function resolveWithSystem(hostname: string): Promise<string[]> {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
}

/** Parses the allow list; a bad entry throws a TypeError naming it and the accepted forms. */
export function compilePolicy(policy: OutboundPolicy = {}): CompiledPolicy {
  const names: AllowedName[] = [];
  const addresses: AllowedAddress[] = [];
  const ranges: CidrRange[] = [];
  for (const entry of policy.allowHosts ?? []) {
    const parsed = parseAllowEntry(entry);
    if (!parsed) {
      throw new TypeError(
        `${OUTBOUND_SETTINGS.allowHosts} entry "${entry}" is not understood: write a host (api.example.com), host:port (ollama:11434), an address (10.0.0.5, [fd00::5]:8080) or a CIDR range (10.0.0.0/8), without a scheme or path.`,
      );
    }
    if ('prefixLength' in parsed) ranges.push(parsed);
    else if ('address' in parsed) addresses.push(parsed);
    else names.push(parsed);
  }
  const allowedSchemes = [...(policy.allowedSchemes ?? ['http:', 'https:'])].map((scheme) => scheme.toLowerCase());
  const unsupported = allowedSchemes.find((scheme) => scheme !== 'http:' && scheme !== 'https:');
  if (unsupported !== undefined) throw new TypeError(`allowedSchemes may hold only 'http:' and 'https:', not '${unsupported}'`);
  const maxRedirects = policy.maxRedirects ?? 5;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0) throw new TypeError(`maxRedirects must be a whole number ≥ 0, not ${maxRedirects}`);
  return Object.freeze({
    allowPrivate: policy.allowPrivate ?? false,
    allowLoopback: policy.allowLoopback ?? false,
    allowCredentials: policy.allowCredentials ?? false,
    allowedSchemes: Object.freeze(allowedSchemes),
    maxRedirects,
    names,
    addresses,
    ranges,
    resolve: policy.resolve ?? resolveWithSystem,
  });
}

function parseAllowEntry(raw: string): AllowedName | AllowedAddress | CidrRange | undefined {
  const entry = raw.trim().toLowerCase();
  if (entry.includes('/')) return parseCidr(entry);
  let host = entry;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
  } else if (entry.split(':').length === 2) {
    [host = '', portText] = entry.split(':');
  }
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) return undefined;
  const address = parseHostToAddress(host);
  if (address) return { address: unmapIPv4(address), port };
  const name = normalizeHostName(host);
  if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(name)) return undefined;
  return { name, port };
}

export function defaultPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

function isNameAllowed(policy: CompiledPolicy, name: string, port: number): boolean {
  return policy.names.some((entry) => entry.name === name && (entry.port === undefined || entry.port === port));
}

/**
 * The class that makes this address refused for this port, or undefined when allowed.
 * `allowedName` is the host name when the allow list names it: then only a metadata
 * address is still refused, unless that name is itself a metadata name the list names.
 */
export function refusedClass(address: IPAddress, port: number, policy: CompiledPolicy, allowedName?: string): AddressClass | undefined {
  const unmapped = unmapIPv4(address);
  if (policy.addresses.some((entry) => sameAddress(entry.address, unmapped) && (entry.port === undefined || entry.port === port))) return undefined;
  const addressClass = classifyAddress(address);
  if (addressClass === 'metadata') return allowedName !== undefined && isMetadataName(allowedName) ? undefined : addressClass;
  if (allowedName !== undefined || addressClass === 'public') return undefined;
  if (policy.ranges.some((range) => isInCidr(unmapped, range) || isInCidr(address, range))) return undefined;
  if (addressClass === 'loopback' && policy.allowLoopback) return undefined;
  if (addressClass === 'private' && policy.allowPrivate) return undefined;
  return addressClass;
}

/**
 * Everything that can be judged from the URL alone: scheme, credentials, an address
 * literal in any spelling, metadata names. Names are judged again on what they resolve to.
 */
export function checkUrl(url: URL, policy: CompiledPolicy): OutboundRequestBlockedError | undefined {
  const target = displayUrl(url);
  const host = normalizeHostName(url.hostname);
  if (!policy.allowedSchemes.includes(url.protocol)) {
    return new OutboundRequestBlockedError({
      reason: 'scheme',
      target,
      host,
      detail: `the scheme ${url.protocol} is not allowed`,
      hint: `Only ${policy.allowedSchemes.join(' and ')} URLs are fetched.`,
    });
  }
  if ((url.username || url.password) && !policy.allowCredentials) {
    return new OutboundRequestBlockedError({
      reason: 'credentials',
      target,
      host,
      detail: 'the URL carries a user name or password',
      hint: `Send credentials in a header (an API key setting) instead, or set ${OUTBOUND_SETTINGS.allowCredentials}=true to turn them into Basic authorization.`,
    });
  }
  const port = defaultPort(url);
  const address = parseHostToAddress(host);
  if (address) {
    const addressClass = refusedClass(address, port, policy);
    return addressClass ? addressRefusal(target, host, port, address, addressClass, false) : undefined;
  }
  if (isMetadataName(host) && !isNameAllowed(policy, host, port)) return metadataNameRefusal(target, host);
  return undefined;
}

/** The refusal for an address literal (any spelling), or undefined when it is allowed or not a literal. */
export function checkAddressLiteral(hostname: string, port: number, policy: CompiledPolicy): OutboundRequestBlockedError | undefined {
  const host = normalizeHostName(hostname);
  const address = parseHostToAddress(host);
  const addressClass = address && refusedClass(address, port, policy);
  return address && addressClass ? addressRefusal(hostAndPort(host, port), host, port, address, addressClass, false) : undefined;
}

/**
 * The addresses a connection to `hostname` may use: resolved once, each checked, refused
 * ones dropped. The socket connects only to what this returns, so a DNS answer that changes
 * between check and connect (rebinding) cannot slip through. Throws when none is allowed.
 */
export async function resolveAllowedAddresses(hostname: string, port: number, policy: CompiledPolicy): Promise<string[]> {
  const host = normalizeHostName(hostname);
  const target = hostAndPort(host, port);
  const literal = parseHostToAddress(host);
  if (literal) {
    const refusal = checkAddressLiteral(host, port, policy);
    if (refusal) throw refusal;
    return [formatAddress(literal)];
  }
  const allowedName = isNameAllowed(policy, host, port) ? host : undefined;
  if (isMetadataName(host) && allowedName === undefined) throw metadataNameRefusal(target, host);
  const answers = isLocalhostName(host) ? ['127.0.0.1', '::1'] : await policy.resolve(host);
  const allowed: string[] = [];
  let firstRefused: { address: IPAddress; addressClass: AddressClass } | undefined;
  for (const answer of answers) {
    const address = parseHostToAddress(answer);
    if (!address) continue;
    const addressClass = refusedClass(address, port, policy, allowedName);
    if (addressClass) firstRefused ??= { address, addressClass };
    else allowed.push(formatAddress(address));
  }
  if (allowed.length > 0) return allowed;
  if (firstRefused) throw addressRefusal(target, host, port, firstRefused.address, firstRefused.addressClass, true);
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host });
}

const CLASS_PHRASES: Record<AddressClass, string> = {
  loopback: 'a loopback address (this machine)',
  private: 'a private network address',
  'link-local': 'a link-local address',
  metadata: 'a cloud metadata address',
  unspecified: 'the unspecified address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
  public: 'a public address',
};

function addressRefusal(target: string, host: string, port: number, address: IPAddress, addressClass: AddressClass, viaName: boolean): OutboundRequestBlockedError {
  const text = formatAddress(address);
  const embedded = embeddedIPv4(address);
  const described = embedded ? `${text} (which embeds ${formatAddress(embedded)})` : text;
  const detail = viaName ? `${host} resolves to ${described}, ${CLASS_PHRASES[addressClass]}` : `${described} is ${CLASS_PHRASES[addressClass]}`;
  const entry = hostAndPort(viaName ? host : text, port);
  const list = `add "${entry}" to ${OUTBOUND_SETTINGS.allowHosts}`;
  const hints: Partial<Record<AddressClass, string>> = {
    loopback: `To allow it, set ${OUTBOUND_SETTINGS.allowLoopback}=true or ${list}.`,
    private: `To allow it, set ${OUTBOUND_SETTINGS.allowPrivate}=true or ${list}.`,
    metadata: `Cloud metadata addresses stay refused even with ${OUTBOUND_SETTINGS.allowPrivate}=true; only if SutazAI must reach it, add "${text}" to ${OUTBOUND_SETTINGS.allowHosts}.`,
  };
  const hint = hints[addressClass] ?? `${OUTBOUND_SETTINGS.allowPrivate} does not cover it; to allow it, ${list}.`;
  return new OutboundRequestBlockedError({ reason: addressClass === 'public' ? 'reserved' : addressClass, target, host, address: text, detail, hint });
}

function metadataNameRefusal(target: string, host: string): OutboundRequestBlockedError {
  return new OutboundRequestBlockedError({
    reason: 'metadata',
    target,
    host,
    detail: `${host} is a cloud metadata service`,
    hint: `It stays refused even with ${OUTBOUND_SETTINGS.allowPrivate}=true; only if SutazAI must reach it, add "${host}" to ${OUTBOUND_SETTINGS.allowHosts}.`,
  });
}

function hostAndPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
