/**
 * The two streaming clients the chat benchmark compares, both on node:http with one shared
 * keep-alive agent, timing the same moments:
 * - `streamDirect`: the OpenAI protocol straight at the token server;
 * - `streamThrough`: SutazAI's `POST /api/v1/chat/stream` (which calls the token server).
 * Time to first token is when the first non-empty text arrives; total time is when the
 * stream's last event arrives (`data: [DONE]`, or `message-end`).
 */
import http from 'node:http';

/**
 * @typedef {object} StreamResult
 * @property {number} startedAt  performance.now() when the request was sent
 * @property {number | undefined} ttftMs
 * @property {number | undefined} totalMs
 * @property {string[]} deltas  the text pieces in arrival order
 * @property {number | undefined} completionTokens  as the final event reports it
 * @property {string | undefined} error  why the stream is not a complete reply
 */

export function createAgent() {
  return new http.Agent({ keepAlive: true, maxSockets: Infinity, keepAliveMsecs: 30_000 });
}

/** @returns {Promise<StreamResult>} */
export function streamDirect(agent, baseURL, prompt) {
  const body = JSON.stringify({
    model: 'bench-model', stream: true, stream_options: { include_usage: true },
    messages: [{ role: 'user', content: prompt }],
  });
  let finishReason;
  return streamSse(agent, `${baseURL}/chat/completions`, body, (event, result, now) => {
    if (event.data === '[DONE]') {
      result.totalMs = now - result.startedAt;
      if (finishReason !== 'stop') result.error = `finish_reason ${finishReason}`;
      return true;
    }
    const chunk = JSON.parse(event.data);
    if (chunk.usage) result.completionTokens = chunk.usage.completion_tokens;
    const choice = chunk.choices?.[0];
    if (choice?.finish_reason) finishReason = choice.finish_reason;
    const text = choice?.delta?.content;
    if (text) {
      result.ttftMs ??= now - result.startedAt;
      result.deltas.push(text);
    }
    return false;
  });
}

/** @returns {Promise<StreamResult>} */
export function streamThrough(agent, sutazaiURL, prompt) {
  const body = JSON.stringify({ message: prompt, model: 'bench-model' });
  let started = false;
  return streamSse(agent, `${sutazaiURL}/api/v1/chat/stream`, body, (event, result, now) => {
    const data = JSON.parse(event.data);
    switch (event.event) {
      case 'message-start':
        started = true;
        return false;
      case 'text-delta':
        if (!started) result.error = 'text-delta before message-start';
        if (data.text) {
          result.ttftMs ??= now - result.startedAt;
          result.deltas.push(data.text);
        }
        return false;
      case 'message-end':
        result.totalMs = now - result.startedAt;
        result.completionTokens = data.usage?.completion_tokens;
        if (data.status !== 'complete') result.error = `message-end status ${data.status} (${data.finish_reason})`;
        return true;
      case 'error':
        result.error = `error event ${data.code}: ${data.message}`;
        return true;
      default:
        return false;
    }
  });
}

/**
 * POSTs `body` and feeds each server-sent event to `onEvent`, which returns true on the
 * final one. Resolves (never rejects) once the response ends.
 */
function streamSse(agent, url, body, onEvent) {
  const result = { startedAt: performance.now(), ttftMs: undefined, totalMs: undefined, deltas: [], completionTokens: undefined, error: undefined };
  return new Promise((resolve) => {
    let settled = false;
    const finish = (error) => {
      if (settled) return;
      settled = true;
      if (error && !result.error) result.error = error;
      if (!result.error && result.totalMs === undefined) result.error = 'the stream ended without its final event';
      resolve(result);
    };
    const request = http.request(url, {
      method: 'POST', agent,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(body) },
    }, (response) => {
      if (response.statusCode !== 200) {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (part) => (text += part));
        response.once('end', () => finish(`HTTP ${response.statusCode}: ${text.slice(0, 300)}`));
        return;
      }
      // setEncoding keeps a character split across two network chunks whole.
      response.setEncoding('utf8');
      let pending = '';
      let event = '';
      let data = [];
      let done = false;
      response.on('data', (part) => {
        const now = performance.now();
        pending += part;
        let newline;
        while (!done && (newline = pending.indexOf('\n')) !== -1) {
          const line = pending.endsWith('\r', newline) ? pending.slice(0, newline - 1) : pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (line === '') {
            if (data.length > 0) {
              try {
                done = onEvent({ event: event || 'message', data: data.join('\n') }, result, now);
              } catch (error) {
                result.error = `unreadable event: ${error.message}`;
                done = true;
              }
            }
            event = '';
            data = [];
          } else if (line.startsWith('data:')) {
            data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
          } else if (line.startsWith('event:')) {
            event = line.slice(line.startsWith('event: ') ? 7 : 6);
          }
        }
      });
      response.once('end', () => finish());
      response.once('error', (error) => finish(error.message));
    });
    request.once('error', (error) => finish(error.message));
    request.end(body);
  });
}
