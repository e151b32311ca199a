/**
 * The floor for the chat figures: the least a Node.js server can do between a client and a
 * model. Plain node:http, no framework, no database, no validation, no guard: it answers
 * `POST /api/v1/chat/stream` by calling the token server (OpenAI protocol, one kept-alive
 * connection pool) and relays each token as SutazAI's `text-delta` event, between a
 * `message-start` and a `message-end` with the upstream's usage, so the bench's client reads
 * it exactly as it reads SutazAI. What SutazAI adds beyond this is its own work; what this
 * adds is the price of any extra process on the path on this machine.
 *
 * Env: OPENAI_BASE_URL (the token server's `/v1`), HOST (default 127.0.0.1), PORT (default 0).
 * Prints `{"url": ...}` when listening.
 */
import http from 'node:http';

const base = process.env.OPENAI_BASE_URL.replace(/\/+$/, '');
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
let replies = 0;

const event = (name, data) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

function relay(request, response) {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (part) => (body += part));
  request.on('end', () => {
    const { message, model } = JSON.parse(body);
    const messageId = `bare-${replies++}`;
    const upstream = http.request(`${base}/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (answer) => {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      response.write(event('message-start', { message_id: messageId, model }));
      answer.setEncoding('utf8');
      let pending = '';
      let usage;
      answer.on('data', (part) => {
        pending += part;
        let newline;
        while ((newline = pending.indexOf('\n')) !== -1) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
          const chunk = JSON.parse(line.slice(6));
          if (chunk.usage) usage = chunk.usage;
          const text = chunk.choices?.[0]?.delta?.content;
          if (text) response.write(event('text-delta', { text }));
        }
      });
      answer.on('end', () => {
        response.end(event('message-end', { message_id: messageId, status: 'complete', finish_reason: 'stop', usage }));
      });
    });
    upstream.on('error', () => response.destroy());
    upstream.end(JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: message }] }));
  });
}

const server = http.createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/api/v1/chat/stream') relay(request, response);
  else if (request.url === '/health') response.end('{"status":"healthy"}');
  else {
    response.statusCode = 404;
    response.end();
  }
});
// Longer than any client's idle timeout, as the token server's.
server.keepAliveTimeout = 120_000;
const host = process.env.HOST ?? '127.0.0.1';
server.listen(Number(process.env.PORT ?? 0), host, () => {
  process.stdout.write(`${JSON.stringify({ url: `http://${host}:${server.address().port}` })}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
