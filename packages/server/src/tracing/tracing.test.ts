/**
 * Traces as a receiver sees them: a real server (in process, listening) exports to a real
 * OTLP/HTTP receiver while a scripted OpenAI-compatible model server answers the chat turns.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../llm/test-support/openai-compatible-test-server.js';
import { unreachableURL } from '../llm/test-support/scripted-http-server.js';
import { requestMessages, type RecordedRequest, type ScriptedReply } from '../llm/test-support/test-server-script.js';
import { parseSse, startTestApp, until, type TestApp } from '../http/test-support/test-app.js';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './test-support/otlp-receiver.js';

const FAILING_MESSAGE = 'please fail';
const ADDITION = 'Add 19 and 23.';
const LONG_REPLY = 'Tell me a long story.';
const randomHex = (bytes: number) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');

function scriptedReply(request: RecordedRequest): ScriptedReply {
  const last = requestMessages(request).at(-1);
  // An upstream 500 before any token: the turn ends as an error, nothing delivered.
  if (last?.content === FAILING_MESSAGE) return { tokens: [], fault: { type: 'http-error', status: 500, message: 'the model crashed' } };
  // The math agent's run: a calculator call, then the answer from its result.
  if (last?.content === ADDITION) return { tokens: [], toolCalls: [{ name: 'calculator', arguments: { expression: '19 + 23' } }] };
  if (last?.role === 'tool') return { tokens: ['Total: 42'] };
  // Long enough for a client to leave in the middle.
  if (last?.content === LONG_REPLY) return { tokens: Array.from({ length: 500 }, (_, i) => `word${i} `), delayMs: 10 };
  return { tokens: ['Hello', ',', ' world'], delayMs: 2 };
}

async function streamChat(url: string, message: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/api/v1/chat/stream`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ message, model: 'scripted' }),
  });
  return { response, events: parseSse(await response.text()), requestId: response.headers.get('x-request-id') };
}

/** The trace's spans once every named one has arrived (they are exported in batches, in the background). */
function traceOf(receiver: OtlpReceiver, traceId: () => string | undefined, names: string[]): Promise<ReceivedSpan[]> {
  return until(
    async () => receiver.spans.filter((span) => span.traceId === traceId()),
    (spans) => names.every((name) => spans.some((span) => span.name === name)),
    20_000,
  );
}

const byName = (spans: ReceivedSpan[], name: string) => spans.find((span) => span.name === name)!;

describe('tracing with an OTLP endpoint', () => {
  let receiver: OtlpReceiver;
  let upstream: OpenAICompatibleTestServer;
  let t: TestApp;
  let url: string;
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    upstream = await startOpenAICompatibleTestServer({ models: ['scripted'], chat: scriptedReply });
    t = await startTestApp({
      env: {
        OPENAI_BASE_URL: upstream.baseURL, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '20',
        OTEL_SERVICE_NAME: 'sutazai-test', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test', OTEL_EXPORTER_OTLP_HEADERS: 'x-receiver-key=k%3D1',
      },
      logger: true,
      loggerStream: { write: (line) => logLines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    url = await t.listen();
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
    await receiver?.close();
  });

  it('exports the request, the chat turn and the model call as one trace under the caller\'s traceparent, and the model server joins it', async () => {
    const traceId = randomHex(16);
    const callerSpanId = randomHex(8);
    const { response, events, requestId } = await streamChat(url, 'Hi there', { traceparent: `00-${traceId}-${callerSpanId}-01` });
    expect(response.status).toBe(200);
    expect(events.at(-1)?.event).toBe('message-end');

    const spans = await traceOf(receiver, () => traceId, ['POST /api/v1/chat/stream', 'chat turn', 'chat scripted']);
    const request = byName(spans, 'POST /api/v1/chat/stream');
    const turn = byName(spans, 'chat turn');
    const modelCall = byName(spans, 'chat scripted');
    expect(request).toMatchObject({ kind: SPAN_KIND.server, parentSpanId: callerSpanId, status: { code: 0 } });
    expect(request.attributes).toMatchObject({
      'http.request.method': 'POST', 'http.route': '/api/v1/chat/stream', 'url.path': '/api/v1/chat/stream', 'http.response.status_code': 200, 'sutazai.request_id': requestId,
    });
    expect(turn).toMatchObject({ kind: SPAN_KIND.internal, parentSpanId: request.spanId });
    const messageId = events[0]!.data.message_id;
    expect(turn.attributes).toMatchObject({ 'sutazai.outcome': 'complete', 'sutazai.message_id': messageId, 'gen_ai.request.model': 'scripted', 'gen_ai.provider.name': 'openai' });
    expect(modelCall).toMatchObject({ kind: SPAN_KIND.client, parentSpanId: turn.spanId });
    expect(modelCall.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'scripted',
      'gen_ai.usage.output_tokens': 3, 'gen_ai.response.finish_reasons': ['stop'], 'sutazai.outcome': 'complete',
    });
    expect(modelCall.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(modelCall.attributes['sutazai.time_to_first_token_ms']).toBeGreaterThanOrEqual(0);
    expect(modelCall.events.map((event) => event.name)).toContain('first_token');
    // Neither the prompt nor the reply is in any span.
    expect(JSON.stringify(spans)).not.toMatch(/Hi there|Hello/);
    expect(request.resource).toMatchObject({ 'service.name': 'sutazai-test', 'deployment.environment.name': 'test' });
    expect(receiver.exports[0]).toMatchObject({ 'x-receiver-key': 'k=1' });

    // The model server was asked with this trace's context, naming the model-call span as the parent.
    const upstreamCall = upstream.requests.filter((r) => r.endpoint === 'chat').at(-1)!;
    expect(upstreamCall.headers.traceparent).toBe(`00-${traceId}-${modelCall.spanId}-01`);
  });

  it('marks a failed turn and its model call as errors with the catalogue code, without the upstream\'s message', async () => {
    const { events, requestId } = await streamChat(url, FAILING_MESSAGE);
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'PROVIDER_ERROR' } });
    const traceId = () => receiver.spans.find((span) => span.attributes['sutazai.request_id'] === requestId)?.traceId;
    const spans = await traceOf(receiver, traceId, ['POST /api/v1/chat/stream', 'chat turn', 'chat scripted']);
    for (const name of ['chat turn', 'chat scripted']) {
      expect(byName(spans, name), name).toMatchObject({ status: { code: 2, message: 'PROVIDER_ERROR' }, attributes: { 'error.type': 'PROVIDER_ERROR', 'sutazai.outcome': 'error' } });
    }
    // The stream itself was answered: the request is no server error.
    expect(byName(spans, 'POST /api/v1/chat/stream').status.code).toBe(0);
    expect(JSON.stringify(spans)).not.toContain('the model crashed');
  });

  it('ends every span of a turn whose client left mid-stream, the turn and its model call as interrupted', async () => {
    const traceId = randomHex(16);
    const controller = new AbortController();
    const response = await fetch(`${url}/api/v1/chat/stream`, {
      method: 'POST', headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${randomHex(8)}-01` },
      body: JSON.stringify({ message: LONG_REPLY, model: 'scripted' }), signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let received = '';
    while (!received.includes('text-delta')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before its first token: ${received}`);
      received += new TextDecoder().decode(value);
    }
    controller.abort();

    const spans = await traceOf(receiver, () => traceId, ['POST /api/v1/chat/stream', 'chat turn', 'chat scripted']);
    for (const name of ['chat turn', 'chat scripted']) {
      expect(byName(spans, name), name).toMatchObject({ status: { code: 0 }, attributes: { 'sutazai.outcome': 'interrupted', 'sutazai.outcome.code': 'GENERATION_STOPPED' } });
    }
    expect(byName(spans, 'POST /api/v1/chat/stream').attributes['http.response.status_code']).toBe(200);
  });

  it('records a refused request\'s code, starts a new trace without traceparent, and leaves liveness polls out', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const missing = await fetch(`${url}/api/v1/conversations/not-there`);
    expect(missing.status).toBe(404);
    const requestId = missing.headers.get('x-request-id');
    const [span] = await until(async () => receiver.spans.filter((s) => s.attributes['sutazai.request_id'] === requestId), (found) => found.length > 0);
    expect(span).toMatchObject({ name: 'GET /api/v1/conversations/:id', parentSpanId: '', status: { code: 0 }, attributes: { 'http.response.status_code': 404, 'sutazai.error_code': 'CONVERSATION_NOT_FOUND' } });
    expect(receiver.spans.some((s) => s.attributes['http.route'] === '/health')).toBe(false);
  });

  it('runs an agent run queued by a request in that request\'s trace: the job, its turn, both model calls and the tool call', async () => {
    const traceId = randomHex(16);
    const response = await fetch(`${url}/api/v1/agents/math/runs`, {
      method: 'POST', headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${randomHex(8)}-01` }, body: JSON.stringify({ input: ADDITION }),
    });
    expect(response.status).toBe(202);
    const spans = await traceOf(receiver, () => traceId, ['POST /api/v1/agents/:id/runs', 'process agent-run', 'chat turn', 'execute_tool calculator']);
    const request = byName(spans, 'POST /api/v1/agents/:id/runs');
    const job = byName(spans, 'process agent-run');
    const turn = byName(spans, 'chat turn');
    expect(job).toMatchObject({ kind: SPAN_KIND.consumer, parentSpanId: request.spanId, attributes: { 'messaging.destination.name': 'agent-run', 'sutazai.job.attempt': 1 } });
    expect(turn).toMatchObject({ parentSpanId: job.spanId, attributes: { 'sutazai.turn.background': true, 'gen_ai.agent.id': 'math' } });
    expect(byName(spans, 'execute_tool calculator')).toMatchObject({ parentSpanId: turn.spanId, status: { code: 0 }, attributes: { 'gen_ai.tool.name': 'calculator', 'sutazai.tool.source': 'builtin' } });
    const modelCalls = await until(async () => receiver.spans.filter((span) => span.traceId === traceId && span.name === 'chat scripted'), (calls) => calls.length === 2);
    expect(modelCalls.map((call) => [call.parentSpanId, call.attributes['gen_ai.response.finish_reasons']])).toEqual(expect.arrayContaining([[turn.spanId, ['tool-calls']], [turn.spanId, ['stop']]]));
    expect(JSON.stringify(spans)).not.toContain('19 + 23');
  });

  it('stamps the request\'s log lines with its trace and span', async () => {
    const traceId = randomHex(16);
    const { requestId } = await streamChat(url, 'Hi again', { traceparent: `00-${traceId}-${randomHex(8)}-01` });
    const spans = await traceOf(receiver, () => traceId, ['POST /api/v1/chat/stream']);
    // Fastify writes "incoming request" before the first hook, so before the span exists; its reqId joins it to the rest.
    const lines = logLines.filter((line) => line.reqId === requestId && line.msg !== 'incoming request');
    expect(lines.map((line) => line.msg)).toContain('request completed');
    for (const line of lines) expect(line).toMatchObject({ trace_id: traceId, span_id: byName(spans, 'POST /api/v1/chat/stream').spanId });
  });
});

describe('tracing with an endpoint that does not answer', () => {
  it('serves chat turns as usual and stops cleanly', async () => {
    const upstream = await startOpenAICompatibleTestServer({ models: ['scripted'] });
    const t = await startTestApp({ env: { OPENAI_BASE_URL: upstream.baseURL, OTEL_EXPORTER_OTLP_ENDPOINT: await unreachableURL(), OTEL_BSP_SCHEDULE_DELAY: '1' } });
    try {
      const url = await t.listen();
      for (let i = 0; i < 3; i++) {
        const { response, events } = await streamChat(url, `Hi ${i}`);
        expect(response.status).toBe(200);
        expect(events.at(-1)).toMatchObject({ event: 'message-end', data: { status: 'complete' } });
      }
    } finally {
      await t.close();
      await upstream.close();
    }
  });
});

describe('without an endpoint', () => {
  const serverEntry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/index.js');
  /** A server process started from the built package: which @opentelemetry modules it loaded once it served a request. */
  async function loadedTelemetryModules(env: Record<string, string>): Promise<string[]> {
    const dir = mkdtempSync(path.join(tmpdir(), 'sutazai-tracing-'));
    const script = `
      import { createRequire } from 'node:module';
      import { loadConfig, startServer } from ${JSON.stringify(serverEntry)};
      const server = await startServer(loadConfig({ cwd: ${JSON.stringify(dir)}, env: ${JSON.stringify({ PORT: '0', AUTH: 'disabled', LOG_LEVEL: 'silent', DATA_DIR: path.join(dir, 'data'), OLLAMA_BASE_URL: await unreachableURL(), ...env })} }));
      await (await fetch(server.url + '/health/detailed')).text();
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) => file.includes('@opentelemetry'));
      await server.close();
      process.stdout.write(JSON.stringify(loaded));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: dir });
    return JSON.parse(stdout) as string[];
  }

  it('does not load the OpenTelemetry packages (and does with an endpoint, which shows the check sees them)', async () => {
    expect(await loadedTelemetryModules({})).toEqual([]);
    const receiver = await startOtlpReceiver();
    try {
      expect((await loadedTelemetryModules({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url })).some((file) => file.includes('@opentelemetry/sdk-trace'))).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});
