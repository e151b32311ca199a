import { describe, expect, it } from 'vitest';
import { OutboundResponseTooLargeError, readLimitedBody } from './read-limited-body.js';
import { useGuardTestScope } from './test-support/guard-test-scope.js';

const { serve, guarded } = useGuardTestScope();

describe('readLimitedBody', () => {
  it('returns a body within the limit whole', async () => {
    const server = await serve((_, response) => {
      response.end('x'.repeat(100));
    });
    const response = await guarded({ allowLoopback: true })(`${server.origin}/`);
    expect((await readLimitedBody(response, 100)).byteLength).toBe(100);
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    const server = await serve((_, response) => {
      response.writeHead(200, { 'content-length': '1000' });
      response.end('y'.repeat(1000));
    });
    const response = await guarded({ allowLoopback: true })(`${server.origin}/big?token=secret`);
    const error: unknown = await readLimitedBody(response, 999).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OutboundResponseTooLargeError);
    expect((error as Error).message).toBe(`The answer of ${server.origin}/big is larger than the limit of 999 bytes.`);
  });

  it('stops reading an undeclared body as soon as it passes the limit, and cuts the connection', async () => {
    let closed = (): void => undefined;
    const serverSawClose = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const server = await serve((_, response) => {
      response.writeHead(200); // chunked, no length
      response.write('z'.repeat(64 * 1024));
      const timer = setInterval(() => response.write('z'.repeat(64 * 1024)), 5);
      response.on('close', () => {
        clearInterval(timer);
        closed();
      });
    });
    const response = await guarded({ allowLoopback: true })(`${server.origin}/endless`);
    await expect(readLimitedBody(response, 200 * 1024)).rejects.toBeInstanceOf(OutboundResponseTooLargeError);
    await serverSawClose;
  });
});
