import { setTimeout as sleep } from 'node:timers/promises';
import { isRecord } from '../http/json-values.js';
import { startScriptedHttpServer, type ExchangeContext } from './scripted-http-server.js';
import { answerFault, sendJson, streamScriptedReply, type StreamFraming } from './scripted-stream.js';
import {
  chooseReply,
  countTestTokens,
  DEFAULT_MODELS,
  hasModel,
  scriptedFinishReason,
  testEmbedding,
  type ScriptedFinishReason,
  type ScriptedToolCall,
  type ScriptedUsage,
  type TestEndpoint,
  type TestServer,
  type TestServerScript,
} from './test-server-script.js';

export interface OllamaTestScript extends TestServerScript {
  /** What /api/version reports; defaults to "0.5.1". */
  version?: string;
  /** Names /api/pull can fetch; others fail mid-stream like a missing manifest. Defaults to any name. */
  pullable?: string[];
  /** Pause between pull progress lines. */
  pullDelayMs?: number;
}

export type OllamaTestServer = TestServer<OllamaTestScript>;

/** The layer every scripted pull downloads, in three progress steps. */
export const TEST_LAYER = { digest: 'sha256:6a0746a1ec1aef3e7ec53868f220ff6e389f6f8ef87a01d77c96807de94ca2aa', total: 3_000 };

/**
 * A fake of Ollama's native API (/api/version, tags, chat, embed, pull) sending the NDJSON
 * Ollama sends. A successful pull adds the model to the script's model list.
 */
export async function startOllamaTestServer(script: OllamaTestScript = {}): Promise<OllamaTestServer> {
  const live: OllamaTestScript = script;
  const http = await startScriptedHttpServer(classify, (context) => handle(live, context));
  return { url: http.url, baseURL: http.url, requests: http.requests, script: live, close: http.close };
}

function classify(method: string, path: string): TestEndpoint {
  if (method === 'GET' && path === '/api/version') return 'version';
  if (method === 'GET' && path === '/api/tags') return 'models';
  if (method === 'POST' && path === '/api/chat') return 'chat';
  if (method === 'POST' && path === '/api/embed') return 'embed';
  if (method === 'POST' && path === '/api/pull') return 'pull';
  return 'other';
}

async function handle(script: OllamaTestScript, context: ExchangeContext): Promise<void> {
  const { request } = context;
  const fault = script.fault?.(request);
  if (fault && request.endpoint !== 'chat') return answerFault(context, fault, errorBody);
  const models = script.models ?? DEFAULT_MODELS;
  const body = isRecord(request.body) ? request.body : {};
  switch (request.endpoint) {
    case 'version':
      return sendJson(context, 200, { version: script.version ?? '0.5.1' });
    case 'models':
      return sendJson(context, 200, { models: models.map(modelEntry) });
    case 'chat': {
      if (!fault && !hasModel(models, body.model)) return modelNotFound(context, body.model);
      const reply = fault ? { tokens: [], fault } : chooseReply(script, request);
      const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
      const usage = reply.usage ?? {
        promptTokens: countTestTokens(messages.map((message) => String(message.content ?? ''))),
        completionTokens: reply.tokens.length + (reply.toolCalls?.length ?? 0),
      };
      const model = String(body.model);
      // Ollama streams unless told `stream: false`.
      if (body.stream === false) {
        return sendJson(context, 200, { ...chunk(model, reply.tokens.join(''), reply.toolCalls), ...finalFields(scriptedFinishReason(reply), usage) });
      }
      return streamScriptedReply(context, reply, ndjsonFraming(model), usage);
    }
    case 'embed': {
      if (!hasModel(models, body.model)) return modelNotFound(context, body.model);
      const input = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) ? body.input.map(String) : [];
      return sendJson(context, 200, {
        model: body.model,
        embeddings: input.map((text) => testEmbedding(text, script.embeddingDimensions)),
        total_duration: 14_143_917,
        load_duration: 1_019_500,
        prompt_eval_count: countTestTokens(input),
      });
    }
    case 'pull':
      return pull(script, context, String(body.model ?? body.name));
    default:
      context.response.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
  }
}

function ndjsonFraming(model: string): StreamFraming {
  const line = (value: unknown): string => `${JSON.stringify(value)}\n`;
  return {
    contentType: 'application/x-ndjson',
    opening: () => [],
    token: (text) => line({ ...chunk(model, text), done: false }),
    // Ollama parses the calls out of the model's output itself and sends them whole, in one chunk.
    toolCalls: (calls) => [line({ ...chunk(model, '', calls), done: false })],
    closing: (finishReason, usage) => [line({ ...chunk(model, ''), ...finalFields(finishReason, usage) })],
    garbage: `{"model":"${model}","created_at":"${new Date().toISOString()}","message":{"role":"assist\n`,
    errorBody,
  };
}

function chunk(model: string, content: string, toolCalls?: ScriptedToolCall[]): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content };
  if (toolCalls?.length) {
    // Arguments arrive as an object; a scripted string (malformed arguments) is sent as it is.
    message.tool_calls = toolCalls.map((call, index) => ({ ...(call.id === undefined ? {} : { id: call.id }), function: { index, name: call.name, arguments: call.arguments } }));
  }
  return { model, created_at: new Date().toISOString(), message };
}

/** The statistics Ollama appends to the last chunk; durations are nanoseconds. */
function finalFields(finishReason: ScriptedFinishReason, usage: ScriptedUsage): Record<string, unknown> {
  return {
    // Ollama has no tool-call finish reason: a turn that called tools ends with "stop".
    done_reason: finishReason === 'tool_calls' ? 'stop' : finishReason,
    done: true,
    total_duration: 4_883_583_458,
    load_duration: 1_334_875,
    prompt_eval_count: usage.promptTokens,
    prompt_eval_duration: 342_546_000,
    eval_count: usage.completionTokens,
    eval_duration: 4_535_599_000,
  };
}

function modelEntry(name: string): Record<string, unknown> {
  return {
    name,
    model: name,
    modified_at: '2024-12-01T10:00:00.000000000Z',
    size: 2_019_393_189,
    digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
    details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
  };
}

async function pull(script: OllamaTestScript, context: ExchangeContext, name: string): Promise<void> {
  const { response } = context;
  response.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const send = async (value: unknown): Promise<void> => {
    if (context.isGone()) return;
    response.write(`${JSON.stringify(value)}\n`);
    if (script.pullDelayMs) await sleep(script.pullDelayMs);
  };
  await send({ status: 'pulling manifest' });
  if (script.pullable && !script.pullable.includes(name)) {
    await send({ error: 'pull model manifest: file does not exist' });
    response.end();
    return;
  }
  const { digest, total } = TEST_LAYER;
  for (const completed of [0, total / 2, total]) {
    await send({ status: `pulling ${digest.slice(7, 19)}`, digest, total, completed });
  }
  await send({ status: 'verifying sha256 digest' });
  await send({ status: 'writing manifest' });
  await send({ status: 'success' });
  if (context.isGone()) return;
  const tagged = name.includes(':') ? name : `${name}:latest`;
  script.models = [...(script.models ?? DEFAULT_MODELS).filter((model) => model !== tagged), tagged];
  response.end();
}

function modelNotFound(context: ExchangeContext, model: unknown): void {
  sendJson(context, 404, { error: `model "${String(model)}" not found, try pulling it first` });
}

function errorBody(_status: number, message: string): string {
  return JSON.stringify({ error: message });
}
