/**
 * A scripted stand-in for the SutazAI API in component tests: routes answer like the real
 * server (its JSON error shape, server-sent events), and every request is recorded.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON, or the FormData of a multipart upload. */
  body: unknown;
}

export type Handler = (request: RecordedRequest, signal: AbortSignal | undefined) => Response | Promise<Response>;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

export function apiError(status: number, code: string, message: string, hint?: string): Response {
  return json({ error: { code, message, hint, type: 'invalid_request_error', retryable: false, request_id: 'req-test' } }, status);
}

/** An SSE response whose events the test pushes one at a time. */
export function eventStream(signal?: AbortSignal) {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let sequence = 0;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => { controller = c; } });
  signal?.addEventListener('abort', () => {
    if (!closed) {
      closed = true;
      controller.error(new DOMException('aborted', 'AbortError'));
    }
  });
  return {
    response: new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } }),
    send(event: string, data: Record<string, unknown>, messageId = 'msg-1') {
      if (closed) return;
      sequence++;
      controller.enqueue(encoder.encode(`id: ${messageId}:${sequence}:0\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
    },
    close() {
      if (closed) return;
      closed = true;
      controller.close();
    },
    fail(error: Error) {
      if (closed) return;
      closed = true;
      controller.error(error);
    },
  };
}

export function createFakeApi(routes: Record<string, Handler>) {
  const requests: RecordedRequest[] = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'http://sutazai.test');
    const method = (init.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key.toLowerCase()] = value;
    });
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : init.body instanceof FormData ? init.body : undefined;
    const request: RecordedRequest = { method, path: url.pathname + url.search, headers, body };
    requests.push(request);
    const handler = routes[`${method} ${url.pathname}`] ?? routes[`${method} ${url.pathname}${url.search}`];
    if (!handler) return apiError(404, 'ROUTE_NOT_FOUND', `There is no route ${method} ${url.pathname}.`);
    return handler(request, init.signal ?? undefined);
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

export const healthyReport = {
  status: 'healthy',
  healthy_count: 2,
  total_services: 2,
  services: [
    { name: 'database', kind: 'sqlite', status: 'healthy', required: true, latency_ms: 0.4, detail: 'SQLite answers', hint: null },
    { name: 'llama-cpp', kind: 'llama-cpp', status: 'healthy', required: false, latency_ms: 1.2, detail: '1 model', hint: null },
  ],
};

export const user = { id: 'u1', email: 'me@example.com', name: 'Me', role: 'admin' as const, disabled: false, created_at: '2025-01-01T00:00:00.000Z' };

export const modelsResponse = {
  models: ['stories260K'],
  count: 1,
  default_model: 'stories260K',
  detailed: [{ name: 'stories260K', provider: 'llama-cpp', provider_kind: 'llama-cpp', available: true, capabilities: { chat: true, streaming: true, tool_calls: false, embeddings: false, model_pull: false } }],
};

export const agentsResponse = [{ id: 'default', name: 'JARVIS', description: 'The built-in assistant', status: 'active', capabilities: ['chat'], model: null, builtin: true }];
