import { describe, expect, it } from 'vitest';
import { useGuardTestScope } from './test-support/guard-test-scope.js';
import { closedPort, refusalOf } from './test-support/local-http-server.js';

const { serve, guarded } = useGuardTestScope();

/** A resolver that answers from a table and counts its calls, like DNS under test control. */
function fakeDns(table: Record<string, string[] | (() => string[])>): { resolve: (host: string) => Promise<string[]>; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    resolve: (host) => {
      calls.push(host);
      const answer = table[host];
      return Promise.resolve(typeof answer === 'function' ? answer() : (answer ?? []));
    },
  };
}

describe('guarded fetch: direct requests to loopback', () => {
  it('refuses 127.0.0.1 by default and sends nothing', async () => {
    const server = await serve();
    const refusal = await refusalOf(guarded()(`${server.origin}/secret`));
    expect(refusal.reason).toBe('loopback');
    expect(refusal.message).toContain(`add "127.0.0.1:${server.port}" to OUTBOUND_ALLOW_HOSTS`);
    expect(server.requests).toHaveLength(0);
  });

  it('reaches 127.0.0.1 with allowLoopback', async () => {
    const server = await serve();
    const response = await guarded({ allowLoopback: true })(`${server.origin}/hello?x=1`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok /hello?x=1');
    expect(response.url).toBe(`${server.origin}/hello?x=1`);
    expect(response.redirected).toBe(false);
  });

  it('reaches 127.0.0.1 when the allow list names it with its port', async () => {
    const server = await serve();
    const response = await guarded({ allowHosts: [`127.0.0.1:${server.port}`] })(`${server.origin}/`);
    expect(response.status).toBe(200);
  });

  it.each(['[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[::127.0.0.1]', '[64:ff9b::127.0.0.1]', '2130706433', '0x7f000001', '0177.0.0.1', '127.1', 'localhost', 'localhost.', 'app.localhost', '[::1]', '0.0.0.0'])(
    'refuses http://%s:port/ by default and sends nothing',
    async (host) => {
      const server = await serve();
      await refusalOf(guarded()(`http://${host}:${server.port}/`));
      expect(server.requests).toHaveLength(0);
    },
  );

  // Proves the refused spellings really are this machine: allowed, they reach the server.
  it.each(['2130706433', '0x7f000001', '0177.0.0.1', '127.1', '0x7f.1', 'localhost', 'app.localhost'])(
    'reaches the 127.0.0.1 server through http://%s:port/ once loopback is allowed',
    async (host) => {
      const server = await serve();
      const response = await guarded({ allowLoopback: true })(`http://${host}:${server.port}/`);
      expect(await response.text()).toBe('ok /');
      expect(server.requests).toHaveLength(1);
    },
  );

  it('does not let an allowed port open the other ports of the same address', async () => {
    const allowed = await serve();
    const other = await serve();
    await refusalOf(guarded({ allowHosts: [`127.0.0.1:${allowed.port}`] })(`${other.origin}/`));
    expect(other.requests).toHaveLength(0);
  });
});

describe('guarded fetch: names are judged on what they resolve to', () => {
  it('refuses a public-looking name that resolves to 127.0.0.1', async () => {
    const server = await serve();
    const dns = fakeDns({ 'innocent.example': ['127.0.0.1'] });
    const refusal = await refusalOf(guarded({ resolve: dns.resolve })(`http://innocent.example:${server.port}/`));
    expect(refusal.reason).toBe('loopback');
    expect(refusal.message).toContain(`Refused an outbound request to http://innocent.example:${server.port}/: innocent.example resolves to 127.0.0.1`);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses names that resolve to private or metadata addresses', async () => {
    const dns = fakeDns({ 'lan.example': ['192.168.1.20'], 'meta.example': ['169.254.169.254'] });
    expect((await refusalOf(guarded({ resolve: dns.resolve })('http://lan.example/'))).reason).toBe('private');
    expect((await refusalOf(guarded({ resolve: dns.resolve, allowPrivate: true })('http://meta.example/'))).reason).toBe('metadata');
  });

  it('reaches the server through such a name once loopback is allowed, sending the name as Host', async () => {
    const server = await serve();
    const dns = fakeDns({ 'innocent.example': ['127.0.0.1'] });
    const response = await guarded({ allowLoopback: true, resolve: dns.resolve })(`http://innocent.example:${server.port}/`);
    expect(response.status).toBe(200);
    expect(server.requests[0]?.headers.host).toBe(`innocent.example:${server.port}`);
  });

  it('connects only to the allowed address of a mixed answer', async () => {
    const server = await serve();
    // 10.0.0.1 is refused (private), so only 127.0.0.1 may be tried; trying 10.0.0.1 would hang.
    const dns = fakeDns({ 'mixed.example': ['10.0.0.1', '127.0.0.1'] });
    const response = await guarded({ allowLoopback: true, resolve: dns.resolve })(`http://mixed.example:${server.port}/`, { signal: AbortSignal.timeout(5_000) });
    expect(response.status).toBe(200);
    expect(dns.calls).toEqual(['mixed.example']);
  });

  it('checks every new connection, so a DNS answer that changes (rebinding) is refused', async () => {
    const server = await serve((request, response) => {
      response.writeHead(200, { connection: 'close' });
      response.end('ok');
    });
    const answers = [['127.0.0.1'], ['10.0.0.1']];
    const dns = fakeDns({ 'rebind.example': () => answers.shift() ?? [] });
    const guardedFetch = guarded({ allowHosts: [`127.0.0.1:${server.port}`], resolve: dns.resolve });
    expect((await guardedFetch(`http://rebind.example:${server.port}/`)).status).toBe(200);
    const refusal = await refusalOf(guardedFetch(`http://rebind.example:${server.port}/`));
    expect(refusal.reason).toBe('private');
    // One resolution per connection: the address checked is the address connected to.
    expect(dns.calls).toEqual(['rebind.example', 'rebind.example']);
    expect(server.requests).toHaveLength(1);
  });

  it('reaches a name the allow list names, whatever private address it resolves to', async () => {
    const server = await serve();
    const dns = fakeDns({ 'ollama.internal': ['127.0.0.1'] });
    const response = await guarded({ allowHosts: [`ollama.internal:${server.port}`], resolve: dns.resolve })(`http://ollama.internal:${server.port}/api/tags`);
    expect(await response.text()).toBe('ok /api/tags');
  });
});

describe('guarded fetch: what is refused before any connection', () => {
  it.each(['file:///etc/passwd', 'gopher://127.0.0.1:6379/_FLUSHALL', 'data:text/plain,secret', 'ftp://example.com/file'])('refuses %s', async (url) => {
    expect((await refusalOf(guarded({ allowLoopback: true })(url))).reason).toBe('scheme');
  });

  it('refuses 169.254.169.254 and fd00:ec2::254 even with allowPrivate and allowLoopback', async () => {
    const guardedFetch = guarded({ allowPrivate: true, allowLoopback: true, allowHosts: ['169.254.0.0/16'] });
    const refusal = await refusalOf(guardedFetch('http://169.254.169.254/latest/meta-data/iam/security-credentials/'));
    expect(refusal.reason).toBe('metadata');
    expect(refusal.message).toContain('stay refused even with OUTBOUND_ALLOW_PRIVATE=true');
    expect((await refusalOf(guardedFetch('http://[fd00:ec2::254]/latest/'))).reason).toBe('metadata');
    expect((await refusalOf(guardedFetch('http://[::ffff:169.254.169.254]/'))).reason).toBe('metadata');
    expect((await refusalOf(guardedFetch('http://0xa9fea9fe/'))).reason).toBe('metadata');
    expect((await refusalOf(guardedFetch('http://100.100.100.200/'))).reason).toBe('metadata');
    expect((await refusalOf(guardedFetch('http://metadata.google.internal/computeMetadata/v1/'))).reason).toBe('metadata');
  });

  it('refuses credentials in the URL by default and sends them as Basic authorization when allowed', async () => {
    const server = await serve();
    const url = `http://sutazai:p%40ss@127.0.0.1:${server.port}/`;
    const refusal = await refusalOf(guarded({ allowLoopback: true })(url));
    expect(refusal.reason).toBe('credentials');
    expect(refusal.message).not.toContain('p%40ss');
    await guarded({ allowLoopback: true, allowCredentials: true })(url);
    expect(server.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('sutazai:p@ss').toString('base64')}`);
  });

  it('rejects like fetch (TypeError with the socket error as cause) when nothing listens', async () => {
    const port = await closedPort();
    const error: unknown = await guarded({ allowLoopback: true })(`http://127.0.0.1:${port}/`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });
});
