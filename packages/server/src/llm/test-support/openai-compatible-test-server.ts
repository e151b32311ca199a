import { randomUUID } from 'node:crypto';
import { isRecord } from '../http/json-values.js';
import { startScriptedHttpServer, type ExchangeContext } from './scripted-http-server.js';
import { answerFault, sendJson, streamScriptedReply, type StreamFraming } from './scripted-stream.js';
import {
  chooseReply,
  countTestTokens,
  DEFAULT_MODELS,
  scriptedArgumentsText,
  scriptedFinishReason,
  testEmbedding,
  type ScriptedReply,
  type ScriptedToolCall,
  type ScriptedUsage,
  type TestEndpoint,
  type TestServer,
  type TestServerScript,
} from './test-server-script.js';

export interface OpenAICompatibleTestScript extends TestServerScript {
  /** When set, requests without `Authorization: Bearer <apiKey>` get OpenAI's 401. */
  apiKey?: string;
}

export type OpenAICompatibleTestServer = TestServer<OpenAICompatibleTestScript>;

/**
 * A fake of the OpenAI REST API under /v1 (models, chat/completions streamed or not,
 * embeddings), byte-compatible with what api.openai.com sends, for driving
 * OpenAI-compatible clients through edge cases real servers rarely produce on demand.
 */
export async function startOpenAICompatibleTestServer(script: OpenAICompatibleTestScript = {}): Promise<OpenAICompatibleTestServer> {
  const live: OpenAICompatibleTestScript = script;
  const http = await startScriptedHttpServer(classify, (context) => handle(live, context));
  return { url: http.url, baseURL: `${http.url}/v1`, requests: http.requests, script: live, close: http.close };
}

function classify(method: string, path: string): TestEndpoint {
  if (method === 'GET' && path === '/v1/models') return 'models';
  if (method === 'POST' && path === '/v1/chat/completions') return 'chat';
  if (method === 'POST' && path === '/v1/embeddings') return 'embed';
  return 'other';
}

async function handle(script: OpenAICompatibleTestScript, context: ExchangeContext): Promise<void> {
  const { request } = context;
  const fault = script.fault?.(request);
  if (fault && request.endpoint !== 'chat') return answerFault(context, fault, errorBody);
  const authorization = request.headers.authorization;
  if (script.apiKey !== undefined && authorization !== `Bearer ${script.apiKey}`) {
    return sendJson(context, 401, openAIError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
  }
  const models = script.models ?? DEFAULT_MODELS;
  const body = isRecord(request.body) ? request.body : {};
  switch (request.endpoint) {
    case 'models':
      return sendJson(context, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'test-server' })) });
    case 'chat': {
      if (!fault && (typeof body.model !== 'string' || !models.includes(body.model))) return modelNotFound(context, body.model);
      const reply = fault ? { tokens: [], fault } : chooseReply(script, request);
      const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
      const usage = reply.usage ?? {
        promptTokens: countTestTokens(messages.map((message) => String(message.content ?? ''))),
        completionTokens: reply.tokens.length + (reply.toolCalls?.length ?? 0),
      };
      const model = String(body.model);
      if (body.stream !== true) return answerWhole(context, model, reply, usage);
      const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
      return streamScriptedReply(context, reply, chunkFraming(model, includeUsage), usage);
    }
    case 'embed': {
      if (typeof body.model !== 'string' || !models.includes(body.model)) return modelNotFound(context, body.model);
      const input = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) ? body.input.map(String) : [];
      const base64 = body.encoding_format === 'base64';
      return sendJson(context, 200, {
        object: 'list',
        data: input.map((text, index) => {
          const vector = testEmbedding(text, script.embeddingDimensions);
          return { object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector };
        }),
        model: body.model,
        usage: { prompt_tokens: countTestTokens(input), total_tokens: countTestTokens(input) },
      });
    }
    default:
      return sendJson(context, 404, openAIError(`Invalid URL (${request.method} ${request.path})`, 'invalid_request_error', null));
  }
}

/** How many characters of arguments text go in one fragment: small, so values split mid-string. */
const ARGUMENTS_FRAGMENT_LENGTH = 5;

/**
 * OpenAI streams: a role chunk, content chunks, tool-call fragments, a finish chunk, an
 * optional usage chunk, [DONE]. A tool call's first fragment holds its index, id, type and
 * name with empty arguments; the arguments text follows in small pieces under the same index.
 */
function chunkFraming(model: string, includeUsage: boolean): StreamFraming {
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const event = (choices: unknown[], usage: unknown = null): string =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_test', choices, ...(includeUsage ? { usage } : {}) })}\n\n`;
  const choice = (delta: Record<string, unknown>, finishReason: string | null = null): unknown => ({ index: 0, delta, logprobs: null, finish_reason: finishReason });
  return {
    contentType: 'text/event-stream; charset=utf-8',
    opening: () => [event([choice({ role: 'assistant', content: '', refusal: null })])],
    token: (text) => event([choice({ content: text })]),
    toolCalls: (calls) =>
      calls.flatMap((call, index) => {
        const fragment = (fields: Record<string, unknown>): string => event([choice({ tool_calls: [{ index, ...fields }] })]);
        const characters = Array.from(scriptedArgumentsText(call));
        const pieces: string[] = [];
        for (let at = 0; at < characters.length; at += ARGUMENTS_FRAGMENT_LENGTH) pieces.push(characters.slice(at, at + ARGUMENTS_FRAGMENT_LENGTH).join(''));
        return [
          fragment({ id: toolCallId(call, index), type: 'function', function: { name: call.name, arguments: '' } }),
          ...pieces.map((piece) => fragment({ function: { arguments: piece } })),
        ];
      }),
    closing: (finishReason, usage) => [
      event([choice({}, finishReason)]),
      ...(includeUsage ? [event([], usageObject(usage))] : []),
      'data: [DONE]\n\n',
    ],
    garbage: `data: {"id":"${id}","object":"chat.completion.chunk","choices":[{"delta":{"content":\n\n`,
    errorBody,
  };
}

function toolCallId(call: ScriptedToolCall, index: number): string {
  return call.id ?? `call_${index}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

function answerWhole(context: ExchangeContext, model: string, reply: ScriptedReply, usage: ScriptedUsage): void {
  const content = reply.tokens.join('');
  const toolCalls = reply.toolCalls?.map((call, index) => ({ id: toolCallId(call, index), type: 'function', function: { name: call.name, arguments: scriptedArgumentsText(call) } }));
  const message = toolCalls?.length ? { role: 'assistant', content: content === '' ? null : content, tool_calls: toolCalls, refusal: null } : { role: 'assistant', content, refusal: null };
  sendJson(context, 200, {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_test',
    choices: [{ index: 0, message, logprobs: null, finish_reason: scriptedFinishReason(reply) }],
    usage: usageObject(usage),
  });
}

function usageObject(usage: ScriptedUsage): Record<string, number> {
  return { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens };
}

function modelNotFound(context: ExchangeContext, model: unknown): void {
  const message = `The model \`${String(model)}\` does not exist or you do not have access to it.`;
  sendJson(context, 404, openAIError(message, 'invalid_request_error', 'model_not_found'));
}

function openAIError(message: string, type: string, code: string | null): unknown {
  return { error: { message, type, param: null, code } };
}

function errorBody(status: number, message: string): string {
  return JSON.stringify(openAIError(message, status >= 500 ? 'server_error' : 'invalid_request_error', null));
}
