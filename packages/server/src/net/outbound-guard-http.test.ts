import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { takeNodeBody } from './outbound-guard.js';
import { useGuardTestScope } from './test-support/guard-test-scope.js';

const { serve, guarded } = useGuardTestScope();

/** The guarded fetch is a drop-in for the global one: these are fetch behaviours callers rely on. */
describe('guarded fetch: behaves like fetch', () => {
  it('sends method, headers and body, and returns status, headers and body', async () => {
    const server = await serve((request, response) => {
      response.writeHead(201, 'Made', [
        ['content-type', 'application/json'],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ]);
      response.end(JSON.stringify({ echoed: JSON.parse(request.body) as unknown }));
    });
    const response = await guarded({ allowLoopback: true })(new URL(`${server.origin}/v1/things`), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: JSON.stringify({ name: 'x' }),
    });
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Made');
    expect(response.ok).toBe(true);
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ echoed: { name: 'x' } });
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/v1/things', headers: { authorization: 'Bearer k', 'content-length': '12' } });
  });

  it('accepts a Request as input', async () => {
    const server = await serve();
    const response = await guarded({ allowLoopback: true })(new Request(`${server.origin}/from-request`, { method: 'PUT', body: 'data' }));
    expect(await response.text()).toBe('ok /from-request');
    expect(server.requests[0]).toMatchObject({ method: 'PUT', body: 'data' });
  });

  it('streams the answer as it arrives instead of buffering it', async () => {
    let sendRest = (): void => undefined;
    const restRequested = new Promise<void>((resolve) => {
      sendRest = resolve;
    });
    const server = await serve(async (_, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: first\n\n');
      await restRequested;
      response.end('data: second\n\n');
    });
    const response = await guarded({ allowLoopback: true })(`${server.origin}/stream`);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');
    sendRest();
    const rest: string[] = [];
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest.push(new TextDecoder().decode(chunk.value));
    expect(rest.join('')).toBe('data: second\n\n');
  });

  it('decodes a gzip-encoded answer', async () => {
    const server = await serve((_, response) => {
      response.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' });
      response.end(gzipSync('hello, compressed world'));
    });
    const response = await guarded({ allowLoopback: true })(`${server.origin}/`, { headers: { 'accept-encoding': 'gzip' } });
    expect(await response.text()).toBe('hello, compressed world');
  });

  it('gives HEAD and 204 answers no body', async () => {
    const server = await serve((request, response) => {
      response.writeHead(request.path === '/empty' ? 204 : 200, { 'content-type': 'text/plain' });
      response.end(request.method === 'HEAD' || request.path === '/empty' ? undefined : 'body');
    });
    const guardedFetch = guarded({ allowLoopback: true });
    const head = await guardedFetch(`${server.origin}/`, { method: 'HEAD' });
    const empty = await guardedFetch(`${server.origin}/empty`);
    expect([head.status, head.body, empty.status, empty.body]).toEqual([200, null, 204, null]);
  });

  it('keeps the connection alive between requests', async () => {
    const ports: number[] = [];
    const server = await serve((_, response, incoming) => {
      ports.push(incoming.socket.remotePort ?? 0);
      response.end('ok');
    });
    const guardedFetch = guarded({ allowLoopback: true });
    await (await guardedFetch(`${server.origin}/1`)).text();
    await (await guardedFetch(`${server.origin}/2`)).text();
    expect(ports).toHaveLength(2);
    expect(ports[1]).toBe(ports[0]);
  });

  it('rejects with the abort reason when aborted before the answer', async () => {
    const server = await serve(() => undefined); // never answers
    const controller = new AbortController();
    const pending = guarded({ allowLoopback: true })(`${server.origin}/`, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('caller gave up')), 50);
    await expect(pending).rejects.toThrow('caller gave up');
  });

  it('fails the body and frees the connection when aborted mid-answer', async () => {
    let disconnected = (): void => undefined;
    const serverSawDisconnect = new Promise<void>((resolve) => {
      disconnected = resolve;
    });
    const server = await serve((_, response) => {
      response.writeHead(200);
      response.write('partial');
      response.on('close', disconnected);
    });
    const controller = new AbortController();
    const response = await guarded({ allowLoopback: true })(`${server.origin}/`, { signal: controller.signal });
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    await reader.read();
    controller.abort();
    await expect(reader.read()).rejects.toBeDefined();
    await serverSawDisconnect;
  });

  it('prepares a call without a Request object as a Request would', async () => {
    const server = await serve();
    const guardedFetch = guarded({ allowLoopback: true });
    await (await guardedFetch(`${server.origin}/text`, { method: 'post', body: 'héllo' })).text();
    expect(server.requests[0]).toMatchObject({ method: 'POST', body: 'héllo', headers: { 'content-type': 'text/plain;charset=UTF-8', 'content-length': '6' } });
    await (await guardedFetch(`${server.origin}/json`, { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } })).text();
    expect(server.requests[1]).toMatchObject({ method: 'PUT', headers: { 'content-type': 'application/json' } });
    for (const init of [{ method: 'GET', body: 'x' }, { method: 'CONNECT' }, { method: 'bad method' }, { headers: { 'bad name': 'x' } }]) {
      const expected = await fetch(`${server.origin}/`, init).then(() => 'sent', (error: unknown) => (error as Error).name);
      expect(await guardedFetch(`${server.origin}/`, init).then(() => 'sent', (error: unknown) => (error as Error).name), JSON.stringify(init)).toBe(expected);
    }
    expect(server.requests).toHaveLength(2);
    // A Request given as init carries its fields as getters: read like fetch reads them.
    await (await guardedFetch(`${server.origin}/as-init`, new Request(`${server.origin}/ignored`, { method: 'PUT', body: 'from request' }))).text();
    expect(server.requests[2]).toMatchObject({ method: 'PUT', path: '/as-init', body: 'from request' });
  });

  it('hands over the node stream of an unread body once, and never after the web body was read', async () => {
    const server = await serve();
    const guardedFetch = guarded({ allowLoopback: true });
    const fresh = await guardedFetch(`${server.origin}/node`);
    const stream = takeNodeBody(fresh);
    expect(stream).toBeDefined();
    expect(takeNodeBody(fresh)).toBeUndefined();
    let text = '';
    for await (const chunk of stream!) text += String(chunk);
    expect(text).toBe('ok /node');
    const read = await guardedFetch(`${server.origin}/web`);
    expect(await read.text()).toBe('ok /web');
    expect(takeNodeBody(read)).toBeUndefined();
    expect(takeNodeBody(await fetch(`${server.origin}/global`))).toBeUndefined();
  });
});
