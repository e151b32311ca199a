import type { ChatRequest, ChatStreamPart, FinishReason, ModelInfo, ProbeResult, Provider, ProviderTimeouts, PullProgress, TokenUsage } from '../provider.js';
import { ProviderError } from '../provider.js';
import { isNumberArray, isRecord, optionalNumber, optionalString } from '../http/json-values.js';
import { readNdjsonLines } from '../http/line-readers.js';
import { createUpstreamClient } from '../http/upstream-client.js';
import { parseJson, protocolError, streamedError } from '../http/upstream-errors.js';
import { toFunctionTools, toolArguments } from '../http/function-tools.js';
import { createToolCallIds } from '../tool-call-ids.js';
import { toOllamaMessages } from './ollama-messages.js';

export interface OllamaProviderOptions {
  /** Where Ollama listens, e.g. http://127.0.0.1:11434 (without /api). */
  baseURL: string;
  /** Model prefix and health name; defaults to "ollama". */
  id?: string;
  timeouts: ProviderTimeouts;
  /** Injected so an SSRF guard can wrap it; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Budget of the health probe's round trip; defaults to 2 s. */
  probeTimeoutMs?: number;
}

const NDJSON = ['application/x-ndjson'];
const DEFAULT_PROBE_TIMEOUT_MS = 2_000;

/** Ollama's native API (/api/*), which unlike its /v1 shim can list, pull and report load state. */
export function createOllamaProvider(options: OllamaProviderOptions): Provider {
  const id = options.id ?? 'ollama';
  const baseURL = options.baseURL.replace(/\/+$/, '');
  const probeTimeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const client = createUpstreamClient({ providerId: id, timeouts: options.timeouts, fetch: options.fetch });
  const endpoint = (path: string): string => `${baseURL}${path}`;

  async function listModels(signal?: AbortSignal, timeoutMs?: number): Promise<ModelInfo[]> {
    const answer = await client.json(endpoint('/api/tags'), { signal, timeoutMs });
    if (!isRecord(answer) || !Array.isArray(answer.models)) throw protocolError(id, `/api/tags answered without a models list`);
    return answer.models.filter(isRecord).flatMap((model) => {
      const name = optionalString(model, 'name') ?? optionalString(model, 'model');
      if (name === undefined) return [];
      const details = isRecord(model.details) ? model.details : {};
      return [
        {
          name,
          details: {
            size: model.size,
            digest: model.digest,
            modifiedAt: model.modified_at,
            family: details.family,
            parameterSize: details.parameter_size,
            quantization: details.quantization_level,
            format: details.format,
          },
        },
      ];
    });
  }

  async function* streamChat(request: ChatRequest): AsyncGenerator<ChatStreamPart, void, undefined> {
    const upstream = await client.stream(endpoint('/api/chat'), {
      body: {
        model: request.model,
        messages: toOllamaMessages(request.messages),
        tools: toFunctionTools(request.tools),
        stream: true,
        options: { temperature: request.temperature, top_p: request.topP, num_predict: request.maxTokens, stop: request.stop, seed: request.seed },
      },
      signal: request.signal,
      headersDeadline: 'first-token',
      contentTypes: NDJSON,
      tokenTimeouts: true,
    });
    const toolCallId = createToolCallIds();
    let toolCallCount = 0;
    try {
      for await (const line of readNdjsonLines(upstream.body)) {
        const chunk = parseJson(id, line, 'an /api/chat chunk');
        if (!isRecord(chunk)) throw protocolError(id, `an /api/chat chunk is not an object: ${line}`);
        const error = optionalString(chunk, 'error');
        if (error !== undefined) throw streamedError(id, error);
        const message = isRecord(chunk.message) ? chunk.message : {};
        const text = optionalString(message, 'content') ?? '';
        // Thinking models stream `thinking` for a long time before any content; that is output too.
        if (text !== '' || optionalString(message, 'thinking') || Array.isArray(message.tool_calls)) upstream.markToken();
        if (text !== '') yield { type: 'text-delta', text };
        // Ollama parses calls itself and sends each one whole, so each is passed on at once.
        for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
          const fn = isRecord(call) && isRecord(call.function) ? call.function : undefined;
          const name = fn ? optionalString(fn, 'name') : undefined;
          if (fn === undefined || !name) throw protocolError(id, `a tool call without a function name: ${JSON.stringify(call)}`);
          const callId = (isRecord(call) ? optionalString(call, 'id') : undefined) || toolCallId(toolCallCount);
          toolCallCount += 1;
          yield { type: 'tool-call', id: callId, name, arguments: toolArguments(id, name, fn.arguments) };
        }
        if (chunk.done === true) {
          upstream.finish();
          const usage = chatUsage(chunk);
          // Ollama says "stop" for a turn that called tools.
          const reason = toolCallCount > 0 ? 'tool-calls' : finishReason(optionalString(chunk, 'done_reason'));
          yield { type: 'finish', finishReason: reason, ...(usage ? { usage } : {}) };
          return;
        }
        if (chunk.done !== false) throw protocolError(id, `an /api/chat chunk has no boolean "done": ${line}`);
      }
      throw protocolError(id, 'the /api/chat stream ended before Ollama said done');
    } finally {
      upstream.release();
    }
  }

  async function embed(request: { model: string; input: string[]; signal?: AbortSignal }): Promise<{ embeddings: number[][]; usage?: { promptTokens: number } }> {
    const answer = await client.json(endpoint('/api/embed'), {
      body: { model: request.model, input: request.input },
      signal: request.signal,
      // Ollama answers only after loading the model and embedding everything.
      headersDeadline: 'first-token',
    });
    if (!isRecord(answer) || !Array.isArray(answer.embeddings) || !answer.embeddings.every(isNumberArray)) {
      throw protocolError(id, '/api/embed answered without an embeddings list');
    }
    if (answer.embeddings.length !== request.input.length) {
      throw protocolError(id, `/api/embed returned ${answer.embeddings.length} embeddings for ${request.input.length} inputs`);
    }
    const promptTokens = optionalNumber(answer, 'prompt_eval_count');
    return { embeddings: answer.embeddings, ...(promptTokens === undefined ? {} : { usage: { promptTokens } }) };
  }

  async function* pullModel(name: string, signal?: AbortSignal): AsyncGenerator<PullProgress, void, undefined> {
    const upstream = await client.stream(endpoint('/api/pull'), {
      body: { model: name, stream: true },
      signal,
      contentTypes: NDJSON,
      // Verifying a multi-gigabyte layer is silent for minutes; only the caller's signal ends a pull.
      tokenTimeouts: false,
    });
    try {
      for await (const line of readNdjsonLines(upstream.body)) {
        const chunk = parseJson(id, line, 'an /api/pull progress line');
        if (!isRecord(chunk)) throw protocolError(id, `an /api/pull progress line is not an object: ${line}`);
        const error = optionalString(chunk, 'error');
        if (error !== undefined) throw streamedError(id, error);
        const status = optionalString(chunk, 'status');
        if (status === undefined) throw protocolError(id, `an /api/pull progress line has no status: ${line}`);
        const completed = optionalNumber(chunk, 'completed');
        const total = optionalNumber(chunk, 'total');
        if (status === 'success') upstream.finish();
        yield { status, ...(completed === undefined ? {} : { completed }), ...(total === undefined ? {} : { total }) };
        if (status === 'success') return;
      }
      throw protocolError(id, `the pull of ${name} ended before Ollama reported success`);
    } finally {
      upstream.release();
    }
  }

  async function probe(): Promise<ProbeResult> {
    const startedAt = performance.now();
    let latencyMs = 0;
    try {
      const answer = await client.json(endpoint('/api/version'), { timeoutMs: probeTimeoutMs });
      latencyMs = Math.round(performance.now() - startedAt);
      const version = isRecord(answer) ? optionalString(answer, 'version') : undefined;
      if (version === undefined) throw protocolError(id, '/api/version answered without a version');
      const remainingMs = Math.max(1, probeTimeoutMs - latencyMs);
      const models = await listModels(undefined, remainingMs);
      const detail = `Ollama ${version}, ${models.length} ${models.length === 1 ? 'model' : 'models'}`;
      if (models.length > 0) return { status: 'healthy', latencyMs, detail };
      return { status: 'healthy', latencyMs, detail, hint: 'no models yet: pull one, e.g. `ollama pull llama3.2`' };
    } catch (error) {
      return {
        status: 'down',
        latencyMs: latencyMs || Math.round(performance.now() - startedAt),
        detail: error instanceof Error ? error.message : String(error),
        hint: probeHint(error),
      };
    }
  }

  function probeHint(error: unknown): string {
    if (error instanceof ProviderError && (error.kind === 'upstream' || error.kind === 'protocol')) {
      return `something answers at ${baseURL} but it is not Ollama: check OLLAMA_BASE_URL`;
    }
    return `start Ollama with \`ollama serve\` or set OLLAMA_BASE_URL (now ${baseURL})`;
  }

  return {
    id,
    kind: 'ollama',
    capabilities: { chat: true, streaming: true, toolCalls: true, embeddings: true, modelList: true, modelPull: true },
    listModels: (signal) => listModels(signal),
    streamChat,
    embed,
    pullModel,
    probe,
  };
}

function finishReason(doneReason: string | undefined): FinishReason {
  if (doneReason === undefined || doneReason === 'stop') return 'stop';
  return doneReason === 'length' ? 'length' : 'other';
}

/** Ollama omits prompt_eval_count when the whole prompt came from its cache, so zero is right then. */
function chatUsage(chunk: Record<string, unknown>): TokenUsage | undefined {
  const promptTokens = optionalNumber(chunk, 'prompt_eval_count');
  const completionTokens = optionalNumber(chunk, 'eval_count');
  if (promptTokens === undefined && completionTokens === undefined) return undefined;
  return { promptTokens: promptTokens ?? 0, completionTokens: completionTokens ?? 0 };
}
