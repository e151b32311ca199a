/**
 * The model-provider capability: what every adapter (ollama, openai-compatible,
 * llama-cpp) promises. Core code imports this file, never an adapter.
 *
 * Optional methods are how an adapter declares what it cannot do: a provider without
 * embeddings simply has no `embed`. Nothing here throws "not implemented".
 */

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** On an assistant message: the tool calls the model made in that turn. */
  toolCalls?: ToolCall[];
  /** On a tool message: the call this is the result of. */
  toolCallId?: string;
  /** On a tool message: the tool's name (Ollama wants it). */
  toolName?: string;
}

/** A tool the model may call: name, what it does, and a JSON Schema for its arguments. */
export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of an object. */
  parameters: Record<string, unknown>;
}

/** One complete tool call (arguments already parsed from JSON). */
export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export interface ChatRequest {
  /** The provider's own model name (without any provider prefix). */
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: string[];
  seed?: number;
  /**
   * Tools the model may call. Providers with native tool calls send them as such; the
   * embedded engine constrains its output to JSON (a call or an answer) instead.
   */
  tools?: ToolDefinition[];
  /** Aborting it must abort the upstream request at once. */
  signal?: AbortSignal;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** Stream parts, noun-verb like the HTTP events they become. */
export type ChatStreamPart =
  | { type: 'text-delta'; text: string }
  /** A complete tool call; a turn may hold several, all before `finish` (reason `tool-calls`). */
  | ({ type: 'tool-call' } & ToolCall)
  | { type: 'finish'; finishReason: FinishReason; usage?: TokenUsage };

export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'aborted' | 'other';

export interface ModelInfo {
  /** The provider's own name for the model. */
  name: string;
  /** Free-form facts: size, family, context length... */
  details?: Record<string, unknown>;
}

export interface PullProgress {
  status: string;
  completed?: number;
  total?: number;
}

export interface ProviderCapabilities {
  chat: boolean;
  streaming: boolean;
  toolCalls: boolean;
  embeddings: boolean;
  modelList: boolean;
  modelPull: boolean;
}

export interface ProbeResult {
  status: 'healthy' | 'down' | 'disabled';
  latencyMs: number;
  detail: string;
  hint?: string;
}

export interface Provider {
  /** Stable id used as a model prefix and in health: "ollama", "openai", "llama-cpp". */
  readonly id: string;
  /** Human kind for health output. */
  readonly kind: 'ollama' | 'openai-compatible' | 'llama-cpp';
  readonly capabilities: ProviderCapabilities;

  /** Models this provider can serve right now. Throws a ProviderError when unreachable. */
  listModels(signal?: AbortSignal): Promise<ModelInfo[]>;

  /**
   * Streams a reply. The iterator ends after exactly one `finish` part, or throws a
   * ProviderError (timeouts, malformed chunks, cut connections). Breaking out of the loop
   * or aborting `request.signal` releases the upstream request.
   */
  streamChat(request: ChatRequest): AsyncIterable<ChatStreamPart>;

  embed?(request: { model: string; input: string[]; signal?: AbortSignal }): Promise<{ embeddings: number[][]; usage?: { promptTokens: number } }>;

  pullModel?(name: string, signal?: AbortSignal): AsyncIterable<PullProgress>;

  /** A real round trip with a short timeout. */
  probe(): Promise<ProbeResult>;

  /** Releases sockets, native memory. */
  close?(): Promise<void>;
}

export interface ProviderTimeouts {
  /** Time allowed to connect and receive response headers. */
  connectMs: number;
  /** Time allowed from the request until the first token. */
  firstTokenMs: number;
  /** Longest silence allowed between two tokens. */
  betweenTokensMs: number;
}

export type ProviderErrorKind =
  | 'unreachable'        // connection refused, DNS failure, connect timeout
  | 'timeout'            // first-token or between-token timeout
  | 'protocol'           // malformed chunk, unexpected content type, cut mid-stream
  | 'upstream'           // upstream answered with an HTTP error
  | 'model-not-found'
  | 'aborted';

/** The one error type adapters throw; the chat service maps it to the error catalogue. */
export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly provider: string;
  readonly status: number | undefined;
  constructor(provider: string, kind: ProviderErrorKind, message: string, options?: { status?: number; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'ProviderError';
    this.provider = provider;
    this.kind = kind;
    this.status = options?.status;
  }
}
