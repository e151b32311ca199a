/**
 * OpenAI-compatible surface, so the official `openai` client and the tools built on it work
 * against SutazAI. Stateless like OpenAI's API: nothing is stored in conversations.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorResponse, OpenAIChatCompletionRequest, OpenAIEmbeddingsRequest } from '@sutazai/contracts';
import { toAppError } from '../../chat/provider-errors.js';
import { AppError } from '../../errors/catalogue.js';
import type { ChatMessage, ChatRequest, TokenUsage, ToolCall, ToolDefinition } from '../../llm/provider.js';
import type { ModelRegistry } from '../../llm/registry.js';
import { errorBody } from '../error-boundary.js';
import { listModelDetails } from './models.js';

const errors = { 200: Type.Unknown({ description: 'As OpenAI documents it.' }), 400: ErrorResponse, 404: ErrorResponse, 502: ErrorResponse, 503: ErrorResponse, 504: ErrorResponse };

export function openAIRoutes(registry: ModelRegistry, options: { maxTokensCap: number }) {
  return async (app: FastifyInstance) => {
    const api = app.withTypeProvider<TypeBoxTypeProvider>();

    api.get('/v1/models', { schema: { tags: ['openai'], summary: 'OpenAI-compatible model list' } }, async () => {
      const created = Math.floor(Date.now() / 1000);
      return { object: 'list', data: (await listModelDetails(registry)).map((m) => ({ id: m.name, object: 'model', created, owned_by: m.provider })) };
    });

    api.post('/v1/chat/completions', {
      schema: { tags: ['openai'], summary: 'OpenAI-compatible chat completions (streaming and not)', body: OpenAIChatCompletionRequest, response: errors },
    }, async (request, reply) => {
      const body = request.body;
      const maxTokens = body.max_completion_tokens ?? body.max_tokens;
      if (maxTokens !== undefined && maxTokens > options.maxTokensCap) {
        throw new AppError('VALIDATION_FAILED', `max_tokens must be at most ${options.maxTokensCap} on this server.`, { hint: 'Ask for fewer tokens; the administrator sets the cap with MAX_TOKENS_CAP.' });
      }
      const tools = requestedTools(body);
      const messages = body.messages.map(toChatMessage);
      const { provider, model } = await registry.resolve(body.model);
      if (tools && !provider.capabilities.toolCalls) throw new AppError('CAPABILITY_UNSUPPORTED', `The model "${body.model}" (${provider.id}) cannot call tools.`);
      const controller = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) controller.abort();
      });
      const chatRequest: ChatRequest = {
        model, messages, signal: controller.signal,
        ...(tools ? { tools } : {}),
        ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
        ...(body.top_p !== undefined ? { topP: body.top_p } : {}),
        ...((body.max_completion_tokens ?? body.max_tokens) !== undefined ? { maxTokens: body.max_completion_tokens ?? body.max_tokens } : {}),
        ...(body.stop !== undefined ? { stop: Array.isArray(body.stop) ? body.stop : [body.stop] } : {}),
        ...(body.seed !== undefined ? { seed: body.seed } : {}),
      };
      const id = `chatcmpl-${randomUUID()}`;
      const created = Math.floor(Date.now() / 1000);
      const base = { id, created, model: body.model };
      const parts = provider.streamChat(chatRequest)[Symbol.asyncIterator]();

      if (!body.stream) {
        let text = '';
        let finish = 'stop';
        let usage: TokenUsage | undefined;
        const calls: ToolCall[] = [];
        try {
          for (let next = await parts.next(); !next.done; next = await parts.next()) {
            const part = next.value;
            if (part.type === 'text-delta') text += part.text;
            else if (part.type === 'tool-call') calls.push(part);
            else [finish, usage] = [part.finishReason, part.usage];
          }
        } catch (error) {
          throw toAppError(error);
        }
        const message = calls.length
          ? { role: 'assistant', content: text === '' ? null : text, tool_calls: calls.map(toOpenAIToolCall) }
          : { role: 'assistant', content: text };
        return reply.send({
          ...base, object: 'chat.completion',
          choices: [{ index: 0, message, finish_reason: finishReason(finish), logprobs: null }],
          usage: openAIUsage(usage),
        });
      }

      // Wait for the first part before sending headers, so an unreachable model server is a
      // proper HTTP error rather than a 200 stream that fails at once.
      let first: IteratorResult<Awaited<ReturnType<typeof parts.next>>['value']>;
      try {
        first = await parts.next();
      } catch (error) {
        throw toAppError(error);
      }
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no', 'x-request-id': String(request.id) });
      const write = (data: unknown) => reply.raw.write(`data: ${JSON.stringify(data)}\n\n`);
      const chunk = (delta: object, finish: string | null) => ({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
      write(chunk({ role: 'assistant', content: '' }, null));
      let toolCallIndex = 0;
      try {
        for (let next = first; !next.done; next = await parts.next()) {
          const part = next.value;
          if (part.type === 'text-delta') {
            if (part.text) write(chunk({ content: part.text }, null));
          } else if (part.type === 'tool-call') {
            // Calls arrive complete, so each goes out as one fragment holding id, name and all arguments.
            write(chunk({ tool_calls: [{ index: toolCallIndex++, ...toOpenAIToolCall(part) }] }, null));
          } else {
            write(chunk({}, finishReason(part.finishReason)));
            if (body.stream_options?.include_usage) write({ ...base, object: 'chat.completion.chunk', choices: [], usage: openAIUsage(part.usage) });
          }
        }
        reply.raw.write('data: [DONE]\n\n');
      } catch (error) {
        const appError = toAppError(error);
        if (!controller.signal.aborted) request.log.warn({ code: appError.code, detail: appError.message }, 'completion stream failed');
        // Headers are gone: the error travels as an event, the way OpenAI reports mid-stream errors.
        write(errorBody(appError, String(request.id)));
      }
      reply.raw.end();
    });

    api.post('/v1/embeddings', {
      schema: { tags: ['openai'], summary: 'OpenAI-compatible embeddings', body: OpenAIEmbeddingsRequest, response: errors },
    }, async (request) => {
      const { provider, model } = await registry.resolve(request.body.model);
      if (!provider.embed) throw new AppError('CAPABILITY_UNSUPPORTED', `The model "${request.body.model}" (${provider.id}) cannot make embeddings.`);
      const input = Array.isArray(request.body.input) ? request.body.input : [request.body.input];
      let result: Awaited<ReturnType<NonNullable<typeof provider.embed>>>;
      try {
        result = await provider.embed({ model, input });
      } catch (error) {
        throw toAppError(error);
      }
      const base64 = request.body.encoding_format === 'base64';
      return {
        object: 'list', model: request.body.model,
        data: result.embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(embedding).buffer).toString('base64') : embedding })),
        usage: { prompt_tokens: result.usage?.promptTokens ?? 0, total_tokens: result.usage?.promptTokens ?? 0 },
      };
    });
  };
}

/** The tools to offer, or none: `tool_choice: "none"` withholds them; forcing a call is not supported. */
function requestedTools(body: OpenAIChatCompletionRequest): ToolDefinition[] | undefined {
  const choice = body.tool_choice;
  if (choice !== undefined && choice !== 'auto' && choice !== 'none') {
    throw new AppError('VALIDATION_FAILED', `tool_choice ${JSON.stringify(choice)} is not supported here: the model decides whether to call a tool.`, {
      hint: 'Send tool_choice "auto" (or leave it out) to let the model call tools, or "none" to answer without them.',
    });
  }
  if (!body.tools?.length || choice === 'none') return undefined;
  return body.tools.map((tool) => ({
    name: tool.function.name,
    description: tool.function.description ?? '',
    parameters: tool.function.parameters ?? { type: 'object', properties: {} },
  }));
}

function toChatMessage(message: OpenAIChatCompletionRequest['messages'][number], index: number): ChatMessage {
  const role = message.role === 'developer' ? 'system' : message.role;
  const content = typeof message.content === 'string' ? message.content
    : Array.isArray(message.content) ? message.content.filter((p) => p.type === 'text').map((p) => p.text ?? '').join('') : '';
  if (role === 'tool') {
    if (message.tool_call_id === undefined) {
      throw new AppError('VALIDATION_FAILED', `messages[${index}] is a tool message without tool_call_id.`, { hint: 'Send the id of the tool call this message answers in tool_call_id.' });
    }
    return { role, content, toolCallId: message.tool_call_id };
  }
  if (role === 'assistant' && message.tool_calls?.length) {
    return { role, content, toolCalls: message.tool_calls.map((call, callIndex) => ({ id: call.id, name: call.function.name, arguments: callArguments(call.function.arguments, `messages[${index}].tool_calls[${callIndex}]`) })) };
  }
  return { role, content };
}

function callArguments(text: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('VALIDATION_FAILED', `${where}.function.arguments is not a JSON object.`, { hint: 'Send the arguments as the JSON text of an object, as the model returned them.' });
  }
  return value as Record<string, unknown>;
}

function toOpenAIToolCall(call: ToolCall) {
  return { id: call.id, type: 'function' as const, function: { name: call.name, arguments: JSON.stringify(call.arguments) } };
}

function finishReason(reason: string): string {
  if (reason === 'tool-calls') return 'tool_calls';
  return reason === 'length' ? 'length' : 'stop';
}

function openAIUsage(usage: TokenUsage | undefined) {
  const prompt = usage?.promptTokens ?? 0;
  const completion = usage?.completionTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
