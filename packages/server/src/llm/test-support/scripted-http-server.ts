import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest, TestEndpoint } from './test-server-script.js';

export interface ExchangeContext {
  request: RecordedRequest;
  response: ServerResponse;
  /** Marks a disconnect as the server's own doing (a scripted cut), not the client's. */
  cutByServer(): void;
  /** True once the connection is gone, for whatever reason. */
  isGone(): boolean;
}

export interface ScriptedHttpServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * The plumbing both protocol servers share: a real HTTP server on 127.0.0.1, request
 * recording, and telling a client's disconnect apart from a finished answer.
 */
export async function startScriptedHttpServer(
  classify: (method: string, path: string) => TestEndpoint,
  handle: (context: ExchangeContext) => Promise<void> | void,
): Promise<ScriptedHttpServer> {
  const requests: RecordedRequest[] = [];
  let closing = false;

  const server = createServer((incoming, response) => {
    void receive(incoming, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`test server failure: ${String(error)}`);
    });
  });

  async function receive(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = await readBody(incoming);
    let cut = false;
    let wasDisconnected = false;
    let markDisconnected = (): void => undefined;
    const disconnected = new Promise<void>((resolve) => {
      markDisconnected = resolve;
    });
    response.on('close', () => {
      if (response.writableFinished || cut || closing) return;
      wasDisconnected = true;
      markDisconnected();
    });
    const path = incoming.url ?? '/';
    const method = incoming.method ?? 'GET';
    const request: RecordedRequest = {
      method,
      path,
      endpoint: classify(method, path.split('?')[0] ?? path),
      headers: incoming.headers,
      body: parseBody(raw),
      disconnected,
      get wasDisconnected() {
        return wasDisconnected;
      },
    };
    requests.push(request);
    if (raw !== '' && request.body === undefined) {
      response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid JSON body' }));
      return;
    }
    await handle({
      request,
      response,
      cutByServer: () => {
        cut = true;
      },
      isGone: () => response.destroyed || response.writableEnded,
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      closing = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    incoming.on('error', reject);
  });
}

function parseBody(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** Returns a URL on which nothing listens: a port that was free a moment ago. */
export async function unreachableURL(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
