import type { LlamaChat, LlamaContext, LlamaContextSequence, LlamaEmbeddingContext, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
import type { ChatRequest, ChatStreamPart, FinishReason, ModelInfo, ProbeResult, Provider, ProviderCapabilities, TokenUsage, ToolCall, ToolDefinition } from '../provider.js';
import { ProviderError } from '../provider.js';
import { createToolCallIds } from '../tool-call-ids.js';
import { toChatHistory } from './chat-history.js';
import { countPromptTokens, toFinishReason } from './chat-response.js';
import { createLlamaEngine, type LlamaCppLogger } from './llama-engine.js';
import { errorCode, readModelDirectory, type GgufFile, type ModelDirectoryListing } from './model-directory.js';
import { createSerialQueue, waitUnlessAborted, type SerialQueue } from './serial-queue.js';
import { createTextChannel } from './text-channel.js';
import { createAnswerDecoder, readToolReply } from './tool-reply.js';
import { toolInstruction, toolReplySchema } from './tool-schema.js';

export type { LlamaCppLogger } from './llama-engine.js';

export interface LlamaCppProviderOptions {
  /** Folder holding `*.gguf` files; each file is one model, named after the file. */
  modelsDir: string;
  /** Defaults to "llama-cpp". */
  id?: string;
  /** Tokens per context. Defaults to the model's training size, at most 4096. */
  contextSize?: number;
  /** CPU threads per context. Defaults to 1, see `defaultThreads`. */
  threads?: number;
  logger?: LlamaCppLogger;
}

/**
 * node-llama-cpp defaults to max(math cores, 4) threads. On a 2-core machine that
 * oversubscribes the CPU and ggml's spinning worker threads starve each other: 30 tokens of
 * the tiny test model took 19 s with the default, 0.45 s with 2 threads and 0.05 s with 1.
 * One thread is the safe default; larger models on larger machines should configure more.
 */
const defaultThreads = 1;
/** Caps the automatic context size so a model trained on 128k tokens does not allocate for 128k. */
const defaultMaxContextSize = 4096;
/** Grammars kept for reuse: an agent sends the same tool set turn after turn. */
const maxCachedGrammars = 16;

interface LoadedModel {
  name: string;
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
  chat: LlamaChat;
  /** One sequence per model, so its generations take turns. */
  queue: SerialQueue;
  embeddingContext?: Promise<LlamaEmbeddingContext>;
}

interface GenerationOutcome {
  finishReason: FinishReason;
  usage: TokenUsage;
  toolCalls: ToolCall[];
}

/** A JSON-schema grammar; `parse` validates a reply against the schema. */
type ToolGrammar = LlamaGrammar & { parse(json: string): unknown };

const capabilities: ProviderCapabilities = {
  chat: true,
  streaming: true,
  // Not native: with tools, replies are constrained to a JSON call or answer (tool-schema.ts).
  toolCalls: true,
  embeddings: true,
  modelList: true,
  modelPull: false,
};

const silentLogger: LlamaCppLogger = { debug() {}, info() {}, warn() {} };

export function createLlamaCppProvider(options: LlamaCppProviderOptions): Provider {
  const id = options.id ?? 'llama-cpp';
  const { modelsDir } = options;
  const threads = options.threads ?? defaultThreads;
  const logger = options.logger ?? silentLogger;

  const engine = createLlamaEngine(id, logger);
  const loadingModels = new Map<string, Promise<LoadedModel>>();
  const loadedModels = new Map<string, LoadedModel>();
  const runningGenerations = new Set<{ controller: AbortController; done: Promise<unknown> }>();
  const toolGrammars = new Map<string, Promise<ToolGrammar>>();
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new ProviderError(id, 'unreachable', 'the llama-cpp provider has been closed');
  }

  async function findModelFile(name: string): Promise<GgufFile> {
    const listing = await listDirectory();
    const file = listing.find((candidate) => candidate.name === name);
    if (!file) throw new ProviderError(id, 'model-not-found', `no model "${name}": ${modelsDir} has no ${name}.gguf`);
    return file;
  }

  async function listDirectory(): Promise<GgufFile[]> {
    try {
      const listing = await readModelDirectory(modelsDir);
      return listing.exists ? listing.files : [];
    } catch (error) {
      throw new ProviderError(id, 'unreachable', `cannot read the models directory ${modelsDir}: ${describe(error)}`, { cause: error });
    }
  }

  /** Concurrent first uses share one load; a failed load is forgotten so it can be retried. */
  function getModel(name: string): Promise<LoadedModel> {
    assertOpen();
    const existing = loadingModels.get(name);
    if (existing) return existing;
    const loading = loadModel(name);
    loadingModels.set(name, loading);
    loading.then(
      (loaded) => loadedModels.set(name, loaded),
      () => {
        if (loadingModels.get(name) === loading) loadingModels.delete(name);
      },
    );
    return loading;
  }

  async function loadModel(name: string): Promise<LoadedModel> {
    const file = await findModelFile(name);
    const { module, llama } = await engine.get();
    const started = performance.now();
    let model: LlamaModel | undefined;
    try {
      model = await llama.loadModel({ modelPath: file.path });
      const context = await model.createContext({ contextSize: options.contextSize ?? { max: defaultMaxContextSize }, threads });
      const sequence = context.getSequence();
      // "auto" picks the chat template from the GGUF metadata, so real chat models get their own format.
      const chat = new module.LlamaChat({ contextSequence: sequence });
      logger.info(
        { provider: id, model: name, ms: Math.round(performance.now() - started), contextSize: context.contextSize, chatWrapper: chat.chatWrapper.wrapperName },
        'model loaded',
      );
      return { name, model, context, sequence, chat, queue: createSerialQueue() };
    } catch (error) {
      await model?.dispose();
      throw new ProviderError(id, 'upstream', `llama.cpp could not load ${file.path}: ${describe(error)}`, { cause: error });
    }
  }

  /** One grammar per distinct tool set, built once; a failed build is forgotten so it can be retried. */
  function getToolGrammar(tools: readonly ToolDefinition[]): Promise<ToolGrammar> {
    const schema = toolReplySchema(tools);
    const key = JSON.stringify(schema);
    const cached = toolGrammars.get(key);
    if (cached) {
      toolGrammars.delete(key);
      toolGrammars.set(key, cached);
      return cached;
    }
    const grammar = engine.get().then(({ llama }): Promise<ToolGrammar> => llama.createGrammarForJsonSchema(schema)).catch((error: unknown) => {
      toolGrammars.delete(key);
      if (error instanceof ProviderError) throw error;
      throw new ProviderError(id, 'upstream', `llama.cpp could not build a grammar for the tools ${tools.map((tool) => tool.name).join(', ')}: ${describe(error)}`, { cause: error });
    });
    toolGrammars.set(key, grammar);
    if (toolGrammars.size > maxCachedGrammars) toolGrammars.delete(toolGrammars.keys().next().value as string);
    return grammar;
  }

  async function generate(loaded: LoadedModel, request: ChatRequest, signal: AbortSignal, onText: (text: string) => void): Promise<GenerationOutcome> {
    const tools = request.tools?.length ? request.tools : undefined;
    const grammar = tools ? await getToolGrammar(tools) : undefined;
    const history = toChatHistory(request.messages, tools ? { instruction: toolInstruction(tools) } : {});
    // With tools the raw text is JSON: only the text of an answer reaches the reader.
    const answer = tools ? createAnswerDecoder() : undefined;
    const meterBefore = loaded.sequence.tokenMeter.getState();
    const response = await loaded.chat.generateResponse(history, {
      onTextChunk: answer ? (text) => onText(answer.push(text)) : onText,
      grammar,
      signal,
      stopOnAbortSignal: true,
      // Without a limit a story model can run forever; the context size keeps the reply, and
      // the text a slow reader may have queued, bounded.
      maxTokens: Math.min(request.maxTokens ?? Infinity, loaded.context.contextSize),
      temperature: request.temperature,
      topP: request.topP,
      seed: request.seed,
      // A stop sequence inside the JSON would cut it, so stop sequences apply to plain replies only.
      customStopTriggers: request.stop?.length && !tools ? request.stop : undefined,
    });
    if (response.metadata.stopReason === 'abort') throw signal.reason;
    let finishReason = toFinishReason(response.metadata.stopReason);
    const toolCalls: ToolCall[] = [];
    if (tools && grammar && answer) {
      logger.debug({ provider: id, model: loaded.name, stopReason: response.metadata.stopReason, reply: response.response.slice(0, 2_000) }, 'constrained tool reply');
      const reply = readConstrainedReply(grammar, tools, response.response, finishReason);
      if (reply?.kind === 'call') {
        toolCalls.push({ id: createToolCallIds()(0), name: reply.name, arguments: reply.arguments });
        finishReason = 'tool-calls';
      } else if (reply?.kind === 'answer' && reply.text.startsWith(answer.text)) {
        onText(reply.text.slice(answer.text.length));
      }
    }
    return {
      toolCalls,
      finishReason,
      usage: {
        promptTokens: countPromptTokens(loaded.model, loaded.chat.chatWrapper, response, history),
        // The meter counts sampled tokens only, so it is exact for this reply alone.
        completionTokens: loaded.sequence.tokenMeter.diff(meterBefore).usedOutputTokens,
      },
    };
  }

  /**
   * The parsed reply, or undefined for an answer cut at the token limit (its text has been
   * streamed already and the finish says `length`). A cut call or any other reply the grammar
   * should have prevented fails with a protocol error.
   */
  function readConstrainedReply(grammar: ToolGrammar, tools: readonly ToolDefinition[], text: string, finishReason: FinishReason): ReturnType<typeof readToolReply> | undefined {
    try {
      return readToolReply(grammar.parse(text), tools);
    } catch (error) {
      if (finishReason === 'length' && /^\s*\{\s*"answer"/.test(text)) return undefined;
      const cut = finishReason === 'length' ? ' (the reply was cut at its token limit: raise maxTokens)' : '';
      throw new ProviderError(id, 'protocol', `the constrained tool reply could not be read${cut}: ${describe(error)}; reply: ${text.slice(0, 200)}`, { cause: error });
    }
  }

  async function* streamChat(request: ChatRequest): AsyncGenerator<ChatStreamPart> {
    const controller = new AbortController();
    const forwardAbort = (): void => controller.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', forwardAbort, { once: true });
    if (request.signal?.aborted) controller.abort(request.signal.reason);
    const running = { controller, done: Promise.resolve() as Promise<unknown> };
    runningGenerations.add(running);
    try {
      const loaded = await waitUnlessAborted(getModel(request.model), controller.signal);
      const channel = createTextChannel();
      const generation = loaded.queue.run(() => generate(loaded, request, controller.signal, channel.push), controller.signal);
      running.done = generation.catch(() => undefined);
      generation.then(() => channel.end(), (error: unknown) => channel.fail(error));
      for (let text = await channel.next(); text !== undefined; text = await channel.next()) {
        yield { type: 'text-delta', text };
      }
      const outcome = await generation;
      for (const call of outcome.toolCalls) yield { type: 'tool-call', ...call };
      yield { type: 'finish', finishReason: outcome.finishReason, usage: outcome.usage };
    } catch (error) {
      throw toProviderError(error, controller.signal);
    } finally {
      // Reached on completion, on error and when the consumer breaks out of its loop: in the
      // last case this abort is what stops the native generation.
      controller.abort();
      request.signal?.removeEventListener('abort', forwardAbort);
      await running.done;
      runningGenerations.delete(running);
    }
  }

  function toProviderError(error: unknown, signal: AbortSignal): ProviderError {
    if (error instanceof ProviderError) return error;
    if (signal.aborted) {
      return new ProviderError(id, 'aborted', closed ? 'the llama-cpp provider was closed during generation' : 'generation aborted', { cause: error });
    }
    return new ProviderError(id, 'upstream', `llama.cpp generation failed: ${describe(error)}`, { cause: error });
  }

  function getEmbeddingContext(loaded: LoadedModel): Promise<LlamaEmbeddingContext> {
    loaded.embeddingContext ??= loaded.model
      .createEmbeddingContext({ contextSize: options.contextSize ?? { max: defaultMaxContextSize }, threads })
      .catch((error: unknown) => {
        loaded.embeddingContext = undefined;
        throw new ProviderError(id, 'upstream', `llama.cpp could not create an embedding context for ${loaded.name}: ${describe(error)}`, { cause: error });
      });
    return loaded.embeddingContext;
  }

  return {
    id,
    kind: 'llama-cpp',
    capabilities,

    async listModels(signal) {
      signal?.throwIfAborted();
      const files = await listDirectory();
      return files.map((file): ModelInfo => {
        const loaded = loadedModels.get(file.name);
        const details: Record<string, unknown> = { format: 'gguf', sizeBytes: file.sizeBytes, loaded: loaded !== undefined };
        if (loaded) {
          details.architecture = loaded.model.fileInfo.metadata.general.architecture;
          details.contextLength = loaded.model.trainContextSize;
          const sizeLabel = loaded.model.fileInfo.metadata.general.size_label;
          if (sizeLabel) details.parameters = sizeLabel;
        }
        return { name: file.name, details };
      });
    },

    streamChat,

    async embed({ model, input, signal }) {
      try {
        signal?.throwIfAborted();
        const loaded = await waitUnlessAborted(getModel(model), signal);
        const embeddingContext = await waitUnlessAborted(getEmbeddingContext(loaded), signal);
        const embeddings: number[][] = [];
        let promptTokens = 0;
        for (const text of input) {
          signal?.throwIfAborted();
          // An empty input would come back as a zero-length vector and break any vector store.
          if (text === '') throw new ProviderError(id, 'upstream', 'cannot embed an empty string');
          promptTokens += embeddingContext.calculateInputLength(text);
          const embedding = await embeddingContext.getEmbeddingFor(text);
          embeddings.push([...embedding.vector]);
        }
        return { embeddings, usage: { promptTokens } };
      } catch (error) {
        if (error instanceof ProviderError) throw error;
        if (signal?.aborted) throw new ProviderError(id, 'aborted', 'embedding aborted', { cause: error });
        throw new ProviderError(id, 'upstream', `llama.cpp embedding failed: ${describe(error)}`, { cause: error });
      }
    },

    // Only reads the directory: loading a model here would make health checks slow and heavy.
    async probe(): Promise<ProbeResult> {
      const started = performance.now();
      const elapsed = (): number => Math.round(performance.now() - started);
      if (closed) return { status: 'down', latencyMs: 0, detail: 'the llama-cpp provider has been closed' };
      let listing: ModelDirectoryListing;
      try {
        listing = await readModelDirectory(modelsDir);
      } catch (error) {
        return {
          status: 'down',
          latencyMs: elapsed(),
          detail: `cannot read ${modelsDir}: ${errorCode(error) ?? describe(error)}`,
          hint: 'make MODELS_DIR a directory the server user can read',
        };
      }
      // A missing directory is treated like an empty one: nothing is configured yet, which is
      // a deliberate state rather than an outage.
      if (!listing.exists) {
        return { status: 'disabled', latencyMs: elapsed(), detail: `${modelsDir} does not exist`, hint: 'create MODELS_DIR and put a .gguf file in it' };
      }
      if (listing.files.length === 0) {
        return { status: 'disabled', latencyMs: elapsed(), detail: `no GGUF models in ${modelsDir}`, hint: 'put a .gguf file in MODELS_DIR' };
      }
      if (engine.failure !== undefined) {
        return {
          status: 'down',
          latencyMs: elapsed(),
          detail: `llama.cpp could not start: ${engine.failure}`,
          hint: 'install a node-llama-cpp prebuilt binary for this platform or build one with "npx --no node-llama-cpp source build"',
        };
      }
      const count = `${listing.files.length} GGUF model${listing.files.length === 1 ? '' : 's'} in ${modelsDir}`;
      const state = !engine.started ? 'engine not loaded yet' : loadedModels.size === 0 ? 'no model loaded yet' : `loaded: ${[...loadedModels.keys()].join(', ')}`;
      return { status: 'healthy', latencyMs: elapsed(), detail: `${count} (${state})` };
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const running of runningGenerations) running.controller.abort();
      await Promise.all([...runningGenerations].map((running) => running.done));
      const loads = await Promise.allSettled(loadingModels.values());
      for (const load of loads) {
        if (load.status !== 'fulfilled') continue;
        const embeddingContext = await load.value.embeddingContext?.catch(() => undefined);
        await embeddingContext?.dispose();
        load.value.chat.dispose();
        await load.value.context.dispose();
        await load.value.model.dispose();
      }
      loadingModels.clear();
      loadedModels.clear();
      toolGrammars.clear();
      await engine.dispose();
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
