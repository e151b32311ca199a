import { describe, expect, it } from 'vitest';
import { useGuardTestScope } from '../../net/test-support/guard-test-scope.js';
import { htmlToText } from './html-to-text.js';
import { createHttpFetchTool } from './http-fetch.js';

const { serve, guarded } = useGuardTestScope();
const context = () => ({ ownerId: 'u1', signal: new AbortController().signal });

const page = `<!doctype html><html><head><title>The &amp; Page</title><style>body{color:red}</style>
<script>alert("no")</script></head><body><h1>Heading</h1><p>First  paragraph with <b>bold</b> text.</p>
<!-- a comment --><ul><li>one</li><li>two</li></ul><p>caf&eacute; &#233; &#x41; &lt;tag&gt;</p></body></html>`;

describe('http_fetch tool', () => {
  it('returns status, content type and the text of an HTML page', async () => {
    const server = await serve((_, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(page);
    });
    const tool = createHttpFetchTool({ fetch: guarded({ allowLoopback: true }), maxBytes: 100_000, timeoutMs: 5000 });
    const result = await tool.execute({ url: `${server.origin}/page` }, context());
    expect(result.isError).toBeFalsy();
    expect(result.content).toBe([
      `URL: ${server.origin}/page`, 'Status: 200 OK', 'Content-Type: text/html; charset=utf-8', 'Title: The & Page', '',
      'Heading', 'First paragraph with bold text.', '- one', '- two', 'caf&eacute; é A <tag>',
    ].join('\n'));
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/page' });
  });

  it('returns plain text and JSON as they are, truncated with a marker', async () => {
    const server = await serve((request, response) => {
      response.writeHead(200, { 'content-type': request.path === '/json' ? 'application/json' : 'text/plain' });
      response.end(request.path === '/json' ? '{"a":1}' : 'x'.repeat(500));
    });
    const tool = createHttpFetchTool({ fetch: guarded({ allowLoopback: true }), maxBytes: 100_000, timeoutMs: 5000 });
    expect((await tool.execute({ url: `${server.origin}/json` }, context())).content).toMatch(/Content-Type: application\/json\n\n\{"a":1\}$/);
    const long = await tool.execute({ url: `${server.origin}/long`, max_chars: 100 }, context());
    expect(long.content).toMatch(new RegExp(`\\n\\nx{100}\\n\\[truncated: showing the first 100 of 500 characters\\]$`));
  });

  it('reports an error status as an error result with the body', async () => {
    const server = await serve((_, response) => {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('no such page');
    });
    const tool = createHttpFetchTool({ fetch: guarded({ allowLoopback: true }), maxBytes: 100_000, timeoutMs: 5000 });
    expect(await tool.execute({ url: `${server.origin}/missing` }, context())).toEqual({ isError: true, content: expect.stringMatching(/Status: 404 Not Found[\s\S]*no such page$/) });
  });

  it('does not show binary content', async () => {
    const server = await serve((_, response) => {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]));
    });
    const tool = createHttpFetchTool({ fetch: guarded({ allowLoopback: true }), maxBytes: 100_000, timeoutMs: 5000 });
    expect((await tool.execute({ url: server.origin }, context())).content).toMatch(/\[binary content, 7 bytes: http_fetch shows text only\]$/);
  });

  it('refuses answers larger than the byte limit', async () => {
    const server = await serve((_, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      // Written in pieces without a Content-Length, so the limit is found while reading.
      for (let i = 0; i < 10; i++) response.write('y'.repeat(1000));
      response.end();
    });
    const tool = createHttpFetchTool({ fetch: guarded({ allowLoopback: true }), maxBytes: 2000, timeoutMs: 5000 });
    expect(await tool.execute({ url: server.origin }, context())).toEqual({ isError: true, content: expect.stringMatching(/larger than the limit of 2000 bytes.*HTTP_FETCH_MAX_BYTES/) });
  });

  it('gives up on a server that stalls after the headers', async () => {
    const server = await serve((_, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('partial');
    });
    const tool = createHttpFetchTool({ fetch: guarded({ allowLoopback: true }), maxBytes: 100_000, timeoutMs: 300 });
    const started = Date.now();
    expect(await tool.execute({ url: server.origin }, context())).toEqual({ isError: true, content: expect.stringMatching(/did not answer completely within 300 ms/) });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('stops when the run is stopped', async () => {
    const server = await serve(() => new Promise(() => undefined));
    const tool = createHttpFetchTool({ fetch: guarded({ allowLoopback: true }), maxBytes: 100_000, timeoutMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    expect(await tool.execute({ url: server.origin }, { ownerId: 'u1', signal: controller.signal })).toEqual({ isError: true, content: expect.stringMatching(/was stopped/) });
  });

  it('refuses a loopback URL under the default outbound policy, sending nothing', async () => {
    const server = await serve();
    const tool = createHttpFetchTool({ fetch: guarded(), maxBytes: 100_000, timeoutMs: 5000 });
    const result = await tool.execute({ url: `${server.origin}/secret` }, context());
    expect(result).toEqual({ isError: true, content: expect.stringMatching(/Refused an outbound request.*loopback.*OUTBOUND_ALLOW/) });
    expect(await tool.execute({ url: 'http://169.254.169.254/latest/meta-data/' }, context())).toMatchObject({ isError: true, content: expect.stringMatching(/Refused/) });
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a redirect to a loopback address', async () => {
    const target = await serve();
    const redirector = await serve((_, response) => {
      response.writeHead(302, { location: `${target.origin}/secret` });
      response.end();
    });
    // The redirector itself is allowed by name; where it points is not.
    const tool = createHttpFetchTool({ fetch: guarded({ allowHosts: [`127.0.0.1:${redirector.port}`] }), maxBytes: 100_000, timeoutMs: 5000 });
    expect(await tool.execute({ url: redirector.origin }, context())).toMatchObject({ isError: true, content: expect.stringMatching(/Refused/) });
    expect(target.requests).toHaveLength(0);
  });

  it('checks its arguments and the URL', async () => {
    const tool = createHttpFetchTool({ fetch: guarded(), maxBytes: 1000, timeoutMs: 1000 });
    expect(await tool.execute({ url: 'not a url' }, context())).toMatchObject({ isError: true, content: expect.stringMatching(/is not a URL/) });
    expect(await tool.execute({ url: 'file:///etc/passwd' }, context())).toMatchObject({ isError: true, content: 'Only http:// and https:// URLs can be fetched, not file:.' });
    expect(await tool.execute({ url: 'ftp://example.com/' }, context())).toMatchObject({ isError: true });
    expect(await tool.execute({ url: 'https://example.com', method: 'POST' }, context())).toMatchObject({ isError: true, content: expect.stringMatching(/Unknown argument "method"/) });
    expect(await tool.execute({ url: 'https://example.com', max_chars: 5 }, context())).toMatchObject({ isError: true, content: expect.stringMatching(/at least 100/) });
    expect(await tool.execute({}, context())).toMatchObject({ isError: true, content: expect.stringMatching(/Missing the argument "url"/) });
  });
});

describe('HTML to text', () => {
  it('takes the title and drops hidden elements, also unclosed ones', () => {
    expect(htmlToText('<title>T</title><p>a</p><script>never')).toEqual({ title: 'T', text: 'a' });
    expect(htmlToText('<p>x<style>.a{}</style>y</p><template><p>no</p></template>')).toEqual({ title: undefined, text: 'xy' });
  });

  it('keeps a lone < and unknown entities as text', () => {
    expect(htmlToText('1 < 2 &bogus; &#0; &#xD800;').text).toBe('1 < 2 &bogus; \uFFFD \uFFFD');
  });

  it('handles many unclosed tags in linear time', () => {
    const hostile = '<script>'.repeat(100_000) + '<!--'.repeat(100_000) + '<a'.repeat(100_000);
    const started = performance.now();
    htmlToText(hostile);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
