/**
 * The streaming clients the chat, turn-cost and replicas benchmarks compare, all on node:http
 * with one shared keep-alive agent, timing the same moments:
 * - `streamDirect`: the OpenAI protocol straight at the token server;
 * - `streamThrough`: SutazAI's `POST /api/v1/chat/stream` (which calls the token server), or
 *   the bare proxy's, optionally resumed on another replica.
 * Time to first token is when the first non-empty text arrives; total time is when the
 * stream's last event arrives (`data: [DONE]`, or `message-end`).
 */
import http from 'node:http';
import { BENCH_MODEL } from './token-server.mjs';

/**
 * @typedef {object} StreamResult
 * @property {number} startedAt  performance.now() when the request was sent
 * @property {number | undefined} ttftMs
 * @property {number | undefined} totalMs
 * @property {string[]} deltas  the text pieces in arrival order
 * @property {number[]} arrivals  performance.now() at each piece
 * @property {number | undefined} completionTokens  as the final event reports it
 * @property {string | undefined} error  why the stream is not a complete reply
 */

/** A stream that hangs is reported as failed after this long, not waited for. */
const STREAM_DEADLINE_MS = 30_000;

export function createAgent() {
  return new http.Agent({ keepAlive: true, maxSockets: Infinity, keepAliveMsecs: 30_000 });
}

/** @returns {StreamResult} */
export function newResult() {
  return { startedAt: performance.now(), ttftMs: undefined, totalMs: undefined, deltas: [], arrivals: [], completionTokens: undefined, error: undefined };
}

function delta(result, text, now) {
  result.ttftMs ??= now - result.startedAt;
  result.deltas.push(text);
  result.arrivals.push(now);
}

/** @returns {Promise<StreamResult>} */
export function streamDirect(agent, baseURL, prompt) {
  const body = { model: BENCH_MODEL, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: prompt }] };
  const result = newResult();
  let finishReason;
  return readSse(agent, 'POST', `${baseURL}/chat/completions`, body, {}, result, (event, now) => {
    if (event.data === '[DONE]') {
      result.totalMs = now - result.startedAt;
      if (finishReason !== 'stop') result.error = `finish_reason ${finishReason}`;
      return 'done';
    }
    const chunk = JSON.parse(event.data);
    if (chunk.usage) result.completionTokens = chunk.usage.completion_tokens;
    const choice = chunk.choices?.[0];
    if (choice?.finish_reason) finishReason = choice.finish_reason;
    if (choice?.delta?.content) delta(result, choice.delta.content, now);
    return 'more';
  });
}

/**
 * SutazAI's `POST /api/v1/chat/stream` at `url`; with `resumeURL`, the connection is dropped
 * after `message-start` and the stream resumed there with `Last-Event-ID` (another replica).
 * @returns {Promise<StreamResult>}
 */
export async function streamThrough(agent, url, prompt, resumeURL) {
  const result = newResult();
  let started = false;
  let resumeFrom;
  const onEvent = (event, now) => {
    const data = JSON.parse(event.data);
    switch (event.event) {
      case 'message-start':
        started = true;
        if (!resumeURL) return 'more';
        resumeFrom = { id: event.id, messageId: data.message_id };
        return 'drop';
      case 'text-delta':
        if (!started) result.error = 'text-delta before message-start';
        if (data.text) delta(result, data.text, now);
        return 'more';
      case 'message-end':
        result.totalMs = now - result.startedAt;
        result.completionTokens = data.usage?.completion_tokens;
        if (data.status !== 'complete') result.error = `message-end status ${data.status} (${data.finish_reason})`;
        return 'done';
      case 'error':
        result.error = `error event ${data.code}: ${data.message}`;
        return 'done';
      default:
        return 'more';
    }
  };
  await readSse(agent, 'POST', `${url}/api/v1/chat/stream`, { message: prompt, model: BENCH_MODEL }, {}, result, onEvent);
  if (!resumeURL || result.error) return result;
  if (!resumeFrom) {
    result.error = 'no message-start to resume from';
    return result;
  }
  return readSse(agent, 'GET', `${resumeURL}/api/v1/chat/stream/${resumeFrom.messageId}`, undefined, { 'last-event-id': resumeFrom.id }, result, onEvent);
}

/**
 * Sends the request and feeds each server-sent event to `onEvent`, which answers `more`,
 * `done` (the final event) or `drop` (close the connection now, on purpose). Resolves with
 * `result` (never rejects); a stream that ends without `done` or `drop` is an error.
 */
export function readSse(agent, method, url, body, headers, result, onEvent) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (error && !result.error) result.error = error;
      resolve(result);
    };
    // A stream that hangs is a failure to report, not a benchmark that never ends.
    const deadline = setTimeout(() => {
      request.destroy();
      finish(`no final event within ${STREAM_DEADLINE_MS} ms (${method} ${url}, ${result.deltas.length} tokens so far)`);
    }, STREAM_DEADLINE_MS);
    const request = http.request(url, {
      method, agent,
      headers: { accept: 'text/event-stream', ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
    }, (response) => {
      if (response.statusCode !== 200) {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (part) => (text += part));
        response.once('end', () => finish(`HTTP ${response.statusCode} ${method} ${url}: ${text.slice(0, 300)}`));
        return;
      }
      response.setEncoding('utf8');
      let pending = '';
      let fields = { event: '', id: undefined, data: [] };
      let state = 'more';
      response.on('data', (part) => {
        const now = performance.now();
        pending += part;
        let newline;
        while (state === 'more' && (newline = pending.indexOf('\n')) !== -1) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (line === '') {
            if (fields.data.length > 0) {
              try {
                state = onEvent({ event: fields.event || 'message', id: fields.id, data: fields.data.join('\n') }, now);
              } catch (error) {
                result.error = `unreadable event: ${error.message}`;
                state = 'done';
              }
            }
            fields = { event: '', id: undefined, data: [] };
          } else if (line.startsWith('data:')) fields.data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
          else if (line.startsWith('event:')) fields.event = line.slice(line.startsWith('event: ') ? 7 : 6);
          else if (line.startsWith('id:')) fields.id = line.slice(line.startsWith('id: ') ? 4 : 3);
        }
        if (state === 'drop') {
          request.destroy();
          finish();
        } else if (state === 'done') finish();
      });
      response.once('end', () => finish(state === 'more' ? 'the stream ended without its final event' : undefined));
      response.once('error', (error) => finish(state === 'more' ? error.message : undefined));
    });
    request.once('error', (error) => finish(settled ? undefined : error.message));
    request.end(payload);
  });
}
