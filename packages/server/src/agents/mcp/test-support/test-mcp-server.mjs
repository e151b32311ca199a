/**
 * The MCP server the MCP tests talk to, built with the official SDK's McpServer: the same
 * tools over stdio (stdio-test-server.mjs, spawned with node) and Streamable HTTP
 * (http-test-server.ts, in-process). Plain JavaScript so node can run it without a loader.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

const text = (value) => ({ content: [{ type: 'text', text: String(value) }] });

/** @returns {{ server: McpServer, state: { cancelled: number } }} */
export function createTestMcpServer() {
  const server = new McpServer({ name: 'sutazai-test-server', version: '1.0.0' });
  const state = { cancelled: 0 };

  server.registerTool('echo', { description: 'Returns the text it is given.', inputSchema: { text: z.string() } }, async ({ text: given }) => text(given));
  server.registerTool('add', { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => text(a + b));
  server.registerTool('fail', { description: 'Always fails, as a tool error.' }, async () => ({ isError: true, content: [{ type: 'text', text: 'the tool failed on purpose' }] }));
  server.registerTool('throw', { description: 'Throws inside the handler.' }, async () => {
    throw new Error('thrown on purpose');
  });
  server.registerTool('slow', { description: 'Waits, then answers; stops early when cancelled.', inputSchema: { ms: z.number() } }, async ({ ms }, extra) => {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      extra.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        state.cancelled++;
        resolve(undefined);
      }, { once: true });
    });
    return text(`waited ${ms} ms`);
  });
  server.registerTool('cancelled', { description: 'How many slow calls were cancelled.' }, async () => text(state.cancelled));
  server.registerTool('env_var', { description: 'One environment variable of the server process.', inputSchema: { name: z.string() } }, async ({ name }) => text(process.env[name] ?? 'unset'));
  server.registerTool('pid', { description: 'The process id of the server.' }, async () => text(process.pid));
  server.registerTool('picture', { description: 'Returns text and an image.' }, async () => ({
    content: [{ type: 'text', text: 'a picture:' }, { type: 'image', mimeType: 'image/png', data: Buffer.from('png-bytes').toString('base64') }],
  }));
  server.registerTool('dotted.name', { description: 'A name models do not accept as it is.' }, async () => text('dotted'));
  return { server, state };
}
