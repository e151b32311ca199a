import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundRequestBlockedError } from '../outbound-request-blocked-error.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface LocalHttpServer {
  host: string;
  port: number;
  /** `http://host:port` */
  origin: string;
  /** Every request that reached the server, in order; how a test proves a refusal sent nothing. */
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

export type Handler = (request: ReceivedRequest, response: ServerResponse, incoming: IncomingMessage) => unknown;

/** A real HTTP server on a loopback address (127.0.0.1 unless told) and a free port. */
export async function startLocalHttpServer(handler: Handler, host = '127.0.0.1'): Promise<LocalHttpServer> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const request: ReceivedRequest = {
        method: incoming.method ?? 'GET',
        path: incoming.url ?? '/',
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      Promise.resolve(handler(request, response, incoming)).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500);
        response.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host,
    port,
    origin: `http://${host}:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers every request with 200 and `ok <path>`. */
export const answerOk: Handler = (request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end(`ok ${request.path}`);
};

/** A port on 127.0.0.1 nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = await startLocalHttpServer(answerOk);
  await server.close();
  return server.port;
}

/** The refusal a guarded request ended with; fails the test when it was answered or failed otherwise. */
export async function refusalOf(work: Promise<unknown>): Promise<OutboundRequestBlockedError> {
  const outcome = await work.then(
    (value) => value,
    (error: unknown) => error,
  );
  if (outcome instanceof OutboundRequestBlockedError) return outcome;
  throw new Error(`expected an OutboundRequestBlockedError, got ${outcome instanceof Response ? `HTTP ${outcome.status}` : String(outcome)}`);
}
