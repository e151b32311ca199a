/**
 * The one catalogue of error codes. Each entry is what a user reads and what they can do;
 * the README's error table is generated from it. Routes and services throw `AppError` with a
 * code from here; the HTTP error boundary turns it into the response.
 */

interface ErrorSpec {
  status: number;
  message: string;
  hint: string;
  retryable: boolean;
}

export const errorCatalogue = {
  VALIDATION_FAILED: { status: 400, retryable: false, message: 'The request is not valid.', hint: 'Correct the field named in the message and send it again; /openapi.json describes every request.' },
  MALFORMED_REQUEST: { status: 400, retryable: false, message: 'The HTTP request could not be read.', hint: 'Check the request line, the headers and that Content-Length matches the body.' },
  INVALID_JSON: { status: 400, retryable: false, message: 'The request body is not valid JSON.', hint: 'Send a JSON body with Content-Type: application/json.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, message: 'This content type is not accepted here.', hint: 'Send Content-Type: application/json.' },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, message: 'The request body is too large.', hint: 'Send a smaller body.' },
  ROUTE_NOT_FOUND: { status: 404, retryable: false, message: 'There is no such route.', hint: 'See /openapi.json for the routes.' },
  CONVERSATION_NOT_FOUND: { status: 404, retryable: false, message: 'No such conversation.', hint: 'List your conversations with GET /api/v1/conversations.' },
  STREAM_NOT_FOUND: { status: 404, retryable: false, message: 'No such stream, or it is too old to resume.', hint: 'Read the stored reply with GET /api/v1/conversations/{id}.' },
  AGENT_NOT_FOUND: { status: 404, retryable: false, message: 'No such agent.', hint: 'List the agents with GET /api/v1/agents/.' },
  MODEL_NOT_FOUND: { status: 404, retryable: false, message: 'No provider serves this model.', hint: 'List the available models with GET /api/v1/models/.' },
  NO_MODEL_AVAILABLE: { status: 503, retryable: true, message: 'No model is available to answer.', hint: 'Get a model in one of three ways: start Ollama (ollama serve, then ollama pull llama3.2) or set OLLAMA_BASE_URL; set OPENAI_BASE_URL (and OPENAI_API_KEY) to any OpenAI-compatible server; or put a .gguf file in MODELS_DIR and restart.' },
  CAPABILITY_UNSUPPORTED: { status: 400, retryable: false, message: 'This model cannot do that.', hint: 'Choose a model whose capabilities include it (GET /api/v1/models/).' },
  PROVIDER_UNREACHABLE: { status: 502, retryable: true, message: 'The model server could not be reached.', hint: 'Check that the model server is running and that its URL is right; GET /health/detailed shows each provider.' },
  PROVIDER_TIMEOUT: { status: 504, retryable: true, message: 'The model server stopped answering in time.', hint: 'The server may be overloaded or loading a model; retry, or raise PROVIDER_FIRST_TOKEN_TIMEOUT_MS / PROVIDER_IDLE_TIMEOUT_MS.' },
  PROVIDER_ERROR: { status: 502, retryable: true, message: 'The model server answered with an error.', hint: 'See the message for the upstream error; GET /health/detailed shows each provider.' },
  PROVIDER_PROTOCOL_ERROR: { status: 502, retryable: true, message: 'The model server sent a reply SutazAI could not read.', hint: 'Check that the URL points at a server of the configured kind (Ollama or OpenAI-compatible).' },
  GENERATION_STOPPED: { status: 499, retryable: false, message: 'The generation was stopped before it finished.', hint: 'The partial reply is stored as interrupted.' },
  UNAUTHENTICATED: { status: 401, retryable: false, message: 'Sign in first.', hint: 'Send Authorization: Bearer <token or API key>, or sign in at POST /api/v1/auth/login.' },
  INVALID_CREDENTIALS: { status: 401, retryable: false, message: 'The email or the password is wrong.', hint: 'Check both; an administrator can reset a password.' },
  CURRENT_PASSWORD_WRONG: { status: 403, retryable: false, message: 'The current password is wrong.', hint: 'Type the password you sign in with now; if you have forgotten it, an administrator can set a new one.' },
  FORBIDDEN: { status: 403, retryable: false, message: 'You are not allowed to do this.', hint: 'This needs an administrator account.' },
  ACCOUNT_DISABLED: { status: 403, retryable: false, message: 'This account is disabled or waiting for approval.', hint: 'Ask an administrator to enable it.' },
  SIGNUP_CLOSED: { status: 403, retryable: false, message: 'Sign-up is closed on this server.', hint: 'Ask an administrator to create your account, or to open sign-up.' },
  EMAIL_IN_USE: { status: 409, retryable: false, message: 'An account with this email exists already.', hint: 'Sign in instead, or ask an administrator to reset the password.' },
  CSRF_FAILED: { status: 403, retryable: false, message: 'The request lacks the CSRF token that cookie sign-ins need for changes.', hint: 'Send the value of the sutazai_csrf cookie in the X-CSRF-Token header, or authenticate with a bearer token.' },
  RATE_LIMITED: { status: 429, retryable: true, message: 'Too many requests.', hint: 'Wait for the number of seconds in Retry-After, then retry.' },
  TOO_MANY_STREAMS: { status: 429, retryable: true, message: 'Too many replies are being generated for you at once.', hint: 'Wait for one to finish or stop one, then retry.' },
  LOGIN_RATE_LIMITED: { status: 429, retryable: true, message: 'Too many failed sign-ins.', hint: 'Wait for the number of seconds in Retry-After, then try again.' },
  API_KEY_NOT_FOUND: { status: 404, retryable: false, message: 'No such API key.', hint: 'List your keys with GET /api/v1/auth/api-keys.' },
  USER_NOT_FOUND: { status: 404, retryable: false, message: 'No such user.', hint: 'List the users with GET /api/v1/admin/users.' },
  JSON_TOO_DEEP: { status: 400, retryable: false, message: 'The JSON body is nested too deeply.', hint: 'Send a body nested at most 32 levels deep.' },
  INVALID_UTF8: { status: 400, retryable: false, message: 'The request body is not valid UTF-8.', hint: 'Encode the body as UTF-8.' },
  OUTBOUND_REQUEST_BLOCKED: { status: 403, retryable: false, message: 'SutazAI will not send a request to this address.', hint: 'Private, loopback and cloud-metadata addresses are refused; an administrator can allow hosts with OUTBOUND_ALLOW_HOSTS or OUTBOUND_ALLOW_PRIVATE=true.' },
  LIMITS_UNAVAILABLE: { status: 503, retryable: true, message: 'Rate limits cannot be checked because Redis does not answer.', hint: 'Check REDIS_URL and that Redis runs; GET /health/detailed shows it. RATE_LIMIT_WHEN_REDIS_DOWN=allow serves without limits meanwhile.' },
  DATABASE_UNAVAILABLE: { status: 503, retryable: true, message: 'The database is not answering.', hint: 'Check DATABASE_URL and that the database server runs; GET /health/detailed shows it.' },
  WEB_UI_NOT_BUILT: { status: 503, retryable: true, message: 'The web UI is not built.', hint: 'Build it with npm run build (npm start does it); the API works meanwhile.' },
  AGENT_READ_ONLY: { status: 403, retryable: false, message: 'Built-in agents cannot be changed.', hint: 'Duplicate it with POST /api/v1/agents/{id}/duplicate and change the copy.' },
  AGENT_EXISTS: { status: 409, retryable: false, message: 'An agent with this id exists already.', hint: 'Choose another id, or edit the existing agent with PATCH /api/v1/agents/{id}.' },
  TOOL_NOT_FOUND: { status: 400, retryable: false, message: 'No such tool.', hint: 'List the tools with GET /api/v1/tools.' },
  TOOL_FAILED: { status: 502, retryable: true, message: 'A tool failed.', hint: 'See the message; the model is told and may try another way.' },
  LIMIT_REACHED: { status: 422, retryable: false, message: 'The agent reached one of its limits before it answered.', hint: 'Raise the agent\'s limits (steps, time, tokens), or ask for less at once.' },
  MCP_SERVER_NOT_FOUND: { status: 404, retryable: false, message: 'No such MCP server.', hint: 'List them with GET /api/v1/admin/mcp-servers.' },
  MCP_SERVER_UNAVAILABLE: { status: 502, retryable: true, message: 'The MCP server could not be reached.', hint: 'Check its command or URL; GET /health/detailed shows each MCP server.' },
  MCP_STDIO_DISABLED: { status: 403, retryable: false, message: 'MCP servers that run a command (stdio) are off on this server.', hint: 'Use a streamable-http server, or set MCP_STDIO_ENABLED=true and restart (the command then runs with the server\'s privileges).' },
  RUN_NOT_FOUND: { status: 404, retryable: false, message: 'No such agent run.', hint: 'List your runs with GET /api/v1/runs.' },
  RUN_NOT_STARTED: { status: 409, retryable: true, message: 'The run has not started yet.', hint: 'It waits in the queue; retry in a moment, or watch GET /api/v1/runs/{id} until it is running.' },
  RUN_FINISHED: { status: 409, retryable: false, message: 'This run has finished already.', hint: 'Start a new run with POST /api/v1/agents/{id}/runs.' },
  QUEUE_UNAVAILABLE: { status: 503, retryable: true, message: 'The job queue is not answering.', hint: 'Check AMQP_URL and that RabbitMQ runs; GET /health/detailed shows it.' },
  KNOWLEDGE_BASE_NOT_FOUND: { status: 404, retryable: false, message: 'No such knowledge base.', hint: 'List your knowledge bases with GET /api/v1/knowledge.' },
  DOCUMENT_NOT_FOUND: { status: 404, retryable: false, message: 'No such document.', hint: 'List the documents with GET /api/v1/knowledge/{id}/documents.' },
  DOCUMENT_UNSUPPORTED: { status: 415, retryable: false, message: 'This kind of document cannot be indexed.', hint: 'Upload txt, md, html, pdf, docx, csv or json.' },
  DOCUMENT_PARSE_FAILED: { status: 422, retryable: false, message: 'The document could not be read.', hint: 'Check that the file is not damaged or encrypted; save it again or export it as PDF or text.' },
  DOCUMENT_EMPTY: { status: 422, retryable: false, message: 'The document has no text to index.', hint: 'A scanned PDF has images, not text: run OCR on it first.' },
  DOCUMENT_FETCH_FAILED: { status: 502, retryable: true, message: 'The document could not be fetched from its URL.', hint: 'Check that the URL answers from this server; add it again to retry.' },
  EMBEDDING_MODEL_MISMATCH: { status: 409, retryable: true, message: 'The knowledge base is indexed with another embedding model.', hint: 'It is being indexed again with the current model; retry once its documents are indexed.' },
  AUDIO_INVALID: { status: 400, retryable: false, message: 'The audio could not be read.', hint: 'Send a complete wav, webm (Opus), ogg, mp3 or m4a file that plays in a media player; truncated or damaged files are refused.' },
  AUDIO_UNSUPPORTED: { status: 400, retryable: false, message: 'This audio format is not accepted.', hint: 'Send wav, webm (Opus), ogg (Opus or Vorbis), mp3, m4a (AAC) or flac.' },
  AUDIO_TOO_LARGE: { status: 413, retryable: false, message: 'The audio file is too large.', hint: 'Send a smaller file (compressed formats such as webm or mp3 are far smaller than wav), or ask the administrator to raise VOICE_MAX_UPLOAD_BYTES.' },
  AUDIO_TOO_LONG: { status: 413, retryable: false, message: 'The audio is too long.', hint: 'Split it into shorter parts, or ask the administrator to raise VOICE_MAX_DURATION_S.' },
  VOICE_NOT_FOUND: { status: 400, retryable: false, message: 'No such voice.', hint: 'List the voices with GET /api/v1/voice/voices.' },
  VOICE_ENGINE_UNAVAILABLE: { status: 503, retryable: true, message: 'The speech engine is not available.', hint: 'GET /health/detailed shows each speech engine; install the embedded ones (apt-get install espeak-ng pocketsphinx pocketsphinx-en-us ffmpeg) or set STT_BASE_URL / TTS_BASE_URL to an OpenAI-compatible audio server.' },
  VOICE_ENGINE_FAILED: { status: 502, retryable: true, message: 'The speech engine failed.', hint: 'See the message; GET /health/detailed shows each speech engine.' },
  VOICE_ENGINE_TIMEOUT: { status: 504, retryable: true, message: 'The speech engine did not finish in time.', hint: 'Send shorter audio or text, or ask the administrator to raise VOICE_TIMEOUT_MS.' },
  INTERNAL_ERROR: { status: 500, retryable: true, message: 'Something went wrong on the server.', hint: 'Retry; if it persists, report the request id from this error to the administrator.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCatalogue;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly hint: string;
  readonly retryable: boolean;
  constructor(code: ErrorCode, message?: string, options?: { hint?: string; cause?: unknown }) {
    const spec: ErrorSpec = errorCatalogue[code];
    super(message ?? spec.message, { cause: options?.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = spec.status;
    this.hint = options?.hint ?? spec.hint;
    this.retryable = spec.retryable;
  }
}

export function openAIErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status < 500) return 'invalid_request_error';
  return 'server_error';
}
