// @vitest-environment node
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { backendUrl, checkBackend, DEFAULT_BACKEND_URL } from './backend-check.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

function serve(status: number, body: string): Promise<string> {
  server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body);
  });
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}`)));
}

describe('the BACKEND_URL check of the dev server', () => {
  it('uses the local API unless BACKEND_URL is given', () => {
    expect(backendUrl({})).toEqual({ url: DEFAULT_BACKEND_URL, given: false });
    expect(backendUrl({ BACKEND_URL: 'http://10.0.0.5:10200/' })).toEqual({ url: 'http://10.0.0.5:10200', given: true });
  });

  it('accepts a server that answers /health as SutazAI', async () => {
    const url = await serve(200, JSON.stringify({ status: 'healthy', app: 'SutazAI Platform API' }));
    await expect(checkBackend(url)).resolves.toBeUndefined();
  });

  it('refuses another server, saying what it answered', async () => {
    const url = await serve(200, JSON.stringify({ status: 'ok' }));
    await expect(checkBackend(url)).rejects.toThrow(/is not a SutazAI API: GET .*\/health answered 200 .*status.*ok/);
  });

  it('refuses an address where nothing answers, saying how to fix it', async () => {
    const url = await serve(200, '{}');
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await expect(checkBackend(url)).rejects.toThrow(/does not answer: GET .*\/health failed .*Start the API \(npm start\) or correct BACKEND_URL/);
  });

  it('refuses something that is not an http URL', async () => {
    await expect(checkBackend('localhost:10200')).rejects.toThrow(/must start with http/);
    await expect(checkBackend('not a url')).rejects.toThrow(/is not a URL/);
  });
});
