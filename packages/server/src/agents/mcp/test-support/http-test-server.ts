/**
 * The test MCP server over Streamable HTTP, in this process on 127.0.0.1: one session per
 * client, as real servers keep them, so a restart makes old sessions unknown (404).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createTestMcpServer } from './test-mcp-server.mjs';

export interface HttpTestMcpServer {
  url: string;
  port: number;
  /** Requests seen, with their headers, in order. */
  requests: { method: string; headers: IncomingMessage['headers'] }[];
  /** Stops listening and drops every session (the server "dies"). */
  stop(): Promise<void>;
  /** Listens again on the same port with no sessions (it "restarted"). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startHttpTestMcpServer(port = 0): Promise<HttpTestMcpServer> {
  let sessions = new Map<string, StreamableHTTPServerTransport>();
  const requests: HttpTestMcpServer['requests'] = [];
  let server: Server | undefined;

  const listen = async (onPort: number) => {
    const current = createServer((request, response) => {
      requests.push({ method: request.method ?? 'GET', headers: request.headers });
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of request) chunks.push(chunk as Buffer);
        const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
        const sessionId = request.headers['mcp-session-id'];
        let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
        if (!transport && request.method === 'POST' && sessionId === undefined && isInitializeRequest(body)) {
          const own = sessions;
          const created = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => void own.set(id, created) });
          await createTestMcpServer().server.connect(created);
          transport = created;
        }
        if (!transport) {
          response.writeHead(sessionId === undefined ? 400 : 404, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
          return;
        }
        await transport.handleRequest(request, response, body);
      })().catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500);
        response.end(String(error));
      });
    });
    await new Promise<void>((resolve) => current.listen(onPort, '127.0.0.1', resolve));
    server = current;
    return (current.address() as AddressInfo).port;
  };

  const stop = async () => {
    const current = server;
    server = undefined;
    const dropped = [...sessions.values()];
    sessions = new Map();
    await Promise.all(dropped.map((transport) => transport.close().catch(() => undefined)));
    if (!current) return;
    current.closeAllConnections();
    await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  const bound = await listen(port);
  return {
    url: `http://127.0.0.1:${bound}/mcp`,
    port: bound,
    requests,
    stop,
    restart: async () => {
      await listen(bound);
    },
    close: stop,
  };
}
