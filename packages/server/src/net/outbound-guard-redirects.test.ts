import { describe, expect, it } from 'vitest';
import { useGuardTestScope } from './test-support/guard-test-scope.js';
import { refusalOf, type Handler } from './test-support/local-http-server.js';

const { serve, guarded } = useGuardTestScope();

/** Redirects every request to `location(path)` with `status`. */
function redirectTo(location: (path: string) => string, status = 302): Handler {
  return (request, response) => {
    response.writeHead(status, { location: location(request.path) });
    response.end();
  };
}

describe('guarded fetch: redirects', () => {
  it('refuses a redirect from an allowed server to 127.0.0.2', async () => {
    const target = await serve(undefined, '127.0.0.2');
    const start = await serve(redirectTo(() => `${target.origin}/admin`));
    const refusal = await refusalOf(guarded({ allowHosts: [`127.0.0.1:${start.port}`] })(`${start.origin}/`));
    expect(refusal.reason).toBe('loopback');
    expect(refusal.message).toContain(`Refused an outbound request to http://127.0.0.2:${target.port}/admin: 127.0.0.2 is a loopback address`);
    expect(start.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
  });

  it.each([
    ['another loopback port', (port: number) => `http://127.0.0.1:${port}/`],
    ['localhost', (port: number) => `http://localhost:${port}/`],
    ['an IPv4-mapped address', (port: number) => `http://[::ffff:127.0.0.1]:${port}/`],
    ['a decimal address', (port: number) => `http://2130706433:${port}/`],
  ])('refuses a redirect from an allowed server to %s not on the allow list', async (_, locationFor) => {
    const target = await serve();
    const start = await serve(redirectTo(() => locationFor(target.port)));
    await refusalOf(guarded({ allowHosts: [`127.0.0.1:${start.port}`] })(`${start.origin}/`));
    expect(target.requests).toHaveLength(0);
  });

  it('refuses a redirect to the metadata service and to file:', async () => {
    const toMetadata = await serve(redirectTo(() => 'http://169.254.169.254/latest/meta-data/'));
    const toFile = await serve(redirectTo(() => 'file:///etc/passwd'));
    const guardedFetch = guarded({ allowLoopback: true, allowPrivate: true });
    expect((await refusalOf(guardedFetch(`${toMetadata.origin}/`))).reason).toBe('metadata');
    expect((await refusalOf(guardedFetch(`${toFile.origin}/`))).reason).toBe('scheme');
  });

  it('follows allowed redirects, relative ones too, and reports the final URL', async () => {
    const target = await serve();
    const middle = await serve(redirectTo(() => `${target.origin}/final`, 301));
    const start = await serve(redirectTo(() => `${middle.origin}/next`, 308));
    const relative = await serve((request, response) => {
      if (request.path === '/') response.writeHead(302, { location: '/landing' }).end();
      else response.writeHead(200).end(`landed ${request.path}`);
    });
    const guardedFetch = guarded({ allowLoopback: true });
    const response = await guardedFetch(`${start.origin}/`);
    expect(await response.text()).toBe('ok /final');
    expect(response.url).toBe(`${target.origin}/final`);
    expect(response.redirected).toBe(true);
    expect(await (await guardedFetch(`${relative.origin}/`)).text()).toBe('landed /landing');
  });

  it('gives up after maxRedirects hops', async () => {
    const loop = await serve(redirectTo((path) => `/again${path.length}`));
    const refusal = await refusalOf(guarded({ allowLoopback: true, maxRedirects: 3 })(`${loop.origin}/`));
    expect(refusal.reason).toBe('redirect-limit');
    expect(refusal.message).toContain('redirected more than 3 times');
    expect(loop.requests).toHaveLength(4);
  });

  it('turns POST into GET without a body on 303, and resends method and body on 307', async () => {
    const target = await serve();
    const seeOther = await serve(redirectTo(() => `${target.origin}/after-303`, 303));
    const temporary = await serve(redirectTo(() => `${target.origin}/after-307`, 307));
    const guardedFetch = guarded({ allowLoopback: true });
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' };
    await guardedFetch(`${seeOther.origin}/`, init);
    await guardedFetch(`${temporary.origin}/`, init);
    expect(target.requests.map(({ method, path, body, headers }) => ({ method, path, body, type: headers['content-type'] }))).toEqual([
      { method: 'GET', path: '/after-303', body: '', type: undefined },
      { method: 'POST', path: '/after-307', body: '{"a":1}', type: 'application/json' },
    ]);
  });

  it('keeps authorization on the same origin and drops it when the redirect leaves it', async () => {
    const elsewhere = await serve();
    const start = await serve(redirectTo((path) => (path === '/' ? '/same' : `${elsewhere.origin}/other`)));
    await guarded({ allowLoopback: true })(`${start.origin}/`, { headers: { authorization: 'Bearer secret', 'x-trace': 't1' } });
    expect(start.requests.map((request) => request.headers.authorization)).toEqual(['Bearer secret', 'Bearer secret']);
    expect(elsewhere.requests[0]?.headers.authorization).toBeUndefined();
    expect(elsewhere.requests[0]?.headers['x-trace']).toBe('t1');
  });

  it("returns the redirect itself with redirect: 'manual' and rejects with redirect: 'error'", async () => {
    const target = await serve();
    const start = await serve(redirectTo(() => `${target.origin}/`));
    const guardedFetch = guarded({ allowLoopback: true });
    const manual = await guardedFetch(`${start.origin}/`, { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe(`${target.origin}/`);
    await expect(guardedFetch(`${start.origin}/`, { redirect: 'error' })).rejects.toThrow(TypeError);
    expect(target.requests).toHaveLength(0);
  });
});
