import type { ChatRequest, ChatStreamPart, FinishReason, ModelInfo, ProbeResult, Provider, ProviderTimeouts, TokenUsage } from '../provider.js';
import { ProviderError } from '../provider.js';
import { isNumberArray, isRecord, optionalNumber, optionalString } from '../http/json-values.js';
import { readServerSentEvents, SSE_DONE } from '../http/line-readers.js';
import { createUpstreamClient } from '../http/upstream-client.js';
import { parseJson, protocolError, streamedError } from '../http/upstream-errors.js';
import { toFunctionTools } from '../http/function-tools.js';
import { createToolCallIds } from '../tool-call-ids.js';
import { toOpenAIMessages } from './openai-messages.js';
import { createToolCallFragments } from './tool-call-fragments.js';

export interface OpenAICompatibleProviderOptions {
  /** The API root including its version, e.g. https://api.openai.com/v1 or http://host:8000/v1. */
  baseURL: string;
  /** Sent as a bearer token when set; local servers usually need none. */
  apiKey?: string;
  /** Model prefix and health name; defaults to "openai". */
  id?: string;
  timeouts: ProviderTimeouts;
  /** Injected so an SSRF guard can wrap it; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Extra headers for every request (organisation, project, gateway keys). */
  headers?: Record<string, string>;
  /** Budget of the health probe's round trip; defaults to 2 s. */
  probeTimeoutMs?: number;
}

const DEFAULT_PROBE_TIMEOUT_MS = 2_000;

/**
 * The OpenAI chat-completions protocol as OpenAI, vLLM, llama.cpp server and LM Studio speak
 * it. Deliberately no per-vendor branches: a vendor's quirk is handled by tolerating it here.
 */
export function createOpenAICompatibleProvider(options: OpenAICompatibleProviderOptions): Provider {
  const id = options.id ?? 'openai';
  const baseURL = options.baseURL.replace(/\/+$/, '');
  const probeTimeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const headers = { ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}), ...options.headers };
  const client = createUpstreamClient({ providerId: id, timeouts: options.timeouts, fetch: options.fetch, headers });
  const endpoint = (path: string): string => `${baseURL}${path}`;

  async function listModels(signal?: AbortSignal, timeoutMs?: number): Promise<ModelInfo[]> {
    const answer = await client.json(endpoint('/models'), { signal, timeoutMs });
    if (!isRecord(answer) || !Array.isArray(answer.data)) throw protocolError(id, '/models answered without a data list');
    return answer.data.filter(isRecord).flatMap((model) => {
      const name = optionalString(model, 'id');
      if (name === undefined) return [];
      const { id: _name, object: _object, ...details } = model;
      return [{ name, details }];
    });
  }

  async function* streamChat(request: ChatRequest): AsyncGenerator<ChatStreamPart, void, undefined> {
    const upstream = await client.stream(endpoint('/chat/completions'), {
      body: {
        model: request.model,
        messages: toOpenAIMessages(request.messages),
        tools: toFunctionTools(request.tools),
        stream: true,
        stream_options: { include_usage: true },
        temperature: request.temperature,
        top_p: request.topP,
        // max_tokens rather than max_completion_tokens: every compatible server accepts it.
        max_tokens: request.maxTokens,
        stop: request.stop,
        seed: request.seed,
      },
      signal: request.signal,
      // LM Studio and others load the model before answering; that wait is first-token time.
      headersDeadline: 'first-token',
      contentTypes: ['text/event-stream'],
      tokenTimeouts: true,
    });
    let reason: FinishReason | undefined;
    let usage: TokenUsage | undefined;
    let sawDone = false;
    const toolCalls = createToolCallFragments(id);
    try {
      for await (const event of readServerSentEvents(upstream.body)) {
        if (event.data === SSE_DONE) {
          sawDone = true;
          upstream.finish();
          break;
        }
        const chunk = parseJson(id, event.data, 'a chat.completion.chunk');
        if (!isRecord(chunk)) throw protocolError(id, `a chat.completion.chunk is not an object: ${event.data}`);
        // vLLM and llama.cpp report failures inside the stream after a 200.
        const error = chunk.error;
        if (error !== undefined && error !== null) throw streamedError(id, streamedErrorMessage(error));
        usage = chunkUsage(chunk) ?? usage;
        const choice = Array.isArray(chunk.choices) ? chunk.choices.find((item) => isRecord(item) && (item.index ?? 0) === 0) : undefined;
        if (!isRecord(choice)) continue;
        const delta = isRecord(choice.delta) ? choice.delta : {};
        const text = optionalString(delta, 'content') ?? '';
        // Reasoning models stream reasoning text (vLLM `reasoning_content`, others `reasoning`) before content.
        if (text !== '' || optionalString(delta, 'reasoning_content') || optionalString(delta, 'reasoning') || Array.isArray(delta.tool_calls)) {
          upstream.markToken();
        }
        if (text !== '') yield { type: 'text-delta', text };
        if (Array.isArray(delta.tool_calls)) toolCalls.add(delta.tool_calls);
        const finish = optionalString(choice, 'finish_reason');
        if (finish !== undefined) reason = mapFinishReason(finish);
      }
      // Servers that skip [DONE] still send a finish_reason; without either the answer was cut short.
      if (reason === undefined && !sawDone) throw protocolError(id, 'the chat stream ended without [DONE] or a finish_reason');
      if (toolCalls.size > 0) {
        // Arguments are complete only now; a call cut short by the token limit fails here.
        const calls = toolCalls.complete({ cutShort: reason === 'length', fallbackId: createToolCallIds() });
        for (const call of calls) yield { type: 'tool-call', ...call };
        // Some servers report "stop" for a turn that called tools; complete calls are what matters.
        reason = 'tool-calls';
      }
      yield { type: 'finish', finishReason: reason ?? 'other', ...(usage ? { usage } : {}) };
    } finally {
      upstream.release();
    }
  }

  async function embed(request: { model: string; input: string[]; signal?: AbortSignal }): Promise<{ embeddings: number[][]; usage?: { promptTokens: number } }> {
    const answer = await client.json(endpoint('/embeddings'), {
      body: { model: request.model, input: request.input },
      signal: request.signal,
      headersDeadline: 'first-token',
    });
    if (!isRecord(answer) || !Array.isArray(answer.data)) throw protocolError(id, '/embeddings answered without a data list');
    if (answer.data.length !== request.input.length) {
      throw protocolError(id, `/embeddings returned ${answer.data.length} embeddings for ${request.input.length} inputs`);
    }
    // Items carry their input's index; servers are allowed to return them in any order.
    const slots: (number[] | undefined)[] = request.input.map(() => undefined);
    for (const [position, item] of answer.data.entries()) {
      if (!isRecord(item) || !isNumberArray(item.embedding)) throw protocolError(id, '/embeddings returned an item without a float embedding');
      const index = optionalNumber(item, 'index') ?? position;
      if (!Number.isInteger(index) || index < 0 || index >= slots.length || slots[index] !== undefined) throw protocolError(id, `/embeddings returned a duplicate or unknown index ${index}`);
      slots[index] = item.embedding;
    }
    const embeddings = slots.filter((vector) => vector !== undefined);
    const promptTokens = isRecord(answer.usage) ? optionalNumber(answer.usage, 'prompt_tokens') : undefined;
    return { embeddings, ...(promptTokens === undefined ? {} : { usage: { promptTokens } }) };
  }

  async function probe(): Promise<ProbeResult> {
    const startedAt = performance.now();
    try {
      const models = await listModels(undefined, probeTimeoutMs);
      const latencyMs = Math.round(performance.now() - startedAt);
      const detail = `${models.length} ${models.length === 1 ? 'model' : 'models'} at ${baseURL}`;
      if (models.length > 0) return { status: 'healthy', latencyMs, detail };
      return { status: 'healthy', latencyMs, detail, hint: 'the server lists no models: load or serve one' };
    } catch (error) {
      return {
        status: 'down',
        latencyMs: Math.round(performance.now() - startedAt),
        detail: error instanceof Error ? error.message : String(error),
        hint: probeHint(error),
      };
    }
  }

  function probeHint(error: unknown): string {
    if (error instanceof ProviderError && (error.status === 401 || error.status === 403)) return 'the server refused the API key: check OPENAI_API_KEY';
    if (error instanceof ProviderError && (error.kind === 'upstream' || error.kind === 'protocol')) {
      return `something answers at ${baseURL} but not the OpenAI API: the base URL usually ends in /v1`;
    }
    return `start the server or fix the base URL (now ${baseURL}), e.g. http://127.0.0.1:8000/v1`;
  }

  return {
    id,
    kind: 'openai-compatible',
    capabilities: { chat: true, streaming: true, toolCalls: true, embeddings: true, modelList: true, modelPull: false },
    listModels: (signal) => listModels(signal),
    streamChat,
    embed,
    probe,
  };
}

function mapFinishReason(reason: string): FinishReason {
  if (reason === 'stop' || reason === 'eos') return 'stop';
  // function_call is the pre-tools name some servers still send.
  if (reason === 'tool_calls' || reason === 'function_call') return 'tool-calls';
  return reason === 'length' ? 'length' : 'other';
}

function chunkUsage(chunk: Record<string, unknown>): TokenUsage | undefined {
  if (!isRecord(chunk.usage)) return undefined;
  const promptTokens = optionalNumber(chunk.usage, 'prompt_tokens');
  const completionTokens = optionalNumber(chunk.usage, 'completion_tokens');
  if (promptTokens === undefined || completionTokens === undefined) return undefined;
  return { promptTokens, completionTokens };
}

function streamedErrorMessage(error: unknown): string {
  if (typeof error === 'string') return error;
  if (isRecord(error) && typeof error.message === 'string') return error.message;
  return JSON.stringify(error);
}
