/**
 * The composition root: builds every capability from the configuration, in one place.
 * Adapters are chosen here and nowhere else.
 */
import { mkdirSync } from 'node:fs';
import { createAgentCatalog, type AgentCatalog } from './agents/agent-catalog.js';
import { createRunService, type RunService } from './agents/agent-runs.js';
import { createEmbedderResolver } from './knowledge/embedder.js';
import { chunkDocument } from './knowledge/ingestion/chunk-document.js';
import { createKnowledgeSearchTool } from './knowledge/knowledge-search-tool.js';
import { createKnowledgeService, type KnowledgeService } from './knowledge/knowledge-service.js';
import { createVectorStore } from './knowledge/vector-stores/index.js';
import type { VectorStore } from './knowledge/vector-stores/vector-store.js';
import { builtinAgentsDir } from './agents/agent-files.js';
import path, { resolve as resolvePath } from 'node:path';
import { createChatService, type ChatService } from './chat/chat-service.js';
import type { ResolvedConfig } from './config/load.js';
import { createInProcessStreamHub } from './events/in-process-stream-hub.js';
import { createRedisStreamHub } from './events/redis-stream-hub.js';
import type { StreamHub } from './events/stream-hub.js';
import { createPlatformMetrics, type PlatformMetrics } from './metrics/platform-metrics.js';
import { createInProcessQueue } from './events/queue/in-process-queue.js';
import type { JobQueue } from './events/queue/job-queue.js';
import { runHealthChecks, timed, type HealthProbe } from './health/health-checks.js';
import { createRedisProbe } from './health/redis-probe.js';
import { keepMcpProbes } from './agents/mcp/mcp-health.js';
import { createMcpManager, type McpManager } from './agents/mcp/mcp-manager.js';
import { createSettingsMcpServerStore } from './agents/mcp/mcp-server-store.js';
import { createBuiltinTools } from './agents/tools/builtin-tools.js';
import { createToolRegistry } from './agents/tools/tool-registry.js';
import type { ToolRegistry } from './agents/tools/tool.js';
import { createLlamaCppProvider } from './llm/llama-cpp/llama-cpp-provider.js';
import { createOllamaProvider } from './llm/ollama/ollama-provider.js';
import { createOpenAICompatibleProvider } from './llm/openai-compatible/openai-compatible-provider.js';
import type { Provider, ProviderTimeouts } from './llm/provider.js';
import { createModelRegistry, type ModelRegistry } from './llm/registry.js';
import type { Logger } from './logger.js';
import { openStorage, sqlQuery, type Storage } from './storage/database.js';
import { ensureUser } from './storage/users-repository.js';
import { createAuthService, type AuthService } from './auth/auth-service.js';
import { createInMemoryWindowLimiter, withFailurePolicy, type WindowLimiter } from './limits/window-limiter.js';
import { createRedisWindowLimiter } from './limits/redis-window-limiter.js';
import type { Redis } from 'ioredis';
import { LOCAL_OWNER_ID } from './platform-constants.js';
import { createGuardedFetch, type GuardedFetch, type OutboundPolicy } from './net/outbound-guard.js';
import { createVoice } from './voice/create-voice.js';
import type { VoiceService } from './voice/voice-service.js';
import { loadTracing } from './tracing/load-tracing.js';
import type { Tracing } from './tracing/tracing.js';

export { LOCAL_OWNER_ID };

export interface Platform {
  config: ResolvedConfig;
  storage: Storage;
  registry: ModelRegistry;
  hub: StreamHub;
  /** Background jobs (agent runs): RabbitMQ when AMQP_URL is set, else in memory. */
  queue: JobQueue;
  runs: RunService;
  knowledge: KnowledgeService;
  vectors: VectorStore;
  chat: ChatService;
  agents: AgentCatalog;
  probes: HealthProbe[];
  auth: AuthService;
  limiter: WindowLimiter;
  /** fetch for URLs given at run time (provider tests, documents, tools): the strict outbound policy. */
  outboundFetch: GuardedFetch;
  outboundPolicy: OutboundPolicy;
  providerTimeouts: ProviderTimeouts;
  /** Built-in and MCP tools for agents: `tools.resolve(agent.tools)`. */
  tools: ToolRegistry;
  /** The MCP servers an administrator configured. */
  mcp: McpManager;
  /** Speech to text, text to speech, voice activity and the hands-free conversation. */
  voice: VoiceService;
  /** What GET /metrics shows. */
  metrics: PlatformMetrics;
  /** OpenTelemetry traces; undefined (and not loaded) when no OTLP endpoint is configured. */
  tracing: Tracing | undefined;
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface PlatformOptions {
  /** Tracing loaded before the logger (whose lines it stamps); the platform owns and closes it. Default: loaded here. */
  tracing?: Tracing | undefined;
}

export async function createPlatform(config: ResolvedConfig, logger: Logger, options: PlatformOptions = {}): Promise<Platform> {
  mkdirSync(config.dataDir, { recursive: true });
  const tracing = 'tracing' in options ? options.tracing : await loadTracing(config);
  tracing?.useLogger(logger);
  const storage = await openStorage(config.database);
  await ensureUser(storage.db, { id: LOCAL_OWNER_ID, name: 'Local user', role: 'admin', now: Date.now() });

  const timeouts: ProviderTimeouts = {
    connectMs: config.PROVIDER_CONNECT_TIMEOUT_MS,
    firstTokenMs: config.PROVIDER_FIRST_TOKEN_TIMEOUT_MS,
    betweenTokensMs: config.PROVIDER_IDLE_TIMEOUT_MS,
  };
  // Every server-side request goes through the outbound guard. The model servers named in the
  // configuration are the operator's choice and allowed; URLs given at run time get the strict policy.
  const outboundPolicy: OutboundPolicy = {
    allowPrivate: config.OUTBOUND_ALLOW_PRIVATE,
    allowLoopback: config.OUTBOUND_ALLOW_LOOPBACK,
    allowCredentials: config.OUTBOUND_ALLOW_URL_CREDENTIALS,
    allowHosts: config.outboundAllowHosts,
  };
  const configuredHosts = [config.ollama.baseURL, config.OPENAI_BASE_URL, config.STT_BASE_URL, config.TTS_BASE_URL, config.QDRANT_URL].filter((u): u is string => u !== undefined).map((u) => hostAndPort(new URL(u)));
  const outboundFetch = createGuardedFetch(outboundPolicy);
  // The configured servers (model, vector and speech servers) get the trace context, so a traced one joins the trace;
  // URLs given at run time do not: a trace id is nothing to hand to whoever a user or a model names.
  const guardedProviderFetch = createGuardedFetch({ ...outboundPolicy, allowHosts: [...config.outboundAllowHosts, ...configuredHosts] });
  const providerFetch = tracing ? tracing.propagate(guardedProviderFetch) : guardedProviderFetch;
  const providers: Provider[] = [];
  const probes: HealthProbe[] = [{
    name: 'database', kind: storage.dialect, required: true, modelProvider: false,
    run: () => timed(async () => {
      await storage.ping();
      return storage.describe();
    }, 'Check DATABASE_URL and that the database server is running.'),
  }];

  if (config.modelsDir) {
    const llamaCpp = createLlamaCppProvider({ modelsDir: config.modelsDir, threads: config.LLAMA_THREADS, contextSize: config.LLAMA_CONTEXT_SIZE, logger });
    providers.push(llamaCpp);
    probes.push(providerProbe(llamaCpp));
  } else {
    probes.push({
      name: 'llama-cpp', kind: 'llama-cpp', required: false, modelProvider: true,
      run: async () => ({ status: 'disabled', latencyMs: 0, detail: 'MODELS_DIR is not set and ./models does not exist.', hint: 'Put a .gguf file in ./models or set MODELS_DIR to a folder of GGUF files, then restart.' }),
    });
  }

  const ollama = createOllamaProvider({ baseURL: config.ollama.baseURL, timeouts, fetch: providerFetch });
  providers.push(ollama);
  probes.push(config.ollama.explicit ? providerProbe(ollama) : {
    ...providerProbe(ollama),
    // Nobody asked for Ollama: when it is not there it is disabled, not a fault.
    run: async () => {
      const result = await ollama.probe();
      return result.status === 'healthy' ? result : {
        status: 'disabled', latencyMs: result.latencyMs,
        detail: `Not configured, and nothing answers at ${config.ollama.baseURL} (${result.detail}).`,
        hint: 'Start Ollama (ollama serve) to use it, or set OLLAMA_BASE_URL to where it runs.',
      };
    },
  });

  if (config.OPENAI_BASE_URL) {
    const openai = createOpenAICompatibleProvider({ baseURL: config.OPENAI_BASE_URL, apiKey: config.OPENAI_API_KEY, timeouts, fetch: providerFetch });
    providers.push(openai);
    probes.push(providerProbe(openai));
  }

  const registry = createModelRegistry({ providers: tracing ? providers.map((provider) => tracing.traceProvider(provider)) : providers, defaultModel: config.DEFAULT_MODEL });
  const agents = await createAgentCatalog({ storage, dir: config.AGENTS_DIR ? resolvePath(config.AGENTS_DIR) : builtinAgentsDir, logger });
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, logger) : undefined;
  // With Redis, a stream can be resumed and stopped on any replica.
  const hub = redis
    ? createRedisStreamHub({ redis, resumeWindowMs: config.STREAM_RESUME_WINDOW_MS, logger })
    : createInProcessStreamHub({ resumeWindowMs: config.STREAM_RESUME_WINDOW_MS });
  const limiter = redis
    ? withFailurePolicy(createRedisWindowLimiter(redis), config.RATE_LIMIT_WHEN_REDIS_DOWN, (error) => logger.warn({ err: error, policy: config.RATE_LIMIT_WHEN_REDIS_DOWN }, 'rate limits: Redis does not answer'))
    : createInMemoryWindowLimiter();
  if (redis) probes.push(createRedisProbe(redis));
  // RabbitMQ connects in the background: a broker that is away delays jobs, it does not stop start-up.
  // amqplib is loaded only when it is used, as ioredis is below: start-up time of every other server.
  const untracedQueue = config.AMQP_URL
    ? (await import('./events/queue/rabbitmq-queue.js')).createRabbitMqQueue({ url: config.AMQP_URL, prefix: config.AMQP_QUEUE_PREFIX, maxAttempts: config.JOB_MAX_ATTEMPTS, prefetch: config.JOB_CONCURRENCY, logger })
    : createInProcessQueue({ maxAttempts: config.JOB_MAX_ATTEMPTS, concurrency: config.JOB_CONCURRENCY });
  const queue = tracing ? tracing.traceQueue(untracedQueue) : untracedQueue;
  probes.push({ name: 'job-queue', kind: queue.kind, required: false, modelProvider: false, run: () => queue.probe() });
  const auth = createAuthService({ storage, limiter, sessionTtlMs: config.SESSION_TTL_HOURS * 3_600_000, loginMaxAttempts: config.LOGIN_MAX_ATTEMPTS });

  // One process owns a SQLite file, so every `generating` reply left there is from a dead
  // process. On a shared PostgreSQL only replies that stopped saving progress are.
  // Tools reach the network only through the strict outbound policy; stdio MCP servers run
  // commands, so they need MCP_STDIO_ENABLED. Servers are connected on first use.
  const mcp = createMcpManager({ store: createSettingsMcpServerStore(storage.db), fetch: outboundFetch, outboundPolicy, stdioEnabled: config.MCP_STDIO_ENABLED, callTimeoutMs: config.TOOL_TIMEOUT_MS, logger });
  await mcp.load();
  keepMcpProbes(probes, mcp);
  const vectors = createVectorStore(config, {
    // Qdrant is a server the administrator configured, allowed like the model servers.
    fetch: providerFetch,
    // pgvector shares the platform's PostgreSQL connection pool.
    ...(storage.dialect === 'postgres' ? { query: sqlQuery(storage.db) } : {}),
  });
  probes.push({ name: 'vector-store', kind: vectors.kind, required: false, modelProvider: false, run: () => vectors.probe() });
  const knowledge = createKnowledgeService({
    storage, queue, vectors, logger, fetch: outboundFetch, maxDocumentBytes: config.KNOWLEDGE_MAX_UPLOAD_BYTES,
    embedder: createEmbedderResolver(registry, config.EMBEDDING_MODEL),
    ingestion: {
      // The parsers (csv-parse, pdfjs, mammoth) load with the first document, not at start-up.
      parse: async (source) => (await import('./knowledge/ingestion/parse-document.js')).parseDocument(source, { maxBytes: config.KNOWLEDGE_MAX_UPLOAD_BYTES }),
      chunk: (parsed, options) => chunkDocument(parsed, options),
    },
  });
  const tools = createToolRegistry({
    builtins: [...createBuiltinTools({
      fetch: outboundFetch,
      httpFetch: { enabled: config.HTTP_FETCH_ENABLED, maxBytes: config.HTTP_FETCH_MAX_BYTES, timeoutMs: config.HTTP_FETCH_TIMEOUT_MS },
      health: () => runHealthChecks(probes),
    }), { tool: createKnowledgeSearchTool(knowledge), enabled: true }],
    mcp,
    timeoutMs: config.TOOL_TIMEOUT_MS,
  });
  const metrics = createPlatformMetrics({ activeStreams: () => hub.activeCount(), health: () => runHealthChecks(probes) });
  const chat = createChatService({
    storage, registry, hub, agents, logger, toolTimeoutMs: config.TOOL_TIMEOUT_MS, metrics,
    tools: tracing ? tracing.traceTools(tools) : tools,
    knowledge: tracing ? tracing.traceRetrieval(knowledge) : knowledge,
    tracing: tracing?.chat,
    maxHistoryMessages: config.MAX_HISTORY_MESSAGES, maxConcurrentStreams: config.MAX_CONCURRENT_STREAMS, maxTokensCap: config.MAX_TOKENS_CAP,
  });
  const runs = createRunService({ storage, queue, chat, agents, logger });
  const voice = createVoice(config, { chat, registry, fetch: providerFetch, logger });
  probes.push(...voice.probes());

  const staleAfterMs = storage.dialect === 'sqlite' ? 0 : 15_000;
  let sweeper: NodeJS.Timeout | undefined;
  return {
    config, storage, registry, hub, queue, chat, agents, runs, knowledge, vectors, probes, auth, limiter, outboundFetch, outboundPolicy, providerTimeouts: timeouts, tools, mcp, voice, metrics, tracing,
    /** Runs once the server is listening, so a process that fails to start changes nothing. */
    async start() {
      const recovered = await chat.recoverInterrupted({ staleAfterMs });
      if (recovered > 0) logger.warn({ recovered }, 'replies left generating by an earlier process were marked interrupted');
      await runs.startWorker({ concurrency: config.JOB_CONCURRENCY });
      await knowledge.startWorker({ concurrency: config.JOB_CONCURRENCY });
      const requeued = await runs.recover();
      if (requeued > 0) logger.warn({ requeued }, 'agent runs left unfinished by an earlier process were queued again');
      if (storage.dialect === 'postgres') {
        sweeper = setInterval(() => void chat.recoverInterrupted({ staleAfterMs }).catch((error: unknown) => logger.warn({ err: error }, 'interrupted-reply sweep failed')), 10_000).unref();
      }
    },
    async close() {
      clearInterval(sweeper);
      // First: job handlers use everything below, and their jobs go back to the queue.
      await runs.close();
      await knowledge.close();
      await queue.close();
      await chat.close();
      await voice.close();
      hub.close();
      metrics.close();
      await registry.close();
      await mcp.close();
      outboundFetch.close();
      redis?.disconnect();
      providerFetch.close();
      await vectors.close();
      await storage.close();
      // Last: the spans of everything above are ended and exported.
      await tracing?.close();
    },
  };
}

function providerProbe(provider: Provider): HealthProbe {
  return { name: provider.id, kind: provider.kind, required: false, modelProvider: true, run: () => provider.probe() };
}

function hostAndPort(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

/**
 * Redis for shared limits: commands fail within a second when it is away (the limiter's
 * failure policy decides what that means), and the client reconnects by itself.
 */
async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const { Redis: RedisClient } = await import('ioredis');
  const redis = new RedisClient(url, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: 1000, connectTimeout: 2000, enableOfflineQueue: false });
  let lastReport = 0;
  redis.on('error', (error: Error) => {
    if (Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      logger.warn({ err: error }, 'Redis connection error');
    }
  });
  // Start-up waits for the first connection, but a Redis that is away does not stop the server.
  await redis.connect().catch((error: unknown) => logger.warn({ err: error }, 'Redis does not answer at start-up; retrying in the background'));
  return redis;
}
