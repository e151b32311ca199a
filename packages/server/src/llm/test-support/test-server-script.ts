import type { IncomingHttpHeaders } from 'node:http';

/** What goes wrong instead of (or in the middle of) a normal answer. */
export type ScriptedFault =
  /** Headers and any scripted tokens are sent, then nothing: the connection stays open and silent. */
  | { type: 'stall' }
  /** A chunk that is not valid JSON where the next chunk belongs; the stream then finishes normally. */
  | { type: 'malformed'; chunk?: string }
  /** The socket is destroyed after the scripted tokens, without ending the HTTP response. */
  | { type: 'cut' }
  /** The request is read but never answered, not even with headers. */
  | { type: 'hang' }
  /** The whole answer is this HTTP error; the body defaults to the API's own error shape around `message`. */
  | { type: 'http-error'; status: number; message?: string; body?: string };

export interface ScriptedUsage {
  promptTokens: number;
  completionTokens: number;
}

/** One streamed chat answer: the tokens in order, then a normal finish or a fault. */
export interface ScriptedReply {
  tokens: string[];
  /** Pause between two tokens. */
  delayMs?: number;
  finishReason?: 'stop' | 'length';
  /** Defaults to the words of the prompt and one completion token per scripted token. */
  usage?: ScriptedUsage;
  /** Writes every chunk in two pieces split inside its first multi-byte character. */
  splitInsideCharacters?: boolean;
  fault?: ScriptedFault;
}

export interface TestServerScript {
  /** What the model list answers, in order; defaults to ["test-model"]. Chat with another model is a 404. */
  models?: string[];
  /** The chat answer, or a function choosing it per request; defaults to tokens "Hello", ",", " world". */
  chat?: ScriptedReply | ((request: RecordedRequest) => ScriptedReply);
  /** Consulted first for every request: return a fault to answer it with that instead. */
  fault?: (request: RecordedRequest) => ScriptedFault | undefined;
  /** Length of the vectors `testEmbedding` produces; defaults to 4. */
  embeddingDimensions?: number;
}

/** The API surface a request hit, named the same on both servers. */
export type TestEndpoint = 'chat' | 'models' | 'embed' | 'version' | 'pull' | 'other';

export interface RecordedRequest {
  method: string;
  /** Path with query, e.g. "/v1/chat/completions". */
  path: string;
  endpoint: TestEndpoint;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined without one. */
  body: unknown;
  /**
   * Resolves when the client closed the connection before the answer was complete: what an
   * aborted or abandoned upstream request looks like from the server. Never resolves otherwise.
   */
  disconnected: Promise<void>;
  readonly wasDisconnected: boolean;
}

export interface TestServer<Script extends TestServerScript = TestServerScript> {
  /** The origin, e.g. http://127.0.0.1:40123. */
  url: string;
  /** What to pass as the provider's baseURL (the OpenAI-compatible one ends in /v1). */
  baseURL: string;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** The live script: change it between requests to change the answers. */
  script: Script;
  /** Destroys open connections (stalled streams included) and stops listening. */
  close(): Promise<void>;
}

export const DEFAULT_MODELS = ['test-model'];
export const DEFAULT_REPLY: ScriptedReply = { tokens: ['Hello', ',', ' world'] };

/** The deterministic vector both test servers return for `text`, so tests can assert exact values. */
export function testEmbedding(text: string, dimensions = 4): number[] {
  const codeSum = [...text].reduce((sum, character) => sum + (character.codePointAt(0) ?? 0), 0);
  return Array.from({ length: dimensions }, (_, index) => (index === 0 ? text.length : ((codeSum * (index + 1)) % 997) / 997));
}

/** The token count both test servers report: whitespace-separated words. */
export function countTestTokens(texts: string[]): number {
  return texts.reduce((count, text) => count + text.split(/\s+/).filter(Boolean).length, 0);
}

export function chooseReply(script: TestServerScript, request: RecordedRequest): ScriptedReply {
  const chat = script.chat ?? DEFAULT_REPLY;
  return typeof chat === 'function' ? chat(request) : chat;
}

/** Ollama accepts "name" for "name:latest". */
export function hasModel(models: string[], name: unknown): boolean {
  return typeof name === 'string' && (models.includes(name) || models.includes(`${name}:latest`));
}
