import type { IncomingHttpHeaders } from 'node:http';
import { isRecord } from '../http/json-values.js';
import type { ChatMessage, ChatRole, ToolCall, ToolDefinition } from '../provider.js';

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

export type ScriptedFinishReason = 'stop' | 'length' | 'tool_calls';

export interface ScriptedUsage {
  promptTokens: number;
  completionTokens: number;
}

/** A tool call the scripted model makes. */
export interface ScriptedToolCall {
  /** OpenAI sends `call_<n>_<random>` unless set; Ollama sends an id only when set, like Ollama before 0.12. */
  id?: string;
  name: string;
  /** An object is sent as JSON; a string is sent as it is, which is how a test sends malformed arguments. */
  arguments: Record<string, unknown> | string;
}

/** One streamed chat answer: the tokens in order, then any tool calls, then a normal finish or a fault. */
export interface ScriptedReply {
  tokens: string[];
  /**
   * Sent after the tokens the way each server streams them: OpenAI in `delta.tool_calls`
   * fragments with the arguments text split mid-string, Ollama whole in one message chunk.
   */
  toolCalls?: ScriptedToolCall[];
  /** Pause between two tokens. */
  delayMs?: number;
  /** Defaults to `tool_calls` when there are tool calls (Ollama says `stop` then, as it does), else `stop`. */
  finishReason?: ScriptedFinishReason;
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

export function scriptedFinishReason(reply: ScriptedReply): ScriptedFinishReason {
  return reply.finishReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop');
}

/** A scripted call's arguments as the JSON text a server sends. */
export function scriptedArgumentsText(call: ScriptedToolCall): string {
  return typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
}

/**
 * The messages of a chat request in the provider's own terms, whichever protocol carried
 * them (OpenAI: `tool_calls` with JSON-text arguments, `tool_call_id`; Ollama: object
 * arguments, `tool_name`). What a script reads to answer a tool result.
 */
export function requestMessages(request: RecordedRequest): ChatMessage[] {
  const body = isRecord(request.body) ? request.body : {};
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  return messages.map((message): ChatMessage => {
    const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isRecord) : [];
    return {
      role: String(message.role) as ChatRole,
      content: messageText(message.content),
      ...(calls.length ? { toolCalls: calls.map(requestToolCall) } : {}),
      ...(typeof message.tool_call_id === 'string' ? { toolCallId: message.tool_call_id } : {}),
      ...(typeof message.tool_name === 'string' ? { toolName: message.tool_name } : {}),
    };
  });
}

/** The tools a chat request offered the model, from the function format both protocols use. */
export function requestTools(request: RecordedRequest): ToolDefinition[] {
  const body = isRecord(request.body) ? request.body : {};
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord) : [];
  return tools.flatMap((tool) => {
    const fn = isRecord(tool.function) ? tool.function : undefined;
    if (!fn || typeof fn.name !== 'string') return [];
    return [{ name: fn.name, description: typeof fn.description === 'string' ? fn.description : '', parameters: isRecord(fn.parameters) ? fn.parameters : {} }];
  });
}

/** The `tool` messages of a chat request, in order: the results a tool loop sent back. */
export function requestToolResults(request: RecordedRequest): ChatMessage[] {
  return requestMessages(request).filter((message) => message.role === 'tool');
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.filter(isRecord).map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
  return '';
}

function requestToolCall(call: Record<string, unknown>, index: number): ToolCall {
  const fn = isRecord(call.function) ? call.function : {};
  let args: unknown = fn.arguments;
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args);
    } catch {
      args = { unparsed: args };
    }
  }
  return { id: typeof call.id === 'string' ? call.id : `(no id ${index})`, name: String(fn.name), arguments: isRecord(args) ? args : {} };
}

/** Ollama accepts "name" for "name:latest". */
export function hasModel(models: string[], name: unknown): boolean {
  return typeof name === 'string' && (models.includes(name) || models.includes(`${name}:latest`));
}
