import { describe, expect, it } from 'vitest';
import { checkUrl, compilePolicy, resolveAllowedAddresses, type OutboundPolicy } from './outbound-policy.js';
import { OutboundRequestBlockedError } from './outbound-request-blocked-error.js';

function refusalOf(url: string, policy: OutboundPolicy = {}): string | undefined {
  return checkUrl(new URL(url), compilePolicy(policy))?.reason;
}

function resolverOf(answers: Record<string, string[]>): (host: string) => Promise<string[]> {
  return (host) => Promise.resolve(answers[host] ?? []);
}

async function rejectionOf(work: Promise<unknown>): Promise<OutboundRequestBlockedError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof OutboundRequestBlockedError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

describe('checkUrl', () => {
  it.each([
    ['http://127.0.0.1/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f000001/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:7f00:1]/', 'loopback'],
    ['http://[::127.0.0.1]/', 'loopback'],
    ['http://10.1/', 'private'],
    ['http://192.168.0.10:8080/', 'private'],
    ['http://[fd00::1]/', 'private'],
    ['http://[64:ff9b::10.0.0.1]/', 'private'],
    ['http://169.254.1.1/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['http://[fd00:ec2::254]/', 'metadata'],
    ['http://100.100.100.200/', 'metadata'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'metadata'],
    ['http://metadata.google.internal./', 'metadata'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://240.0.0.1/', 'reserved'],
    ['file:///etc/passwd', 'scheme'],
    ['gopher://127.0.0.1:6379/_INFO', 'scheme'],
    ['ftp://example.com/', 'scheme'],
    ['data:text/plain,hello', 'scheme'],
    ['javascript:alert(1)', 'scheme'],
    ['http://user:secret@example.com/', 'credentials'],
    ['http://example.com@127.0.0.1/', 'credentials'],
  ])('refuses %s as %s by default', (url, reason) => {
    expect(refusalOf(url)).toBe(reason);
  });

  it.each(['http://example.com/', 'https://93.184.216.34/', 'http://[2606:4700:4700::1111]/', 'http://localhost/'])(
    'leaves %s to the resolved-address check',
    (url) => {
      expect(refusalOf(url)).toBeUndefined();
    },
  );

  it('lets allowLoopback open loopback and nothing else', () => {
    expect(refusalOf('http://127.0.0.1/', { allowLoopback: true })).toBeUndefined();
    expect(refusalOf('http://[::ffff:127.0.0.1]/', { allowLoopback: true })).toBeUndefined();
    expect(refusalOf('http://10.0.0.1/', { allowLoopback: true })).toBe('private');
    expect(refusalOf('http://0.0.0.0/', { allowLoopback: true })).toBe('unspecified');
  });

  it('lets allowPrivate open private ranges but not link-local or metadata', () => {
    expect(refusalOf('http://10.0.0.1/', { allowPrivate: true })).toBeUndefined();
    expect(refusalOf('http://100.64.1.1/', { allowPrivate: true })).toBeUndefined();
    expect(refusalOf('http://[fd12::1]/', { allowPrivate: true })).toBeUndefined();
    expect(refusalOf('http://127.0.0.1/', { allowPrivate: true })).toBe('loopback');
    expect(refusalOf('http://169.254.1.1/', { allowPrivate: true })).toBe('link-local');
    expect(refusalOf('http://169.254.169.254/', { allowPrivate: true, allowLoopback: true })).toBe('metadata');
    expect(refusalOf('http://100.100.100.200/', { allowPrivate: true })).toBe('metadata');
  });

  it('honours host:port entries only on that port', () => {
    const policy = { allowHosts: ['127.0.0.1:8080'] };
    expect(refusalOf('http://127.0.0.1:8080/', policy)).toBeUndefined();
    expect(refusalOf('http://2130706433:8080/', policy)).toBeUndefined();
    expect(refusalOf('http://127.0.0.1:8081/', policy)).toBe('loopback');
    expect(refusalOf('http://127.0.0.2:8080/', policy)).toBe('loopback');
  });

  it('honours CIDR entries, but never for a metadata address', () => {
    const policy = { allowHosts: ['10.0.0.0/8', '169.254.0.0/16'] };
    expect(refusalOf('http://10.20.30.40/', policy)).toBeUndefined();
    expect(refusalOf('http://[::ffff:10.20.30.40]/', policy)).toBeUndefined();
    expect(refusalOf('http://169.254.1.1/', policy)).toBeUndefined();
    expect(refusalOf('http://169.254.169.254/', policy)).toBe('metadata');
  });

  it('opens a metadata address only when it is listed itself', () => {
    expect(refusalOf('http://169.254.169.254/', { allowHosts: ['169.254.169.254'] })).toBeUndefined();
    expect(refusalOf('http://[fd00:ec2::254]/', { allowHosts: ['[fd00:ec2::254]:80'] })).toBeUndefined();
    expect(refusalOf('http://metadata.google.internal/', { allowHosts: ['metadata.google.internal'] })).toBeUndefined();
  });

  it('allows URL credentials only when the policy says so', () => {
    expect(refusalOf('http://user:secret@example.com/', { allowCredentials: true })).toBeUndefined();
  });

  it('lets allowedSchemes narrow to https: but never widen beyond HTTP', () => {
    expect(refusalOf('http://example.com/', { allowedSchemes: ['https:'] })).toBe('scheme');
    expect(refusalOf('https://example.com/', { allowedSchemes: ['https:'] })).toBeUndefined();
    expect(() => compilePolicy({ allowedSchemes: ['http:', 'ftp:'] })).toThrow("not 'ftp:'");
  });

  it('says what was refused, why, and which settings allow it, without secrets', () => {
    const refusal = checkUrl(new URL('http://user:secret@127.0.0.1:9000/path?api_key=abc'), compilePolicy({ allowCredentials: true }));
    expect(refusal?.message).toBe(
      'Refused an outbound request to http://127.0.0.1:9000/path: 127.0.0.1 is a loopback address (this machine). To allow it, set OUTBOUND_ALLOW_LOOPBACK=true or add "127.0.0.1:9000" to OUTBOUND_ALLOW_HOSTS.',
    );
    const privateRefusal = checkUrl(new URL('http://10.0.0.5/'), compilePolicy());
    expect(privateRefusal?.hint).toContain('set OUTBOUND_ALLOW_PRIVATE=true or add "10.0.0.5:80" to OUTBOUND_ALLOW_HOSTS');
    expect(privateRefusal).toMatchObject({ code: 'OUTBOUND_REQUEST_BLOCKED', status: 403, retryable: false, address: '10.0.0.5' });
  });
});

describe('compilePolicy', () => {
  it.each(['http://example.com', 'example.com/path', 'host:99999', 'host:0', 'bad host', '10.0.0.0/99', ''])('names the bad allow-list entry %j', (entry) => {
    expect(() => compilePolicy({ allowHosts: [entry] })).toThrow(`OUTBOUND_ALLOW_HOSTS entry "${entry}"`);
  });

  it.each(['example.com', 'Ollama:11434', 'localhost.', '10.0.0.5', '[fd00::5]:8080', 'fd00::5', '10.0.0.0/8', 'fd00::/8', '2130706433:80'])('accepts %s', (entry) => {
    expect(() => compilePolicy({ allowHosts: [entry] })).not.toThrow();
  });
});

describe('resolveAllowedAddresses', () => {
  it('refuses a public-looking name that resolves to loopback, naming both', async () => {
    const policy = compilePolicy({ resolve: resolverOf({ 'innocent.example': ['127.0.0.1'] }) });
    const refusal = await rejectionOf(resolveAllowedAddresses('innocent.example', 80, policy));
    expect(refusal.reason).toBe('loopback');
    expect(refusal.message).toContain('innocent.example resolves to 127.0.0.1');
    expect(refusal.hint).toContain('add "innocent.example:80" to OUTBOUND_ALLOW_HOSTS');
  });

  it('keeps only the allowed addresses of a mixed answer', async () => {
    const policy = compilePolicy({ resolve: resolverOf({ 'mixed.example': ['10.0.0.1', '93.184.216.34', '::1'] }) });
    await expect(resolveAllowedAddresses('mixed.example', 80, policy)).resolves.toEqual(['93.184.216.34']);
  });

  it('answers localhost names with loopback addresses without asking DNS', async () => {
    const policy = compilePolicy({ allowLoopback: true, resolve: () => Promise.reject(new Error('DNS must not be asked')) });
    await expect(resolveAllowedAddresses('app.localhost.', 80, policy)).resolves.toEqual(['127.0.0.1', '::1']);
  });

  it('trusts a listed name with private addresses but not with a metadata address', async () => {
    const resolve = resolverOf({ 'ollama.internal': ['10.0.0.7'], 'sneaky.internal': ['169.254.169.254'] });
    const policy = compilePolicy({ allowHosts: ['ollama.internal', 'sneaky.internal'], resolve });
    await expect(resolveAllowedAddresses('ollama.internal', 11434, policy)).resolves.toEqual(['10.0.0.7']);
    expect((await rejectionOf(resolveAllowedAddresses('sneaky.internal', 80, policy))).reason).toBe('metadata');
  });

  it('refuses a metadata name before resolving it', async () => {
    const policy = compilePolicy({ allowPrivate: true, resolve: () => Promise.reject(new Error('DNS must not be asked')) });
    expect((await rejectionOf(resolveAllowedAddresses('metadata.google.internal', 80, policy))).reason).toBe('metadata');
  });

  it('reports a name with no answer as not found', async () => {
    const policy = compilePolicy({ resolve: resolverOf({}) });
    await expect(resolveAllowedAddresses('nowhere.example', 80, policy)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});
