import { OutboundRequestBlockedError } from '../../net/outbound-guard.js';
import { OutboundResponseTooLargeError, readLimitedBody } from '../../net/read-limited-body.js';
import { htmlToText } from './html-to-text.js';
import { argumentProblem, errorResult, truncateText, type ParametersSchema } from './tool-arguments.js';
import type { Tool, ToolResult } from './tool.js';

const DEFAULT_MAX_CHARS = 10_000;

const parameters: ParametersSchema = {
  type: 'object',
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2048, description: 'The http:// or https:// URL to read.' },
    max_chars: { type: 'integer', minimum: 100, maximum: 100_000, description: `How many characters of text to return at most (default ${DEFAULT_MAX_CHARS}).` },
  },
  required: ['url'],
  additionalProperties: false,
};

export interface HttpFetchOptions {
  /** The server's guarded fetch (`platform.outboundFetch`): every request obeys the outbound policy. */
  fetch: typeof fetch;
  /** Bodies larger than this are refused (HTTP_FETCH_MAX_BYTES). */
  maxBytes: number;
  /** For the whole request, body included (HTTP_FETCH_TIMEOUT_MS). */
  timeoutMs: number;
}

/** Reads a web page (GET only) and returns its text. Off unless HTTP_FETCH_ENABLED=true. */
export function createHttpFetchTool(options: HttpFetchOptions): Tool {
  return {
    name: 'http_fetch',
    description: 'Fetches a web page or text document with an HTTP GET and returns its status, content type and text (HTML reduced to readable text). Use it to read a URL the user gave or one you know.',
    parameters: parameters as unknown as Record<string, unknown>,
    source: 'builtin',
    async execute(args, context) {
      const problem = argumentProblem(parameters, args);
      if (problem) return errorResult(problem);
      let url: URL;
      try {
        url = new URL(args.url as string);
      } catch {
        return errorResult(`"${String(args.url).slice(0, 200)}" is not a URL; write a full address such as https://example.com/page.`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return errorResult(`Only http:// and https:// URLs can be fetched, not ${url.protocol}.`);
      const shown = `${url.origin}${url.pathname}`;
      const timeout = AbortSignal.timeout(options.timeoutMs);
      try {
        const response = await options.fetch(url, {
          method: 'GET',
          headers: { accept: 'text/html, text/plain;q=0.9, application/json;q=0.9, */*;q=0.5', 'user-agent': 'SutazAI-http_fetch' },
          signal: AbortSignal.any([context.signal, timeout]),
        });
        const body = await readLimitedBody(response, options.maxBytes);
        return describeResponse(response, body, url, (args.max_chars as number | undefined) ?? DEFAULT_MAX_CHARS);
      } catch (error) {
        if (error instanceof OutboundRequestBlockedError) return errorResult(error.message);
        if (error instanceof OutboundResponseTooLargeError) return errorResult(`${error.message} (HTTP_FETCH_MAX_BYTES)`);
        if (context.signal.aborted) return errorResult(`The fetch of ${shown} was stopped.`);
        if (timeout.aborted) return errorResult(`${shown} did not answer completely within ${options.timeoutMs} ms.`);
        const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
        return errorResult(`Could not fetch ${shown}: ${cause}.`);
      }
    },
  };
}

function describeResponse(response: Response, body: Uint8Array, requested: URL, maxChars: number): ToolResult {
  const contentType = response.headers.get('content-type') ?? '';
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  const header = [`URL: ${response.url || requested.href}`, `Status: ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`, `Content-Type: ${contentType || 'not given'}`];
  const isError = response.status >= 400;
  if (!isText(mediaType, body)) {
    return { content: `${header.join('\n')}\n\n[binary content, ${body.byteLength} bytes: http_fetch shows text only]`, ...(isError ? { isError } : {}) };
  }
  const raw = decode(body, contentType);
  let text = raw;
  if (mediaType === 'text/html' || mediaType === 'application/xhtml+xml' || (!mediaType && /^\s*<(!doctype|html)/i.test(raw))) {
    const page = htmlToText(raw);
    if (page.title) header.push(`Title: ${page.title}`);
    text = page.text;
  }
  return { content: `${header.join('\n')}\n\n${truncateText(text, maxChars)}`, ...(isError ? { isError } : {}) };
}

function isText(mediaType: string, body: Uint8Array): boolean {
  if (mediaType.startsWith('text/') || mediaType.endsWith('+json') || mediaType.endsWith('+xml')) return true;
  if (['application/json', 'application/xml', 'application/javascript', 'application/x-www-form-urlencoded', 'application/xhtml+xml'].includes(mediaType)) return true;
  // No type given: text unless it holds NUL bytes.
  return mediaType === '' && !body.slice(0, 4096).includes(0);
}

function decode(body: Uint8Array, contentType: string): string {
  const charset = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType)?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}
