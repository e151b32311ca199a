/**
 * Serving the web UI: a Fastify app with the real error boundary, security headers and auth
 * hook, a stand-in account service, and a build folder made for the test.
 */
import { mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthService } from '../auth/auth-service.js';
import { registerAuthHook } from './auth-hook.js';
import { registerErrorBoundary } from './error-boundary.js';
import { registerSecurityHeaders } from './hardening.js';
import { registerWebUi } from './web-ui.js';
import { createInMemoryWindowLimiter } from '../limits/window-limiter.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function buildDist(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sutazai-web-dist-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>');
  writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), `console.info(${JSON.stringify('x'.repeat(5000))});`);
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(path.join(dir, '.env'), 'SECRET=1');
  writeFileSync(path.join(tmpdir(), 'sutazai-outside.txt'), 'OUTSIDE-CONTENT');
  symlinkSync(path.join(tmpdir(), 'sutazai-outside.txt'), path.join(dir, 'outside.txt'));
  return dir;
}

async function build(distDir: string, options: { authEnabled?: boolean } = {}): Promise<FastifyInstance> {
  const server = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
  registerErrorBoundary(server);
  registerSecurityHeaders(server, { corsOrigins: [] });
  const auth = { authenticate: async (secret: string) => (secret === 'good' ? { userId: 'u1', role: 'user', email: null, name: 'U', credential: { kind: 'session', id: 's1' } } : undefined) } as unknown as AuthService;
  registerAuthHook(server, { auth, limiter: createInMemoryWindowLimiter(), authEnabled: options.authEnabled ?? true, ratePerMinute: 1000 });
  server.get('/api/v1/agents/', async () => [{ id: 'default' }]);
  server.get('/health', { config: { public: true } }, async () => ({ status: 'healthy', app: 'SutazAI Platform API' }));
  registerWebUi(server, { distDir });
  await server.ready();
  app = server;
  return server;
}

const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const signedIn = { authorization: 'Bearer good' };

describe('serving the web UI', () => {
  it('serves index.html at / without sign-in, revalidated every time, under the CSP', async () => {
    const server = await build(buildDist());
    const response = await server.inject({ method: 'GET', url: '/', headers: html });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.body).toContain('<div id="root">');
    expect((await server.inject({ method: 'GET', url: '/' })).headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('serves hashed assets with a year of caching, gzipped when asked, and 304 on a matching ETag', async () => {
    const server = await build(buildDist());
    const plain = await server.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const zipped = await server.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(plain.body);
    const again = await server.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'if-none-match': String(plain.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect((await server.inject({ method: 'HEAD', url: '/favicon.svg' })).statusCode).toBe(200);
  });

  it('answers the app routes a browser navigates to with index.html (SPA fallback)', async () => {
    const server = await build(buildDist());
    for (const url of ['/c/some-conversation', '/status', '/settings?x=1']) {
      const response = await server.inject({ method: 'GET', url, headers: html });
      expect(response.statusCode, url).toBe(200);
      expect(response.body).toContain('<div id="root">');
    }
  });

  it('keeps the JSON 404 for API paths and for requests that are not for a page', async () => {
    const server = await build(buildDist());
    for (const url of ['/api/v1/nothing-here', '/v1/nothing', '/health/nothing', '/api']) {
      const response = await server.inject({ method: 'GET', url, headers: { ...html, ...signedIn } });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code).toBe('ROUTE_NOT_FOUND');
    }
    const script = await server.inject({ method: 'GET', url: '/assets/missing.js', headers: { accept: '*/*', ...signedIn } });
    expect(script.statusCode).toBe(404);
    expect(script.json().error.code).toBe('ROUTE_NOT_FOUND');
    // The API routes themselves are untouched.
    expect((await server.inject({ method: 'GET', url: '/api/v1/agents/', headers: signedIn })).json()).toEqual([{ id: 'default' }]);
    expect((await server.inject({ method: 'GET', url: '/health' })).json().app).toBe('SutazAI Platform API');
  });

  it('still asks an anonymous caller of an unknown API path to sign in, as before', async () => {
    const server = await build(buildDist());
    const anonymous = await server.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('UNAUTHENTICATED');
    const singleUser = await build(buildDist(), { authEnabled: false });
    expect((await singleUser.inject({ method: 'GET', url: '/api/v1/nothing-here' })).statusCode).toBe(404);
  });

  it('serves only what the build wrote: no dot files, no links out, no traversal', async () => {
    const server = await build(buildDist());
    for (const url of ['/.env', '/outside.txt', '/../../../../etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/%E0%A4%A']) {
      const response = await server.inject({ method: 'GET', url, headers: { accept: '*/*', ...signedIn } });
      // 404, or Fastify's own 400 for a path that is not valid percent-encoding.
      expect([400, 404], url).toContain(response.statusCode);
      expect(response.body).not.toContain('SECRET');
      expect(response.body).not.toContain('OUTSIDE-CONTENT');
      expect(response.body).not.toContain('root:');
    }
  });

  it('picks up a rebuild while it runs: a new index.html and new assets', async () => {
    const dist = buildDist();
    const server = await build(dist);
    writeFileSync(path.join(dist, 'assets', 'chunk-new456.js'), 'console.info("new chunk");');
    const chunk = await server.inject({ method: 'GET', url: '/assets/chunk-new456.js' });
    expect(chunk.statusCode).toBe(200);
    expect(chunk.body).toContain('new chunk');
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><html><body><div id="root"></div>rebuilt</body></html>');
    utimesSync(path.join(dist, 'index.html'), new Date(), new Date(Date.now() + 5000));
    expect((await server.inject({ method: 'GET', url: '/c/x', headers: html })).body).toContain('rebuilt');
  });

  it('says the UI is not built, with 503, when the build folder is missing', async () => {
    const server = await build(path.join(tmpdir(), 'sutazai-no-such-dist'));
    const page = await server.inject({ method: 'GET', url: '/', headers: html });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('the web UI is not built: run npm run build'.replace(/^t/, 'T'));
    const api = await server.inject({ method: 'GET', url: '/' });
    expect(api.statusCode).toBe(503);
    expect(api.json().error).toMatchObject({ code: 'WEB_UI_NOT_BUILT', message: 'The web UI is not built: run npm run build.' });
  });
});
