/**
 * A minimal, fast OpenAI-compatible model server for benchmarks: `GET /v1/models` and
 * `POST /v1/chat/completions` (streamed as `chat.completion.chunk` SSE, or whole). It emits
 * a fixed, known token sequence at a fixed cadence so a client can check that every token
 * arrived, in order, and time what a proxy in between adds.
 *
 * Token i is due at `start + (i + 1) * intervalMs` (drift-free: a late timer does not delay
 * the tokens after it), so the ideal stream lasts `tokens * intervalMs`.
 *
 * Run alone: `node bench/token-server.mjs [--port 0] [--tokens 64] [--interval-ms 10]`;
 * it prints one JSON line `{"url": ..., "baseURL": ...}` when listening.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

export const BENCH_MODEL = 'bench-model';

/**
 * Token `index` of every reply. Mostly ASCII words, with multi-byte UTF-8, JSON escapes and
 * a newline mixed in, so a proxy that splits characters or mangles escaping loses text.
 */
export function benchToken(index) {
  if (index % 16 === 7) return ` caf\u00e9-${index}`;
  if (index % 16 === 11) return ` \u65e5\u672c${index}\u{1F642}`;
  if (index % 16 === 13) return ` "q${index}"\\`;
  if (index % 32 === 31) return `\n${index}.`;
  return ` w${index}`;
}

/** The tokens of a reply of `count` tokens, in order. */
export function benchTokens(count) {
  return Array.from({ length: count }, (_, index) => benchToken(index));
}

/**
 * Starts the server on 127.0.0.1. `tokens` and `intervalMs` are the defaults of every
 * reply; a request's `max_tokens` shortens it (finish_reason "length").
 */
export async function startTokenServer({ port = 0, host = '127.0.0.1', tokens = 64, intervalMs = 10 } = {}) {
  const server = http.createServer((request, response) => {
    handle(request, response, { tokens, intervalMs }).catch((error) => {
      if (!response.headersSent) sendJson(response, 500, openAIError(String(error?.message ?? error), 'server_error'));
      else response.destroy();
    });
  });
  // Longer than any client's idle timeout, so a pooled connection is never closed under a request.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const url = `http://${host}:${address.port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function handle(request, response, defaults) {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method === 'GET' && path === '/v1/models') {
    return sendJson(response, 200, {
      object: 'list',
      data: [{ id: BENCH_MODEL, object: 'model', created: 1_700_000_000, owned_by: 'bench' }],
    });
  }
  if (request.method !== 'POST' || path !== '/v1/chat/completions') {
    return sendJson(response, 404, openAIError(`Unknown route ${request.method} ${path}`, 'invalid_request_error', 'not_found'));
  }
  let body;
  try {
    body = JSON.parse(await readBody(request));
  } catch {
    return sendJson(response, 400, openAIError('The body is not valid JSON.', 'invalid_request_error'));
  }
  if (body === null || typeof body !== 'object' || !Array.isArray(body.messages)) {
    return sendJson(response, 400, openAIError('`messages` is required.', 'invalid_request_error'));
  }
  if (body.model !== BENCH_MODEL) {
    return sendJson(response, 404, openAIError(`The model \`${body.model}\` does not exist.`, 'invalid_request_error', 'model_not_found'));
  }
  const limit = Number.isInteger(body.max_tokens) && body.max_tokens > 0 ? body.max_tokens : undefined;
  const count = limit === undefined ? defaults.tokens : Math.min(limit, defaults.tokens);
  const finishReason = limit !== undefined && limit < defaults.tokens ? 'length' : 'stop';
  const usage = { prompt_tokens: promptTokens(body.messages), completion_tokens: count, total_tokens: 0 };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  const tokens = benchTokens(count);
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);

  if (body.stream !== true) {
    await waitUntil(performance.now() + count * defaults.intervalMs);
    return sendJson(response, 200, {
      id, object: 'chat.completion', created, model: BENCH_MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: tokens.join(''), refusal: null }, logprobs: null, finish_reason: finishReason }],
      usage,
    });
  }

  const includeUsage = body.stream_options?.include_usage === true;
  const chunk = (choices, extra = {}) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: BENCH_MODEL, system_fingerprint: null, choices, ...extra })}\n\n`;
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  response.write(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }], includeUsage ? { usage: null } : {}));

  const start = performance.now();
  let gone = false;
  response.once('close', () => {
    gone = true;
  });
  for (let index = 0; index < count; index++) {
    await waitUntil(start + (index + 1) * defaults.intervalMs);
    if (gone) return;
    response.write(chunk([{ index: 0, delta: { content: tokens[index] }, logprobs: null, finish_reason: null }], includeUsage ? { usage: null } : {}));
  }
  let tail = chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }], includeUsage ? { usage: null } : {});
  if (includeUsage) tail += chunk([], { usage });
  response.end(`${tail}data: [DONE]\n\n`);
}

function waitUntil(deadline) {
  const delay = deadline - performance.now();
  return delay <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, delay));
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const parts = [];
    request.on('data', (part) => parts.push(part));
    request.once('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    request.once('error', reject);
  });
}

/** A rough count (words) so usage.prompt_tokens is plausible; benchmarks only check completion tokens. */
function promptTokens(messages) {
  return messages.reduce((sum, message) => sum + String(message?.content ?? '').split(/\s+/).filter(Boolean).length, 0);
}

export function sendJson(response, status, body) {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export function openAIError(message, type, code = null) {
  return { error: { message, type, param: null, code } };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      tokens: { type: 'string', default: '64' },
      'interval-ms': { type: 'string', default: '10' },
    },
  });
  const server = await startTokenServer({ port: Number(values.port), tokens: Number(values.tokens), intervalMs: Number(values['interval-ms']) });
  process.stdout.write(`${JSON.stringify({ url: server.url, baseURL: server.baseURL })}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
