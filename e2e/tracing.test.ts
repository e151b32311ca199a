/**
 * Tracing in the real `sutazai serve` process: spans wait in the batch (the batch delay is as
 * long as it goes) until SIGTERM, whose graceful stop exports them to a real OTLP/HTTP
 * receiver; a scripted model server answers, and joins the trace through `traceparent`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../packages/server/src/llm/test-support/openai-compatible-test-server.js';
import { requestMessages } from '../packages/server/src/llm/test-support/test-server-script.js';
import { startOtlpReceiver, type OtlpReceiver } from '../packages/server/src/tracing/test-support/otlp-receiver.js';
import { parseServerSentEvents } from '../packages/contracts/src/sse.js';
import { makeWorkspace, startServer, stopAllServers, type ServerProcess, type Workspace } from './support/server-process.js';

const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const callerSpanId = '0123456789abcdef';

let workspace: Workspace;
let receiver: OtlpReceiver;
let upstream: OpenAICompatibleTestServer;
let server: ServerProcess;

beforeAll(async () => {
  workspace = await makeWorkspace({ realModel: false });
  receiver = await startOtlpReceiver();
  upstream = await startOpenAICompatibleTestServer({
    models: ['scripted'],
    chat: (request) => (requestMessages(request).at(-1)?.content === 'fail' ? { tokens: [], fault: { type: 'http-error', status: 503 } } : { tokens: ['Hello', ' there'] }),
  });
  server = await startServer({
    env: { ...workspace.env, OPENAI_BASE_URL: upstream.baseURL, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'sutazai-e2e', OTEL_BSP_SCHEDULE_DELAY: '600000' },
  });
});

afterAll(async () => {
  await stopAllServers();
  await upstream?.close();
  await receiver?.close();
  workspace?.remove();
});

async function streamChat(message: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/api/v1/chat/stream`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ message, model: 'scripted' }),
  });
  return { status: response.status, requestId: response.headers.get('x-request-id'), events: parseServerSentEvents(await response.text()) };
}

describe('sutazai serve with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports a chat turn\'s trace on a graceful stop, with the logs stamped by it', async () => {
    const ok = await streamChat('Hi', { traceparent: `00-${traceId}-${callerSpanId}-01` });
    expect(ok.status).toBe(200);
    expect(ok.events.at(-1)?.event).toBe('message-end');
    const failed = await streamChat('fail');
    expect(failed.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'PROVIDER_ERROR' } });
    // Nothing is sent before the batch is due (it never is here) ...
    expect(receiver.spans).toEqual([]);

    // ... and the graceful stop sends it.
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const trace = receiver.spans.filter((span) => span.traceId === traceId);
    const request = trace.find((span) => span.name === 'POST /api/v1/chat/stream')!;
    const turn = trace.find((span) => span.name === 'chat turn')!;
    const modelCall = trace.find((span) => span.name === 'chat scripted')!;
    expect(request).toMatchObject({ parentSpanId: callerSpanId, resource: { 'service.name': 'sutazai-e2e' }, attributes: { 'sutazai.request_id': ok.requestId } });
    expect(turn.parentSpanId).toBe(request.spanId);
    expect(modelCall).toMatchObject({ parentSpanId: turn.spanId, attributes: { 'sutazai.outcome': 'complete' } });
    expect(upstream.requests.find((r) => r.endpoint === 'chat')?.headers.traceparent).toBe(`00-${traceId}-${modelCall.spanId}-01`);

    const failedTrace = receiver.spans.find((span) => span.attributes['sutazai.request_id'] === failed.requestId)!.traceId;
    expect(receiver.spans.find((span) => span.traceId === failedTrace && span.name === 'chat turn')).toMatchObject({ status: { code: 2, message: 'PROVIDER_ERROR' } });

    // The request's own lines and the chat service's carry the trace they were written in.
    const logs = server.logs();
    expect(logs.find((line) => line.reqId === ok.requestId && line.msg === 'request completed')).toMatchObject({ trace_id: traceId, span_id: request.spanId });
    expect(logs.find((line) => line.msg === 'generation ended early')).toMatchObject({ trace_id: failedTrace, code: 'PROVIDER_ERROR' });
  });
});
