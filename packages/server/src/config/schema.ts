/**
 * The one configuration schema. Every setting is declared once here, as TypeBox (JSON
 * Schema): its environment variable (the property name, also the key in
 * `sutazai.config.json`), its type, its default, an example and the words a user reads
 * when it is wrong. The loader, `sutazai config check` and the README table all read it.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Extra keywords on each property; TypeBox keeps unknown options on the schema. */
interface Meta {
  description: string;
  example: string;
  /** Masked in every printout. */
  secret?: boolean;
  /** Semantic check applied after the JSON Schema check. */
  check?: 'url' | 'database-url' | 'redis-url' | 'amqp-url' | 'existing-dir-when-set' | 'key-value-list';
}

const meta = (m: Meta) => m;

const traceSamplers = ['parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio', 'always_on', 'always_off', 'traceidratio'] as const;

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export const ConfigSchema = Type.Object({
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', ...meta({ example: '0.0.0.0',
    description: 'Address the HTTP server listens on. Use 0.0.0.0 to accept connections from other machines.' }) }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 10200, ...meta({ example: '10200',
    description: 'TCP port of the API and the web UI (0 picks a free port).' }) }),
  DATA_DIR: Type.String({ minLength: 1, default: './data', ...meta({ example: './data',
    description: 'Folder for the embedded database and other local state; created if missing.' }) }),
  DATABASE_URL: Type.Optional(Type.String({ minLength: 1, ...meta({ example: 'postgres://user:pass@127.0.0.1:5432/sutazai', check: 'database-url', secret: true,
    description: 'Storage. Unset: the SQLite file `DATA_DIR/sutazai.db`. `sqlite:<path>` for another SQLite file, `postgres://...` for PostgreSQL (optional `?schema=<name>`).' }) })),
  VECTOR_STORE: Type.Union([Type.Literal('embedded'), Type.Literal('pgvector'), Type.Literal('qdrant')], { default: 'embedded', ...meta({ example: 'pgvector',
    description: 'Where knowledge-base embeddings are searched. `embedded`: usearch (HNSW) files in `DATA_DIR/vectors`, the fastest embedded store in the benchmark. `pgvector`: tables in the PostgreSQL of DATABASE_URL, which must then be `postgres://...` on a server with the pgvector extension. `qdrant`: the Qdrant server at QDRANT_URL.' }) }),
  QDRANT_URL: Type.Optional(Type.String({ ...meta({ example: 'http://127.0.0.1:6333', check: 'url',
    description: 'Qdrant\'s REST address (port 6333 by default); required when VECTOR_STORE=qdrant.' }) })),
  QDRANT_API_KEY: Type.Optional(Type.String({ ...meta({ example: 'qdrant-key', secret: true,
    description: 'API key sent to QDRANT_URL in the `api-key` header.' }) })),
  REDIS_URL: Type.Optional(Type.String({ minLength: 1, ...meta({ example: 'redis://127.0.0.1:6379', check: 'redis-url', secret: true,
    description: 'Redis shared by every replica: stream events (resume and stop a reply on any replica) and rate and sign-in limits. Unset: both in the memory of each process.' }) })),
  RATE_LIMIT_WHEN_REDIS_DOWN: Type.Union([Type.Literal('refuse'), Type.Literal('allow')], { default: 'refuse', ...meta({ example: 'refuse',
    description: 'What limited requests get while REDIS_URL does not answer: `refuse` (503 LIMITS_UNAVAILABLE) or `allow` (served without limits, logged).' }) }),
  AMQP_URL: Type.Optional(Type.String({ minLength: 1, ...meta({ example: 'amqp://user:pass@127.0.0.1:5672', check: 'amqp-url', secret: true,
    description: 'RabbitMQ for background jobs (agent runs): durable, shared by every replica, kept across restarts. Unset: an in-process queue (agent runs are stored and queued again after a restart).' }) })),
  AMQP_QUEUE_PREFIX: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._-]+$', default: 'sutazai.jobs', ...meta({ example: 'sutazai.jobs',
    description: 'Start of the RabbitMQ queue names (`<prefix>.work.<kind>`, `<prefix>.dead.<kind>`): give installations that share a broker different prefixes.' }) }),
  JOB_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 3, ...meta({ example: '3',
    description: 'Deliveries a background job gets (failures, and runs cut short by a crash; not hand-backs of a graceful stop) before it goes to the dead-letter queue.' }) }),
  JOB_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 1000, default: 2, ...meta({ example: '2',
    description: 'Background jobs of one kind each process runs at once (the RabbitMQ prefetch).' }) }),
  MODELS_DIR: Type.Optional(Type.String({ minLength: 1, ...meta({ example: './models', check: 'existing-dir-when-set',
    description: 'Folder of GGUF files served by the embedded llama.cpp engine. Unset: `./models` if it exists. When set it must exist.' }) })),
  EMBEDDING_MODEL: Type.Optional(Type.String({ minLength: 1, ...meta({ example: 'ollama/nomic-embed-text',
    description: 'Model that embeds knowledge-base passages and queries (any provider with embeddings). Unset: the default model, when its provider can embed; otherwise knowledge bases are searched by full text only (and say so).' }) })),
  KNOWLEDGE_MAX_UPLOAD_BYTES: Type.Integer({ minimum: 1024, maximum: 1_073_741_824, default: 20_971_520, ...meta({ example: '20971520',
    description: 'Largest document accepted by upload or URL (bytes); a larger upload gets 413 before it is read.' }) }),
  AGENTS_DIR: Type.Optional(Type.String({ minLength: 1, ...meta({ example: './agents', check: 'existing-dir-when-set',
    description: 'Folder of the built-in agent files (one JSON file per agent). Unset: the `agents/` folder that ships with SutazAI.' }) })),
  OLLAMA_BASE_URL: Type.Optional(Type.String({ ...meta({ example: 'http://127.0.0.1:11434', check: 'url',
    description: 'Ollama server. Unset: Ollama on http://127.0.0.1:11434 is used when it answers and shown as disabled when it does not.' }) })),
  OPENAI_BASE_URL: Type.Optional(Type.String({ ...meta({ example: 'http://127.0.0.1:8000/v1', check: 'url',
    description: 'Any OpenAI-compatible server (OpenAI, vLLM, llama.cpp server, LM Studio), with its `/v1` path.' }) })),
  OPENAI_API_KEY: Type.Optional(Type.String({ ...meta({ example: 'sk-...', secret: true,
    description: 'API key sent to OPENAI_BASE_URL as a bearer token.' }) })),
  DEFAULT_MODEL: Type.Optional(Type.String({ minLength: 1, ...meta({ example: 'llama3.2:3b',
    description: 'Model used when a request names none. Unset: the first available model.' }) })),
  LOG_LEVEL: Type.Union(logLevels.map((level) => Type.Literal(level)), {
    default: 'info', ...meta({ example: 'info', description: 'Verbosity of the JSON logs.' }) }),
  PROVIDER_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 5000, ...meta({ example: '5000',
    description: 'Time allowed for a model server to answer a request with headers.' }) }),
  PROVIDER_FIRST_TOKEN_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 120_000, ...meta({ example: '120000',
    description: 'Time allowed until the first token of a reply (includes model loading on the model server).' }) }),
  PROVIDER_IDLE_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000, ...meta({ example: '30000',
    description: 'Longest silence allowed between two tokens of a reply.' }) }),
  STREAM_RESUME_WINDOW_MS: Type.Integer({ minimum: 0, maximum: 600_000, default: 10_000, ...meta({ example: '10000',
    description: 'How long a generation goes on after its last client disconnected, waiting for a reconnect with Last-Event-ID, before it is stopped and stored as interrupted.' }) }),
  LLAMA_THREADS: Type.Integer({ minimum: 1, maximum: 256, default: 1, ...meta({ example: '4',
    description: 'CPU threads per embedded llama.cpp context. 1 is fastest for tiny models on small machines.' }) }),
  LLAMA_CONTEXT_SIZE: Type.Integer({ minimum: 128, maximum: 1_048_576, default: 2048, ...meta({ example: '4096',
    description: 'Context size in tokens of embedded llama.cpp models.' }) }),
  MAX_HISTORY_MESSAGES: Type.Integer({ minimum: 0, maximum: 10_000, default: 40, ...meta({ example: '40',
    description: 'How many earlier messages of a conversation are sent to the model with each turn.' }) }),
  AUTH: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')], { default: 'enabled', ...meta({ example: 'enabled',
    description: 'Accounts and sign-in. `disabled` runs single-user (every request acts as a local admin) and is accepted only when HOST is a loopback address.' }) }),
  SESSION_TTL_HOURS: Type.Integer({ minimum: 1, maximum: 8760, default: 168, ...meta({ example: '168',
    description: 'How long a sign-in (token and cookie) stays valid.' }) }),
  TRUST_PROXY: Type.Boolean({ default: false, ...meta({ example: 'true',
    description: 'Trust X-Forwarded-* headers from a reverse proxy (client address for limits, https for secure cookies).' }) }),
  CORS_ORIGINS: Type.Optional(Type.String({ ...meta({ example: 'https://jarvis.example.com,http://localhost:11000',
    description: 'Comma-separated origins allowed to call the API from a browser. Unset: same origin only.' }) })),
  RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 300, ...meta({ example: '300',
    description: 'Requests per minute allowed for each user and each API key (429 with Retry-After beyond).' }) }),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, maxLength: 512, pattern: '^\\S+$', ...meta({ example: 'a-long-random-string', secret: true,
    description: 'Bearer token Prometheus sends to GET /metrics (`Authorization: Bearer <token>`); administrators\' credentials work too. Unset: administrators only (anyone in single-user mode, where every request is the local administrator).' }) })),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ ...meta({ example: 'http://127.0.0.1:4318', check: 'url',
    description: 'OpenTelemetry traces: the base address of an OTLP/HTTP receiver (an OpenTelemetry Collector, Jaeger, Grafana Tempo; port 4318), sent to `<address>/v1/traces` as OTLP JSON. Unset (with OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): no tracing, and the OpenTelemetry packages are not even loaded.' }) })),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.Optional(Type.String({ ...meta({ example: 'http://127.0.0.1:4318/v1/traces', check: 'url',
    description: 'The full address traces are sent to, used as it is (no `/v1/traces` added); wins over OTEL_EXPORTER_OTLP_ENDPOINT.' }) })),
  OTEL_EXPORTER_OTLP_HEADERS: Type.Optional(Type.String({ ...meta({ example: 'authorization=Bearer%20abc,x-scope-orgid=home', check: 'key-value-list', secret: true,
    description: 'Headers sent with every trace export, as `key=value` pairs separated by commas (values percent-encoded), e.g. a receiver\'s credential.' }) })),
  OTEL_SERVICE_NAME: Type.String({ minLength: 1, maxLength: 255, default: 'sutazai', ...meta({ example: 'sutazai-eu-1',
    description: 'The `service.name` of the traces: how this server is listed in Jaeger or Tempo.' }) }),
  OTEL_RESOURCE_ATTRIBUTES: Type.Optional(Type.String({ ...meta({ example: 'deployment.environment.name=production,service.namespace=home', check: 'key-value-list',
    description: 'More attributes of the traces\' resource, as `key=value` pairs separated by commas (values percent-encoded). OTEL_SERVICE_NAME wins over a `service.name` here.' }) })),
  OTEL_TRACES_SAMPLER: Type.Union(traceSamplers.map((name) => Type.Literal(name)), { default: 'parentbased_always_on', ...meta({ example: 'parentbased_traceidratio',
    description: 'Which requests are traced, as OpenTelemetry names it: `parentbased_*` follow the sampled flag of an incoming `traceparent` and decide for themselves otherwise (`always_on`: all, `always_off`: none, `traceidratio`: the share OTEL_TRACES_SAMPLER_ARG gives).' }) }),
  OTEL_TRACES_SAMPLER_ARG: Type.Optional(Type.Number({ minimum: 0, maximum: 1, ...meta({ example: '0.1',
    description: 'The share of traces kept (0 to 1) by the `traceidratio` and `parentbased_traceidratio` samplers. Unset: 1 (all).' }) })),
  OTEL_BSP_SCHEDULE_DELAY: Type.Integer({ minimum: 1, maximum: 600_000, default: 5000, ...meta({ example: '1000',
    description: 'Milliseconds finished spans wait to be exported together in one batch.' }) }),
  MAX_CONCURRENT_STREAMS: Type.Integer({ minimum: 1, maximum: 10_000, default: 8, ...meta({ example: '8',
    description: 'Replies one user may have generating at the same time.' }) }),
  LOGIN_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 10_000, default: 10, ...meta({ example: '10',
    description: 'Failed sign-ins allowed per account in 15 minutes (five times as many per client address).' }) }),
  MAX_TOKENS_CAP: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 32_768, ...meta({ example: '8192',
    description: 'Largest max_tokens a request may ask for; larger values are refused with 400.' }) }),
  OUTBOUND_ALLOW_PRIVATE: Type.Boolean({ default: false, ...meta({ example: 'true',
    description: 'Let server-side requests to URLs given at run time (providers tested from the UI, documents, agent tools) reach private networks (10/8, 172.16/12, 192.168/16, fc00::/7). Cloud metadata addresses stay refused.' }) }),
  OUTBOUND_ALLOW_LOOPBACK: Type.Boolean({ default: false, ...meta({ example: 'true',
    description: 'Let those requests reach this machine (127.0.0.0/8, ::1, localhost).' }) }),
  OUTBOUND_ALLOW_URL_CREDENTIALS: Type.Boolean({ default: false, ...meta({ example: 'true',
    description: 'Accept user:password@ in those URLs (sent as Basic authorization).' }) }),
  OUTBOUND_ALLOW_HOSTS: Type.Optional(Type.String({ ...meta({ example: 'ollama.internal:11434,10.0.0.0/8',
    description: 'Comma-separated hosts, host:port pairs or CIDR ranges those requests may reach although they are private or loopback. The model servers configured here (OLLAMA_BASE_URL, OPENAI_BASE_URL) are always allowed.' }) })),
  TOOL_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000, ...meta({ example: '30000',
    description: 'Longest one tool call of an agent (built-in or MCP) may take; the model is then told it timed out.' }) }),
  HTTP_FETCH_ENABLED: Type.Boolean({ default: false, ...meta({ example: 'true',
    description: 'Offer agents the http_fetch tool: GET requests to URLs the model chooses, through the outbound guard (private and loopback addresses stay refused unless the OUTBOUND_ALLOW_* settings open them).' }) }),
  HTTP_FETCH_MAX_BYTES: Type.Integer({ minimum: 1024, maximum: 100_000_000, default: 2_000_000, ...meta({ example: '2000000',
    description: 'Largest answer http_fetch reads; a larger page is refused.' }) }),
  HTTP_FETCH_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 15_000, ...meta({ example: '15000',
    description: 'Time http_fetch allows for one page, body included.' }) }),
  MCP_STDIO_ENABLED: Type.Boolean({ default: false, ...meta({ example: 'true',
    description: 'Let administrators add MCP servers that run a command on this machine (stdio transport), as the server\'s user with its privileges. Off: Streamable HTTP MCP servers only.' }) }),
  STT_BASE_URL: Type.Optional(Type.String({ ...meta({ example: 'http://127.0.0.1:8000/v1', check: 'url',
    description: 'OpenAI-compatible speech-to-text server (faster-whisper-server, whisper.cpp server, OpenAI) with its `/v1` path. Unset: pocketsphinx on this machine (English).' }) })),
  STT_API_KEY: Type.Optional(Type.String({ ...meta({ example: 'sk-...', secret: true,
    description: 'API key sent to STT_BASE_URL as a bearer token.' }) })),
  STT_MODEL: Type.String({ minLength: 1, default: 'whisper-1', ...meta({ example: 'Systran/faster-whisper-small',
    description: 'Model asked of STT_BASE_URL.' }) }),
  TTS_BASE_URL: Type.Optional(Type.String({ ...meta({ example: 'http://127.0.0.1:8880/v1', check: 'url',
    description: 'OpenAI-compatible text-to-speech server (Kokoro-FastAPI, openedai-speech with Piper, OpenAI) with its `/v1` path. Unset: espeak-ng on this machine.' }) })),
  TTS_API_KEY: Type.Optional(Type.String({ ...meta({ example: 'sk-...', secret: true,
    description: 'API key sent to TTS_BASE_URL as a bearer token.' }) })),
  TTS_MODEL: Type.String({ minLength: 1, default: 'tts-1', ...meta({ example: 'kokoro',
    description: 'Model asked of TTS_BASE_URL.' }) }),
  TTS_VOICE: Type.Optional(Type.String({ minLength: 1, maxLength: 81, ...meta({ example: 'en-gb',
    description: 'Default voice. Unset: `en-us` for espeak-ng, `alloy` for TTS_BASE_URL.' }) })),
  POCKETSPHINX_MODEL_DIR: Type.String({ minLength: 1, default: '/usr/share/pocketsphinx/model/en-us', ...meta({ example: '/usr/share/pocketsphinx/model/en-us',
    description: 'Folder of the pocketsphinx model (Debian\'s pocketsphinx-en-us): `en-us/`, `en-us.lm.bin`, `cmudict-en-us.dict`.' }) }),
  VOICE_MAX_UPLOAD_BYTES: Type.Integer({ minimum: 1024, maximum: 1_073_741_824, default: 26_214_400, ...meta({ example: '26214400',
    description: 'Largest audio upload to transcribe (bytes); a larger one gets 413 before it is read.' }) }),
  VOICE_MAX_DURATION_S: Type.Integer({ minimum: 1, maximum: 36_000, default: 300, ...meta({ example: '300',
    description: 'Longest audio transcribed at once (seconds); longer audio gets 413.' }) }),
  VOICE_TIMEOUT_MS: Type.Integer({ minimum: 500, maximum: 3_600_000, default: 60_000, ...meta({ example: '60000',
    description: 'Time one audio conversion, transcription or synthesis may take.' }) }),
  VOICE_SILENCE_MS: Type.Integer({ minimum: 200, maximum: 5000, default: 700, ...meta({ example: '700',
    description: 'Silence that ends an utterance in the hands-free conversation (a client may ask for another value).' }) }),
}, { additionalProperties: false });

export type Config = Readonly<Omit<Static<typeof ConfigSchema>, 'LOG_LEVEL'> & { LOG_LEVEL: LogLevel }>;
export type ConfigKey = keyof Static<typeof ConfigSchema>;

export function settingMeta(key: ConfigKey): TSchema & Meta & { default?: unknown } {
  return ConfigSchema.properties[key] as unknown as TSchema & Meta & { default?: unknown };
}

export const configKeys = Object.keys(ConfigSchema.properties) as ConfigKey[];
